"""`journal-pipeline sync` while iSeller's token endpoint is down says iSeller is not
answering, not that the credentials are wrong; wrong credentials still say so.

Run as a user runs it: a process with environment variables, the emulators on loopback, the
outage injected by the iSeller emulator's fault rules (journal_sandbox/faults.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from journal_pipeline_tests.iseller_fixtures import running_iseller_sandbox
from journal_pipeline_tests.jurnal_fixtures import JurnalSandboxHandle
from journal_sandbox.defaults import DEMO_CONFIG

DAY = "2026-11-19"


def _sync(iseller_env: dict[str, str], jurnal_env: dict[str, str], tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ISELLER_", "JURNAL_"))}
    env.pop("DAGSTER_HOME", None)
    env.update(iseller_env)
    env.update(jurnal_env)
    env["JOURNAL_PIPELINE_CONFIG"] = str(DEMO_CONFIG)
    env["STAGING_DATABASE_URL"] = f"sqlite:///{tmp_path / 'staging.db'}"
    return subprocess.run(
        [sys.executable, "-m", "journal_pipeline.cli", "sync", "--date", DAY],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    "faults",
    [
        "/oauth/token:error=1.0,status=503",
        "/oauth/token:timeout=1.0,timeout_s=0",  # every token request dropped unanswered
    ],
    ids=["503", "time-out"],
)
def test_sync_during_an_iseller_outage_says_iseller_is_not_answering(
    jurnal_sandbox: JurnalSandboxHandle, tmp_path: Path, faults: str
) -> None:
    with running_iseller_sandbox(
        tmp_path / "iseller",
        faults=faults,
        orders_per_outlet_per_day=2,
        history_days=3,
        now=lambda: datetime(2026, 11, 20, 15, tzinfo=UTC),
    ) as iseller:
        result = _sync(iseller.env, jurnal_sandbox.env, tmp_path)
        attempts = sum(iseller.sandbox.faults.injected.values())

    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    lines = result.stderr.splitlines()
    assert "sync FAILED at step iseller_" in lines[0], lines[0]
    assert "iSeller is not answering: " in lines[0], lines[0]
    assert "the next run retries" in lines[0], lines[0]
    assert lines[0].endswith("(ISellerHttpError)"), lines[0]
    assert lines[-1].startswith("  Next: a temporary error; run "), lines[-1]
    # an outage never sends the user to check the credentials
    assert "ISELLER_CLIENT" not in output and "credentials" not in output, output
    assert attempts > 1  # the token request was retried before the run gave up


def test_sync_with_wrong_iseller_credentials_says_check_them(
    iseller_sandbox, jurnal_sandbox: JurnalSandboxHandle, tmp_path: Path
) -> None:
    wrong = {**iseller_sandbox.env, "ISELLER_CLIENT_SECRET": "not-the-secret"}
    result = _sync(wrong, jurnal_sandbox.env, tmp_path)

    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    lines = result.stderr.splitlines()
    assert "sync FAILED at step iseller_" in lines[0], lines[0]
    assert "invalid_client" in lines[0] and lines[0].endswith("(ISellerAuthError)"), lines[0]
    assert "not answering" not in output
    assert lines[-1].startswith(
        "  Next: the credentials were refused; check ISELLER_CLIENT_ID and ISELLER_CLIENT_SECRET"
    ), lines[-1]
    assert "not-the-secret" not in output
