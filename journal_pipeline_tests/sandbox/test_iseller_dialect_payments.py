"""The emulator's dialects for the sign of refunds and voids (I-22, I-33), the shape of a void
(I-23), what the order's ``discounts[]`` lists (I-17) and what an MDR's ``payment_method_fee``
holds (I-49), over HTTP: each serves the same
sales, refunds and voids, the summaries are those of the documented reading, and the
pipeline's parsing reads every reading to the same frames."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from journal_pipeline.accounting.mdr import reported_fees
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.parse import transactions_frame
from journal_pipeline_tests.sandbox.dialect_api import Api, dialect_sandbox
from journal_sandbox.dialect import MDR_FEES, ORDER_DISCOUNTS, REFUND_SIGNS, VOID_SHAPES, Dialect
from journal_sandbox.dialect_money import state_payment, state_payments
from journal_sandbox.dialect_shapes import list_discounts

SUMMARY = {"time_zone": "0", "created_after": "2026-01-01T00:00:00"}
SIGNED = "refund_sign=negative"
STATUS_ONLY = "void_shape=status_only"
WITH_LINES = "order_discounts=with_lines"
EVERY = f"{SIGNED},{STATUS_ONLY},{WITH_LINES},money_format=string,order_ids=1"


def _money(value: Any) -> int:
    return int(Decimal(str(value or 0)))


def test_the_keys_parse_validate_and_round_trip() -> None:
    dialect = Dialect.from_spec(f"{SIGNED},{STATUS_ONLY},{WITH_LINES}")
    assert (dialect.refund_sign, dialect.void_shape, dialect.order_discounts) == (
        "negative",
        "status_only",
        "with_lines",
    )
    assert dialect.spec == f"{SIGNED},{STATUS_ONLY},{WITH_LINES}"
    assert Dialect.from_spec(dialect.spec) == dialect
    default = Dialect()
    assert (default.refund_sign, default.void_shape, default.order_discounts) == (
        "positive",
        "transaction",
        "order_level",
    )
    assert (REFUND_SIGNS[0], VOID_SHAPES[0], ORDER_DISCOUNTS[0]) == (
        "positive",
        "transaction",
        "order_level",
    )
    for bad, message in (
        ("refund_sign=minus", "refund_sign is one of positive, negative"),
        ("void_shape=gone", "void_shape is one of transaction, status_only"),
        ("order_discounts=all", "order_discounts is one of order_level, with_lines"),
    ):
        with pytest.raises(ValueError, match=message):
            Dialect.from_spec(bad)


def test_signed_payments_worked_example() -> None:
    sale = {"type": "sale", "amount": 55000.0}
    refund = {"type": "refund", "amount": 20000.0, "mdr": []}
    void = {"type": "void", "amount": Decimal(55000)}
    signed = Dialect(refund_sign="negative")
    assert state_payment(refund, Dialect()) is refund
    assert state_payment(sale, signed) is sale
    assert state_payment(refund, signed) == {"type": "refund", "amount": -20000.0, "mdr": []}
    assert state_payment(void, signed) == {"type": "void", "amount": Decimal(-55000)}
    assert refund == {"type": "refund", "amount": 20000.0, "mdr": []}  # not changed
    order = {"order_id": "o", "transactions": [sale, refund]}
    assert state_payments(order, signed)["transactions"] == [sale, {**refund, "amount": -20000.0}]
    assert state_payments({"transactions": []}, signed) == {"transactions": []}


def test_line_discounts_listed_on_the_order_worked_example() -> None:
    order = {
        "discounts": [
            {"discount_name": "Member 5%", "discount_amount": 8900.0, "external_id": None}
        ],
        "order_details": [
            {"order_detail_id": "l1", "discounts": []},
            {
                "order_detail_id": "l2",
                "discounts": [
                    {"discount_name": "Diskon 10%", "discount_amount": 2300.0, "external_id": None}
                ],
            },
        ],
    }
    assert list_discounts(order, Dialect()) is order
    listed = list_discounts(order, Dialect(order_discounts="with_lines"))
    assert listed["discounts"] == [
        {
            "discount_name": "Member 5%",
            "discount_amount": 8900.0,
            "order_detail_id": None,
            "external_id": None,
        },
        {
            "discount_name": "Diskon 10%",
            "discount_amount": 2300.0,
            "order_detail_id": "l2",
            "external_id": None,
        },
    ]
    assert listed["order_details"] == order["order_details"]
    assert len(order["discounts"]) == 1  # not changed


# -- over HTTP ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """Two weeks of history (8 orders per outlet per day), so that refunds, which come 1-7
    days after the sale, and voids are among the served orders."""
    state = Path(tmp_path_factory.mktemp("iseller-payments"))
    with dialect_sandbox(state, orders_per_outlet_per_day=8, history_days=14) as served:
        yield served


def _served(api: Api, spec: str, **params: Any) -> dict[str, Any]:
    api.speak(spec)
    try:
        return {
            "orders": api.orders(**params),
            "transactions": api.ok("/api/v2/GetTransactions", time_zone="0")["transactions"],
            "payment_summaries": api.ok("/api/v2/GetTransactionSummary", **SUMMARY)[
                "transaction_summaries"
            ],
            "order_summaries": api.ok("/api/v2/GetOrderSummary", **SUMMARY)["order_summaries"],
        }
    finally:
        api.speak("documented")


@pytest.fixture(scope="module")
def documented(api: Api) -> dict[str, Any]:
    served = _served(api, "")
    kinds = [t["type"] for t in served["transactions"]]
    assert kinds.count("refund") >= 3 and kinds.count("void") >= 3  # both are exercised
    return served


def _kinds(transactions: list[dict[str, Any]]) -> list[str]:
    return [t["type"] for t in transactions]


def test_refunds_and_voids_signed_below_zero(api: Api, documented: dict[str, Any]) -> None:
    signed = _served(api, SIGNED)
    pairs = list(zip(signed["transactions"], documented["transactions"], strict=True))
    for orders in (
        pairs,
        [
            pair
            for order, same in zip(signed["orders"], documented["orders"], strict=True)
            for pair in zip(order["transactions"], same["transactions"], strict=True)
        ],
    ):
        back = 0
        for transaction, same in orders:
            if same["type"] == "sale":
                assert transaction == same
                continue
            back += 1
            assert _money(same["amount"]) > 0
            assert _money(transaction["amount"]) == -_money(same["amount"])
            assert {**transaction, "amount": same["amount"]} == same
        assert back >= 6
    # the orders' other fields, the refunded_orders[] amounts and both summaries are unchanged
    for order, same in zip(signed["orders"], documented["orders"], strict=True):
        assert {k: v for k, v in order.items() if k != "transactions"} == {
            k: v for k, v in same.items() if k != "transactions"
        }
    assert signed["payment_summaries"] == documented["payment_summaries"]
    assert signed["order_summaries"] == documented["order_summaries"]


def test_a_void_shown_by_status_alone(api: Api, documented: dict[str, Any]) -> None:
    shown = _served(api, STATUS_ONLY)
    assert shown["transactions"] == [t for t in documented["transactions"] if t["type"] != "void"]
    voided = 0
    for order, same in zip(shown["orders"], documented["orders"], strict=True):
        assert order["transactions"] == [t for t in same["transactions"] if t["type"] != "void"]
        assert {k: v for k, v in order.items() if k != "transactions"} == {
            k: v for k, v in same.items() if k != "transactions"
        }
        if order["status"] == "void":
            voided += 1
            assert order["payment_status"] == "voided" and order["cancel_date"]
            assert _kinds(order["transactions"]) == ["sale"]
    assert voided >= 3
    # the summaries still net each void on its cancel date: the money went back
    assert shown["payment_summaries"] == documented["payment_summaries"]
    assert shown["order_summaries"] == documented["order_summaries"]


def test_paging_of_get_transactions_without_voids(api: Api) -> None:
    api.speak(STATUS_ONLY)
    try:
        pages = api.pages("/api/v2/GetTransactions", "transactions", 1, time_zone="0", page_size=50)
        everything = api.ok("/api/v2/GetTransactions", time_zone="0")["transactions"]
    finally:
        api.speak("documented")
    assert [t for page in pages for t in page] == everything
    assert len(pages) == -(-len(everything) // 50)  # has_next_item counts no void


def test_line_discounts_listed_on_the_order(api: Api, documented: dict[str, Any]) -> None:
    listed = _served(api, WITH_LINES)
    twice = 0
    for order, same in zip(listed["orders"], documented["orders"], strict=True):
        lines = [
            {**d, "order_detail_id": line["order_detail_id"]}
            for line in order["order_details"]
            for d in line["discounts"]
        ]
        own = [{**d, "order_detail_id": None} for d in same["discounts"]]
        assert order["discounts"] == own + lines
        assert {k: v for k, v in order.items() if k != "discounts"} == {
            k: v for k, v in same.items() if k != "discounts"
        }
        # the list adds up to every discount of the order: read as the order-level discount,
        # the lines' discounts would count twice
        listed_sum = sum(_money(d["discount_amount"]) for d in order["discounts"])
        assert listed_sum == _money(order["total_discount_amount"])
        twice += bool(lines)
    assert twice > 0
    # the list is the same whether or not order_details are included
    bare = _served(api, WITH_LINES, includes="DiscountDetails")["orders"]
    assert [o["discounts"] for o in bare] == [o["discounts"] for o in listed["orders"]]
    assert listed["order_summaries"] == documented["order_summaries"]


# -- the pipeline reads every reading to the same frames ---------------------------------------


def _without_void_ids(payments: pd.DataFrame) -> pd.DataFrame:
    """Payments without the ids of the voids (an implied void has an id of its own), in a
    stable order."""
    frame = payments.copy()
    frame.loc[frame["type"] == "void", "transaction_id"] = None
    return frame.sort_values(["order_id", "type", "transaction_date"]).reset_index(drop=True)


@pytest.mark.parametrize("spec", [SIGNED, STATUS_ONLY, WITH_LINES, EVERY])
def test_the_pipeline_reads_every_reading_alike(
    api: Api, documented: dict[str, Any], spec: str
) -> None:
    served = _served(api, spec)
    ours, theirs = order_frames(documented["orders"]), order_frames(served["orders"])
    pd.testing.assert_frame_equal(theirs.orders, ours.orders)
    pd.testing.assert_frame_equal(theirs.lines, ours.lines)
    if "void_shape" in spec:
        pd.testing.assert_frame_equal(
            _without_void_ids(theirs.payments), _without_void_ids(ours.payments)
        )
        implied = theirs.payments[theirs.payments["type"] == "void"]
        assert len(implied) >= 3 and implied["transaction_id"].str.endswith(":void").all()
    else:
        pd.testing.assert_frame_equal(theirs.payments, ours.payments)
    assert (theirs.payments["amount"] > 0).all()
    # GetTransactions: the same rows, less the voids when the dialect lists none
    expected = transactions_frame(
        [t for t in documented["transactions"] if "void_shape" not in spec or t["type"] != "void"]
    )
    pd.testing.assert_frame_equal(transactions_frame(served["transactions"]), expected)


@pytest.mark.parametrize("reading", [r for r in MDR_FEES if r != "amount"])
def test_the_mdr_fee_stated_as_a_rate_or_the_method_reads_to_the_same_fees(
    api: Api, documented: dict[str, Any], reading: str
) -> None:
    stated = _served(api, f"mdr_fee={reading}")
    fees = reported_fees(documented["orders"], platform={})
    assert len(fees) >= 5  # QRIS sales carry their MDR
    assert reported_fees(stated["orders"], platform={}) == fees
    for order, same in zip(stated["orders"], documented["orders"], strict=True):
        for transaction, kept in zip(order["transactions"], same["transactions"], strict=True):
            if not kept.get("mdr"):
                assert transaction == kept
                continue
            (entry,) = transaction["mdr"]
            assert entry["total_amount_fee"] == kept["mdr"][0]["total_amount_fee"]
            if reading == "method":
                assert entry["payment_method_fee"] == kept["payment_type_name"]
            else:
                assert Decimal(str(entry["payment_method_fee"])) == Decimal("0.70")
    # GetTransactions with the MDR include: the same fee per payment
    assert _listed_fees(api, f"mdr_fee={reading}") == _listed_fees(api, "")
    assert sum(_listed_fees(api, "")) == sum(fees.values())


def _listed_fees(api: Api, spec: str) -> list[int]:
    api.speak(spec)
    try:
        listed = api.ok("/api/v2/GetTransactions", time_zone="0", includes="MDR")
        return transactions_frame(listed["transactions"])["mdr_fee"].tolist()
    finally:
        api.speak("documented")
