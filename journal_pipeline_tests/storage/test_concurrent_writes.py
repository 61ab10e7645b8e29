"""Two processes staging the same records at once (two runs of one day, a schedule tick during
a backfill): each write transaction sees what the other committed, so neither fails on a key
the other just inserted, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from journal_pipeline.storage.store import StagingStore
from journal_pipeline_tests.accounting.orders import retail_order
from journal_pipeline_tests.databases import postgres_schema_url

WRITERS = 4


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'staging.db'}"
    else:
        with postgres_schema_url() as schema_url:
            yield schema_url


def test_concurrent_stagings_of_the_same_orders_all_succeed(url):
    orders = [
        {**retail_order(), "order_id": f"race-{n}", "order_reference": f"#R-{n}"}
        for n in range(300)
    ]
    stores = [StagingStore(url) for _ in range(WRITERS)]  # an engine each, as processes have
    start, errors, counts = threading.Barrier(WRITERS), [], []

    def stage(store: StagingStore) -> None:
        start.wait()
        try:
            for _ in range(3):
                counts.append(store.upsert_orders(orders))
        except Exception as exc:  # what a losing run would have died of
            errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")

    threads = [threading.Thread(target=stage, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.engine.dispose()
    assert errors == []
    # each order was inserted exactly once, by whichever writer came first
    assert sum(c["inserted"] for c in counts) == len(orders)
    assert sum(c["unchanged"] for c in counts) == len(orders) * (3 * WRITERS - 1)


def test_processes_opening_a_new_database_at_once_all_get_its_schema(url):
    start, errors, stores = threading.Barrier(WRITERS), [], []

    def open_store() -> None:
        start.wait()
        try:
            stores.append(StagingStore(url))
        except Exception as exc:  # e.g. "table iseller_orders already exists"
            errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")

    threads = [threading.Thread(target=open_store, daemon=True) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "opening the database hung"
    assert errors == []
    assert len(stores) == WRITERS
    assert stores[0].upsert_orders([retail_order()])["inserted"] == 1
    for store in stores:
        store.engine.dispose()
