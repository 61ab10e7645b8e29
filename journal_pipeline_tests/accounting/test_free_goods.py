"""Free goods leave Jurnal's stock as they leave iSeller's (`accounting.free_goods`), worked by
hand on the retail order of `orders.py` with a tote bag given free."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pandas as pd

from journal_pipeline.accounting.free_goods import (
    CHANGED,
    PostedSale,
    free_goods_changes,
    free_goods_documents,
    free_goods_events,
    free_line_orders,
    gives_free_units,
    posted_units,
    voids_of_posted,
)
from journal_pipeline.config import load_config
from journal_pipeline_tests.accounting.orders import retail_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
SALE_DAY = date(2026, 11, 20)  # closed 03:15 UTC: 10:15 in Jakarta
NEXT_DAY = date(2026, 11, 21)
ORDER_ID = retail_order()["order_id"]


def _with_free_tote(quantity: str = "2") -> dict:
    order = copy.deepcopy(retail_order())
    order["order_details"].append(
        {
            "order_detail_id": "d9",
            "product_id": "p9",
            "product_name": "Tote Bag Kanvas",
            "sku": "MRC-002",
            "quantity": quantity,
            "base_price": "85000",
            "total_order_amount": str(85000 * int(quantity)),
            "discount_amount": str(85000 * int(quantity)),  # 100% line discount
            "discount_order_amount": "0",
            "subtotal": "0",
            "tax_amount": "0",
            "cogs": [{"sku": "MRC-002", "quantity": quantity, "buying_price": "40000"}],
            "units_used": [{"sku": "MRC-002", "stock": quantity}],
        }
    )
    return order


def _with_combo_set(quantity: str = "1") -> dict:
    """The retail order with a combo set sold at full price: a coffee and two tote bags
    chosen, per set."""
    order = copy.deepcopy(retail_order())
    n = int(quantity)
    order["order_details"].append(
        {
            "order_detail_id": "d8",
            "product_id": "p8",
            "product_name": "Paket Hemat",
            "sku": "CMB-001",
            "type": "comboset",
            "quantity": quantity,
            "base_price": "150000",
            "total_order_amount": str(150000 * n),
            "discount_amount": "0",
            "subtotal": str(150000 * n),
            "product_combos": [
                {"product_sku": "KOP-001", "quantity": quantity},
                {"product_sku": "MRC-002", "quantity": str(2 * n)},
            ],
            "units_used": [
                {"sku": "KOP-001", "stock": quantity},
                {"sku": "MRC-002", "stock": str(2 * n)},
            ],
        }
    )
    return order


def _voided(order: dict, at: str) -> dict:
    voided = copy.deepcopy(order)
    voided["status"] = "void"
    voided["modified_date"] = at
    voided["transactions"] = [
        *voided.get("transactions", []),
        {"type": "void", "status": "success", "transaction_date": at, "amount": "0"},
    ]
    return voided


def test_a_sales_free_units_leave_the_outlets_warehouse_against_cost_of_sales():
    order = _with_free_tote()
    assert gives_free_units(order) and not gives_free_units(retail_order())
    (event,) = free_goods_events([order], [], CONFIG, SALE_DAY)
    assert event.units == {"MRC-002": Decimal(-2)}
    assert free_goods_events([order], [], CONFIG, NEXT_DAY) == []
    (document,), holds = free_goods_documents([event], CONFIG, SALE_DAY)
    assert holds == []
    assert document.doc_key == f"stock_adjustment:free_goods:{order['order_id']}"
    assert document.expected_total is None
    body = document.payload["stock_adjustment"]
    assert body["transaction_no"] == "ISL/JKT-000101/G"
    assert body["custom_id"] == f"{order['order_id']}/G"
    assert body["warehouse_name"] == CONFIG.outlet("JKT").warehouse
    assert body["account_name"] == CONFIG.account("cogs", "JKT")
    assert body["date"] == "20/11/2026"
    assert body["lines_attributes"] == [{"product_code": "MRC-002", "difference": -2}]
    assert "given free (2 × MRC-002)" in body["memo"]


def test_a_void_brings_them_back_on_its_day_even_the_same_day():
    order = _with_free_tote()
    later = _voided(order, "2026-11-21 04:00:00")
    (back,) = free_goods_events([later], [], CONFIG, NEXT_DAY)
    assert (back.source_id, back.number) == (f"{order['order_id']}/V", "ISL/JKT-000101/GV")
    assert back.units == {"MRC-002": Decimal(2)}
    # voided within its own day: out and back, each its own event (the first may be posted)
    same_day = _voided(order, "2026-11-20 06:00:00")
    events = free_goods_events([same_day], [], CONFIG, SALE_DAY)
    assert [e.units["MRC-002"] for e in events] == [Decimal(-2), Decimal(2)]


def test_a_refund_of_the_free_line_brings_its_units_back_and_one_of_paid_lines_does_not():
    order = _with_free_tote("2")
    free_back = {
        "order_id": order["order_id"],
        "refund_date": "2026-11-21 05:00:00",
        "refund_details": [{"order_detail_id": "d9", "quantity": "1"}],
    }
    paid_back = {
        "order_id": order["order_id"],
        "refund_date": "2026-11-22 05:00:00",
        "refund_details": [{"order_detail_id": "d1", "quantity": "1"}],
    }
    refunds = [("r2", paid_back), ("r1", free_back)]
    (event,) = free_goods_events([order], refunds, CONFIG, NEXT_DAY)
    assert (event.source_id, event.number) == ("r1", "ISL/JKT-000101/GR1")
    assert event.units == {"MRC-002": Decimal(1)}
    assert free_goods_events([order], refunds, CONFIG, date(2026, 11, 22)) == []


def test_untracked_free_lines_move_nothing_and_a_missing_account_holds_naming_the_fix():
    order = _with_free_tote()
    order["order_details"][-1]["units_used"] = []  # a free modifier, no stock behind it
    assert free_goods_events([order], [], CONFIG, SALE_DAY) == []

    data = CONFIG.model_dump()
    del data["accounts"]["cogs"]
    for outlet in data["outlets"].values():
        (outlet.get("accounts") or {}).pop("cogs", None)
    config = type(CONFIG).model_validate(data)
    events = free_goods_events([_with_free_tote()], [], config, SALE_DAY)
    documents, (hold,) = free_goods_documents(events, config, SALE_DAY)
    assert documents == []
    assert hold.doc_key == f"stock_adjustment:free_goods:{retail_order()['order_id']}"
    assert "Free goods of order #JKT-000101" in hold.reason and "accounts.cogs" in hold.reason


def _charged(order: dict) -> dict:
    """The order with its tote bag charged: no longer free."""
    changed = copy.deepcopy(order)
    changed["order_details"][-1].update(discount_amount="0", subtotal="85000")
    return changed


def test_a_change_of_free_lines_after_posting_books_only_the_difference():
    posted = {ORDER_ID: PostedSale(1, {"MRC-002": Decimal(-2)})}  # two bags out, in Jurnal
    assert free_goods_changes([_with_free_tote("2")], posted, CONFIG) == []  # as posted

    (more,) = free_goods_changes([_with_free_tote("3")], posted, CONFIG)  # a third bag free
    assert (more.number, more.custom_id) == ("ISL/JKT-000101/G2", f"{ORDER_ID}/G2")
    assert more.units == {"MRC-002": Decimal(-1)} and more.what == CHANGED
    (document,), holds = free_goods_documents([more], CONFIG, NEXT_DAY)
    body = document.payload["stock_adjustment"]
    assert holds == [] and document.doc_key == f"stock_adjustment:free_goods:{ORDER_ID}/G2"
    assert body["lines_attributes"] == [{"product_code": "MRC-002", "difference": -1}]
    assert "changed in iSeller after posting (-1 × MRC-002)" in body["memo"]
    assert posted_units(document.payload) == {"MRC-002": Decimal(-1)}

    # then charged: every bag the free lines moved comes back (the invoice takes them now)
    moved = {ORDER_ID: PostedSale(2, {"MRC-002": Decimal(-3)})}
    (back,) = free_goods_changes([_charged(_with_free_tote("3"))], moved, CONFIG)
    assert (back.number, back.units) == ("ISL/JKT-000101/G3", {"MRC-002": Decimal(3)})
    # voided, the void gives back what the free lines take; not a sale in Jurnal: nothing
    assert (
        free_goods_changes([_voided(_with_free_tote("3"), "2026-11-22 04:00:00")], moved, CONFIG)
        == []
    )
    assert free_goods_changes([_with_free_tote("3")], {}, CONFIG) == []


def test_the_void_of_a_posted_sale_gives_back_what_its_adjustments_moved():
    moved = {ORDER_ID: PostedSale(1, {"MRC-002": Decimal(-2)})}
    voided = _voided(_with_free_tote("3"), "2026-11-21 04:00:00")  # changed, then voided
    (back,) = voids_of_posted([voided], moved, CONFIG, NEXT_DAY)
    assert (back.number, back.custom_id) == ("ISL/JKT-000101/GV", f"{ORDER_ID}/GV")
    assert back.units == {"MRC-002": Decimal(2)}  # not the three its lines take now
    assert voids_of_posted([voided], moved, CONFIG, SALE_DAY) == []  # not the void's day
    assert voids_of_posted([voided], {}, CONFIG, NEXT_DAY) == []  # not posted: its own void
    assert voids_of_posted([_with_free_tote("3")], moved, CONFIG, NEXT_DAY) == []  # not void


def test_a_combo_sets_items_leave_stock_by_an_adjustment_of_their_own():
    order = _with_combo_set("2")
    assert gives_free_units(order)
    assert free_line_orders(pd.DataFrame(), [order, retail_order()]) == [ORDER_ID]
    (event,) = free_goods_events([order], [], CONFIG, SALE_DAY)
    assert event.units == {"KOP-001": Decimal(-2), "MRC-002": Decimal(-4)}
    (document,), _ = free_goods_documents([event], CONFIG, SALE_DAY)
    body = document.payload["stock_adjustment"]
    assert body["transaction_no"] == "ISL/JKT-000101/G"
    assert body["account_name"] == CONFIG.account("cogs", "JKT")
    assert "items of combo sets sold (2 × KOP-001, 4 × MRC-002)" in body["memo"]


def test_free_lines_and_combo_sets_of_one_sale_are_one_adjustment():
    order = _with_combo_set("1")
    order["order_details"].append(_with_free_tote("1")["order_details"][-1])
    (event,) = free_goods_events([order], [], CONFIG, SALE_DAY)
    assert event.units == {"KOP-001": Decimal(-1), "MRC-002": Decimal(-3)}
    assert event.what == "given free and items of combo sets sold"


def test_a_combo_set_refunded_or_voided_brings_its_items_back():
    order = _with_combo_set("2")
    back = {
        "order_id": order["order_id"],
        "refund_date": "2026-11-21 05:00:00",
        "refund_details": [{"order_detail_id": "d8", "quantity": "1"}],  # one of the two sets
    }
    (refunded,) = free_goods_events([order], [("r1", back)], CONFIG, NEXT_DAY)
    assert refunded.units == {"KOP-001": Decimal(1), "MRC-002": Decimal(2)}
    (voided,) = free_goods_events([_voided(order, "2026-11-21 04:00:00")], [], CONFIG, NEXT_DAY)
    assert voided.units == {"KOP-001": Decimal(2), "MRC-002": Decimal(4)}


def test_a_combo_set_changed_after_its_adjustment_moves_the_difference():
    posted = {ORDER_ID: PostedSale(1, {"KOP-001": Decimal(-1), "MRC-002": Decimal(-2)})}
    (change,) = free_goods_changes([_with_combo_set("2")], posted, CONFIG)
    assert (change.source_id, change.what) == (f"{ORDER_ID}/G2", CHANGED)
    assert change.units == {"KOP-001": Decimal(-1), "MRC-002": Decimal(-2)}
