"""Run requests of a sensor's catch-up batch (`journal_pipeline.sync.catch_up`): tagged with
the sensor that asked and why, ``journal_pipeline/catch_up: "true"`` on the days that never
ran, and the tick says how many were queued of how many due."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from journal_pipeline.sync.catch_up import CATCH_UP_TAG, REQUESTED_BY_TAG, CatchUp


def catch_up_requests(
    context: dg.SensorEvaluationContext,
    batch: CatchUp,
    requested_by: str,
    ran_asset: str,
    asset_selection: Sequence[dg.AssetKey] | None = None,
) -> list[dg.RunRequest]:
    """One run request per run of ``batch.now``; a day with no materialization of
    ``ran_asset`` in the instance never ran and is tagged as catch-up."""
    ran = context.instance.get_materialized_partitions(dg.AssetKey(ran_asset))
    requests = []
    for run in batch.now:
        tags = {**run.tags, REQUESTED_BY_TAG: requested_by}
        if run.day.isoformat() not in ran:
            tags[CATCH_UP_TAG] = "true"
        requests.append(
            dg.RunRequest(
                partition_key=run.day.isoformat(),
                run_key=run.run_key,
                tags=tags,
                asset_selection=list(asset_selection) if asset_selection else None,
            )
        )
    never = sum(1 for r in requests if CATCH_UP_TAG in r.tags)
    context.log.info(f"{requested_by}: {batch.message()}; {never} of them never ran before")
    return requests
