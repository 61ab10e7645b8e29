"""Asset metadata the UI shows: rupiah as people read them, and tables of what was held or is
still open, and why.

Conventions, the same on every asset and check:
- a rupiah amount is two keys: ``<key>`` the exact integer (for charts and comparisons) and
  ``<key>_text`` beside it as people read it, ``Rp 1.234.567`` (``-Rp 1.234`` when negative);
  `rupiah` writes both;
- a key an asset reports on a busy day is there on a quiet day too, with 0 (or an empty
  table), so the UI's charts have no gaps;
- text that comes from the source (order numbers, product and customer names, notes, reasons
  quoting them) is shown, never interpreted: every cell and list item of a markdown value
  goes through `escape_markdown`, so a note such as ``**bold**``, ``[link](http://x)``,
  ``| a | b |`` or ``<script>`` reads literally.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd

from journal_pipeline.accounting.completeness import Finding
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.core.money import format_idr
from journal_pipeline.sync.outbox import STATES
from journal_pipeline.sync.outbox_building import OPEN_STATES
from journal_pipeline.sync.summary_day import DaySummary

SHOWN = 50  # rows a metadata table shows; the rest are counted
TEXT = "_text"  # suffix of the key that holds a rupiah amount as text


def rupiah(key: str, amount: int) -> dict[str, Any]:
    """A rupiah amount as metadata: the integer under ``key``, its text under ``key_text``."""
    exact = int(amount)
    return {key: exact, key + TEXT: format_idr(exact)}


def rupiah_each(amounts: dict[str, int], key: str = "{}") -> dict[str, Any]:
    """`rupiah` for each (name, amount), under ``key.format(name)``."""
    found: dict[str, Any] = {}
    for name, amount in amounts.items():
        found.update(rupiah(key.format(name), amount))
    return found


# what `sync.outbox.Outbox.enqueue` can count for a document or hold it is given
QUEUE_OUTCOMES = (
    "enqueued",
    "pending",
    "held",
    "already_posted",
    "changed_after_posting",
    "withdrawn",
    "reversal_needed",
)


def queue_counts(queued: dict[str, int]) -> dict[str, int]:
    """A build's ``journal_lines_written`` and ``outbox_<outcome>`` counts (the ``record_*``
    functions of `journal_pipeline.sync`), every outcome present, 0 when nothing had it."""
    zeros = {"journal_lines_written": 0, **{f"outbox_{o}": 0 for o in QUEUE_OUTCOMES}}
    return {**zeros, **queued}


def status_counts(documents: pd.DataFrame) -> dict[str, int]:
    """``documents_<status>`` for every outbox status, 0 for a status no document is in."""
    counts = documents["status"].value_counts() if len(documents) else pd.Series(dtype=int)
    return {f"documents_{status}": int(counts.get(status, 0)) for status in STATES}


def held_reasons(holds: list[Hold]) -> str:
    """The held records and why; one with nothing to post (`Hold.nothing_to_post`) is not."""
    holds = [hold for hold in holds if not hold.nothing_to_post]
    if not holds:
        return "Nothing held."
    rows = "\n".join(f"| {_cell(h.source_reference)} | {_cell(h.reason)} |" for h in holds[:SHOWN])
    more = f"\n\n…and {len(holds) - SHOWN} more" if len(holds) > SHOWN else ""
    return f"| order | reason |\n|---|---|\n{rows}{more}"


def open_records(documents: pd.DataFrame) -> str:
    open_docs = documents[documents["status"].isin(OPEN_STATES)]
    if open_docs.empty:
        return "Every document of the day is posted or withdrawn."
    rows = "\n".join(
        f"| {_cell(r.source_reference)} | {_cell(r.status)} | {_cell(r.reason)} |"
        for r in open_docs.head(SHOWN).itertuples()
    )
    more = f"\n\n…and {len(open_docs) - SHOWN} more" if len(open_docs) > SHOWN else ""
    return f"| order | status | reason |\n|---|---|---|\n{rows}{more}"


def metadata_value(value: Any) -> Any:
    """A value for asset metadata: mappings and lists as JSON, anything else as it is."""
    if isinstance(value, dict | list | tuple):
        return dg.MetadataValue.json(value)
    return value


def findings_table(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """The findings as rows (for a metadata table or a log line)."""
    return [
        {
            "outlet": f.outlet_code,
            "endpoint": f.source,
            "result": f.status,
            "staged": f.staged_count,
            "reading": f.reading or f.reason or "",
            "differences": "; ".join(m.text() for m in f.disagreeing),
            "not_compared": ", ".join(f.not_compared),
        }
        for f in findings
    ]


def markdown_table(rows: list[dict]) -> str:
    """Rows of like dicts as a markdown table (the first `SHOWN`; the rest are counted)."""
    if not rows:
        return "Nothing to show."
    columns = list(rows[0])
    cells = ["| " + " | ".join(_cell(row[c]) for c in columns) + " |" for row in rows[:SHOWN]]
    more = f"\n\n…and {len(rows) - SHOWN} more" if len(rows) > SHOWN else ""
    head = "| " + " | ".join(_cell(c) for c in columns) + " |\n|" + "---|" * len(columns)
    return head + "\n" + "\n".join(cells) + more


def bullet_list(items: Iterable[object]) -> str:
    """Items as a markdown list, each item's text shown literally."""
    return "\n".join(f"- {_cell(item)}" for item in items)


# what markdown (or HTML inside it) would read as markup: & < > as HTML entities; \ ` * [ ] | ~
# anywhere, `_` where it can open or close emphasis (not inside a word: sales_invoice), `#`
# where it can open a heading (the start, before a space)
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MARKUP = re.compile(r"([\\`*\[\]|~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])|^#+(?=\s|$))")
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escape_markdown(text: str) -> str:
    """``text`` as literal markdown: markup characters backslash-escaped, ``& < >`` as HTML
    entities, line breaks as one space, other control characters removed."""
    text = _CONTROL.sub("", _LINE_BREAKS.sub(" ", text))
    text = "".join(_ENTITIES.get(c, c) for c in text)
    return _MARKUP.sub(lambda m: "".join("\\" + c for c in m.group(1)), text)


def _cell(value: object) -> str:
    return escape_markdown(_text(value))


def _text(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def summary_counts(
    mode: str, summary: DaySummary | None, over_at: datetime, zone: ZoneInfo
) -> dict[str, Any]:
    """The day's posting mode and its daily summaries: the same keys every day, zeros when
    nothing is summarised; ``summary_waiting_for_day_end`` counts the documents built and
    checked but not queued yet (the day is not over at every outlet), and
    ``summary_posted_after`` says from when they are (``over_at`` in the merchant's ``zone``;
    empty when nothing waits)."""
    outlets = summary.outlets if summary is not None else {}
    waiting = len(summary.waiting) if summary is not None else 0
    local = over_at.astimezone(zone)
    return {
        "posting_mode": mode,
        "summary_outlets": len(outlets),
        "summary_invoices": sum(o["summary_invoices"] for o in outlets.values()),
        "summary_orders": sum(o["orders"] for o in outlets.values()),
        "summary_waiting_for_day_end": waiting,
        "summary_posted_after": f"{local:%Y-%m-%d %H:%M} {local.tzname()}" if waiting else "",
    }
