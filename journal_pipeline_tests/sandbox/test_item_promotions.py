"""The demo till with `item_promotions` (`SANDBOX_ISELLER_ITEM_PROMOTIONS`): each outlet's
promotion is taken off the order's largest line alone and listed in that line's
``promotions[]``, the order's other money as before."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from journal_sandbox.demo_merchant import OUTLETS, OUTLETS_BY_CODE, DemoMerchant
from journal_sandbox.iseller_app import ITEM_PROMOTIONS_ENV, ISellerSandbox

DAY = date(2026, 11, 5)


def _orders(merchant: DemoMerchant) -> list[tuple[str, dict]]:
    return [
        (outlet.outlet_code, generated.final)
        for outlet in OUTLETS
        for generated in merchant.orders_for_day(outlet.outlet_code, DAY)
        if not any(
            line.get("product_type") == "Gift Card" for line in generated.final["order_details"]
        )
    ]


def _rupiah(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def test_a_promotion_is_on_the_largest_line_alone() -> None:
    merchant = DemoMerchant(
        seed=7, orders_per_outlet_per_day=60, start_date=DAY, item_promotions=True
    )
    on_items = 0
    for outlet_code, order in _orders(merchant):
        (promotion,) = order["promotions"] or [None]
        if promotion is None or promotion["promotion_type"] == "order":
            assert all(line["promotions"] == [] for line in order["order_details"])
            continue
        on_items += 1
        lines = order["order_details"]
        nets = [line["total_order_amount"] - line["discount_amount"] for line in lines]
        promoted = [i for i, line in enumerate(lines) if line["promotions"]]
        assert promoted == [max(range(len(nets)), key=lambda i: (nets[i], -i))]
        (listed,) = lines[promoted[0]]["promotions"]
        assert listed == promotion and listed["promotion_amount"] <= nets[promoted[0]]
        # the member discount over what each line comes to after the promotion
        member = sum(d["discount_amount"] for d in order["discounts"])
        after = [
            n - (promotion["promotion_amount"] if i in promoted else 0) for i, n in enumerate(nets)
        ]
        for i, line in enumerate(lines):
            own = promotion["promotion_amount"] if i in promoted else 0
            assert abs(line["discount_order_amount"] - own - member * after[i] / sum(after)) < 1
        assert sum(line["discount_order_amount"] for line in lines) == (
            member + promotion["promotion_amount"]
        )
        # each line's tax on its own subtotal, the order's totals their sums
        rate = OUTLETS_BY_CODE[outlet_code].tax_rate
        for line in lines:
            assert line["subtotal"] == (
                line["total_order_amount"] - line["discount_amount"] - line["discount_order_amount"]
            )
            share = rate / (100 + rate) if order["tax_inclusive"] else rate / 100
            assert line["tax_amount"] == _rupiah(line["subtotal"] * share)
        assert order["subtotal"] == sum(line["subtotal"] for line in lines)
        assert order["total_promotion_amount"] == promotion["promotion_amount"]
    assert on_items > 0


def test_without_the_knob_every_promotion_is_the_orders(tmp_path, monkeypatch) -> None:
    plain = DemoMerchant(seed=7, orders_per_outlet_per_day=60, start_date=DAY)
    promoted = [o for _, o in _orders(plain) if o["promotions"]]
    assert promoted and all(o["promotions"][0]["promotion_type"] == "order" for o in promoted)
    monkeypatch.setenv(ITEM_PROMOTIONS_ENV, "1")
    sandbox = ISellerSandbox(tmp_path / "a", orders_per_outlet_per_day=4, start_date=DAY)
    assert sandbox.merchant.item_promotions is True
    monkeypatch.delenv(ITEM_PROMOTIONS_ENV)
    sandbox = ISellerSandbox(tmp_path / "b", orders_per_outlet_per_day=4, start_date=DAY)
    assert sandbox.merchant.item_promotions is False
