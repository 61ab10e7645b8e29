"""Jurnal's products are not listed again while iSeller's catalogue is unchanged and every
product the invoices name was in Jurnal (`sync.master_data.sync_day_products`); a product
changed in iSeller, a SKU not seen before, or a day's time are each picked up after a skip.

Both sandboxes over HTTP; the catalogue change is made in the iSeller emulator.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from journal_pipeline.config import load_config
from journal_pipeline.sync.master_data import RELIST_EVERY, sync_day_products
from journal_pipeline_tests.sync.test_noop_extraction import noop_shop
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.iseller_app import DATE_FORMAT

CONFIG = load_config(DEMO_CONFIG)
NOW = datetime(2026, 3, 10, 5, tzinfo=UTC)


def products_run(shop, invoices=(), now: datetime = NOW):
    iseller = shop.resources["iseller"].client()
    jurnal = shop.resources["jurnal"].client(shop.store)
    result = sync_day_products(iseller, jurnal, shop.store, CONFIG, list(invoices), now=now)
    return result, jurnal.calls


def settled(shop) -> None:
    """Runs until one lists nothing (the first creates the catalogue, the next sees it)."""
    for _ in range(3):
        if not products_run(shop)[0].listed:
            return
    raise AssertionError("Jurnal's products were listed on every run")


def invoice_naming(sku: str, name: str) -> dict[str, Any]:
    line = {"product_code": sku, "product_name": name, "description": name, "rate": 1000}
    return {"custom_id": "x", "transaction_lines_attributes": [line]}


def test_an_unchanged_catalogue_lists_nothing_and_sends_nothing(tmp_path):
    with noop_shop(tmp_path) as shop:
        first, _ = products_run(shop)
        assert first.listed and first.catalogue.created
        settled(shop)
        again, calls = products_run(shop, now=NOW + timedelta(minutes=30))
        assert not again.listed
        assert calls == 0  # not one Jurnal request
        assert again.catalogue_products == first.catalogue_products
        # a day later Jurnal's products are listed again (a product edited there by hand)
        assert products_run(shop, now=NOW + RELIST_EVERY)[0].listed


def test_a_sku_jurnal_was_not_known_to_have_is_created_after_a_skip(tmp_path):
    with noop_shop(tmp_path) as shop:
        settled(shop)
        result, _ = products_run(shop, [invoice_naming("NEW-SKU-1", "Kopi Baru")])
        assert result.listed
        assert "NEW-SKU-1" in result.named.created
        codes = {p.get("product_code") for p in shop.resources["jurnal"].client().list_products()}
        assert "NEW-SKU-1" in codes


def test_a_product_changed_in_iseller_after_a_skip_is_updated_in_jurnal(tmp_path):
    with noop_shop(tmp_path) as shop:
        settled(shop)
        catalogue = shop.iseller.merchant.products
        changed_at = (NOW + timedelta(minutes=40)).strftime(DATE_FORMAT)
        first = catalogue(frozenset())[0]
        sku = first.get("sku")

        def renamed(includes):
            items = catalogue(includes)
            for item in items:
                if item.get("sku") == sku:
                    item["name"] = f"{item['name']} (baru)"
                    item["modified_date"] = changed_at
            return items

        shop.iseller.merchant.products = renamed
        result, _ = products_run(shop, now=NOW + timedelta(hours=1))
        assert result.listed
        assert sku in result.catalogue.updated
        names = {
            p.get("product_code"): p.get("name")
            for p in shop.resources["jurnal"].client().list_products()
        }
        assert names[sku].endswith("(baru)")
