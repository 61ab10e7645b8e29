"""A marketplace's or food-delivery platform's fees (the order's profit details): booked as an
expense kept back from the order's payment, Dr payment_fees / Cr the method's clearing, in
every reading of the undocumented block, and netted from what the bank is expected to get."""

from datetime import date
from decimal import Decimal

import pytest

from journal_pipeline.accounting import mdr, posting_rules
from journal_pipeline.accounting.platform_fees import order_platform_fee, platform_fees
from journal_pipeline.accounting.reconciliation import expected_settlements
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline_tests.accounting.money_orders import payment, untaxed_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 20)
FEES = ("Beban MDR Pembayaran Non Tunai", "Kliring GoPay")


def _delivery_order(order_id: str, details, payments=None) -> dict:
    """A GoFood order of Rp 100,000 paid through the platform (the GoPay method)."""
    order = untaxed_order(
        order_id, payments=payments or [payment(f"{order_id}-t", "GoPay", "custom", 100_000, [])]
    )
    order.update(channel="food_delivery", channel_detail="gofood")
    if details is not None:
        order.update(details)
    return order


def _entries(orders):
    sales = posting_rules.sales_of_day(order_frames(orders), CONFIG, DAY)
    pays = posting_rules.payments_at_sale(list(sales.frames.payments.itertuples(index=False)), DAY)
    numbered = [(p, f"ISL/{p.order_reference.lstrip('#')}") for p in pays]
    return mdr.payment_entries(
        numbered, mdr.reported_fees(orders), CONFIG, DAY, platform_fees(orders)
    )


def _fee_lines(entries, transaction_id):
    return [
        (line["account_name"], line["debit"], line["credit"])
        for line in entries.lines
        if line["entry_id"] == f"money:mdr:{transaction_id}"
    ]


FEE_PARTS = {"admin_fee": Decimal("2000.0000"), "commission_fee": Decimal("18000.0000")}


@pytest.mark.parametrize(
    "details",
    [
        {"profit_details": FEE_PARTS},  # an object under the include's own name
        {"profit_details": [FEE_PARTS]},  # a list of one, as other blocks are
        {"profit_detail": FEE_PARTS},
        {"ProfitDetails": FEE_PARTS},
        {"profit_details": [{"admin_fee": 2000}, {"commission_fee": 18000}]},  # split
        {"profit_details": {"admin_fee": "2000.0000", "commission_fee": "18000"}},  # text
        {"profit_details": {"admin_fee": -2000, "commission_fee": -18000}},  # deductions
    ],
    ids=["object", "list", "singular", "pascal", "split", "text", "negative"],
)
def test_the_platforms_fees_are_kept_from_its_payment_in_every_reading(details):
    order = _delivery_order("d1", details | {"total_amount_profit": Decimal("80000")})

    entries = _entries([order])

    assert entries.holds == []
    # 2,000 admin fee + 18,000 commission, not the config's 0.7% GoPay MDR (700)
    assert _fee_lines(entries, "d1-t") == [(FEES[0], 20_000, 0), (FEES[1], 0, 20_000)]
    (document,) = entries.documents
    assert document.custom_id == "d1-t/F" and document.expected_total == 20_000
    memo = document.payload["journal_entry"]["memo"]
    assert memo.startswith("iSeller platform fees kept from the GoPay payment of order #JKT-d1")


def test_without_profit_details_or_with_zero_fees_the_payment_keeps_its_usual_fee():
    plain = _delivery_order("d2", None)
    zero = _delivery_order("d3", {"profit_details": {"admin_fee": 0, "commission_fee": 0}})

    entries = _entries([plain, zero])

    for transaction_id in ("d2-t", "d3-t"):  # the config's 0.7% of Rp 100,000
        assert _fee_lines(entries, transaction_id) == [(FEES[0], 700, 0), (FEES[1], 0, 700)]
    assert all("MDR kept" in d.payload["journal_entry"]["memo"] for d in entries.documents)


def test_the_fee_goes_on_the_largest_successful_sale_payment_next_to_its_mdr():
    qris_fee = [{"payment_method_fee": Decimal("210"), "total_amount_fee": Decimal("210")}]
    payments = [
        payment("s-small", "GoPay", "custom", 30_000, []),
        payment("s-large", "QRIS", "iseller_pay", 70_000, qris_fee),
    ]
    order = _delivery_order("d4", {"profit_details": FEE_PARTS}, payments)

    assert platform_fees([order]) == {"s-large": 20_000}
    assert mdr.reported_fees([order]) == {"s-large": 20_210}
    entries = _entries([order])
    assert _fee_lines(entries, "s-large") == [
        (FEES[0], 20_210, 0),
        ("Kliring QRIS iSeller Pay", 0, 20_210),
    ]
    assert _fee_lines(entries, "s-small") == [(FEES[0], 210, 0), (FEES[1], 0, 210)]  # 0.7%


def test_an_order_with_no_successful_sale_payment_keeps_no_fee():
    failed = payment("f1", "GoPay", "custom", 100_000, [])
    order = _delivery_order("d5", {"profit_details": FEE_PARTS}, [failed])
    order["transactions"][0]["status"] = "failed"

    assert order_platform_fee(order) == 20_000
    assert platform_fees([order]) == {}


def test_the_bank_is_expected_to_receive_the_payment_less_the_platforms_fees():
    orders = [_delivery_order("d6", {"profit_details": [FEE_PARTS]})]

    [row] = expected_settlements(order_frames(orders), CONFIG, DAY, mdr.reported_fees(orders))

    assert (row.method, row.takings, row.mdr) == ("GoPay", 100_000, 20_000)


def test_with_a_platform_fees_account_the_platforms_part_is_booked_apart_from_the_mdr():
    config = CONFIG.model_copy(deep=True)
    config.accounts["platform_fees"] = "Beban Komisi Marketplace"
    qris_fee = [{"payment_method_fee": Decimal("490"), "total_amount_fee": Decimal("490")}]
    paid = [payment("q1", "QRIS", "iseller_pay", 100_000, qris_fee)]
    orders = [_delivery_order("d7", {"profit_details": FEE_PARTS}, paid)]
    sales = posting_rules.sales_of_day(order_frames(orders), config, DAY)
    pays = posting_rules.payments_at_sale(list(sales.frames.payments.itertuples(index=False)), DAY)
    numbered = [(p, "ISL/JKT-d7") for p in pays]

    entries = mdr.payment_entries(
        numbered, mdr.reported_fees(orders), config, DAY, platform_fees(orders)
    )

    assert _fee_lines(entries, "q1") == [
        ("Beban Komisi Marketplace", 20_000, 0),
        ("Beban MDR Pembayaran Non Tunai", 490, 0),
        ("Kliring QRIS iSeller Pay", 0, 20_490),
    ]
    (document,) = entries.documents
    assert document.expected_total == 20_490
    lines = document.payload["journal_entry"]["transaction_account_lines_attributes"]
    assert [(a["account_name"], a.get("debit"), a.get("credit")) for a in lines] == [
        ("Beban Komisi Marketplace", 20_000, None),
        ("Beban MDR Pembayaran Non Tunai", 490, None),
        ("Kliring QRIS iSeller Pay", None, 20_490),
    ]


def _marketplace(profit: int | None, **more) -> dict:
    """A marketplace order of Rp 100,000 (gross 110,000 less the seller's 10,000 discount): an
    admin fee of 2,000 and 5,000 of shipping the seller covered; ``profit``: its total."""
    details = {
        "total_order_amount": Decimal("110000.0"),
        "discount_by_seller": Decimal("10000.0"),
        "shipping_by_seller": Decimal("5000.0"),
        "admin_fee": Decimal("2000.0"),
        **more,
    }
    if profit is not None:
        details["total_amount_profit"] = Decimal(profit)
    return _delivery_order("m1", {"profit_details": details})


@pytest.mark.parametrize(
    ("profit", "more", "kept"),
    [
        (93_000, {}, 7_000),  # 110,000 − 10,000 − 2,000 − 5,000: the shipping was deducted
        (96_000, {"additional_shipping_income": 3_000}, 7_000),  # and its extra shipping
        (98_000, {}, 2_000),  # 110,000 − 10,000 − 2,000: the shipping was not deducted
        (None, {}, 2_000),  # no total to tell: the shipping is left to the reconciliation
        (50_000, {}, 2_000),  # a total that fits neither reading
    ],
    ids=["deducted", "deducted-with-extra", "not-deducted", "no-total", "neither"],
)
def test_shipping_the_seller_covered_is_kept_when_the_profit_total_says_so(profit, more, kept):
    order = _marketplace(profit, **more)

    assert order_platform_fee(order) == kept
    entries = _entries([order])
    assert _fee_lines(entries, "m1-t") == [(FEES[0], kept, 0), (FEES[1], 0, kept)]
    [row] = expected_settlements(order_frames([order]), CONFIG, DAY, mdr.reported_fees([order]))
    assert row.takings - row.mdr == 100_000 - kept  # what the bank is expected to receive
