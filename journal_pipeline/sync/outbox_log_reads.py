"""Reads of the outbox log for the failed-records sensor: new rows after a cursor, each
record's last significant row before it (so a problem logged again is not reported again),
and the days whose held payments wait for an invoice that was just posted."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

import sqlalchemy as sa

from journal_pipeline.accounting.documents import SALES_INVOICE
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.failed_records import RECOVERY_EVENTS, SIGNIFICANT_EVENTS, LogEntry
from journal_pipeline.sync.waiting_payments import payments_waiting_for

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


@dataclass(frozen=True)
class PaymentDay:
    """A day to run again: its held payments' invoices were posted. ``posting_id`` is the
    log row of the first of those postings (one run per invoice posting)."""

    day: date
    posting_id: int
    invoices: tuple[str, ...]
    payments: tuple[str, ...]


def payment_days(store: StagingStore, entries: Sequence[LogEntry]) -> list[PaymentDay]:
    """The days of held payments that wait for an invoice whose posting is in ``entries``."""
    postings: dict[str, int] = {}
    for entry in entries:
        if entry.doc_type == SALES_INVOICE and entry.event in RECOVERY_EVENTS:
            postings.setdefault(entry.doc_key, entry.id)
    if not postings:
        return []
    with store.engine.connect() as conn:
        waiting = payments_waiting_for(conn, postings)
    days: dict[date, list[Any]] = {}
    for payment in waiting:
        days.setdefault(payment.business_date, []).append(payment)
    return [
        PaymentDay(
            day,
            min(postings[p.invoice_key] for p in group),
            tuple(sorted({p.invoice_no for p in group})),
            tuple(p.doc_key for p in group),
        )
        for day, group in sorted(days.items())
    ]
