"""The Dagster code location: `dagster dev -m journal_pipeline.definitions`.

Definitions are built lazily (``@dg.definitions``): importing this module reads nothing.
Loading them reads the merchant config (partitions start on its ``start_date`` in its time
zone) and checks that every required environment variable is set, so a missing one stops
the code location with one message naming it, before any run starts.
"""

from __future__ import annotations

import dagster as dg

from journal_pipeline import runs
from journal_pipeline.config import MerchantConfig, load_config
from journal_pipeline.defs.alert_sensors import build_run_failure_alert_sensor
from journal_pipeline.defs.assets import build_assets
from journal_pipeline.defs.failed_records_sensor import build_failed_records_sensor
from journal_pipeline.defs.fee_assets import build_fee_assets
from journal_pipeline.defs.partitions import daily_partitions
from journal_pipeline.defs.recon_assets import build_recon_assets
from journal_pipeline.defs.resources import resources_from_environment
from journal_pipeline.defs.schedules import build_schedules, finalize_hour, hourly_probe
from journal_pipeline.defs.sensors import build_sensors
from journal_pipeline.defs.shift_assets import build_shift_assets
from journal_pipeline.defs.shift_sensor import build_shift_close_sensor
from journal_pipeline.defs.statement_sensor import build_statement_sensor
from journal_pipeline.defs.stock_assets import build_stock_assets
from journal_pipeline.defs.stock_comparison import build_stock_comparison_assets

SYNC_JOB = "iseller_to_jurnal_job"


def build_definitions(
    config: MerchantConfig | None = None, resources: dict | None = None
) -> dg.Definitions:
    """Assets, checks, job, schedules and sensors for one merchant; resources from the
    environment unless given."""
    runs.avoid_busy_wait()  # a step waiting for the Jurnal pool sleeps in every run's process
    resources = resources_from_environment() if resources is None else resources
    config = config or load_config()
    daily = daily_partitions(config)
    compared, by_hand = build_stock_comparison_assets(daily)
    assets = [
        *build_assets(daily),
        *build_stock_assets(daily),
        *compared,
        *build_shift_assets(daily),
        *build_fee_assets(daily),
        *build_recon_assets(daily),
    ]
    # No retry tag on the job: the instance's `run_retries` (dagster.yaml) is the one retry
    # policy, so a run from the UI's Materialize or a backfill retries as the schedules' do.
    # Steps run in the run's own process: a day's steps are short and mostly wait on HTTP or
    # the Jurnal pool, so a process per step (the default) costs more than the step itself.
    job = dg.define_asset_job(
        SYNC_JOB, selection=dg.AssetSelection.assets(*assets), executor_def=dg.in_process_executor
    )
    return dg.Definitions(
        assets=[*assets, *by_hand],
        jobs=[job],
        # the hourly tick looks with the runs' own resources whether its run could do anything
        schedules=build_schedules(
            job, config.timezone, hourly_probe(resources, SYNC_JOB), finalize_hour(config)
        ),
        sensors=[
            *build_sensors(job),
            build_shift_close_sensor(job),
            build_statement_sensor(job),
            build_failed_records_sensor(job),
            build_run_failure_alert_sensor(),
        ],
        resources=resources,
        executor=dg.in_process_executor,  # the UI's Materialize runs as the job does
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
