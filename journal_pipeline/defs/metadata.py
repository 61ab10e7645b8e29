"""Tables for the asset metadata the UI shows: what was held or is still open, and why."""

from __future__ import annotations

import pandas as pd

from journal_pipeline.accounting.holds import Hold
from journal_pipeline.sync.outbox import OPEN_STATES

SHOWN = 50  # rows a metadata table shows; the rest are counted


def held_reasons(holds: list[Hold]) -> str:
    if not holds:
        return "Nothing held."
    rows = "\n".join(f"| {h.source_reference} | {h.reason} |" for h in holds[:SHOWN])
    more = f"\n\n…and {len(holds) - SHOWN} more" if len(holds) > SHOWN else ""
    return f"| order | reason |\n|---|---|\n{rows}{more}"


def open_records(documents: pd.DataFrame) -> str:
    open_docs = documents[documents["status"].isin(OPEN_STATES)]
    if open_docs.empty:
        return "Every document of the day is posted or withdrawn."
    rows = "\n".join(
        f"| {r.source_reference} | {r.status} | {_text(r.reason)} |"
        for r in open_docs.head(SHOWN).itertuples()
    )
    more = f"\n\n…and {len(open_docs) - SHOWN} more" if len(open_docs) > SHOWN else ""
    return f"| order | status | reason |\n|---|---|---|\n{rows}{more}"


def _text(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value)
