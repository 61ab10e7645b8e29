"""The outbox's reads: where a day's documents stand, for checks, metadata and commands."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import Any, TypeAlias

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from journal_pipeline.accounting.documents import SALES_INVOICE, STOCK_DOCUMENTS
from journal_pipeline.accounting.stock_recounts import Posted
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import loads
from journal_pipeline.sync.summary_members import summary_status

Row: TypeAlias = sa.Row[*tuple[Any, ...]]  # a row of an outbox query, columns by name


class OutboxReads:
    """Read-only queries of the outbox (mixed into `sync.outbox.Outbox`)."""

    engine: Engine

    # -- reading -----------------------------------------------------------------------------
    def invoice_status(self, order_ids: Iterable[str]) -> dict[str, str]:
        """Order id → the outbox status of its sales invoice (orders without one are absent)."""
        t = tables.outbox
        ids = sorted(set(order_ids))
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                query = sa.select(t.c.source_id, t.c.status).where(
                    t.c.doc_type == SALES_INVOICE, t.c.source_id.in_(ids[start : start + 500])
                )
                found.update({row.source_id: row.status for row in conn.execute(query)})
        # an order carried by a daily summary: the summary invoice's status
        return {**summary_status(self.engine, set(ids) - set(found)), **found}

    def posted_invoices(self, order_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The posted sales invoices of these orders by number, their bodies as they were
        sent (what a later return is modelled on)."""
        t = tables.outbox
        ids = sorted(set(order_ids))
        found: dict[str, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                query = sa.select(t.c.transaction_no, t.c.payload).where(
                    t.c.doc_type == SALES_INVOICE,
                    t.c.source_id.in_(ids[start : start + 500]),
                    t.c.status == "posted",
                )
                for row in conn.execute(query):
                    if row.payload:
                        found[row.transaction_no] = loads(row.payload)[SALES_INVOICE]
        return found

    def document_row(self, doc_type: str, transaction_no: str) -> Row | None:
        """Status and Jurnal id of the document of this type and number, if queued."""
        t = tables.outbox
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(t.c.doc_key, t.c.status, t.c.jurnal_id).where(
                    t.c.doc_type == doc_type, t.c.transaction_no == transaction_no
                )
            ).first()

    def posted_stock_families(self, source_ids: Iterable[str]) -> dict[str, list[Posted]]:
        """Source id → its posted stock documents (its own, custom_id ``<id>``, and its
        corrections, ``<id>.<n>``), by custom_id; sources with none are absent."""
        t = tables.outbox
        wanted = set(source_ids)
        found: dict[str, list[Posted]] = {}
        if not wanted:
            return found
        ids = sorted(wanted)
        with self.engine.connect() as conn:
            rows = []
            for start in range(0, len(ids), 100):
                chunk = ids[start : start + 100]
                named = sa.or_(
                    t.c.custom_id.in_(chunk), *(t.c.custom_id.like(f"{i}.%") for i in chunk)
                )
                query = sa.select(
                    t.c.doc_key, t.c.doc_type, t.c.custom_id, t.c.payload, t.c.business_date
                ).where(t.c.doc_type.in_(STOCK_DOCUMENTS), t.c.status == "posted", named)
                rows += list(conn.execute(query))
            for row in rows:
                source = str(row.custom_id or "")
                head, _, tail = source.rpartition(".")
                owner = source if source in wanted else head if tail.isdigit() else ""
                if owner in wanted and row.payload:
                    body = next(iter(loads(row.payload).values()))
                    posted = Posted(row.doc_key, row.doc_type, body, row.business_date)
                    found.setdefault(owner, []).append(posted)
        return {k: sorted(v, key=lambda p: str(p.body.get("custom_id"))) for k, v in found.items()}

    def documents(self, day: date, doc_types: Collection[str] | None = None) -> pd.DataFrame:
        """The day's documents (only those of ``doc_types`` when given), one row each, by
        key."""
        t = tables.outbox
        cols = [
            t.c.doc_key,
            t.c.doc_type,
            t.c.outlet_code,
            t.c.source_id,
            t.c.source_reference,
            t.c.transaction_no,
            t.c.status,
            t.c.reason,
            t.c.expected_total,
            t.c.posted_total,
            t.c.posted_tax_cents,
            t.c.jurnal_id,
            t.c.attempts,
            t.c.changed_after_posting,
        ]
        query = sa.select(*cols).where(t.c.business_date == day).order_by(t.c.doc_key)
        if doc_types is not None:
            query = query.where(t.c.doc_type.in_(sorted(doc_types)))
        with self.engine.connect() as conn:
            rows = [tuple(row) for row in conn.execute(query)]
        # from tuples: a frame built from row mappings reads every value by name (10x slower)
        return pd.DataFrame.from_records(rows, columns=[c.name for c in cols])

    def status_counts(self, day: date) -> dict[str, int]:
        frame = self.documents(day)
        return {str(k): int(v) for k, v in frame["status"].value_counts().items()}
