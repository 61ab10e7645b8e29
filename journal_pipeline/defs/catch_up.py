"""Run requests of a sensor's catch-up batch (`journal_pipeline.sync.catch_up`): tagged with
the sensor that asked and why, ``journal_pipeline/catch_up: "true"`` on the days that never
ran (with a queue priority that launches the oldest first, whichever sensor asked when), and
the tick says how many were queued of how many due. A day whose run is already
waiting in the queue, covering what would be asked (the whole job, or the same assets), is
not asked again: that run reads everything new when it starts (another sensor, or a schedule,
may have queued it)."""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet

import dagster as dg

from journal_pipeline.sync.catch_up import (
    CATCH_UP_TAG,
    PRIORITY_TAG,
    REQUESTED_BY_TAG,
    CatchUp,
    catch_up_priority,
)

SYNCED_ASSET = "journal_entries"  # materialized for a day: its sales are in the journal


def catch_up_requests(
    context: dg.SensorEvaluationContext,
    batch: CatchUp,
    requested_by: str,
    ran_asset: str,
    asset_selection: Sequence[dg.AssetKey] | None = None,
    synced_asset: str = SYNCED_ASSET,
    job_name: str | None = None,
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
    waiting = _queued_selections(context.instance, job_name)
    requests, whole, covered = [], 0, []
    for run in batch.now:
        day = run.day.isoformat()
        tags = {**run.tags, REQUESTED_BY_TAG: requested_by}
        if day not in ran:
            tags[CATCH_UP_TAG] = "true"
            tags[PRIORITY_TAG] = str(catch_up_priority(run.day))
        selection = list(asset_selection) if asset_selection and day in synced else None
        if any(_covers(queued, selection) for queued in waiting.get(day, [])):
            covered.append(day)
            continue
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
    if covered:
        said += f"; already waiting in the queue, not asked again: {', '.join(covered)}"
    context.log.info(said)
    return requests


QUEUED = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED]


def _queued_selections(
    instance: dg.DagsterInstance, job_name: str | None
) -> dict[str, list[AbstractSet[dg.AssetKey] | None]]:
    """Partition → the asset selection of each run of ``job_name`` waiting to start (None: the
    whole job)."""
    filters = dg.RunsFilter(statuses=QUEUED, job_name=job_name)
    waiting: dict[str, list[AbstractSet[dg.AssetKey] | None]] = {}
    for run in instance.get_runs(filters=filters):
        day = run.tags.get("dagster/partition")
        if day:
            waiting.setdefault(day, []).append(run.asset_selection)
    return waiting


def _covers(
    queued: AbstractSet[dg.AssetKey] | None, selection: Sequence[dg.AssetKey] | None
) -> bool:
    """Whether a queued run of that selection builds everything a run of ``selection`` would."""
    if queued is None:
        return True
    return selection is not None and set(selection) <= queued
