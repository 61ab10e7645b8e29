"""iSeller's register shifts in staging (table ``iseller_register_shifts``): the newest answer
wins, raw JSON kept, each with the business date it is booked on (None until its outlet is
known)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from journal_pipeline.core.timestamps import as_utc
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore, dumps, loads
from journal_pipeline.storage.writing import writing

COLUMNS = ("outlet_code", "business_date", "open_at", "closed_at")


def upsert_register_shifts(
    store: StagingStore, rows: Iterable[Mapping[str, Any]], fetched_at: datetime | None = None
) -> dict[str, int]:
    """Insert new shifts and replace changed ones. Each row has the table's columns, ``raw`` as
    a mapping and the times as aware datetimes (or None)."""
    fetched_at = fetched_at or datetime.now(UTC)
    incoming = {str(row["register_shift_id"]): row for row in rows}
    counts = {"shifts_inserted": 0, "shifts_updated": 0, "shifts_unchanged": 0}
    t = tables.iseller_register_shifts
    with writing(store.engine) as conn:
        existing: dict[str, str] = {}
        ids = list(incoming)
        for start in range(0, len(ids), 500):
            query = sa.select(t.c.register_shift_id, t.c.raw).where(
                t.c.register_shift_id.in_(ids[start : start + 500])
            )
            existing.update({r.register_shift_id: r.raw for r in conn.execute(query)})
        for shift_id, row in incoming.items():
            raw = dumps(row["raw"])
            values = {
                "outlet_code": row.get("outlet_code"),
                "business_date": row.get("business_date"),
                "open_at": store.db_time(row.get("open_at")),
                "closed_at": store.db_time(row.get("closed_at")),
                "raw": raw,
                "fetched_at": store.db_time(fetched_at),
            }
            if shift_id not in existing:
                conn.execute(sa.insert(t).values(register_shift_id=shift_id, **values))
                counts["shifts_inserted"] += 1
            elif existing[shift_id] == raw:
                counts["shifts_unchanged"] += 1
            else:
                conn.execute(sa.update(t).where(t.c.register_shift_id == shift_id).values(**values))
                counts["shifts_updated"] += 1
    return counts


def register_shifts_of_day(store: StagingStore, day: date) -> list[dict[str, Any]]:
    """The staged shifts booked on ``day``, by opening: the table's columns (UTC times) with
    ``raw`` as parsed JSON."""
    t = tables.iseller_register_shifts
    query = (
        sa.select(t.c.register_shift_id, *(t.c[c] for c in COLUMNS), t.c.raw)
        .where(t.c.business_date == day)
        .order_by(t.c.open_at, t.c.register_shift_id)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        {
            **row,
            "open_at": as_utc(row["open_at"]),
            "closed_at": as_utc(row["closed_at"]),
            "raw": loads(row["raw"]),
        }
        for row in rows
    ]
