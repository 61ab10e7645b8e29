"""Records done by hand in Jurnal: `journal-pipeline resolve` closes a held or failed record
the pipeline cannot post itself (a locked day, a correction of a summarised order, a refund of
a sale booked by hand, …) once someone has booked it by hand, with a note saying how.

A record done by hand is never posted by the pipeline, whatever later builds make of it: it
stands like a posted one (the checks pass, the failed-records sensor is silent), and its log
keeps the note; a change of its source afterwards is held for a person
(`outbox_building.BY_HAND_CHANGE`). ``--undo`` opens it again: the next run of its day builds
it afresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from journal_pipeline.accounting.holds import BY_HAND
from journal_pipeline.storage import tables
from journal_pipeline.storage.writing import writing

__all__ = ["BY_HAND", "RESOLVABLE", "resolve", "undo"]
RESOLVABLE = ("held", "failed")  # what the pipeline cannot post without a person
RESOLVED_EVENT = "resolved_by_hand"
UNDONE_EVENT = "by_hand_undone"
UNDONE_REASON = "done by hand, undone: the next run of the day builds it again"


@dataclass(frozen=True)
class Resolution:
    """What became of one record asked for: ``done`` False says why nothing changed."""

    doc_key: str
    done: bool
    message: str


def resolve(engine: Engine, keys: Iterable[str], note: str, by: str) -> list[Resolution]:
    """Mark each held or failed record of ``keys`` as done by hand, logging ``note``."""
    note = note.strip()
    if not note:
        raise ValueError("say what was done by hand (the Jurnal document's number, …)")
    return _change(engine, keys, RESOLVABLE, BY_HAND, RESOLVED_EVENT, f"{note} ({by})")


def undo(engine: Engine, keys: Iterable[str], by: str) -> list[Resolution]:
    """Open records done by hand again (held until the next run of their day builds them)."""
    return _change(engine, keys, (BY_HAND,), "held", UNDONE_EVENT, f"undone ({by})")


def _change(
    engine: Engine,
    keys: Iterable[str],
    allowed: tuple[str, ...],
    status: str,
    event: str,
    message: str,
) -> list[Resolution]:
    t = tables.outbox
    now = datetime.now(UTC)
    results = []
    with writing(engine) as conn:
        for key in dict.fromkeys(keys):
            row = conn.execute(
                sa.select(t.c.status, t.c.reason, t.c.business_date).where(t.c.doc_key == key)
            ).first()
            if row is None:
                results.append(Resolution(key, False, "no such record in the outbox"))
                continue
            if row.status not in allowed:
                results.append(Resolution(key, False, _refusal(row.status, status)))
                continue
            reason = row.reason if status == BY_HAND else UNDONE_REASON
            conn.execute(
                sa.update(t)
                .where(t.c.doc_key == key)
                .values(status=status, reason=reason, updated_at=now)
            )
            conn.execute(
                sa.insert(tables.outbox_log).values(
                    doc_key=key, at=now, event=event, message=f"was {row.status}: {message}"
                )
            )
            results.append(
                Resolution(key, True, f"{row.business_date} {key}: {row.status} → {status}")
            )
    return results


def _refusal(current: str, wanted: str) -> str:
    if wanted != BY_HAND:
        return f"is {current}, not done by hand: nothing to undo"
    if current == BY_HAND:
        return "is done by hand already"
    if current == "posted":
        return "is posted by the pipeline: nothing to do by hand (a correction is a new document)"
    if current == "pending":
        return "is pending: the next run posts it (only held or failed records are done by hand)"
    return f"is {current}: nothing to do by hand"
