"""Sensors: days that need another run because orders reached iSeller after their day ran."""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import dagster as dg

from journal_pipeline.defs.catch_up import catch_up_requests
from journal_pipeline.defs.resources import MerchantConfigResource, StagingResource
from journal_pipeline.sync.catch_up import DueRun, next_batch
from journal_pipeline.sync.day import unbuilt_days

LOOKBACK = timedelta(days=7)  # orders fetched this recently are checked
SENSOR_NAME = "late_orders_sensor"
RAN_ASSET = "jurnal_sales_invoices"  # a day that never ran has no materialization of it


def build_sensors(job):
    @dg.sensor(
        description="Runs a past day again when completed orders of it reached iSeller after "
        "the day was built (an offline till, an edit of an old order); at most "
        "automation.max_catch_up_runs days per tick.",
        name=SENSOR_NAME,
        job=job,
        minimum_interval_seconds=300,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def late_orders_sensor(
        context: dg.SensorEvaluationContext,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ):
        """Runs a past day again when completed orders of it were fetched after it was built.

        An order uploaded late (an offline till, an edit of an old order) is staged by the
        run of the day it arrived on, but belongs to the day it was closed: without this it
        would never be posted. At most ``automation.max_catch_up_runs`` days per tick; the
        cursor holds the run keys already asked for, so the next tick asks for the others.
        """
        config = merchant.config
        asked = set(json.loads(context.cursor)["requested"]) if context.cursor else set()
        today = datetime.now(UTC).astimezone(config.zone).date()
        days = unbuilt_days(staging.store, config, datetime.now(UTC) - LOOKBACK)
        due = []
        for day, order_ids in days.items():
            if day >= today or day < config.start_date:
                continue  # today's hourly run builds today; nothing is posted before the start
            digest = hashlib.sha256(",".join(order_ids).encode()).hexdigest()[:12]
            due.append(
                DueRun(
                    day,
                    f"late-{day.isoformat()}-{digest}",
                    {"journal_pipeline/late_orders": str(len(order_ids))},
                )
            )
        batch = next_batch(
            [], [r for r in due if r.run_key not in asked], config.automation.max_catch_up_runs
        )
        still_due = {r.run_key for r in due} & asked  # a day built since drops out
        context.update_cursor(
            json.dumps({"requested": sorted(still_due | {r.run_key for r in batch.now})})
        )
        if not batch.now:
            if still_due:
                return dg.SkipReason(f"{len(still_due)} day(s) asked for, waiting for their runs")
            return dg.SkipReason("every staged completed order has been built into its day")
        return catch_up_requests(
            context,
            batch,
            f"{SENSOR_NAME}: orders fetched after their day ran",
            RAN_ASSET,
            job_name=job.name,
        )

    return [late_orders_sensor]
