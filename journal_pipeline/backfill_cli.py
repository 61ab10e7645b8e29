"""`journal-pipeline backfill`: a Dagster partition backfill of the sync job, as the UI makes one.

The backfill is recorded on the instance of DAGSTER_HOME (Overview → Backfills shows it, with
its runs, and can cancel it). Dagster's daemon launches its runs, oldest day first, through the
run queue: the instance's `dagster/backfill` tag limit, the `jurnal_api` pool and the client's
rate limiter are the ones the schedules use, so a backfill shares the Jurnal quota with them
instead of competing for it. When no daemon is running, the command starts one for as long as
the backfill lasts. The terminal shows each day as its run ends.

Days already posted cost no Jurnal write: their documents are `posted` in the outbox.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import click

from journal_pipeline import runs

LOCATION_NAME = "journal_pipeline"  # as in workspace.yaml: the UI and the daemon know it by it
DEFINITIONS_MODULE = "journal_pipeline.definitions"
BACKFILL_TAG = "dagster/backfill"
DAEMONS = ("BACKFILL", "QUEUED_RUN_COORDINATOR")  # the daemons that carry a backfill out
POLL_SECONDS = 2.0
HEARTBEAT_FRESH_SECONDS = 75.0  # a running daemon beats every 30 s

Echo = Callable[[str], None]


def days_between(start: date, end: date) -> list[str]:
    """Partition keys from ``start`` to ``end`` inclusive, oldest first."""
    if end < start:
        raise click.UsageError(f"--end {end} is before --start {start}.")
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


def refuse_outside(days: list[str], partition_keys: list[str]) -> None:
    """Refuse, before anything runs, days that are not business days of the pipeline."""
    known = set(partition_keys)
    outside = [d for d in days if d not in known]
    if outside:
        first, last = min(known, default="?"), max(known, default="?")
        raise click.UsageError(
            f"{', '.join(outside[:3])}{'…' if len(outside) > 3 else ''} is not a business "
            f"day of the pipeline, which runs from {first} to {last} (start_date in the "
            "config; a day can run once it has begun in the merchant's time zone). Nothing "
            "was run."
        )


def _workspace_yaml(home: Path) -> Path:
    """A workspace file naming the code location as workspace.yaml does."""
    path = home / "journal_pipeline_workspace.yaml"
    path.write_text(
        "load_from:\n"
        "  - python_module:\n"
        f"      module_name: {DEFINITIONS_MODULE}\n"
        f"      location_name: {LOCATION_NAME}\n"
    )
    return path


@contextmanager
def _workspace(instance) -> Iterator:
    from dagster import __version__
    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import ModuleTarget

    target = ModuleTarget(
        module_name=DEFINITIONS_MODULE,
        attribute=None,
        working_directory=os.getcwd(),
        location_name=LOCATION_NAME,
    )
    with WorkspaceProcessContext(
        instance=instance, version=__version__, read_only=False, workspace_load_target=target
    ) as process_context:
        yield process_context.create_request_context()


def request_backfill(instance, job_name: str, days: list[str], title: str) -> str:
    """Records a job backfill of ``days`` on the instance, REQUESTED: the daemon carries it out
    exactly as one launched from the UI. Returns its id."""
    from dagster._core.errors import DagsterError
    from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill
    from dagster._core.utils import make_new_backfill_id
    from dagster._time import get_current_timestamp

    with _workspace(instance) as workspace:
        location = workspace.get_code_location(LOCATION_NAME)
        repository = next(iter(location.get_repositories().values()))
        partition_set = next(
            (p for p in repository.get_partition_sets() if p.job_name == job_name), None
        )
        if partition_set is None:
            raise DagsterError(f"The code location has no partitioned job {job_name}.")
        refuse_outside(days, partition_set.get_partitions_definition().get_partition_keys())
        backfill_id = make_new_backfill_id()
        instance.add_backfill(
            PartitionBackfill(
                backfill_id=backfill_id,
                partition_set_origin=partition_set.get_remote_origin(),
                status=BulkActionStatus.REQUESTED,
                partition_names=days,
                from_failure=False,
                reexecution_steps=None,
                tags={},
                backfill_timestamp=get_current_timestamp(),
                title=title,
            )
        )
    return backfill_id


def daemon_running(instance) -> bool:
    """Whether the backfill daemons beat recently. Dagster's own tolerance (30 minutes) would
    count a daemon stopped a minute ago as running, and the backfill would wait for nobody."""
    statuses = instance.get_daemon_statuses(list(DAEMONS))
    fresh_after = time.time() - HEARTBEAT_FRESH_SECONDS
    return all(
        statuses[d].healthy
        and statuses[d].last_heartbeat is not None
        and statuses[d].last_heartbeat.timestamp > fresh_after
        for d in DAEMONS
    )


def _backfill_daemons(instance) -> list:
    """The daemons a backfill needs (and run monitoring, which frees a dead run's slots); not
    the schedules and sensors, which a command run by hand must not switch on."""
    from dagster._daemon.controller import create_daemon_of_type

    wanted = [*DAEMONS, "MONITORING"]
    return [
        create_daemon_of_type(kind, instance)
        for kind in instance.get_required_daemon_types()
        if kind in wanted
    ]


def _stop_when_orphaned(parent: int) -> None:
    """Interrupts this process once the command that started it is gone (even by SIGKILL), so
    no daemon outlives its backfill command."""
    while os.getppid() == parent:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGINT)


def run_backfill_daemons(workspace_file: str) -> None:
    """`python -m journal_pipeline.backfill_cli WORKSPACE`: the backfill daemons, until stopped
    or until the command that started them is gone."""
    import dagster as dg
    from dagster._core.workspace.load_target import WorkspaceFileTarget
    from dagster._daemon.controller import daemon_controller_from_instance
    from dagster._utils.interrupts import capture_interrupts

    threading.Thread(target=_stop_when_orphaned, args=(os.getppid(),), daemon=True).start()
    with (
        capture_interrupts(),
        dg.DagsterInstance.get() as instance,
        daemon_controller_from_instance(
            instance,
            workspace_load_target=WorkspaceFileTarget(paths=[workspace_file]),
            gen_daemons=_backfill_daemons,
            log_level="warning",
            code_server_log_level="warning",
        ) as controller,
    ):
        controller.check_daemon_loop()


@contextmanager
def daemon_if_none(instance, echo: Echo) -> Iterator[None]:
    """A `dagster-daemon` for the duration, unless one already runs on this instance."""
    if daemon_running(instance):
        echo("The Dagster daemon of this instance carries the backfill out.")
        yield
        return
    home = Path(os.environ["DAGSTER_HOME"])
    log = home / "backfill-daemon.log"
    echo(
        "No Dagster daemon runs on this instance: starting its backfill daemons until the "
        f"backfill ends ({log})."
    )
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "journal_pipeline.backfill_cli", str(_workspace_yaml(home))],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield
    finally:
        process.terminate()
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
        if process.poll() is None:
            process.kill()
        instance.wipe_daemon_heartbeats()  # ours, now stopped: no later command waits on them


@dataclass
class Progress:
    """What the terminal has been told: each day once, when its last run ends."""

    days: list[str]
    echo: Echo
    told: dict[str, str] = field(default_factory=dict)
    quota_stopped: str | None = None  # the first day Jurnal's transaction quota stopped

    def update(self, instance, backfill_id: str) -> None:
        import dagster as dg

        records = instance.get_run_records(
            filters=dg.RunsFilter(tags={BACKFILL_TAG: backfill_id}), ascending=True
        )
        latest = {r.dagster_run.tags.get(runs.PARTITION_TAG): r.dagster_run for r in records}
        for day in self.days:
            run = latest.get(day)
            if run is None or day in self.told or not run.is_finished:
                continue
            if run.status == dg.DagsterRunStatus.FAILURE and _will_retry(instance, run):
                continue
            self.told[day] = run.status.value
            self.echo(_day_line(day, run))
            failed = run.status == dg.DagsterRunStatus.FAILURE
            if failed and self.quota_stopped is None and _stopped_by_quota(instance, run):
                self.quota_stopped = day

    @property
    def failed(self) -> list[str]:
        return [d for d, status in self.told.items() if status != "SUCCESS"]

    def summary(self) -> str:
        done = len(self.told)
        return f"{done} of {len(self.days)} day(s) ran: {done - len(self.failed)} succeeded" + (
            f", {len(self.failed)} failed ({', '.join(self.failed)})" if self.failed else ""
        )


def _stopped_by_quota(instance, run) -> bool:
    """Whether a step of the run stopped because Jurnal's transaction quota is used up."""
    import dagster as dg

    from journal_pipeline.sync.quota import USED_UP

    records = instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE
    ).records
    for record in records:
        data = record.event_log_entry.dagster_event.event_specific_data
        said = getattr(getattr(data, "user_failure_data", None), "description", None) or ""
        error = getattr(data, "error", None)
        if USED_UP in said or (error is not None and USED_UP in (error.message or "")):
            return True
    return False


def _quota_stop(instance, backfill_id: str, progress: Progress, echo: Echo) -> None:
    """Every later day would stop at the quota too: the rest of the backfill is cancelled."""
    echo(
        f"Jurnal's transaction quota is used up ({progress.quota_stopped} stopped at it): the "
        "days after it would stop there too. " + cancel(instance, backfill_id) + " Buy more "
        "quota in Jurnal or wait for the next month (`posting_mode: daily_summary` posts one "
        f"invoice per outlet and day), then run `journal-pipeline backfill --start "
        f"{progress.quota_stopped} --end {progress.days[-1]}` again: nothing is posted twice."
    )


def _will_retry(instance, run) -> bool:
    return run.tags.get("dagster/will_retry") == "true"


def _day_line(day: str, run) -> str:
    status = {"SUCCESS": "synced", "FAILURE": "FAILED", "CANCELED": "cancelled"}.get(
        run.status.value, run.status.value.lower()
    )
    hint = f"; see `journal-pipeline status --date {day}`" if status != "synced" else ""
    return f"{day} {status} (run {runs.short(run.run_id)}){hint}"


def wait_for(instance, backfill_id: str, progress: Progress, echo: Echo) -> str:
    """Reports each day as it ends until the backfill is over; returns its final status."""
    from dagster._core.execution.backfill import BULK_ACTION_TERMINAL_STATUSES

    stopped = False
    while True:
        backfill = instance.get_backfill(backfill_id)
        progress.update(instance, backfill_id)
        if progress.quota_stopped and not stopped:
            stopped = True
            _quota_stop(instance, backfill_id, progress, echo)
            continue  # the cancelled days are told as they end
        if backfill.status in BULK_ACTION_TERMINAL_STATUSES and not _runs_active(
            instance, backfill_id
        ):
            if backfill.error is not None:
                echo(f"The backfill failed: {backfill.error.message.strip()}")
            return backfill.status.value
        time.sleep(POLL_SECONDS)


def watch(instance, backfill_id: str, days: list[str], say: Echo, note: Echo) -> int:
    """Reports the backfill's days until it ends (a daemon started for it if none runs);
    returns the command's exit code."""
    progress = Progress(days, say)
    try:
        with daemon_if_none(instance, note):
            status = wait_for(instance, backfill_id, progress, note)
    except KeyboardInterrupt:
        note(
            f"\nStopped watching. Backfill {backfill_id} stays on the instance: a running daemon "
            f"goes on with it; `journal-pipeline backfill --cancel {backfill_id}` cancels it."
        )
        return 130
    note(f"Backfill {backfill_id} {status.lower()}: {progress.summary()}.")
    if progress.failed:
        note("Run a failed day again with `journal-pipeline sync --date D`.")
    return 1 if progress.failed or len(progress.told) < len(days) else 0


def _runs_active(instance, backfill_id: str) -> bool:
    import dagster as dg

    active = [*runs.ACTIVE_STATUSES, dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED]
    return bool(
        instance.get_run_records(
            filters=dg.RunsFilter(tags={BACKFILL_TAG: backfill_id}, statuses=active), limit=1
        )
    )


def cancel(instance, backfill_id: str) -> str:
    """Asks the daemon to cancel a backfill, as the UI's Cancel button does."""
    import dagster as dg
    from dagster._core.execution.backfill import BulkActionStatus

    backfill = instance.get_backfill(backfill_id)
    if backfill is None:
        raise click.ClickException(f"No backfill {backfill_id} on this instance.")
    if backfill.status != BulkActionStatus.REQUESTED:
        return f"Backfill {backfill_id} is {backfill.status.value.lower()}; nothing to cancel."
    instance.update_backfill(backfill.with_status(BulkActionStatus.CANCELING))
    # its days already queued are cancelled now, not at the daemon's next look
    waiting = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED]
    for record in instance.get_run_records(
        filters=dg.RunsFilter(tags={BACKFILL_TAG: backfill_id}, statuses=waiting)
    ):
        instance.run_coordinator.cancel_run(record.dagster_run.run_id)
    return f"Backfill {backfill_id} is cancelling: queued days will not start."


if __name__ == "__main__":
    run_backfill_daemons(sys.argv[1])
