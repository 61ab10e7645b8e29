"""iSeller's stock documents in staging (table ``iseller_stock_documents``): newest version
wins, raw JSON kept, each with the business date it is booked on (None until it is final)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from journal_pipeline.core.stock import STOCK_ENTRY
from journal_pipeline.core.timestamps import as_utc
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore, dumps, loads
from journal_pipeline.storage.writing import writing

COLUMNS = ("document_id", "kind", "number", "status", "outlet_code", "business_date")


def upsert_stock_documents(
    store: StagingStore, rows: Iterable[Mapping[str, Any]], fetched_at: datetime | None = None
) -> dict[str, int]:
    """Insert new documents and replace changed ones; an older version (earlier
    ``modified_at``) never replaces a newer one. Each row has the table's columns, ``raw``
    as a mapping and ``modified_at`` as an aware datetime (or None)."""
    fetched_at = fetched_at or datetime.now(UTC)
    incoming = {str(row["document_id"]): row for row in rows}
    counts = {"stock_documents_inserted": 0, "stock_documents_updated": 0, "unchanged": 0}
    if not incoming:
        return counts
    t = tables.iseller_stock_documents
    with writing(store.engine) as conn:
        existing = {}
        ids = list(incoming)
        for start in range(0, len(ids), 500):
            query = sa.select(t.c.document_id, t.c.modified_at, t.c.raw).where(
                t.c.document_id.in_(ids[start : start + 500])
            )
            existing.update({r.document_id: r for r in conn.execute(query)})
        for document_id, row in incoming.items():
            raw = dumps(row["raw"])
            modified_at = row.get("modified_at")
            values = {
                **{c: row.get(c) for c in COLUMNS if c != "document_id"},
                "modified_at": store.db_time(modified_at),
                "raw": raw,
                "fetched_at": store.db_time(fetched_at),
            }
            old = existing.get(document_id)
            if old is None:
                conn.execute(sa.insert(t).values(document_id=document_id, **values))
                counts["stock_documents_inserted"] += 1
            elif old.raw == raw or _older(modified_at, as_utc(old.modified_at)):
                counts["unchanged"] += 1
            else:
                conn.execute(sa.update(t).where(t.c.document_id == document_id).values(**values))
                counts["stock_documents_updated"] += 1
    counts["stock_documents_unchanged"] = counts.pop("unchanged")
    return counts


def stock_documents_of_day(store: StagingStore, day: date) -> list[dict[str, Any]]:
    """The staged documents booked on ``day``, transfers first, by number: the table's
    columns with ``raw`` as parsed JSON."""
    return _read(store, tables.iseller_stock_documents.c.business_date == day)


def stock_documents_by_id(store: StagingStore, document_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The staged documents with these ids (any day, final or not)."""
    ids = sorted(set(document_ids))
    found: list[dict[str, Any]] = []
    for start in range(0, len(ids), 500):
        found += _read(
            store, tables.iseller_stock_documents.c.document_id.in_(ids[start : start + 500])
        )
    return found


def stock_documents_modified_between(
    store: StagingStore, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """The staged documents iSeller last modified in [start, end) UTC, as `stock_documents_of_day`
    gives them."""
    t = tables.iseller_stock_documents
    return _read(
        store,
        sa.and_(t.c.modified_at >= store.db_time(start), t.c.modified_at < store.db_time(end)),
    )


def _read(store: StagingStore, where: Any) -> list[dict[str, Any]]:
    t = tables.iseller_stock_documents
    query = (
        sa.select(t.c.document_id, t.c.kind, t.c.number, t.c.status, t.c.outlet_code)
        .add_columns(t.c.business_date, t.c.modified_at, t.c.raw)
        .where(where)
        .order_by(t.c.kind.desc(), t.c.number, t.c.document_id)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        {**row, "modified_at": as_utc(row["modified_at"]), "raw": loads(row["raw"])} for row in rows
    ]


def _older(new: datetime | None, old: datetime | None) -> bool:
    return new is not None and old is not None and new < old


def stock_lines_of_sources(store: StagingStore, source_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The canonical journal's stock entry lines (``stock:…``) of these sources, as recorded."""
    t = tables.journal_lines
    ids = sorted(set(source_ids))
    names = [c.name for c in t.columns if c.name not in ("id", "built_for")]
    found: list[dict[str, Any]] = []
    with store.engine.connect() as conn:
        for start in range(0, len(ids), 500):
            query = (
                sa.select(*(t.c[n] for n in names))
                .where(t.c.source_id.in_(ids[start : start + 500]))
                .where(t.c.entry_id.like(f"{STOCK_ENTRY}%"))
                .order_by(t.c.entry_id, t.c.line_no)
            )
            found += [dict(row) for row in conn.execute(query).mappings()]
    return found
