"""The headless commands, run as a user runs them: a process with environment variables."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

from journal_pipeline.jurnal.client import JurnalClient, JurnalSettings
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.demo_merchant import OUTLETS


def _run(args, env, cwd):
    return subprocess.run(
        [sys.executable, "-m", "journal_pipeline.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_print_env_points_at_the_sandboxes(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ISELLER_", "JURNAL_"))}
    result = _run(["sandbox", "--print-env", "--iseller-port", "9801"], env, tmp_path)
    assert result.returncode == 0
    lines = dict(line.removeprefix("export ").split("=", 1) for line in result.stdout.splitlines())
    assert lines["ISELLER_TOKEN_URL"] == "http://127.0.0.1:9801/oauth/token"
    assert lines["JURNAL_BASE_URL"] == "http://127.0.0.1:8702/public/jurnal/api/v1"
    assert {"ISELLER_CLIENT_ID", "ISELLER_CLIENT_SECRET", "JURNAL_CLIENT_ID"} <= set(lines)


def test_sync_a_date_headless(iseller_sandbox, jurnal_sandbox, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ISELLER_", "JURNAL_"))}
    env.pop("DAGSTER_HOME", None)
    env.update(iseller_sandbox.env)
    env.update(jurnal_sandbox.env)
    env["JOURNAL_PIPELINE_CONFIG"] = str(DEMO_CONFIG)
    env["STAGING_DATABASE_URL"] = f"sqlite:///{tmp_path / 'staging.db'}"
    day = "2026-11-18"
    result = _run(["sync", "--date", day], env, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"{day} check journal_entries_balance: passed" in result.stdout
    assert f"{day} check posted_totals_match_source: passed" in result.stdout

    merchant = iseller_sandbox.sandbox.merchant
    expected = {
        o["order_id"]
        for outlet in OUTLETS
        for o in merchant.expected_orders(
            outlet.outlet_code, date.fromisoformat(day), as_of=iseller_sandbox.now
        )
        if o["status"] == "completed"
    }
    client = JurnalClient(JurnalSettings.from_env(jurnal_sandbox.env))
    posted = {
        i["custom_id"]
        for i in client.iter_list("sales_invoices", "sales_invoices")
        if i["custom_id"] in expected
    }
    assert posted == expected, result.stdout[-3000:]
