"""The canonical journal's rows as the staging table holds them, and what a rebuild changes.

A day is rebuilt whenever anything it is built from changed, and most of its lines come out
as they are stored: `changes` names the rows to delete and the lines to insert, so that only
those are written.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa

from journal_pipeline.storage import tables

CHUNK = 500  # ids per DELETE … IN


def as_rows(lines: pd.DataFrame, names: list[str], day: date) -> list[tuple[Any, ...]]:
    """The journal lines as the table's rows (``names``, ``built_for`` = ``day``), each value
    as the table gives it back: Python numbers, dates, None for a missing value."""
    if lines.empty:
        return []
    frame = pd.DataFrame(index=lines.index)
    for name in names:
        default = tables.journal_lines.c[name].default  # what the insert gave a column left out
        missing = (
            default.arg if isinstance(default, sa.ColumnDefault) and default.is_scalar else None
        )
        column = lines[name] if name in lines else pd.Series(missing, index=lines.index)
        if name == "built_for":
            column = pd.Series([day] * len(lines), index=lines.index, dtype=object)
        elif pd.api.types.is_datetime64_any_dtype(column):
            column = column.dt.date
        column = column.astype(object)
        frame[name] = column.where(column.notna(), None)
    return list(frame.itertuples(index=False, name=None))


def changes(
    existing: list[tuple[Any, ...]], records: list[tuple[Any, ...]]
) -> tuple[list[int], list[tuple[Any, ...]]]:
    """(ids of the ``existing`` rows, ``(id, *values)``, no record equals; the records no row
    equals): equal lines, counted as many times as each occurs, stay as they are."""
    wanted = Counter(records)
    stale: list[int] = []
    for row in existing:
        values = row[1:]
        if wanted[values] > 0:
            wanted[values] -= 1
        else:
            stale.append(row[0])
    fresh = []
    for record in records:
        if wanted[record] > 0:  # one more of these than the table holds
            wanted[record] -= 1
            fresh.append(record)
    return stale, fresh
