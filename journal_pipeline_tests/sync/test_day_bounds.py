"""The day's windows under both readings of iSeller's ``*_before`` bounds (I-10): inclusive,
or exclusive of the bound itself. No order falls between two days' windows, an order at
exactly a window's end is posted once (in the day its business date says), and the
completeness check raises no false alarm for an order in the boundary second.

With a stand-in for iSeller that filters a fixed list of raw orders as each reading does, a
merchant with one time zone (so adjacent days' windows meet exactly), and SQLite staging."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from journal_pipeline.accounting.documents import SALES_INVOICE
from journal_pipeline.config import load_config
from journal_pipeline.core.timestamps import parse_utc
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import completeness
from journal_pipeline.sync.day import build_journal, extract_orders, record_journal, unbuilt_days
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.accounting.orders import retail_order
from journal_sandbox.defaults import DEMO_CONFIG

DEMO = load_config(DEMO_CONFIG)
#: One outlet, one time zone (WIB): business day D is [D−1 17:00, D 17:00) UTC, and the next
#: day's windows begin exactly where D's end.
CONFIG = DEMO.model_copy(update={"outlets": {"JKT": DEMO.outlets["JKT"]}})
DAY = date(2026, 11, 19)
NEXT = DAY + timedelta(days=1)
END = datetime(2026, 11, 19, 17, tzinfo=UTC)  # the end of DAY's windows, 00:00 WIB on NEXT
READINGS = ("inclusive", "exclusive_end")


def _order(number: int, placed: str, closed: str, **changes: Any) -> dict[str, Any]:
    order = retail_order()
    order.update(
        order_id=f"0000000{number}-0000-0000-0000-000000000000",
        order_reference=f"#JKT-00{number}",
        order_date=placed,
        closed_date=closed,
        modified_date=closed,
    )
    order.update(changes)
    for payment in order.get("transactions") or []:
        payment["transaction_date"] = closed
        payment["transaction_id"] = f"{number}-{payment.get('transaction_id')}"
        payment["order_id"] = order["order_id"]
    return order


#: Placed and closed in DAY's last second (23:59:59 WIB): business date DAY.
LAST_SECOND = _order(1, "2026-11-19 16:59:59", "2026-11-19 16:59:59")
#: Placed and closed at exactly DAY's end (00:00:00 WIB): business date NEXT.
AT_END = _order(2, "2026-11-19 17:00:00", "2026-11-19 17:00:00")
#: An older order voided in DAY's last second: only a modified window can bring the change.
VOIDED_LAST_SECOND = _order(
    3,
    "2026-11-15 03:00:00",
    "2026-11-15 03:05:00",
    status="void",
    cancel_date="2026-11-19 16:59:59",
    modified_date="2026-11-19 16:59:59",
)
ORDERS = [LAST_SECOND, AT_END, VOIDED_LAST_SECOND]


class BoundedISeller:
    """GetOrders and the day totals over `orders`, with ``*_before`` bounds read as
    `bounds` says (``inclusive`` or ``exclusive_end``); lower bounds are inclusive."""

    def __init__(self, orders: list[dict[str, Any]], bounds: str):
        self.orders = orders
        self.bounds = bounds
        self.fetched: list[list[str]] = []

    def _within(self, value: object, after: datetime | None, before: datetime | None) -> bool:
        moment = parse_utc(value)
        if moment is None or (after is not None and moment < after):
            return False
        if before is None:
            return True
        return moment <= before if self.bounds == "inclusive" else moment < before

    def get_orders(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
    ) -> SimpleNamespace:
        chosen = [
            order
            for order in self.orders
            if (
                created_after is None
                or self._within(order["order_date"], created_after, created_before)
            )
            and (
                modified_after is None
                or self._within(order["modified_date"], modified_after, modified_before)
            )
        ]
        self.fetched.append([order["order_id"] for order in chosen])
        return SimpleNamespace(orders=chosen)

    def get_store_info(self) -> dict[str, Any]:
        return {"active_outlets": [{"outlet_id": LAST_SECOND["outlet_id"], "outlet_code": "JKT"}]}

    def _completed(self, kwargs: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            order
            for order in self.orders
            if order["status"] == "completed"
            and order["outlet_id"] == kwargs["outlet_id"]
            and self._within(order["order_date"], kwargs["created_after"], kwargs["created_before"])
        ]

    def get_order_summary(self, **kwargs: Any) -> list[dict[str, Any]]:
        orders = self._completed(kwargs)
        fields = ("total_order_amount", "total_discount_amount", "subtotal", "total_tax_amount")
        item: dict[str, Any] = {"order_date": "2026-11-19 00:00:00", "currency": "IDR"}
        for name in (*fields, "total_amount"):
            item[name] = sum((Decimal(o[name]) for o in orders), Decimal(0))
        return [item]

    def get_transaction_summary(self, **kwargs: Any) -> list[dict[str, Any]]:
        cash = Decimal(0)
        for order in self.orders:
            for payment in order.get("transactions") or []:
                if payment["status"] == "success" and self._within(
                    payment["transaction_date"], kwargs["created_after"], kwargs["created_before"]
                ):
                    cash += (1 if payment["type"] == "sale" else -1) * Decimal(payment["amount"])
        return [{"order_date": "2026-11-19 00:00:00", "cash": cash, "customs": []}]


def _run(source: BoundedISeller, store: StagingStore, day: date) -> list[str]:
    """The day's run: extract, build, record; the ids of the sales invoices it queued."""
    extract_orders(source, store, CONFIG, day)
    journal = build_journal(store, CONFIG, day)
    record_journal(store, Outbox(store, run_id=f"run-{day}"), day, journal)
    return sorted(d.source_id for d in journal.documents if d.doc_type == SALES_INVOICE)


@pytest.fixture
def store(tmp_path) -> StagingStore:
    return StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")


@pytest.mark.parametrize("bounds", READINGS)
def test_an_order_in_the_last_second_of_its_day_is_fetched_by_its_days_run(store, bounds) -> None:
    source = BoundedISeller(ORDERS, bounds)
    extract_orders(source, store, CONFIG, DAY)
    staged = {o["order_id"]: o for o in store.orders_touching(END - timedelta(days=5), END)}
    assert LAST_SECOND["order_id"] in staged  # the sale of DAY's last second
    assert staged[VOIDED_LAST_SECOND["order_id"]]["status"] == "void"  # and the void


@pytest.mark.parametrize("bounds", READINGS)
def test_an_order_at_exactly_a_windows_end_is_posted_once_in_its_day(store, bounds) -> None:
    source = BoundedISeller(ORDERS, bounds)
    posted = {DAY: _run(source, store, DAY), NEXT: _run(source, store, NEXT)}
    assert posted == {DAY: [LAST_SECOND["order_id"]], NEXT: [AT_END["order_id"]]}
    both_days = [AT_END["order_id"] in fetched for fetched in source.fetched]
    # inclusive: DAY's windows end at the order, NEXT's begin at it; staging keeps it once
    assert any(both_days[:2]) is (bounds == "inclusive") and any(both_days[2:])
    assert unbuilt_days(store, CONFIG, datetime(2026, 1, 1, tzinfo=UTC)) == {}  # nothing late
    _run(source, store, DAY)  # DAY run again (a late-orders rerun) changes nothing
    documents = Outbox(store).documents(NEXT)
    assert list(documents.loc[documents["doc_type"] == SALES_INVOICE, "source_id"]) == [
        AT_END["order_id"]
    ]
    assert unbuilt_days(store, CONFIG, datetime(2026, 1, 1, tzinfo=UTC)) == {}


@pytest.mark.parametrize("bounds", READINGS)
def test_the_completeness_check_agrees_in_the_boundary_second(store, bounds) -> None:
    source = BoundedISeller(ORDERS, bounds)
    after = END + timedelta(days=2)
    for day in (DAY, NEXT):
        extract_orders(source, store, CONFIG, day)
        result, _ = completeness.verify_day(source, store, CONFIG, day, now=after)
        assert result.passed and result.complete, (day, result.description())
        # inclusive: DAY's totals, asked up to its end, count the order at exactly the end too
        expected = 2 if bounds == "inclusive" and day == DAY else 1
        counts = {f.source: f.staged_count for f in result.findings}
        assert counts == {"GetOrderSummary": expected, "GetTransactionSummary": expected}
