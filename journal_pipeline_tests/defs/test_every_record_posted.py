"""``every_record_posted`` through Dagster, against both emulators over HTTP: a day with held
records is not plain green. Its check fails at WARN (the run still succeeds: sales post on) and
names the records, their status and why, and the commands that fix them; a clean day passes with
zeros."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pytest
import yaml

from journal_pipeline.config import load_config
from journal_pipeline.defs.assets import build_assets
from journal_pipeline.defs.checks import EVERY_RECORD_POSTED
from journal_pipeline.defs.partitions import daily_partitions
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_pipeline_tests.sandbox_resources import sandbox_resources
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.iseller_app import ISellerSandbox

pytestmark = pytest.mark.e2e

DAY = date(2026, 11, 19)
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
ASSETS = build_assets(daily_partitions(load_config(DEMO_CONFIG)))


def _without_gopay(tmp_path: Path) -> Path:
    """The demo config with GoPay's clearing account left out: GoPay sales are held."""
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    del data["payment_methods"]["GoPay"]
    path = tmp_path / "merchant.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture
def sandboxes(tmp_path) -> Iterator[tuple[dict, dict]]:
    iseller = ISellerSandbox(
        tmp_path / "iseller",
        orders_per_outlet_per_day=8,
        history_days=3,
        now=lambda: NOW,
        faults="",
        dialect="",
    )
    server = iseller.serve().start()
    env = {
        "ISELLER_TOKEN_URL": f"{server.url}/oauth/token",
        "ISELLER_CLIENT_ID": "sandbox-iseller-client",
        "ISELLER_CLIENT_SECRET": "sandbox-iseller-secret",
    }
    try:
        with running_jurnal_sandbox(tmp_path / "jurnal") as jurnal:
            yield env, jurnal.env
    finally:
        server.stop()
        iseller.close()


def _evaluations(
    result: dg.ExecuteInProcessResult, asset: str
) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        e.check_name: e
        for e in result.get_asset_check_evaluations()
        if e.asset_key.to_user_string() == asset
    }


def test_a_day_with_held_sales_warns_and_names_them(sandboxes, tmp_path) -> None:
    iseller_env, jurnal_env = sandboxes
    resources = sandbox_resources(
        f"sqlite:///{tmp_path / 'staging.db'}", _without_gopay(tmp_path), iseller_env, jurnal_env
    )
    result = dg.materialize(ASSETS, partition_key=DAY.isoformat(), resources=resources)
    assert result.success  # not blocking: the other sales of the day are posted

    journal = result.asset_materializations_for_node("journal_entries")[0].metadata
    held = journal["held"].value
    assert held > 0, "the demo day should have GoPay sales"
    check = _evaluations(result, "jurnal_sales_invoices")[EVERY_RECORD_POSTED]
    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.WARN
    assert check.partition == DAY.isoformat()
    assert check.metadata["records_held"].value == held
    assert check.metadata["records_failed"].value == 0
    assert check.metadata["records_pending"].value == 0
    table = check.metadata["records"].value
    assert "| held |" in table and "GoPay" in table and "#" in table  # order reference
    assert check.description is not None
    assert f"{held} record(s) of {DAY} not in Jurnal ({held} held)" in check.description
    assert "GoPay" in check.description
    assert f"journal-pipeline status --date {DAY}" in check.description
    assert f"journal-pipeline retry-failed --date {DAY}" in check.description
    first = check.metadata["first_records"].value.split(", ")
    assert len(first) == min(held, 20)
    assert check.metadata["records_not_shown"].value == max(held - 20, 0)
    # the rest of the day reached Jurnal: its posted totals still match
    assert _evaluations(result, "jurnal_sales_invoices")["posted_totals_match_source"].passed


def test_a_clean_day_passes_with_zeros(sandboxes, tmp_path) -> None:
    iseller_env, jurnal_env = sandboxes
    resources = sandbox_resources(
        f"sqlite:///{tmp_path / 'staging.db'}", DEMO_CONFIG, iseller_env, jurnal_env
    )
    result = dg.materialize(ASSETS, partition_key=DAY.isoformat(), resources=resources)
    assert result.success
    for asset in ("jurnal_sales_invoices", "jurnal_sales_returns"):
        check = _evaluations(result, asset)[EVERY_RECORD_POSTED]
        assert check.passed, (asset, check.description)
        assert check.severity == dg.AssetCheckSeverity.ERROR  # a pass is not a warning
        assert check.partition == DAY.isoformat()
        assert check.metadata["open_records"].value == 0
        assert check.metadata["records_held"].value == 0
        assert check.metadata["records"].value == "Nothing open."
    invoices = _evaluations(result, "jurnal_sales_invoices")[EVERY_RECORD_POSTED]
    assert invoices.metadata["documents"].value > 0
    # what is not in Jurnal is counted apart: a withdrawal is never silent
    posted = invoices.metadata["documents_posted"].value
    withdrawn = invoices.metadata["documents_withdrawn"].value
    assert posted + withdrawn == invoices.metadata["documents"].value and posted > 0
    assert f"{posted} are in Jurnal and {withdrawn} withdrawn" in (invoices.description or "")
