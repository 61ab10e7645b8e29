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

import sqlalchemy as sa

from journal_pipeline.accounting.business_day import merged_window_utc
from journal_pipeline.config import MerchantConfig
from journal_pipeline.storage import tables
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


def orders_around(
    store: StagingStore, config: MerchantConfig, day: date, margin: timedelta
) -> list[dict[str, Any]]:
    """`StagingStore.orders_touching` over the day's window widened by ``margin`` on each
    side, in its order: the orders of the window itself are those the day's other readers
    share (`_dated`); only the others are read and decoded."""
    start, end = merged_window_utc(day, config.zones())
    version = store.staged_orders_version()
    wanted = _ids_touching(store, start - margin, end + margin)
    shared = {str(order["order_id"]): order for order in _dated(store, start, end)}
    if store.staged_orders_version() != version:  # written meanwhile: one read of them all
        return store.orders_touching(start - margin, end + margin)
    read = {
        str(order["order_id"]): order
        for order in store.orders_by_id([i for i in wanted if i not in shared])
    }
    return [shared[i] if i in shared else read[i] for i in wanted if i in shared or i in read]


def _ids_touching(store: StagingStore, start: datetime, end: datetime) -> list[str]:
    """The ids `StagingStore.orders_touching` finds, in its order: closed in [start, end) by
    closing time, then the others modified in it by modification time."""
    t = tables.iseller_orders
    ids: list[str] = []
    with store.engine.connect() as conn:
        for column in (t.c.closed_at, t.c.modified_at):
            query = (
                sa.select(t.c.order_id)
                .where(column >= store.db_time(start), column < store.db_time(end))
                .order_by(column, t.c.order_id)
            )
            ids.extend(conn.execute(query).scalars())
    return list(dict.fromkeys(ids))


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
