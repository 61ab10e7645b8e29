"""A day reconciled before it is synced (a bank statement covering it, the reconciliation
materialized alone) says so and what to run, instead of reporting takings that differ from a
journal that was never built; once the day is synced, its takings match."""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg
import pytest

from journal_pipeline.config import load_config
from journal_pipeline.defs.partitions import daily_partitions
from journal_pipeline.defs.recon_assets import TAKINGS_MATCH_JOURNAL, build_recon_assets
from journal_pipeline_tests.e2e.demo_week import ASSETS, synced_demo_week
from journal_sandbox.defaults import DEMO_CONFIG

pytestmark = pytest.mark.e2e

NOW = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)
DAY = date(2026, 11, 21)


def _takings(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (check,) = [
        c for c in result.get_asset_check_evaluations() if c.check_name == TAKINGS_MATCH_JOURNAL
    ]
    return check


def test_a_day_reconciled_before_its_sync_says_to_sync_it(tmp_path):
    assets = [*ASSETS, *build_recon_assets(daily_partitions(load_config(DEMO_CONFIG)))]
    with synced_demo_week(
        tmp_path, [], orders_per_outlet_per_day=6, now=NOW, history_days=2
    ) as week:

        def run(*selection: str) -> dg.ExecuteInProcessResult:
            result = dg.materialize(
                assets,
                selection=list(selection) or None,
                partition_key=DAY.isoformat(),
                resources=week.resources,
            )
            assert result.success
            return result

        run("iseller_orders")  # the day's orders staged, its journal never built
        early = _takings(run("cash_bank_reconciliation"))
        assert not early.passed
        assert early.severity == dg.AssetCheckSeverity.WARN
        assert f"{DAY} is not synced yet" in (early.description or "")
        assert f"journal-pipeline sync --date {DAY}" in (early.description or "")

        synced = _takings(run())
        assert synced.passed, synced.description
