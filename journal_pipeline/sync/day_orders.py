"""The staged orders a business day's sales, payments, refunds and voids are in, as every
build of the day finds them: the journal (`sync.day`), its payment fees and its
reconciliation read the same orders, so that a payment one of them books the others see.

A run's steps read them one after the other, and decoding a busy day's orders is most of
what reading them costs. The orders found by their dates and refunds are therefore decoded
once and shared by the readers of the same store (one run's) while no staged order or refund
changes (`StagingStore.staged_orders_version`, read before the orders: a write meanwhile
changes it, and the next reader reads again). Readers must not change what they are given;
with `VERIFY_ENV` set (the test suite sets it), each reader after the first checks that none
did, and fails naming the order.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from journal_pipeline.accounting.business_day import merged_window_utc
from journal_pipeline.config import MerchantConfig
from journal_pipeline.storage.store import StagingStore, dumps
from journal_pipeline.sync import revisions

#: How far around the day a refund of an order changed again later is looked for.
REFUND_MARGIN = timedelta(days=1)
VERIFY_ENV = "JOURNAL_PIPELINE_VERIFY_SHARED_ORDERS"

_Shared = tuple[tuple[Any, ...], list[dict[str, Any]], list[str] | None]
_shared: WeakKeyDictionary[StagingStore, _Shared] = WeakKeyDictionary()


def orders_of_day(store: StagingStore, config: MerchantConfig, day: date) -> list[dict[str, Any]]:
    """The staged orders closed or last modified during ``day`` (its window over every
    outlet's zone), refunded around it (an order changed again later is no longer found by its
    dates, but by its refund), or whose invoice or revision is booked on it, each once."""
    start, end = merged_window_utc(day, config.zones())
    raw = _dated(store, start, end)
    return [*raw, *revisions.orders_booked_on(store, day, {str(o["order_id"]) for o in raw})]


def _dated(store: StagingStore, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The orders closed or modified in [start, end) UTC or refunded around it, decoded once
    while the staged orders and refunds stand (module docstring)."""
    key = (start, end, store.staged_orders_version())  # before reading: see the docstring
    kept = _shared.get(store)
    if kept is not None and kept[0] == key:
        if kept[2] is not None:
            _verify(kept[1], kept[2])
        return list(kept[1])
    raw = store.orders_touching(start, end)
    seen = {str(order["order_id"]) for order in raw}
    refunded = store.refunded_order_ids(start - REFUND_MARGIN, end + REFUND_MARGIN)
    raw = [*raw, *store.orders_by_id([i for i in refunded if i not in seen])]
    texts = [dumps(order) for order in raw] if os.environ.get(VERIFY_ENV) else None
    _shared[store] = (key, raw, texts)
    return list(raw)


def _verify(orders: list[dict[str, Any]], texts: list[str]) -> None:
    for order, text in zip(orders, texts, strict=True):
        if dumps(order) != text:
            raise RuntimeError(
                f"staged order {order.get('order_id')} was changed by a reader of the day's "
                "orders; they are shared by the run's steps and must be read only"
            )
