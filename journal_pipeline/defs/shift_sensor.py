"""Sensor: a register shift closed in iSeller runs its business day again, so the cash counted
at the close is booked without waiting for the hourly schedule; the shifts of a day closed
since the last look share one run."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import dagster as dg

from journal_pipeline.accounting.cash_count import staging_row
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.timestamps import parse_utc
from journal_pipeline.defs.catch_up import catch_up_requests
from journal_pipeline.defs.resources import ISellerResource, MerchantConfigResource
from journal_pipeline.sync.catch_up import DueRun, dump_runs, load_runs, next_batch
from journal_pipeline.sync.register_shifts import ShiftReader

SENSOR_NAME = "shift_close_sensor"
RAN_ASSET = "jurnal_cash_counts"  # a day that never ran has no cash count posted
MINIMUM_INTERVAL_SECONDS = 60
# On its first look the sensor runs only the shifts closed within this long before the newest
# change it sees: the history before belongs to the schedules and backfills, not to a burst of
# runs when the sensor is first switched on.
FIRST_LOOK = timedelta(days=1)


def start_cursor(config: MerchantConfig) -> datetime:
    """Midnight of the config's start date in its time zone (UTC): nothing earlier is asked."""
    return datetime.combine(config.start_date, time(0), tzinfo=config.zone).astimezone(UTC)


def shift_run_requests(
    shifts: list[dict],
    config: MerchantConfig,
    cursor: datetime,
    closed_since: datetime | None = None,
) -> tuple[list[dg.RunRequest], datetime]:
    """One run of each business day with a shift closed (booked on or after the start
    date), and the next cursor: the latest change (else close, else opening) seen, never
    before ``cursor``. A run of a day books every shift closed by then, so the shifts of a day
    closed since the last look share one run, keyed by the one that closed last (a shift seen
    again at the cursor asks for its key again: no second run)."""
    latest = cursor
    closed: dict[date, list[tuple[datetime, str]]] = {}
    for raw in shifts:
        moments = [parse_utc(raw.get(k)) for k in ("modified_date", "closed_date", "open_date")]
        seen = next((m for m in moments if m is not None), None)
        if seen is not None and seen > latest:
            latest = seen
        row = staging_row(raw, config)
        day: date | None = row["business_date"]
        if row["closed_at"] is None or day is None or day < config.start_date:
            continue
        if closed_since is not None and row["closed_at"] < closed_since:
            continue
        closed.setdefault(day, []).append((row["closed_at"], str(row["register_shift_id"])))
    requests = []
    for day, day_shifts in sorted(closed.items()):
        at, last = max(day_shifts)
        requests.append(
            dg.RunRequest(
                partition_key=day.isoformat(),
                run_key=f"shift-{last}-{at:%Y%m%dT%H%M%S}",
                tags={
                    "journal_pipeline/register_shift": ",".join(sorted(i for _, i in day_shifts))
                },
            )
        )
    return requests, latest


def _read_cursor(text: str | None) -> tuple[datetime | None, list[DueRun]]:
    """The latest change seen and the runs kept for later ticks (an older cursor was the
    moment alone)."""
    if not text:
        return None, []
    if not text.startswith("{"):
        return datetime.fromisoformat(text), []
    data = json.loads(text)
    return datetime.fromisoformat(data["seen"]), load_runs(data["kept"])


def _write_cursor(seen: datetime, kept: list[DueRun]) -> str:
    return json.dumps({"seen": seen.isoformat(), "kept": dump_runs(kept)}, sort_keys=True)


def _due(requests: list[dg.RunRequest]) -> list[DueRun]:
    return [
        DueRun(date.fromisoformat(r.partition_key or ""), r.run_key or "", dict(r.tags))
        for r in requests
    ]


def build_shift_close_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(
        description="Books the cash count of a register shift as soon as it closes in "
        "iSeller, without waiting for the hourly schedule; at most "
        "automation.max_catch_up_runs runs per tick.",
        name=SENSOR_NAME,
        job=job,
        minimum_interval_seconds=MINIMUM_INTERVAL_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def shift_close_sensor(
        context: dg.SensorEvaluationContext,
        iseller: ISellerResource,
        merchant: MerchantConfigResource,
    ):
        """Runs the business day of the register shifts that closed since the last look (a
        cursor over GetRegisterShifts' modified date), besides the hourly schedule: one run
        per day, however many of its shifts closed. A shift seen again (its change is the
        cursor itself) asks for the same run key: no second run. At most
        ``automation.max_catch_up_runs`` days per tick; the cursor keeps the rest. A shift
        naming no outlet gets it from GetRegisterShifts asked per outlet (`ShiftReader`, I-40);
        one that cannot is named, with the fix, in the log and the skip reason.
        """
        config = merchant.config
        first = start_cursor(config)
        seen, kept = _read_cursor(context.cursor)
        cursor = max(seen or first, first)
        reader = ShiftReader(iseller.client(), config)  # each shift with its outlet (I-40)
        shifts = reader.read(modified_after=cursor)
        for note in reader.notes:
            context.log.warning(note)
        requests, latest = shift_run_requests(shifts, config, cursor)
        if seen is None:
            requests, _ = shift_run_requests(shifts, config, cursor, latest - FIRST_LOOK)
        batch = next_batch(kept, _due(requests), config.automation.max_catch_up_runs)
        context.update_cursor(_write_cursor(latest, batch.later))
        if not batch.now:
            reason = f"no register shift closed since {cursor.isoformat()}"
            return dg.SkipReason("; ".join([reason, *reader.notes]))
        return catch_up_requests(
            context, batch, f"{SENSOR_NAME}: register shifts closed", RAN_ASSET, job_name=job.name
        )

    return shift_close_sensor
