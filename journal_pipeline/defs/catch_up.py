"""Run requests of a sensor's catch-up batch (`journal_pipeline.sync.catch_up`): tagged with
the sensor that asked and why, ``journal_pipeline/catch_up: "true"`` on the days that never
ran, and the tick says how many were queued of how many due."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from journal_pipeline.sync.catch_up import CATCH_UP_TAG, REQUESTED_BY_TAG, CatchUp

SYNCED_ASSET = "journal_entries"  # materialized for a day: its sales are in the journal


def catch_up_requests(
    context: dg.SensorEvaluationContext,
    batch: CatchUp,
    requested_by: str,
    ran_asset: str,
    asset_selection: Sequence[dg.AssetKey] | None = None,
    synced_asset: str = SYNCED_ASSET,
) -> list[dg.RunRequest]:
    """One run request per run of ``batch.now``; a day with no materialization of
    ``ran_asset`` in the instance never ran and is tagged as catch-up. ``asset_selection``
    applies to the days already synced (``synced_asset`` materialized): a day never synced
    runs whole, since what the selection builds (a reconciliation, payouts) is made from the
    day's sales and would be made from a part of them."""
    ran = context.instance.get_materialized_partitions(dg.AssetKey(ran_asset))
    synced = (
        context.instance.get_materialized_partitions(dg.AssetKey(synced_asset))
        if asset_selection
        else set()
    )
    requests, whole = [], 0
    for run in batch.now:
        day = run.day.isoformat()
        tags = {**run.tags, REQUESTED_BY_TAG: requested_by}
        if day not in ran:
            tags[CATCH_UP_TAG] = "true"
        selection = list(asset_selection) if asset_selection and day in synced else None
        whole += bool(asset_selection) and selection is None
        requests.append(
            dg.RunRequest(
                partition_key=day, run_key=run.run_key, tags=tags, asset_selection=selection
            )
        )
    never = sum(1 for r in requests if CATCH_UP_TAG in r.tags)
    said = f"{requested_by}: {batch.message()}; {never} of them never ran before"
    if whole:
        said += f"; {whole} never synced, run whole"
    context.log.info(said)
    return requests
