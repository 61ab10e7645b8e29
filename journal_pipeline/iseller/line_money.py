"""The money of an order's lines where the document's OrderDetail table leaves it out (I-18).

The document's OrderDetail lists ``quantity``, ``base_price``, ``discount_amount`` and
``tax_amount``, not ``total_order_amount``, ``discount_order_amount``, ``subtotal`` or
``additional_charge``, which the journal reads (I-20). A line that comes without them has them
made from what is documented, as I-20 states them:

- ``total_order_amount`` = ``base_price`` × ``quantity`` (half up to the rupiah);
- ``discount_order_amount``: the order-level discounts and promotions (Σ line net less the
  order's ``subtotal``; without one, ``total_discount_amount`` less Σ line ``discount_amount``
  plus ``total_promotion_amount``): a line's own ``promotions[]`` (a promotion on one item)
  goes to that line, the rest is shared over the lines by their net (``total_order_amount``
  − ``discount_amount``), largest remainder, ties to the earlier line;
- ``subtotal`` = ``total_order_amount`` − ``discount_amount`` − ``discount_order_amount``;
- ``additional_charge``: the order's ``total_additional_subtotal_amount`` shared likewise by the
  lines' subtotal net of their tax when the order is tax-inclusive.

A field the line carries is never replaced. Anything that is not a number leaves the order as
sent, for its checks to name. An order whose made lines do not add up to its own totals is held
by the posting rules as any other, showing the arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from journal_pipeline.iseller.cancelled_lines import number_or_none as _number

GROSS, SHARE, SUBTOTAL, CHARGE = (
    "total_order_amount",
    "discount_order_amount",
    "subtotal",
    "additional_charge",
)
MADE = (GROSS, SHARE, SUBTOTAL, CHARGE)


def _rupiah(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _details(order: Any) -> list[dict[str, Any]] | None:
    details = order.get("order_details") if isinstance(order, Mapping) else None
    if not isinstance(details, list) or not all(isinstance(d, Mapping) for d in details):
        return None
    return details


def with_line_gross(order: Any) -> Any:
    """``order`` with ``total_order_amount`` on each line that lacks it (a new dict), else the
    order itself."""
    details = _details(order)
    if not details or all(GROSS in d for d in details):
        return order
    lines = []
    for detail in details:
        if GROSS not in detail:
            price, quantity = _number(detail.get("base_price")), _number(detail.get("quantity"))
            if price is None or quantity is None:
                return order
            detail = {**detail, GROSS: _rupiah(price * quantity)}
        lines.append(detail)
    return {**order, "order_details": lines}


def shared(total: int, weights: list[int]) -> list[int] | None:
    """``total`` over ``weights`` pro rata, largest remainder, ties to the earlier; None when
    the weights add up to nothing but the total is not nothing."""
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights) if total == 0 else None
    floors = [total * w // whole for w in weights]
    remainders = [total * w - f * whole for w, f in zip(weights, floors, strict=True)]
    for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[: total - sum(floors)]:
        floors[i] += 1
    return floors


def with_line_money(order: Any) -> Any:
    """``order`` with every line's missing I-18 field made (above; a new dict), else the order
    itself."""
    order = with_line_gross(order)
    details = _details(order)
    if not details or all(all(field in d for field in MADE) for d in details):
        return order
    amounts = [
        [_number(d.get(field)) for field in (GROSS, "discount_amount", "tax_amount")]
        for d in details
    ]
    if any(value is None or value != value.to_integral_value() for row in amounts for value in row):
        return order
    gross, discount, tax = ([int(row[i] or 0) for row in amounts] for i in range(3))
    nets = [g - d for g, d in zip(gross, discount, strict=True)]
    shares = _shares(order, details, nets)
    if shares is None:
        return order
    subtotals = [
        int(_number(d[SUBTOTAL]) or 0) if SUBTOTAL in d else net - share
        for d, net, share in zip(details, nets, shares, strict=True)
    ]
    inclusive = bool(order.get("tax_inclusive"))
    charge = _number(order.get("total_additional_subtotal_amount"))
    bases = [s - t if inclusive else s for s, t in zip(subtotals, tax, strict=True)]
    charges = shared(_rupiah(charge), bases) if charge is not None else None
    lines = []
    for i, detail in enumerate(details):
        made = {SHARE: shares[i], SUBTOTAL: subtotals[i]}
        if charges is not None:
            made[CHARGE] = charges[i]
        lines.append({**detail, **{k: v for k, v in made.items() if k not in detail}})
    return {**order, "order_details": lines}


def _shares(
    order: Mapping[str, Any], details: list[dict[str, Any]], nets: list[int]
) -> list[int] | None:
    """Each line's share of the order-level discounts and promotions: as the line states it
    when every line does, else made (above)."""
    if all(SHARE in d for d in details):
        values = [_number(d[SHARE]) for d in details]
        return None if any(v is None for v in values) else [int(v or 0) for v in values]
    subtotal = order.get("subtotal")
    if subtotal is not None:
        value = _number(subtotal)
        if value is None:
            return None
        order_level = sum(nets) - _rupiah(value)
    else:
        parts = [
            _number(order.get(name)) for name in ("total_discount_amount", "total_promotion_amount")
        ]
        line_discounts = sum(
            _rupiah(_number(d.get("discount_amount")) or Decimal(0)) for d in details
        )
        if any(p is None for p in parts):
            return None
        order_level = (
            _rupiah(parts[0] or Decimal(0)) - line_discounts + _rupiah(parts[1] or Decimal(0))
        )
    if order_level < 0:
        return None
    own = _line_promotions(details)
    if (
        own is None
        or not any(own)
        or sum(own) > order_level
        or any(o > n for o, n in zip(own, nets, strict=True))
    ):
        return shared(order_level, nets)
    # the rest (an order discount besides) over what each line comes to after its own
    rest = shared(order_level - sum(own), [n - o for n, o in zip(nets, own, strict=True)])
    return None if rest is None else [o + r for o, r in zip(own, rest, strict=True)]


def _line_promotions(details: list[dict[str, Any]]) -> list[int] | None:
    """Each line's own promotions (its ``promotions[]``, with PromotionDetails): a promotion
    on one item is that line's share of the order-level money, not everyone's. None when one
    is not a whole amount. More than the order-level money (a reading where they are inside
    the lines' ``discount_amount`` already), or more than a line's net, leaves every share
    pro rata."""
    own = []
    for detail in details:
        promotions = detail.get("promotions") or []
        if not isinstance(promotions, list):
            return None
        total = Decimal(0)
        for promotion in promotions:
            amount = (
                _number(promotion.get("promotion_amount"))
                if isinstance(promotion, Mapping)
                else None
            )
            if amount is None or amount != amount.to_integral_value() or amount < 0:
                return None
            total += amount
        own.append(int(total))
    return own
