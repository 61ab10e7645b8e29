"""Is a staged business day complete? iSeller's own day totals fetched, staged and compared.

For every outlet (iSeller's active outlets, and any outlet the staged orders name) the day's
window is asked of GetOrderSummary and GetTransactionSummary: the outlet filter, ``time_zone``
= the outlet's UTC offset, and the bounds of its business day (time zone and cut-off hour),
``created_before`` its end itself: whether iSeller counts that instant is one more reading.
Every item returned is added up, so how iSeller buckets days does not matter. The answers are
kept in the staging database (``iseller_day_totals``, replaced per day), then compared with
the staged orders by `journal_pipeline.accounting.completeness`.

A summary iSeller does not answer (an error, HTTP 404, an endpoint not enabled for the app)
is recorded as unavailable: the day is then not compared for that outlet, and the check warns
instead of blocking. A day that has not ended (today, or a late cut-off hour) is compared up to
an hour before now (`SETTLING`) and is not complete: orders closed or voided while the run
fetches do not count as missing. A day that has ended is compared whole.

Calls per day: one GetStoreInfo, and one GetOrderSummary and one GetTransactionSummary per
outlet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from journal_pipeline.accounting.business_day import day_window_utc
from journal_pipeline.accounting.completeness import (
    MISMATCH,
    ORDERS,
    PAYMENTS,
    UNAVAILABLE,
    Finding,
    OutletWindow,
    compare_day,
)
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.cycle_collection import cycle_collection_paused
from journal_pipeline.core.orders import OrderFrames
from journal_pipeline.iseller.errors import ISellerError
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.parse import order_summary_frame, transaction_summary_frame
from journal_pipeline.iseller.validation import is_held, superseded
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.day_orders import orders_around
from journal_pipeline.sync.ports import DayTotalsSource

#: How long before now a day that has not ended is compared up to: orders closed or voided
#: between fetching the orders and asking for the totals would otherwise look missing (an
#: order placed earlier than this and still open is not expected).
SETTLING = timedelta(hours=1)
STORE_INFO = "GetStoreInfo"
ALL_OUTLETS = "*"
#: Statuses of a kept answer: ok, `UNAVAILABLE` (the finding's word too), skipped (not asked).
OK = "ok"
SKIPPED = "skipped"
#: Errors reading a stored answer that make it unavailable rather than fail the run.
UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, ArithmeticError)

SummaryCall = Callable[..., Sequence[Mapping[str, Any]]]
OutletPair = tuple[str | None, str | None]  # (outlet_code, outlet_id) as an order names them


@dataclass(frozen=True)
class DayCompleteness:
    """What the completeness check of one business day concludes.

    `passed`: no outlet disagrees with iSeller under every reading (a disagreement blocks the
    day). `warned`: passed, but something was not compared (a summary unavailable, an outlet
    without an id, the day still open). `complete`: passed and everything was compared.
    """

    day: date
    findings: tuple[Finding, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def mismatches(self) -> list[Finding]:
        return [f for f in self.findings if f.status == MISMATCH]

    @property
    def unavailable(self) -> list[Finding]:
        return [f for f in self.findings if f.status == UNAVAILABLE]

    @property
    def still_open(self) -> bool:
        return any(f.open_until is not None for f in self.findings)

    @property
    def passed(self) -> bool:
        return not self.mismatches

    @property
    def warned(self) -> bool:
        return self.passed and bool(
            self.unavailable or self.warnings or not self.findings or self.still_open
        )

    @property
    def complete(self) -> bool:
        return self.passed and not self.warned

    def description(self) -> str:
        """One paragraph for the check: the disagreements, else why not everything was
        compared, else that the day agrees."""
        if self.mismatches:
            return " ".join(f.message for f in self.mismatches)
        notes = [f.message for f in self.unavailable] + list(self.warnings)
        if not self.findings and not notes:
            notes.append("nothing was compared.")
        if self.still_open:
            notes.append("The day has not ended yet; it is compared again on the next run.")
        if notes:
            return f"{self.day.isoformat()} not fully compared: " + " ".join(notes)
        outlets = sorted({f.outlet_code for f in self.findings})
        return (
            f"{self.day.isoformat()}: staged orders and payments agree with iSeller's day "
            f"totals for {', '.join(outlets)}."
        )

    def readings(self) -> dict[str, str]:
        """``{"JKT GetOrderSummary": reading}`` of every outlet and endpoint compared."""
        return {
            f"{f.outlet_code} {f.source}": f.reading or f.status
            for f in self.findings
            if f.status != UNAVAILABLE
        }


@dataclass(frozen=True)
class StagedDay:
    """The staged orders any reading of the day's windows may need, read once: as frames (their
    orders and payments; no lines), and those held at the edge (`_held`)."""

    frames: OrderFrames
    held: dict[str, list[str]]


@cycle_collection_paused()  # a day's orders and what is built of them stay alive
def staged_day(store: StagingStore, config: MerchantConfig, day: date) -> StagedDay:
    """The staged orders closed or changed from a day before the day's earliest outlet window
    to a day after its latest (a reading that takes the bounds as UTC moves a window by up to
    14 hours)."""
    raw = orders_around(store, config, day, timedelta(days=1))
    return StagedDay(order_frames(raw, lines=False), _held(raw))


def whole_hours(moment: datetime, zone: str) -> int:
    """The zone's UTC offset at `moment` as iSeller's ``time_zone`` (whole hours, −12..14);
    0 (bounds in UTC) for an offset that is not a whole number of hours."""
    offset = moment.astimezone(ZoneInfo(zone)).utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    hours, rest = divmod(seconds, 3600)
    return hours if rest == 0 and -12 <= hours <= 14 else 0


def outlet_window(
    config: MerchantConfig, outlet_code: str, outlet_id: str | None, day: date, now: datetime
) -> OutletWindow | None:
    """The stretch asked for one outlet's business day: its whole window once the day has
    ended; while it has not, the window up to `SETTLING` before `now` (None when that leaves
    nothing yet)."""
    zone, cutoff = config.outlet_zone(outlet_code)
    start, end = day_window_utc(day, zone, cutoff)
    still_open = end > now
    if still_open:
        end = min(end, (now - SETTLING).astimezone(UTC).replace(microsecond=0))
    if end <= start:
        return None
    return OutletWindow(
        outlet_code, outlet_id, day, start, end, whole_hours(start, zone), open=still_open
    )


def staged_outlets(frames: OrderFrames) -> list[OutletPair]:
    """The (``outlet_code``, ``outlet_id``) pairs the staged orders name, each once."""
    pairs = frames.orders[["outlet_code", "outlet_id"]].drop_duplicates()
    return [(row.outlet_code, row.outlet_id) for row in pairs.itertuples(index=False)]


def outlets_to_check(
    store_info: Mapping[str, Any] | None, staged: Iterable[OutletPair]
) -> dict[str, str | None]:
    """``{outlet_code: outlet_id}``: iSeller's active outlets, and every outlet the staged
    orders name (`staged_outlets`; an outlet all of whose orders were lost is still among
    the first)."""
    outlets: dict[str, str | None] = {}
    for item in (store_info or {}).get("active_outlets") or []:
        outlet_id = item.get("outlet_id") or item.get("id")
        code = item.get("outlet_code") or item.get("outlet_name") or outlet_id
        if code:
            outlets[str(code)] = str(outlet_id) if outlet_id else None
    names = {code.upper(): code for code in outlets}
    for outlet_code, outlet_id in staged:
        code = outlet_code or outlet_id
        if not code:
            continue
        name = names.setdefault(str(code).upper(), str(code))
        if outlets.get(name) is None:
            outlets[name] = str(outlet_id) if outlet_id else None
    return dict(sorted(outlets.items()))


def fetch_day_totals(
    source: DayTotalsSource,
    store: StagingStore,
    config: MerchantConfig,
    day: date,
    staged: Iterable[OutletPair],
    now: datetime,
) -> dict[str, int]:
    """Ask iSeller for the day's totals of every outlet (its active ones and those the staged
    orders name, ``staged``: `staged_outlets`) and keep the answers (replacing the day's
    earlier ones); counts for the run's metadata."""
    rows: list[dict[str, Any]] = []
    calls = 0
    store_info: Mapping[str, Any] | None = None
    try:
        calls += 1
        store_info = source.get_store_info()
    except ISellerError as exc:
        rows.append(_row(ALL_OUTLETS, STORE_INFO, UNAVAILABLE, reason=_reason(exc)))
    compared = 0
    summaries: tuple[tuple[str, SummaryCall], ...] = (
        (ORDERS, source.get_order_summary),
        (PAYMENTS, source.get_transaction_summary),
    )
    for code, outlet_id in outlets_to_check(store_info, staged).items():
        if outlet_id is None:
            reason = "iSeller gave no outlet id for it: its totals cannot be asked for"
            rows.append(_row(code, ORDERS, SKIPPED, reason=reason))
            continue
        window = outlet_window(config, code, outlet_id, day, now)
        if window is None:
            reason = f"its business day began less than {_hours(SETTLING)} ago"
            rows.append(_row(code, ORDERS, SKIPPED, outlet_id=outlet_id, reason=reason))
            continue
        compared += 1
        where = {
            "outlet_id": outlet_id,
            "window_start": window.start,
            "window_end": window.end,
            "time_zone": window.time_zone,
            "day_open": window.open,
        }
        for endpoint, call in summaries:
            calls += 1
            try:
                items = call(
                    created_after=window.start,
                    created_before=window.end,
                    outlet_id=outlet_id,
                    time_zone=window.time_zone,
                )
            except ISellerError as exc:
                rows.append(_row(code, endpoint, UNAVAILABLE, reason=_reason(exc), **where))
                continue
            rows.append(_row(code, endpoint, OK, items=list(items), **where))
    store.replace_day_totals(day, rows, fetched_at=now)
    return {
        "iseller_summary_calls": calls,
        "outlets_compared": compared,
        "summaries_unavailable": sum(1 for row in rows if row["status"] == UNAVAILABLE),
    }


def check_day(
    store: StagingStore, config: MerchantConfig, day: date, staged: StagedDay | None = None
) -> DayCompleteness:
    """Compare the day's staged orders (``staged``: as `staged_day` read them) with the totals
    `fetch_day_totals` kept."""
    if staged is None:
        staged = staged_day(store, config, day)
    frames = staged.frames
    rows = store.day_totals(day)
    windows: dict[str, OutletWindow] = {}
    order_parts: list[pd.DataFrame] = []
    payment_parts: list[pd.DataFrame] = []
    unavailable: dict[tuple[str, str], str] = {}
    warnings: list[str] = []
    if not rows:
        warnings.append("iSeller's day totals were not fetched for this day.")
    for row in rows:
        code, endpoint = row["outlet_code"], row["endpoint"]
        if endpoint == STORE_INFO:
            warnings.append(
                f"iSeller's outlets could not be listed ({row['reason']}); outlets taken from "
                "the staged orders only."
            )
            continue
        if row["status"] == SKIPPED:
            warnings.append(f"{code} not compared: {row['reason']}.")
            continue
        windows.setdefault(
            code,
            OutletWindow(
                code,
                row["outlet_id"],
                day,
                row["window_start"],
                row["window_end"],
                int(row["time_zone"] or 0),
                open=bool(row["day_open"]),
            ),
        )
        if row["status"] != OK:
            unavailable[(code, endpoint)] = str(row["reason"])
            continue
        parse = order_summary_frame if endpoint == ORDERS else transaction_summary_frame
        try:
            frame = parse(row["items"] or [], int(row["time_zone"] or 0))
        except UNREADABLE as exc:
            unavailable[(code, endpoint)] = f"its answer could not be read: {_one_line(exc)}"
            continue
        frame["outlet_code"] = code
        (order_parts if endpoint == ORDERS else payment_parts).append(frame)
    findings = compare_day(
        frames,
        list(windows.values()),
        _concat(order_parts),
        _concat(payment_parts),
        unavailable,
    )
    findings, excused = excuse_held(findings, staged.held)
    return DayCompleteness(day, tuple(findings), (*warnings, *excused))


def _held(staged: list[dict[str, Any]]) -> dict[str, list[str]]:
    """``{OUTLET CODE: [references]}`` of the staged orders iSeller sent in a form that cannot
    be read (`journal_pipeline.iseller.validation`); ``"*"`` for those that name no outlet."""
    held: dict[str, list[str]] = {}
    for raw in staged:
        if is_held(raw) and not superseded(raw):
            code = str(raw.get("outlet_code") or "*").upper()
            held.setdefault(code, []).append(str(raw["order_reference"]))
    return held


def excuse_held(
    findings: list[Finding], held: Mapping[str, list[str]]
) -> tuple[list[Finding], list[str]]:
    """A disagreement of an outlet with orders held at the edge is a warning, not a block:
    iSeller's totals count those orders, the staged day cannot (they are held, each with its
    reason), and the rest of the day is posted. An order held under an outlet code iSeller's
    outlets do not have may belong to any outlet: it excuses them all."""
    known = {f.outlet_code.upper() for f in findings}
    everywhere = [ref for code, refs in held.items() if code not in known for ref in refs]
    kept, excused = [], []
    for finding in findings:
        refs = [*held.get(finding.outlet_code.upper(), []), *everywhere]
        if finding.status != MISMATCH or not refs:
            kept.append(finding)
            continue
        shown = ", ".join(sorted(refs)[:5]) + (" …" if len(refs) > 5 else "")
        excused.append(
            f"{finding.message} {len(refs)} order(s) iSeller sent unreadable are held ({shown}): "
            "iSeller counts them, the staged day cannot; compared again once they are fixed."
        )
    return kept, excused


def verify_day(
    source: DayTotalsSource,
    store: StagingStore,
    config: MerchantConfig,
    day: date,
    now: datetime | None = None,
) -> tuple[DayCompleteness, dict[str, int]]:
    """Fetch and keep iSeller's totals of the day, then compare the staged day with them."""
    now = now or datetime.now(UTC)
    staged = staged_day(store, config, day)
    counts = fetch_day_totals(source, store, config, day, staged_outlets(staged.frames), now)
    return check_day(store, config, day, staged), counts


def _row(outlet_code: str, endpoint: str, status: str, **values: Any) -> dict[str, Any]:
    return {"outlet_code": outlet_code, "endpoint": endpoint, "status": status, **values}


def _reason(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    text = _one_line(exc)
    return f"HTTP {status}: {text}" if status and str(status) not in text else text


def _one_line(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _hours(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return "an hour" if hours == 1 else f"{hours:g} hours"


def _concat(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    frames = [part for part in parts if not part.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
