"""`journal-pipeline recon` prints the staged reconciliation of a day, or says what to run."""

from datetime import date

from click.testing import CliRunner

from journal_pipeline.cli import main
from journal_pipeline.config import load_config
from journal_pipeline.storage.bank_statements import stage_statement_lines
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.reconciliation import reconcile_day
from journal_pipeline_tests.recon_orders import DAY, bank_lines, day_orders
from journal_sandbox.defaults import DEMO_CONFIG


def test_recon_prints_the_days_rows_and_unmatched_lines(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'staging.db'}"
    monkeypatch.setenv("STAGING_DATABASE_URL", url)
    store = StagingStore(url)
    runner = CliRunner()
    nothing = runner.invoke(main, ["recon", "--date", "2026-11-20"])
    assert nothing.exit_code != 0
    assert "Nothing reconciled for 2026-11-20" in nothing.output
    assert "materialize the asset cash_bank_reconciliation" in nothing.output

    store.upsert_orders(day_orders())
    stage_statement_lines(store, bank_lines())
    reconcile_day(store, load_config(DEMO_CONFIG), DAY, as_of=date(2026, 11, 30), export=False)
    shown = runner.invoke(main, ["recon", "--date", "2026-11-20", "--outlet", "jkt"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    debit = next(x for x in lines if "Debit BCA" in x).split()
    # outlet, method (2 words), takings, refunds, mdr, expected (takings − refunds − mdr),
    # expected date, received, variance, status, age
    assert debit == [
        "JKT",
        "Debit",
        "BCA",
        "250.000",
        "0",
        "2.500",
        "247.500",
        "2026-11-23",
        "245.000",
        "-2.500",
        "short",
        "0",
    ]
    card = next(x for x in lines if "Kartu Kredit" in x).split()
    assert card[-2:] == ["overdue", "6"]
    assert "Bank lines matching no expected settlement:" in shown.output
    assert "DB Rp 15.000 on 2026-11-20" in shown.output


def test_recon_writes_rupiah_with_dots_and_cents_after_a_comma():
    from journal_pipeline.recon_cli import _money

    assert [_money(v) for v in (1234500, "1234500.50", "-2500", None)] == [
        "1.234.500",
        "1.234.500,50",
        "-2.500",
        "",
    ]
