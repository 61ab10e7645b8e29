"""Worked examples: a refund of an order whose goods of two tax treatments are in two daily
summary invoices is booked as one sales return per summary invoice, each priced as Jurnal
prices a return of that invoice's lines (J-37), with one journal entry debiting the receivable
by their sum; the arithmetic by hand (I-33 for iSeller, J-6/J-37 for Jurnal)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.accounting.daily_summary import Summary, summarise
from journal_pipeline.accounting.documents import JOURNAL_ENTRY, SALES_INVOICE, SALES_RETURN
from journal_pipeline.accounting.refunds import corrections_of_day
from journal_pipeline.accounting.return_arithmetic import OWN_POSTINGS
from journal_pipeline.accounting.revisions import PostedRevision, reversal
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.refunds import refund_frames
from journal_pipeline_tests.accounting.money_orders import payment, untaxed_order
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
    # each line keeps what the order's own invoice posts for it (the same here: this order is
    # the summary's only one): amount, discount share, tax
    assert one["transaction_return_lines_attributes"] == [
        {
            "invoice_line_index": 0,
            "product_code": "KOP-001",
            "return_quantity": 3,
            OWN_POSTINGS: {"revenue": "168000.00", "share": "8000.00", "tax": "17600.00"},
        }
    ]
    assert two["transaction_return_lines_attributes"] == [
        {
            "invoice_line_index": 0,
            "product_code": "GUL-003",
            "return_quantity": 3,
            OWN_POSTINGS: {"revenue": "42000.00", "share": "2000.00", "tax": "0.00"},
        }
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
        {
            "invoice_line_index": 0,
            "product_code": "KOP-001",
            "return_quantity": 1,
            OWN_POSTINGS: {"revenue": "56000.00", "share": "2666.67", "tax": "5866.67"},
        }
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


# -- a correction of a summarised order: the reversal priced from the summary line -----------

KOPI_A, KOPI_B = "44444444-4444-4444-4444-44444444444a", "44444444-4444-4444-4444-44444444444b"
KOPI_SUMMARY = "ISL/S/JKT/20261120"


def _kopi_order(order_id: str, reference: str, discount: int, closed: str) -> dict:
    """One Kopi Arabika at 56,000 at Jakarta Kemang (PPN 11% on top), paid in cash, with an
    order discount of ``discount``: subtotal 56,000 - discount, PPN 11% of that."""
    subtotal = 56_000 - discount
    tax = subtotal * 11 // 100
    line = {**_line("d1", "KOP-001", "Kopi Arabika 250g", 56_000, discount, tax)}
    line.update(
        quantity=Decimal(1),
        total_order_amount=Decimal(56_000),
        subtotal=Decimal(subtotal),
    )
    order = mixed_order()
    order.update(
        order_id=order_id,
        order_reference=reference,
        order_date=closed,
        closed_date=closed,
        modified_date=closed,
        total_order_amount=Decimal(56_000),
        total_discount_amount=Decimal(discount),
        subtotal=Decimal(subtotal),
        total_tax_amount=Decimal(tax),
        total_amount=Decimal(subtotal + tax),
        discounts=[{"discount_name": "Promo", "discount_amount": Decimal(discount)}]
        if discount
        else [],
        order_details=[line],
    )
    order["transactions"] = [
        {**order["transactions"][0], "order_id": order_id, "transaction_id": f"t-{reference}"}
    ]
    order["transactions"][0]["amount"] = Decimal(subtotal + tax)
    return order


def _kopi_sale():
    """Order A (#JKT-000201: 56,000 + PPN 6,160 = 62,160, no discount) and order B (#JKT-000202:
    56,000 - 10,000 + PPN 5,060 = 51,060) in one summary: Kopi 2 × 56,000 = 112,000, invoice
    discount 10,000 (all on that one line), PPN 11% of 102,000 = 11,220."""
    orders = [
        _kopi_order(KOPI_A, "#JKT-000201", 0, "2026-11-20 04:00:00"),
        _kopi_order(KOPI_B, "#JKT-000202", 10_000, "2026-11-20 05:00:00"),
    ]
    sales = posting_rules.sales_of_day(order_frames(orders), CONFIG, SALE_DAY)
    documents, holds = invoices.sales_invoices(sales, CONFIG)
    journal, _ = posting_rules.journal_lines(sales, CONFIG)
    assert holds == []
    return documents, journal, summarise(documents, CONFIG, SALE_DAY, {"JKT"})


def _reversal_of_order_a(documents, journal) -> list:
    """Order A's reversal on the correction day, against its own invoice (`revisions`)."""
    own = next(d for d in documents if d.source_id == KOPI_A and d.doc_type == SALES_INVOICE)
    rows = journal[journal["source_reference"] == "#JKT-000201"].to_dict("records")
    posted = PostedRevision(KOPI_A, 0, "#JKT-000201", "JKT", own.payload[SALES_INVOICE], {}, rows)
    booked = reversal(
        posted, CONFIG, REFUND_DAY, reason="changed in iSeller", replaced_by="ISL/JKT-000201.1"
    )
    return booked.documents


def _accounts(doc) -> dict[str, Decimal]:
    """Debit - credit per account of a journal entry."""
    net: dict[str, Decimal] = {}
    for line in doc.payload[JOURNAL_ENTRY]["transaction_account_lines_attributes"]:
        amount = Decimal(str(line.get("debit", 0))) - Decimal(str(line.get("credit", 0)))
        net[line["account_name"]] = net.get(line["account_name"], Decimal(0)) + amount
    return net


#: Order A's goods back against the summary line, its entry as booked (worked out in the test
#: below): Dr Piutang 56,610 + Diskon Penjualan 5,000 + PPN 550 = 62,160 = Cr Kas.
ORDER_A_BACK = {
    "Piutang Usaha": Decimal("56610"),
    "Diskon Penjualan": Decimal("5000"),
    "PPN Keluaran": Decimal("550"),
    "Kas": Decimal("-62160"),
}


def test_a_reversal_priced_from_the_summary_line_books_each_account_as_the_order():
    documents, journal, sale = _kopi_sale()
    body = next(d for d in sale.documents if d.transaction_no == KOPI_SUMMARY)
    assert body.payload[SALES_INVOICE]["discount_unit"] == 10_000
    own = _reversal_of_order_a(documents, journal)
    # on its own invoice: Dr Piutang (sales return credit) 62,160, Cr Kas 62,160
    assert _accounts(own[1]) == {"Piutang Usaha": 62_160, "Kas": -62_160}
    summary = _against_summary(own, sale, set())
    back = next(d for d in summary.documents if d.doc_type == SALES_RETURN)
    assert back.payload[SALES_RETURN]["invoice_no"] == KOPI_SUMMARY
    # Jurnal prices half of the summary line (J-37): amount 56,000, discount share
    # 10,000 / 2 = 5,000, PPN 11,220 / 2 = 5,610: Cr Piutang 56,000 - 5,000 + 5,610 = 56,610,
    # Cr Diskon Penjualan 5,000, Dr PPN Keluaran 5,610, Dr Retur Penjualan 56,000
    assert back.expected_total == 56_610
    (entry,) = [d for d in summary.documents if d.doc_type == JOURNAL_ENTRY]
    # the order's own invoice: share 0, PPN 6,160. The entry books the difference: Dr Diskon
    # Penjualan 5,000 (the share was other orders'), Dr PPN Keluaran 6,160 - 5,610 = 550,
    # and Dr Piutang 56,610: 56,610 + 5,000 + 550 = 62,160 = Cr Kas; no rounding
    assert _accounts(entry) == ORDER_A_BACK
    assert _balanced(entry) and entry.expected_total == 62_160
    # in Jurnal: PPN 5,610 + 550 = 6,160 and the discount 5,000 - 5,000 = 0, as the journal
    # reverses order A: each account as in per-order mode
    texts = [
        ln["description"]
        for ln in entry.payload[JOURNAL_ENTRY]["transaction_account_lines_attributes"]
    ]
    assert "return as priced on the order's invoice: tax" in texts


def test_a_reversal_keeps_its_own_return_and_entry_when_the_day_is_summarised():
    documents, journal, sale = _kopi_sale()
    summary = _against_summary(_reversal_of_order_a(documents, journal), sale, {"JKT"})
    moved = {d.doc_key: d for d in summary.documents if d.doc_type in (SALES_RETURN, JOURNAL_ENTRY)}
    # not folded into the day's merged "refunds and voids" return: the revision's memo names
    # ISL/JKT-000201/C and /CJ, the numbers they keep
    assert sorted(moved) == [f"journal_entry:{KOPI_A}/C", f"sales_return:{KOPI_A}/C"]
    assert {d.transaction_no for d in moved.values()} == {
        "ISL/JKT-000201/C",
        "ISL/JKT-000201/CJ",
    }
    assert summary.merged == []
    assert _accounts(moved[f"journal_entry:{KOPI_A}/C"])["PPN Keluaran"] == 550


def test_a_merged_return_books_each_account_as_the_orders_when_its_lines_say_how():
    """A return whose lines carry their own-invoice postings (as a reversal's do) is repriced
    in the day's merged return too: here order A's goods back as a refund ``rA``."""
    documents, journal, sale = _kopi_sale()
    as_refund = [
        replace(
            d,
            doc_key=f"{d.doc_type}:rA",
            custom_id="rA",
            source_id="rA",
            transaction_no=d.transaction_no.replace("/C", "/R1"),
            payload={d.doc_type: {**d.payload[d.doc_type], "custom_id": "rA"}},
        )
        for d in _reversal_of_order_a(documents, journal)
    ]
    summary = _against_summary(as_refund, sale, {"JKT"})
    (merged,) = [d for d in summary.documents if d.doc_type == SALES_RETURN]
    assert merged.transaction_no == f"{KOPI_SUMMARY}/R20261122"
    assert merged.expected_total == 56_610  # half the summary line, as above
    assert (
        OWN_POSTINGS not in merged.payload[SALES_RETURN]["transaction_return_lines_attributes"][0]
    )
    (entry,) = [d for d in summary.documents if d.doc_type == JOURNAL_ENTRY]
    assert _accounts(entry) == ORDER_A_BACK
    assert _balanced(entry)


def _refund_of_order_a() -> list:
    """Order A refunded in full on the 22nd, in cash: its own sales return (its line noting
    what order A's own invoice posts) and journal entry, against ISL/JKT-000201."""
    at = "2026-11-22 05:00:00"
    order = _kopi_order(KOPI_A, "#JKT-000201", 0, "2026-11-20 04:00:00")
    order.update(modified_date=at, payment_status="refunded")
    order["transactions"].append(
        {
            **order["transactions"][0],
            "transaction_id": "rA",
            "transaction_date": at,
            "type": "refund",
            "amount": Decimal(62_160),
        }
    )
    refund = {
        "refund_id": "refund-A",
        "order_id": KOPI_A,
        "refund_date": at,
        "refund_amount": Decimal(62_160),
        "refund_details": [{"order_detail_id": "d1", "quantity": Decimal(1)}],
    }
    frames = order_frames([order])
    sales = posting_rules.sales_of_day(frames, CONFIG, REFUND_DAY)
    _, documents, holds = corrections_of_day(
        sales, frames, refund_frames([refund]), CONFIG, {KOPI_A: "posted"}
    )
    assert holds == []
    return documents


def test_a_refund_priced_from_the_summary_line_books_each_account_as_the_order():
    _, _, sale = _kopi_sale()
    refund = _refund_of_order_a()
    (line,) = next(d for d in refund if d.doc_type == SALES_RETURN).payload[SALES_RETURN][
        "transaction_return_lines_attributes"
    ]
    # order A's own invoice: 56,000, no discount share, PPN 6,160
    assert line[OWN_POSTINGS] == {"revenue": "56000.00", "share": "0.00", "tax": "6160.00"}
    for outlets in (set(), {"JKT"}):  # moved onto the summary; merged into the day's return
        summary = _against_summary(refund, sale, outlets)
        (back,) = [d for d in summary.documents if d.doc_type == SALES_RETURN]
        assert back.payload[SALES_RETURN]["invoice_no"] == KOPI_SUMMARY
        assert back.expected_total == 56_610  # half the summary line, as for the reversal
        (entry,) = [d for d in summary.documents if d.doc_type == JOURNAL_ENTRY]
        # Dr Piutang 56,610 + Diskon Penjualan 5,000 + PPN 550 = 62,160 = Cr Kas, the refund
        assert _accounts(entry) == ORDER_A_BACK, outlets
        assert _balanced(entry)


def test_a_gift_card_refunded_at_a_summarised_outlet_is_its_own_entry():
    """The coffee's refund goes into the day's merged return and entry; the card's refund has no
    sales return to merge (its entry pays the card back, J-49) and stands alone."""
    card = untaxed_order("gcs", sku="GC-100", name="Gift Card 100K", payments=[_cash("t1")])
    coffee = untaxed_order("kop", payments=[_cash("t2")])
    sales = posting_rules.sales_of_day(order_frames([card, coffee]), CONFIG, SALE_DAY)
    sold = summarise(invoices.sales_invoices(sales, CONFIG)[0], CONFIG, SALE_DAY, {"JKT"})
    at = "2026-11-22 05:00:00"
    orders, refunds = [], []
    for order in (card, coffee):
        oid = order["order_id"]
        back = {"transaction_id": f"r-{oid}", "type": "refund", "status": "success"}
        order = {**order, "modified_date": at, "payment_status": "refunded"}
        order["transactions"] = [
            *order["transactions"],
            {**_cash(f"r-{oid}"), **back, "order_id": oid, "transaction_date": at},
        ]
        orders.append(order)
        refunds.append(
            {"refund_id": f"ref-{oid}", "order_id": oid, "refund_date": at}
            | {"refund_amount": Decimal(100_000)}
            | {"refund_details": [{"order_detail_id": f"{oid}-d1", "quantity": Decimal(1)}]}
        )
    frames = order_frames(orders)
    day = posting_rules.sales_of_day(frames, CONFIG, REFUND_DAY)
    statuses = {"gcs": "posted", "kop": "posted"}
    _, documents, holds = corrections_of_day(day, frames, refund_frames(refunds), CONFIG, statuses)
    assert holds == []
    out = _against_summary(documents, sold, {"JKT"})
    kinds = [(d.doc_type, d.custom_id) for d in out.documents]
    merged = "summary:JKT:2026-11-22/R:ISL/S/JKT/20261120"
    assert kinds == [(SALES_RETURN, merged), (JOURNAL_ENTRY, merged), (JOURNAL_ENTRY, "r-gcs")]
    assert _lines(out.documents[1]) == {"Piutang Usaha": ("100000", "0"), "Kas": ("0", "100000")}
    assert _lines(out.documents[2]) == {"Hutang Gift Card": ("100000", "0"), "Kas": ("0", "100000")}


def _cash(transaction_id: str) -> dict:
    return payment(transaction_id, "Cash", "cash", 100_000)
