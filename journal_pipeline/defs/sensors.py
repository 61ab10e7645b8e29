"""Sensors: days that need another run because orders reached iSeller after their day ran."""

import hashlib
from datetime import UTC, datetime, timedelta

import dagster as dg

from journal_pipeline.defs.resources import MerchantConfigResource, StagingResource
from journal_pipeline.sync.day import unbuilt_days

LOOKBACK = timedelta(days=7)  # orders fetched this recently are checked


def build_sensors(job):
    @dg.sensor(
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
        would never be posted.
        """
        config = merchant.config
        today = datetime.now(UTC).astimezone(config.zone).date()
        days = unbuilt_days(staging.store, config, datetime.now(UTC) - LOOKBACK)
        requests = []
        for day, order_ids in days.items():
            if day >= today or day < config.start_date:
                continue  # today's hourly run builds today; nothing is posted before the start
            digest = hashlib.sha256(",".join(order_ids).encode()).hexdigest()[:12]
            requests.append(
                dg.RunRequest(
                    partition_key=day.isoformat(),
                    run_key=f"late-{day.isoformat()}-{digest}",
                    tags={"journal_pipeline/late_orders": str(len(order_ids))},
                )
            )
        if not requests:
            return dg.SkipReason("every staged completed order has been built into its day")
        return requests

    return [late_orders_sensor]
