"""Revisions of posted orders and rolled-back outlet-days, as the staging database keeps them.

A revision row is written once, in the same transaction as the audit entries that name it, so
a crash leaves either the whole decision or none of it (docs/posting-model.md, "Corrections
after posting").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from journal_pipeline.storage import tables
from journal_pipeline.storage.store import dumps, loads
from journal_pipeline.storage.writing import writing


@dataclass(frozen=True)
class RevisionRow:
    order_id: str
    revision: int
    business_date: date
    outlet_code: str | None
    order_reference: str | None
    raw: dict[str, Any] | None
    reversed_on: date | None
    reversal: dict[str, Any] | None
    reason: str | None


@dataclass
class RevisionChange:
    """One decision about an order: reverse its live revision on ``day`` (``reversal``),
    and/or book revision ``new_revision`` from ``new_raw`` on that day."""

    order_id: str
    order_reference: str
    outlet_code: str | None
    day: date
    reason: str
    command: str
    first: RevisionRow | None = None  # revision 0 to record first (the sale as posted)
    reversed_revision: int | None = None
    reversal: dict[str, Any] | None = None
    new_revision: int | None = None
    new_raw: dict[str, Any] | None = None
    log: list[tuple[str, str, str]] = field(default_factory=list)  # (doc_key, event, message)


def _row(record: Any) -> RevisionRow:
    return RevisionRow(
        order_id=record.order_id,
        revision=int(record.revision),
        business_date=record.business_date,
        outlet_code=record.outlet_code,
        order_reference=record.order_reference,
        raw=None if record.raw is None else loads(record.raw),
        reversed_on=record.reversed_on,
        reversal=None if record.reversal is None else loads(record.reversal),
        reason=record.reason,
    )


class RevisionStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    # -- reading -------------------------------------------------------------------------------
    def of_orders(self, order_ids: Iterable[str]) -> dict[str, list[RevisionRow]]:
        """Order id → its revisions, oldest first (orders without any are absent)."""
        t = tables.order_revisions
        ids = sorted(set(order_ids))
        found: dict[str, list[RevisionRow]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                query = (
                    sa.select(t)
                    .where(t.c.order_id.in_(ids[start : start + 500]))
                    .order_by(t.c.order_id, t.c.revision)
                )
                for record in conn.execute(query):
                    found.setdefault(record.order_id, []).append(_row(record))
        return found

    def touching(self, day: date) -> list[RevisionRow]:
        """Revisions booked on ``day`` or reversed on it."""
        t = tables.order_revisions
        query = (
            sa.select(t)
            .where(sa.or_(t.c.business_date == day, t.c.reversed_on == day))
            .order_by(t.c.order_id, t.c.revision)
        )
        with self.engine.connect() as conn:
            return [_row(record) for record in conn.execute(query)]

    def posted_raw(self, order_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Order id → the order as its first invoice was posted, for orders changed since."""
        t = tables.iseller_orders
        ids = sorted(set(order_ids))
        found: dict[str, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                query = sa.select(t.c.order_id, t.c.posted_raw).where(
                    t.c.order_id.in_(ids[start : start + 500]), t.c.posted_raw.is_not(None)
                )
                found.update({r.order_id: loads(r.posted_raw) for r in conn.execute(query)})
        return found

    def order_journal(self, order_reference: str) -> list[dict[str, Any]]:
        """Every canonical journal line booked for the order, on any day."""
        t = tables.journal_lines
        query = (
            sa.select(t)
            .where(t.c.source_reference == order_reference)
            .order_by(t.c.business_date, t.c.entry_id, t.c.line_no)
        )
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def order_documents(self, order_reference: str) -> list[dict[str, Any]]:
        """Every outbox document of the order (its payload as JSON values)."""
        t = tables.outbox
        query = (
            sa.select(
                t.c.doc_key,
                t.c.doc_type,
                t.c.business_date,
                t.c.outlet_code,
                t.c.source_id,
                t.c.transaction_no,
                t.c.status,
                t.c.payload,
            )
            .where(t.c.source_reference == order_reference)
            .order_by(t.c.business_date, t.c.doc_key)
        )
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        for row in rows:
            row["payload"] = None if row["payload"] is None else loads(row["payload"])
        return rows

    def marks(self, day: date) -> dict[str, dict[str, Any]]:
        """Outlet code → its mark on ``day`` (state, command, at)."""
        t = tables.outlet_day_marks
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t).where(t.c.business_date == day)).mappings()
            return {r["outlet_code"]: dict(r) for r in rows}

    # -- writing -------------------------------------------------------------------------------
    def record(
        self,
        changes: Sequence[RevisionChange],
        *,
        mark: tuple[date, str, str, str] | None = None,
        log: Sequence[tuple[str, str, str]] = (),
        run_id: str | None = None,
    ) -> None:
        """Write the decisions, the outlet-day's mark (day, outlet, state, command) and the
        audit entries in one transaction."""
        t = tables.order_revisions
        now = datetime.now(UTC)
        with writing(self.engine) as conn:
            for change in changes:
                common = {
                    "outlet_code": change.outlet_code,
                    "order_reference": change.order_reference,
                    "command": change.command,
                    "updated_at": now,
                }
                if change.first is not None:
                    first = change.first
                    conn.execute(
                        sa.insert(t).values(
                            order_id=first.order_id,
                            revision=first.revision,
                            business_date=first.business_date,
                            raw=None if first.raw is None else dumps(first.raw),
                            reason=first.reason,
                            created_at=now,
                            **common,
                        )
                    )
                if change.reversed_revision is not None:
                    conn.execute(
                        sa.update(t)
                        .where(
                            t.c.order_id == change.order_id,
                            t.c.revision == change.reversed_revision,
                            t.c.reversed_on.is_(None),
                        )
                        .values(
                            reversed_on=change.day,
                            reversal=dumps(change.reversal),
                            updated_at=now,
                        )
                    )
                if change.new_revision is not None:
                    conn.execute(
                        sa.insert(t).values(
                            order_id=change.order_id,
                            revision=change.new_revision,
                            business_date=change.day,
                            raw=None if change.new_raw is None else dumps(change.new_raw),
                            reason=change.reason,
                            created_at=now,
                            **common,
                        )
                    )
                for key, event, message in change.log:
                    _log(conn, key, event, message, now, run_id)
            if mark is not None:
                day, outlet, state, command = mark
                m = tables.outlet_day_marks
                conn.execute(
                    sa.delete(m).where(m.c.business_date == day, m.c.outlet_code == outlet)
                )
                conn.execute(
                    sa.insert(m).values(
                        business_date=day, outlet_code=outlet, state=state, command=command, at=now
                    )
                )
            for key, event, message in log:
                _log(conn, key, event, message, now, run_id)


def _log(
    conn: sa.Connection, key: str, event: str, message: str, now: datetime, run_id: str | None
) -> None:
    conn.execute(
        sa.insert(tables.outbox_log).values(
            doc_key=key, at=now, event=event, message=message, run_id=run_id
        )
    )
