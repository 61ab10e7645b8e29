"""`journal-pipeline ...`: headless runs; `sandbox` and `dev` come with the sandboxes."""

from __future__ import annotations

import fcntl
import os
import re
import sys
import uuid
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import EntryPoint, entry_points

import click

COMMANDS_GROUP = "journal_pipeline.commands"
MAX_GROUPS = 5  # reasons shown per day; the rest are counted
MAX_TEXT = 300  # characters of one error message or reason

# Errors that go away by themselves: the same run succeeds later.
TRANSIENT_ERRORS = frozenset(
    {"JurnalRetryableError", "JurnalRateLimited", "ISellerHttpError", "ConnectionError", "Timeout"}
)
CREDENTIALS = {
    "JurnalAuthError": "JURNAL_CLIENT_ID and JURNAL_CLIENT_SECRET (or JURNAL_API_KEY)",
    "ISellerAuthError": "ISELLER_CLIENT_ID and ISELLER_CLIENT_SECRET",
}
INTERRUPTED = "DagsterExecutionInterruptedError"


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


def _one_line(text: object, limit: int = MAX_TEXT) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


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
            f"Cannot open the Dagster instance of DAGSTER_HOME={home}: {_one_line(exc)}"
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
            _note(f"Waiting for the {pool} pool (holder unknown: {_one_line(exc)}).")

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
        _note(f"{day} sync did not start: {_one_line(exc)}{_partition_hint(job)}")
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
_WORSE = {"passed": 0, "warns": 1, "FAILED": 2}  # how a check of several assets counts


@dataclass
class DayReport:
    """What a run of one day did: failed and skipped steps, checks, the day's documents."""

    day: date
    failed_step: str | None = None
    error_class: str | None = None
    error: str | None = None
    skipped: list[str] = field(default_factory=list)
    checks: dict[str, str] = field(default_factory=dict)  # name → "passed" | "warns" | "FAILED"
    check_notes: list[str] = field(default_factory=list)  # what a failed or warning check said
    counts: dict[str, int] = field(default_factory=dict)
    groups: list[tuple[str, int, str, str]] = field(default_factory=list)  # status, n, why, e.g.
    other_groups: tuple[int, int] = (0, 0)  # records, groups not shown
    documents_error: str | None = None
    materializations: list[str] = field(default_factory=list)

    @classmethod
    def from_result(cls, day: date, result, steps: list[str]) -> DayReport:
        """``steps``: the job's steps in order (those that never started are reported)."""
        report = cls(day)
        started = set()
        for event in result.all_events:
            if event.is_step_start:
                started.add(event.step_key)
            elif event.is_step_failure and report.failed_step is None:
                report.failed_step = event.step_key
                report.error_class, report.error = _step_error(event.step_failure_data)
            elif event.is_run_failure and report.error is None:
                report.error_class, report.error = _run_error(event)
        report.skipped = [step for step in steps if step not in started]
        for evaluation in result.get_asset_check_evaluations():
            report.note_check(evaluation)
        for event in result.get_asset_materialization_events():
            materialization = event.materialization
            shown = {
                k: v.value
                for k, v in materialization.metadata.items()
                if not isinstance(v.value, str) or len(v.value) < 80
            }
            report.materializations.append(
                f"{day} {materialization.asset_key.to_user_string()}: {shown}"
            )
        report._read_documents()
        return report

    def note_check(self, evaluation) -> None:
        """Keep each check's outcome, and what a failed or warning check says about the day,
        as the Dagster UI shows them: a check that passed passed, whatever its severity; one
        that did not pass at severity WARN warns (it never blocks the day), else it failed."""
        warned = evaluation.severity.value == "WARN"
        state = "passed" if evaluation.passed else "warns" if warned else "FAILED"
        # several assets run a check of one name (every_record_posted): the worst one counts
        known = self.checks.get(evaluation.check_name)
        if known is None or _WORSE[state] > _WORSE[known]:
            self.checks[evaluation.check_name] = state
        if state == "passed" or not evaluation.description:
            return
        self.check_notes.append(
            f"  Check {evaluation.check_name} {state}: {_one_line(evaluation.description, 400)}"
        )

    def _read_documents(self) -> None:
        from journal_pipeline.defs.resources import staging_store
        from journal_pipeline.sync.outbox import Outbox
        from journal_pipeline.sync.outbox_building import OPEN_STATES

        try:
            documents = Outbox(staging_store()).documents(self.day)
        except Exception as exc:  # only the summary: the run's own result stands
            self.documents_error = _one_line(exc)
            return
        self.add_documents(documents, OPEN_STATES)

    def add_documents(self, documents, open_states) -> None:
        """Counts by status of the day's documents (`Outbox.documents`), and the open ones
        grouped by what keeps them open, largest groups first."""
        counts = documents["status"].value_counts()
        self.counts = {str(k): int(v) for k, v in counts.items()}
        groups: dict[tuple[str, str], list] = {}
        for row in documents[documents["status"].isin(open_states)].itertuples(index=False):
            reference = _text(row.source_reference)
            why = _cause(row.status, _text(row.reason), reference)
            key = (row.status, _shape(why, reference, _text(row.transaction_no)))
            groups.setdefault(key, [row.status, 0, why, reference])[1] += 1
        from journal_pipeline.sync.outbox import STATES

        rank = {status: i for i, status in enumerate(STATES)}
        ordered = sorted(groups.values(), key=lambda g: (-g[1], rank.get(g[0], len(rank))))
        self.groups = [tuple(g) for g in ordered[:MAX_GROUPS]]
        rest = ordered[MAX_GROUPS:]
        self.other_groups = (sum(g[1] for g in rest), len(rest))

    # -- lines --------------------------------------------------------------------------------
    def documents_lines(self) -> list[str]:
        if self.documents_error:
            return [f"  Documents: cannot read the staging database ({self.documents_error})."]
        if not self.counts:
            return ["  Documents: none yet for this day."]
        from journal_pipeline.sync.outbox import STATES

        known = [s for s in STATES if s in self.counts]
        statuses = known + sorted(set(self.counts) - set(known))
        by_status = ", ".join(f"{status} {self.counts[status]}" for status in statuses)
        lines = [f"  Documents: {sum(self.counts.values())} ({by_status})."]
        for status, count, why, example in self.groups:
            named = not example or example in why
            example_text = "" if named else f" (e.g. order {example})"
            lines.append(f"    {status} {count}: {_one_line(why, 200)}{example_text}")
        records, groups = self.other_groups
        if records:
            lines.append(f"    … and {records} more in {groups} other group(s) of reasons.")
        return lines

    def checks_line(self) -> str | None:
        if not self.checks:
            return None
        passed = [name for name, state in self.checks.items() if state == "passed"]
        warned = [name for name, state in self.checks.items() if state == "warns"]
        failed = [name for name, state in self.checks.items() if state == "FAILED"]
        text = f"  Checks: {len(passed)} passed"
        if warned:
            text += f", warning: {', '.join(warned)}"
        if failed:
            text += f", FAILED: {', '.join(failed)}"
        return "\n".join([text + ".", *self.check_notes])

    def success_lines(self) -> list[str]:
        lines = [f"{self.day} synced.", *self.documents_lines()]
        if (check := self.checks_line()) is not None:
            lines.append(check)
        if self.counts.get("held") or self.counts.get("failed"):
            lines.append(
                "  Next: held and failed records say what to fix; then run "
                f"`journal-pipeline sync --date {self.day}` again."
            )
        return lines

    def failure_lines(self) -> list[str]:
        where = f" at step {self.failed_step}" if self.failed_step else ""
        kind = f" ({self.error_class})" if self.error_class not in (None, "Failure") else ""
        lines = [f"{self.day} sync FAILED{where}: {self.error or 'no error message'}{kind}"]
        if self.skipped:
            lines.append(f"  Not run: {', '.join(self.skipped)}.")
        lines.extend(self.documents_lines())
        if (check := self.checks_line()) is not None:
            lines.append(check)
        lines.append(f"  Next: {self.next_step()}")
        return lines

    def next_step(self) -> str:
        again = f"`journal-pipeline sync --date {self.day}`"
        safe = "documents already in Jurnal are not posted twice"
        if self.error_class in CREDENTIALS:
            return (
                f"the credentials were refused; check {CREDENTIALS[self.error_class]}, "
                f"then run {again} again."
            )
        if self.error_class == INTERRUPTED:
            return f"run {again} again when you are ready ({safe})."
        if self.error_class in TRANSIENT_ERRORS or "left pending for the next run" in (
            self.error or ""
        ):
            return f"a temporary error; run {again} again later ({safe})."
        return f"fix the cause above, then run {again} again ({safe})."


def _step_error(data) -> tuple[str | None, str]:
    """The class and message of the error that failed a step, without Dagster's wrappers."""
    if data.user_failure_data is not None and data.user_failure_data.description:
        return "Failure", _one_line(data.user_failure_data.description)
    return _error_text(data.error)


def _run_error(event) -> tuple[str | None, str]:
    data = event.event_specific_data
    error = getattr(data, "error", None)
    if error is not None:
        return _error_text(error)
    return None, _one_line(event.message or "the run failed")


def _error_text(error) -> tuple[str | None, str]:
    if error is None:
        return None, "no error message"
    while error.cause is not None and (error.cls_name or "").startswith("Dagster"):
        error = error.cause
    name = error.cls_name or ""
    if name == INTERRUPTED:
        return name, "interrupted (Ctrl-C or a termination signal)"
    message = error.message.strip()
    # "package.module.ErrorClass: text" -> "text"
    message = re.sub(rf"^[\w.]*{re.escape(name)}(: |$)", "", message) if name else message
    return name or None, _one_line(message or "no error message")


def _text(value) -> str:
    """A cell of the documents frame as text: empty for None and NaN."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _cause(status: str, reason: str, reference: str) -> str:
    """A record's reason without the label that names its order (the same cause, whatever the
    order, reads the same)."""
    if not reason:
        if status == "pending":
            return "not posted yet; the next run posts them"
        return "no reason recorded"
    head, sep, tail = reason.partition(": ")
    if sep and reference and reference in head:
        return tail
    return reason


def _shape(cause: str, reference: str, transaction_no: str) -> str:
    """What causes of different records have in common: names and numbers blanked out."""
    for name in (reference, transaction_no):
        if name:
            cause = cause.replace(name, "…")
    return re.sub(r"[^\s(]*\d[^\s)]*", "#", cause)  # order numbers, amounts, dates


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
    sys.exit(0 if _run_day(defs, instance, day.date(), verbose) else 1)


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
        failures = sum(
            0 if _run_day(defs, instance, date.fromisoformat(d), verbose) else 1 for d in days
        )
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
