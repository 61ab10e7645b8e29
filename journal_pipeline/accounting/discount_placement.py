"""Where an order's discount goes on its Jurnal invoice: the invoice discount, or the lines' own.

Jurnal shares an invoice discount over every line pro rata by amount and takes each line's tax
after its share (J-6). iSeller gives each line its own share of the order's discounts and
promotions (`discount_order_amount`), which need not be pro rata: a promotion on one item, a
service charge that takes none of the discount. On an invoice whose lines differ in tax (taxed
and untaxed goods, an untaxed service charge), Jurnal's shares would then move discount between
taxed and untaxed amounts: the total still fits, but Jurnal's PPN would differ from iSeller's
(Rp 4,955 on a Rp 1.9 million order whose Rp 100,000 promotion was on its untaxed book).

Such an invoice can carry each line's share inside the line's own discount percentage instead,
to the two places Jurnal holds: its tax is then iSeller's to a few rupiah, and the order's
discount is in the line amounts (net revenue in Jurnal) rather than on the discount account.
`invoices` takes that placement when it brings Jurnal's tax nearer iSeller's; and, on lines of
one tax, when iSeller did not share the discount pro rata over them (a promotion on one
item): the invoice's tax is the same either way, but a later return of part of the order takes
back the returned line's share of the invoice discount as Jurnal shares it (J-37), not as
iSeller did, and so other revenue and tax than iSeller's refund.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal

from journal_pipeline.accounting.jurnal_arithmetic import Fit, InvoiceLine
from journal_pipeline.accounting.order_fit import fitted, fitted_tax
from journal_pipeline.core.orders import LineRow, OrderRow

HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class InLines:
    """The goods lines with their order shares inside their discount percentages."""

    percents: list[Decimal]  # per goods line, to 0.01
    model: list[InvoiceLine]  # the invoice's model lines, goods first, then the rest as given
    drift: Decimal  # the most the percentages' rounding moves the lines' amounts, in rupiah


def differs_in_tax(model: Sequence[InvoiceLine]) -> bool:
    """Whether the invoice's lines are not all of one tax (rate, or none)."""
    return len({line.tax_rate for line in model}) > 1


def shared_by_amount(goods: Sequence[LineRow]) -> bool:
    """Whether iSeller shared the order's discount over the goods lines as Jurnal shares an
    invoice discount: pro rata by their amount after their own discount, a rupiah a line
    apart at most."""
    amounts = [line.total_order_amount - line.discount_amount for line in goods]
    shares = [line.discount_order_amount for line in goods]
    whole, shared = sum(amounts), sum(shares)
    if whole <= 0:
        return True
    return all(abs(s * whole - shared * a) <= whole for s, a in zip(shares, amounts, strict=True))


def shares_in_lines(goods: Sequence[LineRow], model: Sequence[InvoiceLine]) -> InLines | None:
    """``model``'s first ``len(goods)`` lines (one per goods line) with each line's own and
    order discount as its percentage; None when a line would be discounted whole (Jurnal takes
    no line of Rp 0) or is of no amount."""
    percents: list[Decimal] = []
    lines: list[InvoiceLine] = []
    drift = Decimal(0)
    for line, modelled in zip(goods, model, strict=False):
        gross = modelled.quantity * modelled.rate
        net = Decimal(line.total_order_amount - line.discount_amount - line.discount_order_amount)
        if gross <= 0 or net <= 0:
            return None
        percent = ((gross - net) * 100 / gross).quantize(HUNDREDTH, rounding=ROUND_HALF_EVEN)
        if percent >= 100 or percent < 0:
            return None
        percents.append(percent.normalize() if percent else Decimal(0))
        lines.append(replace(modelled, discount_percent=percent))
        drift += abs(gross * (100 - percent) / 100 - net)
    return InLines(percents, [*lines, *model[len(goods) :]], drift)


def nearer_in_lines(
    goods: list[LineRow],
    model: list[InvoiceLine],
    discount: Decimal,
    fit: Fit | None,
    order: OrderRow,
    rounding_account: str | None,
    iseller_tax: Decimal,
) -> tuple[InLines, Fit, int] | None:
    """The invoice with every line's discount inside its own percentage (`discount_placement`),
    fitted (its fit and deduction), when its invoice discount would fall on lines of different
    tax and this brings Jurnal's tax a rupiah or more nearer iSeller's, or on lines of one tax
    that iSeller did not share it over pro rata and Jurnal's tax stays as near; else None."""
    if not discount:
        return None
    mixed = differs_in_tax(model)
    if not mixed and shared_by_amount(goods):
        return None
    in_lines = shares_in_lines(goods, model)
    if in_lines is None:
        return None
    drift = in_lines.drift.to_integral_value()
    in_fit, deduction, _ = fitted(in_lines.model, Decimal(0), order, rounding_account, drift)
    if in_fit is None:
        return None
    off = abs(fitted_tax(in_lines.model, Decimal(0), in_fit, order) - iseller_tax)
    if fit is not None:
        before = abs(fitted_tax(model, discount, fit, order) - iseller_tax)
        # mixed: a rupiah nearer; one tax: within a rupiah of iSeller's, or no further
        if (off + 1 > before) if mixed else (off > max(before, Decimal(1))):
            return None
    return in_lines, in_fit, deduction
