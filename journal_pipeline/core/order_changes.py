"""When iSeller last changed an order, with or without its ``modified_date``.

GetOrders filters on ``modified_after`` / ``modified_before`` but the document's Order table
lists no modified field (docs/assumptions/iseller.md, I-12). An order that carries
``modified_date`` is dated by it. One that does not is dated by the latest moment the order
itself gives: its closing, its cancellation, a payment's or a refund's date. Every change that
moves money or stock (a later payment, a refund, a void) dates itself so; a change that dates
nothing (a line edited after closing) takes the latest of those moments.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from journal_pipeline.core.timestamps import parse_utc


def changed_at(order: Mapping[str, Any]) -> datetime | None:
    """The order's ``modified_date`` (UTC), else the latest of the moments it dates; None when
    it has none that reads as one."""
    stamped = _moment(order.get("modified_date"))
    if stamped is not None:
        return stamped
    return max(_dated(order), default=None)


def _dated(order: Mapping[str, Any]) -> Iterator[datetime]:
    for name in ("closed_date", "cancel_date"):
        moment = _moment(order.get(name))
        if moment is not None:
            yield moment
    for listed, name in (("transactions", "transaction_date"), ("refunded_orders", "refund_date")):
        for item in order.get(listed) or []:
            moment = _moment(item.get(name)) if isinstance(item, Mapping) else None
            if moment is not None:
                yield moment


def _moment(value: object) -> datetime | None:
    try:
        return parse_utc(value)
    except (TypeError, ValueError):
        return None
