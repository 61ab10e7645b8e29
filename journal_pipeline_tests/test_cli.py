"""The headless commands, run as a user runs them: a process with environment variables."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from journal_pipeline.day_report import DayReport
from journal_pipeline.environment import missing_variables
from journal_pipeline.jurnal.client import JurnalClient, JurnalSettings
from journal_pipeline.sync.outbox_building import OPEN_STATES
from journal_pipeline_tests.cli_process import run_cli
from journal_pipeline_tests.conftest import PIPELINE_PREFIXES
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG, sandbox_env
from journal_sandbox.demo_merchant import OUTLETS
from journal_sandbox.faults import FaultInjector


def test_print_env_points_at_the_sandboxes(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ISELLER_", "JURNAL_"))}
    result = run_cli(["sandbox", "--print-env", "--iseller-port", "9801"], env, tmp_path)
    assert result.returncode == 0
    lines = dict(line.removeprefix("export ").split("=", 1) for line in result.stdout.splitlines())
    assert lines["ISELLER_TOKEN_URL"] == "http://127.0.0.1:9801/oauth/token"
    assert lines["JURNAL_BASE_URL"] == "http://127.0.0.1:8702/public/jurnal/api/v1"
    assert {"ISELLER_CLIENT_ID", "ISELLER_CLIENT_SECRET", "JURNAL_CLIENT_ID"} <= set(lines)
    assert missing_variables(lines) == []  # everything a run needs, the config included
    assert Path(lines["JOURNAL_PIPELINE_CONFIG"]).is_file()


def test_sync_a_date_headless(iseller_sandbox, jurnal_sandbox, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ISELLER_", "JURNAL_"))}
    env.pop("DAGSTER_HOME", None)
    env.update(iseller_sandbox.env)
    env.update(jurnal_sandbox.env)
    # the stock comparison looks back far enough for the sandbox's fixed days, whatever today is
    config = tmp_path / "config.yaml"
    config.write_text(
        re.sub(r"(?m)^  comparison_days: \d+", "  comparison_days: 3650", DEMO_CONFIG.read_text())
    )
    env["JOURNAL_PIPELINE_CONFIG"] = str(config)
    env["STAGING_DATABASE_URL"] = f"sqlite:///{tmp_path / 'staging.db'}"
    day = "2026-11-18"
    result = run_cli(["sync", "--date", day], env, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0] == f"{day} synced."
    assert re.fullmatch(r"  Documents: \d+ \(posted \d+.*\)\.", lines[1]), lines
    # day totals, balance, every sale, posted totals, stock documents; Jurnal has no opening
    # stock yet, so the stock comparison fails, saying what to do
    checks = next(line for line in lines if line.startswith("  Checks: "))
    # (no bank statement reached the demo: its settlements may be overdue, a warning)
    pattern = r"  Checks: \d+ passed(, warning: [\w, ]+)?, FAILED: stock_matches_jurnal\."
    assert re.fullmatch(pattern, checks), checks
    stock = next(line for line in lines if line.startswith("  Check stock_matches_jurnal"))
    assert "journal-pipeline stock init --date" in stock, stock
    assert ".0 " not in stock and ".0)" not in stock, stock  # whole units read as such
    assert len(lines) <= 10, result.stdout  # a summary, not a line per document

    expected = _completed_orders(iseller_sandbox, day)
    client = JurnalClient(JurnalSettings.from_env(jurnal_sandbox.env))
    posted = {
        i["custom_id"]
        for i in client.iter_list("sales_invoices", "sales_invoices")
        if i["custom_id"] in expected
    }
    assert posted == expected, result.stdout[-3000:]


def _completed_orders(iseller_sandbox, day: str) -> set[str]:
    """The ids of the demo day's completed orders, as the sandbox made them."""
    merchant = iseller_sandbox.sandbox.merchant
    return {
        o["order_id"]
        for outlet in OUTLETS
        for o in merchant.expected_orders(
            outlet.outlet_code, date.fromisoformat(day), as_of=iseller_sandbox.now
        )
        if o["status"] == "completed"
    }


@pytest.mark.parametrize("flavour", ["apikey", "bearer"])
def test_sync_over_a_legacy_credential(iseller_sandbox, tmp_path, flavour):
    """A day syncs as well with a legacy company API key on /core/api/v1 or a partner app's
    token on /partner/core/api/v1 as with the gateway's HMAC pair."""
    with running_jurnal_sandbox(tmp_path / "jurnal", access_token="partner-token-1") as jurnal:
        legacy = {
            "apikey": {"JURNAL_BASE_URL": jurnal.legacy_url, "JURNAL_API_KEY": jurnal.api_key},
            "bearer": {
                "JURNAL_BASE_URL": jurnal.partner_url,
                "JURNAL_ACCESS_TOKEN": "partner-token-1",
            },
        }[flavour]
        scale = {"JURNAL_RATE_LIMIT_WINDOW_SCALE": str(jurnal.sandbox.time_scale)}
        env = _sync_env(iseller_sandbox.env, {**legacy, **scale}, tmp_path)
        day = "2026-11-18"
        result = run_cli(["sync", "--date", day], env, tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        assert result.stdout.splitlines()[0] == f"{day} synced.", result.stdout
        traffic = jurnal.sandbox.traffic()
        assert set(traffic) == {flavour}  # every request went with that credential
        posted = traffic[flavour]["routes"]
        assert posted.get("POST sales_invoices", 0) + posted.get(
            "POST sales_invoices/batch_create", 0
        ), posted
        client = JurnalClient(JurnalSettings.from_env(legacy))
        expected = _completed_orders(iseller_sandbox, day)
        invoices = {i["custom_id"] for i in client.iter_list("sales_invoices", "sales_invoices")}
        assert expected <= invoices


def test_a_sync_stopped_by_jurnals_quota_finishes_once_there_is_room(iseller_sandbox, tmp_path):
    """Jurnal's plan has room for five more invoices this month (J-58): the run posts five,
    stops saying what to do, and after more quota is bought a plain re-run posts the rest,
    each order's invoice once."""
    with running_jurnal_sandbox(tmp_path / "jurnal", invoice_quota=5) as jurnal:
        env = _sync_env(iseller_sandbox.env, jurnal.env, tmp_path)
        day = "2026-11-18"
        stopped = run_cli(["sync", "--date", day], env, tmp_path)
        assert stopped.returncode == 1, stopped.stderr[-2000:]
        lines = stopped.stderr.splitlines()
        assert "sync FAILED at step jurnal_sales_invoices" in lines[0], lines[0]
        assert "transaction quota is used up" in lines[0], lines[0]
        assert lines[-1].startswith("  Next: Jurnal's transaction quota is used up: buy more"), (
            lines[-1]
        )
        assert "failed" not in next(line for line in lines if "Documents:" in line)
        client = JurnalClient(JurnalSettings.from_env(jurnal.env))
        assert len(list(client.iter_list("sales_invoices", "sales_invoices"))) == 5

        jurnal.sandbox.invoice_quota = 1000  # the owner bought more
        finished = run_cli(["sync", "--date", day], env, tmp_path)
        assert finished.returncode == 0, finished.stderr[-2000:]
        assert finished.stdout.splitlines()[0] == f"{day} synced."
        invoices = [i["custom_id"] for i in client.iter_list("sales_invoices", "sales_invoices")]
    assert len(invoices) == len(set(invoices))  # nothing twice
    assert _completed_orders(iseller_sandbox, day) <= set(invoices)


def _sync_env(iseller_env, jurnal_env, tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ISELLER_", "JURNAL_"))}
    env.pop("DAGSTER_HOME", None)
    env.update(iseller_env)
    env.update(jurnal_env)
    env["JOURNAL_PIPELINE_CONFIG"] = str(DEMO_CONFIG)
    env["STAGING_DATABASE_URL"] = f"sqlite:///{tmp_path / 'staging.db'}"
    return env


def test_a_failed_sync_ends_with_one_summary(iseller_sandbox, tmp_path):
    """Jurnal refuses every call: the run fails at its first Jurnal step, and the command says
    so once: the step, the error, the day's documents by status and reason, what to do."""
    faults = FaultInjector.from_spec("*:error=1,status=401")
    with running_jurnal_sandbox(tmp_path / "jurnal", faults=faults) as jurnal:
        env = _sync_env(iseller_sandbox.env, jurnal.env, tmp_path)
        day = "2026-11-19"
        result = run_cli(["sync", "--date", day], env, tmp_path)

    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    assert "Traceback" not in output and "Stack Trace" not in output
    assert not re.search(r"\bnan\b", output, re.IGNORECASE), output
    lines = result.stderr.splitlines()
    # the first step that calls Jurnal fails; nothing after it runs
    assert re.match(rf"{day} sync FAILED at step jurnal_\w+: (GET|POST) ", lines[0]), lines[0]
    assert lines[0].endswith("(JurnalAuthError)"), lines[0]
    not_run = next(line for line in lines if line.startswith("  Not run: "))
    assert "jurnal_sales_invoices" in not_run and "jurnal_sales_returns" in not_run, not_run
    documents = next(line for line in lines if line.startswith("  Documents: "))
    assert "posted" not in documents and "pending" in documents, documents
    assert any(line.startswith("    pending ") for line in lines), lines
    assert lines[-1].startswith("  Next: the credentials were refused; check JURNAL_CLIENT_ID")
    assert output.count("FAILED") == 1
    assert len(output.splitlines()) <= 12, output  # one summary, never a line per document
    assert "sales_invoice:" not in output and "receive_payment:" not in output


def test_sync_names_a_missing_variable(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(PIPELINE_PREFIXES)}
    env.pop("DAGSTER_HOME", None)
    env.update(sandbox_env())
    env.pop("ISELLER_CLIENT_ID")
    env["STAGING_DATABASE_URL"] = f"sqlite:///{tmp_path / 'staging.db'}"
    result = run_cli(["sync", "--date", "2026-11-19"], env, tmp_path)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.startswith("Error: Not set: ISELLER_CLIENT_ID."), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def _documents(rows: list[dict]) -> pd.DataFrame:
    columns = ["doc_key", "status", "reason", "source_reference", "transaction_no"]
    return pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns)


def test_open_records_are_grouped_by_reason_never_one_line_each():
    rows = [
        {
            "doc_key": f"sales_invoice:{n}",
            "status": "held",
            "source_reference": f"#JKT-{n:06d}",
            "reason": f"Order #JKT-{n:06d} (outlet JKT, 2026-11-19): payment method 'Voucher' "
            f"(gateway x) has no account mapping. Add it under payment_methods.",
        }
        for n in range(30)
    ]
    rows += [
        {
            "doc_key": f"sales_invoice:p{n}",
            "status": "pending",
            "source_reference": f"#BDG-{n:06d}",
            "reason": None,
        }
        for n in range(7)
    ]
    rows += [
        {
            "doc_key": f"sales_invoice:f{n}",
            "status": "failed",
            "source_reference": f"#DPS-{n:06d}",
            "transaction_no": f"ISL/DPS-{n:06d}",
            "reason": f"Order #DPS-{n:06d} (outlet DPS): Jurnal refused ISL/DPS-{n:06d}: "
            f"{field}: is invalid. Fix the cause in Jurnal or the config, then run the day again.",
        }
        for n, field in enumerate(
            "abcdefgh"
        )  # eight different causes: five groups shown, the rest counted
    ]
    rows += [{"doc_key": "sales_invoice:ok", "status": "posted", "source_reference": "#X-1"}]
    report = DayReport(date(2026, 11, 19), error="boom", failed_step="jurnal_sales_invoices")
    report.add_documents(_documents(rows), OPEN_STATES)

    lines = report.failure_lines()
    text = "\n".join(lines)
    assert "nan" not in text.lower().split()
    assert "  Documents: 46 (posted 1, pending 7, held 30, failed 8)." in lines
    assert lines[2] == (
        "    held 30: payment method 'Voucher' (gateway x) has no account mapping. Add it under "
        "payment_methods. (e.g. order #JKT-000000)"
    )
    assert lines[3] == (
        "    pending 7: not posted yet; the next run posts them (e.g. order #BDG-000000)"
    )
    assert sum(line.startswith("    ") for line in lines) == 6  # five groups and the rest
    assert "    … and 5 more in 5 other group(s) of reasons." in lines


def test_a_failed_or_warning_check_says_why_in_the_summary():
    import dagster as dg

    failed = dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey("iseller_day_totals"),
        check_name="staged_day_matches_iseller_totals",
        passed=False,
        description="JKT 2026-11-19: gross sales Rp 70.000 staged vs Rp 170.000 at iSeller",
    )
    warned = dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey("iseller_day_totals"),
        check_name="other_totals",
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        description="GetOrderSummary is not available: compared nothing",
    )
    quiet = dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey("journal_entries"),
        check_name="journal_entries_balance",
        passed=True,
        description="Every journal entry balances.",
    )
    # a check of severity WARN that passed passed, as the UI shows it (no warning that says
    # "No settlement is overdue.")
    quiet_warning = dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey("cash_bank_reconciliation"),
        check_name="settlements_overdue",
        passed=True,
        severity=dg.AssetCheckSeverity.WARN,
        description="No settlement is overdue.",
    )
    report = DayReport(date(2026, 11, 19), error="1 blocking check failed")
    for evaluation in (failed, warned, quiet, quiet_warning):
        report.note_check(evaluation)
    text = "\n".join(report.failure_lines())
    assert (
        "Checks: 2 passed, warning: other_totals, FAILED: staged_day_matches_iseller_totals."
    ) in text
    assert "settlements_overdue" not in text and "No settlement is overdue" not in text
    assert (
        "Check staged_day_matches_iseller_totals FAILED: JKT 2026-11-19: gross sales "
        "Rp 70.000 staged vs Rp 170.000 at iSeller"
    ) in text
    assert "Check other_totals warns: GetOrderSummary is not available" in text
    assert "journal_entries_balance:" not in text and "balances." not in text


def test_a_check_run_by_several_assets_counts_as_its_worst():
    import dagster as dg

    def posted(asset: str, passed: bool) -> dg.AssetCheckEvaluation:
        return dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey(asset),
            check_name="every_record_posted",
            passed=passed,
            severity=dg.AssetCheckSeverity.ERROR if passed else dg.AssetCheckSeverity.WARN,
            description="Nothing held." if passed else "2 record(s) not in Jurnal (2 held)",
        )

    report = DayReport(date(2026, 11, 19))
    for evaluation in (
        posted("jurnal_sales_invoices", False),
        posted("jurnal_payouts", True),  # a later asset's passing run does not hide it
    ):
        report.note_check(evaluation)
    text = "\n".join(report.success_lines())
    assert "Checks: 0 passed, warning: every_record_posted." in text
    assert "Check every_record_posted warns: 2 record(s) not in Jurnal" in text


def test_a_day_whose_summary_waits_says_from_when_it_is_posted():
    report = DayReport(date(2026, 11, 19), summary_waiting=(4, "2026-11-20 03:00 WIB"))
    lines = report.success_lines()
    assert lines[2] == (
        "  Daily summary: 4 document(s) built and checked, posted once the day is over at every "
        "outlet (from 2026-11-20 03:00 WIB: the nightly run, or any sync of the day then)."
    )
    assert not any(
        "Daily summary" in line for line in DayReport(date(2026, 11, 19)).success_lines()
    )


def test_status_of_an_empty_staging_database_names_it_and_where_make_dev_keeps_its_own(
    tmp_path,
):
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "STAGING_DATABASE_URL")}
    result = run_cli(["status"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    expected = f"sqlite:///{(tmp_path / '.staging' / 'staging.db').resolve()}"
    assert f"No documents in the staging database yet: {expected} (the default" in result.stdout
    assert "export DAGSTER_HOME=$PWD/.dagster_home" in result.stdout

    env["STAGING_DATABASE_URL"] = f"postgresql://jp:secret@127.0.0.1:1/{tmp_path.name}"
    named = run_cli(["status"], env, tmp_path)
    assert "Cannot open the staging database" in named.stderr and "secret" not in named.stderr
    env["STAGING_DATABASE_URL"] = f"sqlite:///{tmp_path / 'other.db'}"
    other = run_cli(["status"], env, tmp_path)
    assert f"{tmp_path / 'other.db'} (STAGING_DATABASE_URL)." in other.stdout
