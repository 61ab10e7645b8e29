"""The readings of a tax-inclusive order's service charge, worked by hand.

One restaurant sale at Bali Seminyak (PB1 10% included in prices, service charge 5%), paid in
cash, as each reading states it (accounting/service_charge.py, docs/assumptions/iseller.md
I-20/I-21):

    Nasi Campur 1 × 68,000 = 68,000   PB1 inside: 68,000 × 10/110 = 6,181.8 → 6,182
    Es Jeruk    2 × 18,000 = 36,000   PB1 inside: 36,000 × 10/110 = 3,272.7 → 3,273
    subtotal 104,000; line PB1 L = 9,455; net of PB1 104,000 − 9,455 = 94,545
    service charge C = 5% × 94,545 = 4,727.25 → 4,727
    PB1 on it     T = 10% × 4,727 = 472.7 → 473
    total = 104,000 + 4,727 + 473 = 109,200 (a multiple of 100: cash rounding 0)

    reading               total_additional_subtotal_amount   total_tax_amount
    net (documented)      C     = 4,727                      L + T = 9,928
    gross                 C + T = 5,200                      L + T = 9,928
    gross_untaxed_total   C + T = 5,200                      L     = 9,455

Every reading is the same sale, so the same journal: Dr Kas 109,200; Cr Penjualan 94,545,
Cr PB1 9,455 + 473 = 9,928, Cr Service Charge 4,727 (94,545 + 9,928 + 4,727 = 109,200).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.accounting.jurnal_arithmetic import InvoiceLine, invoice_totals
from journal_pipeline.accounting.service_charge import read_service_charge
from journal_pipeline.config import load_config
from journal_pipeline.core.money import to_rupiah
from journal_pipeline.iseller.frames import order_frames
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 20)
ORDER_ID = "33333333-3333-3333-3333-333333333333"

# (total_additional_subtotal_amount, total_tax_amount, line additional_charge shares)
STATED = {
    # the documented reading: the charge without its PB1, split pro rata by the lines' net of
    # PB1 (61,818 and 32,727): 4,727 × 61,818 / 94,545 = 3,090.7 and 1,636.3 → 3,091 and 1,636
    "net": (4_727, 9_928, (3_091, 1_636)),
    # the charge with its PB1: 473 spread over 3,091 / 1,636 = 309.3 / 163.7 → 309 / 164
    "gross": (5_200, 9_928, (3_400, 1_800)),
    "gross_untaxed_total": (5_200, 9_455, (3_400, 1_800)),
}


def restaurant_sale(reading: str) -> dict[str, Any]:
    charge, total_tax, shares = STATED[reading]
    return {
        "order_id": ORDER_ID,
        "order_reference": "#DPS-000077",
        "order_date": "2026-11-20 11:00:00",  # 19:00 WITA
        "closed_date": "2026-11-20 11:45:00",
        "modified_date": "2026-11-20 11:45:00",
        "status": "completed",
        "payment_status": "paid",
        "outlet_code": "DPS",
        "outlet_name": "Bali Seminyak",
        "tax_inclusive": True,
        "on_account": False,
        "total_order_amount": Decimal(104_000),
        "total_discount_amount": Decimal(0),
        "total_promotion_amount": Decimal(0),
        "subtotal": Decimal(104_000),
        "total_tax_amount": Decimal(total_tax),
        "total_additional_subtotal_amount": Decimal(charge),
        "total_additional_final_amount": Decimal(0),
        "total_additional_order_amount": Decimal(0),
        "total_shipping_amount": Decimal(0),
        "rounding_amount": Decimal(0),
        "total_amount": Decimal(109_200),
        "discounts": [],
        "promotions": [],
        "order_details": [
            _line("d1", "MKN-031", "Nasi Campur", 1, 68_000, 6_182, shares[0]),
            _line("d2", "MNM-022", "Es Jeruk", 2, 18_000, 3_273, shares[1]),
        ],
        "transactions": [
            {
                "transaction_id": "t77",
                "transaction_date": "2026-11-20 11:45:00",
                "type": "sale",
                "status": "success",
                "gateway": "cash",
                "payment_type_name": "Cash",
                "amount": Decimal(109_200),
            }
        ],
    }


def _line(detail_id: str, sku: str, name: str, qty: int, price: int, tax: int, service: int):
    return {
        "order_detail_id": detail_id,
        "product_id": sku.lower(),
        "product_name": name,
        "sku": sku,
        "quantity": Decimal(qty),
        "base_price": Decimal(price),
        "total_order_amount": Decimal(qty * price),
        "discount_amount": Decimal(0),
        "discount_percentage": Decimal(0),
        "discount_order_amount": Decimal(0),
        "subtotal": Decimal(qty * price),
        "taxable": True,
        "tax_percentage": Decimal(10),
        "tax_amount": Decimal(tax),
        "additional_charge": Decimal(service),
        "cogs": [],
    }


def _book(orders: list[dict[str, Any]], config=CONFIG):
    sales = posting_rules.sales_of_day(order_frames(orders), config, DAY)
    lines, holds = posting_rules.journal_lines(sales, config)
    documents, invoice_holds = invoices.sales_invoices(
        sales, config, skip={hold.source_id for hold in holds}
    )
    return sales, lines, holds, documents, invoice_holds


def _by_account(lines) -> dict[str, tuple[int, int]]:
    sale = lines[lines["entry_id"] == f"sale:{ORDER_ID}"]
    return {
        name: (int(group["debit"].sum()), int(group["credit"].sum()))
        for name, group in sale.groupby("account_name")
    }


@pytest.mark.parametrize("reading", list(STATED))
def test_each_reading_books_the_same_sale(reading: str) -> None:
    sales, lines, holds, documents, invoice_holds = _book([restaurant_sale(reading)])
    assert holds == [] and invoice_holds == []
    assert sales.readings == {ORDER_ID: reading}
    # 94,545 + 9,928 + 4,727 = 109,200
    assert _by_account(lines) == {
        "Kas": (109_200, 0),
        "Penjualan": (0, 94_545),
        "Hutang Pajak Restoran (PB1)": (0, 9_928),
        "Pendapatan Service Charge": (0, 4_727),
    }
    assert posting_rules.summary(lines, holds, sales.readings)["readings"] == {reading: 1}

    (invoice,) = documents
    body = invoice.payload["sales_invoice"]
    nasi, jeruk, service = body["transaction_lines_attributes"]  # no rounding line needed
    # the charge with its PB1, priced tax-inclusive like the lines: 4,727 + 473 = 5,200
    assert service == {
        "product_name": "Service Charge",
        "quantity": 1,
        "rate": 5_200,
        "line_tax_name": "PB1",
    }
    # Jurnal's arithmetic: 68,000 + 36,000 + 5,200 = 109,200, PB1 inside each line in cents:
    # 6,181.82 + 3,272.73 + 472.73 = 9,927.28 (the journal's 9,928 rounds each line up)
    totals = invoice_totals(
        [
            InvoiceLine(Decimal(1), Decimal(68_000), tax_rate=Decimal(10)),
            InvoiceLine(Decimal(2), Decimal(18_000), tax_rate=Decimal(10)),
            InvoiceLine(Decimal(1), Decimal(5_200), tax_rate=Decimal(10)),
        ],
        tax_inclusive=True,
    )
    assert totals.total == Decimal(109_200) == invoice.expected_total
    assert totals.tax == Decimal("9927.28")
    assert (nasi["rate"], jeruk["rate"], jeruk["quantity"]) == (68_000, 18_000, 2)


def test_the_readings_are_told_apart_by_the_rate() -> None:
    """Each reading's data adds up under another identity too; the PB1 rate decides."""
    frames = order_frames([{**restaurant_sale(r), "order_id": r} for r in STATED])
    net, gross, untaxed = (
        read_service_charge(
            order,
            [ln for ln in frames.lines.itertuples(index=False) if ln.order_id == order.order_id],
            CONFIG,
        )
        for order in frames.orders.itertuples(index=False)
    )
    # net: 104,000 + 4,727 + (9,928 − 9,455 = 473) = 109,200, and 473 = round(4,727 × 10/100)
    assert (net.reading, net.matched.charge, net.matched.charge_tax) == ("net", 4_727, 473)
    # gross: 104,000 + 5,200 = 109,200, and 9,928 − 9,455 = 473 = round(5,200 × 10/110)
    assert (gross.reading, gross.matched.charge, gross.matched.charge_tax) == ("gross", 4_727, 473)
    # gross_untaxed_total: 104,000 + 5,200 = 109,200 with total tax = line tax 9,455; read
    # as net it also adds up (an untaxed charge of 5,200), but 0 ≠ round(5,200 × 10/100) = 520
    assert untaxed.reading == "gross_untaxed_total"
    assert (untaxed.matched.charge, untaxed.matched.charge_tax) == (4_727, 473)
    as_net = untaxed.tried[0]
    assert (as_net.reading, as_net.difference, as_net.tax_deviation) == ("net", 0, -520)


def test_outlet_whose_service_charge_is_untaxed_books_the_whole_charge() -> None:
    config = CONFIG.model_copy(deep=True)
    config.outlets["DPS"].service_charge_taxed = False
    # an untaxed charge of 5,200 on top of the lines: 104,000 + 5,200 = 109,200, tax 9,455
    sales, lines, holds, documents, _ = _book([restaurant_sale("gross_untaxed_total")], config)
    assert holds == []
    # with no tax on the charge every reading gives the same: the documented one is taken
    assert sales.readings == {ORDER_ID: "net"}
    assert _by_account(lines) == {
        "Kas": (109_200, 0),
        "Penjualan": (0, 94_545),
        "Hutang Pajak Restoran (PB1)": (0, 9_455),
        "Pendapatan Service Charge": (0, 5_200),
    }
    service = documents[0].payload["sales_invoice"]["transaction_lines_attributes"][-1]
    assert service == {"product_name": "Service Charge", "quantity": 1, "rate": 5_200}
    # the documented data carries PB1 on the charge, which this outlet does not levy: held
    _, _, holds, _, _ = _book([restaurant_sale("net")], config)
    assert len(holds) == 1 and "the outlet's service charge being untaxed" in holds[0].reason


def test_order_that_adds_up_under_no_reading_is_held_with_the_arithmetic() -> None:
    order = restaurant_sale("net")
    # 100 more than any reading gives: net 109,200, gross 104,000 + 4,727 = 108,727
    order["total_amount"] = Decimal(109_300)
    order["transactions"][0]["amount"] = Decimal(109_300)
    sales, lines, holds, documents, _ = _book([order])
    assert lines.empty and documents == [] and sales.readings == {}
    (hold,) = holds
    reason = hold.reason
    assert "#DPS-000077" in reason and "inconsistent" in reason
    assert "under no reading of its service charge (tolerance Rp 1)" in reason
    # net: 104,000 + 4,727 + 473 = 109,200, and 473 = round(4,727 × 10 / 100)
    assert (
        "Read as net, the charge without its PB1, that PB1 in the total tax: lines Rp 104.000 "
        "+ charge Rp 4.727 + its PB1 Rp 473 = Rp 109.200, not Rp 109.300; its PB1 Rp 473 "
        "(total tax Rp 9.928 − line tax Rp 9.455) should be round(Rp 4.727 × 10 / 100) = "
        "Rp 473 at 10%."
    ) in reason
    # gross: 104,000 + 4,727 = 108,727, and round(4,727 × 10 / 110) = 430 ≠ 473
    assert (
        "Read as gross, the charge with its PB1 included, that PB1 also in the total tax: "
        "lines Rp 104.000 + charge Rp 4.727 = Rp 108.727, not Rp 109.300; its PB1 Rp 473 "
        "(total tax Rp 9.928 − line tax Rp 9.455) should be round(Rp 4.727 × 10 / 110) = "
        "Rp 430 at 10%."
    ) in reason
    assert (
        "Read as gross_untaxed_total, the charge with its PB1 included, the total tax the "
        "lines' only: lines Rp 104.000 + charge Rp 4.727 = Rp 108.727, not Rp 109.300; the "
        "total tax Rp 9.928 should equal the line tax Rp 9.455"
    ) in reason


def test_a_sub_rupiah_difference_still_goes_to_rounding() -> None:
    order = restaurant_sale("gross")
    order["total_amount"] = Decimal(109_201)  # one rupiah over: within the tolerance
    order["transactions"][0]["amount"] = Decimal(109_201)
    sales, lines, holds, _, _ = _book([order])
    assert holds == [] and sales.readings == {ORDER_ID: "gross"}
    assert _by_account(lines)["Selisih Pembulatan"] == (0, 1)


def test_orders_without_a_question_are_not_applicable() -> None:
    from journal_pipeline_tests.accounting.orders import retail_order

    sales, lines, holds, _, _ = _book([retail_order()])
    assert holds == []
    assert sales.readings == {retail_order()["order_id"]: "not_applicable"}
    assert posting_rules.summary(lines, holds, sales.readings)["readings"] == {"not_applicable": 1}
    assert posting_rules.summary(lines, holds)["readings"] is None


@pytest.mark.parametrize("tolerance", [0, 1, 3])
@pytest.mark.parametrize("rate", [Decimal(10), Decimal(11), Decimal("12.5")])
def test_every_charge_is_read_the_same_whichever_way_it_is_stated(
    rate: Decimal, tolerance: int
) -> None:
    """Small charges too, where the tax on the charge is within the rounding tolerance and
    the identities of the readings come closest: for a net charge C and its tax
    T = round(C × r / 100), the data of each reading gives back C and T exactly."""
    config = CONFIG.model_copy(deep=True)
    config.taxes["PB1"].rate = rate
    config.rounding_tolerance = tolerance
    line = SimpleNamespace(
        subtotal=110_000, tax_amount=to_rupiah(Decimal(110_000) * rate / (100 + rate))
    )
    for charge in [*range(0, 400), *range(400, 200_000, 997)]:
        tax = to_rupiah(Decimal(charge) * rate / 100)
        total = line.subtotal + charge + tax
        stated = {
            "net": (charge, line.tax_amount + tax),
            "gross": (charge + tax, line.tax_amount + tax),
            "gross_untaxed_total": (charge + tax, line.tax_amount),
        }
        for reading, (amount, total_tax) in stated.items():
            order = SimpleNamespace(
                outlet_code="DPS",
                tax_inclusive=True,
                total_additional_subtotal_amount=amount,
                total_additional_order_amount=0,
                total_additional_final_amount=0,
                total_tax_amount=total_tax,
                total_shipping_amount=0,
                rounding_amount=0,
                total_amount=total,
            )
            matched = read_service_charge(order, [line], config).matched
            assert matched is not None, (charge, reading)
            assert (matched.charge, matched.charge_tax, matched.difference) == (charge, tax, 0), (
                charge,
                reading,
                matched.reading,
            )
            if tax > tolerance:  # beyond the tolerance the data names its own reading
                assert matched.reading == reading, (charge, reading)
