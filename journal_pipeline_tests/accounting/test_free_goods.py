"""Free goods leave Jurnal's stock as they leave iSeller's (`accounting.free_goods`), worked by
hand on the retail order of `orders.py` with a tote bag given free."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

from journal_pipeline.accounting.free_goods import (
    free_goods_documents,
    free_goods_events,
    gives_free_units,
)
from journal_pipeline.config import load_config
from journal_pipeline_tests.accounting.orders import retail_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
SALE_DAY = date(2026, 11, 20)  # closed 03:15 UTC: 10:15 in Jakarta
NEXT_DAY = date(2026, 11, 21)


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
