"""`journal-pipeline backfill` without DAGSTER_HOME runs its days in one process: Jurnal's
reference lists are read once for all of them and iSeller's access token is asked for once,
against both sandboxes over HTTP (each behind a server that logs the requests it passes on)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from journal_pipeline.cli import main
from journal_pipeline.iseller.client_tokens import forget_tokens
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.http import Request, Response, SandboxServer
from journal_sandbox.iseller_app import ISellerSandbox
from journal_sandbox.jurnal_app import DEFAULT_CLIENT_SECRET, MAG_PREFIX, JurnalSandbox

DAYS = ("2026-11-17", "2026-11-19")  # three days
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

App = Callable[[Request], Response]


def _logged(app: App, log: list[tuple[str, str]]) -> App:
    def serve(request: Request) -> Response:
        log.append((request.method, request.path))
        return app(request)

    return serve


@pytest.fixture
def merchant(tmp_path) -> Iterator[SimpleNamespace]:
    iseller = ISellerSandbox(
        tmp_path / "iseller",
        orders_per_outlet_per_day=8,
        history_days=4,
        now=lambda: NOW,
        faults="",
        dialect="",
    )
    jurnal = JurnalSandbox(tmp_path / "jurnal", time_scale=60.0)
    iseller_log: list[tuple[str, str]] = []
    jurnal_log: list[tuple[str, str]] = []
    servers = [
        SandboxServer(_logged(iseller.app, iseller_log)).start(),
        SandboxServer(_logged(jurnal.app, jurnal_log)).start(),
    ]
    iseller._base_url = servers[0].url  # the token's resource URL: API calls are logged too
    env = {
        "ISELLER_TOKEN_URL": f"{servers[0].url}/oauth/token",
        "ISELLER_CLIENT_ID": "sandbox-iseller-client",
        "ISELLER_CLIENT_SECRET": "sandbox-iseller-secret",
        "JURNAL_BASE_URL": f"{servers[1].url}{MAG_PREFIX.rstrip('/')}",
        "JURNAL_CLIENT_ID": jurnal.client_id,
        "JURNAL_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
        "JOURNAL_PIPELINE_CONFIG": str(DEMO_CONFIG),
        "STAGING_DATABASE_URL": f"sqlite:///{tmp_path / 'staging.db'}",
    }
    forget_tokens()
    try:
        yield SimpleNamespace(
            iseller=iseller, jurnal=jurnal, env=env, iseller_log=iseller_log, jurnal_log=jurnal_log
        )
    finally:
        for server in servers:
            server.stop()
        iseller.close()
        jurnal.close()


def _backfill(merchant: SimpleNamespace) -> str:
    env: dict[str, str | None] = {
        **{k: None for k in os.environ if k.startswith(("ISELLER_", "JURNAL_"))},
        **merchant.env,
        "DAGSTER_HOME": None,
    }
    result = CliRunner().invoke(
        main, ["backfill", "--start", DAYS[0], "--end", DAYS[1]], env=env, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.output


def _count(log: list[tuple[str, str]], method: str, path_end: str) -> int:
    return sum(1 for m, path in log if m == method and path.rstrip("/").endswith(path_end))


def test_a_backfill_lists_jurnals_master_data_and_asks_for_a_token_once(merchant):
    output = _backfill(merchant)

    assert output.count(" synced.") == 3
    jurnal = merchant.jurnal_log
    assert _count(jurnal, "GET", "/accounts") == 1
    assert _count(jurnal, "GET", "/customers") == 1
    assert _count(jurnal, "GET", "/products") <= 1
    assert _count(merchant.iseller_log, "POST", "/oauth/token") == 1


def test_customers_the_backfill_creates_are_created_once(merchant):
    _backfill(merchant)

    ids = [c["custom_id"] for c in merchant.jurnal.store.all("person") if c.get("custom_id")]
    days: dict[str, set[str]] = {}
    for order in merchant.iseller.served_orders():
        if order.get("customer_id") and order.get("status") == "completed":
            days.setdefault(str(order["customer_id"]), set()).add(order["order_date"][:10])
    again = {customer for customer, dates in days.items() if len(dates) > 1}
    assert again & set(ids)  # customers created on one day and named on a later one
    assert ids and len(ids) == len(set(ids))  # each created once
    assert _count(merchant.jurnal_log, "GET", "/customers") == 1
