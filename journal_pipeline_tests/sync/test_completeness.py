"""Fetching iSeller's day totals per outlet, keeping them, and comparing the staged day: with
a stand-in for the client (the `DayTotalsSource` Protocol) and a SQLite staging database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from journal_pipeline.accounting.completeness import MATCH, ORDERS, PAYMENTS
from journal_pipeline.config import load_config
from journal_pipeline.iseller.errors import ISellerApiError, ISellerHttpError
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import completeness
from journal_pipeline_tests.accounting.test_completeness import JKT_ID, day_orders
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 19)
AFTER = datetime(2026, 11, 21, 3, tzinfo=UTC)  # the day is long over
DPS_ID = "aaaaaaaa-0000-0000-0000-000000000003"

#: iSeller's totals of JKT's day in the worked example (accounting/test_completeness.py).
ORDER_ITEM = {
    "order_date": "2026-11-19 07:00:00",
    "total_order_amount": 170000.0,
    "total_discount_amount": 10000.0,
    "subtotal": 160000.0,
    "total_tax_amount": 17600.0,
    "total_amount": 177600.0,
}
PAYMENT_ITEM = {
    "order_date": "2026-11-19 07:00:00",
    "cash": 99900.0,
    "iseller_pay": 22200.0,
    "customs": [{"name": "GoPay", "amount": 55500.0}],
}


class FakeISeller:
    """Answers as iSeller would for JKT (and an empty DPS); `failing` maps an endpoint to the
    error it raises."""

    def __init__(
        self,
        failing: dict[str, Exception] | None = None,
        outlets: list[tuple[str, str]] | None = None,
        order_item: dict[str, Any] = ORDER_ITEM,
        payment_item: dict[str, Any] = PAYMENT_ITEM,
    ):
        self.failing = failing or {}
        self.outlets = outlets if outlets is not None else [("JKT", JKT_ID), ("DPS", DPS_ID)]
        self.items = {ORDERS: order_item, PAYMENTS: payment_item}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _answer(self, endpoint: str, kwargs: dict[str, Any]) -> list[dict[str, Any]]:
        self.calls.append((endpoint, kwargs))
        if endpoint in self.failing:
            raise self.failing[endpoint]
        return [self.items[endpoint]] if kwargs["outlet_id"] == JKT_ID else []

    def get_store_info(self) -> dict[str, Any]:
        self.calls.append(("GetStoreInfo", {}))
        if "GetStoreInfo" in self.failing:
            raise self.failing["GetStoreInfo"]
        return {"active_outlets": [{"outlet_id": i, "outlet_code": c} for c, i in self.outlets]}

    def get_order_summary(self, **kwargs: Any) -> list[dict[str, Any]]:
        return self._answer(ORDERS, kwargs)

    def get_transaction_summary(self, **kwargs: Any) -> list[dict[str, Any]]:
        return self._answer(PAYMENTS, kwargs)


@pytest.fixture
def store(tmp_path) -> StagingStore:
    staging = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    staging.upsert_orders(day_orders())
    return staging


def test_a_complete_day_asks_each_outlet_for_its_business_day(store) -> None:
    source = FakeISeller()
    result, counts = completeness.verify_day(source, store, CONFIG, DAY, now=AFTER)
    assert result.passed and result.complete, result.description()
    assert counts == {"iseller_summary_calls": 5, "outlets_compared": 2, "summaries_unavailable": 0}
    asked = {(endpoint, kw["outlet_id"]): kw for endpoint, kw in source.calls[1:]}
    jkt = asked[(ORDERS, JKT_ID)]
    # JKT: 00:00 WIB (UTC+7) up to 00:00 WIB the next day (I-10), sent with time_zone=7
    assert jkt["created_after"] == datetime(2026, 11, 18, 17, tzinfo=UTC)
    assert jkt["created_before"] == datetime(2026, 11, 19, 17, tzinfo=UTC)
    assert jkt["time_zone"] == 7
    dps = asked[(PAYMENTS, DPS_ID)]
    # DPS: cut-off 03:00 WITA (UTC+8), sent with time_zone=8
    assert dps["created_after"] == datetime(2026, 11, 18, 19, tzinfo=UTC)
    assert dps["created_before"] == datetime(2026, 11, 19, 19, tzinfo=UTC)
    assert dps["time_zone"] == 8
    statuses = {(f.outlet_code, f.source): f.status for f in result.findings}
    assert set(statuses.values()) == {MATCH}
    assert len(statuses) == 4
    kept = store.day_totals(DAY)
    assert [(r["outlet_code"], r["endpoint"], r["status"]) for r in kept] == [
        ("DPS", ORDERS, "ok"),
        ("DPS", PAYMENTS, "ok"),
        ("JKT", ORDERS, "ok"),
        ("JKT", PAYMENTS, "ok"),
    ]
    completeness.verify_day(source, store, CONFIG, DAY, now=AFTER)
    assert len(store.day_totals(DAY)) == 4  # fetched again: one set per day


def test_a_staged_day_missing_an_order_fails_on_the_stored_totals(store, tmp_path) -> None:
    completeness.verify_day(FakeISeller(), store, CONFIG, DAY, now=AFTER)
    partial = StagingStore(f"sqlite:///{tmp_path / 'partial.db'}")
    partial.upsert_orders(day_orders()[1:])
    partial.replace_day_totals(DAY, store.day_totals(DAY))
    result = completeness.check_day(partial, CONFIG, DAY)
    assert not result.passed
    assert {(f.outlet_code, f.source) for f in result.mismatches} == {
        ("JKT", ORDERS),
        ("JKT", PAYMENTS),
    }
    assert "gross sales Rp 70.000 staged vs Rp 170.000 at iSeller (−Rp 100.000)" in (
        result.description()
    )


@pytest.mark.parametrize(
    "error",
    [
        ISellerHttpError("HTTP 404 from GetOrderSummary", endpoint=ORDERS, status_code=404),
        ISellerApiError("GetOrderSummary is not enabled for this app", None, ORDERS),
    ],
    ids=["404", "not-enabled"],
)
def test_an_unavailable_summary_is_kept_and_warns(store, error) -> None:
    source = FakeISeller({ORDERS: error})
    result, counts = completeness.verify_day(source, store, CONFIG, DAY, now=AFTER)
    assert counts["summaries_unavailable"] == 2  # JKT and DPS
    assert result.passed and result.warned and not result.complete
    assert {f.source for f in result.unavailable} == {ORDERS}
    assert all(f.status == MATCH for f in result.findings if f.source == PAYMENTS)
    assert str(error) in result.description()
    if isinstance(error, ISellerHttpError):
        assert "HTTP 404" in result.unavailable[0].reason


def test_outlets_come_from_the_staged_orders_when_iseller_cannot_list_them(store) -> None:
    error = ISellerHttpError("HTTP 503 from GetStoreInfo", endpoint="GetStoreInfo")
    result, counts = completeness.verify_day(
        FakeISeller({"GetStoreInfo": error}), store, CONFIG, DAY, now=AFTER
    )
    assert counts["outlets_compared"] == 1  # JKT, named by its staged orders
    assert result.passed and result.warned
    assert [f.outlet_code for f in result.findings] == ["JKT", "JKT"]
    assert "outlets taken from the staged orders only" in result.description()


def test_an_open_day_is_compared_up_to_an_hour_before_now(store) -> None:
    """At 17:30 WIB (10:30 UTC) the day is compared up to 16:30 WIB: iSeller is asked up to
    16:30:15 and #JKT-3 (placed 19:00 WIB) is left out on both sides."""
    store_now = datetime(2026, 11, 19, 10, 30, 15, 123, tzinfo=UTC)
    up_to_16_30 = {**ORDER_ITEM, "total_order_amount": 150000.0, "subtotal": 140000.0}
    up_to_16_30 |= {"total_tax_amount": 15400.0, "total_amount": 155400.0}
    source = FakeISeller(
        outlets=[("JKT", JKT_ID)],
        order_item=up_to_16_30,
        payment_item={**PAYMENT_ITEM, "iseller_pay": 0.0},
    )
    result, _ = completeness.verify_day(source, store, CONFIG, DAY, now=store_now)
    assert source.calls[1][1]["created_before"] == datetime(2026, 11, 19, 9, 30, 15, tzinfo=UTC)
    assert result.passed and result.warned and result.still_open
    assert "compared up to 16:30" in result.findings[0].message


def test_a_day_begun_less_than_an_hour_ago_is_not_asked_for(store) -> None:
    source = FakeISeller(outlets=[("JKT", JKT_ID)])
    just_begun = datetime(2026, 11, 18, 17, 30, tzinfo=UTC)  # 00:30 WIB on the 19th
    result, counts = completeness.verify_day(source, store, CONFIG, DAY, now=just_begun)
    assert counts["iseller_summary_calls"] == 1  # GetStoreInfo only
    assert result.passed and result.warned and not result.findings
    assert "JKT not compared: its business day began less than an hour ago." in (
        result.description()
    )


def test_an_unreadable_stored_answer_is_unavailable(store) -> None:
    completeness.verify_day(FakeISeller(), store, CONFIG, DAY, now=AFTER)
    rows = store.day_totals(DAY)
    rows[2]["items"] = [{"order_date": "yesterday", "total_amount": "lots"}]  # JKT orders
    store.replace_day_totals(DAY, rows)
    result = completeness.check_day(store, CONFIG, DAY)
    assert result.passed and result.warned
    (finding,) = result.unavailable
    assert (finding.outlet_code, finding.source) == ("JKT", ORDERS)
    assert finding.reason is not None and "could not be read" in finding.reason


def test_nothing_fetched_is_a_warning(store) -> None:
    result = completeness.check_day(store, CONFIG, DAY)
    assert result.passed and result.warned
    assert "not fetched" in result.description()


@pytest.mark.parametrize(
    ("zone", "hours"),
    [("Asia/Jakarta", 7), ("Asia/Makassar", 8), ("Asia/Jayapura", 9), ("Asia/Kolkata", 0)],
)
def test_time_zone_is_the_whole_hour_offset(zone, hours) -> None:
    assert completeness.whole_hours(datetime(2026, 11, 19, tzinfo=UTC), zone) == hours


def test_the_nightly_run_compares_a_late_cut_off_day_whole_once_it_has_ended() -> None:
    """The nightly run (02:30 WIB on the 20th = 19:30 UTC on the 19th): DPS's day ended at
    03:00 WITA (19:00 UTC), half an hour earlier, so it is compared whole; an hour earlier it
    had not ended and was compared up to an hour before then."""
    nightly = datetime(2026, 11, 19, 19, 30, tzinfo=UTC)
    window = completeness.outlet_window(CONFIG, "DPS", DPS_ID, DAY, nightly)
    assert window is not None and not window.open
    assert window.end == datetime(2026, 11, 19, 19, tzinfo=UTC)
    earlier = completeness.outlet_window(CONFIG, "DPS", DPS_ID, DAY, nightly - timedelta(hours=1))
    assert earlier is not None and earlier.open
    assert earlier.end == datetime(2026, 11, 19, 17, 30, tzinfo=UTC)
