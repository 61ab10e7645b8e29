"""Order lines cancelled at the till (an OrderDetail's ``fulfilment_status`` ``cancel``).

The document gives the status (``fulfilled``, ``none``, ``cancel``) but not whether a cancelled
line still counts in the order's money. Read against the order's own totals:

- the lines without the cancelled ones add up to the order's ``subtotal`` (or, without one or
  when the lines carry none, I-18, its ``total_order_amount``) and the lines with them do not:
  the totals leave them out;
- every cancelled line carries no money at all: nothing was charged for it.

Either way the line was not sold, and no goods left for it: it is moved out of
``order_details`` into ``cancelled_order_details`` (kept, so it can be seen), and nothing
downstream books it, moves its stock or gives it away as a free line. Otherwise (the totals
count the line) the order is read as sent: it was charged, so it was sold. Orders are read
this way as they come from GetOrders (`client.ISellerClient.get_orders`), so staging, the
revisions' look at an order again and every other reader see the same lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

CANCELLED_KEY = "cancelled_order_details"
_CANCELLED = frozenset({"cancel", "cancelled", "canceled"})
_STATUS_KEYS = ("fulfilment_status", "fulfillment_status")  # both spellings (I-24)
_LINE_MONEY = ("total_order_amount", "subtotal", "discount_amount", "tax_amount")


def without_cancelled_lines(order: Any) -> Any:
    """``order`` with its cancelled lines set apart when it does not count them (above), else
    ``order`` itself; anything that cannot be read is left for the order's checks."""
    details = order.get("order_details") if isinstance(order, Mapping) else None
    if not isinstance(details, list) or not any(_cancelled(d) for d in details):
        return order
    kept = [d for d in details if not _cancelled(d)]
    cancelled = [d for d in details if _cancelled(d)]
    if not (_chargeless(cancelled) or _left_out_of_totals(order, kept, details)):
        return order
    return {**order, "order_details": kept, CANCELLED_KEY: cancelled}


def _cancelled(detail: Any) -> bool:
    return isinstance(detail, Mapping) and any(
        str(detail.get(key) or "").strip().lower() in _CANCELLED for key in _STATUS_KEYS
    )


def _chargeless(lines: list[Mapping[str, Any]]) -> bool:
    return all(number_or_none(line.get(field)) == 0 for line in lines for field in _LINE_MONEY)


def _left_out_of_totals(
    order: Mapping[str, Any], kept: list[Any], every: list[Mapping[str, Any]]
) -> bool:
    lines_say_subtotal = all(isinstance(d, Mapping) and "subtotal" in d for d in every)
    field = (
        "subtotal"
        if order.get("subtotal") is not None and lines_say_subtotal
        else "total_order_amount"
    )
    total = number_or_none(order[field]) if order.get(field) is not None else None
    if total is None:
        return False
    without, with_them = _sum(kept, field), _sum(every, field)
    return without is not None and with_them is not None and without == total != with_them


def _sum(lines: list[Any], field: str) -> Decimal | None:
    total = Decimal(0)
    for line in lines:
        value = number_or_none(line.get(field)) if isinstance(line, Mapping) else None
        if value is None:
            return None
        total += value
    return total


def number_or_none(value: Any) -> Decimal | None:
    """An amount as a Decimal (absent: 0), None when it is not a finite number."""
    if value is None:
        return Decimal(0)
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
