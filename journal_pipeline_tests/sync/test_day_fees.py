"""A fee taken of the day's net takings (``fee_basis: day``) over HTTP to the iSeller and
Jurnal emulators into a real staging database: once the day is final, the fee entries of each
outlet and card method in Jurnal add up to the method's percentage of the day's sales less its
refunds, rounded once, as the served orders give it; a refund staged after the day was posted
books what it gives back as a further entry, the first one standing; nothing is posted twice."""

from __future__ import annotations

import copy
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from journal_pipeline.accounting.day_sales import outlet_business_date
from journal_pipeline.config import load_config
from journal_pipeline.core.timestamps import parse_utc
from journal_pipeline.sync import payment_fees as fee_sync
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.e2e.demo_week import synced_demo_week
from journal_pipeline_tests.e2e.test_reconciliation_week import _config_path

FIXED_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
DAY = date(2026, 11, 19)
REFUNDED_AT = "2026-11-19 09:00:00"  # UTC: 16:00 of DAY in Jakarta and Bandung


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    base = tmp_path_factory.mktemp("day-fees")
    path = _config_path(base, fee_basis="day")
    with synced_demo_week(
        base, [DAY], orders_per_outlet_per_day=12, now=FIXED_NOW, config=path
    ) as week:
        week.config = load_config(path)
        yield week


def _targets(orders: list[dict], config) -> dict[tuple[str, str], int]:
    """(outlet, method) → the day's fee: its percentage of DAY's successful sales less refunds
    and voids of the method, rounded half-up once; from the orders as served."""
    net: dict[tuple[str, str], int] = defaultdict(int)
    for order in orders:
        for t in order["transactions"]:
            rule = config.settlement(t["payment_type_name"], t["gateway"])
            if rule is None or rule.fee_basis != "day" or t["status"] != "success":
                continue
            moment = parse_utc(t["transaction_date"])
            if t["type"] == "sale":
                moment = parse_utc(order["closed_date"])  # a till payment: at the sale
            if outlet_business_date(moment, order["outlet_code"], config) != DAY:
                continue
            sign = 1 if t["type"] == "sale" else -1
            net[(order["outlet_code"], t["payment_type_name"])] += sign * int(
                Decimal(str(t["amount"]))
            )
    return {
        key: int(
            (Decimal(n) * config.settlement(key[1], None).mdr_percent / 100).quantize(
                Decimal(1), rounding=ROUND_HALF_UP
            )
        )
        for key, n in net.items()
    }


def _booked(store) -> dict[tuple[str, str], int]:
    """(outlet, method) → the fee the canonical journal books against each clearing account."""
    journal = store.read_journal(DAY)
    fees = journal[journal["entry_id"].str.startswith(("money:mdr:", "money:mdr_day:"))]
    booked: dict[tuple[str, str], int] = defaultdict(int)
    for line in fees.itertuples(index=False):
        if line.account_role.startswith("payment:"):
            method = line.account_role.removeprefix("payment:")
            booked[(line.outlet_code, method)] += int(line.credit) - int(line.debit)
    return dict(booked)


def _day_entries(client) -> dict[str, Decimal]:
    """custom_id → amount of each of the day's fee entries in Jurnal (``…/D``)."""
    return {
        str(e["custom_id"]): Decimal(str(e["total_debit"]))
        for e in client.iter_list("journal_entries", "journal_entries")
        if str(e.get("custom_id") or "").endswith("/D")
    }


def test_the_days_fee_entries_book_what_the_bank_keeps(day):
    config, store = day.config, day.store
    targets = _targets(day.iseller.served_orders(), config)
    assert {m for _, m in targets} == {"Debit BCA", "Kartu Kredit", "GoPay"}
    booked = _booked(store)
    assert {k: booked.get(k) for k in targets} == targets
    posted = _day_entries(day.jurnal.client())
    assert posted and all(key.count("/") == 1 for key in posted)
    documents = Outbox(store).documents(DAY)
    fees = documents[documents["doc_type"] == "payment_fee"]
    assert set(fees["status"]) == {"posted"}, fees[["doc_key", "reason"]]
    # built again, the day's fee is booked already: nothing more
    entries = fee_sync.build_payment_fees(store, config, DAY)
    assert not [d for d in entries.documents if d.custom_id.endswith("/D")]


def test_a_refund_staged_after_posting_is_a_further_entry(day):
    config, store, client = day.config, day.store, day.jurnal.client()
    before = _day_entries(client)
    start = datetime(2026, 11, 18, 17, tzinfo=UTC)  # DAY in Jakarta and Bandung
    order = next(
        o
        for o in store.orders_closed_between(start, start + timedelta(days=1))
        if o["status"] == "completed"
        and o["outlet_code"] == "JKT"
        and [t["payment_type_name"] for t in o["transactions"]] == ["Debit BCA"]
    )
    refunded = copy.deepcopy(order)
    (sale,) = refunded["transactions"]
    refund = {**sale, "transaction_id": f"{sale['transaction_id']}-r", "type": "refund"}
    refunded["transactions"].append(refund | {"transaction_date": REFUNDED_AT, "mdr": []})
    refunded["modified_date"] = REFUNDED_AT
    store.upsert_orders([refunded])
    served = [
        refunded if o["order_id"] == order["order_id"] else o for o in day.iseller.served_orders()
    ]
    targets = _targets(served, config)

    outbox = Outbox(store)
    entries = fee_sync.build_payment_fees(store, config, DAY)
    (further,) = [d for d in entries.documents if d.custom_id.endswith("/D")]
    assert ".2/D" in further.custom_id and further.transaction_no.endswith(".2")
    fee_sync.record_payment_fees(store, outbox, DAY, entries)
    assert fee_sync.post_payment_fees(outbox, DAY, client).posted == 1
    after = _day_entries(client)
    assert {k: v for k, v in after.items() if k in before} == before  # the first ones stand
    (new,) = set(after) - set(before)
    assert new == further.custom_id
    key = ("JKT", "Debit BCA")
    assert _booked(store)[key] == targets[key]
    # its part of the fee: 1% of the refund, give or take the rupiah the day's rounding moves
    given_back = int(after[new])
    assert abs(given_back - int(Decimal(str(sale["amount"]))) // 100) <= 1
    assert fee_sync.post_payment_fees(outbox, DAY, client).posted == 0
    again = fee_sync.build_payment_fees(store, config, DAY)
    fee_sync.record_payment_fees(store, outbox, DAY, again)
    assert fee_sync.post_payment_fees(outbox, DAY, client).posted == 0
    assert _day_entries(client) == after
