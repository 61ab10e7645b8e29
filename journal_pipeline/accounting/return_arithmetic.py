"""How Jurnal computes a sales return (J-37), so its receivable credit is known before posting.

Each invoice line keeps what the invoice posted for it (J-6): its amount, its share of the
invoice discount and its tax, in cents. A return of ``u`` of the line's ``q`` units reverses
each of the three in proportion ``u / q``, rounded to 0.01 half-up per component, and credits
the receivable with amount − discount share (+ tax when the invoice is tax-exclusive).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting.jurnal_arithmetic import InvoiceLine, _cents, _share
from journal_pipeline.config import MerchantConfig


@dataclass(frozen=True)
class LineFacts:
    """What an invoice posted for one line (J-6)."""

    quantity: Decimal
    amount: Decimal
    share: Decimal  # of the invoice discount
    tax: Decimal


@dataclass(frozen=True)
class ReturnedPart:
    amount: Decimal
    share: Decimal
    tax: Decimal
    receivable: Decimal  # what the return credits to the receivable for this line


def invoice_line_facts(
    lines: list[InvoiceLine], *, discount_value: Decimal, tax_inclusive: bool
) -> list[LineFacts]:
    """Per line: amount, discount share and tax, as Jurnal posts them (J-6)."""
    amounts = [_cents(ln.quantity * ln.rate * (1 - ln.discount_percent / 100)) for ln in lines]
    shares = _share(discount_value, amounts)
    facts = []
    for line, amount, share in zip(lines, amounts, shares, strict=True):
        tax = Decimal(0)
        if line.tax_rate is not None:
            base = amount - share
            divisor = (100 + line.tax_rate) if tax_inclusive else Decimal(100)
            tax = _cents(base * line.tax_rate / divisor)
        facts.append(LineFacts(line.quantity, amount, share, tax))
    return facts


def returned_part(fact: LineFacts, quantity: Decimal, *, tax_inclusive: bool) -> ReturnedPart:
    """What returning ``quantity`` units of a line reverses (J-37)."""
    ratio = quantity / fact.quantity
    amount = _cents(fact.amount * ratio)
    share = _cents(fact.share * ratio)
    tax = _cents(fact.tax * ratio)
    receivable = amount - share + (Decimal(0) if tax_inclusive else tax)
    return ReturnedPart(amount, share, tax, receivable)


@dataclass(frozen=True)
class Postings:
    """What a sales return posts to each account besides the receivable (J-37): revenue debited
    (the line amount, less the tax when inclusive), the discount share credited, the tax
    debited. The receivable is credited revenue - share + tax."""

    revenue: Decimal
    share: Decimal
    tax: Decimal

    @property
    def receivable(self) -> Decimal:
        return self.revenue - self.share + self.tax

    def __add__(self, other: Postings) -> Postings:
        return Postings(
            self.revenue + other.revenue, self.share + other.share, self.tax + other.tax
        )

    def __sub__(self, other: Postings) -> Postings:
        return Postings(
            self.revenue - other.revenue, self.share - other.share, self.tax - other.tax
        )


NO_POSTINGS = Postings(Decimal(0), Decimal(0), Decimal(0))
# our key in a stored return line, never sent to Jurnal: what returning the line from the
# order's own invoice posts (a return moved onto a daily summary invoice is priced there)
OWN_POSTINGS = "own_invoice_postings"


def postings(part: ReturnedPart, *, tax_inclusive: bool) -> Postings:
    revenue = part.amount - (part.tax if tax_inclusive else Decimal(0))
    return Postings(revenue, part.share, part.tax)


def postings_json(value: Postings) -> dict[str, str]:
    return {"revenue": str(value.revenue), "share": str(value.share), "tax": str(value.tax)}


def postings_of(line: Mapping[str, Any]) -> Postings | None:
    """The own-invoice postings a return line carries, if it does."""
    value = line.get(OWN_POSTINGS)
    if not isinstance(value, Mapping):
        return None
    return Postings(*(Decimal(str(value[k])) for k in ("revenue", "share", "tax")))


def invoice_model(body: Mapping[str, Any], config: MerchantConfig) -> list[InvoiceLine]:
    """The lines of an invoice body we built (`invoices.sales_invoice`), as Jurnal reads them."""
    rates = {tax.jurnal_name: tax.rate for tax in config.taxes.values()}
    model = []
    for line in body["transaction_lines_attributes"]:
        tax_name = line.get("line_tax_name")
        model.append(
            InvoiceLine(
                Decimal(str(line["quantity"])),
                Decimal(str(line["rate"])),
                Decimal(str(line.get("discount", 0))),
                rates.get(tax_name) if tax_name else None,
            )
        )
    return model


#: The body of the sales invoice Jurnal holds under a number (as it was posted), if posted.
PostedInvoice = Callable[[str], Mapping[str, Any] | None]
#: The posted sales invoices of these orders, by number, their bodies as sent: read at once.
PostedInvoices = Callable[[Iterable[str]], Mapping[str, Mapping[str, Any]]]


def as_posted(
    built: Mapping[str, Any], posted: PostedInvoice | None, sold: int
) -> Mapping[str, Any]:
    """The invoice as posted when its first ``sold`` lines (the goods, which the return names
    by place) are those of ``built``: the same products, quantities and prices; else
    ``built``. The lines after them (service charge, rounding) may differ."""
    found = posted(built["transaction_no"]) if posted is not None else None
    if found is None:
        return built

    def goods(body: Mapping[str, Any]) -> list[tuple[str, ...]]:
        keys = ("product_code", "product_name", "quantity", "rate")
        lines = list(body.get("transaction_lines_attributes") or [])
        return [tuple(str(line.get(key)) for key in keys) for line in lines[:sold]]

    return found if goods(found) == goods(built) else built
