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
    max_shortfall: Decimal | None = None,
) -> Fit | None:
    """Smallest adjustment so the invoice total is exactly ``target``, or None.

    iSeller rounds tax to the rupiah per line while Jurnal keeps cents, so the two totals can
    differ by a fraction of a rupiah per line. A shortfall is filled by a non-taxable rounding
    line; an excess (a line cannot be negative) by a slightly larger invoice discount first.
    Gaps above ``max_gap`` are not rounding and are not fitted; a shortfall may reach
    ``max_shortfall`` (default ``max_gap``): a till that rounded the amount due up by more
    than that (to Rp 500 or 1,000) leaves it to the rounding line, which carries no tax.
    """

    def exact_total(extra: Decimal, rounding: Decimal) -> Decimal:
        fitted = [*lines, InvoiceLine(Decimal(1), rounding)] if rounding else lines
        return invoice_totals(
            fitted,
            discount_value=discount_value + extra,
            tax_inclusive=tax_inclusive,
            shipping=shipping,
        ).total

    cents = _CentTotals.of(lines, discount_value, tax_inclusive, shipping)
    known: dict[tuple[Decimal, Decimal], Decimal] = {}  # the search asks some totals twice

    def total(extra: Decimal, rounding: Decimal) -> Decimal:
        if (extra, rounding) not in known:
            fast = None if cents is None else cents.total(extra, rounding)
            known[extra, rounding] = exact_total(extra, rounding) if fast is None else fast
        return known[extra, rounding]

    gap = target - total(Decimal(0), Decimal(0))
    if gap > (max_gap if max_shortfall is None else max(max_gap, max_shortfall)):
        return None
    if -gap > max_gap:
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


def _in_cents(value: Decimal) -> int | None:
    """``value`` in whole cents, None when it has a fraction of a cent."""
    scaled = value.scaleb(2)
    if not scaled.is_finite() or scaled != scaled.to_integral_value():
        return None
    return int(scaled)


def _half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero (ROUND_HALF_UP), exactly."""
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return -quotient if numerator < 0 else quotient


class _CentTotals:
    """`invoice_totals(...).total` of one invoice in whole-cent integers, for the many totals
    `fit_total` tries (its extra discount and rounding line vary; its lines do not).

    The same arithmetic: line amounts as `invoice_totals` rounds them (computed once), the
    discount shared as `_share` shares it, each line's tax rounded half-up to the cent from
    the exact quotient (Decimal's 28 digits give the same cent: a quotient of cents by
    ``100·q + p``, rate p/q, is never within 10⁻²⁰ of a half cent without being one).
    Built only when every amount is whole cents (`of`)."""

    def __init__(
        self,
        amounts: list[int],
        rates: list[tuple[int, int] | None],
        discount: int,
        inclusive: bool,
        shipping: int,
    ):
        self.amounts = amounts
        self.rates = rates
        self.discount = discount
        self.inclusive = inclusive
        self.shipping = shipping

    @classmethod
    def of(
        cls, lines: list[InvoiceLine], discount: Decimal, inclusive: bool, shipping: Decimal
    ) -> _CentTotals | None:
        if not lines:
            return None
        amounts = [
            _in_cents(_cents(ln.quantity * ln.rate * (1 - ln.discount_percent / 100)))
            for ln in lines
        ]
        discount_cents, shipping_cents = _in_cents(discount), _in_cents(shipping)
        if discount_cents is None or shipping_cents is None or None in amounts:
            return None
        rates: list[tuple[int, int] | None] = []
        for line in lines:
            if line.tax_rate is None:
                rates.append(None)
                continue
            p, q = line.tax_rate.as_integer_ratio()
            if (100 * q + p if inclusive else 100 * q) <= 0:
                return None
            rates.append((p, q))
        return cls(
            [a for a in amounts if a is not None], rates, discount_cents, inclusive, shipping_cents
        )

    def total(self, extra: Decimal, rounding: Decimal) -> Decimal | None:
        """The invoice's total with ``extra`` more discount and a rounding line of ``rounding``
        (none when 0), exactly as `invoice_totals` gives it (two decimal places); None when
        ``extra`` is not whole cents (`fit_total` only tries whole cents)."""
        extra_cents = _in_cents(extra)
        rounding_cents = _in_cents(_cents(rounding)) if rounding else 0
        if extra_cents is None or rounding_cents is None:
            return None
        amounts = [*self.amounts, rounding_cents] if rounding else self.amounts
        rates = [*self.rates, None] if rounding else self.rates
        discount = self.discount + extra_cents
        shares = _share_cents(discount, amounts) if discount else [0] * len(amounts)
        tax = 0
        for rate, amount, share in zip(rates, amounts, shares, strict=True):
            if rate is None:
                continue
            p, q = rate
            base = amount - share
            if self.inclusive:
                tax += _half_up(base * p, 100 * q + p)
            else:
                tax += _half_up(base * p, 100 * q)
        total = sum(amounts) - discount + self.shipping + (0 if self.inclusive else tax)
        return Decimal(total).scaleb(-2)


def _share_cents(total: int, weights: list[int]) -> list[int]:
    """`_share` in whole cents."""
    weight_sum = sum(weights)
    if weight_sum <= 0:
        return [total] + [0] * (len(weights) - 1)
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    floors = [magnitude * c // weight_sum for c in weights]
    left = magnitude - sum(floors)
    if left:
        remainders = [magnitude * c % weight_sum for c in weights]
        for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
            floors[i] += 1
    return [sign * f for f in floors]
