"""Property: whichever sign states an order's rounding (I-31) and whichever way its cost entries
state their price (I-19), the books are the same.

Demo days of every outlet, and drawn restaurant orders with cost entries of drawn quantities,
are generated in the documented reading, then stated by the emulator (`state_money`,
`state_cogs`) under every combination of ``rounding_sign``, ``cogs_price`` and
``service_charge``. Under each the journal lines, the estimate lines of the cost of goods
included, and the Jurnal invoices must be identical, nothing is held, and the readings the
accounting records name the dialect's.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import product
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal_pipeline.config import MerchantConfig
from journal_pipeline_tests.accounting.test_service_charge_property import (
    CONFIG,
    DAY,
    _books,
    _config,
    restaurant_days,
)
from journal_sandbox.demo_merchant import OUTLETS, generate_orders
from journal_sandbox.dialect import (
    COGS_PRICES,
    ROUNDING_SIGNS,
    SERVICE_CHARGE_READINGS,
    Dialect,
)
from journal_sandbox.dialect_money import state_cogs, state_money

DIALECTS = [
    Dialect(rounding_sign=sign, cogs_price=price, service_charge=charge)
    for sign, price, charge in product(ROUNDING_SIGNS, COGS_PRICES, SERVICE_CHARGE_READINGS)
]


def _served(order: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    return state_cogs(state_money(order, dialect), dialect)


def _same_books(
    orders: list[dict[str, Any]], config: MerchantConfig, day: date
) -> dict[Dialect, dict[str, Any]]:
    books = {d: _books([_served(o, d) for o in orders], config, day) for d in DIALECTS}
    documented = books[Dialect()]
    assert documented["held"] == []
    for dialect, other in books.items():
        for key in ("journal", "documents", "invoice_totals", "held"):
            assert other[key] == documented[key], (dialect.spec, key)
    return books


def _check_readings(orders: list[dict[str, Any]], books: dict[Dialect, dict[str, Any]]) -> None:
    """Each order's recorded readings: its rounding's sign when it has a rounding, its cost's
    reading when the two readings of its cost differ."""
    for order in orders:
        if order["status"] != "completed":
            continue
        quantities = {
            Decimal(str(c["quantity"])) for line in order["order_details"] for c in line["cogs"]
        }
        cost_differs = bool(quantities - {Decimal(1)}) and any(
            Decimal(str(c["buying_price"])) for line in order["order_details"] for c in line["cogs"]
        )
        for dialect, book in books.items():
            words = set(book["readings"][order["order_id"]].split())
            assert ("rounding:subtracted" in words) == (
                dialect.rounding_sign == "subtracted" and bool(order["rounding_amount"])
            ), (dialect.spec, words)
            assert ("cogs:total" in words) == (dialect.cogs_price == "total" and cost_differs), (
                dialect.spec,
                words,
            )
            assert "cogs:unmatched" not in words


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), offset=st.integers(0, 400))
def test_demo_days_book_the_same_under_every_rounding_sign_and_cost_price(
    seed: int, offset: int
) -> None:
    day = date(2026, 1, 1) + timedelta(days=offset)
    orders = [
        g.final
        for outlet in OUTLETS
        for g in generate_orders(seed, outlet.outlet_code, day, orders_per_day=20)
    ]
    books = _same_books(orders, CONFIG, day)
    _check_readings(orders, books)
    estimates = [row for row in books[Dialect()]["journal"] if row[0].startswith("cogs:")]
    assert estimates  # the cost estimate entries were compared too


@st.composite
def costed_restaurant_days(draw: st.DrawFn) -> tuple[list[dict[str, Any]], Decimal]:
    """Drawn restaurant orders (`test_service_charge_property.restaurant_days`), each line
    with one or two cost entries of drawn quantity and unit cost, the order's
    ``buying_price`` their Σ quantity × unit cost (I-19)."""
    orders, rate = draw(restaurant_days())
    for order in orders:
        cost = Decimal(0)
        for line in order["order_details"]:
            line["cogs"] = []
            for part in range(draw(st.integers(1, 2))):
                quantity = Decimal(draw(st.integers(1, 6))) * line["quantity"]
                unit = Decimal(draw(st.integers(500, 60_000)))
                line["cogs"].append(
                    {
                        "product_id": f"{line['product_id']}-{part}",
                        "sku": f"{line['sku']}-{part}",
                        "quantity": quantity,
                        "buying_price": unit,
                    }
                )
                cost += quantity * unit
        order["buying_price"] = cost
    return orders, rate


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(costed_restaurant_days())
def test_drawn_orders_book_the_same_under_every_rounding_sign_and_cost_price(
    drawn: tuple[list[dict[str, Any]], Decimal],
) -> None:
    orders, rate = drawn
    books = _same_books(orders, _config(rate), DAY)
    _check_readings(orders, books)
    documented = books[Dialect()]["journal"]
    for order in orders:  # the estimate is Σ quantity × unit cost, the order's buying_price
        cogs = [row for row in documented if row[0] == f"cogs:{order['order_id']}"]
        assert sum(row[3] for row in cogs) == order["buying_price"]
