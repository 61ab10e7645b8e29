"""The product sync against both emulators over real HTTP: iSeller's catalogue becomes Jurnal's
products (tracked, untracked, bundles) once; a change in iSeller is PATCHed; an untracked
product becomes tracked, or the refusal is a problem naming the fix."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import dagster as dg
import pytest

from journal_pipeline.config import load_config
from journal_pipeline.defs.assets import build_assets
from journal_pipeline.defs.partitions import daily_partitions
from journal_pipeline.iseller.client import ISellerClient
from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.sync.products import sync_catalogue
from journal_pipeline_tests.jurnal_fixtures import JurnalSandboxHandle, running_jurnal_sandbox
from journal_pipeline_tests.sandbox_resources import sandbox_resources
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.demo_merchant import PRODUCTS

CONFIG = load_config(DEMO_CONFIG)
DAY = "2026-11-19"


@pytest.fixture
def jurnal(tmp_path) -> Iterator[JurnalSandboxHandle]:
    with running_jurnal_sandbox(tmp_path / "jurnal", rate_limit_per_minute=100000) as handle:
        yield handle


@pytest.fixture
def iseller(iseller_sandbox: SimpleNamespace) -> Iterator[ISellerClient]:
    with ISellerClient.from_env(iseller_sandbox.env) as client:
        yield client


def by_code(client: JurnalClient) -> dict[str, dict[str, Any]]:
    return {p["product_code"]: p for p in client.list_products() if p.get("product_code")}


def test_the_catalogue_becomes_jurnal_products_once_and_follows_changes(
    iseller: ISellerClient,
    iseller_sandbox: SimpleNamespace,
    jurnal: JurnalSandboxHandle,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path,
) -> None:
    client = jurnal.client()
    # An earlier version of the pipeline created this product untracked from an invoice line.
    old = client.create_product(
        {"name": "Kopi Robusta Lampung 250g", "product_code": "KOP-002", "track_inventory": False}
    )

    first = sync_catalogue(iseller, client, CONFIG)
    assert first.problems == []
    assert first.updated == ["KOP-002"]
    modifiers = 8
    assert len(first.created) == len(PRODUCTS) - 1 + modifiers

    products = by_code(client)
    kopi = products["KOP-001"]
    assert kopi["track_inventory"] is True and kopi["is_bundle"] is False
    assert kopi["inventory_asset_account"]["name"] == "Persediaan Barang"
    assert kopi["buy_account"]["name"] == "Beban Pokok Pendapatan"
    assert kopi["sell_account"]["name"] == "Penjualan"
    assert (kopi["sell_price_per_unit"], kopi["buy_price_per_unit"]) == ("95000.0", "60000.0")
    assert (kopi["is_bought"], kopi["is_sold"]) == (True, True)
    assert products["KOP-002"]["track_inventory"] is True  # made tracked
    assert products["KOP-002"]["id"] == old["id"]
    assert products["JSA-001"]["track_inventory"] is False  # a service
    assert products["MOD-KOP-1"]["name"] == "Extra Shot"
    assert products["MOD-KOP-1"]["track_inventory"] is False  # a modifier holds no stock
    assert products["KAOS-M"]["name"] == "Kaos Nusantara - M"
    hampers = products["PKT-001"]
    assert hampers["is_bundle"] is True and hampers["track_inventory"] is True
    codes = {p["id"]: code for code, p in products.items()}
    assert sorted(codes[part["product_id"]] for part in hampers["product_bundles"]) == [
        "KOP-001",
        "MRC-002",
        "TEH-001",
    ]
    breakfast = products["PKT-020"]  # its coffee is made to order: only the croissant is stock
    assert [codes[part["product_id"]] for part in breakfast["product_bundles"]] == ["ROT-001"]
    assert products["PKT-010"]["is_bundle"] is False  # no tracked component

    # A second run, through the asset, changes nothing.
    resources = sandbox_resources(
        f"sqlite:///{tmp_path / 'staging.db'}", DEMO_CONFIG, iseller_sandbox.env, jurnal.env
    )
    (asset,) = [
        a for a in build_assets(daily_partitions(CONFIG)) if a.key.path == ["jurnal_products"]
    ]
    run = dg.materialize([asset], partition_key=DAY, resources=resources)
    assert run.success
    metadata = run.asset_materializations_for_node("jurnal_products")[0].metadata
    assert metadata["products_created"].value == 0
    assert metadata["products_updated"].value == 0
    assert metadata["products_problems"].value == 0
    assert metadata["products_unchanged"].value == len(PRODUCTS) + modifiers

    # iSeller renames KOP-001 and changes its price and cost: Jurnal's master data follows.
    merchant = iseller_sandbox.sandbox.merchant
    served = merchant.products

    def changed(includes: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
        rows = served(includes)
        for row in rows:
            if row["sku"] == "KOP-001":
                row.update(name="Kopi Arabika Gayo 200g", price=Decimal(99000))
                row["buying_price"] = Decimal(61500)
        return rows

    monkeypatch.setattr(merchant, "products", changed)
    third = sync_catalogue(iseller, client, CONFIG)
    assert (third.created, third.updated, third.problems) == ([], ["KOP-001"], [])
    kopi = by_code(client)["KOP-001"]
    assert (kopi["name"], kopi["sell_price_per_unit"], kopi["buy_price_per_unit"]) == (
        "Kopi Arabika Gayo 200g",
        "99000.0",
        "61500.0",
    )


def test_a_product_jurnal_keeps_untracked_is_a_problem_naming_the_fix(
    iseller: ISellerClient, jurnal: JurnalSandboxHandle
) -> None:
    client = jurnal.client()
    sync_catalogue(iseller, client, CONFIG)
    tea = by_code(client)["TEH-001"]
    client.update_product(tea["id"], {"name": tea["name"], "track_inventory": False})  # as before
    jurnal.sandbox.inject_fault(status=422, path_contains=f"products/{tea['id']}")

    result = sync_catalogue(iseller, client, CONFIG)
    assert result.updated == []
    (problem,) = result.problems
    assert problem.startswith(
        "product TEH-001: iSeller tracks its stock but Jurnal keeps it untracked and refused "
        "to make it tracked"
    )
    assert problem.endswith(
        "In Jurnal: Products → TEH-001 → Edit → tick Track inventory with the account "
        "'Persediaan Barang'."
    )
    assert by_code(client)["TEH-001"]["track_inventory"] is False
