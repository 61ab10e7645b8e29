"""`journal-pipeline ...`: headless runs; `sandbox` and `dev` come with the sandboxes."""

from __future__ import annotations

import os
import sys
from datetime import date, timedelta
from importlib.metadata import EntryPoint, entry_points

import click

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
    return "DEBUG" if verbose else "WARNING"


def _definitions():
    """The code location's definitions, or exit with the one message that says what to set."""
    from journal_pipeline.config import ConfigError
    from journal_pipeline.definitions import build_definitions
    from journal_pipeline.environment import MissingEnvironmentError

    try:
        return build_definitions()
    except (MissingEnvironmentError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None


def _run_day(defs, day: date, log_level: str = "WARNING") -> bool:
    import dagster as dg

    from journal_pipeline.definitions import SYNC_JOB

    instance = (
        dg.DagsterInstance.get()
        if os.environ.get("DAGSTER_HOME")
        else dg.DagsterInstance.ephemeral()
    )
    job = defs.resolve_job_def(SYNC_JOB)
    result = job.execute_in_process(
        partition_key=day.isoformat(),
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
    )
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        shown = {
            k: v.value
            for k, v in materialization.metadata.items()
            if not isinstance(v.value, str) or len(v.value) < 80
        }
        click.echo(f"{day} {materialization.asset_key.to_user_string()}: {shown}")
    for evaluation in result.get_asset_check_evaluations():
        status = "passed" if evaluation.passed else "FAILED"
        click.echo(f"{day} check {evaluation.check_name}: {status}")
    _print_open_records(day)
    if not result.success:
        for event in result.all_events:
            if event.is_failure and event.step_failure_data:
                click.echo(
                    f"{day} {event.step_key} failed: "
                    f"{event.step_failure_data.error.message.strip()}",
                    err=True,
                )
    return result.success


def _print_open_records(day: date) -> None:
    """Every record of the day that is not in Jurnal, with its reason."""
    from journal_pipeline.storage.store import StagingStore
    from journal_pipeline.sync.outbox import Outbox

    documents = Outbox(StagingStore()).documents(day)
    open_docs = documents[documents["status"].isin(["held", "failed", "pending"])]
    for row in open_docs.itertuples(index=False):
        click.echo(f"{day} {row.status.upper()} {row.doc_key}: {row.reason or ''}")


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
    sys.exit(0 if _run_day(defs, day.date(), _log_level(verbose)) else 1)


@main.command()
@click.option("--start", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--end", required=True, type=click.DateTime(["%Y-%m-%d"]))
@_verbose_option
def backfill(start, end, verbose):
    """Run every business day from START to END inclusive, in order."""
    defs = _definitions()
    day, failures = start.date(), 0
    while day <= end.date():
        failures += 0 if _run_day(defs, day, _log_level(verbose)) else 1
        day += timedelta(days=1)
    if failures:
        click.echo(
            f"{failures} day(s) failed; run them again with `journal-pipeline sync --date`",
            err=True,
        )
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
