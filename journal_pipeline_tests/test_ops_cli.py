"""`journal-pipeline preview | status | retry-failed` over real HTTP to both emulators and a
real SQLite staging database: the preview sends nothing, status reads the outbox, a retry posts
failed records once."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from click.testing import CliRunner

from journal_pipeline.cli import main
from journal_pipeline.jurnal.client import JurnalClient, JurnalSettings
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG

DAY = "2026-11-18"


@pytest.fixture
def jurnal(iseller_sandbox, tmp_path, monkeypatch):
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        monkeypatch.delenv("DAGSTER_HOME", raising=False)
        for name, value in {
            **iseller_sandbox.env,
            **handle.env,
            "JOURNAL_PIPELINE_CONFIG": str(DEMO_CONFIG),
            "STAGING_DATABASE_URL": f"sqlite:///{tmp_path / 'staging.db'}",
        }.items():
            monkeypatch.setenv(name, value)
        yield handle


def _invoices(jurnal) -> list[str]:
    client = JurnalClient(JurnalSettings.from_env(jurnal.env))
    return [i["transaction_no"] for i in client.iter_list("sales_invoices", "sales_invoices")]


def test_preview_shows_the_day_and_sends_nothing(jurnal):
    result = CliRunner().invoke(main, ["preview", "--date", DAY])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"Preview of {DAY} (built in an empty staging database; nothing sent to Jurnal)."
    )
    assert lines[1].startswith("  iSeller's day totals: complete. "), lines[1]
    assert "bound method" not in result.output
    assert re.fullmatch(r"  Documents: \d+ \(pending \d+.*\)", lines[2]), lines
    invoices = next(line for line in lines if line.startswith("    Invoices: "))
    assert re.fullmatch(r"    Invoices: (\d+), Rp [\d.]+ \(\1 to post, Rp [\d.]+\)", invoices)
    assert any(line.startswith("    Payments: ") for line in lines)
    journal = next(line for line in lines if line.startswith("  Journal: "))
    assert "(balanced)" in journal, journal
    assert any(re.match(r"    \w+: debit Rp [\d.]+, credit Rp [\d.]+", line) for line in lines)
    assert "extracting orders" in result.stderr  # progress per step
    assert "no staging database yet: working in an empty scratch one" in result.stderr
    # nothing reached Jurnal, and the real staging database has no document of the day
    assert _invoices(jurnal) == []
    assert Outbox(StagingStore()).documents(DAY).empty


def test_status_then_retry_failed_posts_them_once(jurnal):
    runner = CliRunner()
    synced = runner.invoke(main, ["sync", "--date", DAY])
    assert synced.exit_code == 0, synced.output
    store = StagingStore()
    outbox = Outbox(store)
    invoices = outbox.documents(DAY)
    invoices = invoices[
        (invoices["doc_type"] == "sales_invoice") & (invoices["status"] == "posted")
    ].head(2)
    assert len(invoices) == 2
    for key in invoices["doc_key"]:  # as Jurnal's refusal leaves them
        outbox._mark(key, "failed", "Jurnal refused it: account: not found.", "failed")

    status = runner.invoke(main, ["status", "--date", DAY])
    assert status.exit_code == 0, status.output
    lines = status.output.splitlines()
    assert re.fullmatch(rf"{DAY}: \d+ documents \(posted \d+, .*failed 2.*\)", lines[0]), lines
    assert any(re.match(r"    sales_invoice: posted \d+, failed 2, Rp [\d.]+", x) for x in lines)
    failed = next(line for line in lines if line.startswith("    failed 2: "))
    assert "Jurnal refused it: account: not found." in failed and "(e.g. " in failed
    assert f"`journal-pipeline status --date {DAY} --records`" in lines[-1]
    listed = runner.invoke(main, ["status", "--date", DAY, "--records"])
    for key in invoices["doc_key"]:
        assert f"    failed {key} (" in listed.output, listed.output
    assert len(lines) <= 24, status.output  # one screen

    retried = runner.invoke(main, ["retry-failed"])
    assert retried.exit_code == 0, retried.output
    assert f"{DAY}: 2 failed record(s) tried again." in retried.stdout
    assert f"{DAY} synced." in retried.stdout
    assert "running the day" in retried.stderr
    # the payment whose invoice belongs to another day stays held, and the output says why
    assert re.search(r"  1 held record\(s\) stay held: their cause needs a fix", retried.stdout)
    assert "    held 1: Payment of order #JKT-000004 waits for its invoice" in retried.stdout
    after = outbox.documents(DAY)
    assert set(after.loc[after["doc_key"].isin(invoices["doc_key"]), "status"]) == {"posted"}
    posted = _invoices(jurnal)
    assert len(posted) == len(set(posted))  # none twice
    assert set(invoices["transaction_no"]) <= set(posted)

    again = runner.invoke(main, ["retry-failed"])
    assert again.exit_code == 0 and "No failed records: nothing to retry." in again.output

    # a preview of a posted day starts from a copy: its documents read as posted, none to post
    before = outbox.documents(DAY)
    preview = runner.invoke(main, ["preview", "--date", DAY])
    assert preview.exit_code == 0, preview.output
    assert "built in a copy of the staging database" in preview.stdout
    assert "working in a scratch copy of the staging database" in preview.stderr
    assert re.search(r"    Invoices: \d+, Rp [\d.]+ \(0 to post, Rp 0\)", preview.stdout)
    pd.testing.assert_frame_equal(outbox.documents(DAY), before)
    assert sorted(_invoices(jurnal)) == sorted(posted)
