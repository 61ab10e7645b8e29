"""A till that rounds cash to Rp 1,000 (up or down by up to Rp 500): a week of the demo merchant
in both posting modes. An amount due rounded up posts with its rounding line; one rounded down
by more than Rp 100 posts for the amount due with the rounding as a deduction (Pemotongan) on
the rounding account. Every sale is posted once, none is held, and Jurnal's trial balance ties
out with the canonical journal, refunds and voids of rounded sales included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchmarks.reliability.common import journal_movements, jurnal_movements
from journal_pipeline.config import load_config
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline.sync.outbox_building import OPEN_STATES
from journal_pipeline_tests.e2e.demo_week import synced_demo_week
from journal_sandbox.defaults import DEMO_CONFIG

pytestmark = pytest.mark.e2e

FIXED_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
WEEK = [date(2026, 11, 13) + timedelta(days=n) for n in range(7)]
ORDERS = 10
CASH_ROUNDING = 1000
ESTIMATES = {"Beban Pokok Pendapatan", "Persediaan Barang"}  # Jurnal books its own cost


def _config(tmp: Path, mode: str) -> Path:
    path = tmp / "config.yaml"
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    path.write_text(text.replace("posting_mode: per_order", f"posting_mode: {mode}", 1))
    return path


@pytest.fixture(scope="module", params=["per_order", "daily_summary"])
def week(request, tmp_path_factory) -> SimpleNamespace:
    base = tmp_path_factory.mktemp(request.param)
    config_path = _config(base, request.param)
    with synced_demo_week(
        base,
        WEEK,
        orders_per_outlet_per_day=ORDERS,
        now=FIXED_NOW,
        config=config_path,
        cash_rounding=CASH_ROUNDING,
    ) as synced:
        served = synced.iseller.served_orders()
        open_documents = []
        for day in WEEK:
            documents = Outbox(synced.store).documents(day)
            is_open = documents["status"].isin(OPEN_STATES)
            open_documents += [(day, r.doc_key, r.reason) for r in documents[is_open].itertuples()]
        yield SimpleNamespace(
            mode=request.param,
            config=load_config(config_path),
            served=served,
            invoices=list(synced.jurnal.client().iter_list("sales_invoices", "sales_invoices")),
            ours=journal_movements(synced.store, WEEK),
            theirs=jurnal_movements(synced.jurnal.env, WEEK[0], WEEK[-1]),
            checks=[
                (day, e.check_name)
                for day, result in synced.results.items()
                for e in result.get_asset_check_evaluations()
                if not e.passed
            ],
            open_documents=open_documents,
        )


def test_the_week_has_sales_rounded_both_ways_by_more_than_a_hundred(week):
    rounding = [int(Decimal(str(o["rounding_amount"]))) for o in week.served]
    assert any(r < -100 for r in rounding) and any(r > 100 for r in rounding)
    refunded = [
        o
        for o in week.served
        if int(Decimal(str(o["rounding_amount"]))) < -100
        and any(t["type"] in ("refund", "void") for t in o["transactions"])
    ]
    assert refunded  # money given back on sales rounded down


def test_every_sale_is_posted_and_nothing_is_held(week):
    assert week.checks == []
    assert week.open_documents == []
    deducted = [i for i in week.invoices if Decimal(str(i.get("witholding_amount") or 0))]
    assert deducted  # the rounding down reached Jurnal as a deduction
    assert all(Decimal(str(i["remaining"])) == 0 for i in deducted)


def test_jurnal_trial_balance_ties_out_with_the_canonical_journal(week):
    ours, theirs = week.ours, week.theirs
    accounts = (set(ours) | set(theirs)) - ESTIMATES

    def diff(account: str) -> Decimal:
        return theirs.get(account, Decimal(0)) - ours.get(account, Decimal(0))

    money = set(week.config.payment_methods.values()) | {week.config.accounts["receivable"]}
    assert {a: diff(a) for a in money & accounts if diff(a)} == {}  # money: to the rupiah
    assert sum(diff(a) for a in accounts - money) == 0  # income, tax, discounts together
    orders = sum(o["status"] == "completed" for o in week.served)
    for tax in week.config.taxes.values():  # Jurnal keeps cents of tax per line
        assert abs(diff(tax.account)) < orders, tax.account
