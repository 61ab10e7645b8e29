"""A shift's cash count corrected after its entry was posted: a further entry of the difference.

A manager may correct a closed shift's count in iSeller after the pipeline posted its over/short
(`cash_count`). The posted entry is never edited: it stays, its canonical lines as recorded
when posted (the journal must stay what Jurnal holds), and a further entry books what the count
moved (custom_id ``<shift id>.<n>/CASH``, number ``<entry no>.<n>``, n counting the shift's
entries posted, 2 for the first correction). Once posted, it is among them and the next build
finds nothing left. Pure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from journal_pipeline.accounting.cash_count import (
    CASH_METHOD,
    CashCountBuild,
    add_entry,
    cash_difference,
)
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.cash_count import CASH_COUNT_ENTRY
from journal_pipeline.core.money import format_idr


@dataclass
class _Posted:
    """A shift's posted entries: their lines, the over (+) or short (−) they book in all."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    entries: set[str] = field(default_factory=set)
    difference: int = 0
    number: str = ""  # its first entry's


def _posted(recorded: Iterable[Mapping[str, Any]], shifts: set[str]) -> dict[str, _Posted]:
    """Shift id → its posted entries among ``recorded`` (canonical lines of posted cash-count
    entries: ``cash_over_short:<shift id>`` and ``…<shift id>.<n>``)."""
    found: dict[str, _Posted] = defaultdict(_Posted)
    for line in recorded:
        key = str(line["entry_id"]).removeprefix(CASH_COUNT_ENTRY)
        shift, _, revision = key.rpartition(".")
        if key in shifts or not (shift in shifts and revision.isdigit()):
            shift = key
        posted = found[shift]
        posted.lines.append(dict(line))
        posted.entries.add(str(line["entry_id"]))
        if key == shift:
            posted.number = str(line["source_reference"])
        if str(line["account_role"]) == f"payment:{CASH_METHOD}":  # Dr cash: over
            posted.difference += int(line["debit"]) - int(line["credit"])
    return dict(found)


def with_recounts(
    build: CashCountBuild,
    shifts: Iterable[Mapping[str, Any]],
    recorded: Iterable[Mapping[str, Any]],
    config: MerchantConfig,
) -> CashCountBuild:
    """``build`` (the day's entries built now from ``shifts``, rows of `staging_row`) with
    each shift already posted as recorded (``recorded``: its posted entries' canonical lines),
    and a further entry for each whose count has moved since."""
    rows = {str(row["register_shift_id"]): row for row in shifts}
    posted = _posted(recorded, set(rows))
    if not posted:
        return build
    entries = {f"{CASH_COUNT_ENTRY}{shift}" for shift in posted}
    custom_ids = {f"{shift}/CASH" for shift in posted}
    result = CashCountBuild(
        build.day,
        lines=[ln for ln in build.lines if ln["entry_id"] not in entries],
        documents=[d for d in build.documents if d.custom_id not in custom_ids],
        holds=[h for h in build.holds if h.source_id not in custom_ids],
        readings=build.readings,
        open_shifts=build.open_shifts,
        differences=build.differences,
    )
    for shift, entry in sorted(posted.items()):
        result.lines.extend(entry.lines)
        row = rows.get(shift)
        if row is None or row["closed_at"] is None:
            continue  # not of this day now, or open again: what was posted stands
        moved = (cash_difference(row["raw"]) or 0) - entry.difference
        if not moved:
            continue
        revision = len(entry.entries) + 1
        said = (
            f"cash count corrected after posting: {format_idr(abs(moved))} more "
            f"{'over' if moved > 0 else 'short'}"
        )
        number = f"{entry.number}.{revision}"
        add_entry(result, row, moved, number, config, f"{shift}.{revision}", said)
    return result
