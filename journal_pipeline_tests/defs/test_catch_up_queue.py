"""A sensor does not queue a run of a day whose run already waits in the queue and covers it
(the whole job, or the same assets): the waiting run reads everything new when it starts."""

from datetime import UTC, date, datetime

import dagster as dg

from journal_pipeline.defs.catch_up import catch_up_requests
from journal_pipeline.sync.catch_up import CatchUp, DueRun

RECON = [dg.AssetKey("cash_bank_reconciliation")]


@dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2026-11-01"))
def journal_entries() -> None:
    pass


@dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2026-11-01"))
def cash_bank_reconciliation() -> None:
    pass


JOB = dg.define_asset_job("sync_job", [journal_entries, cash_bank_reconciliation]).resolve(
    asset_graph=dg.Definitions(assets=[journal_entries, cash_bank_reconciliation])
    .get_repository_def()
    .asset_graph
)


def _queue(instance, day: str, status=dg.DagsterRunStatus.NOT_STARTED, selection=None, job=JOB):
    """A run of ``day`` waiting to start (``NOT_STARTED``, as a run is before the queue takes
    it; a ``QUEUED`` one needs a code location's origin to be made, and is read by the same
    filter), or given another ``status``."""
    run = instance.create_run_for_job(
        job_def=job,
        tags={"dagster/partition": day},
        asset_selection=frozenset(selection) if selection else None,
    )
    if status != dg.DagsterRunStatus.NOT_STARTED:
        instance.delete_run(run.run_id)
        instance.run_storage.add_historical_run(run.with_status(status), datetime.now(UTC))
    return run


def _asked(instance, days: list[str], selection=None, job_name="sync_job") -> list[str]:
    batch = CatchUp([DueRun(date.fromisoformat(d), f"key-{d}") for d in days], [], 7)
    context = dg.build_sensor_context(instance=instance)
    requests = catch_up_requests(
        context, batch, "test", "journal_entries", selection, job_name=job_name
    )
    return [r.partition_key for r in requests]


def test_a_day_whose_whole_run_waits_in_the_queue_is_not_asked_again():
    instance = dg.DagsterInstance.ephemeral()
    _queue(instance, "2026-11-18")
    _queue(instance, "2026-11-19", status=dg.DagsterRunStatus.STARTED)  # reads no longer

    assert _asked(instance, ["2026-11-18", "2026-11-19", "2026-11-20"]) == [
        "2026-11-19",
        "2026-11-20",
    ]


def test_a_queued_run_of_some_assets_covers_only_those():
    instance = dg.DagsterInstance.ephemeral()
    # the 18th and 19th synced before, so a statement asks only their reconciliation
    for day in ("2026-11-18", "2026-11-19"):
        instance.report_runless_asset_event(
            dg.AssetMaterialization("journal_entries", partition=day)
        )
    _queue(instance, "2026-11-18", selection=RECON)
    _queue(instance, "2026-11-19", selection=RECON)

    assert _asked(instance, ["2026-11-18", "2026-11-19"], RECON) == []  # the same assets
    assert _asked(instance, ["2026-11-18"]) == ["2026-11-18"]  # the whole day is more


def test_a_queued_run_of_another_job_covers_nothing():
    instance = dg.DagsterInstance.ephemeral()
    _queue(instance, "2026-11-18")

    assert _asked(instance, ["2026-11-18"], job_name="another_job") == ["2026-11-18"]
