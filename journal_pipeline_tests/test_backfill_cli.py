"""`journal-pipeline backfill`: a Dagster backfill on the instance, carried out by the daemon."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.execution.backfill import BulkActionStatus

from journal_pipeline.runs import PARTITION_TAG
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.demo_merchant import OUTLETS

REPO = Path(__file__).resolve().parents[1]
DAYS = ["2026-11-18", "2026-11-19"]


def _backfill(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "journal_pipeline.cli", "backfill", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=int(os.environ.get("BACKFILL_TEST_TIMEOUT", "600")),
    )


@pytest.fixture
def instance_env(iseller_sandbox, jurnal_sandbox, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ISELLER_", "JURNAL_"))}
    env.update(iseller_sandbox.env)
    env.update(jurnal_sandbox.env)  # the test that counts Jurnal's records brings its own
    env["DAGSTER_HOME"] = str(home)
    env["JOURNAL_PIPELINE_CONFIG"] = str(DEMO_CONFIG)
    env["STAGING_DATABASE_URL"] = f"sqlite:///{tmp_path / 'staging.db'}"
    return env


def _instance(env: dict[str, str]) -> dg.DagsterInstance:
    os.environ["DAGSTER_HOME"] = env["DAGSTER_HOME"]
    try:
        return dg.DagsterInstance.get()
    finally:
        del os.environ["DAGSTER_HOME"]


def test_a_backfill_is_dagsters_own_and_a_second_one_writes_nothing(
    iseller_sandbox, instance_env, tmp_path
):
    with running_jurnal_sandbox(tmp_path / "jurnal") as jurnal:
        env = {**instance_env, **jurnal.env}
        first = _backfill(["--start", DAYS[0], "--end", DAYS[-1]], env, tmp_path)
        assert first.returncode == 0, first.stderr[-3000:]
        # each day is told as its run ends, oldest first, and the summary counts them
        told = [line.split()[0] for line in first.stdout.splitlines() if "synced" in line]
        assert told == DAYS, first.stdout
        assert "starting its backfill daemons" in first.stderr
        assert "2 of 2 day(s) ran: 2 succeeded" in first.stderr

        instance = _instance(env)
        backfills = instance.get_backfills()
        assert len(backfills) == 1
        backfill = backfills[0]
        assert backfill.status == BulkActionStatus.COMPLETED_SUCCESS
        assert list(backfill.partition_names) == DAYS
        runs = instance.get_run_records(
            filters=dg.RunsFilter(tags={"dagster/backfill": backfill.backfill_id}), ascending=True
        )
        assert [r.dagster_run.tags[PARTITION_TAG] for r in runs] == DAYS
        assert all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        # the runs were started one after another, oldest first (the instance's tag limit)
        assert runs[0].end_time <= runs[1].start_time

        merchant = iseller_sandbox.sandbox.merchant
        expected = {
            o["order_id"]
            for day in DAYS
            for outlet in OUTLETS
            for o in merchant.expected_orders(
                outlet.outlet_code, date.fromisoformat(day), as_of=iseller_sandbox.now
            )
            if o["status"] == "completed"
        }
        invoices = jurnal.client().iter_list("sales_invoices", "sales_invoices")
        assert expected and expected <= {i["custom_id"] for i in invoices}
        records_before = jurnal.sandbox.store.get_meta("counter:id")

        again = _backfill(["--start", DAYS[0], "--end", DAYS[-1]], env, tmp_path)
        assert again.returncode == 0, again.stderr[-3000:]
        assert len(instance.get_backfills()) == 2
        # days already posted: Jurnal creates nothing
        assert jurnal.sandbox.store.get_meta("counter:id") == records_before


def test_a_backfill_that_meets_jurnals_quota_stops_there(instance_env, tmp_path):
    """Jurnal's plan has room for three more invoices this month (J-58): the first day stops
    at the quota, and the backfill is cancelled rather than run every later day into it (the
    day already started when the first one ended stops at its first batch too)."""
    days = ["2026-11-17", *DAYS]
    with running_jurnal_sandbox(tmp_path / "jurnal", invoice_quota=3) as jurnal:
        env = {**instance_env, **jurnal.env}
        result = _backfill(["--start", days[0], "--end", days[-1]], env, tmp_path)
        invoices = list(jurnal.client().iter_list("sales_invoices", "sales_invoices"))
    assert result.returncode == 1, result.stderr[-3000:]
    told = [line for line in result.stdout.splitlines() if line.startswith("2026-")]
    assert told[0].startswith(f"{days[0]} FAILED"), result.stdout
    assert not any("synced" in line for line in told), result.stdout
    last = [line for line in told if line.startswith(days[-1])]
    assert all(" cancelled " in line for line in last), result.stdout  # or never started
    said = " ".join(result.stderr.split())
    assert f"Jurnal's transaction quota is used up ({days[0]} stopped at it)" in said, said
    assert f"journal-pipeline backfill --start {days[0]} --end {days[-1]}` again" in said
    assert len(invoices) == 3
    instance = _instance(env)
    (backfill,) = instance.get_backfills()
    assert backfill.status in (BulkActionStatus.CANCELING, BulkActionStatus.CANCELED)


def test_a_day_outside_the_partitions_is_refused_by_name(instance_env, tmp_path):
    result = _backfill(["--start", "2020-01-01", "--end", "2020-01-02"], instance_env, tmp_path)
    assert result.returncode == 2, result.stderr
    assert "2020-01-01" in result.stderr and "start_date" in result.stderr
    assert _instance(instance_env).get_backfills() == []


def test_a_day_outside_the_partitions_is_refused_before_any_day_runs_here(instance_env, tmp_path):
    """Without DAGSTER_HOME the days would run here: none does when one is not a business day
    (the day before the config's start_date), and the refusal names the range."""
    env = {k: v for k, v in instance_env.items() if k != "DAGSTER_HOME"}
    result = _backfill(["--start", "2020-01-01", "--end", DAYS[0]], env, tmp_path)
    assert result.returncode == 2, result.stderr
    assert "2020-01-01" in result.stderr and "Nothing was run" in result.stderr
    assert "synced" not in result.stdout and not (tmp_path / "staging.db").exists()


def test_cancel_stops_a_requested_backfill(instance_env, tmp_path):
    requested = _backfill(
        ["--start", DAYS[0], "--end", DAYS[-1], "--detach"], instance_env, tmp_path
    )
    assert requested.returncode == 0, requested.stderr
    instance = _instance(instance_env)
    (backfill,) = instance.get_backfills()
    assert backfill.status == BulkActionStatus.REQUESTED
    cancelled = _backfill(["--cancel", backfill.backfill_id], instance_env, tmp_path)
    assert cancelled.returncode == 0, cancelled.stderr
    assert "cancelling" in cancelled.stdout
    assert instance.get_backfill(backfill.backfill_id).status == BulkActionStatus.CANCELING
