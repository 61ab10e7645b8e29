"""`StagingStore.orders_touching`: every order closed or last modified in the window, once,
those closed in it first (by closed date), then those only modified in it (by modified date);
a SQLite staging database."""

from __future__ import annotations

from datetime import UTC, datetime

from journal_pipeline.storage.store import StagingStore
from journal_pipeline_tests.accounting.test_completeness import day_orders

START = datetime(2026, 11, 19, 0, tzinfo=UTC)
END = datetime(2026, 11, 20, 0, tzinfo=UTC)


def test_orders_touching_a_window_come_once_closed_first(tmp_path):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    sold, paid_later, refunded = day_orders()
    changed = {**refunded, "modified_date": "2026-11-19 23:00:00"}  # closed and changed inside
    before = {  # closed the day before, changed inside: a later refund of an older sale
        **paid_later,
        "order_id": "older",
        "order_reference": "#JKT-0",
        "closed_date": "2026-11-18 12:00:00",
        "modified_date": "2026-11-19 20:00:00",
    }
    outside = {**sold, "order_id": "outside", "closed_date": "2026-11-21 01:00:00"}
    outside["modified_date"] = outside["closed_date"]
    store.upsert_orders([sold, paid_later, changed, before, outside])

    touching = store.orders_touching(START, END)

    assert [o["order_id"] for o in touching] == [
        sold["order_id"],
        paid_later["order_id"],
        changed["order_id"],
        "older",
    ]
    assert touching[2]["modified_date"] == "2026-11-19 23:00:00"
    assert [o["order_id"] for o in store.orders_closed_between(START, END)] == [
        sold["order_id"],
        paid_later["order_id"],
        changed["order_id"],
    ]
