"""Worked examples: a refund of an order whose goods of two tax treatments are in two daily
summary invoices is booked as one sales return per summary invoice, each priced as Jurnal
prices a return of that invoice's lines (J-37), with one journal entry debiting the receivable
by their sum; the arithmetic by hand (I-33 for iSeller, J-6/J-37 for Jurnal)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.accounting.daily_summary import Summary, summarise
from journal_pipeline.accounting.documents import JOURNAL_ENTRY, SALES_INVOICE, SALES_RETURN
from journal_pipeline.accounting.refunds import corrections_of_day
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.refunds import refund_frames
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
SALE_DAY, REFUND_DAY = date(2026, 11, 20), date(2026, 11, 22)
ORDER_ID = "33333333-3333-3333-3333-333333333333"
TAXED, UNTAXED = "ISL/S/JKT/20261120", "ISL/S/JKT/20261120-2"  # summary invoices


def _line(detail: str, sku: str, name: str, price: int, order_share: int, tax: int) -> dict:
    gross = 3 * price
    return {
        "order_detail_id": detail,
        "product_id": sku.lower(),
        "product_name": name,
        "sku": sku,
        "quantity": Decimal(3),
        "base_price": Decimal(price),
        "total_order_amount": Decimal(gross),
        "discount_amount": Decimal(0),
        "discount_percentage": Decimal(0),
        "discount_order_amount": Decimal(order_share),
        "subtotal": Decimal(gross - order_share),
        "taxable": tax != 0,
        "tax_percentage": Decimal(11 if tax else 0),
        "tax_amount": Decimal(tax),
        "additional_charge": Decimal(0),
        "cogs": [],
    }


def mixed_order() -> dict:
    """Jakarta Kemang (PPN 11% on top), closed 2026-11-20 11:00 WIB, paid in cash.

    Kopi Arabika 3 × 56,000 = 168,000, taxed
    Gula Aren    3 × 14,000 =  42,000, untaxed
    order discount 10,000 shared by amount: 8,000 / 2,000 → subtotals 160,000 and 40,000
    PPN 11% of 160,000 = 17,600; total 160,000 + 17,600 + 40,000 = 217,600
    """
    return {
        "order_id": ORDER_ID,
        "order_reference": "#JKT-000102",
        "channel": "pos",
        "order_date": "2026-11-20 03:55:00",
        "closed_date": "2026-11-20 04:00:00",
        "modified_date": "2026-11-20 04:00:00",
        "status": "completed",
        "payment_status": "paid",
        "outlet_id": "aaaaaaaa-0000-0000-0000-000000000001",
        "outlet_code": "JKT",
        "outlet_name": "Jakarta Kemang",
        "customer_id": None,
        "customer_first_name": None,
        "customer_last_name": None,
        "currency": "IDR",
        "tax_inclusive": False,
        "on_account": False,
        "total_order_amount": Decimal(210_000),
        "total_discount_amount": Decimal(10_000),
        "total_promotion_amount": Decimal(0),
        "subtotal": Decimal(200_000),
        "total_tax_amount": Decimal(17_600),
        "total_additional_subtotal_amount": Decimal(0),
        "total_additional_final_amount": Decimal(0),
        "total_additional_order_amount": Decimal(0),
        "total_shipping_amount": Decimal(0),
        "rounding_amount": Decimal(0),
        "total_amount": Decimal(217_600),
        "discounts": [{"discount_name": "Promo", "discount_amount": Decimal(10_000)}],
        "promotions": [],
        "order_details": [
            _line("d1", "KOP-001", "Kopi Arabika 250g", 56_000, 8_000, 17_600),
            _line("d2", "GUL-003", "Gula Aren 500g", 14_000, 2_000, 0),
        ],
        "transactions": [
            {
                "transaction_id": "t1",
                "order_id": ORDER_ID,
                "transaction_date": "2026-11-20 04:00:00",
                "type": "sale",
                "status": "success",
                "gateway": "cash",
                "payment_type_name": "Cash",
                "amount": Decimal(217_600),
            }
        ],
    }


def _sale_summary() -> Summary:
    frames = order_frames([mixed_order()])
    sales = posting_rules.sales_of_day(frames, CONFIG, SALE_DAY)
    documents, holds = invoices.sales_invoices(sales, CONFIG)
    assert holds == []
    return summarise(documents, CONFIG, SALE_DAY, {"JKT"})


def _refund_documents(amount: int, units: int):
    """The refund on the 22nd (12:00 WIB) of ``units`` of each line, by cash: its per-order
    sales return and journal entry, against the order's own invoice ISL/JKT-000102."""
    at = "2026-11-22 05:00:00"
    order = {**mixed_order(), "modified_date": at, "payment_status": "refunded"}
    order["transactions"] = [
        *order["transactions"],
        {
            "transaction_id": "r1",
            "order_id": ORDER_ID,
            "transaction_date": at,
            "type": "refund",
            "status": "success",
            "payment_type_name": "Cash",
            "gateway": "cash",
            "amount": Decimal(amount),
        },
    ]
    refund = {
        "refund_id": "refund-1",
        "order_id": ORDER_ID,
        "refund_date": at,
        "refund_amount": Decimal(amount),
        "refund_details": [
            {"order_detail_id": detail, "quantity": Decimal(units)} for detail in ("d1", "d2")
        ],
    }
    frames = order_frames([order])
    sales = posting_rules.sales_of_day(frames, CONFIG, REFUND_DAY)
    _, documents, holds = corrections_of_day(
        sales, frames, refund_frames([refund]), CONFIG, {ORDER_ID: "posted"}
    )
    assert holds == []
    return documents


def _against_summary(refund_documents, sale: Summary, outlets: set[str], bodies=None):
    """The refund's day summarised at ``outlets`` (none: the refund's own documents, moved onto
    the summary invoices; JKT: the day's merged returns), the sale's summary in Jurnal."""
    if bodies is None:
        bodies = {
            d.transaction_no: d.payload[SALES_INVOICE]
            for d in sale.documents
            if d.doc_type == SALES_INVOICE
        }
    return summarise(
        refund_documents,
        CONFIG,
        REFUND_DAY,
        outlets,
        earlier_members={m.order_invoice_no: m for m in sale.members},
        summary_bodies=bodies,
    )


def _lines(doc) -> dict[str, tuple[str, str]]:
    body = doc.payload[JOURNAL_ENTRY]
    return {
        ln["account_name"]: (str(ln.get("debit", 0)), str(ln.get("credit", 0)))
        for ln in body["transaction_account_lines_attributes"]
    }


def _balanced(doc) -> bool:
    lines = doc.payload[JOURNAL_ENTRY]["transaction_account_lines_attributes"]
    debit = sum((Decimal(str(ln.get("debit", 0))) for ln in lines), Decimal(0))
    credit = sum((Decimal(str(ln.get("credit", 0))) for ln in lines), Decimal(0))
    return debit == credit and debit > 0


def test_the_order_is_in_one_summary_invoice_per_tax_treatment():
    sale = _sale_summary()
    bodies = {
        d.transaction_no: d.payload[SALES_INVOICE]
        for d in sale.documents
        if d.doc_type == SALES_INVOICE
    }
    assert sorted(bodies) == [TAXED, UNTAXED]
    # the taxed one: 168,000 − 8,000 + PPN 17,600 = 177,600; the untaxed 42,000 − 2,000
    totals = {d.transaction_no: d.expected_total for d in sale.documents}
    assert (totals[TAXED], totals[UNTAXED]) == (177_600, 40_000)
    assert bodies[TAXED]["discount_unit"] == 8_000 and bodies[UNTAXED]["discount_unit"] == 2_000
    (member,) = sale.members
    assert member.line_map == ((TAXED, 0), (UNTAXED, 0))


def test_a_full_refund_is_one_return_per_summary_invoice_and_one_entry():
    sale = _sale_summary()
    summary = _against_summary(_refund_documents(217_600, 3), sale, set())
    assert summary.holds == []
    returns = {d.doc_key: d for d in summary.documents if d.doc_type == SALES_RETURN}
    assert sorted(returns) == ["sales_return:r1", "sales_return:r1:2"]
    first, second = returns["sales_return:r1"], returns["sales_return:r1:2"]
    one, two = first.payload[SALES_RETURN], second.payload[SALES_RETURN]
    assert (first.transaction_no, one["invoice_no"], one["custom_id"]) == (
        "ISL/JKT-000102/R1",
        TAXED,
        "r1",
    )
    assert (second.transaction_no, two["invoice_no"], two["custom_id"]) == (
        "ISL/JKT-000102/R1-2",
        UNTAXED,
        "r1:2",
    )
    assert two["transaction_no"] == "ISL/JKT-000102/R1-2"
    assert one["transaction_return_lines_attributes"] == [
        {"invoice_line_index": 0, "product_code": "KOP-001", "return_quantity": 3}
    ]
    assert two["transaction_return_lines_attributes"] == [
        {"invoice_line_index": 0, "product_code": "GUL-003", "return_quantity": 3}
    ]
    # the whole of each line: 168,000 − 8,000 + 17,600 = 177,600; 42,000 − 2,000 = 40,000
    assert (first.expected_total, second.expected_total) == (177_600, 40_000)
    (entry,) = [d for d in summary.documents if d.doc_type == JOURNAL_ENTRY]
    assert entry.doc_key == "journal_entry:r1" and entry.transaction_no == "ISL/JKT-000102/RJ1"
    # Dr receivable 177,600 + 40,000 = 217,600, Cr cash the refund: no rounding
    assert _lines(entry) == {"Piutang Usaha": ("217600", "0"), "Kas": ("0", "217600")}
    assert _balanced(entry) and entry.expected_total == 217_600
    assert "ISL/JKT-000102/R1-2" in entry.payload[JOURNAL_ENTRY]["memo"]


def test_a_partial_refund_prices_each_part_from_its_invoice_and_rounds_the_entry():
    # 1 of the 3 of each line. iSeller (I-33): Kopi round(160,000 / 3) = 53,333 + PPN
    # round(17,600 / 3) = 5,867; Gula round(40,000 / 3) = 13,333: refund 72,533
    sale = _sale_summary()
    summary = _against_summary(_refund_documents(72_533, 1), sale, set())
    assert summary.holds == []
    returns = {d.custom_id: d for d in summary.documents if d.doc_type == SALES_RETURN}
    # Jurnal (J-37), a third of each of amount, discount share and tax, to the cent:
    # taxed invoice: 56,000.00 − 2,666.67 + 5,866.67 = 59,200.00
    # untaxed invoice: 14,000.00 − 666.67 = 13,333.33
    assert (returns["r1"].expected_total, returns["r1:2"].expected_total) == (59_200, 13_333)
    assert returns["r1"].payload[SALES_RETURN]["transaction_return_lines_attributes"] == [
        {"invoice_line_index": 0, "product_code": "KOP-001", "return_quantity": 1}
    ]
    assert returns["r1:2"].payload[SALES_RETURN]["invoice_no"] == UNTAXED
    (entry,) = [d for d in summary.documents if d.doc_type == JOURNAL_ENTRY]
    # Dr receivable 59,200.00 + 13,333.33 = 72,533.33; Cr cash 72,533; Cr rounding 0.33
    assert _lines(entry) == {
        "Piutang Usaha": ("72533.33", "0"),
        "Selisih Pembulatan": ("0", "0.33"),
        "Kas": ("0", "72533"),
    }
    assert _balanced(entry)


def test_the_parts_keys_are_the_same_on_every_build():
    sale = _sale_summary()
    first = _against_summary(_refund_documents(72_533, 1), sale, set())
    again = _against_summary(list(reversed(_refund_documents(72_533, 1))), _sale_summary(), set())

    def keyed(summary):
        return sorted(
            (d.doc_key, d.custom_id, d.transaction_no, d.expected_total, d.payload)
            for d in summary.documents
            if d.doc_type in (SALES_RETURN, JOURNAL_ENTRY)
        )

    assert keyed(first) == keyed(again)
    keys = [k[0] for k in keyed(first)]
    assert len(keys) == len(set(keys)) == 3


def test_the_days_merged_returns_take_each_part_with_its_share_of_the_entry():
    sale = _sale_summary()
    summary = _against_summary(_refund_documents(72_533, 1), sale, {"JKT"})
    assert summary.holds == []
    returns = {
        d.payload[SALES_RETURN]["invoice_no"]: d
        for d in summary.documents
        if d.doc_type == SALES_RETURN
    }
    entries = {d.custom_id: d for d in summary.documents if d.doc_type == JOURNAL_ENTRY}
    assert sorted(returns) == [TAXED, UNTAXED]
    assert returns[TAXED].custom_id == f"summary:JKT:2026-11-22/R:{TAXED}"
    assert returns[UNTAXED].transaction_no == f"{UNTAXED}/R20261122"
    assert (returns[TAXED].expected_total, returns[UNTAXED].expected_total) == (59_200, 13_333)
    # the untaxed part: Dr receivable 13,333.33, Cr cash 13,333 and rounding 0.33; the taxed
    # part the rest of the refund's entry: Dr receivable 59,200, Cr cash 72,533 − 13,333
    assert _lines(entries[returns[UNTAXED].custom_id]) == {
        "Piutang Usaha": ("13333.33", "0"),
        "Selisih Pembulatan": ("0", "0.33"),
        "Kas": ("0", "13333"),
    }
    assert _lines(entries[returns[TAXED].custom_id]) == {
        "Piutang Usaha": ("59200", "0"),
        "Kas": ("0", "59200"),
    }
    assert all(_balanced(e) for e in entries.values())
    assert sorted((m.refund_id, m.return_no) for m in summary.merged) == [
        ("r1", "ISL/JKT-000102/R1"),
        ("r1:2", "ISL/JKT-000102/R1-2"),
    ]


def test_a_part_already_in_jurnal_is_not_merged_again_and_numbers_stay_apart():
    # the untaxed part went into its merged return, posted; the taxed part's return failed:
    # the next build has the taxed part alone, numbered as the first of its invoice
    sale = _sale_summary()
    posted = {f"sales_return:summary:JKT:2026-11-22/R:{UNTAXED}"}
    summary = summarise(
        _refund_documents(72_533, 1),
        CONFIG,
        REFUND_DAY,
        {"JKT"},
        earlier_members={m.order_invoice_no: m for m in sale.members},
        summary_bodies={
            d.transaction_no: d.payload[SALES_INVOICE]
            for d in sale.documents
            if d.doc_type == SALES_INVOICE
        },
        frozen_refunds={"r1:2"},
        posted_returns=posted,
    )
    returns = [d for d in summary.documents if d.doc_type == SALES_RETURN]
    assert [(d.custom_id, d.transaction_no) for d in returns] == [
        (f"summary:JKT:2026-11-22/R:{TAXED}", f"{TAXED}/R20261122")
    ]
    (entry,) = [d for d in summary.documents if d.doc_type == JOURNAL_ENTRY]
    assert _lines(entry) == {"Piutang Usaha": ("59200", "0"), "Kas": ("0", "59200")}


def test_a_part_whose_summary_invoice_is_not_built_is_held_with_the_whole_refund():
    sale = _sale_summary()
    bodies = {
        d.transaction_no: d.payload[SALES_INVOICE]
        for d in sale.documents
        if d.transaction_no == TAXED and d.doc_type == SALES_INVOICE
    }
    summary = _against_summary(_refund_documents(72_533, 1), sale, set(), bodies)
    assert not [d for d in summary.documents if d.doc_type in (SALES_RETURN, JOURNAL_ENTRY)]
    assert {h.doc_type for h in summary.holds} == {SALES_RETURN, JOURNAL_ENTRY}
    assert all(f"{UNTAXED} is not built yet" in h.reason for h in summary.holds)
