"""Gift cards (I-46): GetProducts lists "Gift Card Rp 100.000", JKT sells a few a week as orders
of their own, untaxed and paid like any order, numbered after the day's ordinary orders, which
stay as they were; redemptions are the Gift Card payment method."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from journal_pipeline_tests.iseller_fixtures import (
    ISellerSandboxHandle,
    read_all,
    running_iseller_sandbox,
)
from journal_sandbox.demo_merchant import generate_orders

NOW = datetime(2026, 11, 22, 16, tzinfo=UTC)  # Sunday 23:00 in Jakarta: two weeks of orders
START = date(2026, 11, 9)
WINDOW = {"time_zone": 7, "created_after": "2026-01-01", "page_size": 1000}


@pytest.fixture(scope="module")
def iseller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ISellerSandboxHandle]:
    with running_iseller_sandbox(
        tmp_path_factory.mktemp("gift-cards"),
        orders_per_outlet_per_day=20,
        start_date=START,
        now=lambda: NOW,
    ) as handle:
        yield handle


def _all(handle: ISellerSandboxHandle, name: str, key: str, **params: Any) -> list[Any]:
    return read_all(handle, name, key, **{**WINDOW, **params})


@pytest.fixture(scope="module")
def orders(iseller: ISellerSandboxHandle) -> list[dict[str, Any]]:
    return _all(iseller, "GetOrders", "orders", includes="OrderDetails,Transactions")


def _is_gift_card_sale(order: dict[str, Any]) -> bool:
    return any(line["product_type"] == "Gift Card" for line in order["order_details"])


def test_get_products_lists_the_gift_card(iseller: ISellerSandboxHandle) -> None:
    products = _all(
        iseller,
        "GetProducts",
        "products",
        track_inventory="false",
        modified_after="2020-01-01T00:00:00",
    )
    (card,) = [p for p in products if p["sku"] == "GC-100"]
    assert card["name"] == "Gift Card Rp 100.000" and card["product_type"] == "Gift Card"
    assert card["track_inventory"] is False and card["taxable"] is False
    assert card["price"] == 100_000 and card["inventories"] == []
    assert sum(p["taxable"] is False for p in products) == 1


def test_jkt_sells_a_few_gift_cards_a_week(orders: list[dict[str, Any]]) -> None:
    sales = [o for o in orders if _is_gift_card_sale(o)]
    assert {o["outlet_code"] for o in sales} == {"JKT"}
    first_week = [o for o in sales if o["order_date"] < "2026-11-16"]
    assert 2 <= len(first_week) <= 8 and 2 <= len(sales) - len(first_week) <= 8
    for order in sales:
        (line,) = order["order_details"]
        assert line["sku"] == "GC-100" and line["taxable"] is False
        assert line["tax_amount"] == 0 and order["total_tax_amount"] == 0
        assert order["total_amount"] == line["subtotal"] == 100_000 * line["quantity"]
        (payment,) = order["transactions"]
        assert payment["type"] == "sale" and payment["amount"] == order["total_amount"]
        assert payment["gateway"] != "gift_card"
        assert order["status"] == "completed" and order["payment_status"] == "paid"
    redemptions = [
        t for o in orders for t in o["transactions"] if t["payment_type_name"] == "Gift Card"
    ]
    assert redemptions and {t["gateway"] for t in redemptions} == {"gift_card"}


def test_ordinary_orders_stay_as_they_were(
    iseller: ISellerSandboxHandle, orders: list[dict[str, Any]]
) -> None:
    merchant = iseller.sandbox.merchant
    for outlet_code in ("JKT", "BDG"):
        served = [o for o in orders if o["outlet_code"] == outlet_code]
        references = sorted(int(o["order_reference"].rsplit("-", 1)[1]) for o in served)
        assert references == list(range(1, len(served) + 1))  # one series, no gap
    day = START
    while day < date(2026, 11, 22):
        generated = merchant.orders_for_day("JKT", day)
        ordinary = generate_orders(
            merchant.seed,
            "JKT",
            day,
            orders_per_day=20,
            first_sequence=merchant.first_sequence("JKT", day),
        )
        assert [o.order_id for o in generated[: len(ordinary)]] == [o.order_id for o in ordinary]
        cards = generated[len(ordinary) :]
        assert all(o.final["order_details"][0]["sku"] == "GC-100" for o in cards)
        assert [o.sequence for o in cards] == [
            ordinary[-1].sequence + n + 1 for n in range(len(cards))
        ]
        day += timedelta(days=1)
