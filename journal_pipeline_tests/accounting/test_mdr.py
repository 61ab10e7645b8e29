"""MDR: the fee kept from a payment, booked Dr payment_fees / Cr the method's clearing."""

from datetime import date
from decimal import Decimal

from journal_pipeline.accounting import mdr, posting_rules
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline_tests.accounting.money_orders import payment, untaxed_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 20)


def _entries(orders):
    sales = posting_rules.sales_of_day(order_frames(orders), CONFIG, DAY)
    pays = posting_rules.payments_at_sale(list(sales.frames.payments.itertuples(index=False)), DAY)
    numbered = [(p, f"ISL/{p.order_reference.lstrip('#')}") for p in pays]
    return mdr.payment_entries(numbered, mdr.reported_fees(orders), CONFIG, DAY)


def _lines_of(entries, entry_id):
    return [
        (line["account_name"], line["debit"], line["credit"])
        for line in entries.lines
        if line["entry_id"] == entry_id
    ]


def test_iseller_pay_reports_its_own_fee_of_0_7_percent():
    fee = [{"payment_method_fee": Decimal("700.0000"), "total_amount_fee": Decimal("700")}]
    order = untaxed_order("o1", payments=[payment("t1", "QRIS", "iseller_pay", 100_000, fee)])
    entries = _entries([order])
    assert entries.holds == []
    # 0.7% of Rp 100,000 = 700, as iSeller reports it
    assert _lines_of(entries, "money:mdr:t1") == [
        ("Beban MDR Pembayaran Non Tunai", 700, 0),
        ("Kliring QRIS iSeller Pay", 0, 700),
    ]
    (document,) = entries.documents
    assert document.doc_type == "payment_fee" and document.doc_key == "payment_fee:t1/F"
    assert document.transaction_no == "ISL/JKT-o1/F"
    assert document.custom_id == "t1/F"
    assert document.expected_total == 700
    body = document.payload["journal_entry"]
    assert body["transaction_date"] == "2026-11-20"
    assert [
        (a["account_name"], a.get("debit"), a.get("credit"))
        for a in body["transaction_account_lines_attributes"]
    ] == [("Beban MDR Pembayaran Non Tunai", 700, None), ("Kliring QRIS iSeller Pay", None, 700)]


def test_without_a_reported_fee_the_config_percentage_applies_rounded_half_up():
    debit = untaxed_order("o2", payments=[payment("t2", "Debit BCA", "external_debit", 100_000)])
    gopay = untaxed_order("o3", payments=[payment("t3", "GoPay", "custom", 100_050, [])])
    entries = _entries([debit, gopay])
    # Debit BCA 1% of 100,000 = 1,000; GoPay 0.7% of 100,050 = 700.35 → 700
    assert _lines_of(entries, "money:mdr:t2") == [
        ("Beban MDR Pembayaran Non Tunai", 1_000, 0),
        ("Kliring EDC", 0, 1_000),
    ]
    assert _lines_of(entries, "money:mdr:t3")[0] == ("Beban MDR Pembayaran Non Tunai", 700, 0)
    # half-up at .5
    half = untaxed_order("o4", payments=[payment("t4", "GoPay", "custom", 50)])
    # 0.7% of 50 = 0.35 → 0; of 500 = 3.5 → 4
    assert _entries([half]).lines == []
    half = untaxed_order("o5", payments=[payment("t5", "GoPay", "custom", 500)])
    assert _lines_of(_entries([half]), "money:mdr:t5")[0][1] == 4


def test_cash_and_refunds_carry_no_fee():
    cash = untaxed_order("o6", payments=[payment("t6", "Cash", "cash", 100_000)])
    refund = payment("r6", "Debit BCA", "external_debit", 100_000, []) | {"type": "refund"}
    card = untaxed_order("o7", payments=[payment("t7", "Debit BCA", "external_debit", 100_000)])
    card["transactions"].append(refund | {"order_id": "o7"})
    entries = _entries([cash, card])
    assert {line["entry_id"] for line in entries.lines} == {"money:mdr:t7"}


def test_two_card_payments_of_one_invoice_are_numbered_apart():
    order = untaxed_order(
        "o8",
        payments=[
            payment("t8a", "Debit BCA", "external_debit", 60_000),
            payment("t8b", "Kartu Kredit", "external_credit", 40_000)
            | {"transaction_date": "2026-11-20 03:16:00"},
        ],
    )
    entries = _entries([order])
    # Debit BCA 1% of 60,000 = 600; Kartu Kredit 2% of 40,000 = 800
    assert [(d.transaction_no, d.expected_total) for d in entries.documents] == [
        ("ISL/JKT-o8/F", 600),
        ("ISL/JKT-o8/F2", 800),
    ]


def test_a_fee_without_its_account_is_held_naming_the_payment_and_the_fix():
    config = CONFIG.model_copy(
        update={"accounts": {k: v for k, v in CONFIG.accounts.items() if k != "payment_fees"}}
    )
    order = untaxed_order("o9", payments=[payment("t9", "Debit BCA", "external_debit", 100_000)])
    sales = posting_rules.sales_of_day(order_frames([order]), config, DAY)
    pays = list(sales.frames.payments.itertuples(index=False))
    entries = mdr.payment_entries([(pays[0], "ISL/JKT-o9")], {}, config, DAY)
    assert entries.lines == [] and entries.documents == []
    (hold,) = entries.holds
    assert hold.doc_key == "payment_fee:t9/F"
    assert "order #JKT-o9" in hold.reason and "accounts.payment_fees" in hold.reason


def test_a_fee_of_a_locked_day_is_dated_the_first_open_day():
    config = CONFIG.model_copy(update={"lock_date": date(2026, 11, 20)})
    fee = [{"payment_method_fee": Decimal("700"), "total_amount_fee": Decimal("700")}]
    order = untaxed_order("o10", payments=[payment("t10", "QRIS", "iseller_pay", 100_000, fee)])
    sales = posting_rules.sales_of_day(order_frames([order]), config, DAY)
    pays = list(sales.frames.payments.itertuples(index=False))
    entries = mdr.payment_entries(
        [(pays[0], "ISL/JKT-o10")], mdr.reported_fees([order]), config, DAY
    )
    (document,) = entries.documents
    body = document.payload["journal_entry"]
    # the outbox keeps it with the day's build; Jurnal and the journal carry the 21st
    assert document.business_date == DAY
    assert body["transaction_date"] == "2026-11-21"
    assert "locked up to 2026-11-20" in body["memo"]
    assert {line["business_date"] for line in entries.lines} == {date(2026, 11, 21)}
