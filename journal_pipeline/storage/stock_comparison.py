"""The stock comparison of a business day: staged (table ``stock_comparison``, replaced as a
whole) and exported as a CSV file per day for the finance team.

The export folder is ``$STOCK_EXPORT_DIR``, else ``exports/stock_comparison`` beside the
staging database (a SQLite file), else under ``$DAGSTER_HOME`` (or ``./.staging``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from journal_pipeline.environment import STOCK_EXPORT_DIR_ENV
from journal_pipeline.storage import tables
from journal_pipeline.storage.exports import export_folder, write_day_csv
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.storage.writing import writing

CSV_COLUMNS = (
    "business_date",
    "warehouse",
    "outlet_code",
    "sku",
    "product_name",
    "iseller_quantity",
    "in_transit",
    "jurnal_quantity",
    "difference",
    "status",
)


def replace_comparison(
    store: StagingStore, day: date, rows: Iterable[Mapping[str, Any]], compared_at: datetime
) -> int:
    """Replace the day's rows (``warehouse``, ``sku``, ``outlet_code``, ``product_name``,
    ``iseller_quantity``, ``in_transit``, ``jurnal_quantity``, ``difference``) in one
    transaction."""
    t = tables.stock_comparison
    moment = compared_at.astimezone(UTC)
    if store.engine.dialect.name == "sqlite":
        moment = moment.replace(tzinfo=None)
    records = [
        {
            "business_date": day,
            "compared_at": moment,
            **{
                c: row.get(c)
                for c in [column.name for column in t.columns]
                if c not in ("business_date", "compared_at")
            },
        }
        for row in rows
    ]
    with writing(store.engine) as conn:
        conn.execute(sa.delete(t).where(t.c.business_date == day))
        if records:
            conn.execute(sa.insert(t), records)
    return len(records)


def read_comparison(store: StagingStore, day: date) -> list[dict[str, Any]]:
    """The day's staged rows, by warehouse and SKU."""
    t = tables.stock_comparison
    query = sa.select(t).where(t.c.business_date == day).order_by(t.c.warehouse, t.c.sku)
    with store.engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def export_dir(store: StagingStore, env: Mapping[str, str] | None = None) -> Path:
    """Where the day files go (see the module's note)."""
    return export_folder(store, STOCK_EXPORT_DIR_ENV, "stock_comparison", env)


def write_csv(folder: Path, day: date, rows: Iterable[Mapping[str, Any]]) -> Path:
    """``stock_comparison_<day>.csv`` in ``folder`` (created), one line per row; empty cells
    where a side does not know the SKU. Written to a temporary name first, then renamed, so a
    reader never sees half a file."""
    path = folder / f"stock_comparison_{day.isoformat()}.csv"
    return write_day_csv(path, CSV_COLUMNS, day, rows)


def days_with_journal(store: StagingStore, first: date, last: date, mark: str) -> set[date]:
    """The days from ``first`` to ``last`` whose journal was built: a canonical journal line
    belongs to them (dated or built for them), or a build of them kept its ``mark``."""
    lines, marks = tables.journal_lines, tables.sync_marks
    dated = sa.select(lines.c.business_date).where(lines.c.business_date.between(first, last))
    built = sa.select(lines.c.built_for).where(lines.c.built_for.between(first, last))
    kept = sa.select(marks.c.scope).where(
        marks.c.name == mark, marks.c.scope.between(first.isoformat(), last.isoformat())
    )
    with store.engine.connect() as conn:
        days = set(conn.execute(dated.union(built)).scalars())
        scopes = set(conn.execute(kept).scalars())
    days |= {date.fromisoformat(scope) for scope in scopes if len(scope) == 10}
    return {day if isinstance(day, date) else date.fromisoformat(str(day)) for day in days}
