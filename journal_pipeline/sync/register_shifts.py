"""iSeller's register shifts of one business day end to end: fetch and stage them, build the
cash over/short entries (`accounting.cash_count`), queue them in the outbox and post them.

Cash counts are built apart from the day's sales (document type ``cash_count``, journal part
``cash_count``), so neither build withdraws or replaces the other's.

iSeller's document lists no outlet on a shift (I-40), and a shift is booked on its outlet's
business day. `ShiftReader` gives every shift its outlet: an answer naming each shift's outlet is
taken as it is; otherwise the same window is asked again once per active outlet with the
documented ``outlet_id`` filter (the ids from GetStoreInfo, asked once), and each shift of an
outlet's answer that names none gets that outlet's ``outlet_id`` and ``outlet_code``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from journal_pipeline.accounting.business_day import merged_window_utc
from journal_pipeline.accounting.cash_count import CashCountBuild, cash_count_entries, staging_row
from journal_pipeline.accounting.cash_recounts import with_recounts
from journal_pipeline.accounting.documents import CASH_COUNT
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.cash_count import CASH_COUNT_ENTRY
from journal_pipeline.core.missing import text_or_none
from journal_pipeline.storage.register_shifts import register_shifts_of_day, upsert_register_shifts
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.outbox import Outbox, PostResult
from journal_pipeline.sync.ports import JurnalWriter
from journal_pipeline.sync.posted_lines import posted_lines

# a shift opened on the day may close after midnight (and after the cut-off hour): its close
# is fetched by the modified window of the day it closes, and also by this margin
CLOSE_MARGIN = timedelta(hours=12)
OUTLET_FIX = (
    "Make the outlet's code under outlets in the config file (JOURNAL_PIPELINE_CONFIG) the "
    "outlet_code iSeller's GetStoreInfo gives it, then run the day again."
)


class ShiftSource(Protocol):
    """iSeller's GetRegisterShifts, windowed on the opening (created) or change date (UTC) and
    filtered by outlet, and GetStoreInfo, whose active outlets give each outlet's id."""

    def get_register_shifts(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
        outlet_id: str | None = None,
    ) -> Sequence[Mapping[str, Any]]: ...

    def get_store_info(self) -> Mapping[str, Any]: ...


def names_outlet(shift: Mapping[str, Any]) -> bool:
    """Whether a GetRegisterShifts item says which outlet it belongs to."""
    return text_or_none(shift.get("outlet_code")) is not None


def outlet_ids(
    store_info: Mapping[str, Any], config: MerchantConfig
) -> tuple[dict[str, str], list[str]]:
    """``{outlet_code: outlet_id}`` of GetStoreInfo's active outlets, and a note naming each
    configured outlet not among them (its shifts cannot be asked for by outlet)."""
    ids: dict[str, str] = {}
    for item in store_info.get("active_outlets") or []:
        outlet_id = text_or_none(item.get("outlet_id") or item.get("id"))
        code = text_or_none(item.get("outlet_code"))
        if outlet_id and code:
            ids[code] = outlet_id
    listed = {code.upper() for code in ids}
    notes = [
        f"Outlet {code}: iSeller's register shifts name no outlet and GetStoreInfo lists no "
        f"active outlet with outlet_code {code}, so its shifts cannot be asked for by "
        f"outlet_id and their cash counts are not booked. {OUTLET_FIX}"
        for code in config.outlets
        if code.upper() not in listed
    ]
    return ids, notes


class ShiftReader:
    """GetRegisterShifts, every shift with its outlet where iSeller's answers allow
    (see the module's docstring). ``tagged``: the shifts given their outlet here; ``notes``:
    what could not be (an outlet iSeller does not list, a shift no outlet's answer holds),
    each with its fix, said once."""

    def __init__(self, source: ShiftSource, config: MerchantConfig) -> None:
        self.source = source
        self.config = config
        self.tagged: set[str] = set()
        self.notes: list[str] = []
        self._outlets: dict[str, str] | None = None

    def read(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """The shifts of one window, each once (by ``register_shift_id``)."""
        window = (created_after, created_before, modified_after, modified_before)
        shifts = {str(s["register_shift_id"]): dict(s) for s in self._ask(window)}
        if all(names_outlet(s) for s in shifts.values()):
            return list(shifts.values())
        outlets = self._outlet_ids()
        owners: dict[str, list[str]] = {}  # shift naming no outlet → the outlets answering it
        for code, outlet_id in outlets.items():
            for item in self._ask(window, outlet_id):
                key = str(item["register_shift_id"])
                shifts.setdefault(key, dict(item))
                if not names_outlet(item):
                    owners.setdefault(key, []).append(code)
        for key, codes in owners.items():
            if len(codes) == 1 and not names_outlet(shifts[key]):
                shift = shifts[key]
                shift["outlet_code"] = codes[0]
                if text_or_none(shift.get("outlet_id")) is None:
                    shift["outlet_id"] = outlets[codes[0]]
                self.tagged.add(key)
        for key, shift in shifts.items():
            if not names_outlet(shift):
                self._note(_untagged(key, shift, owners.get(key, []), outlets))
        return list(shifts.values())

    def _ask(
        self, window: tuple[datetime | None, ...], outlet_id: str | None = None
    ) -> Sequence[Mapping[str, Any]]:
        created_after, created_before, modified_after, modified_before = window
        return self.source.get_register_shifts(
            created_after=created_after,
            created_before=created_before,
            modified_after=modified_after,
            modified_before=modified_before,
            outlet_id=outlet_id,
        )

    def _outlet_ids(self) -> dict[str, str]:
        if self._outlets is None:
            self._outlets, notes = outlet_ids(self.source.get_store_info(), self.config)
            for note in notes:
                self._note(note)
        return self._outlets

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def _untagged(
    key: str, shift: Mapping[str, Any], owners: list[str], outlets: Mapping[str, str]
) -> str:
    """Why a shift has no outlet, and the fix."""
    register = text_or_none(shift.get("register_name")) or "?"
    what = f"Register shift {key} ({register}) names no outlet"
    if len(owners) > 1:
        return (
            f"{what} and GetRegisterShifts gives it for each of the outlets {', '.join(owners)}: "
            "iSeller did not filter by outlet_id, so its outlet is not known and its cash count "
            "is not booked. Count its till by hand and book any difference in Jurnal."
        )
    return (
        f"{what} and is in none of the answers GetRegisterShifts gives per active outlet "
        f"({', '.join(sorted(outlets)) or 'none listed'}), so its cash count is not booked. "
        f"{OUTLET_FIX}"
    )


def extract_register_shifts(
    client: ShiftSource, store: StagingStore, config: MerchantConfig, day: date
) -> tuple[dict[str, int], list[dict[str, Any]], list[str]]:
    """Fetch the shifts opened during ``day`` (in every outlet's zone) or changed since, each
    with its outlet (`ShiftReader`), and stage them; (counts, the staged rows without their raw
    JSON, what kept a shift from its outlet)."""
    start, end = merged_window_utc(day, config.zones())
    reader = ShiftReader(client, config)
    opened = reader.read(created_after=start, created_before=end)
    changed = reader.read(modified_after=start, modified_before=end + CLOSE_MARGIN)
    shifts = {str(s["register_shift_id"]): s for s in [*opened, *changed]}
    rows = [staging_row(raw, config) for raw in shifts.values()]
    counts = {
        "shifts_fetched": len(shifts),
        **upsert_register_shifts(store, rows),
        "booked_on_day": sum(1 for row in rows if row["business_date"] == day),
        "shifts_given_their_outlet": len(reader.tagged),
        "shifts_without_outlet": sum(1 for row in rows if row["outlet_code"] is None),
    }
    return counts, [{k: v for k, v in row.items() if k != "raw"} for row in rows], reader.notes


def build_cash_counts(store: StagingStore, config: MerchantConfig, day: date) -> CashCountBuild:
    """The cash over/short entries of the shifts booked on ``day``: those in Jurnal already as
    posted, and a further entry for a count corrected since (`cash_recounts`)."""
    shifts = register_shifts_of_day(store, day)
    recorded = posted_lines(store, day, CASH_COUNT, _entry_of)[1]
    return with_recounts(cash_count_entries(shifts, config, day), shifts, recorded, config)


def _entry_of(source_id: str) -> str:
    """A cash-count document's entry id from its source id (``<shift id>[.<n>]/CASH``)."""
    return f"{CASH_COUNT_ENTRY}{source_id.removesuffix('/CASH')}"


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
