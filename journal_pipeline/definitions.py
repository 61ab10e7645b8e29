"""The Dagster code location: `dagster dev -m journal_pipeline.definitions`."""

from __future__ import annotations

import dagster as dg

from journal_pipeline.config import load_config
from journal_pipeline.defs.assets import build_assets
from journal_pipeline.defs.partitions import daily_partitions
from journal_pipeline.defs.resources import default_resources
from journal_pipeline.defs.schedules import build_schedules
from journal_pipeline.defs.sensors import build_sensors

SYNC_JOB = "iseller_to_jurnal_job"


def build_definitions() -> dg.Definitions:
    config = load_config()
    daily = daily_partitions(config)
    assets = build_assets(daily)
    job = dg.define_asset_job(
        SYNC_JOB,
        selection=dg.AssetSelection.assets(*assets),
        tags={"dagster/max_retries": "1"},
    )
    return dg.Definitions(
        assets=assets,
        jobs=[job],
        schedules=build_schedules(job, config.timezone),
        sensors=build_sensors(job),
        resources=default_resources(),
    )


defs = build_definitions()
