"""`journal-pipeline status | retry-failed | preview | resolve`: where the days stand, failed
records tried again, what a day would post (nothing sent), and records done by hand.

`retry-failed` runs each day through the same in-process Dagster run as `sync`: `cli.py` hands
its day runner in (`ops_commands`), since this layer sits below the command line itself.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import click
import pandas as pd

from journal_pipeline.day_report import one_line

MAX_DAYS = 10  # days `status` shows; the rest are counted
MAX_GROUPS = 4  # reason groups per day
MAX_TEXT = 160  # characters of one reason
OPEN = ("pending", "held", "failed")
STATES = ("posted", "by_hand", "nothing_to_post", *OPEN, "withdrawn")
TIE_OUT = {
    "sales_invoice": "Invoices",
    "receive_payment": "Payments",
    "sales_return": "Returns",
}

_date_option = click.DateTime(["%Y-%m-%d"])


def _note(text: str) -> None:
    click.echo(f"… {text}", err=True)


def _one_line(text: object, limit: int = MAX_TEXT) -> str:
    return one_line(text, limit)


def _store():
    from journal_pipeline.storage.store import StagingStore

    try:
        return StagingStore()
    except Exception as exc:  # an unreachable or unreadable database names itself
        raise click.ClickException(f"Cannot open the staging database: {_one_line(exc)}") from None


def _which_database(store) -> str:
    """The database read, without its password, and how to read another (`make dev` keeps
    its staging beside its Dagster instance, which a second shell does not name by itself)."""
    url = store.engine.url.render_as_string(hide_password=True)
    if os.environ.get("STAGING_DATABASE_URL"):
        return f"{url} (STAGING_DATABASE_URL)."
    named = "DAGSTER_HOME" if os.environ.get("DAGSTER_HOME") else "no DAGSTER_HOME set"
    return (
        f"{url} (the default, {named}). `make dev` keeps its staging in .dagster_home/: "
        "`export DAGSTER_HOME=$PWD/.dagster_home` in the project's folder reads it; "
        "STAGING_DATABASE_URL names any other."
    )


# -- reading the outbox ------------------------------------------------------------------------
def _days_in_outbox(store, since: date | None) -> list[date]:
    """Days with documents (from ``since`` on), or, without ``since``, the days with open
    documents and the latest day."""
    import sqlalchemy as sa

    from journal_pipeline.storage import tables

    t = tables.outbox
    query = sa.select(t.c.business_date).distinct().order_by(t.c.business_date)
    with store.engine.connect() as conn:
        if since is not None:
            return [r[0] for r in conn.execute(query.where(t.c.business_date >= since))]
        open_days = [r[0] for r in conn.execute(query.where(t.c.status.in_(OPEN)))]
        latest = conn.execute(sa.select(sa.func.max(t.c.business_date))).scalar()
    return sorted({*open_days, *([latest] if latest else [])})


def _oldest_pending(store, day: date) -> tuple[str, datetime] | None:
    import sqlalchemy as sa

    from journal_pipeline.storage import tables

    t = tables.outbox
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(t.c.doc_key, t.c.transaction_no, t.c.created_at)
            .where(t.c.business_date == day, t.c.status == "pending")
            .order_by(t.c.created_at)
            .limit(1)
        ).first()
    if row is None:
        return None
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return str(row.transaction_no or row.doc_key), created


def _age(since: datetime) -> str:
    minutes = max(0, int((datetime.now(UTC) - since).total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


def _text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _shape(reason: str, row) -> str:
    """What reasons of different records share: their names and numbers blanked out."""
    for name in (_text(row.source_reference), _text(row.transaction_no)):
        if name:
            reason = reason.replace(name, "…")
    return re.sub(r"[^\s(]*\d[^\s)]*", "#", reason)


def reason_groups(documents: pd.DataFrame, statuses=("held", "failed")) -> list[str]:
    """One line per group of records with the same kind of reason: status, count, the reason of
    the first and the record it names; largest groups first."""
    groups: dict[tuple[str, str], list] = {}
    for row in documents[documents["status"].isin(statuses)].itertuples(index=False):
        reason = _text(row.reason) or "no reason recorded"
        key = (row.status, _shape(reason, row))
        example = _text(row.transaction_no) or _text(row.source_reference) or row.doc_key
        groups.setdefault(key, [row.status, 0, reason, example])[1] += 1
    ordered = sorted(groups.values(), key=lambda g: -g[1])
    lines = [
        f"    {status} {count}: {_one_line(reason)} (e.g. {example})"
        for status, count, reason, example in ordered[:MAX_GROUPS]
    ]
    rest = ordered[MAX_GROUPS:]
    if rest:
        lines.append(
            f"    … and {sum(g[1] for g in rest)} more in {len(rest)} other group(s) of reasons."
        )
    return lines


def _by_status(documents: pd.DataFrame) -> str:
    counts = documents["status"].value_counts()
    known = [s for s in STATES if s in counts] + sorted(set(counts.index) - set(STATES))
    return ", ".join(f"{status} {int(counts[status])}" for status in known)


def _by_type(documents: pd.DataFrame) -> list[str]:
    from journal_pipeline.core.money import format_idr

    lines = []
    for doc_type, frame in documents.groupby("doc_type", sort=True):
        money = frame["expected_total"].dropna()
        total = f", {format_idr(int(money.sum()))}" if len(money) else ""
        lines.append(f"    {doc_type}: {_by_status(frame)}{total}")
    return lines


def day_status_lines(store, day: date, records: bool = False) -> list[str]:
    from journal_pipeline.sync.outbox import Outbox

    documents = Outbox(store).documents(day)
    if documents.empty:
        return [f"{day}: no documents yet (run `journal-pipeline sync --date {day}`)."]
    lines = [f"{day}: {len(documents)} documents ({_by_status(documents)})", *_by_type(documents)]
    oldest = _oldest_pending(store, day)
    if oldest is not None:
        lines.append(f"    oldest pending: {oldest[0]}, waiting {_age(oldest[1])}")
    if records:
        lines.extend(record_lines(documents))
    elif documents["status"].isin(("held", "failed")).any():
        lines.extend(reason_groups(documents))
        lines.append(
            f"    each with its key: `journal-pipeline status --date {day} --records`; one "
            "booked by hand in Jurnal: `journal-pipeline resolve KEY --note …`"
        )
    return lines


def record_lines(documents: pd.DataFrame) -> list[str]:
    """Each held, failed, by-hand or nothing-to-post record: its key (what `resolve` takes),
    its number and its reason."""
    shown = documents[documents["status"].isin(("held", "failed", "by_hand", "nothing_to_post"))]
    lines = []
    for row in shown.sort_values(["status", "doc_key"]).itertuples(index=False):
        number = _text(row.transaction_no) or _text(row.source_reference) or "no number"
        reason = _one_line(_text(row.reason) or "no reason recorded")
        lines.append(f"    {row.status} {row.doc_key} ({number}): {reason}")
    return lines


# -- commands ----------------------------------------------------------------------------------
@click.command()
@click.option("--date", "day", type=_date_option, help="One business date (YYYY-MM-DD).")
@click.option("--since", type=_date_option, help="Every business date from this one on.")
@click.option(
    "--records",
    is_flag=True,
    help="List each held, failed, by-hand or nothing-to-post record with its key and reason.",
)
def status(day, since, records):
    """Per business day: documents by status and type, the oldest pending, held and failed
    reasons grouped (read from the staging database; nothing is sent)."""
    if day and since:
        raise click.UsageError("give --date or --since, not both.")
    store = _store()
    days = [day.date()] if day else _days_in_outbox(store, since.date() if since else None)
    if not days:
        click.echo(f"No documents in the staging database yet: {_which_database(store)}")
        return
    for one in days[-MAX_DAYS:]:
        click.echo("\n".join(day_status_lines(store, one, records)))
    if len(days) > MAX_DAYS:
        click.echo(f"… and {len(days) - MAX_DAYS} earlier day(s); narrow with --date or --since.")


def _retry_command(run_day: Callable[[date], bool]) -> click.Command:
    @click.command("retry-failed")
    @click.option("--date", "day", type=_date_option, help="Only this business date.")
    def retry_failed(day):
        """Try failed records again: each day with failed records (or --date) goes back to
        pending and runs as `sync` runs it. Held records stay held until their cause is fixed."""
        from journal_pipeline.sync import retry

        store = _store()
        days = [day.date()] if day else retry.failed_days(store)
        if not days:
            click.echo("No failed records: nothing to retry.")
            return
        reset = retry.reset_failed(store, days)
        failures = 0
        for one in days:
            _note(f"{one}: {reset[one]} failed record(s) back to pending; running the day")
            click.echo(f"{one}: {reset[one]} failed record(s) tried again.")
            failures += 0 if run_day(one) else 1
            held = retry.held_counts(store, [one])[one]
            if held:
                click.echo(
                    f"  {sum(held.values())} held record(s) stay held: their cause needs a fix "
                    f"first (then `journal-pipeline sync --date {one}`), or, once booked by "
                    "hand in Jurnal, `journal-pipeline resolve KEY --note …`."
                )
                for reason, count in sorted(held.items(), key=lambda kv: -kv[1])[:MAX_GROUPS]:
                    click.echo(f"    held {count}: {_one_line(reason)}")
        if failures:
            click.echo(f"{failures} day(s) failed again; see above.", err=True)
        sys.exit(1 if failures else 0)

    return retry_failed


@click.command()
@click.option("--date", "day", required=True, type=_date_option, help="Business date.")
def preview(day):
    """What a sync of --date would post and its tie-out totals; nothing is sent to Jurnal (the
    day is built in a scratch copy of the staging database)."""
    from journal_pipeline.config import ConfigError, load_config
    from journal_pipeline.defs.resources import iseller_client_from_env
    from journal_pipeline.environment import CONFIG_ENV, MissingEnvironmentError
    from journal_pipeline.iseller.errors import ISellerError
    from journal_pipeline.storage.store import default_staging_url
    from journal_pipeline.sync import preview as day_preview

    try:
        config = load_config(os.environ.get(CONFIG_ENV))
        client = iseller_client_from_env(os.environ)
    except (ConfigError, MissingEnvironmentError) as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # a missing or malformed ISELLER_* variable names itself
        raise click.ClickException(str(exc)) from None
    one = day.date()
    with tempfile.TemporaryDirectory(prefix="journal-preview-") as folder:
        store, copied = day_preview.scratch_store(default_staging_url(), Path(folder))
        _note(
            "working in a scratch copy of the staging database"
            if copied
            else "no staging database yet: working in an empty scratch one"
        )
        try:
            result, journal, documents = day_preview.preview_day(
                client, store, config, one, progress=_note
            )
        except ISellerError as exc:
            raise click.ClickException(f"Could not read iSeller: {_one_line(exc)}") from None
        click.echo("\n".join(preview_lines(one, copied, result, journal, documents)))
        store.engine.dispose()


def preview_lines(day: date, copied, result, journal, documents: pd.DataFrame) -> list[str]:
    from journal_pipeline.core.money import format_idr

    start = "a copy of the staging database" if copied else "an empty staging database"
    lines = [f"Preview of {day} (built in {start}; nothing sent to Jurnal)."]
    state = "complete" if result.complete else "NOT complete (a sync would not build it)"
    lines.append(f"  iSeller's day totals: {state}. {_one_line(result.description(), 300)}")
    if documents.empty:
        lines.append("  Documents: none.")
    else:
        lines.append(f"  Documents: {len(documents)} ({_by_status(documents)})")
        lines.extend(_by_type(documents))
    lines.append("  Tie-out (documents of the day that are not withdrawn):")
    live = documents[documents["status"] != "withdrawn"]
    for doc_type, label in TIE_OUT.items():
        frame = live[live["doc_type"] == doc_type]
        total = int(frame["expected_total"].dropna().sum())
        to_post = frame[frame["status"] == "pending"]
        lines.append(
            f"    {label}: {len(frame)}, {format_idr(total)} "
            f"({len(to_post)} to post, {format_idr(int(to_post['expected_total'].dropna().sum()))})"
        )
    lines.extend(_journal_lines(journal.lines))
    held = reason_groups(documents, ("held",))
    lines.append(f"  Would be held: {int((documents['status'] == 'held').sum())}")
    lines.extend(held)
    return lines


def _journal_lines(frame: pd.DataFrame) -> list[str]:
    from journal_pipeline.core.money import format_idr

    if frame.empty:
        return ["  Journal: no lines."]
    debit, credit = int(frame["debit"].sum()), int(frame["credit"].sum())
    balanced = "balanced" if debit == credit else "NOT balanced"
    lines = [
        f"  Journal: {frame['entry_id'].nunique()} entries, debit {format_idr(debit)}, "
        f"credit {format_idr(credit)} ({balanced}); per account role:"
    ]
    by_role = frame.groupby("account_role")[["debit", "credit"]].sum()
    for role, row in by_role.iterrows():
        lines.append(
            f"    {role}: debit {format_idr(int(row['debit']))}, "
            f"credit {format_idr(int(row['credit']))}"
        )
    return lines


@click.command()
@click.argument("keys", nargs=-1, required=True)
@click.option("--note", help="What was booked by hand in Jurnal (its number, who, why).")
@click.option("--undo", is_flag=True, help="Open records done by hand again.")
def resolve(keys, note, undo):
    """Mark held or failed records (KEYS, as `status --date D --records` lists them) as done
    by hand in Jurnal: the pipeline never posts them, and the day's checks pass. --undo opens
    them again; the next run of their day builds them afresh."""
    import getpass

    from journal_pipeline.sync import by_hand

    if undo == bool(note):
        raise click.UsageError("give --note (what was done by hand), or --undo.")
    store = _store()
    who = getpass.getuser()
    results = (
        by_hand.undo(store.engine, keys, who)
        if undo
        else by_hand.resolve(store.engine, keys, note, who)
    )
    for result in results:
        click.echo(result.message if result.done else f"{result.doc_key}: {result.message}")
    refused = [r for r in results if not r.done]
    if undo and len(refused) < len(results):
        click.echo("Run their days again (`journal-pipeline sync --date D`) to build them.")
    sys.exit(1 if refused else 0)


def ops_commands(run_day: Callable[[date], bool]) -> list[click.Command]:
    """The commands, with ``run_day`` (runs one day as `sync` does; True when it succeeded)."""
    return [status, _retry_command(run_day), preview, resolve]
