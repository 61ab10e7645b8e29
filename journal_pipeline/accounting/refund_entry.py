"""The journal entry that pays a refund or void back (`reversals.reversal`): Dr what the sales
return credited the receivable, Dr the service charge, its tax and shipping given back, Dr the
gift cards given back, the differences that bring Jurnal's return to iSeller's refund, ±
rounding, Cr the method's clearing account with the refund.

A gift card given back is not returned through the sales return: the entry debits the gift
card liability itself. Which account Jurnal's return books a returned line on is not documented
(docs/assumptions/jurnal.md, J-49: the company's sales return account, or the product's sell
account); booked by the entry, the card leaves the liability under either reading.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from journal_pipeline.accounting.invoices import json_number
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.missing import text_or_none

if TYPE_CHECKING:
    from journal_pipeline.accounting.reversals import GivenBack, MoneyBack

FIX_HINT = "Add it to the config file (JOURNAL_PIPELINE_CONFIG), then run the day again."


#: (role, account, amount debited, description) of a journal entry line to be
Wanted = tuple[str, str | None, Decimal, str]
#: canonical roles of a refund that its journal entry books, not its sales return (a gift
#: card given back too: see the module docstring)
NOT_RETURNED = (
    "service_charge",
    "shipping_income",
    "rounding",
    "receivable",
    "gift_card_liability",
)


def as_isellers(
    back: MoneyBack,
    config: MerchantConfig,
    rows: list[dict[str, Any]],
    given: GivenBack,
    receivable: Decimal,
    returned_tax: Decimal,
) -> list[Wanted]:
    """The entry's lines that bring the tax and discount the sales return books (Jurnal's
    shares) to the canonical ``rows``' (iSeller's) beyond a rupiah a returned line."""
    outlet = back.order.outlet_code
    goods = tax = -Decimal(given.service_tax)  # the service charge's tax is the entry's own
    for row in rows:  # what the return carries: the lines but the entry's own and the money
        role, net = row["account_role"], Decimal(row["debit"] - row["credit"])
        if row["is_estimate"] or role in NOT_RETURNED or role.startswith("payment:"):
            continue
        goods += net
        tax += net if role.startswith("tax:") else 0
    tax_gap = tax - returned_tax  # debited: the return took back too little tax
    discount_gap = goods - receivable - tax_gap  # debited: it took back too much discount
    lines = sum(1 for units in back.returned.values() if units)
    if max(abs(tax_gap), abs(discount_gap)) <= lines:
        return []
    sale_tax = config.tax_for(outlet, back.sale_day)
    discount_account = config.account("sales_discount", outlet)
    return [
        (
            "tax",
            sale_tax.account if sale_tax is not None else None,
            tax_gap,
            f"tax as iSeller's refund gives it back (the sales return's: {returned_tax})",
        ),
        (
            "sales_discount",
            discount_account,
            discount_gap,
            "order discount as iSeller's refund shares it "
            f"(the sales return's differs by {-discount_gap})",
        ),
    ]


def entry_lines(
    back: MoneyBack,
    config: MerchantConfig,
    receivable: Decimal,
    given: GivenBack,
    differences: list[Wanted],
) -> list[dict[str, Any]] | str:
    """The entry's lines (module docstring), or why one cannot be made: a role with no
    account."""
    outlet = back.order.outlet_code
    tax = config.tax_for(outlet, back.sale_day)  # the sale's
    clearing = config.payment_account(
        text_or_none(back.payment_type_name), text_or_none(back.gateway), outlet
    )
    wanted: list[Wanted] = [
        ("receivable", config.account("receivable", outlet), receivable, "sales return credit"),
        (
            "service_charge",
            config.account("service_charge", outlet),
            Decimal(given.service),
            "service charge given back",
        ),
        (
            "tax",
            tax.account if tax is not None else None,
            Decimal(given.service_tax),
            "tax on the service charge given back",
        ),
        (
            "shipping_income",
            config.account("shipping_income", outlet),
            Decimal(given.shipping),
            "shipping given back",
        ),
        (
            "gift_card_liability",
            config.account("gift_card_liability", outlet),
            Decimal(given.gift_cards),
            "gift cards given back",
        ),
        *differences,
    ]
    rounding = Decimal(back.amount) - sum((amount for _, _, amount, _ in wanted), Decimal(0))
    wanted.append(("rounding", config.account("rounding", outlet), rounding, "rounding"))
    lines: list[dict[str, Any]] = []
    for role, account, amount, text in wanted:
        if amount == 0:
            continue
        if account is None:
            return f"account role {role} has no Jurnal account for outlet {outlet}. {FIX_HINT}"
        side = "debit" if amount > 0 else "credit"
        lines.append({"account_name": account, side: json_number(abs(amount)), "description": text})
    lines.append(
        {"account_name": clearing, "credit": back.amount, "description": f"{back.method} paid back"}
    )
    return lines
