"""`journal-pipeline rollback` and `repost` of an outlet-day posted as a daily summary, through
the command line against the emulators. The rollback reverses each order the summary carries
(a sales return against the summary's lines and a journal entry, as a correction of a summarised
order is), never the summary as one order; the summary stays as posted. A repost while the
summary still carries orders is refused, naming it and the rollback to run first; after the
rollback it posts each order again on an invoice of its own, from the current mapping. Jurnal's
trial balance equals the canonical journal after each step, and a second run does nothing.
A posted summary day built again after a mapping change keeps the journal it was posted with."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from journal_pipeline.cli import main
from journal_pipeline.config import load_config
from journal_pipeline.storage.revisions import RevisionStore
from journal_pipeline.sync import day as day_sync
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline.sync.reconciliation import (
    day_takings,
    journal_takings,
    takings_differences,
)
from journal_pipeline.sync.summary_members import members_of
from journal_pipeline_tests.e2e.demo_week import synced_demo_week
from journal_pipeline_tests.e2e.test_daily_summary_week import _config
from journal_pipeline_tests.e2e.test_dialects_week import _by_account, _trial_balance
from journal_pipeline_tests.e2e.test_rollback_repost import (
    NEW_CASH,
    _cli_env,
    _count,
    _ties_out,
    cash_moved,
)

pytestmark = pytest.mark.e2e

FIXED_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
DAYS = [date(2026, 11, 17) + timedelta(days=n) for n in range(3)]
SWITCH = DAYS[1]  # per order before it, daily summaries from it on
RESOURCES = ("sales_returns", "journal_entries", "sales_invoices")


def _counts(client) -> dict[str, int]:
    return {resource: _count(client, resource) for resource in RESOURCES}


def _numbers(client, resource: str) -> set[str]:
    return {r["transaction_no"] for r in client.iter_list(resource, resource)}


def _takings_differ(week, config: Path) -> list[str]:
    """What the check `takings_match_journal` of the day reports."""
    expected = day_takings(week.store, load_config(config), SWITCH)
    return takings_differences(expected, journal_takings(week.store, SWITCH))


def test_a_summary_outlet_day_is_rolled_back_order_by_order_then_posted_again(tmp_path):
    config = _config(tmp_path, "summary.yaml", "daily_summary", SWITCH)
    with synced_demo_week(
        tmp_path, DAYS, orders_per_outlet_per_day=4, now=FIXED_NOW, config=config
    ) as week:
        client = week.jurnal.client()
        env = {**_cli_env(week), "JOURNAL_PIPELINE_CONFIG": str(config)}
        runner = CliRunner()
        args = ["--date", SWITCH.isoformat(), "--outlet", "JKT"]
        invoices = Outbox(week.store).documents(SWITCH)
        summary = invoices[
            (invoices["doc_type"] == "sales_invoice")
            & (invoices["outlet_code"] == "JKT")
            & (invoices["status"] == "posted")
        ]
        assert len(summary) >= 1 and all(summary["source_id"].str.startswith("summary:JKT:"))
        members = members_of(week.store.engine, summary["doc_key"])
        assert len(members) >= 2
        before = _counts(client)

        # a repost while the summary carries its orders: refused, naming what to run first
        early = runner.invoke(main, ["repost", *args, "--yes"], env=env)
        assert early.exit_code == 1, early.output
        assert "REFUSED: outlet JKT" in early.output and "nothing changed" in early.output
        assert f"journal-pipeline rollback --date {SWITCH.isoformat()} --outlet JKT" in (
            early.output
        )
        for number in summary["transaction_no"]:
            assert number in early.output
        assert _counts(client) == before
        assert RevisionStore(week.store.engine).marks(SWITCH) == {}

        dry = runner.invoke(main, ["rollback", *args, "--dry-run"], env=env)
        assert dry.exit_code == 0, dry.output
        assert "REFUSED" not in dry.output and "NOT DONE" not in dry.output
        assert dry.output.count(" of summary invoice ") == len(members), dry.output
        assert _counts(client) == before

        done = runner.invoke(main, ["rollback", *args, "--yes"], env=env)
        assert done.exit_code == 0, done.output
        after = _counts(client)
        assert after["sales_invoices"] == before["sales_invoices"]  # the summary stays
        assert after["sales_returns"] > before["sales_returns"], done.output
        assert RevisionStore(week.store.engine).marks(SWITCH)["JKT"]["state"] == "rolled_back"
        # the summarised orders are in Jurnal (and reversed): nothing of them waits as held
        assert "0 held on the day" in done.output, done.output
        _ties_out(week, DAYS)
        assert _takings_differ(week, config) == []  # the sales as posted; reversals aside
        # what the outlet-day sold is gone from Jurnal's ledger, as from the canonical journal
        ours = _by_account([week.store.read_journal(SWITCH)])
        theirs = _trial_balance(client, SWITCH, SWITCH)
        assert theirs.get("Kas", Decimal(0)) == ours.get("Kas", Decimal(0))
        journal = week.store.read_journal(SWITCH)
        jkt = journal[journal["outlet_code"] == "JKT"]
        net = (jkt["credit"] - jkt["debit"]).groupby(jkt["account_role"]).sum()
        income = ("sales", "sales_return", "sales_discount", "tax:PPN", "rounding")
        assert net["sales"] > 0 and sum(net.get(role, 0) for role in income) == 0
        assert net["payment:Cash"] == 0  # the MDR kept from card payments stands

        again = runner.invoke(main, ["rollback", *args, "--yes"], env=env)
        assert again.exit_code == 0, again.output
        assert "nothing to rollback" in again.output
        assert _counts(client) == after

        # a mapping fixed afterwards: the repost books JKT's cash to the new account
        path = cash_moved(config, tmp_path)
        env["JOURNAL_PIPELINE_CONFIG"] = str(path)
        reposted = runner.invoke(main, ["repost", *args, "--yes"], env=env)
        assert reposted.exit_code == 0, reposted.output
        numbers = _numbers(client, "sales_invoices")
        posted_again = [n for n in numbers if n.endswith(".1")]
        assert len(posted_again) == len(members), reposted.output
        assert RevisionStore(week.store.engine).marks(SWITCH)["JKT"]["state"] == "reposted"
        _ties_out(week, DAYS)
        # reversed and posted again on the day: the sales as first posted, corrections aside
        assert _takings_differ(week, path) == []
        ours = _by_account([week.store.read_journal(SWITCH)])
        theirs = _trial_balance(client, SWITCH, SWITCH)
        assert theirs.get(NEW_CASH, Decimal(0)) == ours.get(NEW_CASH, Decimal(0)) != 0

        twice = runner.invoke(main, ["repost", *args, "--yes"], env=env)
        assert twice.exit_code == 0, twice.output
        assert "nothing to repost" in twice.output and "0 document(s) posted now" in twice.output
        assert _numbers(client, "sales_invoices") == numbers


def test_a_posted_summary_day_built_again_keeps_the_journal_it_was_posted_with(tmp_path):
    """Jurnal keeps the summary as posted: a build of its day under a changed mapping must
    not book the summarised sales to the new account, or the journal would leave Jurnal."""
    config = _config(tmp_path, "summary.yaml", "daily_summary", SWITCH)
    with synced_demo_week(
        tmp_path, DAYS, orders_per_outlet_per_day=4, now=FIXED_NOW, config=config
    ) as week:
        before = _by_account([week.store.read_journal(SWITCH)])
        assert before.get("Kas", Decimal(0)) != 0
        changed = load_config(cash_moved(config, tmp_path))
        journal = day_sync.build_journal(week.store, changed, SWITCH, FIXED_NOW)
        day_sync.record_journal(week.store, Outbox(week.store), SWITCH, journal)
        assert _by_account([week.store.read_journal(SWITCH)]) == before
        assert NEW_CASH not in before
        _ties_out(week, DAYS)
