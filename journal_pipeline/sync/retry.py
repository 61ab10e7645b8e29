"""Failed records tried again: `journal-pipeline retry-failed` resets them to pending, then runs
their days. Held records are left alone: their cause needs a fix first (their reason says which).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

import sqlalchemy as sa

from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.storage.writing import writing

RETRY_EVENT = "retry_requested"


def failed_days(store: StagingStore) -> list[date]:
    """Business dates with at least one failed record, oldest first."""
    t = tables.outbox
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.c.business_date)
            .where(t.c.status == "failed")
            .distinct()
            .order_by(t.c.business_date)
        )
        return [row.business_date for row in rows]


def reset_failed(store: StagingStore, days: Iterable[date]) -> dict[date, int]:
    """Turn the failed records of ``days`` back into pending ones (logged, with the refusal they
    had), so the next run of each day posts them again. Returns how many per day."""
    t = tables.outbox
    now = datetime.now(UTC)
    reset: dict[date, int] = {}
    with writing(store.engine) as conn:
        for day in days:
            rows = conn.execute(
                sa.select(t.c.doc_key, t.c.reason).where(
                    t.c.business_date == day, t.c.status == "failed"
                )
            ).all()
            for row in rows:
                conn.execute(
                    sa.update(t)
                    .where(t.c.doc_key == row.doc_key, t.c.status == "failed")
                    .values(status="pending", reason=None, updated_at=now)
                )
                conn.execute(
                    sa.insert(tables.outbox_log).values(
                        doc_key=row.doc_key,
                        at=now,
                        event=RETRY_EVENT,
                        message=f"failed before: {row.reason or 'no reason recorded'}",
                    )
                )
            reset[day] = len(rows)
    return reset


def held_counts(store: StagingStore, days: Iterable[date]) -> dict[date, dict[str, int]]:
    """Per day, the held records' reasons (as written) with how many share each."""
    t = tables.outbox
    held: dict[date, dict[str, int]] = {}
    with store.engine.connect() as conn:
        for day in days:
            rows = conn.execute(
                sa.select(t.c.reason, sa.func.count())
                .where(t.c.business_date == day, t.c.status == "held")
                .group_by(t.c.reason)
            ).all()
            held[day] = {str(reason or "no reason recorded"): int(n) for reason, n in rows}
    return held
