"""`journal-pipeline rollback` and `journal-pipeline repost`: an outlet-day reversed in Jurnal,
or posted again from the current config (`sync/rollback.py` holds the logic).

Both list what they would do (documents and totals) first, then ask; ``--yes`` skips the
question (scripts), ``--dry-run`` only lists. Running either twice does nothing the second
time, and says so.
"""

from __future__ import annotations

import getpass
import os
import socket
import sys
import uuid
from datetime import date

import click

_date_option = click.option(
    "--date",
    "day",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Business date (YYYY-MM-DD) of the outlet-day.",
)
_outlet_option = click.option(
    "--outlet", default=None, help="Outlet code (default: every outlet of the config)."
)
_yes_option = click.option("--yes", is_flag=True, help="Do it without asking.")
_dry_run_option = click.option("--dry-run", is_flag=True, help="Only list what would be done.")


def _who() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = "unknown user"
    return f"{user}@{socket.gethostname()}"


def _run(action: str, day: date, outlet: str | None, yes: bool, dry_run: bool) -> None:
    from journal_pipeline.config import ConfigError, load_config
    from journal_pipeline.environment import CONFIG_ENV, MissingEnvironmentError
    from journal_pipeline.jurnal.client import JurnalClient
    from journal_pipeline.jurnal.settings import JurnalSettings
    from journal_pipeline.storage.store import StagingStore
    from journal_pipeline.sync import rollback

    try:
        # the mapping of the day (`config_history`): a repost books to the accounts of then
        config = load_config(os.environ.get(CONFIG_ENV)).on(day)
    except (ConfigError, MissingEnvironmentError) as exc:
        raise click.ClickException(str(exc)) from None
    outlets = [outlet] if outlet else sorted(config.outlets)
    unknown = [code for code in outlets if config.outlet(code) is None]
    if unknown:
        raise click.ClickException(
            f"outlet {', '.join(unknown)} is not in the config; known: "
            f"{', '.join(sorted(config.outlets))}."
        )
    store = StagingStore()
    where = f" --outlet {outlet}" if outlet else ""
    command = f"journal-pipeline {action} --date {day.isoformat()}{where} by {_who()}"
    make = rollback.plan_rollback if action == rollback.ROLLBACK else rollback.plan_repost
    plans = [make(store, config, day, code, command) for code in outlets]
    for plan in plans:
        click.echo("\n".join(plan.listing()))
    if dry_run:
        click.echo("Dry run: nothing changed.")
        return
    if any(plan.refused is not None for plan in plans):
        raise click.ClickException(f"{action} refused: nothing changed (see REFUSED above).")
    if all(plan.empty for plan in plans):
        click.echo(f"Nothing new to {action}; finishing anything left pending.")
    elif not yes and not click.confirm(f"{action.capitalize()} as listed?", default=False):
        click.echo("Nothing changed.")
        sys.exit(1)
    try:
        settings = JurnalSettings.from_env(os.environ)
    except Exception as exc:  # a missing or malformed JURNAL_* variable names itself
        raise click.ClickException(str(exc)) from None
    client = JurnalClient(settings, limiter=settings.rate_limiter(store.engine))
    run_id = f"{action}-{uuid.uuid4()}"
    result = rollback.apply(store, config, plans, client, run_id)
    click.echo(
        f"{action.capitalize()} done: {result.posted} document(s) posted now, "
        f"{result.duplicates_resolved} found already in Jurnal, {result.failed} refused, "
        f"{result.held} held on the day."
    )
    for failure in result.failures[:5]:
        click.echo(f"  {failure}", err=True)
    if result.interrupted:
        click.echo(
            f"Posting stopped early ({result.interrupted}); run the same command again to "
            "finish (nothing is posted twice).",
            err=True,
        )
    if result.failed or result.interrupted:
        sys.exit(1)


@click.command()
@_date_option
@_outlet_option
@_yes_option
@_dry_run_option
def rollback(day, outlet, yes, dry_run):
    """Reverse everything posted for an outlet-day; hold the day until `repost`."""
    _run("rollback", day.date(), outlet, yes, dry_run)


@click.command()
@_date_option
@_outlet_option
@_yes_option
@_dry_run_option
def repost(day, outlet, yes, dry_run):
    """Post an outlet-day again from the current config (reversing what differs first)."""
    _run("repost", day.date(), outlet, yes, dry_run)
