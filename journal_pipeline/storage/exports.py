"""Where the CSV files made for the finance team go: a folder named by an environment
variable, else ``exports/<name>`` beside the staging database (a SQLite file), else under
``$DAGSTER_HOME`` (or ``./.staging``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

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
