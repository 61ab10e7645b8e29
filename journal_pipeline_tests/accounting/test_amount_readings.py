"""The readings of an order's rounding sign (I-31) and of its cost entries' price (I-19), worked
by hand (accounting/service_charge.py, iseller/frames.py, docs/assumptions/iseller.md).

One cash sale at Jakarta Kemang (PPN 11% on top):

    Kopi Arabika 3 × 85,000 = 255,000   PPN 28,050   unit cost 45,000 → 3 × 45,000 = 135,000
    Teh Melati   1 × 23,000 =  23,000   PPN  2,530   unit cost 20,000 → 1 × 20,000 =  20,000
    subtotal 278,000 + PPN 30,580 = amount due 308,580
    paid in cash, rounded up to the next Rp 100: total 308,600, the till rounded up by 20
    the order's buying_price 135,000 + 20,000 = 155,000

    reading                    rounding_amount    cogs[].buying_price (Kopi, Teh)
    documented                 +20 (total − due)  45,000 and 20,000 (unit)
    rounding_sign=subtracted   −20 (due − total)  45,000 and 20,000
    cogs_price=total           +20                135,000 and 20,000 (quantity × unit)

Every reading is the same sale, so the same journal: Dr Kas 308,600; Cr Penjualan 278,000,
Cr PPN Keluaran 30,580, Cr Selisih Pembulatan 20 (278,000 + 30,580 + 20 = 308,600); the estimate
Dr Beban Pokok Pendapatan 155,000 / Cr Persediaan Barang 155,000.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline_tests.accounting.orders import retail_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 20)
ORDER_ID = retail_order()["order_id"]

# dialect → (rounding_amount, the cost entries' buying_price of Kopi and Teh)
STATED = {
    "documented": (20, (45_000, 20_000)),
    "rounding_subtracted": (-20, (45_000, 20_000)),
    "cogs_total": (20, (135_000, 20_000)),
    "both": (-20, (135_000, 20_000)),
}
READINGS = {
    "documented": "not_applicable",
    "rounding_subtracted": "not_applicable rounding:subtracted",
    "cogs_total": "not_applicable cogs:total",
    "both": "not_applicable rounding:subtracted cogs:total",
}


def _line(detail_id: str, sku: str, name: str, qty: int, price: int, tax: int, cost: int):
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
        "tax_percentage": Decimal(11),
        "tax_amount": Decimal(tax),
        "additional_charge": Decimal(0),
        "cogs": [
            {"product_id": sku.lower(), "sku": sku, "quantity": Decimal(qty), "buying_price": cost}
        ],
    }


def cash_sale(dialect: str, buying_price: int = 155_000) -> dict[str, Any]:
    rounding, (kopi_cost, teh_cost) = STATED[dialect]
    order = retail_order()
    order.update(
        {
            "total_order_amount": Decimal(278_000),
            "total_discount_amount": Decimal(0),
            "subtotal": Decimal(278_000),
            "total_tax_amount": Decimal(30_580),
            "rounding_amount": Decimal(rounding),
            "total_amount": Decimal(308_600),
            "buying_price": Decimal(buying_price),
            "discounts": [],
            "order_details": [
                _line("d1", "KOP-001", "Kopi Arabika 250g", 3, 85_000, 28_050, kopi_cost),
                _line("d2", "TEH-002", "Teh Melati", 1, 23_000, 2_530, teh_cost),
            ],
        }
    )
    order["transactions"][0]["amount"] = Decimal(308_600)
    return order


def _book(orders: list[dict[str, Any]]):
    sales = posting_rules.sales_of_day(order_frames(orders), CONFIG, DAY)
    lines, holds = posting_rules.journal_lines(sales, CONFIG)
    documents, invoice_holds = invoices.sales_invoices(
        sales, CONFIG, skip={hold.source_id for hold in holds}
    )
    return sales, lines, holds, documents, invoice_holds


def _by_account(lines, prefix: str) -> dict[str, tuple[int, int]]:
    entry = lines[lines["entry_id"] == f"{prefix}:{ORDER_ID}"]
    return {
        name: (int(group["debit"].sum()), int(group["credit"].sum()))
        for name, group in entry.groupby("account_name")
    }


@pytest.mark.parametrize("dialect", list(STATED))
def test_each_reading_books_the_same_sale_and_estimate(dialect: str) -> None:
    sales, lines, holds, _, invoice_holds = _book([cash_sale(dialect)])
    assert holds == [] and invoice_holds == []
    assert sales.readings == {ORDER_ID: READINGS[dialect]}
    # 278,000 + 30,580 + 20 = 308,600, the till's rounding up a credit
    assert _by_account(lines, "sale") == {
        "Kas": (308_600, 0),
        "Penjualan": (0, 278_000),
        "PPN Keluaran": (0, 30_580),
        "Selisih Pembulatan": (0, 20),
    }
    # 3 × 45,000 + 1 × 20,000 = 155,000 (under cogs_price=total: 135,000 + 20,000)
    assert _by_account(lines, "cogs") == {
        "Beban Pokok Pendapatan": (155_000, 0),
        "Persediaan Barang": (0, 155_000),
    }
    assert set(lines.loc[lines["entry_id"].str.startswith("cogs:"), "is_estimate"]) == {True}
    counts = posting_rules.summary(lines, holds, sales.readings)["readings"]
    assert counts == {word: 1 for word in READINGS[dialect].split()}


def test_the_invoice_is_the_same_under_both_signs() -> None:
    """Jurnal's invoice does not read ``rounding_amount``: its rounding line is what Jurnal's
    total of the lines (278,000 + PPN 30,580 = 308,580) lacks to the order's total, 20."""
    payloads = []
    for dialect in ("documented", "rounding_subtracted"):
        *_, documents, _ = _book([cash_sale(dialect)])
        (invoice,) = documents
        payloads.append((invoice.expected_total, invoice.payload))
    assert payloads[0] == payloads[1]
    total, payload = payloads[0]
    assert total == 308_600
    rounding = payload["sales_invoice"]["transaction_lines_attributes"][-1]
    assert rounding == {"product_name": "Pembulatan", "quantity": 1, "rate": 20}


def test_a_rounding_that_fits_under_neither_sign_is_held_with_the_arithmetic() -> None:
    """A rounding of 70 on a total of 308,600: added the parts make 308,650 (difference −50),
    subtracted 308,510 (difference 90); neither is within the tolerance."""
    order = {**cash_sale("documented"), "rounding_amount": Decimal(70)}
    sales, lines, holds, documents, _ = _book([order])
    assert lines.empty and documents == [] and sales.readings == {}
    (hold,) = holds
    assert (
        "its parts add up to Rp 308.650 (lines Rp 278.000 + tax Rp 30.580 + rounding Rp 70) but "
        "its total is Rp 308.600 (difference -Rp 50). With its rounding read as amount due − "
        "total (I-31), its parts come to Rp 308.510 at the closest (difference Rp 90)."
    ) in hold.reason


def test_costs_matching_neither_reading_are_read_as_unit_and_counted() -> None:
    """An order whose own buying_price (99,000) is neither 155,000 (unit) nor 155,000 read the
    other way (3 × 135,000 + 20,000 = 425,000 when its entries hold totals): its costs are read
    as unit costs, the sale is posted, the reading counted as ``cogs:unmatched``."""
    sales, lines, holds, _, _ = _book([cash_sale("documented", buying_price=99_000)])
    assert holds == []
    assert sales.readings == {ORDER_ID: "not_applicable cogs:unmatched"}
    assert _by_account(lines, "cogs")["Beban Pokok Pendapatan"] == (155_000, 0)
    counts = posting_rules.summary(lines, holds, sales.readings)["readings"]
    assert counts == {"not_applicable": 1, "cogs:unmatched": 1}


def test_an_order_stating_no_cost_of_its_own_is_read_as_unit() -> None:
    order = cash_sale("cogs_total")
    del order["buying_price"]
    sales, lines, *_ = _book([order])
    assert sales.readings == {ORDER_ID: "not_applicable"}
    # read as unit costs: 3 × 135,000 + 20,000 = 425,000, nothing to tell it apart by
    assert _by_account(lines, "cogs")["Beban Pokok Pendapatan"] == (425_000, 0)
