"""iSeller's register shifts of one business day end to end: fetch and stage them, build the
cash over/short entries (`accounting.cash_count`), queue them in the outbox and post them.

Cash counts are built apart from the day's sales (document type ``cash_count``, journal part
``cash_count``), so neither build withdraws or replaces the other's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from journal_pipeline.accounting.business_day import merged_window_utc
from journal_pipeline.accounting.cash_count import CashCountBuild, cash_count_entries, staging_row
from journal_pipeline.accounting.documents import CASH_COUNT
from journal_pipeline.config import MerchantConfig
from journal_pipeline.storage.register_shifts import register_shifts_of_day, upsert_register_shifts
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.outbox import Outbox, PostResult
from journal_pipeline.sync.ports import JurnalWriter

# a shift opened on the day may close after midnight (and after the cut-off hour): its close
# is fetched by the modified window of the day it closes, and also by this margin
CLOSE_MARGIN = timedelta(hours=12)


class ShiftSource(Protocol):
    """iSeller's GetRegisterShifts, windowed on the opening (created) or change date (UTC)."""

    def get_register_shifts(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
    ) -> Sequence[Mapping[str, Any]]: ...


def extract_register_shifts(
    client: ShiftSource, store: StagingStore, config: MerchantConfig, day: date
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Fetch the shifts opened during ``day`` (in every outlet's zone) or changed since, and
    stage them; (counts, the staged rows without their raw JSON)."""
    start, end = merged_window_utc(day, config.zones())
    opened = client.get_register_shifts(created_after=start, created_before=end)
    changed = client.get_register_shifts(modified_after=start, modified_before=end + CLOSE_MARGIN)
    shifts = {str(s["register_shift_id"]): s for s in [*opened, *changed]}
    rows = [staging_row(raw, config) for raw in shifts.values()]
    counts = {
        "shifts_fetched": len(shifts),
        **upsert_register_shifts(store, rows),
        "booked_on_day": sum(1 for row in rows if row["business_date"] == day),
    }
    return counts, [{k: v for k, v in row.items() if k != "raw"} for row in rows]


def build_cash_counts(store: StagingStore, config: MerchantConfig, day: date) -> CashCountBuild:
    """The cash over/short entries of the shifts booked on ``day``."""
    return cash_count_entries(register_shifts_of_day(store, day), config, day)


def record_cash_counts(
    store: StagingStore, outbox: Outbox, day: date, build: CashCountBuild
) -> dict[str, int]:
    """Replace the day's cash-count entries and queue their journal entries and holds (the
    day's sales and stock are left alone)."""
    written = store.replace_journal(day, build.journal_frame(), part="cash_count")
    queued = outbox.enqueue(day, build.documents, build.holds, doc_types=(CASH_COUNT,))
    return {"journal_lines_written": written, **{f"outbox_{k}": v for k, v in queued.items()}}


def post_cash_counts(outbox: Outbox, day: date, client: JurnalWriter) -> PostResult:
    """Post the day's pending cash-count journal entries in batches (Jurnal journal entries,
    as a refund's are)."""
    result = PostResult()
    outbox._post_rows(CASH_COUNT, outbox._pending(day, CASH_COUNT), client, result)
    return result
