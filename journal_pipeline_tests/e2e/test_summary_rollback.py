"""`journal-pipeline rollback` and `repost` of an outlet-day posted as a daily summary, through
the command line against the emulators: refused, naming the summary invoice, with nothing of
the outlet-day changed (no document posted, no mark), while a per-order outlet-day of the same
book is still rolled back. A summary reversed as if it were one order would book the money it
was paid with to rounding."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner

from journal_pipeline.cli import main
from journal_pipeline.storage.revisions import RevisionStore
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.e2e.demo_week import synced_demo_week
from journal_pipeline_tests.e2e.test_daily_summary_week import _config
from journal_pipeline_tests.e2e.test_rollback_repost import _cli_env, _count

pytestmark = pytest.mark.e2e

FIXED_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
DAYS = [date(2026, 11, 17) + timedelta(days=n) for n in range(3)]
SWITCH = DAYS[1]  # per order before it, daily summaries from it on
RESOURCES = ("sales_returns", "journal_entries", "sales_invoices")


def _counts(client) -> dict[str, int]:
    return {resource: _count(client, resource) for resource in RESOURCES}


def test_a_summary_outlet_day_is_refused_whole_and_a_per_order_one_still_rolled_back(tmp_path):
    config = _config(tmp_path, "summary.yaml", "daily_summary", SWITCH)
    with synced_demo_week(
        tmp_path, DAYS, orders_per_outlet_per_day=4, now=FIXED_NOW, config=config
    ) as week:
        client = week.jurnal.client()
        env = {**_cli_env(week), "JOURNAL_PIPELINE_CONFIG": str(config)}
        runner = CliRunner()
        invoices = Outbox(week.store).documents(SWITCH)
        summary = invoices[
            (invoices["doc_type"] == "sales_invoice")
            & (invoices["outlet_code"] == "JKT")
            & (invoices["status"] == "posted")
        ]
        assert len(summary) >= 1 and all(summary["source_id"].str.startswith("summary:JKT:"))
        before = _counts(client)
        for action in ("rollback", "repost"):
            args = [action, "--date", SWITCH.isoformat(), "--outlet", "JKT"]
            dry = runner.invoke(main, [*args, "--dry-run"], env=env)
            assert dry.exit_code == 0, dry.output
            done = runner.invoke(main, [*args, "--yes"], env=env)
            assert done.exit_code == 1, done.output
            for shown in (dry.output, done.output):
                assert "REFUSED: outlet JKT" in shown and "daily summary" in shown
                for number in summary["transaction_no"]:
                    assert number in shown
            assert "nothing changed" in done.output
            assert _counts(client) == before
            assert RevisionStore(week.store.engine).marks(SWITCH) == {}

        # a day before the switch was posted per order: its rollback is done as ever
        day = DAYS[0]
        outlet = next(
            str(row.outlet_code)
            for row in Outbox(week.store).documents(day).itertuples(index=False)
            if row.doc_type == "sales_invoice" and row.status == "posted"
        )
        rolled = runner.invoke(
            main, ["rollback", "--date", day.isoformat(), "--outlet", outlet, "--yes"], env=env
        )
        assert rolled.exit_code == 0, rolled.output
        assert "REFUSED" not in rolled.output
        assert RevisionStore(week.store.engine).marks(day)[outlet]["state"] == "rolled_back"
        assert _count(client, "sales_returns") > before["sales_returns"], rolled.output
