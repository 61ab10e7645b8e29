"""When the pipeline runs: every hour for today so far, and each night to finalise yesterday.

Both derive the partition from the tick's scheduled time in the merchant's time zone, never
from the wall clock, so late or catch-up ticks still target the right day.

The hourly tick first looks whether today's run could do anything (`sync.hourly_probe`:
the day's last run, staging, the outbox, the journal's inputs, iSeller's changed orders) and
skips, naming why, only when it is sure nothing would; at any doubt or error of the look it
asks for the run. Without a look (``probe`` None, as when the schedule is called alone) it
always asks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg

from journal_pipeline.accounting.business_day import day_over_at
from journal_pipeline.config import MerchantConfig
from journal_pipeline.defs.build_marks import JOURNAL_MARK, journal_inputs
from journal_pipeline.iseller.errors import ISellerError
from journal_pipeline.storage.store import StagingStore, default_staging_url
from journal_pipeline.sync.hourly_probe import (
    LastRun,
    Verdict,
    hurried_session,
    look,
    run,
    staging_exists,
)

#: ``probe(day, instance)``: whether today's run of ``day`` could do anything.
HourlyProbe = Callable[[date, dg.DagsterInstance | None], Verdict]


NIGHTLY_HOUR = 2  # 02:30: an hour and a half after a day without cut-off has settled


def finalize_hour(config: MerchantConfig) -> int:
    """The hour (merchant time) of the nightly run that finalises yesterday: 02, or later when
    an outlet's business day is over only later (`day_over_at`: a cut-off hour, a zone behind
    the merchant's), so that the run finds yesterday over at every outlet (a daily summary is
    posted only then)."""
    zone = ZoneInfo(config.timezone)
    latest = 0.0
    for day in (date(2026, 1, 15), date(2026, 7, 15)):  # either side of any DST change
        midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
        late = day_over_at(day, config.zones()) - midnight.astimezone(UTC)
        latest = max(latest, late.total_seconds() / 3600)
    return min(23, max(NIGHTLY_HOUR, math.ceil(latest) + 1))


def build_schedules(
    job: dg.JobDefinition | dg.UnresolvedAssetJobDefinition,
    timezone: str,
    probe: HourlyProbe | None = None,
    nightly_hour: int = NIGHTLY_HOUR,
):
    zone = ZoneInfo(timezone)

    @dg.schedule(
        job=job,
        cron_schedule="5 * * * *",
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Today's partition so far, five minutes past every hour (merchant time "
        "zone): the day's sales are posted as they happen; a run again is a no-op for what "
        "is already in Jurnal. A tick skips (naming why) when nothing changed in iSeller or "
        "staging since the day's last run, nothing waits for Jurnal and that run succeeded "
        "less than six hours ago.",
    )
    def hourly_today_schedule(
        context: dg.ScheduleEvaluationContext,
    ) -> dg.RunRequest | dg.SkipReason:
        """Today's partition so far, five minutes past every hour, unless nothing is new."""
        moment = context.scheduled_execution_time.astimezone(zone)
        day = moment.date()
        if probe is not None:
            verdict = _verdict(context, probe, day)
            if verdict.skip:
                return dg.SkipReason(verdict.reason)
            context.log.info(f"{day.isoformat()} runs: {verdict.reason}")
        iso = day.isoformat()
        return dg.RunRequest(partition_key=iso, run_key=f"hourly-{iso}T{moment:%H}")

    @dg.schedule(
        job=job,
        cron_schedule=f"30 {nightly_hour} * * *",
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Yesterday's partition once more at {nightly_hour:02d}:30 (merchant time "
        "zone; later than 02:30 when an outlet's business day ends after midnight), to "
        "finalise it with the sales, refunds and shifts after the last hourly run.",
    )
    def nightly_finalize_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        """Yesterday's partition once more after it is over, for sales after the last hourly
        run."""
        moment = context.scheduled_execution_time.astimezone(zone)
        day = (moment.date() - timedelta(days=1)).isoformat()
        return dg.RunRequest(partition_key=day, run_key=f"final-{day}")

    return [hourly_today_schedule, nightly_finalize_schedule]


def _verdict(context: dg.ScheduleEvaluationContext, probe: HourlyProbe, day: date) -> Verdict:
    """The probe's verdict; a run when the look itself fails (fail open)."""
    try:
        instance: dg.DagsterInstance | None = context.instance
    except dg.DagsterInvariantViolationError:  # called alone, without an instance
        instance = None
    try:
        return probe(day, instance)
    except ISellerError as exc:  # its text is redacted by the client
        return run(f"iSeller could not be asked: {exc}")
    except Exception as exc:  # any doubt runs; its name only (no URL, no secret)
        return run(f"the look before the run failed ({type(exc).__name__})")


def hourly_probe(
    resources: Mapping[str, Any], job_name: str, clock: Callable[[], datetime] | None = None
) -> HourlyProbe:
    """The look of the hourly tick, from the same resources as the job's runs (``staging``,
    ``merchant``, ``iseller``), resolved at each tick; the store and the iSeller client (its
    token) are kept between ticks while their settings stay the same."""
    kept: dict[str, tuple[object, Any]] = {}

    def reuse(name: str, key: object, make: Callable[[], Any]) -> Any:
        if name not in kept or kept[name][0] != key:
            kept[name] = (key, make())
        return kept[name][1]

    def probe(day: date, instance: dg.DagsterInstance | None) -> Verdict:
        if instance is None:
            return run("no Dagster instance to read the day's last run from")
        url = resources["staging"].process_config_and_initialize().url or default_staging_url()
        if not staging_exists(url):
            return run("no staging database yet")
        config: MerchantConfig = resources["merchant"].process_config_and_initialize().config
        iseller = resources["iseller"].process_config_and_initialize()
        settings = iseller.settings
        return look(
            store=lambda: reuse("store", url, lambda: StagingStore(url)),
            config=config,
            day=day,
            last=last_run(instance, job_name, day),
            journal_current=lambda store: journal_current(store, config, day),
            orders=lambda: reuse(
                "iseller", settings, lambda: iseller.client(session=hurried_session())
            ),
            now=clock() if clock else datetime.now(UTC),
        )

    return probe


def last_run(instance: dg.DagsterInstance, job_name: str, day: date) -> LastRun | None:
    """The newest run of ``job_name`` for the partition ``day``, if any."""
    records = instance.get_run_records(
        filters=dg.RunsFilter(job_name=job_name, tags={"dagster/partition": day.isoformat()}),
        limit=1,
    )
    if not records:
        return None
    record = records[0]
    started = record.start_time
    return LastRun(
        started=datetime.fromtimestamp(started, UTC) if started is not None else None,
        status=record.dagster_run.status.value,
    )


def journal_current(store: StagingStore, config: MerchantConfig, day: date) -> bool:
    """The day's journal was last built from the inputs it has now (read only)."""
    kept = store.mark(JOURNAL_MARK, day.isoformat())
    return kept is not None and kept[0].get("inputs") == journal_inputs(store, config, day)
