"""The sync job's metadata as the UI shows it, through Dagster against both emulators over HTTP:
a quiet day (no orders at all) reports the same keys as a busy day, with zeros, so charts have
no gaps; and every rupiah amount has its text beside it (``total_debit`` 1234567,
``total_debit_text`` "Rp 1.234.567")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from types import SimpleNamespace

import dagster as dg
import pytest

from journal_pipeline.config import load_config
from journal_pipeline.core.money import format_idr
from journal_pipeline.definitions import SYNC_JOB, build_definitions
from journal_pipeline.defs.metadata import TEXT, rupiah
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_pipeline_tests.sandbox_resources import sandbox_resources
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.iseller_app import ISellerSandbox

pytestmark = pytest.mark.e2e

HISTORY_START = date(2026, 11, 18)  # the sandbox's first day of orders
QUIET = date(2026, 11, 16)  # before it: not one order, transfer or shift
BUSY = date(2026, 11, 19)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# names that hold rupiah wherever they appear in a key (counts are named otherwise)
MONEY = re.compile(r"(^|_)(total|debit|credit|amount|rupiah)(_|$)")
COUNTS = re.compile(r"(^|_)(documents|entries|lines|orders|calls|records|rows)(_|$)")


def test_rupiah_text_uses_indonesian_separators() -> None:
    assert rupiah("total_debit", 1_234_567) == {
        "total_debit": 1_234_567,
        "total_debit_text": "Rp 1.234.567",
    }
    assert rupiah("variance", -1_234)["variance_text"] == "-Rp 1.234"
    assert rupiah("posted_total", 0)["posted_total_text"] == "Rp 0"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Iterator[SimpleNamespace]:
    base = tmp_path_factory.mktemp("metadata-keys")
    iseller = ISellerSandbox(
        base / "iseller",
        orders_per_outlet_per_day=3,
        start_date=HISTORY_START,
        now=lambda: NOW,
        faults="",
        dialect="",
    )
    server = iseller.serve().start()
    try:
        with running_jurnal_sandbox(base / "jurnal") as jurnal:
            iseller_env = {
                "ISELLER_TOKEN_URL": f"{server.url}/oauth/token",
                "ISELLER_CLIENT_ID": "sandbox-iseller-client",
                "ISELLER_CLIENT_SECRET": "sandbox-iseller-secret",
            }
            resources = sandbox_resources(
                f"sqlite:///{base / 'staging.db'}", DEMO_CONFIG, iseller_env, jurnal.env
            )
            defs = build_definitions(load_config(DEMO_CONFIG), resources)
            job = defs.resolve_job_def(SYNC_JOB)
            instance = dg.DagsterInstance.ephemeral()
            results = {}
            for day in (QUIET, BUSY):
                result = job.execute_in_process(partition_key=day.isoformat(), instance=instance)
                assert result.success, day
                results[day] = result
            yield SimpleNamespace(results=results, instance=instance, job=job)
    finally:
        server.stop()
        iseller.close()


def _materializations(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    return {
        m.asset_key.to_user_string(): m.metadata
        for m in result.get_asset_materialization_events()
        for m in [m.event_specific_data.materialization]  # type: ignore[union-attr]
    }


def _check_metadata(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    return {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e.metadata
        for e in result.get_asset_check_evaluations()
    }


def test_the_busy_day_is_busy_and_the_quiet_day_quiet(runs) -> None:
    busy = _materializations(runs.results[BUSY])["journal_entries"]
    quiet = _materializations(runs.results[QUIET])["journal_entries"]
    assert busy["orders_completed"].value > 0 and busy["total_debit"].value > 0
    assert quiet["orders_completed"].value == 0 and quiet["total_debit"].value == 0
    assert quiet["total_debit_text"].value == "Rp 0"


def test_a_quiet_day_reports_the_same_keys_as_a_busy_day(runs) -> None:
    quiet, busy = _materializations(runs.results[QUIET]), _materializations(runs.results[BUSY])
    assert quiet.keys() == busy.keys()
    differing = {
        asset: sorted(set(busy[asset]) ^ set(quiet[asset]))
        for asset in busy
        if set(busy[asset]) != set(quiet[asset])
    }
    assert differing == {}


def test_a_quiet_day_reports_the_same_check_metadata_as_a_busy_day(runs) -> None:
    quiet, busy = _check_metadata(runs.results[QUIET]), _check_metadata(runs.results[BUSY])
    assert quiet.keys() == busy.keys()
    differing = {
        check: sorted(set(busy[check]) ^ set(quiet[check]))
        for check in busy
        if set(busy[check]) != set(quiet[check])
    }
    assert differing == {}


@pytest.mark.parametrize("day", [QUIET, BUSY])
def test_every_rupiah_amount_has_its_text_beside_it(runs, day) -> None:
    everything = {
        **{f"asset {k}": v for k, v in _materializations(runs.results[day]).items()},
        **{f"check {k}": v for k, v in _check_metadata(runs.results[day]).items()},
    }
    money_keys = 0
    for where, metadata in everything.items():
        for key, value in metadata.items():
            if key.endswith(TEXT):
                amount = metadata[key.removesuffix(TEXT)].value
                assert value.value == format_idr(amount), (where, key)
                money_keys += 1
            elif MONEY.search(key) and not COUNTS.search(key):
                assert isinstance(value.value, int), (where, key)
                assert key + TEXT in metadata, (where, key)
    assert money_keys >= 6  # the journal's debits and credits, posted and source totals, ...


def test_each_check_result_belongs_to_the_day_that_was_run(runs) -> None:
    """The checks are partitioned like their assets: Dagster records each result against the
    partition run, so the UI shows a day's result on that day."""
    for day, result in runs.results.items():
        evaluations = result.get_asset_check_evaluations()
        assert evaluations
        assert {e.partition for e in evaluations} == {day.isoformat()}
    check_keys = runs.job.asset_layer.asset_graph.asset_check_keys
    assert len(check_keys) >= 10
    storage = runs.instance.event_log_storage
    for key in check_keys:
        records = storage.get_asset_check_execution_history(key, limit=10)
        done = [r for r in records if r.status.value != "PLANNED"]
        assert sorted(r.partition for r in done) == [QUIET.isoformat(), BUSY.isoformat()], key
