"""Pricing a sales return moved onto a daily summary invoice (`summary_returns`).

Jurnal prices a return from the invoice line it names (J-37). A summary line carries the units
of many orders, and its share of the summary's invoice discount (every order's order discount,
spread over every line, J-6) and its tax are their average, not the returned order's. So the
return credits the receivable what the summary line prices (`priced`), and the journal entry
that goes with it books, besides the receivable, the difference on each account between the
return priced on the order's own invoice and on the summary (`repriced`): revenue, discount
share and tax then end in Jurnal as the journal books them, as in per-order mode, and only the
cents of the receivable's difference are left to the rounding line.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting.invoices import json_number
from journal_pipeline.accounting.return_arithmetic import (
    NO_POSTINGS,
    LineFacts,
    Postings,
    invoice_line_facts,
    invoice_model,
    postings,
    postings_of,
    returned_part,
)
from journal_pipeline.config import MerchantConfig

Net = dict[tuple[str, str], Decimal]  # a journal entry's lines: (account, wording) → debit − credit
# the wording of the lines that book a return as the order's own invoice prices it
REPRICED_TEXT = "return as priced on the order's invoice: "


def summary_facts(summary: Mapping[str, Any], config: MerchantConfig) -> list[LineFacts]:
    return invoice_line_facts(
        invoice_model(summary, config),
        discount_value=Decimal(str(summary.get("discount_unit", 0))),
        tax_inclusive=bool(summary.get("use_tax_inclusive")),
    )


def priced(
    lines: list[dict[str, Any]], summary: Mapping[str, Any], config: MerchantConfig
) -> Decimal:
    """What Jurnal credits the receivable for returning ``lines`` of ``summary`` (J-37)."""
    inclusive = bool(summary.get("use_tax_inclusive"))
    facts = summary_facts(summary, config)
    return sum(
        (
            returned_part(
                facts[int(line["invoice_line_index"])],
                Decimal(str(line["return_quantity"])),
                tax_inclusive=inclusive,
            ).receivable
            for line in lines
        ),
        Decimal(0),
    )


def repriced(
    lines: list[dict[str, Any]], summary: Mapping[str, Any], config: MerchantConfig, outlet: str
) -> Net | None:
    """What the entry books besides the receivable so that each account ends as if ``lines``
    were returned from the order's own invoice: a summary line's discount share and tax are
    the average of every order it carries (J-6), not the order's. Per account, debit - credit
    of the difference (own - summary): revenue and tax debited, the discount share credited.
    None when a line does not carry its own-invoice postings or an account is not mapped."""
    inclusive = bool(summary.get("use_tax_inclusive"))
    facts = summary_facts(summary, config)
    units: dict[int, Decimal] = {}
    own: dict[int, Postings] = {}
    for line in lines:
        mine = postings_of(line)
        if mine is None:
            return None
        index = int(line["invoice_line_index"])
        units[index] = units.get(index, Decimal(0)) + Decimal(str(line["return_quantity"]))
        own[index] = own.get(index, NO_POSTINGS) + mine
    taxes = {tax.jurnal_name: tax.account for tax in config.taxes.values()}
    sales_role = "sales_return" if config.account("sales_return", outlet) else "sales"
    revenue = config.account(sales_role, outlet)
    discount = config.account("sales_discount", outlet)
    model = summary["transaction_lines_attributes"]
    net: Net = {}
    for index, quantity in units.items():
        priced = postings(
            returned_part(facts[index], quantity, tax_inclusive=inclusive), tax_inclusive=inclusive
        )
        delta = own[index] - priced
        tax = taxes.get(model[index].get("line_tax_name") or "")
        for account, amount, what in (
            (revenue, delta.revenue, "revenue"),
            (discount, -delta.share, "discount"),
            (tax, delta.tax, "tax"),
        ):
            if not amount:
                continue
            if account is None:
                return None
            key = (account, f"{REPRICED_TEXT}{what}")
            net[key] = net.get(key, Decimal(0)) + amount
    return net


def added(one: Net, other: Net) -> Net:
    out = dict(one)
    for key, amount in other.items():
        out[key] = out.get(key, Decimal(0)) + amount
    return out


def net_lines(net: Net) -> list[dict[str, Any]]:
    return [
        {
            "account_name": account,
            ("debit" if amount > 0 else "credit"): json_number(abs(amount)),
            "description": text,
        }
        for (account, text), amount in net.items()
        if amount
    ]
