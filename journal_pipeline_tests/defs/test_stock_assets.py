"""The stock documents' assets through Dagster, against both emulators over HTTP: a document
Jurnal refuses fails ``every_stock_document_posted`` (naming it and why) without failing the
run; once its products exist, the next run posts it and the check passes. A document iSeller changes
after it was posted is corrected by the run of the day of the change."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import dagster as dg
import pytest

from journal_pipeline.accounting.stock_records import TRANSFER, staging_row
from journal_pipeline.config import load_config
from journal_pipeline.defs.partitions import daily_partitions
from journal_pipeline.defs.resources import (
    ISellerResource,
    JurnalResource,
    MerchantConfigResource,
    StagingResource,
)
from journal_pipeline.defs.stock_assets import EVERY_STOCK_DOCUMENT_POSTED, build_stock_assets
from journal_pipeline.iseller.client import ISellerClient
from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.storage.stock_documents import stock_documents_of_day, upsert_stock_documents
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.iseller_app import ISellerSandbox

CONFIG = load_config(DEMO_CONFIG)
ASSETS = build_stock_assets(daily_partitions(CONFIG))
DAY = date(2026, 11, 17)  # the demo's supplier delivery to JKT, and the JKT → DPS transfer
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
RECEIPT = "TI/SUP-JKT/20261117"  # the supplier delivery


@pytest.fixture
def resources(tmp_path) -> Iterator[dict]:
    iseller = ISellerSandbox(
        tmp_path / "iseller",
        orders_per_outlet_per_day=1,
        start_date=date(2026, 11, 14),
        now=lambda: NOW,
        faults="",
        dialect="",
    )
    server = iseller.serve().start()
    try:
        with running_jurnal_sandbox(tmp_path / "jurnal") as jurnal:
            yield {
                "staging": StagingResource(url=f"sqlite:///{tmp_path / 'staging.db'}"),
                "merchant": MerchantConfigResource(path=str(DEMO_CONFIG)),
                "iseller": ISellerResource(
                    token_url=f"{server.url}/oauth/token",
                    client_id="sandbox-iseller-client",
                    client_secret="sandbox-iseller-secret",
                ),
                "jurnal": JurnalResource(
                    base_url=jurnal.env["JURNAL_BASE_URL"],
                    client_id=jurnal.env["JURNAL_CLIENT_ID"],
                    client_secret=jurnal.env["JURNAL_CLIENT_SECRET"],
                ),
            }
    finally:
        server.stop()
        iseller.close()


def _run(resources: dict) -> tuple[dg.ExecuteInProcessResult, dg.AssetCheckEvaluation]:
    result = dg.materialize(ASSETS, partition_key=DAY.isoformat(), resources=resources)
    assert result.success  # the check does not block: sales go on
    [check] = result.get_asset_check_evaluations()
    assert check.check_name == EVERY_STOCK_DOCUMENT_POSTED
    return result, check


def _create_tracked_products(resources: dict) -> None:
    iseller: ISellerClient = resources["iseller"].client()
    jurnal: JurnalClient = resources["jurnal"].client()
    skus = {
        item["sku"]: item["product_name"]
        for transfer in iseller.get_transfers(modified_after=datetime(2026, 11, 14, tzinfo=UTC))
        for item in transfer["items"]
    }
    for sku, name in sorted(skus.items()):
        jurnal.create(
            "products",
            "product",
            {
                "name": name,
                "product_code": sku,
                "track_inventory": True,
                "inventory_asset_account_name": "Persediaan Barang",
            },
        )


def test_a_refused_document_fails_the_check_by_name_and_the_next_run_posts_it(resources):
    result, check = _run(resources)
    assert not check.passed
    missing = check.metadata["documents"].value
    assert "Transfer TI/SUP-JKT/20261117 (outlet JKT): stock_adjustment failed" in missing
    assert "not exist" in missing  # Jurnal's own words: the product is unknown
    staged = result.asset_materializations_for_node("iseller_stock_documents")[0].metadata
    assert "TI/SUP-JKT/20261117" in staged["stock_documents"].value

    _create_tracked_products(resources)
    result, check = _run(resources)
    assert check.passed, check.metadata["documents"].value
    posted = result.asset_materializations_for_node("jurnal_stock_documents")[0].metadata
    assert posted["posted_now"].value >= 2  # the receipt and the transfer received in Bali
    table = posted["stock_documents"].value
    assert "TI/SUP-JKT/20261117" in table and "TO/JKT-DPS/20261116" in table

    _, check = _run(resources)  # nothing new
    assert check.passed


def test_a_receipt_changed_in_iseller_after_posting_is_corrected_by_the_run_of_that_day(
    resources,
):
    _create_tracked_products(resources)
    _, check = _run(resources)
    assert check.passed
    store = resources["staging"].store
    (staged,) = [r for r in stock_documents_of_day(store, DAY) if r["number"] == RECEIPT]
    raw = copy.deepcopy(staged["raw"])  # one more unit accepted, said on the 18th
    first = raw["items"][0]
    first["quantity_accepted"] = str(Decimal(str(first["quantity_accepted"])) + 1)
    raw["modified_date"] = "2026-11-18 03:00:00"
    upsert_stock_documents(store, [staging_row(TRANSFER, raw, CONFIG)])

    result = dg.materialize(ASSETS, partition_key="2026-11-18", resources=resources)
    assert result.success
    [check] = result.get_asset_check_evaluations()
    assert check.passed, check.metadata["documents"].value
    posted = result.asset_materializations_for_node("jurnal_stock_documents")[0].metadata
    assert posted["earlier_days_built"].value == DAY.isoformat()
    assert posted["corrections_posted"].value == 1
    jurnal: JurnalClient = resources["jurnal"].client()
    (correction,) = [
        a
        for a in jurnal.iter_list("stock_adjustments", "stock_adjustments")
        if a.get("custom_id") == f"{staged['document_id']}.2"
    ]
    (line,) = correction["stock_adjustment_lines_attributes"]
    assert (line["product"]["code"], Decimal(str(line["difference"]))) == (first["sku"], 1)
    assert Decimal(str(line["average_price"])) == Decimal(str(first["buying_price"]))

    result = dg.materialize(ASSETS, partition_key="2026-11-18", resources=resources)
    posted = result.asset_materializations_for_node("jurnal_stock_documents")[0].metadata
    assert posted["corrections_posted"].value == 0  # a re-run posts nothing more
