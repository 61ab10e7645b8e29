"""Where the stock build finds the free goods of a day (`accounting.free_goods`): the sales
whose free-goods adjustments are in Jurnal, and the orders among them iSeller changed during
the day, whose difference is booked on it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from journal_pipeline.accounting import free_goods
from journal_pipeline.accounting.business_day import merged_window_utc
from journal_pipeline.accounting.documents import STOCK_ADJUSTMENT
from journal_pipeline.config import MerchantConfig
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore, loads

PREFIX = f"{free_goods.SOURCE}:"  # the outbox source id of a sale's adjustment: PREFIX + order id
_CHUNK = 500


def posted_sales(engine: Engine, order_ids: Iterable[str]) -> dict[str, free_goods.PostedSale]:
    """Order id → its sale's free-goods adjustments in Jurnal (the first, ``<order id>``, and
    each change, ``<order id>/G<n>``), for those of ``order_ids`` that have any."""
    asked = set(order_ids)
    wanted = sorted(asked)
    o = tables.outbox
    posted = sa.and_(o.c.doc_type == STOCK_ADJUSTMENT, o.c.status == "posted")
    rows: list[Any] = []
    with engine.connect() as conn:
        for start in range(0, len(wanted), _CHUNK):
            firsts = [PREFIX + order_id for order_id in wanted[start : start + _CHUNK]]
            query = sa.select(o.c.source_id, o.c.payload).where(posted, o.c.source_id.in_(firsts))
            rows += conn.execute(query).all()
        if rows:  # changes are few: every posted one, kept for the orders asked
            changes = sa.select(o.c.source_id, o.c.payload).where(
                posted, o.c.source_id.like(f"{PREFIX}%/G%")
            )
            rows += conn.execute(changes).all()
    found = free_goods.posted_sales(
        (str(row.source_id), loads(row.payload)) for row in rows if row.payload is not None
    )
    return {order_id: sale for order_id, sale in found.items() if order_id in asked}


def changed_on(store: StagingStore, config: MerchantConfig, day: date) -> list[dict[str, Any]]:
    """The staged orders last changed during ``day`` (in every outlet's zone) whose sale's
    free-goods adjustment is in Jurnal, raw."""
    start, end = merged_window_utc(day, config.zones())
    return store.modified_orders_with_posted(PREFIX, start, end)
