"""`orders_of_day`: a day's staged orders are decoded once and shared by the readers of one
store while no staged order or refund changes; a change is read at once, and a reader that
changes what it was given is caught (the suite runs with `VERIFY_ENV` set). SQLite staging.
`orders_around`: the orders of a wider window, those of the day's own shared."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from journal_pipeline.accounting.business_day import merged_window_utc
from journal_pipeline.config import load_config
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.day_orders import VERIFY_ENV, orders_around, orders_of_day
from journal_pipeline_tests.accounting.orders import restaurant_order, retail_order
from journal_pipeline_tests.databases import postgres_schema_url
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 20)  # the day of the sample orders


@pytest.fixture
def store(tmp_path) -> StagingStore:
    staging = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    staging.upsert_orders([retail_order(), restaurant_order()])
    return staging


def test_read_once_and_shared_while_nothing_staged_changes(store):
    first = orders_of_day(store, CONFIG, DAY)
    second = orders_of_day(store, CONFIG, DAY)
    assert len(first) == len(second) == 2
    assert all(a is b for a, b in zip(first, second, strict=True))  # decoded once
    assert first is not second  # each reader has a list of its own

    # another store of the same database (another run) decodes its own
    other = orders_of_day(StagingStore(store.url), CONFIG, DAY)
    assert other == first and not any(a is b for a, b in zip(first, other, strict=True))


def test_a_changed_order_is_read_at_once(store):
    before = orders_of_day(store, CONFIG, DAY)
    order = retail_order()
    store.upsert_orders([{**order, "modified_date": "2026-11-20 09:00:00", "notes": "changed"}])

    after = orders_of_day(store, CONFIG, DAY)

    changed = next(o for o in after if o["order_id"] == order["order_id"])
    assert changed["notes"] == "changed"
    assert not any(a is b for a, b in zip(before, after, strict=True))


def test_a_reader_that_changes_a_shared_order_is_named(store, monkeypatch):
    monkeypatch.setenv(VERIFY_ENV, "1")
    first = orders_of_day(store, CONFIG, DAY)
    first[0]["transactions"].append({"transaction_id": "made-up"})

    with pytest.raises(RuntimeError, match=f"staged order {first[0]['order_id']} was changed"):
        orders_of_day(store, CONFIG, DAY)


def _variant(order_id: str, closed: str, modified: str) -> dict:
    return {
        **retail_order(),
        "order_id": order_id,
        "order_reference": f"#JKT-{order_id}",
        "closed_date": closed,
        "modified_date": modified,
    }


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_orders_around_the_day_are_those_the_store_finds_the_days_own_shared(
    database, tmp_path
):
    if database == "sqlite":
        staging = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
        _orders_around_the_day(staging)
    else:
        with postgres_schema_url() as url:
            staging = StagingStore(url)
            _orders_around_the_day(staging)
            staging.engine.dispose()


def _orders_around_the_day(store: StagingStore) -> None:
    store.upsert_orders(
        [
            retail_order(),
            restaurant_order(),
            _variant("before", "2026-11-19 02:00:00", "2026-11-19 02:00:00"),  # a day before
            _variant("changed-after", "2026-11-17 10:00:00", "2026-11-21 10:00:00"),
            _variant("long-before", "2026-11-15 10:00:00", "2026-11-16 10:00:00"),  # neither
        ]
    )
    start, end = merged_window_utc(DAY, CONFIG.zones())
    margin = timedelta(days=1)

    around = orders_around(store, CONFIG, DAY, margin)

    assert around == store.orders_touching(start - margin, end + margin)  # the same, in order
    assert [o["order_id"] for o in around if o["order_id"] in ("before", "changed-after")] == [
        "before",
        "changed-after",
    ]
    own = {o["order_id"]: o for o in orders_of_day(store, CONFIG, DAY)}
    assert len(own) == 2
    assert all(o is own[o["order_id"]] for o in around if o["order_id"] in own)  # shared
