"""iSeller's stock rebuilt at past instants equals the emulator's own level then, and the
`stock_comparison` asset (real HTTP to both emulators, a real staging database): a day where
Jurnal equals iSeller passes, a unit missing fails naming the warehouse and the SKU."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pytest
import yaml

from journal_pipeline.accounting import iseller_stock, stock_comparison
from journal_pipeline.defs.build_marks import JOURNAL_MARK
from journal_pipeline.defs.partitions import daily_partitions
from journal_pipeline.defs.stock_comparison import build_stock_comparison_assets
from journal_pipeline.storage.stock_comparison import read_comparison
from journal_pipeline.sync import opening_stock
from journal_pipeline.sync.stock_levels import read_iseller_stock
from journal_pipeline_tests.sandbox_resources import sandbox_resources
from journal_pipeline_tests.sync.stock_sandboxes import CONFIG, stock_sandboxes
from journal_sandbox.defaults import DEMO_CONFIG

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
DAY = date(2026, 11, 16)  # compared: Jurnal got iSeller's stock at the start of the 17th


@pytest.fixture(scope="module")
def sandboxes(tmp_path_factory):
    with stock_sandboxes(tmp_path_factory.mktemp("stock-comparison"), NOW) as boxes:
        boxes.track_every_stocked_product()
        yield boxes


@pytest.mark.parametrize(
    "instant",
    [
        datetime(2026, 11, 16, 1, 30, tzinfo=UTC),  # before Monday's stock takes and transfers
        datetime(2026, 11, 16, 9, 0, tzinfo=UTC),  # goods on their way to Bali and Bandung
        datetime(2026, 11, 17, 16, 59, 59, tzinfo=UTC),  # the end of the 17th in Jakarta
    ],
)
def test_the_rebuilt_stock_equals_the_emulators_own_level_at_that_instant(sandboxes, instant):
    outlets = {code: instant for code in CONFIG.outlets}
    sandboxes.clock.now = instant
    then = iseller_stock.current_levels(sandboxes.iseller().get_products(track_inventory=True))
    sandboxes.clock.now = NOW

    stock = read_iseller_stock(sandboxes.iseller(), instant, clock=lambda: NOW)

    assert any(m.at > instant for m in stock.movements)
    assert stock.levels != then  # stock has moved since
    rebuilt = stock.at(outlets)
    assert {k: v for k, v in rebuilt.items() if v or k in then} == then


def _config_file(tmp_path: Path) -> Path:
    data = yaml.safe_load(Path(DEMO_CONFIG).read_text(encoding="utf-8"))
    data["stock"]["comparison_days"] = 100000  # the partitions lie in the emulator's past
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _resources(sandboxes, config: Path) -> dict:
    return sandbox_resources(
        str(sandboxes.store.url), config, sandboxes.iseller_env, sandboxes.jurnal.env
    )


def _compare(sandboxes, tmp_path: Path, day: date) -> tuple[dict, dg.AssetCheckEvaluation]:
    compared, _ = build_stock_comparison_assets(daily_partitions(CONFIG))
    result = dg.materialize(
        compared,
        partition_key=day.isoformat(),
        resources=_resources(sandboxes, _config_file(tmp_path)),
    )
    assert result.success
    [check] = result.get_asset_check_evaluations()
    metadata = result.asset_materializations_for_node("stock_comparison")[0].metadata
    return metadata, check


def test_a_day_where_jurnal_equals_iseller_passes_and_a_missing_unit_fails(
    sandboxes, tmp_path, monkeypatch
):
    monkeypatch.setenv("STOCK_EXPORT_DIR", str(tmp_path / "exports"))
    plans = opening_stock.plan_opening_stock(
        sandboxes.iseller(), sandboxes.jurnal_client(), sandboxes.store, CONFIG, date(2026, 11, 17)
    )
    opening_stock.post_opening_stock(sandboxes.store, plans, sandboxes.jurnal_client())

    metadata, check = _compare(sandboxes, tmp_path, DAY)

    assert check.passed, check.description
    assert metadata["rows_differing"].value == 0
    assert metadata["rows_equal"].value == metadata["rows"].value > 0
    path = Path(metadata["csv"].value)
    with path.open(encoding="utf-8") as handle:
        exported = list(csv.DictReader(handle))
    assert len(exported) == metadata["rows"].value
    assert {row["status"] for row in exported} == {stock_comparison.EQUAL}
    staged = read_comparison(sandboxes.store, DAY)
    assert len(staged) == len(exported)

    # a unit of KOP-001 goes missing from Jakarta's warehouse in Jurnal that day
    sandboxes.jurnal_client().create_stock_adjustment(
        {
            "transaction_no": "TEST-LOSS-1",
            "date": DAY.isoformat(),
            "warehouse_name": "Gudang Jakarta Kemang",
            "account_name": "Penyesuaian Persediaan",
            "maintain_actual": False,
            "lines_attributes": [{"product_code": "KOP-001", "difference": -1}],
        }
    )
    metadata, check = _compare(sandboxes, tmp_path, DAY)

    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert "1 warehouse × SKU row(s) differ" in check.description
    assert "Gudang Jakarta Kemang KOP-001" in check.description
    assert "Gudang Jakarta Kemang" in metadata["largest_differences"].value
    assert len(read_comparison(sandboxes.store, DAY)) == metadata["rows"].value  # replaced


def test_a_day_after_days_never_synced_warns_and_names_the_backfill(
    sandboxes, tmp_path, monkeypatch
):
    monkeypatch.setenv("STOCK_EXPORT_DIR", str(tmp_path / "exports"))
    first = date(2026, 11, 17)  # Jurnal counts stock from the 17th (opening stock dated 16th)
    plans = opening_stock.plan_opening_stock(
        sandboxes.iseller(), sandboxes.jurnal_client(), sandboxes.store, CONFIG, first
    )
    opening_stock.post_opening_stock(sandboxes.store, plans, sandboxes.jurnal_client())
    assert opening_stock.opening_stock_since(sandboxes.store) == first

    # the 17th's sales never reached Jurnal: its stock differs because the day never synced
    metadata, check = _compare(sandboxes, tmp_path, first)

    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert check.description.startswith("Not comparable yet: 1 day(s) since the opening stock")
    assert "(2026-11-17)" in check.description
    assert "journal-pipeline backfill --start 2026-11-17 --end 2026-11-17" in check.description
    assert "warehouse × SKU row(s) differ" in check.description  # the figures still shown
    assert check.metadata["days_never_synced"].value == 1
    assert metadata["rows_differing"].value > 0

    # once the day's journal was built, a difference is a difference again
    sandboxes.store.set_mark(JOURNAL_MARK, first.isoformat(), {"inputs": "built"})
    try:
        _, check = _compare(sandboxes, tmp_path, first)
    finally:
        sandboxes.store.clear_mark(JOURNAL_MARK, first.isoformat())
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert "Not comparable" not in check.description
    assert check.metadata["days_never_synced"].value == 0


def test_a_day_older_than_comparison_days_is_not_compared(sandboxes, tmp_path):
    compared, _ = build_stock_comparison_assets(daily_partitions(CONFIG))
    resources = _resources(sandboxes, DEMO_CONFIG)  # 14 days back
    result = dg.materialize(compared, partition_key="2026-01-05", resources=resources)
    [check] = result.get_asset_check_evaluations()
    metadata = result.asset_materializations_for_node("stock_comparison")[0].metadata
    assert metadata["compared"].value is False
    assert "comparison_days" in metadata["why"].value
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
