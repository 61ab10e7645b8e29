"""The staged orders a business day's sales, payments, refunds and voids are in, as every
build of the day finds them: the journal (`sync.day`), its payment fees and its
reconciliation read the same orders, so that a payment one of them books the others see."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from journal_pipeline.accounting.business_day import merged_window_utc
from journal_pipeline.config import MerchantConfig
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import revisions

#: How far around the day a refund of an order changed again later is looked for.
REFUND_MARGIN = timedelta(days=1)


def orders_of_day(store: StagingStore, config: MerchantConfig, day: date) -> list[dict[str, Any]]:
    """The staged orders closed or last modified during ``day`` (its window over every
    outlet's zone), refunded around it (an order changed again later is no longer found by its
    dates, but by its refund), or whose invoice or revision is booked on it, each once."""
    start, end = merged_window_utc(day, config.zones())
    raw = store.orders_touching(start, end)
    seen = {str(order["order_id"]) for order in raw}
    refunded = store.refunded_order_ids(start - REFUND_MARGIN, end + REFUND_MARGIN)
    raw = [*raw, *store.orders_by_id([i for i in refunded if i not in seen])]
    return [*raw, *revisions.orders_booked_on(store, day, {str(o["order_id"]) for o in raw})]
