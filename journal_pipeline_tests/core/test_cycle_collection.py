"""The cycle collector is paused for a build and resumed after it, whatever happens."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.accounting.business_day import merged_window_utc
from journal_pipeline.config import load_config
from journal_pipeline.core.cycle_collection import cycle_collection_paused
from journal_pipeline.iseller.client import ISellerClient
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import completeness, payment_fees, reconciliation
from journal_pipeline_tests.accounting.orders import restaurant_order, retail_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 20)  # the day of the sample orders


@pytest.fixture(autouse=True)
def _collector_on():
    gc.enable()
    yield
    gc.enable()


def test_paused_inside_and_resumed_after():
    with cycle_collection_paused():
        assert not gc.isenabled()
        with cycle_collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()


def test_resumed_after_an_error():
    with pytest.raises(RuntimeError), cycle_collection_paused():
        raise RuntimeError("the build failed")
    assert gc.isenabled()


def test_left_off_when_it_was_off():
    gc.disable()
    with cycle_collection_paused():
        pass
    assert not gc.isenabled()


@contextmanager
def collections_started_in(names: set[str]) -> Iterator[list[str]]:
    """Inside: a collection at nearly every allocation (threshold 1); yields the list of the
    functions of ``names`` (or `spend_unpaused`) on the stack when one started, innermost."""
    watched = names | {"spend_unpaused"}
    during: list[str] = []

    def count(phase: str, info: dict[str, int]) -> None:
        frame = sys._getframe(1)
        while phase == "start" and frame is not None:
            if frame.f_code.co_name in watched:
                during.append(frame.f_code.co_name)
                return
            frame = frame.f_back

    threshold = gc.get_threshold()
    gc.callbacks.append(count)
    gc.set_threshold(1)
    try:
        yield during
    finally:
        gc.callbacks.remove(count)
        gc.set_threshold(*threshold)


def spend_unpaused() -> None:
    """The same kind of work as a builder's, without the pause: collections do run in it."""
    _ = [{"a": [n]} for n in range(100)]


def test_no_collection_runs_while_a_day_is_built():
    frames = order_frames([retail_order(), restaurant_order()])
    with collections_started_in({"sales_of_day", "journal_lines", "sales_invoices"}) as during:
        sales = posting_rules.sales_of_day(frames, CONFIG, DAY)
        posting_rules.journal_lines(sales, CONFIG)
        documents, _ = invoices.sales_invoices(sales, CONFIG)
        spend_unpaused()
    assert documents
    assert set(during) == {"spend_unpaused"}


#: What reads a day's staged orders, or builds from them, in the other steps of a run
STAGED_DAY_READERS = {
    "loads_many",
    "build_payment_fees",
    "reconcile_day",
    "staged_day",
    "replace_journal",
}


def test_no_collection_runs_while_a_days_staged_orders_are_read_built_from_or_written(
    tmp_path,
):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    orders = [retail_order(), restaurant_order()]
    store.upsert_orders(orders)
    start, end = merged_window_utc(DAY, CONFIG.zones())
    journal, _ = posting_rules.journal_lines(
        posting_rules.sales_of_day(order_frames(orders), CONFIG, DAY), CONFIG
    )
    with collections_started_in(STAGED_DAY_READERS) as during:
        staged = store.orders_touching(start, end)
        by_id = store.orders_by_id(str(o["order_id"]) for o in orders)
        fees = payment_fees.build_payment_fees(store, CONFIG, DAY)
        reconciled = reconciliation.reconcile_day(store, CONFIG, DAY, DAY, export=False)
        day = completeness.staged_day(store, CONFIG, DAY)
        written = store.replace_journal(DAY, journal)
        spend_unpaused()
    assert len(staged) == len(by_id) == 2
    assert not fees.holds and reconciled.expected and len(day.frames.orders) == 2
    assert written == len(journal) > 0
    assert set(during) == {"spend_unpaused"}
    assert gc.isenabled()


def test_no_collection_runs_while_isellers_orders_are_read(iseller_sandbox):
    with ISellerClient.from_env(iseller_sandbox.env) as client:
        client.get_orders(created_after=iseller_sandbox.now - timedelta(hours=1))  # the token
        with collections_started_in({"get_orders"}) as during:
            read = client.get_orders(created_after=iseller_sandbox.now - timedelta(days=2))
            spend_unpaused()
    assert read.orders
    assert set(during) == {"spend_unpaused"}


class _Node:
    def __init__(self) -> None:
        self.me = self


def test_what_the_pause_built_is_old_and_its_cycles_are_still_collected():
    import weakref

    with cycle_collection_paused():
        cycle = _Node()
        built = [{"n": n} for n in range(5_000)]
    alive = weakref.ref(cycle)
    # already among the old objects: the next young collection does not walk it
    assert any(o is built for o in gc.get_objects(generation=2))
    del cycle
    assert alive() is not None  # a cycle: reference counting alone does not free it
    gc.collect()
    assert alive() is None
    assert len(built) == 5_000


def test_objects_frozen_by_someone_else_stay_frozen():
    kept = [{"frozen": True}]
    gc.freeze()
    try:
        with cycle_collection_paused():
            _ = [{"n": n} for n in range(1_000)]
        # still in the permanent generation: no generation the collector walks holds it
        assert not any(o is kept for o in gc.get_objects())
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert any(o is kept for o in gc.get_objects())
