"""A business day through Dagster, both sandboxes and staging, checked through the Jurnal API."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pytest

from journal_pipeline.accounting.business_day import business_date
from journal_pipeline.config import load_config
from journal_pipeline.core.money import to_rupiah
from journal_pipeline.core.timestamps import parse_utc
from journal_pipeline.defs.assets import build_assets
from journal_pipeline.defs.partitions import daily_partitions
from journal_pipeline.defs.resources import (
    ISellerResource,
    JurnalResource,
    MerchantConfigResource,
    StagingResource,
)
from journal_pipeline.jurnal.client import JurnalClient, JurnalSettings
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.demo_merchant import OUTLETS

pytestmark = pytest.mark.e2e

DAY = date(2026, 11, 19)  # a whole day before the sandbox clock (2026-11-20 15:00 UTC)
CONFIG = load_config(DEMO_CONFIG)
ASSETS = build_assets(daily_partitions(CONFIG))


@pytest.fixture
def resources(iseller_sandbox, jurnal_sandbox, tmp_path):
    return {
        "staging": StagingResource(url=f"sqlite:///{tmp_path / 'staging.db'}"),
        "merchant": MerchantConfigResource(path=str(DEMO_CONFIG)),
        "iseller": ISellerResource(
            token_url=iseller_sandbox.env["ISELLER_TOKEN_URL"],
            client_id=iseller_sandbox.env["ISELLER_CLIENT_ID"],
            client_secret=iseller_sandbox.env["ISELLER_CLIENT_SECRET"],
        ),
        "jurnal": JurnalResource(
            base_url=jurnal_sandbox.env["JURNAL_BASE_URL"],
            client_id=jurnal_sandbox.env["JURNAL_CLIENT_ID"],
            client_secret=jurnal_sandbox.env["JURNAL_CLIENT_SECRET"],
        ),
    }


def _materialize(resources, day: date) -> dg.ExecuteInProcessResult:
    result = dg.materialize(ASSETS, partition_key=day.isoformat(), resources=resources)
    assert result.success
    assert all(check.passed for check in result.get_asset_check_evaluations())
    return result


def _completed_orders(iseller_sandbox, day: date) -> dict[str, dict]:
    """The truth from the demo generator: completed orders of the day, as of the clock."""
    merchant = iseller_sandbox.sandbox.merchant
    orders = {}
    for outlet in OUTLETS:
        for order in merchant.expected_orders(outlet.outlet_code, day, as_of=iseller_sandbox.now):
            if order["status"] == "completed":
                orders[order["order_id"]] = order
    return orders


def _paid_on(order: dict, day: date) -> int:
    """Successful sale payments of the order made on its outlet's business date ``day``."""
    zone, cutoff = CONFIG.outlet_zone(order["outlet_code"])
    return sum(
        to_rupiah(t["amount"])
        for t in order.get("transactions") or []
        if t["type"] == "sale"
        and t["status"] == "success"
        and business_date(parse_utc(t["transaction_date"]), zone, cutoff) == day
    )


def _invoices_for(jurnal_sandbox, order_ids: set[str]) -> list[dict]:
    client = JurnalClient(JurnalSettings.from_env(jurnal_sandbox.env))
    return [
        invoice
        for invoice in client.iter_list("sales_invoices", "sales_invoices")
        if invoice.get("custom_id") in order_ids
    ]


def test_a_day_posts_one_invoice_per_completed_order_with_matching_totals(
    resources, iseller_sandbox, jurnal_sandbox
):
    expected = _completed_orders(iseller_sandbox, DAY)
    assert len(expected) > 5, "the demo day should have sales in both outlets"

    result = _materialize(resources, DAY)
    open_records = (
        result.asset_materializations_for_node("jurnal_sales_invoices")[0]
        .metadata["open_records"]
        .value
    )

    invoices = _invoices_for(jurnal_sandbox, set(expected))
    assert sorted(i["custom_id"] for i in invoices) == sorted(expected), open_records
    source_total = sum(to_rupiah(o["total_amount"]) for o in expected.values())
    # what each invoice leaves owing: its total less the till's rounding down (a deduction)
    owed = {i["custom_id"]: to_rupiah(i["original_amount"]) - _deducted(i) for i in invoices}
    assert sum(owed.values()) == source_total
    assert any(_deducted(i) for i in invoices)  # cash sales the till rounded down
    for invoice in invoices:
        order = expected[invoice["custom_id"]]
        order_total = to_rupiah(order["total_amount"])
        assert owed[invoice["custom_id"]] == order_total
        # what was paid at the till (deposit and split receive payments) is settled; an
        # on-account rest stays open until its later payment
        assert to_rupiah(invoice["remaining"]) == order_total - _paid_on(order, DAY), order[
            "order_reference"
        ]
        assert invoice["transaction_no"] == "ISL/" + order["order_reference"].lstrip("#")

    journal = result.asset_materializations_for_node("journal_entries")[0].metadata
    assert journal["total_debit"].value == journal["total_credit"].value
    assert journal["held"].value == 0

    # the same partition again: still exactly one invoice per order
    again = _materialize(resources, DAY)
    posted = again.asset_materializations_for_node("jurnal_sales_invoices")[0].metadata
    assert posted["posted_now"].value == 0
    assert len(_invoices_for(jurnal_sandbox, set(expected))) == len(expected)


def test_after_midnight_restaurant_sales_follow_the_outlet_business_day(
    resources, iseller_sandbox, jurnal_sandbox
):
    bali = CONFIG.outlet("DPS")
    assert bali.cutoff_hour == 3
    expected = _completed_orders(iseller_sandbox, DAY)
    late = [
        o
        for o in expected.values()
        if o["outlet_code"] == "DPS" and o["closed_date"][11:13] in ("16", "17")
    ]  # 00:00-01:59 WITA is 16:00-17:59 UTC of the previous day
    _materialize(resources, DAY)
    invoices = {i["custom_id"]: i for i in _invoices_for(jurnal_sandbox, set(expected))}
    for order in late:
        assert invoices[order["order_id"]]["transaction_date"] == DAY.strftime("%d/%m/%Y")


def test_a_tight_jurnal_rate_limit_slows_the_run_but_never_trips(
    resources, iseller_sandbox, tmp_path
):
    """Jurnal allows 2 requests a (scaled) minute here; the shared limiter keeps under it."""
    with running_jurnal_sandbox(tmp_path / "jurnal", rate_limit_per_minute=2) as jurnal:
        resources["jurnal"] = JurnalResource(
            base_url=jurnal.env["JURNAL_BASE_URL"],
            client_id=jurnal.env["JURNAL_CLIENT_ID"],
            client_secret=jurnal.env["JURNAL_CLIENT_SECRET"],
            rate_limit_per_minute=2,
            rate_limit_window_scale="60",
        )
        result = _materialize(resources, DAY)
    calls, waited = 0, 0.0
    for asset in ("jurnal_products", "jurnal_sales_invoices"):
        metadata = result.asset_materializations_for_node(asset)[0].metadata
        assert metadata["jurnal_rate_limited"].value == 0, asset  # Jurnal never said 429
        calls += metadata["jurnal_calls"].value
        waited += metadata["jurnal_rate_wait_seconds"].value
    assert calls > 2 and waited > 0  # more calls than one window allows: the limiter paced them


@pytest.mark.parametrize("kind", ["lost", "error", "burst429", "timeout"])
def test_faults_on_the_invoice_batch_never_duplicate_or_lose_an_invoice(
    kind, resources, iseller_sandbox, tmp_path
):
    """The batch of invoices meets a fault (for `lost`: Jurnal saved them, then the answer was
    lost). The run still ends with exactly one invoice per completed order."""
    expected = _completed_orders(iseller_sandbox, DAY)
    with running_jurnal_sandbox(tmp_path / "jurnal") as jurnal:
        jurnal.sandbox.faults.once("sales_invoices/batch_create", kind)
        resources["jurnal"] = JurnalResource(
            base_url=jurnal.env["JURNAL_BASE_URL"],
            client_id=jurnal.env["JURNAL_CLIENT_ID"],
            client_secret=jurnal.env["JURNAL_CLIENT_SECRET"],
        )
        _materialize(resources, DAY)
        invoices = _invoices_for(jurnal, set(expected))
        assert jurnal.sandbox.faults.injected[kind] == 1
    assert sorted(i["custom_id"] for i in invoices) == sorted(expected)


def _deducted(invoice: dict) -> int:
    return to_rupiah(invoice.get("witholding_amount") or 0)
