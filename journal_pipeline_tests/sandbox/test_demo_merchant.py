"""The demo merchant: catalogue, determinism, and the money identity on every order."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journal_sandbox.demo_merchant import (
    MODIFIERS,
    OUTLETS,
    OUTLETS_BY_CODE,
    PAYMENT_METHODS,
    PRODUCTS,
    PRODUCTS_BY_SKU,
    DemoMerchant,
    allocate,
    day_order_count,
    generate_orders,
    parse_dt,
    refund_money,
)

START = date(2026, 11, 1)
DAYS = 15


def rhu(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def merchant() -> DemoMerchant:
    return DemoMerchant(seed=7, orders_per_outlet_per_day=40, start_date=START)


@pytest.fixture(scope="module")
def all_orders(merchant: DemoMerchant) -> list[tuple[str, dict, list[dict]]]:
    """(outlet code, final order, its refunded_orders entries) of every order of DAYS days."""
    return [
        (outlet.outlet_code, generated.final, generated.refunds_as_of(generated.modified_date))
        for outlet in OUTLETS
        for offset in range(DAYS)
        for generated in merchant.orders_for_day(outlet.outlet_code, START + timedelta(days=offset))
    ]


def test_catalogue_outlets_and_payments() -> None:
    assert len(PRODUCTS) >= 50
    assert len({p.sku for p in PRODUCTS}) == len(PRODUCTS)
    assert {"KOP-001", "MKN-010", "CAF-001"} <= {p.sku for p in PRODUCTS}
    assert {p.type for p in PRODUCTS} == {"standard", "variant", "composite"}
    assert any(not p.track_inventory and p.product_type == "Jasa" for p in PRODUCTS)
    assert any(p.modifier_groups for p in PRODUCTS) and len(MODIFIERS) >= 6
    for product in PRODUCTS:
        outlet = OUTLETS_BY_CODE[product.outlet_code]
        step = 1_100 if outlet.tax_inclusive else 1_000
        assert product.price % step == 0, product.sku
        assert 0 <= product.buying_price < product.price
        if product.components:
            assert product.buying_price == sum(
                PRODUCTS_BY_SKU[c.sku].buying_price * c.quantity for c in product.components
            )
    for code in ("JKT", "DPS", "BDG"):
        assert sum(p.outlet_code == code for p in PRODUCTS) >= 12
    jkt, dps, bdg = (OUTLETS_BY_CODE[c] for c in ("JKT", "DPS", "BDG"))
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
    assert (bdg.timezone, bdg.tax_name, bdg.tax_rate, bdg.tax_inclusive) == (
        "Asia/Jakarta",
        "PPN",
        11,
        False,
    )
    assert {(m.name, m.gateway) for m in PAYMENT_METHODS} == {
        ("Cash", "cash"),
        ("Debit BCA", "external_debit"),
        ("Kartu Kredit", "external_credit"),
        ("QRIS", "iseller_pay"),
        ("GoPay", "custom"),
        ("Gift Card", "gift_card"),
        ("Transfer Bank", "custom"),
    }


def test_store_info(merchant: DemoMerchant) -> None:
    info = merchant.store_info()
    assert info["store_name"] == "Toko Demo Nusantara"
    assert info["currency"] == "IDR"
    assert [o["outlet_code"] for o in info["active_outlets"]] == ["JKT", "DPS", "BDG"]
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


def _assert_line(outlet_code: str, line: dict) -> None:
    outlet = OUTLETS_BY_CODE[outlet_code]
    rate = outlet.tax_rate
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
        assert line["product_modifier_id"] is None  # modifiers carry no line discount
        assert line["discount_amount"] == rhu(gross * 10 / Decimal(100))
        assert sum(d["discount_amount"] for d in line["discounts"]) == line["discount_amount"]
    assert line["subtotal"] == (gross - line["discount_amount"] - line["discount_order_amount"])
    assert line["tax_percentage"] == rate
    assert line["taxable"] is True
    if outlet.tax_inclusive:
        assert line["tax_amount"] == rhu(line["subtotal"] * rate / (100 + rate))
    else:
        assert line["tax_amount"] == rhu(line["subtotal"] * rate / 100)
    for cogs in line["cogs"]:
        assert cogs["buying_price"] > 0
    if line["product_modifier_id"] is not None:
        assert line["modifier_product_sku"] == line["sku"]
        assert line["base_price"] == next(m.price for m in MODIFIERS if m.key == line["sku"])
    else:
        product = PRODUCTS_BY_SKU[line["sku"]]
        assert line["base_price"] == product.price and line["type"] == product.type
        if product.components:
            assert [(c["sku"], c["quantity"]) for c in line["cogs"]] == [
                (c.sku, c.quantity * line["quantity"]) for c in product.components
            ]
            assert len(line["product_composites"]) == len(product.components)
        elif product.buying_price:
            ((cogs),) = line["cogs"]
            assert (cogs["sku"], cogs["product_id"]) == (line["sku"], line["product_id"])
            assert cogs["quantity"] == line["quantity"]
            assert cogs["buying_price"] == product.buying_price
        else:
            assert line["cogs"] == []
        if product.type == "variant":
            assert line["product_variant_id"] == line["product_id"]
            assert line["product_variant_name"] == product.variant_name


def _assert_money_identity(outlet_code: str, order: dict, refunds: list[dict]) -> None:
    outlet = OUTLETS_BY_CODE[outlet_code]
    rate = outlet.tax_rate
    lines = order["order_details"]
    assert lines, order["order_reference"]
    assert order["tax_inclusive"] is outlet.tax_inclusive
    order_discounts = sum(d["discount_amount"] for d in order["discounts"])
    promotions = sum(p["promotion_amount"] for p in order["promotions"])
    nets = []
    for line in lines:
        _assert_line(outlet_code, line)
        nets.append(line["total_order_amount"] - line["discount_amount"])
    # order-level discounts and promotions: shared pro rata by line net, exactly
    assert sum(line["discount_order_amount"] for line in lines) == order_discounts + promotions
    for line, net in zip(lines, nets, strict=True):
        exact = (order_discounts + promotions) * net / sum(nets)
        assert abs(line["discount_order_amount"] - exact) < 1
    if order_discounts:
        assert order["discounts"] == [
            {
                "discount_name": "Member 5%",
                "discount_amount": rhu(sum(nets) * 5 / Decimal(100)),
                "external_id": None,
            }
        ]
        assert order["customer_id"] is not None
    assert order["total_promotion_amount"] == promotions
    # order totals
    line_tax = sum(line["tax_amount"] for line in lines)
    subtotal = sum(line["subtotal"] for line in lines)
    assert order["total_order_amount"] == sum(line["total_order_amount"] for line in lines)
    assert order["total_discount_amount"] == (
        sum(line["discount_amount"] for line in lines) + order_discounts
    )
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
    ):
        assert order[name] == 0
    if outlet.tax_inclusive:
        before_rounding = subtotal + service + service_tax
    else:
        before_rounding = subtotal + order["total_tax_amount"] + service
    rounding = order["rounding_amount"]
    total = order["total_amount"]
    assert total == before_rounding + rounding
    assert order["buying_price"] == sum(
        c["quantity"] * c["buying_price"] for line in lines for c in line["cogs"]
    )
    assert order["currency"] == "IDR"
    # the payments at closing
    closing = [t for t in order["transactions"] if t["transaction_date"] == order["closed_date"]]
    sales = [t for t in closing if t["type"] == "sale"]
    cash_only = len(sales) == 1 and sales[0]["gateway"] == "cash"
    if cash_only:
        assert total % 100 == 0 and abs(rounding) <= 50
        assert rounding == rhu(before_rounding / Decimal(100)) * 100 - before_rounding
    else:
        assert rounding == 0
    if order["on_account"]:
        assert sales == [] and order["customer_id"] is not None
        later = [t for t in order["transactions"] if t["type"] == "sale"]
        if order["payment_status"] == "pending":
            assert later == [] and order["remaining_on_account"] == total
            assert order["modified_date"] == order["closed_date"]
        else:
            (paid,) = later
            assert order["payment_status"] == "paid" and order["remaining_on_account"] == 0
            assert paid["amount"] == total
            assert paid["transaction_date"] == order["modified_date"] > order["closed_date"]
        return
    assert order["remaining_on_account"] == 0
    assert 1 <= len(sales) <= 2
    assert sum(t["amount"] for t in sales) == total
    assert all(t["status"] == "success" and t["amount"] > 0 for t in sales)
    rest = [t for t in order["transactions"] if t not in sales]
    if order["status"] == "void":
        assert order["payment_status"] == "voided" and refunds == []
        (void,) = rest
        assert (void["type"], void["amount"]) == ("void", total)
        assert void["transaction_date"] == order["cancel_date"] == order["modified_date"]
    elif refunds:
        (entry,) = refunds
        (refund,) = rest
        assert refund["type"] == "refund" and refund["gateway"] == sales[0]["gateway"]
        assert refund["transaction_date"] == entry["refund_date"] == order["modified_date"]
        returned = {d["order_detail_id"]: int(d["quantity"]) for d in entry["refund_details"]}
        full = all(returned.get(x["order_detail_id"]) == x["quantity"] for x in lines)
        assert order["payment_status"] == ("refunded" if full else "partially_refunded")
        money = refund_money(order, returned)
        assert refund["amount"] == entry["refund_amount"] == money["amount"]
        revenue = money["subtotal"] - (money["line_tax"] if order["tax_inclusive"] else 0)
        assert money["amount"] == (
            revenue + money["tax"] + money["service_charge"] + money["rounding"]
        )
        assert entry["quantity"] == sum(returned.values())
        assert parse_dt(entry["refund_date"]) - parse_dt(order["closed_date"]) > timedelta(hours=6)
        if full:
            assert refund["amount"] == total
        else:
            assert 0 < refund["amount"] < total
    else:
        assert (order["status"], order["payment_status"]) == ("completed", "paid")
        assert rest == []
        assert order["modified_date"] == order["closed_date"]


def test_money_identity_holds_for_every_order(all_orders: list) -> None:
    assert len(all_orders) > 1500
    gift_cards = 0
    for outlet_code, order, refunds in all_orders:
        if any(line.get("product_type") == "Gift Card" for line in order["order_details"]):
            gift_cards += 1  # untaxed, unlike the outlet's other lines: checked below
            assert order["total_tax_amount"] == 0 and order["total_amount"] == order["subtotal"]
            continue
        _assert_money_identity(outlet_code, order, refunds)
    assert gift_cards > 0


def test_partial_refund_rule_by_hand() -> None:
    order = {
        "tax_inclusive": True,
        "total_amount": Decimal(100_000),
        "order_details": [
            {
                "order_detail_id": "a",
                "quantity": 3,
                "subtotal": Decimal(66_000),
                "tax_amount": Decimal(6_000),
                "additional_charge": Decimal(3_000),
                "tax_percentage": Decimal(10),
            },
            {
                "order_detail_id": "b",
                "quantity": 1,
                "subtotal": Decimal(22_000),
                "tax_amount": Decimal(2_000),
                "additional_charge": Decimal(1_000),
                "tax_percentage": Decimal(10),
            },
        ],
    }
    # 1 of 3: subtotal 22,000, tax 2,000 (inside), service 1,000 + its tax 100
    assert refund_money(order, {"a": 1}) == {
        "amount": 23_100,
        "subtotal": 22_000,
        "tax": 2_100,
        "line_tax": 2_000,
        "service_tax": 100,
        "service_charge": 1_000,
        "rounding": 0,
    }
    assert refund_money({**order, "tax_inclusive": False}, {"a": 1})["amount"] == 25_100


def test_mix_of_orders(all_orders: list) -> None:
    orders = [order for _, order, _ in all_orders]
    lines = [line for order in orders for line in order["order_details"]]
    share = Counter(order["payment_status"] for order in orders)
    n = len(orders)
    assert 0.01 < share["voided"] / n < 0.06
    assert 0.005 < (share["refunded"] + share["partially_refunded"]) / n < 0.06
    assert share["refunded"] and share["partially_refunded"]
    on_account = [o for o in orders if o["on_account"]]
    assert 0.01 < len(on_account) / n < 0.06
    members = sum(bool(order["discounts"]) for order in orders) / n
    walk_ins = sum(order["customer_id"] is None for order in orders) / n
    line_discounts = sum(line["discount_percentage"] is not None for line in lines) / len(lines)
    assert 0.05 < members < 0.15
    assert 0.62 < walk_ins < 0.78
    assert 0.10 < line_discounts < 0.25
    assert sum(bool(o["promotions"]) for o in orders) > 20
    assert sum(o["rounding_amount"] > 0 for o in orders) > 10
    assert sum(o["rounding_amount"] < 0 for o in orders) > 10
    splits = [o for o in orders if sum(t["type"] == "sale" for t in o["transactions"]) == 2]
    assert 0.02 < len(splits) / n < 0.08
    assert sum(line["product_modifier_id"] is not None for line in lines) > 20
    assert {line["type"] for line in lines} == {"standard", "variant", "composite"}
    assert any(line["cogs"] == [] for line in lines)  # untracked services without cost
    till = {t["payment_type_name"] for o in orders for t in o["transactions"]}
    assert till == {m.name for m in PAYMENT_METHODS}
    assert all(order["channel"] == "pos" for order in orders)


def test_time_of_day_curve(all_orders: list) -> None:
    hours: dict[str, Counter] = {o.outlet_code: Counter() for o in OUTLETS}
    for outlet_code, order, _ in all_orders:
        zone = OUTLETS_BY_CODE[outlet_code].zone
        hours[outlet_code][parse_dt(order["order_date"]).astimezone(zone).hour] += 1
    assert hours["JKT"][18] > 2 * hours["JKT"][10]
    assert hours["DPS"][20] > 3 * hours["DPS"][16]
    assert hours["BDG"][8] > 2 * hours["BDG"][21]
    assert hours["BDG"][7] > 0 and hours["DPS"][0] > 0


def test_full_volume_is_generated() -> None:
    """300 orders per outlet per day (how fast: benchmarks/demo_generation.py)."""
    merchant = DemoMerchant(seed=3, orders_per_outlet_per_day=300, start_date=START)
    count = sum(
        len(merchant.orders_for_day(outlet.outlet_code, START + timedelta(days=offset)))
        for outlet in OUTLETS
        for offset in range(3)
    )
    assert count > 2_000


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


def test_orders_within_opening_hours(all_orders: list) -> None:
    after_midnight = 0
    for outlet_code, order, _ in all_orders:
        zone = OUTLETS_BY_CODE[outlet_code].zone
        placed = parse_dt(order["order_date"]).astimezone(zone)
        closed = parse_dt(order["closed_date"]).astimezone(zone)
        assert placed < closed
        if outlet_code == "JKT":
            assert placed.date() == closed.date()
            assert placed.hour >= 10 and closed.hour < 22
        elif outlet_code == "BDG":
            assert placed.date() == closed.date()
            assert placed.hour >= 7 and closed.hour < 22
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


def test_orders_changed_in_a_window_are_those_a_scan_finds(merchant: DemoMerchant) -> None:
    """The sandbox records what changed since its last request from a sorted index of the day's
    change instants; every window finds what a scan of the whole day finds, in the day's order."""
    day = START + timedelta(days=2)
    orders = merchant.orders_for_day("JKT", day)
    instants = sorted({change for order in orders for change in order.state_changes()})
    assert len(instants) > 10
    edges = [None, instants[0], instants[3], instants[len(instants) // 2], instants[-2]]
    for after in edges:
        for until in (instants[4], instants[-1], instants[-1] + timedelta(days=30)):
            scanned = [
                order
                for order in orders
                if any(
                    (after is None or after < change) and change <= until
                    for change in order.state_changes()
                )
            ]
            assert merchant.orders_changed("JKT", day, after, until) == scanned
