"""iSeller's day totals are fetched every run for every outlet, but the staged orders are read
for the outlets they name only when the journal's inputs changed (`build_marks.day_totals`):
with the stand-in client of `test_completeness` and a SQLite staging database."""

from __future__ import annotations

from journal_pipeline.defs import build_marks
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import completeness
from journal_pipeline_tests.accounting.test_completeness import JKT_ID, day_orders
from journal_pipeline_tests.sync.test_completeness import CONFIG, DAY, DPS_ID, FakeISeller

PLACE = "2026-11-19 05:00:00"


def asked(source: FakeISeller) -> set[str]:
    """The outlet ids the summaries were asked for."""
    return {kwargs["outlet_id"] for endpoint, kwargs in source.calls if "outlet_id" in kwargs}


def dps_order() -> dict:
    order = {**day_orders()[0], "order_id": "dps-1", "order_reference": "DPS-1"}
    return {**order, "outlet_code": "DPS", "outlet_id": DPS_ID, "modified_date": PLACE}


def test_the_staged_outlets_are_read_again_only_when_the_staged_inputs_change(tmp_path):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    store.upsert_orders(day_orders())
    outlets, frames = build_marks._staged_outlets(store, CONFIG, DAY)
    assert frames is not None and [code for code, _ in outlets] == ["JKT"]
    kept, frames = build_marks._staged_outlets(store, CONFIG, DAY)
    assert frames is None and kept == outlets  # nothing staged changed: not read

    store.upsert_orders([dps_order()])  # an order of another outlet is staged
    outlets, frames = build_marks._staged_outlets(store, CONFIG, DAY)
    assert frames is not None and {code for code, _ in outlets} == {"JKT", "DPS"}

    edited = CONFIG.model_copy(update={"rounding_product": "Bulat"})  # any config edit
    _, frames = build_marks._staged_outlets(store, edited, DAY)
    assert frames is not None
    _, frames = build_marks._staged_outlets(store, CONFIG, DAY)
    assert frames is not None  # the mark now holds the edited config's inputs


def test_totals_are_asked_for_an_outlet_staged_after_a_noop_run(tmp_path):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    store.upsert_orders(day_orders())
    source = FakeISeller(outlets=[])  # iSeller lists no outlet: only the staged ones are asked
    first, _ = build_marks.day_totals(source, store, CONFIG, DAY)
    assert first.metadata is not None and first.metadata["rebuilt"] is True
    assert asked(source) == {JKT_ID}
    source.calls.clear()
    again, counts = build_marks.day_totals(source, store, CONFIG, DAY)
    assert again.metadata is not None and again.metadata["rebuilt"] is False
    assert asked(source) == {JKT_ID} and counts["outlets_compared"] == 1

    store.upsert_orders([dps_order()])
    source.calls.clear()
    built, counts = build_marks.day_totals(source, store, CONFIG, DAY)
    assert built.metadata is not None and built.metadata["rebuilt"] is True
    assert asked(source) == {JKT_ID, DPS_ID} and counts["outlets_compared"] == 2


def test_staged_outlets_are_those_the_orders_name_each_once():
    frames = completeness.order_frames([*day_orders(), dps_order()])
    assert sorted(completeness.staged_outlets(frames)) == [("DPS", DPS_ID), ("JKT", JKT_ID)]
    assert completeness.outlets_to_check(None, completeness.staged_outlets(frames)) == {
        "DPS": DPS_ID,
        "JKT": JKT_ID,
    }
