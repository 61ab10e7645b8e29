"""The demo merchant: catalogue, determinism, and the order money identity on every order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journal_pipeline.sandbox.demo_merchant import (
    OUTLETS,
    OUTLETS_BY_CODE,
    PAYMENT_METHODS,
    PRODUCTS,
    DemoMerchant,
    allocate,
    day_order_count,
    generate_orders,
    parse_dt,
)

START = date(2026, 11, 1)
DAYS = 15


def rhu(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def merchant() -> DemoMerchant:
    return DemoMerchant(seed=7, orders_per_outlet_per_day=40, start_date=START)


@pytest.fixture(scope="module")
def all_orders(merchant: DemoMerchant) -> list[tuple[str, dict]]:
    return [
        (outlet.outlet_code, order)
        for outlet in OUTLETS
        for offset in range(DAYS)
        for order in merchant.expected_orders(outlet.outlet_code, START + timedelta(days=offset))
    ]


def test_catalogue_outlets_and_payments() -> None:
    assert len(PRODUCTS) >= 20
    assert len({p.sku for p in PRODUCTS}) == len(PRODUCTS)
    assert {"KOP-001", "MKN-010"} <= {p.sku for p in PRODUCTS}
    for product in PRODUCTS:
        outlet = OUTLETS_BY_CODE[product.outlet_code]
        step = 1_100 if outlet.tax_inclusive else 1_000
        assert product.price % step == 0, product.sku
        assert 0 < product.buying_price < product.price
    jkt, dps = OUTLETS_BY_CODE["JKT"], OUTLETS_BY_CODE["DPS"]
    assert (jkt.outlet_name, jkt.timezone, jkt.tax_name) == (
        "Jakarta Kemang",
        "Asia/Jakarta",
        "PPN",
    )
    assert (jkt.tax_rate, jkt.tax_inclusive, jkt.service_charge_rate) == (11, False, 0)
    assert (dps.outlet_name, dps.timezone, dps.tax_name) == (
        "Bali Seminyak",
        "Asia/Makassar",
        "PB1",
    )
    assert (dps.tax_rate, dps.tax_inclusive, dps.service_charge_rate) == (10, True, 5)
    assert {(m.name, m.gateway) for m in PAYMENT_METHODS} == {
        ("Cash", "cash"),
        ("Debit BCA", "external_debit"),
        ("Kartu Kredit", "external_credit"),
        ("QRIS", "iseller_pay"),
        ("GoPay", "custom"),
    }


def test_store_info(merchant: DemoMerchant) -> None:
    info = merchant.store_info()
    assert info["store_name"] == "Toko Demo Nusantara"
    assert info["currency"] == "IDR"
    assert [o["outlet_code"] for o in info["active_outlets"]] == ["JKT", "DPS"]
    assert all(
        o["outlet_id"] == merchant.outlet_id(o["outlet_code"]) for o in info["active_outlets"]
    )
    assert {p["gateway"] for p in info["active_payments"]} == {m.gateway for m in PAYMENT_METHODS}


@given(
    total=st.integers(min_value=0, max_value=10**9),
    weights=st.lists(st.integers(min_value=1, max_value=10**8), min_size=1, max_size=8),
)
def test_allocate_is_exact_and_pro_rata(total: int, weights: list[int]) -> None:
    shares = allocate(total, weights)
    assert sum(shares) == total
    for share, weight in zip(shares, weights, strict=True):
        assert abs(Decimal(share) - Decimal(total * weight) / sum(weights)) < 1


def test_allocate_largest_remainder() -> None:
    assert allocate(10, [1, 1, 1]) == [4, 3, 3]
    assert allocate(5, [2, 1]) == [3, 2]
    assert allocate(0, [0, 0]) == [0, 0]


def _assert_money_identity(outlet_code: str, order: dict) -> None:
    outlet = OUTLETS_BY_CODE[outlet_code]
    rate = outlet.tax_rate
    lines = order["order_details"]
    assert lines, order["order_reference"]
    assert order["tax_inclusive"] is outlet.tax_inclusive
    order_discounts = sum(d["discount_amount"] for d in order["discounts"])
    promotions = sum(p["promotion_amount"] for p in order["promotions"])
    nets = []
    for line in lines:
        for name in (
            "base_price",
            "total_order_amount",
            "discount_amount",
            "discount_order_amount",
            "subtotal",
            "tax_amount",
            "additional_charge",
        ):
            assert line[name] == line[name].to_integral_value(), (name, line)
        gross = line["base_price"] * line["quantity"]
        assert line["total_order_amount"] == gross
        if line["discount_percentage"] is None:
            assert line["discount_amount"] == 0
            assert line["discounts"] == []
        else:
            assert line["discount_percentage"] == 10
            assert line["discount_amount"] == rhu(gross * 10 / Decimal(100))
            assert sum(d["discount_amount"] for d in line["discounts"]) == line["discount_amount"]
        nets.append(gross - line["discount_amount"])
        assert line["subtotal"] == (gross - line["discount_amount"] - line["discount_order_amount"])
        assert line["tax_percentage"] == rate
        assert line["taxable"] is True
        if outlet.tax_inclusive:
            assert line["tax_amount"] == rhu(line["subtotal"] * rate / (100 + rate))
        else:
            assert line["tax_amount"] == rhu(line["subtotal"] * rate / 100)
        (cogs,) = line["cogs"]
        assert (cogs["sku"], cogs["product_id"]) == (line["sku"], line["product_id"])
        assert cogs["quantity"] == line["quantity"]
    # order-level discounts: shared pro rata by line net, exactly
    assert sum(line["discount_order_amount"] for line in lines) == order_discounts + promotions
    for line, net in zip(lines, nets, strict=True):
        exact = (order_discounts + promotions) * net / sum(nets)
        assert abs(line["discount_order_amount"] - exact) < 1
    if order_discounts:
        assert order["discounts"] == [
            {"discount_name": "Member 5%", "discount_amount": rhu(sum(nets) * 5 / Decimal(100))}
        ]
        assert order["customer_id"] is not None
    # order totals
    line_tax = sum(line["tax_amount"] for line in lines)
    subtotal = sum(line["subtotal"] for line in lines)
    assert order["total_order_amount"] == sum(line["total_order_amount"] for line in lines)
    assert order["total_discount_amount"] == (
        sum(line["discount_amount"] for line in lines) + order_discounts
    )
    assert order["total_promotion_amount"] == promotions
    assert order["subtotal"] == subtotal
    net_of_tax = subtotal - line_tax if outlet.tax_inclusive else subtotal
    service = order["total_additional_subtotal_amount"]
    assert service == rhu(net_of_tax * outlet.service_charge_rate / 100)
    assert sum(line["additional_charge"] for line in lines) == service
    service_tax = rhu(service * rate / 100)
    assert order["total_tax_amount"] == line_tax + service_tax
    for name in (
        "total_additional_final_amount",
        "total_additional_order_amount",
        "total_shipping_amount",
        "rounding_amount",
    ):
        assert order[name] == 0
    if outlet.tax_inclusive:
        expected_total = subtotal + service + service_tax
    else:
        expected_total = subtotal + order["total_tax_amount"] + service
    assert order["total_amount"] == expected_total
    assert order["buying_price"] == sum(
        c["quantity"] * c["buying_price"] for line in lines for c in line["cogs"]
    )
    assert (order["currency"], order["on_account"]) == ("IDR", False)
    # the payment
    sale, *rest = order["transactions"]
    assert (sale["type"], sale["status"], sale["amount"]) == ("sale", "success", expected_total)
    assert sale["transaction_date"] == order["closed_date"]
    if order["status"] == "void":
        assert order["payment_status"] == "voided"
        (void,) = rest
        assert (void["type"], void["amount"]) == ("void", expected_total)
        assert void["transaction_date"] == order["cancel_date"] == order["modified_date"]
    else:
        assert (order["status"], order["payment_status"]) == ("completed", "paid")
        assert rest == []
        assert order["modified_date"] == order["closed_date"]


def test_money_identity_holds_for_every_order(all_orders: list[tuple[str, dict]]) -> None:
    assert len(all_orders) > 900
    for outlet_code, order in all_orders:
        _assert_money_identity(outlet_code, order)


def test_mix_of_orders(all_orders: list[tuple[str, dict]]) -> None:
    orders = [order for _, order in all_orders]
    lines = [line for order in orders for line in order["order_details"]]
    voids = sum(order["status"] == "void" for order in orders) / len(orders)
    members = sum(bool(order["discounts"]) for order in orders) / len(orders)
    walk_ins = sum(order["customer_id"] is None for order in orders) / len(orders)
    line_discounts = sum(line["discount_percentage"] is not None for line in lines) / len(lines)
    assert 0.01 < voids < 0.06
    assert 0.05 < members < 0.15
    assert 0.62 < walk_ins < 0.78
    assert 0.15 < line_discounts < 0.25
    assert {len(order["order_details"]) for order in orders} == {1, 2, 3, 4}
    assert {order["transactions"][0]["payment_type_name"] for order in orders} == {
        m.name for m in PAYMENT_METHODS
    }
    assert all(order["channel"] == "pos" for order in orders)


def test_references_unique_and_sequential(merchant: DemoMerchant) -> None:
    for outlet in OUTLETS:
        references = [
            order["order_reference"]
            for offset in range(DAYS)
            for order in merchant.expected_orders(
                outlet.outlet_code, START + timedelta(days=offset)
            )
        ]
        assert references == [
            f"#{outlet.outlet_code}-{n:06d}" for n in range(1, len(references) + 1)
        ]


def test_daily_counts_jitter_within_20_percent() -> None:
    counts = [day_order_count(7, "JKT", START + timedelta(days=d), 40) for d in range(60)]
    assert all(32 <= c <= 48 for c in counts)
    assert len(set(counts)) > 5


def test_orders_within_opening_hours(all_orders: list[tuple[str, dict]]) -> None:
    after_midnight = 0
    for outlet_code, order in all_orders:
        zone = OUTLETS_BY_CODE[outlet_code].zone
        placed = parse_dt(order["order_date"]).astimezone(zone)
        closed = parse_dt(order["closed_date"]).astimezone(zone)
        assert placed < closed
        if outlet_code == "JKT":
            assert placed.date() == closed.date()
            assert placed.hour >= 10 and closed.hour < 22
        else:
            assert closed.hour >= 11 or closed.hour < 2 or closed.time().isoformat() == "02:00:00"
            if closed.hour < 11:
                after_midnight += 1
    assert after_midnight > 0


def test_deterministic_per_seed() -> None:
    day = date(2026, 11, 5)
    first = [o.final for o in generate_orders(7, "DPS", day, orders_per_day=10)]
    again = [o.final for o in generate_orders(7, "DPS", day, orders_per_day=10)]
    other = [o.final for o in generate_orders(8, "DPS", day, orders_per_day=10)]
    assert first == again
    assert [o["order_id"] for o in first] != [o["order_id"] for o in other]
    assert DemoMerchant(seed=7, start_date=START).outlet_id("JKT") == DemoMerchant(
        seed=7, start_date=START
    ).outlet_id("JKT")
    assert DemoMerchant(seed=7, start_date=START).outlet_id("JKT") != DemoMerchant(
        seed=8, start_date=START
    ).outlet_id("JKT")


def test_orders_only_grow_with_time(merchant: DemoMerchant) -> None:
    moments = [datetime(2026, 11, 3, h, tzinfo=UTC) for h in range(0, 24, 3)]
    previous: dict[str, dict] = {}
    for moment in moments:
        shown = {o["order_id"]: o for o in merchant.orders_until(moment)}
        assert set(previous) <= set(shown)
        assert all(parse_dt(o["closed_date"]) <= moment for o in shown.values())
        assert all(parse_dt(o["modified_date"]) <= moment for o in shown.values())
        previous = shown


def test_void_is_a_later_modification(merchant: DemoMerchant) -> None:
    voided = next(
        order
        for offset in range(DAYS)
        for order in merchant.orders_for_day("JKT", START + timedelta(days=offset))
        if order.cancel_date is not None
    )
    assert voided.as_of(voided.closed_date - timedelta(seconds=1)) is None
    before = voided.as_of(voided.cancel_date - timedelta(seconds=1))
    after = voided.as_of(voided.cancel_date)
    assert before is not None and after is not None
    assert (before["status"], before["payment_status"]) == ("completed", "paid")
    assert (after["status"], after["payment_status"]) == ("void", "voided")
    assert after["modified_date"] > before["modified_date"] == before["closed_date"]
    assert len(after["transactions"]) == 2
