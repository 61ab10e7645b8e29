"""Incremental extraction: the hourly run asks iSeller only for the orders that changed.

Each run of a day used to fetch the day's whole windows (`sync.day.extract_orders`: orders
created from the day before to the end of the day, and orders modified during the day), about
twice the day's orders every hour. Now each day remembers (a mark, kept only after the staging
commit, so a run that dies before it leaves the previous mark and is simply fetched again) the
latest ``modified_date`` iSeller sent among the orders it staged, and the next run asks, in
the same windows, only for orders modified from that moment less `OVERLAP` on.

Why an overlap: an order's ``modified_date`` is stamped by iSeller (or by the register that
changed it) before the order can be read through the API. An order changed just before the
latest one staged, but readable only after it (an upload in flight, a register's clock a few
minutes behind, the open question whether a ``*_after`` bound is inclusive, I-10), would
otherwise fall below the mark for ever. An hour covers any of those; an order that changed an
hour or more before the mark and only then reaches iSeller (a register offline for hours)
is fetched by the next full fetch.

The whole windows are still fetched (a full fetch) when: the day has no mark (its first run,
or a backfill of a day never run); the config's windows changed (time zones, cut-off hours);
the last full fetch is older than `FULL_EVERY`; the day's modified window has ended since the
last full fetch (so the first run after the day, the nightly finalise, sweeps the whole day
once more); or an order iSeller sent without an id is staged for the day (only a full fetch
can tell that it is gone, `sync.day._gone_unidentified`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from journal_pipeline.accounting.business_day import extraction_windows, merged_window_utc
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.timestamps import parse_utc
from journal_pipeline.iseller.validation import UNIDENTIFIED
from journal_pipeline.storage.store import StagingStore

ORDERS_MARK = "iseller_orders"
OVERLAP = timedelta(hours=1)
FULL_EVERY = timedelta(hours=6)


@dataclass(frozen=True)
class Fetch:
    """How to fetch a day's orders: ``since`` None for the whole windows, else the moment
    from which modified orders are asked; ``why`` says which, for the run's metadata."""

    since: datetime | None
    why: str
    windows: str
    full_at: datetime | None  # when the last full fetch was made (this one, if full)


def plan_fetch(
    store: StagingStore, config: MerchantConfig, day: date, now: datetime | None = None
) -> Fetch:
    """Whole windows or only what changed since the day's mark (see the module's rules)."""
    now = now or datetime.now(UTC)
    windows = extraction_windows(day, config.zones())
    shape = _windows_key(windows)
    kept = store.mark(ORDERS_MARK, day.isoformat())
    value = kept[0] if kept else {}
    full_at = parse_utc(value.get("full_at"))
    through = parse_utc(value.get("through"))
    _, modified_end = windows["modified"]
    reason = None
    if not kept or through is None or full_at is None:
        reason = "full: first fetch of the day"
    elif value.get("windows") != shape:
        reason = "full: the day's windows changed with the config"
    elif now - full_at >= FULL_EVERY:
        reason = f"full: the last full fetch is older than {FULL_EVERY}"
    elif full_at < modified_end <= now:
        reason = "full: the day has ended since the last full fetch"
    elif store.orders_touching_with_prefix(UNIDENTIFIED, *merged_window_utc(day, config.zones())):
        reason = "full: orders without id are staged for the day"
    if reason is not None or through is None:
        return Fetch(None, reason or "full", shape, now)
    since = through - OVERLAP
    return Fetch(since, f"changed since {since.isoformat()}", shape, full_at)


def remember_fetch(
    store: StagingStore, day: date, fetch: Fetch, latest_modified: datetime | None
) -> None:
    """After the staging commit: the day's mark moves to the latest modified date staged."""
    kept = store.mark(ORDERS_MARK, day.isoformat())
    through = parse_utc(kept[0].get("through")) if kept and fetch.since is not None else None
    if latest_modified is not None and (through is None or latest_modified > through):
        through = latest_modified
    value = {
        "through": through.isoformat() if through else None,
        "full_at": fetch.full_at.isoformat() if fetch.full_at else None,
        "windows": fetch.windows,
    }
    store.set_mark(ORDERS_MARK, day.isoformat(), value)


def _windows_key(windows: dict[str, tuple[datetime, datetime]]) -> str:
    text = repr(sorted((k, a.isoformat(), b.isoformat()) for k, (a, b) in windows.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
