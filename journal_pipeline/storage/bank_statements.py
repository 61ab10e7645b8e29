"""Bank statement lines in staging (table ``bank_statement_lines``): staged once per key, read
per account and period for the reconciliation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, date, datetime

import sqlalchemy as sa

from journal_pipeline.core.statement_lines import StatementLine
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.storage.writing import writing

COLUMNS = (
    "line_key",
    "account",
    "line_date",
    "description",
    "reference",
    "amount",
    "direction",
    "balance",
    "source",
    "line_no",
)


def stage_statement_lines(store: StagingStore, lines: Iterable[StatementLine]) -> dict[str, int]:
    """Insert the lines whose key is not staged yet; ``{"staged": n, "already_staged": m}``."""
    t = tables.bank_statement_lines
    unique = {line.line_key: line for line in lines}
    now = datetime.now(UTC)
    if store.engine.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    with writing(store.engine) as conn:
        known: set[str] = set()
        keys = sorted(unique)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            known.update(
                conn.execute(sa.select(t.c.line_key).where(t.c.line_key.in_(chunk))).scalars()
            )
        new = [
            {**{c: asdict(line)[c] for c in COLUMNS}, "staged_at": now}
            for key, line in unique.items()
            if key not in known
        ]
        if new:
            conn.execute(sa.insert(t), new)
    return {"staged": len(new), "already_staged": len(unique) - len(new)}


def statement_lines(store: StagingStore, start: date, end: date) -> list[StatementLine]:
    """The staged lines dated ``start`` to ``end`` (inclusive), by date and file order."""
    t = tables.bank_statement_lines
    query = (
        sa.select(*[t.c[c] for c in COLUMNS])
        .where(t.c.line_date >= start, t.c.line_date <= end)
        .order_by(t.c.line_date, t.c.source, t.c.line_no, t.c.line_key)
    )
    with store.engine.connect() as conn:
        return [StatementLine(**dict(row)) for row in conn.execute(query).mappings()]
