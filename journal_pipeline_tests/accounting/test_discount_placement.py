"""An order discount over taxed and untaxed goods: Jurnal's PPN stays iSeller's.

Jurnal shares an invoice discount over the lines pro rata by amount and taxes each line after
its share (J-6); a promotion iSeller gave one line alone would move tax between the lines."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest

from journal_pipeline.accounting import invoices, posting_rules, revisions
from journal_pipeline.accounting.daily_summary import summarise
from journal_pipeline.accounting.documents import SALES_INVOICE
from journal_pipeline.accounting.jurnal_arithmetic import invoice_totals
from journal_pipeline.accounting.refunds import corrections_of_day
from journal_pipeline.accounting.return_arithmetic import (
    OWN_POSTINGS,
    invoice_line_facts,
    invoice_model,
)
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.refunds import refund_frames
from journal_pipeline_tests.accounting.mixed_tax_orders import (
    ODD_ON_KOPI,
    ON_BUKU,
    ON_KOPI,
    PRO_RATA,
    mixed_order,
)
from journal_pipeline_tests.accounting.test_refunds import _entry_lines, _refunded
from journal_pipeline_tests.accounting.test_service_charge_readings import restaurant_sale
from journal_sandbox.defaults import DEMO_CONFIG

DAY = date(2026, 11, 20)
CONFIG = load_config(DEMO_CONFIG)


def _jurnal(body: dict) -> tuple[Decimal, Decimal]:
    """Jurnal's tax and total of an invoice body, as J-6 computes them."""
    totals = invoice_totals(
        invoice_model(body, CONFIG),
        discount_value=Decimal(str(body.get("discount_unit", 0))),
        tax_inclusive=bool(body["use_tax_inclusive"]),
    )
    return totals.tax, totals.total


def _invoices(orders: list[dict]) -> list[dict]:
    sales = posting_rules.sales_of_day(order_frames(orders), CONFIG, DAY)
    documents, holds = invoices.sales_invoices(sales, CONFIG)
    assert holds == []
    return [d.payload[SALES_INVOICE] for d in documents if d.doc_type == SALES_INVOICE]


@pytest.mark.parametrize(
    ("case", "percents", "most_off"),
    [
        (ON_KOPI, {"KOP-001": 20}, Decimal("0.5")),
        (ON_BUKU, {"BUK-003": 10}, Decimal("0.5")),
        # 12.3457% held as 12.35%: Rp 43 of the coffee's amount on the rounding line
        (ODD_ON_KOPI, {"KOP-001": "12.35"}, Decimal(5)),
    ],
)
def test_a_promotion_on_one_line_is_carried_in_that_lines_discount(case, percents, most_off):
    order = mixed_order(case)
    (body,) = _invoices([order])
    assert "discount_unit" not in body  # nothing for Jurnal to share over the other line
    goods = [line for line in body["transaction_lines_attributes"] if "product_code" in line]
    assert {line["product_code"]: line["discount"] for line in goods if "discount" in line} == (
        percents
    )
    tax, total = _jurnal(body)
    assert total == order["total_amount"]
    assert abs(tax - order["total_tax_amount"]) <= most_off


def test_without_the_placement_jurnals_tax_would_be_thousands_off():
    """The reason for it: the same invoice with the promotion as an invoice discount."""
    order = mixed_order(ON_KOPI)
    (body,) = _invoices([order])
    as_before = {**body, "discount_unit": 200_000, "discount_type_name": "Value"}
    as_before["transaction_lines_attributes"] = [
        {k: v for k, v in line.items() if k != "discount"}
        for line in body["transaction_lines_attributes"]
    ]
    tax, total = _jurnal(as_before)
    assert total == order["total_amount"]
    assert tax - order["total_tax_amount"] > 4_900  # PPN on part of the book's price


def test_a_discount_shared_pro_rata_stays_the_invoice_discount():
    order = mixed_order(PRO_RATA)
    (body,) = _invoices([order])
    assert body["discount_unit"] == 200_000
    assert all("discount" not in line for line in body["transaction_lines_attributes"])
    tax, total = _jurnal(body)
    assert (abs(tax - order["total_tax_amount"]) < 1, total) == (True, order["total_amount"])


def test_each_order_read_alone_gives_the_same_invoice():
    """`sales_invoice` (corrections, revisions) places the discount as the day's build does."""
    orders = [mixed_order(case, n) for n, case in enumerate((ON_KOPI, ON_BUKU, PRO_RATA))]
    orders.append(_one_tax_order(book_share=100_000, coffee_share=0))
    day = _invoices(orders)
    frames = order_frames(orders)
    dated = posting_rules.with_business_dates(frames.orders, CONFIG)
    paid = posting_rules.dated_payments(frames, dated, CONFIG)
    for order, body in zip(dated.itertuples(index=False), day, strict=True):
        lines = [r for r in frames.lines.itertuples(index=False) if r.order_id == order.order_id]
        pays = [p for p in paid.itertuples(index=False) if p.order_id == order.order_id]
        built, hold = invoices.sales_invoice(order, lines, pays, CONFIG, DAY)
        assert hold is None
        assert built[0].payload[SALES_INVOICE] == body


def test_the_journal_keeps_the_promotion_on_the_discount_account():
    lines, holds = posting_rules.journal_lines(
        posting_rules.sales_of_day(order_frames([mixed_order(ON_KOPI)]), CONFIG, DAY), CONFIG
    )
    assert holds == []
    by_text = {row.description: (int(row.debit), int(row.credit)) for row in lines.itertuples()}
    # 200,000 off the coffee, of which PPN 19,820 (PPN 99,099 on 1,000,000 less 79,279)
    assert by_text["order discount on Kopi Arabika 250g"] == (200_000 - 19_820, 0)
    assert by_text["1 × Buku Tulis"] == (0, 333_333)


def test_the_daily_summary_keeps_ppn_to_a_rupiah_an_order():
    cases = (ON_KOPI, ON_BUKU, PRO_RATA, ODD_ON_KOPI)
    orders = [mixed_order(case, n) for n, case in enumerate(cases)]
    orders.append(_one_tax_order(book_share=100_000, coffee_share=0))
    sales = posting_rules.sales_of_day(order_frames(orders), CONFIG, DAY)
    documents, _ = invoices.sales_invoices(sales, CONFIG)
    summary = summarise(documents, CONFIG, DAY, {"JKT"})
    assert summary.holds == []
    bodies = [d.payload[SALES_INVOICE] for d in summary.documents if d.doc_type == SALES_INVOICE]
    assert len(bodies) == 2  # taxed goods, untaxed goods
    taxes, totals = zip(*(_jurnal(body) for body in bodies), strict=True)
    assert sum(totals) == sum(o["total_amount"] for o in orders)
    iseller_tax = sum(o["total_tax_amount"] for o in orders)
    assert abs(sum(taxes) - iseller_tax) <= 5  # the odd share's two-place percentage


def _with_member_discount(order: dict) -> dict:
    """The restaurant sale at an outlet whose service charge is untaxed, 10% member discount:
    Nasi Campur 68,000 − 6,800 and 2 × Es Jeruk 36,000 − 3,600 (PB1 10% inside: 5,564 and
    2,945); the charge 5% of 85,091 (their net of PB1) = 4,255, untaxed; due 97,855."""
    order = copy.deepcopy(order)
    for line, share, tax, charge in zip(
        order["order_details"], (6_800, 3_600), (5_564, 2_945), (2_782, 1_473), strict=True
    ):
        line.update(
            discount_order_amount=Decimal(share),
            subtotal=line["total_order_amount"] - share,
            tax_amount=Decimal(tax),
            additional_charge=Decimal(charge),
        )
    order.update(
        total_discount_amount=Decimal(10_400),
        subtotal=Decimal(93_600),
        total_tax_amount=Decimal(8_509),
        total_additional_subtotal_amount=Decimal(4_255),
        total_amount=Decimal(97_855),
        discounts=[{"discount_name": "Member", "discount_amount": Decimal(10_400)}],
    )
    order["transactions"][0]["amount"] = Decimal(97_855)
    return order


def test_an_untaxed_service_charge_takes_none_of_the_order_discount():
    """Jurnal would share the 10,400 over the charge line too (408.78 of it), and tax the
    food on 408.78 more: PB1 37 high. In the lines' own discounts it is iSeller's."""
    config = CONFIG.model_copy(deep=True)
    config.outlets["DPS"].service_charge_taxed = False
    order = _with_member_discount(restaurant_sale("gross_untaxed_total"))
    sales = posting_rules.sales_of_day(order_frames([order]), config, DAY)
    documents, holds = invoices.sales_invoices(sales, config)
    assert holds == []
    body = documents[0].payload[SALES_INVOICE]
    assert "discount_unit" not in body
    assert [line.get("discount") for line in body["transaction_lines_attributes"]] == [
        10,
        10,
        None,  # the charge, 4,255 whole
    ]
    tax, total = _jurnal(body)
    assert (tax, total) == (Decimal("8509.09"), Decimal(97_855))


def _one_tax_order(book_share: int, coffee_share: int) -> dict:
    """Coffee and a book both taxed (PPN 11% inside), 1,000,000 each, with the order's
    discount shared as given: a promotion on the book alone, or pro rata."""
    order = mixed_order(PRO_RATA, 7)
    kopi, buku = order["order_details"]
    total, tax = 0, 0
    for line, share in ((kopi, coffee_share), (buku, book_share)):
        net = 1_000_000 - share
        line_tax = (Decimal(net) * 11 / 111).quantize(Decimal(1))
        line.update(
            base_price=Decimal(1_000_000),
            total_order_amount=Decimal(1_000_000),
            taxable=True,
            tax_percentage=Decimal(11),
            discount_order_amount=Decimal(share),
            subtotal=Decimal(net),
            tax_amount=line_tax,
        )
        total, tax = total + net, tax + line_tax
    order.update(
        total_order_amount=Decimal(2_000_000),
        total_discount_amount=Decimal(book_share + coffee_share),
        subtotal=Decimal(total),
        total_tax_amount=tax,
        total_amount=Decimal(total),
    )
    order["discounts"][0]["discount_amount"] = Decimal(book_share + coffee_share)
    order["transactions"][0]["amount"] = Decimal(total)
    return order


def _held_per_line(body: dict) -> list[Decimal]:
    """Each line's amount less its share of the invoice discount, as Jurnal holds them (J-6):
    what a return of the line takes back (J-37)."""
    facts = invoice_line_facts(
        invoice_model(body, CONFIG),
        discount_value=Decimal(str(body.get("discount_unit", 0))),
        tax_inclusive=bool(body["use_tax_inclusive"]),
    )
    return [fact.amount - fact.share for fact in facts]


def test_a_promotion_on_one_item_of_one_tax_is_carried_in_its_line_for_returns():
    """Jurnal's tax of the invoice is the same either way; but an invoice discount would be
    shared 50,000 / 50,000 and a return of the book would take back 50,000 of discount (and
    its tax) that iSeller never gave it."""
    order = _one_tax_order(book_share=100_000, coffee_share=0)
    (body,) = _invoices([order])
    assert "discount_unit" not in body
    assert _held_per_line(body) == [Decimal(1_000_000), Decimal(900_000)]
    tax, total = _jurnal(body)
    assert total == order["total_amount"] and abs(tax - order["total_tax_amount"]) < 1


def test_a_discount_shared_pro_rata_over_one_tax_stays_the_invoice_discount():
    order = _one_tax_order(book_share=50_000, coffee_share=50_000)
    (body,) = _invoices([order])
    assert body["discount_unit"] == 100_000
    assert _held_per_line(body) == [Decimal(950_000), Decimal(950_000)]


def _as_invoice_discount(built: dict, discount: int) -> dict:
    """``built`` as an earlier release posted it: the order's discount as the invoice's,
    which Jurnal shares over the lines pro rata, none inside the lines."""
    return {
        **built,
        "discount_type_name": "Value",
        "discount_unit": discount,
        "transaction_lines_attributes": [
            {k: v for k, v in line.items() if k != "discount"}
            for line in built["transaction_lines_attributes"]
        ],
    }


def test_a_return_is_modelled_on_the_invoice_as_posted():
    """The same sale posted by an earlier release, its promotion as an invoice discount: a
    return of the book is modelled on that invoice, which Jurnal holds (half the discount on
    each line), not on the invoice built now (the book's own share inside its line)."""
    order = _one_tax_order(book_share=100_000, coffee_share=0)
    (built,) = _invoices([order])
    earlier = _as_invoice_discount(built, 100_000)
    refunded, entries = _refunded(
        order, "2026-11-22 05:00:00", 900_000, ("Cash", "cash"), [("mix-7-b", 1)]
    )
    frames = order_frames([refunded])
    sales = posting_rules.sales_of_day(frames, CONFIG, date(2026, 11, 22))

    def returned(posted) -> tuple[dict, int | None, dict]:
        _, documents, holds = corrections_of_day(
            sales, frames, refund_frames(entries), CONFIG, {order["order_id"]: "posted"}, posted
        )
        assert holds == []
        (document,) = [d for d in documents if d.doc_type == "sales_return"]
        (line,) = document.payload["sales_return"]["transaction_return_lines_attributes"]
        return line[OWN_POSTINGS], document.expected_total, _entry_lines(documents)

    built_now = returned(None)
    # tax inside: revenue is the line's amount less its tax
    assert built_now[0] == {"revenue": "810810.81", "share": "0.00", "tax": "89189.19"}
    as_posted = returned(lambda orders: {built["transaction_no"]: earlier})
    assert as_posted[0] == {"revenue": "905855.86", "share": "50000.00", "tax": "94144.14"}
    assert (built_now[1], as_posted[1]) == (900_000, 950_000)  # Jurnal's receivable credit
    # the journal entry pays back iSeller's 900,000. From the invoice built now, Jurnal's
    # return is iSeller's refund but for 0.19 of PPN (Jurnal's cents, not booked again).
    # From the invoice as posted, it took back 4,955.14 of PPN and 45,044.86 of discount
    # more than iSeller's refund (PPN 89,189; the book's whole 100,000 promotion less its
    # tax, 90,090): the entry books both back, and nothing is left to rounding
    assert built_now[2] == {"Piutang Usaha": ("900000", "0"), "Kas": ("0", "900000")}
    assert as_posted[2] == {
        "Piutang Usaha": ("950000", "0"),
        "PPN Keluaran": ("0", "4955.14"),
        "Diskon Penjualan": ("0", "45044.86"),
        "Kas": ("0", "900000"),
    }
    # a posted invoice whose goods are not the sale's (another order under the number) is
    # not taken: the return names the invoice's lines by place
    other = {
        **earlier,
        "transaction_lines_attributes": earlier["transaction_lines_attributes"][::-1],
    }
    assert returned(lambda orders: {built["transaction_no"]: other})[0] == built_now[0]


def test_a_reversal_after_a_return_books_the_discount_left_on_the_discount_account():
    """The sale posted with its promotion as an invoice discount (Jurnal: 50,000 on each
    line), its book refunded, then the order changed: the reversal returns the coffee, whose
    50,000 of Jurnal's discount iSeller never gave it. Across the invoice, both returns and
    both journal entries, Jurnal's discount, tax and rounding accounts end where the journal's
    do (to the cents), none of the 45,045 on rounding."""
    order = _one_tax_order(book_share=100_000, coffee_share=0)
    (built,) = _invoices([order])
    posted = _as_invoice_discount(built, 100_000)
    frames = order_frames([order])
    sales = posting_rules.sales_of_day(frames, CONFIG, DAY)
    sale_lines, held = posting_rules.journal_lines(sales, CONFIG)
    assert held == []
    refunded, entries = _refunded(
        order, "2026-11-22 05:00:00", 900_000, ("Cash", "cash"), [("mix-7-b", 1)]
    )
    refund_rows, refund_docs, holds = corrections_of_day(
        posting_rules.sales_of_day(order_frames([refunded]), CONFIG, date(2026, 11, 22)),
        order_frames([refunded]),
        refund_frames(entries),
        CONFIG,
        {order["order_id"]: "posted"},
        lambda orders: {built["transaction_no"]: posted},
    )
    assert holds == []
    booked = [
        row
        for row in [*sale_lines.to_dict("records"), *refund_rows]
        if row["source_id"] == order["order_id"] or row["entry_id"].startswith("refund:")
    ]
    undone = revisions.reversal(
        revisions.PostedRevision(
            order_id=order["order_id"],
            revision=0,
            order_reference=order["order_reference"],
            outlet_code=order["outlet_code"],
            invoice=posted,
            returned={1: Decimal(1)},  # the book
            journal=booked,
        ),
        CONFIG,
        date(2026, 11, 23),
        reason="test",
        replaced_by=None,
    )
    jurnal: dict[str, Decimal] = {"Diskon Penjualan": Decimal(100_000)}  # the invoice's
    for document in [*refund_docs, *undone.documents]:
        body = document.payload[document.doc_type]
        for line in body.get("transaction_return_lines_attributes", []):
            share, tax = (Decimal(line[OWN_POSTINGS][k]) for k in ("share", "tax"))
            jurnal["Diskon Penjualan"] -= share
            jurnal["PPN Keluaran"] = jurnal.get("PPN Keluaran", Decimal(0)) + tax
        for line in body.get("transaction_account_lines_attributes", []):
            net = Decimal(str(line.get("debit", 0))) - Decimal(str(line.get("credit", 0)))
            jurnal[line["account_name"]] = jurnal.get(line["account_name"], Decimal(0)) + net
    ours: dict[str, int] = {}
    for row in [*booked, *undone.lines]:
        ours[row["account_name"]] = ours.get(row["account_name"], 0) + row["debit"] - row["credit"]
    jurnal["PPN Keluaran"] -= Decimal(188_288)  # the invoice's, iSeller's to the rupiah
    for account in ("Diskon Penjualan", "PPN Keluaran", "Selisih Pembulatan"):
        assert abs(jurnal.get(account, Decimal(0)) - ours.get(account, 0)) < 1, account
