"""The client's reading of refunds, voids and order discounts the document leaves open (I-17,
I-22, I-23, I-33): a refund's or void's amount is its size whatever its sign, a void shown by
the order's status alone implies its void payment, and the order-level discount is never a sum
of a ``discounts[]`` that lists the lines' discounts too."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from journal_pipeline.accounting.day_sales import sales_of_day
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import implied_voids, order_frames, order_level_discount
from journal_pipeline.iseller.parse import transaction_amount, transactions_frame
from journal_pipeline_tests.accounting.orders import restaurant_order, retail_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)


@pytest.mark.parametrize(
    ("kind", "amount", "read"),
    [
        ("refund", Decimal("25000.0000"), 25_000),
        ("refund", Decimal("-25000.0000"), 25_000),
        ("refund", "-25000.0000", 25_000),
        ("void", -187702.0, 187_702),
        ("void", "-0.5", 1),  # half-up, away from zero: the same size either sign
        ("void", "0.5", 1),
        ("sale", Decimal("-10"), -10),  # a sale is read as stated
        ("refund", None, 0),
    ],
)
def test_a_refund_or_void_is_read_as_its_size(kind, amount, read) -> None:
    assert transaction_amount({"type": kind, "amount": amount}) == read


def _retail_voided_and_refunded() -> tuple[dict, dict]:
    """The retail order refunded Rp 25,000 the next day; the restaurant order voided."""
    refunded = retail_order()
    refunded["transactions"].append(
        {
            **refunded["transactions"][0],
            "transaction_id": "t-refund",
            "type": "refund",
            "transaction_date": "2026-11-21 04:00:00",
            "amount": Decimal("25000"),
        }
    )
    voided = restaurant_order()
    voided.update(status="void", payment_status="voided", cancel_date="2026-11-21 05:00:00")
    voided["transactions"].append(
        {
            **voided["transactions"][0],
            "transaction_id": "t-void",
            "type": "void",
            "transaction_date": "2026-11-21 05:00:00",
        }
    )
    return refunded, voided


def _signed(order: dict) -> dict:
    out = copy.deepcopy(order)
    for t in out["transactions"]:
        if t["type"] in ("refund", "void"):
            t["amount"] = -Decimal(str(t["amount"]))
    return out


def test_signed_refunds_and_voids_read_as_the_positive_ones() -> None:
    orders = list(_retail_voided_and_refunded())
    positive, signed = order_frames(orders), order_frames([_signed(o) for o in orders])
    pd.testing.assert_frame_equal(signed.payments, positive.payments)
    assert sorted(positive.payments["type"]) == ["refund", "sale", "sale", "void"]
    assert (positive.payments["amount"] > 0).all()
    transactions = [t for o in orders for t in o["transactions"]]
    pd.testing.assert_frame_equal(
        transactions_frame([t for o in orders for t in _signed(o)["transactions"]]),
        transactions_frame(transactions),
    )


def test_a_void_shown_by_status_alone_implies_its_void_payment() -> None:
    _, voided = _retail_voided_and_refunded()
    status_only = copy.deepcopy(voided)
    status_only["transactions"] = [t for t in voided["transactions"] if t["type"] != "void"]
    assert implied_voids(voided) == []  # it lists its void itself
    (implied,) = implied_voids(status_only)
    sale = voided["transactions"][0]
    assert implied == {
        "order_id": voided["order_id"],
        "transaction_id": f"{sale['transaction_id']}:void",
        "type": "void",
        "status": "success",
        "gateway": sale["gateway"],
        "payment_type_name": sale["payment_type_name"],
        "transaction_date": datetime(2026, 11, 21, 5, tzinfo=UTC),
        "amount": int(sale["amount"]),
    }
    listed, shown = order_frames([voided]).payments, order_frames([status_only]).payments
    shown = shown.assign(transaction_id=shown["transaction_id"].str.replace(":void", ""))
    listed = listed.assign(
        transaction_id=listed["transaction_id"].replace("t-void", sale["transaction_id"])
    )
    pd.testing.assert_frame_equal(shown, listed)
    # no cancel date: dated at its last change; a completed order implies nothing
    undated = {**status_only, "cancel_date": None, "modified_date": "2026-11-21 06:00:00"}
    assert implied_voids(undated)[0]["transaction_date"] == datetime(2026, 11, 21, 6, tzinfo=UTC)
    assert implied_voids(restaurant_order()) == []
    on_account = {**status_only, "transactions": []}
    assert implied_voids(on_account) == []


def test_a_later_void_is_found_by_status_with_or_without_its_transaction() -> None:
    _, voided = _retail_voided_and_refunded()
    status_only = copy.deepcopy(voided)
    status_only["transactions"] = [t for t in voided["transactions"] if t["type"] != "void"]
    no_cancel_date = {**status_only, "cancel_date": None, "modified_date": "2026-11-21 05:00:00"}
    for order in (voided, status_only, no_cancel_date):
        sales = sales_of_day(order_frames([order]), CONFIG, date(2026, 11, 21))
        assert list(sales.voided_later["order_id"]) == [voided["order_id"]]


def test_the_order_level_discount_is_never_a_sum_of_line_discounts() -> None:
    order = retail_order()  # Member 5% 8,900 on the order; Diskon 10% 17,000 on line d1
    assert order_level_discount(order) == 8_900
    with_lines = copy.deepcopy(order)
    with_lines["discounts"] = [
        {**order["discounts"][0], "order_detail_id": None},
        {"discount_name": "Diskon 10%", "discount_amount": Decimal(17000), "order_detail_id": "d1"},
    ]
    assert order_level_discount(with_lines) == 8_900
    # the lines' discounts listed without ids: the order's totals still say 8,900
    unnamed = copy.deepcopy(with_lines)
    for entry in unnamed["discounts"]:
        entry.pop("order_detail_id")
    assert order_level_discount(unnamed) == 8_900
    # no lines to subtract: the entries that name no line
    bare = {k: v for k, v in with_lines.items() if k != "order_details"}
    assert order_level_discount(bare) == 8_900
    frames = [order_frames([o]).orders for o in (order, with_lines, unnamed)]
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frame, frames[0])
    assert list(frames[0]["order_discounts"]) == [8_900]
