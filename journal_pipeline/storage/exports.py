"""Where the CSV files made for the finance team go: a folder named by an environment
variable, else ``exports/<name>`` beside the staging database (a SQLite file), else under
``$DAGSTER_HOME`` (or ``./.staging``)."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from journal_pipeline.storage.store import StagingStore


def export_folder(
    store: StagingStore, variable: str, name: str, env: Mapping[str, str] | None = None
) -> Path:
    """The export folder of one kind of file (``name``), ``$variable`` when it is set."""
    variables: Mapping[str, str] = os.environ if env is None else env
    given = (variables.get(variable) or "").strip()
    if given:
        return Path(given)
    url = make_url(store.url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database)).resolve().parent / "exports" / name
    base = Path(variables.get("DAGSTER_HOME") or Path.cwd() / ".staging")
    return base / "exports" / name


def csv_cell(value: object) -> str:
    """A value as a spreadsheet cell: empty for None, whole numbers without a fraction."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "") else text
    return str(value)


def write_day_csv(
    path: Path, columns: Sequence[str], day: date, rows: Iterable[Mapping[str, Any]]
) -> Path:
    """One line per row of ``day`` (its ``business_date`` filled in) under a header of
    ``columns``; written to a temporary name first, then renamed, so a reader never sees half
    a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".csv.partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            values = {**row, "business_date": day.isoformat()}
            writer.writerow([csv_cell(values.get(c)) for c in columns])
    partial.replace(path)
    return path
