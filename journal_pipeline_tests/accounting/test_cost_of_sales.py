"""The cost of sales estimate is split by what Jurnal books itself: tracked stock only."""

from __future__ import annotations

from copy import deepcopy
from datetime import date
from decimal import Decimal

from journal_pipeline.accounting import posting_rules
from journal_pipeline.accounting.cost_of_sales import (
    SOLD_TEXT,
    TRACKED,
    UNTRACKED,
    tracked_cost_of_sales,
)
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline_tests.accounting.orders import retail_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 20)


def _order_with_stock(tracked_skus: set[str]) -> dict:
    """The retail worked example (Kopi Arabika 2 × cost 45,000; Teh Melati 1 × 20,000) with
    ``units_used[]`` on the lines of ``tracked_skus`` only."""
    order = deepcopy(retail_order())
    for line in order["order_details"]:
        sku = line["sku"]
        line["units_used"] = (
            [{"sku": sku, "product_id": line["product_id"], "stock": line["quantity"]}]
            if sku in tracked_skus
            else []
        )
    return order


def _cost_lines(order: dict) -> dict[str, int]:
    sales = posting_rules.sales_of_day(order_frames([order]), CONFIG, DAY)
    lines, holds = posting_rules.journal_lines(sales, CONFIG)
    assert holds == []
    cogs = lines[lines["account_role"] == "cogs"]
    return {str(r.description): int(r.debit) for r in cogs.itertuples()}, lines


def test_a_sale_of_tracked_and_untracked_goods_splits_its_cost():
    costs, lines = _cost_lines(_order_with_stock({"KOP-001"}))
    # Kopi Arabika is tracked: 2 × 45,000 = 90,000; Teh Melati is not: 1 × 20,000
    assert costs == {SOLD_TEXT[TRACKED]: 90_000, SOLD_TEXT[UNTRACKED]: 20_000}
    assert tracked_cost_of_sales(lines) == 90_000
    assert posting_rules.unbalanced_entries(lines).empty


def test_a_sale_of_untracked_goods_has_no_cost_jurnal_books():
    costs, lines = _cost_lines(_order_with_stock(set()))
    assert costs == {SOLD_TEXT[UNTRACKED]: 110_000}
    assert tracked_cost_of_sales(lines) == 0


def test_a_composite_counts_only_its_tracked_components():
    order = _order_with_stock({"KOP-001"})
    line = order["order_details"][1]  # one hamper of a tracked tea and an untracked service
    line["units_used"] = [{"sku": "TEH-001", "product_id": "p9", "stock": Decimal(1)}]
    line["cogs"] = [
        {"sku": "TEH-001", "quantity": Decimal(1), "buying_price": Decimal(18_000)},
        {"sku": "JSA-001", "quantity": Decimal(1), "buying_price": Decimal(2_000)},
    ]
    costs, lines = _cost_lines(order)
    assert costs == {SOLD_TEXT[TRACKED]: 90_000 + 18_000, SOLD_TEXT[UNTRACKED]: 2_000}
    assert tracked_cost_of_sales(lines) == 108_000
