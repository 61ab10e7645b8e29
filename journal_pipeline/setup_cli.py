"""Setting up a merchant: `journal-pipeline mapping init` writes the config from what iSeller
and Jurnal hold; `journal-pipeline check` says what in a config does not fit them.

Both read only (nothing is written to iSeller or Jurnal); progress goes to stderr.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click


def _progress(text: str) -> None:
    click.echo(f"… {text}", err=True)


def _clients():
    from journal_pipeline.defs.resources import iseller_client_from_env
    from journal_pipeline.jurnal.client import JurnalClient
    from journal_pipeline.jurnal.settings import JurnalSettings

    try:
        iseller = iseller_client_from_env(os.environ)
        jurnal = JurnalClient(JurnalSettings.from_env(os.environ))
    except Exception as exc:  # a missing or malformed ISELLER_* / JURNAL_* variable names itself
        raise click.ClickException(str(exc)) from None
    return iseller, jurnal


@click.group()
def mapping() -> None:
    """The merchant config: written from iSeller and Jurnal."""


@mapping.command("init")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: print to stdout). An existing file is not overwritten.",
)
@click.option(
    "--start-date",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="First business date to post (default: 30 days ago).",
)
def init(output: Path | None, start_date: datetime | None) -> None:
    """Write a commented merchant config matched to this iSeller store and Jurnal company."""
    from journal_pipeline.accounting.mapping_yaml import render_config
    from journal_pipeline.iseller.errors import ISellerError
    from journal_pipeline.jurnal.errors import JurnalError
    from journal_pipeline.sync.mapping import LOOKBACK_DAYS, read_facts

    if output is not None and output.exists():
        raise click.ClickException(f"{output} exists; choose another --output or remove it.")
    now = datetime.now(UTC)
    first = start_date.date() if start_date else (now - timedelta(days=LOOKBACK_DAYS)).date()
    iseller, jurnal = _clients()
    try:
        facts = read_facts(iseller, jurnal, now, first, _progress)
    except (ISellerError, JurnalError) as exc:
        raise click.ClickException(f"Could not read the merchant: {exc}") from None
    text = render_config(facts)
    todos = sum("# TODO" in line for line in text.splitlines())
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.")
    click.echo(
        f"{todos} value(s) to decide (marked TODO)." if todos else "Every value decided.",
        err=output is None,
    )
    click.echo(
        "Next: set JOURNAL_PIPELINE_CONFIG to the file and run `journal-pipeline check`.",
        err=output is None,
    )


@click.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Config file (default: $JOURNAL_PIPELINE_CONFIG).",
)
def check(config_path: Path | None) -> None:
    """Check the config against iSeller and Jurnal: exit 1 and one line per problem."""
    notes: list[str] = []
    problems = _problems(config_path, notes)
    for line in problems:
        click.echo(line)
    for line in notes:
        click.echo(f"note: {line}")
    click.echo(f"{len(problems)} problem(s)." if problems else "Config fits iSeller and Jurnal.")
    sys.exit(1 if problems else 0)


def _problems(config_path: Path | None, notes: list[str]) -> list[str]:
    """The config's problems; ``notes`` gets what may be a mistake but does not stop a run."""
    import yaml

    from journal_pipeline.accounting import mapping_checks
    from journal_pipeline.config import ConfigError, load_config
    from journal_pipeline.environment import CONFIG_ENV
    from journal_pipeline.sync.mapping import LOOKBACK_DAYS, methods_seen, recent_payments

    path = config_path or os.environ.get(CONFIG_ENV, "").strip() or None
    try:
        config = load_config(path)
    except ConfigError as exc:
        return [f"config: {exc}"]
    raw = yaml.safe_load(Path(str(path)).read_text(encoding="utf-8")) if path else {}
    problems = [
        f"{where}: still TODO; replace it with the value it asks for"
        for where in mapping_checks.todo_paths(raw)
    ]
    problems += mapping_checks.missing_role_problems(config)
    notes += mapping_checks.missing_role_problems(config, mapping_checks.WHEN_CHARGED_ROLES)
    iseller, jurnal = _clients()
    _progress("iSeller: store and outlets")
    try:
        iseller.get_store_info()
        outlets = [o["outlet_code"] for o in iseller.get_outlets() if o.get("is_active", True)]
        _progress(f"iSeller: payments of the last {LOOKBACK_DAYS} days")
        recent = recent_payments(iseller, datetime.now(UTC))
        seen = methods_seen(recent)
    except Exception as exc:  # unreachable, refused credentials: one line with the cause
        return [*problems, f"iSeller: cannot connect ({exc}); check the ISELLER_* variables"]
    _progress(
        f"Jurnal ({jurnal.settings.describe()}): accounts, warehouses, taxes, "
        "company settings and currency, closed books, the walk-in customer, transaction quota"
    )
    try:
        accounts = jurnal.list_accounts()
        warehouses = jurnal.list_warehouses()
        taxes = jurnal.list_taxes()
        currency = _currency(jurnal)
        company = jurnal.get("companies/active")
        customers = jurnal.list_customers()
    except Exception as exc:  # unreachable, refused credentials: one line with the cause
        return [*problems, f"Jurnal: cannot connect ({exc}); check the JURNAL_* variables"]
    problems += mapping_checks.closed_books_problems(config, company)
    problems += mapping_checks.account_problems(config, accounts)
    problems += mapping_checks.company_setting_problems(config, company)
    problems += mapping_checks.tax_problems(config, taxes)
    problems += mapping_checks.currency_problems(currency)
    problems += mapping_checks.warehouse_problems(config, outlets, warehouses)
    problems += mapping_checks.method_problems(config, seen)
    receivable_problems, receivable_notes = mapping_checks.receivable_findings(config, customers)
    problems += receivable_problems
    notes += receivable_notes
    notes += mapping_checks.unused_method_names(config, seen, LOOKBACK_DAYS)
    notes += _quota_notes(jurnal, config, recent, len(outlets))
    return problems


def _currency(jurnal: Any) -> dict[str, Any] | None:
    """``companies/get_currency``, or None where Jurnal does not serve it."""
    from journal_pipeline.jurnal.errors import JurnalError

    try:
        answer: dict[str, Any] = jurnal.get("companies/get_currency")
    except JurnalError as exc:
        if exc.status == 404:
            return None
        raise
    return answer


def _quota_notes(
    jurnal: Any, config: Any, payments: list[dict[str, Any]], outlets: int
) -> list[str]:
    """The month's transaction quota, and whether per-order posting fits it (J-58)."""
    from journal_pipeline.jurnal.errors import JurnalError
    from journal_pipeline.sync.mapping import LOOKBACK_DAYS
    from journal_pipeline.sync.quota import quota_notes

    try:
        quota = jurnal.transaction_quota()
    except JurnalError as exc:  # a note: the quota does not decide whether the config fits
        return [f"Jurnal's transaction quota could not be read: {exc}"]
    orders = len({str(p["order_id"]) for p in payments if p.get("order_id")})
    return quota_notes(quota, config.mode_of(date.today()), orders, outlets, LOOKBACK_DAYS)
