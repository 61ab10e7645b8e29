"""Exact money: integer rupiah inside the pipeline, Decimal only at the edges.

iSeller sends amounts like ``55000.0000`` and Jurnal answers ``"9720000.0"``; both are
parsed through Decimal and rounded half-up to the whole rupiah, so no float ever carries a
sum.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ONE = Decimal(1)


def to_rupiah(value: object) -> int:
    """Parse an amount (Decimal, int, numeric string) into whole rupiah, half-up."""
    if type(value) is Decimal:  # as the JSON parsers give amounts: no text round trip
        return int(value.quantize(ONE, rounding=ROUND_HALF_UP))
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise TypeError(f"not an amount: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        # Floats only reach here from hand-written data; repr keeps their shortest exact text.
        value = repr(value)
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    return int(amount.quantize(ONE, rounding=ROUND_HALF_UP))


def round_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounded half away from zero, exact for any integers."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return sign * quotient


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` over ``weights`` pro rata, largest remainder first, summing exactly."""
    if not weights:
        return []
    weight_sum = sum(weights)
    if weight_sum == 0:
        shares = [0] * len(weights)
        shares[0] = total
        return shares
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    floors = [magnitude * w // weight_sum for w in weights]
    remainders = [magnitude * w % weight_sum for w in weights]
    left = magnitude - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return [sign * share for share in floors]


def jurnal_amount(rupiah: int) -> str:
    """Amount as Jurnal shows it: a decimal string with one place, e.g. ``"99900.0"``."""
    return f"{rupiah}.0"


def format_idr(rupiah: int) -> str:
    """Human form for messages: ``Rp 1.234.567``."""
    sign = "-" if rupiah < 0 else ""
    return f"{sign}Rp {abs(rupiah):,}".replace(",", ".")
