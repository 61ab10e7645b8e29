"""`journal-pipeline stock init` over real HTTP to both emulators: the dry run lists and sends
nothing, the run posts one adjustment per warehouse, the second run says they are posted."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from journal_pipeline.cli import main
from journal_pipeline_tests.sync.stock_sandboxes import stock_sandboxes
from journal_sandbox.defaults import DEMO_CONFIG

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["tracked"])
def sandboxes(request, tmp_path, monkeypatch):
    with stock_sandboxes(tmp_path, NOW) as boxes:
        if request.param == "tracked":
            boxes.track_every_stocked_product()
        for name, value in {
            **boxes.iseller_env,
            **boxes.jurnal.env,
            "JOURNAL_PIPELINE_CONFIG": str(DEMO_CONFIG),
            "STAGING_DATABASE_URL": str(boxes.store.url),
        }.items():
            monkeypatch.setenv(name, value)
        yield boxes


def _adjustments(boxes) -> list[str]:
    listed = boxes.jurnal_client().iter_list("stock_adjustments", "stock_adjustments")
    return sorted(a["transaction_no"] for a in listed)


def test_dry_run_then_run_then_run_again(sandboxes):
    runner = CliRunner()
    command = ["stock", "init", "--date", "2026-11-17", "--outlet", "DPS"]

    dry = runner.invoke(main, [*command, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "DPS → Gudang Bali Seminyak (STOCK-INIT/DPS/20261117)" in dry.output
    assert "stock adjustment dated 2026-11-16" in dry.output
    assert "Dry run: nothing posted." in dry.output
    assert _adjustments(sandboxes) == []

    asked = runner.invoke(main, command, input="n\n")
    assert asked.exit_code == 1 and "Nothing posted." in asked.output
    assert _adjustments(sandboxes) == []

    done = runner.invoke(main, [*command, "--yes"])
    assert done.exit_code == 0, done.output
    assert "1 adjustment(s) posted now" in done.output
    assert _adjustments(sandboxes) == ["STOCK-INIT/DPS/20261117"]

    again = runner.invoke(main, [*command, "--yes"])
    assert again.exit_code == 0, again.output
    assert "already posted" in again.output and "Nothing to post." in again.output
    assert _adjustments(sandboxes) == ["STOCK-INIT/DPS/20261117"]


def test_an_unknown_outlet_is_named(sandboxes):
    result = CliRunner().invoke(main, ["stock", "init", "--date", "2026-11-17", "--outlet", "XX"])
    assert result.exit_code != 0
    assert "outlet XX is not in the config" in result.output


@pytest.mark.parametrize("sandboxes", ["new company"], indirect=True)
def test_on_a_new_jurnal_company_the_products_come_first(sandboxes):
    # no product in Jurnal yet (no sync has run): the dry run names them, creating nothing
    command = ["stock", "init", "--date", "2026-11-17", "--outlet", "DPS"]
    before = _products(sandboxes)
    dry = CliRunner().invoke(main, [*command, "--dry-run"])
    assert "without --dry-run creates the catalogue's products first" in dry.output
    assert _products(sandboxes) == before

    done = CliRunner().invoke(main, [*command, "--yes"])
    assert done.exit_code == 0, done.output
    assert re.search(r"Products: \d+ created in Jurnal\.", done.output), done.output
    assert "1 adjustment(s) posted now" in done.output and "refused:" not in done.output
    assert _adjustments(sandboxes) == ["STOCK-INIT/DPS/20261117"]
    assert len(_products(sandboxes)) > len(before)


def _products(boxes) -> list[str]:
    listed = boxes.jurnal_client().iter_list("products", "products")
    return sorted(str(p.get("product_code")) for p in listed)
