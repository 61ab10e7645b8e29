"""`journal-pipeline ...`: headless runs; `sandbox` and `dev` come with the sandboxes."""

from __future__ import annotations

import fcntl
import os
import sys
import uuid
from datetime import date
from importlib.metadata import EntryPoint, entry_points

import click

from journal_pipeline.day_report import DayReport, one_line

COMMANDS_GROUP = "journal_pipeline.commands"


class _Commands(click.Group):
    """The pipeline's own commands plus those installed packages add through the entry-point
    group ``journal_pipeline.commands`` (the local sandboxes add `sandbox` and `dev`)."""

    def _plugins(self) -> dict[str, EntryPoint]:
        return {
            entry.name: entry
            for entry in entry_points(group=COMMANDS_GROUP)
            if entry.name not in self.commands
        }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._plugins()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None and name in self._plugins():
            command = self._plugins()[name].load()
        if command is None and name in ("sandbox", "dev"):
            raise click.UsageError(
                f"`journal-pipeline {name}` needs the local sandboxes, which are not installed "
                "here. In a checkout of the repository run `make dev`, or "
                "`pip install -e ./journal_sandbox`."
            )
        return command


@click.group(cls=_Commands)
def main() -> None:
    """iSeller point-of-sale data to double-entry accounting in Mekari Jurnal."""


_verbose_option = click.option(
    "-v", "--verbose", is_flag=True, help="Show Dagster's step-by-step log."
)


def _log_level(verbose: bool) -> str:
    # Without --verbose the command prints its own summary; Dagster's log (with the stack
    # trace of every failed step) would only bury it.
    return "DEBUG" if verbose else "CRITICAL"


def _note(message: str) -> None:
    click.echo(message, err=True)


def _definitions():
    """The code location's definitions, or exit with the one message that says what to set."""
    from journal_pipeline.config import ConfigError
    from journal_pipeline.definitions import build_definitions
    from journal_pipeline.environment import MissingEnvironmentError

    try:
        return build_definitions()
    except (MissingEnvironmentError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None


def _instance():
    """The Dagster instance of DAGSTER_HOME, or an ephemeral one when it is not set."""
    import dagster as dg

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return dg.DagsterInstance.ephemeral()
    try:
        # one command at a time opens it: Dagster creates a new instance's SQLite storage on
        # first open, and two commands doing so at once collide ("table ... already exists")
        with open(os.path.join(home, ".journal-pipeline-open.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return dg.DagsterInstance.get()
    except Exception as exc:  # a missing folder, a bad dagster.yaml, an unreachable database
        raise click.ClickException(
            f"Cannot open the Dagster instance of DAGSTER_HOME={home}: {one_line(exc)}"
        ) from None


def _clear_the_way(instance) -> None:
    """Free what dead runs hold, then wait (asleep) while live runs hold the Jurnal pool."""
    from journal_pipeline import runs
    from journal_pipeline.defs.assets import JURNAL_POOL

    runs.avoid_busy_wait()
    for dead in runs.recover_dead_runs(instance):
        _note(dead.describe())
    runs.wait_for_pool(instance, JURNAL_POOL, _note)


def _pool_watcher(instance, run_id: str):
    """An event listener of the run: says who holds a pool when one of its steps waits for it
    (Dagster logs that at a level the console does not show), freeing dead holders first."""
    from journal_pipeline import runs

    def on_event(entry) -> None:
        pool = runs.blocked_pool(entry)
        if pool is None:
            return
        try:
            for dead in runs.recover_dead_runs(instance):
                _note(dead.describe())
            holders, _ = runs.pool_holders(instance, pool, exclude_run_id=run_id)
            _note(runs.waiting_message(pool, holders))
        except Exception as exc:  # only a notice: it must never stop the run
            _note(f"Waiting for the {pool} pool (holder unknown: {one_line(exc)}).")

    return on_event


def _run_day(defs, instance, day: date, verbose: bool = False) -> bool:
    import dagster as dg

    from journal_pipeline import runs
    from journal_pipeline.definitions import SYNC_JOB

    _clear_the_way(instance)
    job = defs.resolve_job_def(SYNC_JOB)
    run_id = str(uuid.uuid4())
    # No helper thread looks for dead runs meanwhile: a second thread that logs while the run
    # writes its event log can deadlock Dagster's SQLite event storage with its log handler.
    instance.add_event_listener(run_id, _pool_watcher(instance, run_id))
    try:
        result = job.execute_in_process(
            partition_key=day.isoformat(),
            instance=instance,
            raise_on_error=False,
            run_id=run_id,
            tags=runs.process_tags(run_id),
            run_config={"loggers": {"console": {"config": {"log_level": _log_level(verbose)}}}},
        )
    except dg.DagsterError as exc:  # the run did not start, e.g. a date outside the partitions
        _note(f"{day} sync did not start: {one_line(exc)}{_partition_hint(job)}")
        return False
    steps = [node.name for node in job.graph.nodes_in_topological_order]
    report = DayReport.from_result(day, result, steps)
    if verbose:
        for line in report.materializations:
            click.echo(line)
    if result.success:
        click.echo("\n".join(report.success_lines()))
    else:
        _note("\n".join(report.failure_lines()))
    return result.success


def _partition_hint(job) -> str:
    """Which business days exist, for a date the job has no partition of."""
    partitions = job.partitions_def
    start = getattr(partitions, "start", None)
    if start is None:
        return ""
    return (
        f" Business days run from {start.date().isoformat()} (start_date of the config) to "
        f"today in the merchant's time zone ({partitions.timezone})."
    )


# -- the summary of one day -------------------------------------------------------------------
@main.command()
@click.option(
    "--date",
    "day",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Business date (YYYY-MM-DD) in the merchant's time zone.",
)
@_verbose_option
def sync(day, verbose):
    """Run one business day headless: extract, journal, post to Jurnal."""
    defs = _definitions()
    instance = _instance()
    sys.exit(1 if _run_days(defs, instance, [day.date()], verbose) else 0)


def _run_days(defs, instance, days: list[date], verbose: bool) -> int:
    """Run ``days``, then once more each day whose held payments waited for an invoice these
    runs posted, as the failed-records sensor does under the Dagster daemon (the payment's
    hold says its day runs again by itself). Returns how many runs failed."""
    from journal_pipeline.defs.resources import staging_store
    from journal_pipeline.sync.outbox_log_reads import last_log_id, log_after, payment_days

    try:
        store = staging_store()
        since = last_log_id(store)
    except Exception:  # staging unreachable: the runs themselves say so, with the fix
        store, since = None, 0
    failures = sum(0 if _run_day(defs, instance, day, verbose) else 1 for day in days)
    if store is None:
        return failures
    entries = []
    while batch := log_after(store, since):
        entries += batch
        since = batch[-1].id
    for due in payment_days(store, entries):
        _note(
            f"{due.day}: {len(due.payments)} held payment(s) can post now (invoice(s) "
            f"{', '.join(due.invoices[:5])} posted); running {due.day} again"
        )
        failures += 0 if _run_day(defs, instance, due.day, verbose) else 1
    return failures


@main.command()
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="First business day.")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last business day (inclusive).")
@click.option(
    "--detach",
    is_flag=True,
    help="Request the backfill and return; the instance's daemon carries it out.",
)
@click.option("--cancel", "cancel_id", metavar="ID", help="Cancel backfill ID, as the UI does.")
@_verbose_option
def backfill(start, end, detach, cancel_id, verbose):
    """Sync every business day from START to END inclusive, oldest first.

    With DAGSTER_HOME set this is a Dagster backfill of the sync job on that instance: the UI
    shows it (Overview → Backfills) and can cancel it; its runs share the Jurnal pool and rate
    limit with the schedules. Without DAGSTER_HOME the days run here, one after another.
    """
    from journal_pipeline import backfill_cli, runs
    from journal_pipeline.definitions import SYNC_JOB

    if cancel_id:
        click.echo(backfill_cli.cancel(_instance(), cancel_id))
        return
    if start is None or end is None:
        raise click.UsageError("Give --start and --end (or --cancel ID).")
    days = backfill_cli.days_between(start.date(), end.date())
    defs = _definitions()
    if not os.environ.get("DAGSTER_HOME"):
        partitions = defs.resolve_job_def(SYNC_JOB).partitions_def
        backfill_cli.refuse_outside(days, partitions.get_partition_keys() if partitions else [])
        _note(
            "DAGSTER_HOME is not set: the days run in this process and the UI will not show them."
        )
        _run_days_here(defs, _instance(), days, verbose)
        return
    instance = _instance()
    for dead in runs.recover_dead_runs(instance):
        _note(dead.describe())
    title = f"journal-pipeline backfill {days[0]} to {days[-1]}"
    backfill_id = backfill_cli.request_backfill(instance, SYNC_JOB, days, title)
    _note(f"Backfill {backfill_id}: {len(days)} day(s), {days[0]} to {days[-1]}, oldest first.")
    if detach:
        _note("The instance's daemon carries it out; the UI shows it under Overview → Backfills.")
        return
    sys.exit(backfill_cli.watch(instance, backfill_id, days, click.echo, _note))


def _run_days_here(defs, instance, days: list[str], verbose: bool) -> None:
    from journal_pipeline.defs.resources import shared_for_command

    # the days share the staging store, the config and Jurnal's reference lists (listed once,
    # learning what the runs create)
    with shared_for_command():
        failures = _run_days(defs, instance, [date.fromisoformat(d) for d in days], verbose)
    if failures:
        _note(f"{failures} day(s) failed; run them again with `journal-pipeline sync --date`")
    sys.exit(1 if failures else 0)


def _register_commands() -> None:
    from journal_pipeline.corrections_cli import repost, rollback
    from journal_pipeline.ops_cli import ops_commands
    from journal_pipeline.recon_cli import recon
    from journal_pipeline.setup_cli import check, mapping
    from journal_pipeline.stock_cli import stock

    main.add_command(rollback)
    main.add_command(repost)
    main.add_command(stock)
    main.add_command(recon)
    main.add_command(mapping)
    main.add_command(check)
    for command in ops_commands(_sync_day):
        main.add_command(command)


_opened: dict = {}  # the definitions and instance, opened once per process by `_sync_day`


def _sync_day(day: date) -> bool:
    """One day run as `sync` runs it (for `retry-failed`)."""
    if not _opened:
        _opened.update(defs=_definitions(), instance=_instance())
    return _run_day(_opened["defs"], _opened["instance"], day)


_register_commands()

if __name__ == "__main__":
    main()
