"""`stock init` through the sync layer, over real HTTP to both emulators: Jurnal's warehouses
end the day before at iSeller's stock at the start of the day (in transit included), and a
second run sends nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from journal_pipeline.accounting import iseller_stock
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import opening_stock
from journal_pipeline.sync.stock_levels import read_jurnal_stock
from journal_pipeline_tests.sync.stock_sandboxes import CONFIG, stock_sandboxes

DAY = date(2026, 11, 17)  # Jurnal counts stock from here; the Bali transfer is on its way
LATER = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # the command runs later: stock has moved


@pytest.fixture(scope="module")
def sandboxes(tmp_path_factory):
    with stock_sandboxes(tmp_path_factory.mktemp("opening-stock"), LATER) as boxes:
        boxes.track_every_stocked_product()
        yield boxes


def _jurnal_levels(boxes, day: date) -> dict[tuple[str, str], Decimal]:
    stock = read_jurnal_stock(boxes.jurnal_client(), day)
    return {
        (outlet, sku): stock.of(warehouse, sku) or Decimal(0)
        for outlet, warehouse in ((c, CONFIG.outlet(c).warehouse) for c in CONFIG.outlets)
        for sku in stock.skus
    }


def test_stock_init_brings_every_warehouse_to_iseller_at_the_start_of_the_day(sandboxes):
    instants = iseller_stock.day_end_instants(CONFIG, date(2026, 11, 16), CONFIG.outlets)
    truth = sandboxes.iseller_truth(instants)
    assert any(v for (o, _), v in truth.items() if o == "DPS")

    plans = opening_stock.plan_opening_stock(
        sandboxes.iseller(), sandboxes.jurnal_client(), sandboxes.store, CONFIG, DAY
    )
    assert {p.state for p in plans} == {opening_stock.NEW}
    result = opening_stock.post_opening_stock(
        sandboxes.store, plans, sandboxes.jurnal_client(), "test"
    )

    assert (result.posted, result.failed, result.interrupted) == (3, 0, None)
    jurnal = _jurnal_levels(sandboxes, date(2026, 11, 16))
    for key, units in truth.items():
        assert jurnal[key] == units, key
    assert all(jurnal[key] == 0 for key in jurnal if key not in truth)

    # again: nothing is sent, each adjustment is said to be posted already
    again = opening_stock.plan_opening_stock(
        sandboxes.iseller(), sandboxes.jurnal_client(), sandboxes.store, CONFIG, DAY
    )
    assert {p.state for p in again} == {opening_stock.POSTED}
    assert all(p.document is None for p in again)
    assert "already posted" in again[0].listing()[0]
    assert (
        opening_stock.post_opening_stock(sandboxes.store, again, sandboxes.jurnal_client()).calls
        == 0
    )
    adjustments = list(
        sandboxes.jurnal_client().iter_list("stock_adjustments", "stock_adjustments")
    )
    assert sorted(a["transaction_no"] for a in adjustments) == [
        "STOCK-INIT/BDG/20261117",
        "STOCK-INIT/DPS/20261117",
        "STOCK-INIT/JKT/20261117",
    ]


def test_a_warehouse_already_equal_gets_nothing(sandboxes, tmp_path):
    """Jurnal already holds iSeller's stock (brought in by the first test): a staging database
    that never saw it builds nothing for it."""
    elsewhere = StagingStore(f"sqlite:///{tmp_path / 'other.db'}")
    [plan] = opening_stock.plan_opening_stock(
        sandboxes.iseller(), sandboxes.jurnal_client(), elsewhere, CONFIG, DAY, ["JKT"]
    )
    assert (plan.state, plan.document, plan.stock.lines) == (opening_stock.EQUAL, None, [])
    assert "already equals" in plan.listing()[0]
