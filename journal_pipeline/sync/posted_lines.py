"""What a build of its own (payment fees, cash counts) has in Jurnal already: the source ids of a
day's posted documents of one type, and their canonical lines as recorded when they were
posted. A posted document is never edited, so its lines stay what Jurnal holds; a change of
its source after posting is a further document of the difference."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import sqlalchemy as sa

from journal_pipeline.accounting.posting_rules import JOURNAL_COLUMNS
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore

CHUNK = 500  # entry ids per query


def posted_lines(
    store: StagingStore, day: date, doc_type: str, entry_of: Callable[[str], str]
) -> tuple[set[str], list[dict[str, Any]]]:
    """The source ids of ``day``'s posted documents of ``doc_type``, and the canonical lines
    of their entries (``entry_of``: a document's source id → its entry id) as recorded."""
    o, j = tables.outbox, tables.journal_lines
    with store.engine.connect() as conn:
        posted = set(
            conn.execute(
                sa.select(o.c.source_id).where(
                    o.c.business_date == day, o.c.doc_type == doc_type, o.c.status == "posted"
                )
            ).scalars()
        )
        if not posted:
            return posted, []
        columns = [j.c[name] for name in JOURNAL_COLUMNS]
        wanted = sorted(entry_of(source) for source in posted)
        recorded = [
            dict(row)
            for start in range(0, len(wanted), CHUNK)
            for row in conn.execute(
                sa.select(*columns)
                .where(j.c.built_for == day, j.c.entry_id.in_(wanted[start : start + CHUNK]))
                .order_by(j.c.entry_id, j.c.line_no)
            ).mappings()
        ]
    return posted, recorded
