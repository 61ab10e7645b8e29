"""Reads of the outbox log for the failed-records sensor: new rows after a cursor, and each
record's last significant row before it (so a problem logged again is not reported again)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from typing import Any

import sqlalchemy as sa

from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.failed_records import SIGNIFICANT_EVENTS, LogEntry

PAGE = 500  # log rows read per look; the cursor moves on by at most this many


def _columns() -> list[Any]:
    log, box = tables.outbox_log, tables.outbox
    return [
        log.c.id,
        log.c.doc_key,
        log.c.event,
        log.c.message,
        log.c.run_id,
        log.c.at,
        box.c.doc_type,
        box.c.business_date,
        box.c.source_reference,
        box.c.outlet_code,
    ]


def _joined() -> sa.Select[Any]:
    log, box = tables.outbox_log, tables.outbox
    return sa.select(*_columns()).join_from(log, box, log.c.doc_key == box.c.doc_key)


def _entry(row: Any) -> LogEntry:
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)  # SQLite drops the zone
    return LogEntry(
        id=row.id,
        doc_key=row.doc_key,
        event=row.event,
        message=row.message,
        run_id=row.run_id,
        at=at,
        doc_type=row.doc_type,
        business_date=row.business_date,
        source_reference=row.source_reference,
        outlet_code=row.outlet_code,
    )


def log_after(store: StagingStore, after_id: int, limit: int = PAGE) -> list[LogEntry]:
    """Significant log rows with an id above ``after_id``, oldest first."""
    log = tables.outbox_log
    query = (
        _joined()
        .where(log.c.id > after_id, log.c.event.in_(SIGNIFICANT_EVENTS))
        .order_by(log.c.id)
        .limit(limit)
    )
    with store.engine.connect() as conn:
        return [_entry(row) for row in conn.execute(query)]


def last_log_id(store: StagingStore) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.max(tables.outbox_log.c.id))).scalar() or 0


def last_significant(
    store: StagingStore, doc_keys: Iterable[str], up_to_id: int
) -> dict[str, LogEntry]:
    """Each record's last significant log row with an id at or below ``up_to_id``."""
    log = tables.outbox_log
    keys = sorted(set(doc_keys))
    found: dict[str, LogEntry] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(keys), 500):
            latest = (
                sa.select(sa.func.max(log.c.id))
                .where(
                    log.c.doc_key.in_(keys[start : start + 500]),
                    log.c.id <= up_to_id,
                    log.c.event.in_(SIGNIFICANT_EVENTS),
                )
                .group_by(log.c.doc_key)
            )
            for row in conn.execute(_joined().where(log.c.id.in_(latest))):
                found[row.doc_key] = _entry(row)
    return found
