"""How Jurnal computes a sales invoice's totals, so a document can be checked before posting.

This is our model of Jurnal's calculation (docs/assumptions/jurnal.md): Decimal amounts
rounded half-up to 0.01; line amount = quantity × rate × (1 − discount%); an invoice-level
discount is shared over lines pro rata by amount in whole cents, largest remainder first,
ties to the earlier line (remainders compared exactly, in integers); tax is taken on the line
amount after its share of the discount, added on top (exclusive) or contained in it
(inclusive).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

CENT = Decimal("0.01")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class InvoiceLine:
    quantity: Decimal
    rate: Decimal
    discount_percent: Decimal = Decimal(0)
    tax_rate: Decimal | None = None  # percent; None = no line tax


@dataclass(frozen=True)
class InvoiceTotals:
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal


def _share(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` pro rata over ``weights`` in cents, largest remainder first, ties to the
    earlier line (docs/assumptions/jurnal.md J-6).

    Whole-cent integer arithmetic throughout: Decimal division keeps 28 significant digits, so
    two remainders that are exactly equal (a tie) come out a last digit apart, and the larger
    line wins the cent where Jurnal gives it to the earlier one; the tax then moves by a cent.
    """
    if not weights:
        return []
    cents = [int(_cents(w) / CENT) for w in weights]
    weight_sum = sum(cents)
    cents_total = int(_cents(total) / CENT)
    if weight_sum <= 0:  # nothing to share over: the first line takes it all (as the emulator)
        return [Decimal(cents_total) * CENT] + [Decimal(0)] * (len(weights) - 1)
    sign = -1 if cents_total < 0 else 1
    magnitude = abs(cents_total)
    floors = [magnitude * c // weight_sum for c in cents]
    remainders = [magnitude * c % weight_sum for c in cents]
    left = magnitude - sum(floors)
    for i in sorted(range(len(cents)), key=lambda i: (-remainders[i], i))[:left]:
        floors[i] += 1
    return [Decimal(sign * f) * CENT for f in floors]


def invoice_totals(
    lines: list[InvoiceLine],
    *,
    discount_value: Decimal = Decimal(0),
    tax_inclusive: bool = False,
    shipping: Decimal = Decimal(0),
) -> InvoiceTotals:
    amounts = [_cents(ln.quantity * ln.rate * (1 - ln.discount_percent / 100)) for ln in lines]
    subtotal = sum(amounts, Decimal(0))
    shares = _share(discount_value, amounts)
    tax = Decimal(0)
    for line, amount, share in zip(lines, amounts, shares, strict=True):
        if line.tax_rate is None:
            continue
        base = amount - share
        if tax_inclusive:
            tax += _cents(base * line.tax_rate / (100 + line.tax_rate))
        else:
            tax += _cents(base * line.tax_rate / 100)
    total = subtotal - discount_value + shipping + (Decimal(0) if tax_inclusive else tax)
    return InvoiceTotals(subtotal=subtotal, discount=discount_value, tax=tax, total=total)


@dataclass(frozen=True)
class Fit:
    """How to make Jurnal's total equal the order's: extra invoice discount, a rounding line."""

    extra_discount: Decimal
    rounding: Decimal  # rate of a non-taxable rounding line; 0 = no line


def fit_total(
    lines: list[InvoiceLine],
    target: Decimal,
    *,
    discount_value: Decimal = Decimal(0),
    tax_inclusive: bool = False,
    shipping: Decimal = Decimal(0),
    max_gap: Decimal = Decimal(100),
) -> Fit | None:
    """Smallest adjustment so the invoice total is exactly ``target``, or None.

    iSeller rounds tax to the rupiah per line while Jurnal keeps cents, so the two totals can
    differ by a fraction of a rupiah per line. A shortfall is filled by a non-taxable rounding
    line; an excess (a line cannot be negative) by a slightly larger invoice discount first.
    Gaps above ``max_gap`` are not rounding and are not fitted.
    """

    def total(extra: Decimal, rounding: Decimal) -> Decimal:
        fitted = [*lines, InvoiceLine(Decimal(1), rounding)] if rounding else lines
        return invoice_totals(
            fitted,
            discount_value=discount_value + extra,
            tax_inclusive=tax_inclusive,
            shipping=shipping,
        ).total

    gap = target - total(Decimal(0), Decimal(0))
    if abs(gap) > max_gap:
        return None
    extra = Decimal(0)
    if gap < 0:  # the smallest extra discount that brings the invoice down to the target
        low, high = 0, int(max_gap / CENT) * 2
        while low < high:
            middle = (low + high) // 2
            if total(middle * CENT, Decimal(0)) <= target:
                high = middle
            else:
                low = middle + 1
        extra = low * CENT
    # Tax moves in whole cents, so a target can be stepped over: then discount one cent more
    # and try again (a few hundred tries at most, each a handful of Decimal operations).
    for _ in range(300):
        gap = target - total(extra, Decimal(0))
        if gap == 0:
            return Fit(extra, Decimal(0))
        if gap > 0:
            rounding = _fit_rounding(partial(total, extra), target, gap)
            if rounding is not None:
                return Fit(extra, rounding)
        extra += CENT
    return None


def _fit_rounding(
    total: Callable[[Decimal], Decimal], target: Decimal, gap: Decimal
) -> Decimal | None:
    """A rounding-line rate that makes ``total(rate) == target``, searched near ``gap``."""
    rounding = gap
    for _ in range(5):  # the rounding line takes a share of the discount: converge on it
        residual = target - total(rounding)
        if residual == 0:
            return rounding
        rounding += residual
    for step in range(1, 6):  # shares move in whole cents: look a few cents either side
        for candidate in (rounding + step * CENT, rounding - step * CENT):
            if candidate > 0 and total(candidate) == target:
                return candidate
    return None
