"""A demo week with refunds: every refund of a posted sale reaches Jurnal as a sales return and
a journal entry, Jurnal's trial balance still ties out with the canonical journal account by
account, and running the week again posts nothing new."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import dagster as dg
import pytest

from journal_pipeline.accounting.day_sales import outlet_business_date
from journal_pipeline.core.timestamps import parse_utc
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.e2e.demo_week import ASSETS, CONFIG, synced_demo_week
from journal_pipeline_tests.e2e.test_dialects_week import _by_account, _trial_balance

pytestmark = pytest.mark.e2e

FIXED_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
WEEK = [date(2026, 11, 13) + timedelta(days=n) for n in range(7)]
ESTIMATES = {"Beban Pokok Pendapatan", "Persediaan Barang"}  # Jurnal books its own cost
MONEY_BACK_ENTRY = re.compile(r"/(RJ\d+|VJ)$")


def _refunds_in_week(orders: list[dict]) -> set[str]:
    """Refund transactions dated in the week of sales closed in the week."""
    found = set()
    for order in orders:
        sold = outlet_business_date(parse_utc(order["closed_date"]), order["outlet_code"], CONFIG)
        for t in order["transactions"]:
            when = outlet_business_date(
                parse_utc(t["transaction_date"]), order["outlet_code"], CONFIG
            )
            if t["type"] == "refund" and sold in WEEK and when in WEEK:
                found.add(t["transaction_id"])
    return found


def test_refunds_of_the_week_reach_jurnal_and_tie_out(tmp_path):
    with synced_demo_week(tmp_path, WEEK, orders_per_outlet_per_day=8, now=FIXED_NOW) as week:
        expected = _refunds_in_week(week.iseller.served_orders())
        assert expected  # the demo week has refunds to post
        client = week.jurnal.client()
        returns = {r["custom_id"] for r in client.iter_list("sales_returns", "sales_returns")}
        # the refunds' and voids' own journal entries (<invoice no>/RJ<n>, /VJ), not the fees
        entries = {
            e["custom_id"]
            for e in client.iter_list("journal_entries", "journal_entries")
            if MONEY_BACK_ENTRY.search(e["transaction_no"])
        }
        assert returns == expected and entries == expected
        outbox = Outbox(week.store)
        documents = [outbox.documents(day) for day in WEEK]
        for frame in documents:
            corrections = frame[frame["doc_type"].isin(["sales_return", "journal_entry"])]
            assert set(corrections["status"]) <= {"posted"}, corrections[["doc_key", "reason"]]
            assert (corrections["posted_total"] == corrections["expected_total"]).all()

        ours = _by_account([week.store.read_journal(day) for day in WEEK])
        theirs = _trial_balance(client, WEEK[0], WEEK[-1])
        accounts = (set(ours) | set(theirs)) - ESTIMATES

        def diff(account: str) -> Decimal:
            return theirs.get(account, Decimal(0)) - ours.get(account, Decimal(0))

        money = set(CONFIG.payment_methods.values()) | {CONFIG.accounts["receivable"]}
        assert {a: diff(a) for a in money & accounts if diff(a)} == {}  # to the rupiah
        assert sum(diff(a) for a in accounts - money) == 0  # income, tax, discounts together
        # each tax payable as iSeller gave it back but for Jurnal's cents (a sales return takes
        # back Jurnal's share of an invoice discount; the refund's entry books the rest)
        entries = sum(week.store.read_journal(day)["entry_id"].nunique() for day in WEEK)
        taxes = {tax.account for tax in CONFIG.taxes.values()}
        assert {a: diff(a) for a in taxes if abs(diff(a)) >= entries / 10} == {}
        # the refunds are really in the canonical journal: some clearing account was credited
        refund_lines = [
            frame[frame["entry_id"].str.startswith("refund:")]
            for frame in (week.store.read_journal(day) for day in WEEK)
        ]
        assert sum(len(f) for f in refund_lines) > 0

        # the week again: nothing new reaches Jurnal
        resources = week.resources
        for day in WEEK:
            result = dg.materialize(ASSETS, partition_key=day.isoformat(), resources=resources)
            assert result.success
            for asset in ("jurnal_sales_invoices", "jurnal_sales_returns", "jurnal_payment_fees"):
                metadata = result.asset_materializations_for_node(asset)[0].metadata
                assert metadata["posted_now"].value == 0, (day, asset)
        again = {r["custom_id"] for r in client.iter_list("sales_returns", "sales_returns")}
        assert again == expected
