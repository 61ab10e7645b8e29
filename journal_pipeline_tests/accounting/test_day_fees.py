"""A fee taken of the day's net takings (``fee_basis: day``): the day's entries book what the
bank keeps, to the rupiah, beyond each payment's own fee: the refunds' part given back and the
rounding, a later change as a further entry; the reconciliation expects the same fee."""

from __future__ import annotations

import hashlib

import pytest

from journal_pipeline.accounting import day_fees, mdr
from journal_pipeline.accounting.day_sales import dated_payments, with_business_dates
from journal_pipeline.accounting.reconciliation import expected_settlements
from journal_pipeline.config import MerchantConfig, load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.sync.reconciliation import reported_mdr
from journal_pipeline_tests.recon_orders import DAY, paid_order
from journal_sandbox.defaults import DEMO_CONFIG

DEMO = load_config(DEMO_CONFIG)
FEES, EDC = "Beban MDR Pembayaran Non Tunai", "Kliring EDC"


def _config(**rule) -> MerchantConfig:
    data = DEMO.model_dump()
    data["settlements"]["Debit BCA"].update({"fee_basis": "day", **rule})
    return MerchantConfig.model_validate(data)


CONFIG = _config()


def _payments(orders):
    frames = order_frames(orders)
    return list(
        dated_payments(frames, with_business_dates(frames.orders, CONFIG), CONFIG).itertuples(
            index=False
        )
    )


def _built(orders, config=CONFIG, lines=()):
    """The day's per-payment fee entries (as `sync.payment_fees` numbers them, by invoice),
    then the day's own (`with_day_fees`), ``lines`` standing for entries posted before."""
    rows = _payments(orders)
    sales = [
        (p, f"ISL/{p.order_reference.lstrip('#')}")
        for p in rows
        if p.type == "sale" and p.business_date == DAY
    ]
    entries = mdr.payment_entries(sales, reported_mdr(orders), config, DAY)
    entries.lines.extend(lines)
    fees = day_fees.day_fees(rows, reported_mdr(orders), config, DAY)
    return fees, day_fees.with_day_fees(entries, fees, config, DAY)


def _sides(entries, custom_id):
    (document,) = [d for d in entries.documents if d.custom_id == custom_id]
    body = document.payload["journal_entry"]
    return document, [
        (x["account_name"], x.get("debit"), x.get("credit"))
        for x in body["transaction_account_lines_attributes"]
    ]


def _three_sales_and_a_refund():
    """Three Debit BCA sales of 100,050 (1% = 1,000.50, 1,001 each) and a refund of 50,000."""
    sales = [paid_order(n, [("sale", "Debit BCA", "external_debit", 100_050, [])]) for n in (1, 2)]
    refunded = paid_order(
        3,
        [
            ("sale", "Debit BCA", "external_debit", 100_050, []),
            ("refund", "Debit BCA", "external_debit", 50_000, []),
        ],
    )
    return [*sales, refunded]


def test_the_days_fee_gives_back_the_refunds_part_and_the_rounding():
    fees, entries = _built(_three_sales_and_a_refund())
    (fee,) = fees.values()
    # 1% of (300,150 − 50,000) = 2,501.50 → 2,502; the payments booked 3 × 1,001 = 3,003
    assert (fee.net, fee.fee) == (250_150, 2_502)
    document, sides = _sides(entries, f"JKT-20261120-{_slug('Debit BCA')}/D")
    assert sides == [(FEES, None, 501), (EDC, 501, None)]  # 501 of fee given back
    assert document.transaction_no == f"MDR/JKT/20261120/{_slug('Debit BCA')}"
    assert document.expected_total == 501 and document.business_date == DAY
    booked = {}
    for ln in entries.lines:
        if ln["account_name"] == FEES:
            booked[FEES] = booked.get(FEES, 0) + ln["debit"] - ln["credit"]
    assert booked == {FEES: 2_502}
    assert all(d.custom_id.endswith(("/F", "/D")) for d in entries.documents)


def test_the_fee_of_each_payment_alone_is_a_rupiah_off_the_days():
    orders = [paid_order(n, [("sale", "Debit BCA", "external_debit", 100_050, [])]) for n in (1, 2)]
    fees, entries = _built(orders)
    # 1% of 200,100 = 2,001; the payments booked 2 × 1,001
    assert next(iter(fees.values())).fee == 2_001
    _, sides = _sides(entries, f"JKT-20261120-{_slug('Debit BCA')}/D")
    assert sides == [(FEES, None, 1), (EDC, 1, None)]


def test_a_day_of_more_refunds_than_sales_gets_fee_back():
    earlier = paid_order(
        2,
        [
            ("sale", "Debit BCA", "external_debit", 60_050, []),
            ("refund", "Debit BCA", "external_debit", 60_050, []),
        ],
    )
    sold = "2026-11-18 03:15:00"  # Wednesday, refunded on DAY
    earlier.update(order_date=sold, closed_date=sold)
    earlier["transactions"][0]["transaction_date"] = sold
    orders = [paid_order(1, [("sale", "Debit BCA", "external_debit", 10_000, [])]), earlier]
    fees, entries = _built(orders)
    # 1% of −50,050 = −500.50 → −501 (half away from zero, as the bank rounds); booked 100
    assert next(iter(fees.values())).fee == -501
    _, sides = _sides(entries, f"JKT-20261120-{_slug('Debit BCA')}/D")
    assert sides == [(FEES, None, 601), (EDC, 601, None)]


def test_an_entry_posted_before_stands_and_a_further_one_books_the_rest():
    orders = _three_sales_and_a_refund()
    _, first = _built(orders[:2])  # the day as first posted: two sales, −1
    posted = [ln for ln in first.lines if ln["entry_id"].startswith("money:mdr_day:")]
    assert sum(ln["credit"] for ln in posted if ln["account_name"] == FEES) == 1
    _, again = _built(orders, lines=posted)  # a third sale and its refund staged late
    base = f"JKT-20261120-{_slug('Debit BCA')}"
    assert not [d for d in again.documents if d.custom_id == f"{base}/D"]
    document, sides = _sides(again, f"{base}.2/D")
    assert document.transaction_no.endswith(".2")
    # 2,502 in all, less 3,003 of the payments and the −1 posted: 500 more given back
    assert sides == [(FEES, None, 500), (EDC, 500, None)]
    _, settled = _built(orders, lines=[ln for ln in again.lines if "mdr_day" in ln["entry_id"]])
    assert not [d for d in settled.documents if d.custom_id.endswith("/D")]  # nothing left


def test_fees_iseller_reports_and_other_methods_stay_per_payment():
    qris_fee = [{"payment_method_fee": 700, "total_amount_fee": 99_300}]
    orders = [
        paid_order(1, [("sale", "QRIS", "iseller_pay", 100_000, qris_fee)]),
        paid_order(2, [("sale", "Kartu Kredit", "external_credit", 100_025, [])]),
        paid_order(3, [("sale", "Debit BCA", "external_debit", 100_000, [])]),
    ]
    fees, entries = _built(orders)
    assert [f.method for f in fees.values()] == ["Debit BCA"]
    assert not [d for d in entries.documents if d.custom_id.endswith("/D")]  # 1,000 = 1,000


def test_the_reconciliation_expects_the_days_fee():
    orders = _three_sales_and_a_refund()
    (row,) = expected_settlements(order_frames(orders), CONFIG, DAY, reported_mdr(orders))
    assert (row.takings, row.refunds, row.mdr) == (300_150, 50_000, 2_502)
    assert row.expected == 300_150 - 50_000 - 2_502
    (per_payment,) = expected_settlements(order_frames(orders), DEMO, DAY, reported_mdr(orders))
    assert per_payment.mdr == 3_003  # each sale's fee, kept by its refund


def test_a_day_basis_without_a_percentage_is_refused():
    with pytest.raises(ValueError, match="set mdr_percent"):
        _config(mdr_percent=None)


def _slug(method: str) -> str:
    """The method's part of a day entry's keys: capitals, and a digest of it."""
    digest = hashlib.sha1(method.casefold().encode("utf-8")).hexdigest()[:4]
    return f"{method.upper().replace(' ', '')}-{digest}"
