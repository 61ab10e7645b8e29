"""Shared fixtures: the sandboxes, started once per test session on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from journal_pipeline.environment import MissingEnvironmentError, missing_variables
from journal_pipeline.sync.day_orders import VERIFY_ENV
from journal_pipeline_tests.jurnal_fixtures import jurnal_sandbox  # noqa: F401
from journal_sandbox.defaults import sandbox_env

PIPELINE_PREFIXES = ("ISELLER_", "JURNAL_", "JOURNAL_PIPELINE_", "STAGING_DATABASE_URL")
# every test, and every process a test starts, checks that no reader of a day's staged orders
# changes the orders the run's steps share
os.environ[VERIFY_ENV] = "1"


@pytest.fixture
def sandbox_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> dict[str, str]:
    """The process environment as `journal-pipeline sandbox --print-env` sets it (default
    ports; nothing listens unless a test starts the sandboxes), plus a private staging
    database; every other pipeline variable of the caller's shell is removed."""
    import os

    for name in list(os.environ):
        if name.startswith(PIPELINE_PREFIXES) and name != VERIFY_ENV:
            monkeypatch.delenv(name)
    env = {**sandbox_env(), "STAGING_DATABASE_URL": f"sqlite:///{tmp_path / 'staging.db'}"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if missing_variables():
        raise MissingEnvironmentError(missing_variables())
    return env


@pytest.fixture(scope="session")
def iseller_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The iSeller emulator on a free port with a fixed clock (2026-11-20 15:00 UTC).

    Yields ``.url`` (base URL), ``.sandbox`` (the `ISellerSandbox`), ``.server`` and ``.env``
    (the ``ISELLER_*`` variables of a client pointed at it; the resource URL comes from the
    token response).
    """
    from datetime import UTC, datetime

    from journal_sandbox.iseller_app import ISellerSandbox

    fixed_now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    sandbox = ISellerSandbox(
        tmp_path_factory.mktemp("iseller-sandbox"),
        orders_per_outlet_per_day=8,
        history_days=3,
        now=lambda: fixed_now,
        faults="",  # no injected faults, whatever SANDBOX_ISELLER_FAULTS says
        dialect="",  # the documented reading, whatever SANDBOX_ISELLER_DIALECT says
    )
    server = sandbox.serve().start()
    env = {
        "ISELLER_TOKEN_URL": f"{server.url}/oauth/token",
        "ISELLER_CLIENT_ID": "sandbox-iseller-client",
        "ISELLER_CLIENT_SECRET": "sandbox-iseller-secret",
    }
    try:
        yield SimpleNamespace(
            url=server.url, sandbox=sandbox, server=server, env=env, now=fixed_now
        )
    finally:
        server.stop()
        sandbox.close()


#: Test modules that run for a minute or more (real Dagster processes, killed runs, backfills,
#: weeks synced in many dialects), longest first: started first, so that `make test`'s workers
#: (xdist, one module each at a time, in this order: the Makefile turns off xdist's own
#: reordering by test count, which put these one-test modules last) do not end with one of
#: them running alone after the rest are done.
LONGEST_FIRST = (
    "test_backfill_cli.py",
    "e2e/test_dialects_week.py",
    "reliability/test_runs_at_once.py",
    "reliability/test_killed_runs.py",
    "security/test_no_secrets_leak.py",
    "test_cli.py",
    "benchmarks/test_bench_report.py",
    "reliability/test_killed_summary_runs.py",
    "reliability/test_outages.py",
    "e2e/test_rollback_repost.py",
    "e2e/test_daily_summary_week.py",
    "e2e/test_inventory_week.py",
    "e2e/test_summary_payments_resumed.py",
    "test_runs.py",
    "e2e/test_shared_payouts_week.py",
    "defs/test_hourly_schedule.py",
    "test_resolve_cli.py",
    "sync/test_noop_journal.py",
    "test_cli_outage.py",
    "reliability/",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0].removeprefix("journal_pipeline_tests/")
        return next(
            (n for n, head in enumerate(LONGEST_FIRST) if path.startswith(head)),
            len(LONGEST_FIRST),
        )

    items.sort(key=rank)  # stable: every module keeps its tests together and in order
