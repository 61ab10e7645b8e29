"""When the pipeline runs: every hour for today so far, and each night to finalise yesterday.

Both derive the partition from the tick's scheduled time in the merchant's time zone, never
from the wall clock, so late or catch-up ticks still target the right day.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import dagster as dg


def build_schedules(job: dg.JobDefinition | dg.UnresolvedAssetJobDefinition, timezone: str):
    zone = ZoneInfo(timezone)

    @dg.schedule(
        job=job,
        cron_schedule="5 * * * *",
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Today's partition so far, five minutes past every hour (merchant time "
        "zone): the day's sales are posted as they happen; a run again is a no-op for what "
        "is already in Jurnal.",
    )
    def hourly_today_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        """Today's partition so far, five minutes past every hour."""
        moment = context.scheduled_execution_time.astimezone(zone)
        day = moment.date().isoformat()
        return dg.RunRequest(partition_key=day, run_key=f"hourly-{day}T{moment:%H}")

    @dg.schedule(
        job=job,
        cron_schedule="30 2 * * *",
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Yesterday's partition once more at 02:30 (merchant time zone), to "
        "finalise it with the sales, refunds and shifts after the last hourly run.",
    )
    def nightly_finalize_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        """Yesterday's partition once more at 02:30, for sales after the last hourly run."""
        moment = context.scheduled_execution_time.astimezone(zone)
        day = (moment.date() - timedelta(days=1)).isoformat()
        return dg.RunRequest(partition_key=day, run_key=f"final-{day}")

    return [hourly_today_schedule, nightly_finalize_schedule]
