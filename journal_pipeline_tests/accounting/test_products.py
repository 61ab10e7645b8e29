"""iSeller's catalogue → Jurnal product bodies and patches, on GetProducts-shaped rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from journal_pipeline.accounting.products import (
    BUNDLE_KEY,
    CatalogueProducts,
    bundle_difference,
    catalogue_products,
    master_data_patch,
    product_name,
    tracking_patch,
)
from journal_pipeline.config import load_config
from journal_pipeline.iseller.parse import product_frames
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
NO_STOCK = CONFIG.model_copy(update={"stock": CONFIG.stock.model_copy(update={"enabled": False})})


def row(sku: str | None, name: str, **fields: Any) -> dict[str, Any]:
    return {
        "product_id": f"id-{sku}",
        "product_header_id": f"id-{sku}",
        "sku": sku,
        "name": name,
        "type": "standard",
        "track_inventory": False,
        "price": Decimal(10000),
        "buying_price": Decimal(4000),
        "unit_of_measurement": "pcs",
        **fields,
    }


def modifier_group(*modifiers: tuple[str | None, str, int, int]) -> list[dict[str, Any]]:
    return [
        {
            "modifier_group_id": "g",
            "title": "Tambahan",
            "modifiers": [
                {
                    "modifier_id": f"m-{title}",
                    "sku": sku,
                    "title": title,
                    "price": p,
                    "buying_price": c,
                }
                for sku, title, p, c in modifiers
            ],
        }
    ]


CATALOGUE = [
    row("KOP-001", "Kopi Gayo", track_inventory=True, price=Decimal(95000), buying_price=60000),
    row("TEH-001", "Teh Melati", track_inventory=True, unit_of_measurement=None),
    row("JSA-001", "Jasa Giling", buying_price=0),
    row(
        "KAOS-M",
        "Kaos Nusantara",
        type="variant",
        product_header_id="kaos",
        track_inventory=True,
        variant_options=[{"option": "Ukuran", "value": "M"}],
    ),
    row(
        "KAOS-L",
        "Kaos Nusantara - L",
        type="variant",
        product_header_id="kaos",
        track_inventory=True,
        variant_options=[{"option": "Ukuran", "value": "L"}],
    ),
    row(
        "CAF-001",
        "Kopi Susu",
        modifier_groups=modifier_group(
            ("MOD-1", "Extra Shot", 6000, 2000), (None, "Es Batu", 0, 0)
        ),
    ),
    row(
        "CAF-002",
        "Americano",
        modifier_groups=modifier_group(("MOD-1", "Extra Shot", 6000, 2000)),
    ),
    row(
        "PKT-001",
        "Hampers",
        type="composite",
        track_inventory=True,
        price=Decimal(250000),
        buying_price=Decimal(138000),
        ingredients=[
            {"product_id": "id-KOP-001", "sku": "KOP-001", "name": "Kopi Gayo", "quantity": 1},
            {"product_id": "id-TEH-001", "sku": "TEH-001", "name": "Teh Melati", "quantity": 2},
            {"product_id": "id-JSA-001", "sku": "JSA-001", "name": "Jasa Giling", "quantity": 1},
        ],
    ),
    row(
        "PKT-010",
        "Paket Jasa",
        type="composite",
        ingredients=[{"product_id": "id-JSA-001", "sku": "JSA-001", "quantity": 1}],
    ),
]


def catalogue(rows: list[dict[str, Any]] = CATALOGUE, config: Any = CONFIG) -> CatalogueProducts:
    frames = product_frames(rows)
    return catalogue_products(frames.products, frames.components, frames.modifiers, config)


def test_a_tracked_product_is_an_inventory_product_with_the_config_accounts():
    body = catalogue().body("kop-001")  # matched case-insensitively
    assert body == {
        "name": "Kopi Gayo",
        "product_code": "KOP-001",
        "unit_name": "pcs",
        "is_sold": True,
        "is_bought": True,
        "sell_price_per_unit": 95000,
        "buy_price_per_unit": 60000,
        "track_inventory": True,
        "sell_account_name": "Penjualan",
        "buy_account_name": "Beban Pokok Pendapatan",
        "inventory_asset_account_name": "Persediaan Barang",
    }
    assert catalogue().body("TEH-001")["unit_name"] == CONFIG.stock.unit_name


def test_an_untracked_product_is_sold_not_bought_and_has_no_inventory_account():
    body = catalogue().body("JSA-001")
    assert body["track_inventory"] is False and body["is_bought"] is False
    assert "inventory_asset_account_name" not in body
    assert (body["sell_price_per_unit"], body["buy_price_per_unit"]) == (10000, 0)


def test_a_combo_set_is_untracked_even_when_iseller_tracks_it():
    combo = row(
        "CMB-001",
        "Paket Hemat",
        type="comboset",
        track_inventory=True,
        bundles=[{"product_id": "id-KOP-001", "sku": "KOP-001", "quantity": 1}],
    )
    body = catalogue([*CATALOGUE, combo]).body("CMB-001")
    # its items, chosen at the till, leave stock by adjustments of their own (free_goods)
    assert body["track_inventory"] is False and "inventory_asset_account_name" not in body
    assert BUNDLE_KEY not in body


def test_variants_are_one_product_each_named_with_their_option():
    products = catalogue()
    assert products.body("KAOS-M")["name"] == "Kaos Nusantara - M"
    assert products.body("KAOS-L")["name"] == "Kaos Nusantara - L"  # not "- L - L"
    assert product_name(None, None, "X-1") == "X-1"
    assert product_name("Cafe Latte", "Panas", "CAF-3") == "Cafe Latte - Panas"


def test_modifiers_are_untracked_products_once_each():
    products = catalogue()
    modifier = products.body("MOD-1")
    assert modifier is not None
    assert (modifier["name"], modifier["track_inventory"], modifier["is_bought"]) == (
        "Extra Shot",
        False,
        False,
    )
    assert (modifier["sell_price_per_unit"], modifier["buy_price_per_unit"]) == (6000, 2000)
    assert [n for n in products.notes if "modifier(s) have no SKU" in n] == [
        "1 modifier(s) have no SKU in iSeller's catalogue (Es Batu): they are created only "
        "when an invoice names them. Give them a SKU in iSeller."
    ]


def test_a_composite_is_a_bundle_of_its_tracked_components_after_them():
    products = catalogue()
    assert list(products.bundles) == ["pkt-001"]
    bundle = products.bundles["pkt-001"]
    assert bundle[BUNDLE_KEY] == [
        {"product_code": "KOP-001", "quantity": 1},
        {"product_code": "TEH-001", "quantity": 2},
    ]  # the untracked service carries no stock
    assert bundle["track_inventory"] is True and bundle["is_bought"] is False
    assert bundle["inventory_asset_account_name"] == "Persediaan Barang"
    assert (bundle["sell_price_per_unit"], bundle["buy_price_per_unit"]) == (250000, 138000)
    # a composite without a tracked component is a plain untracked product
    plain = products.products["pkt-010"]
    assert plain["track_inventory"] is False and BUNDLE_KEY not in plain
    assert len(products) == 10  # 9 catalogue rows and one modifier with a SKU


def test_with_stock_disabled_nothing_is_tracked_and_there_are_no_bundles():
    products = catalogue(config=NO_STOCK)
    assert products.bundles == {}
    assert not any(body["track_inventory"] for body in products.products.values())
    assert not any("inventory_asset_account_name" in b for b in products.products.values())


def test_catalogue_problems_are_named_with_their_fix():
    rows = [
        row("A-1", "Satu"),
        row("a-1", "Satu lagi"),
        row(None, "Tanpa SKU"),
        row(
            "PKT-9",
            "Paket",
            type="composite",
            ingredients=[{"product_id": "x", "sku": "HILANG", "quantity": 1}],
        ),
        row(
            "PKT-8",
            "Paket Setengah",
            type="composite",
            ingredients=[{"product_id": "x", "sku": "B-1", "quantity": Decimal("0.5")}],
        ),
        row("B-1", "Kopi Bubuk", track_inventory=True),
    ]
    products = catalogue(rows)
    assert products.notes == [
        "SKU a-1 is on more than one iSeller product; only the first is kept in Jurnal. "
        "Give each product its own SKU in iSeller.",
        "1 iSeller product(s) have no SKU (Tanpa SKU): Jurnal matches products by SKU, so "
        "they are created only when an invoice names them, by name. Give them a SKU in iSeller.",
        "composite PKT-9: component HILANG is not in iSeller's catalogue with a SKU, so "
        "Jurnal's bundle leaves it out. Check the composite's ingredients in iSeller.",
        "composite PKT-8: component(s) B-1 are used in quantities under 1, which a Jurnal "
        "bundle cannot hold, so the composite is an untracked product. Record the components' "
        "stock with stock adjustments in Jurnal.",
    ]
    assert products.body("PKT-8")["track_inventory"] is False


def test_master_data_patch_names_only_what_changed():
    wanted = catalogue().body("KOP-001")
    same = {"name": "Kopi Gayo", "sell_price_per_unit": "95000.0", "buy_price_per_unit": "60000.0"}
    assert master_data_patch(wanted, same) == {}
    changed = {**same, "name": "Kopi Gayo Lama", "buy_price_per_unit": "55000.0"}
    assert master_data_patch(wanted, changed) == {"name": "Kopi Gayo", "buy_price_per_unit": 60000}


def test_tracking_is_turned_on_never_off():
    products = catalogue()
    kopi, jasa, bundle = (
        products.body("KOP-001"),
        products.body("JSA-001"),
        products.body("PKT-001"),
    )
    assert tracking_patch(kopi, {"track_inventory": False}) == {
        "track_inventory": True,
        "inventory_asset_account_name": "Persediaan Barang",
    }
    assert tracking_patch(kopi, {"track_inventory": True}) == {}
    assert tracking_patch(jasa, {"track_inventory": True}) == {}  # never untracked
    assert tracking_patch(bundle, {"track_inventory": False})[BUNDLE_KEY] == bundle[BUNDLE_KEY]


def test_a_bundle_that_differs_in_jurnal_is_described():
    bundle = catalogue().body("PKT-001")
    codes = {1: "KOP-001", 2: "TEH-001"}
    same = {
        "track_inventory": True,
        "is_bundle": True,
        "product_bundles": [
            {"product_id": 1, "quantity": "1.0"},
            {"product_id": 2, "quantity": "2.0"},
        ],
    }
    assert bundle_difference(bundle, same, codes) is None
    other = {**same, "product_bundles": [{"product_id": 1, "quantity": "3.0"}]}
    assert bundle_difference(bundle, other, codes) == (
        "has components 3 × kop-001; iSeller's composite has 1 × kop-001, 2 × teh-001"
    )
    assert bundle_difference(bundle, {"track_inventory": True}, codes) == (
        "is a tracked product, not a bundle"
    )
    assert bundle_difference(bundle, {"track_inventory": False}, codes) is None
