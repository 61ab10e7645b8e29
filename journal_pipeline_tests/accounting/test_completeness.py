"""Worked examples of the completeness check: staged orders against iSeller's day totals.

Outlet JKT (WIB, UTC+7), business day 2026-11-19: the window is
[2026-11-18 17:00 UTC, 2026-11-19 17:00 UTC), asked with ``time_zone=7``. Three orders:

    order   placed (WIB)   gross     discount  subtotal  tax (11%)  total    paid
    #JKT-1  19th 10:00     100,000   10,000    90,000    9,900      99,900   cash
    #JKT-2  19th 14:00      50,000        0    50,000    5,500      55,500   GoPay (custom)
    #JKT-3  19th 19:00      20,000        0    20,000    2,200      22,200   QRIS (iseller_pay)
    day                    170,000   10,000   160,000   17,600     177,600

Payments: cash 99,900, iseller_pay 22,200, GoPay 55,500 (together 177,600).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from journal_pipeline.accounting.completeness import (
    MATCH,
    MISMATCH,
    ORDER_READINGS,
    ORDERS,
    PAYMENT_READINGS,
    PAYMENTS,
    SUMMARY_METHODS,
    UNAVAILABLE,
    OutletWindow,
    compare_day,
)
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.parse import (
    SUMMARY_GATEWAYS,
    order_summary_frame,
    transaction_summary_frame,
)
from journal_pipeline.sync.completeness import DayCompleteness

DAY = date(2026, 11, 19)
JKT_ID = "aaaaaaaa-0000-0000-0000-000000000001"
WINDOW = OutletWindow(
    "JKT",
    JKT_ID,
    DAY,
    datetime(2026, 11, 18, 17, tzinfo=UTC),
    datetime(2026, 11, 19, 17, tzinfo=UTC),
    time_zone=7,
)


def order(
    number: int,
    placed_utc: str,
    closed_utc: str,
    gross: int,
    discount: int,
    tax: int,
    payments: list[tuple[str, str | None, int]],
    *,
    status: str = "completed",
) -> dict[str, Any]:
    """A raw iSeller order (UTC dates) with only the fields the check reads."""
    subtotal = gross - discount
    total = subtotal + tax
    transactions = [
        {
            "transaction_id": f"t{number}-{index}",
            "type": "sale",
            "status": "success",
            "gateway": gateway,
            "payment_type_name": name,
            "transaction_date": closed_utc,
            "amount": Decimal(amount),
        }
        for index, (gateway, name, amount) in enumerate(payments)
    ]
    return {
        "order_id": f"order-{number}",
        "order_reference": f"#JKT-{number}",
        "outlet_id": JKT_ID,
        "outlet_code": "JKT",
        "status": status,
        "payment_status": "paid",
        "order_date": placed_utc,
        "closed_date": closed_utc,
        "modified_date": closed_utc,
        "total_order_amount": Decimal(gross),
        "total_discount_amount": Decimal(discount),
        "total_promotion_amount": Decimal(0),
        "subtotal": Decimal(subtotal),
        "total_tax_amount": Decimal(tax),
        "total_amount": Decimal(total),
        "transactions": transactions,
    }


def day_orders() -> list[dict[str, Any]]:
    return [
        order(
            1,
            "2026-11-19 03:00:00",
            "2026-11-19 03:05:00",
            100_000,
            10_000,
            9_900,
            [("cash", "Cash", 99_900)],
        ),
        order(
            2,
            "2026-11-19 07:00:00",
            "2026-11-19 07:02:00",
            50_000,
            0,
            5_500,
            [("custom", "GoPay", 55_500)],
        ),
        order(
            3,
            "2026-11-19 12:00:00",
            "2026-11-19 12:01:00",
            20_000,
            0,
            2_200,
            [("iseller_pay", "QRIS", 22_200)],
        ),
    ]


def order_summary(**money: int) -> pd.DataFrame:
    """One GetOrderSummary item for JKT, as the sync hands it over (``time_zone=7``)."""
    item = {"order_date": "2026-11-19 07:00:00", "currency": "IDR"}
    item.update({name: float(amount) for name, amount in money.items()})
    return order_summary_frame([item], time_zone=7).assign(outlet_code="JKT")


def transaction_summary(customs: dict[str, int], **gateways: int) -> pd.DataFrame:
    item: dict[str, Any] = {"order_date": "2026-11-19 07:00:00"}
    item.update({gateway: 0.0 for gateway in SUMMARY_GATEWAYS})
    item.update({gateway: float(amount) for gateway, amount in gateways.items()})
    item["customs"] = [{"name": name, "amount": float(a)} for name, a in customs.items()]
    return transaction_summary_frame([item], time_zone=7).assign(outlet_code="JKT")


#: iSeller's totals of the whole day (the table above).
ISELLER_ORDERS = {
    "total_order_amount": 170_000,
    "total_discount_amount": 10_000,
    "subtotal": 160_000,
    "total_tax_amount": 17_600,
    "total_amount": 177_600,
}
ISELLER_PAYMENTS: dict[str, Any] = {"customs": {"GoPay": 55_500}, "cash": 99_900}
ISELLER_PAYMENTS["iseller_pay"] = 22_200


def check(
    orders: list[dict[str, Any]],
    order_totals: pd.DataFrame | None = None,
    payment_totals: pd.DataFrame | None = None,
    unavailable: dict[tuple[str, str], str] | None = None,
    window: OutletWindow = WINDOW,
) -> DayCompleteness:
    if order_totals is None:
        order_totals = order_summary(**ISELLER_ORDERS)
    if payment_totals is None:
        payment_totals = transaction_summary(**ISELLER_PAYMENTS)
    findings = compare_day(
        order_frames(orders), [window], order_totals, payment_totals, unavailable
    )
    return DayCompleteness(DAY, tuple(findings))


def by_source(result: DayCompleteness, source: str):
    (finding,) = [f for f in result.findings if f.source == source]
    return finding


def test_a_day_that_matches_is_complete_under_the_documented_readings() -> None:
    result = check(day_orders())
    assert result.passed and result.complete and not result.warned
    orders, payments = by_source(result, ORDERS), by_source(result, PAYMENTS)
    assert orders.status == payments.status == MATCH
    assert orders.reading_key == ORDER_READINGS[0].key  # the documented reading
    assert payments.reading_key == PAYMENT_READINGS[0].key
    assert orders.reading is not None and "(documented)" in orders.reading
    assert orders.staged_count == 3 and payments.staged_count == 3
    measures = {m.name: (m.staged, m.iseller) for m in orders.measures}
    assert measures["gross sales"] == (170_000, 170_000)
    assert measures["tax"] == (17_600, 17_600)
    assert measures["total"] == (177_600, 177_600)
    paid = {m.name: m.staged for m in payments.measures}
    assert paid == {
        "cash payments": 99_900,
        "iseller_pay payments": 22_200,
        "GoPay payments": 55_500,
    }
    assert "agree" in result.description()


def test_a_lost_first_page_fails_naming_outlet_measure_and_difference() -> None:
    """#JKT-1, the first order of the day, never reached staging: two orders are staged,
    gross 50,000 + 20,000 = 70,000 against iSeller's 170,000 (−100,000); tax 5,500 + 2,200 =
    7,700 against 17,600 (−9,900); no cash at all against 99,900."""
    result = check(day_orders()[1:])
    assert not result.passed and not result.complete
    orders, payments = by_source(result, ORDERS), by_source(result, PAYMENTS)
    assert orders.status == payments.status == MISMATCH
    assert orders.staged_count == 2
    differences = {m.name: m.difference for m in orders.disagreeing}
    assert differences == {
        "gross sales": -100_000,
        "discounts": -10_000,
        "subtotal": -90_000,
        "tax": -9_900,
        "total": -99_900,
    }
    assert {m.name: m.difference for m in payments.disagreeing} == {"cash payments": -99_900}
    message = orders.message
    assert message.startswith("JKT 2026-11-19: 2 completed orders staged;")
    assert "gross sales Rp 70.000 staged vs Rp 170.000 at iSeller (−Rp 100.000)" in message
    assert "tax Rp 7.700 staged vs Rp 17.600 at iSeller (−Rp 9.900)" in message
    assert "No reading of GetOrderSummary agrees" in message
    assert "cash payments Rp 0 staged vs Rp 99.900 at iSeller (−Rp 99.900)" in payments.message
    assert message in result.description()


def test_an_order_placed_before_midnight_and_closed_after_it_matches_by_closed_date() -> None:
    """#JKT-0 was placed 23:55 WIB on the 18th (16:55 UTC) and closed 00:10 WIB on the 19th
    (17:10 UTC): 10,000 + 1,100 tax = 11,100 in cash. iSeller counts it on the 19th, so it
    totals by closed date: gross 180,000, tax 18,700, total 188,700 and cash 111,000. By order
    date it belongs to the 18th; by closed date (an alternative reading) everything agrees.
    The payment is dated at closing, so the documented payment reading agrees as it is."""
    late = order(
        0,
        "2026-11-18 16:55:00",
        "2026-11-18 17:10:00",
        10_000,
        0,
        1_100,
        [("cash", "Cash", 11_100)],
    )
    totals = {**ISELLER_ORDERS, "total_order_amount": 180_000, "subtotal": 170_000}
    totals |= {"total_tax_amount": 18_700, "total_amount": 188_700}
    payments = transaction_summary(**{**ISELLER_PAYMENTS, "cash": 111_000})
    result = check([late, *day_orders()], order_summary(**totals), payments)
    assert result.passed and result.complete
    orders = by_source(result, ORDERS)
    assert orders.status == MATCH and orders.staged_count == 4
    assert orders.reading_key == "closed_date,completed,gross,time_zone"
    assert orders.reading == (
        "completed orders by closed date, at sale amounts, bounds read in the time_zone sent"
    )
    assert by_source(result, PAYMENTS).reading_key == PAYMENT_READINGS[0].key
    assert "closed date" in result.readings()["JKT GetOrderSummary"]


def test_a_summary_that_does_not_net_refunds_matches_the_sales_only_reading() -> None:
    """A refund of 5,500 on #JKT-2 (GoPay) the same afternoon. The documented reading nets
    it (GoPay 55,500 − 5,500 = 50,000); this iSeller still says 55,500: sales only."""
    refund = {
        "transaction_id": "t2-refund",
        "type": "refund",
        "status": "success",
        "gateway": "custom",
        "payment_type_name": "GoPay",
        "transaction_date": "2026-11-19 09:00:00",
        "amount": Decimal(5_500),
    }
    orders = day_orders()
    orders[1]["transactions"].append(refund)
    result = check(orders)
    payments = by_source(result, PAYMENTS)
    assert result.passed and payments.status == MATCH
    assert payments.reading == "sales only by payment date, bounds read in the time_zone sent"
    netted = transaction_summary(**{**ISELLER_PAYMENTS, "customs": {"GoPay": 50_000}})
    documented = by_source(check(orders, payment_totals=netted), PAYMENTS)
    assert documented.reading_key == PAYMENT_READINGS[0].key


def test_unavailable_summaries_warn_instead_of_blocking() -> None:
    unavailable = {
        ("JKT", ORDERS): "HTTP 404: GetOrderSummary not found",
        ("JKT", PAYMENTS): "iSeller GetTransactionSummary failed: not enabled",
    }
    result = check(day_orders()[1:], unavailable=unavailable)  # even with an order missing
    assert result.passed and result.warned and not result.complete
    assert [f.status for f in result.findings] == [UNAVAILABLE, UNAVAILABLE]
    description = result.description()
    assert description.startswith("2026-11-19 not fully compared:")
    assert "GetOrderSummary unavailable (HTTP 404: GetOrderSummary not found)" in description
    assert "not enabled" in description
    assert result.readings() == {}


def test_one_summary_unavailable_the_other_still_blocks() -> None:
    result = check(day_orders()[1:], unavailable={("JKT", PAYMENTS): "HTTP 500"})
    assert not result.passed and not result.warned
    assert [f.source for f in result.mismatches] == [ORDERS]


def test_rounding_half_a_rupiah_per_order_is_allowed() -> None:
    """Three orders: up to 2 rupiah (½ × 3, rounded up) apart agree; 3 do not."""
    close = check(day_orders(), order_summary(**{**ISELLER_ORDERS, "total_tax_amount": 17_602}))
    assert close.passed
    far = check(day_orders(), order_summary(**{**ISELLER_ORDERS, "total_tax_amount": 17_603}))
    assert not far.passed
    (tax,) = by_source(far, ORDERS).disagreeing
    assert (tax.name, tax.difference, tax.tolerance) == ("tax", -3, 2)


def test_bounds_read_as_utc_shift_the_window_by_the_time_zone() -> None:
    """If iSeller read the bounds sent ("2026-11-19T00:00:00" .. "2026-11-20T00:00:00",
    time_zone 7) as UTC, it totals [19th 00:00 UTC, 20th 00:00 UTC) = 07:00 WIB on the 19th to
    07:00 WIB on the 20th: #JKT-1..3 and #JKT-4 (placed 05:00 WIB on the 20th), but not an
    order placed 06:00 WIB on the 19th (#JKT-9, 23:00 UTC on the 18th)."""
    early = order(
        9, "2026-11-18 23:00:00", "2026-11-18 23:01:00", 1_000, 0, 110, [("cash", "Cash", 1_110)]
    )
    next_morning = order(
        4, "2026-11-19 22:00:00", "2026-11-19 22:01:00", 2_000, 0, 220, [("cash", "Cash", 2_220)]
    )
    totals = {**ISELLER_ORDERS, "total_order_amount": 172_000, "subtotal": 162_000}
    totals |= {"total_tax_amount": 17_820, "total_amount": 179_820}
    payments = transaction_summary(**{**ISELLER_PAYMENTS, "cash": 102_120})
    result = check([early, *day_orders(), next_morning], order_summary(**totals), payments)
    assert result.passed
    assert by_source(result, ORDERS).reading_key == "order_date,completed,gross,utc"
    assert by_source(result, PAYMENTS).reading_key == "transaction_date,net,utc"


def test_an_open_day_is_compared_up_to_its_end_and_not_complete() -> None:
    """Run at 17:30 WIB: compared up to an hour before, 16:30 WIB (09:30 UTC); #JKT-3 (19:00)
    is not in the stretch, on either side."""
    window = OutletWindow(
        "JKT", JKT_ID, DAY, WINDOW.start, datetime(2026, 11, 19, 9, 30, tzinfo=UTC), 7, True
    )
    totals = {**ISELLER_ORDERS, "total_order_amount": 150_000, "subtotal": 140_000}
    totals |= {"total_tax_amount": 15_400, "total_amount": 155_400}
    payments = transaction_summary(**{**ISELLER_PAYMENTS, "iseller_pay": 0})
    result = check(day_orders(), order_summary(**totals), payments, window=window)
    assert result.passed and result.warned and not result.complete
    assert "(day still open, compared up to 16:30)" in by_source(result, ORDERS).message
    assert "has not ended yet" in result.description()


def test_payments_under_a_gateway_the_summary_has_no_key_for_are_listed_not_compared() -> None:
    voucher = order(
        5, "2026-11-19 08:00:00", "2026-11-19 08:01:00", 0, 0, 0, [("voucher", "Voucher", 10_000)]
    )
    voucher["total_amount"] = Decimal(0)
    result = check([*day_orders(), voucher])
    payments = by_source(result, PAYMENTS)
    assert payments.status == MATCH
    assert payments.not_compared == ("Voucher (gateway voucher) Rp 10.000",)


def test_nothing_compared_is_a_warning() -> None:
    result = DayCompleteness(DAY, (), ("iSeller's day totals were not fetched for this day.",))
    assert result.passed and result.warned
    assert "not fetched" in result.description()


def test_the_summary_methods_are_the_parsers_gateways() -> None:
    assert SUMMARY_METHODS == SUMMARY_GATEWAYS


@pytest.mark.parametrize("readings", [ORDER_READINGS, PAYMENT_READINGS])
def test_every_reading_is_distinct_and_the_documented_one_comes_first(readings) -> None:
    assert len({r.key for r in readings}) == len(readings)
    assert readings[0] == type(readings[0])()


def test_a_summary_that_counts_voided_orders_matches_the_completed_and_voided_reading() -> None:
    """#JKT-6 (30,000 + 3,300 tax, cash) was voided ten minutes after closing: a sale and a
    void of 33,300 on the day. This iSeller totals it with the completed orders (gross
    200,000, tax 20,900, total 210,900), while its payments net to nothing."""
    voided = order(
        6,
        "2026-11-19 05:00:00",
        "2026-11-19 05:01:00",
        30_000,
        0,
        3_300,
        [("cash", "Cash", 33_300)],
        status="void",
    )
    voided["transactions"].append(
        {**voided["transactions"][0], "transaction_id": "t6-void", "type": "void"}
    )
    totals = {**ISELLER_ORDERS, "total_order_amount": 200_000, "subtotal": 190_000}
    totals |= {"total_tax_amount": 20_900, "total_amount": 210_900}
    result = check([*day_orders(), voided], order_summary(**totals))
    assert result.passed
    orders = by_source(result, ORDERS)
    assert orders.reading_key == "order_date,completed_and_void,gross,time_zone"
    assert orders.staged_count == 4
    assert by_source(result, PAYMENTS).reading_key == PAYMENT_READINGS[0].key
