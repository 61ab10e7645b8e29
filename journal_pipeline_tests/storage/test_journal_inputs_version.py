"""The version of a day's journal inputs changes exactly when a change to one of the tables it
is built from is committed, on SQLite and on PostgreSQL, and reading it costs one row."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from journal_pipeline.storage import tables
from journal_pipeline.storage.writing import JOURNAL_INPUT_TABLES, writing
from journal_pipeline_tests.accounting.orders import retail_order


def test_a_committed_change_to_an_input_changes_it_and_nothing_else_does(store):
    first = store.journal_inputs_version()
    order = retail_order()

    store.upsert_orders([order])
    staged = store.journal_inputs_version()
    assert staged != first

    store.upsert_orders([order])  # the same order again: nothing written
    store.set_mark("some_build", "2026-11-20", {"inputs": staged})  # not an input
    o = tables.outbox
    with writing(store.engine) as conn:  # an update that matches no row
        conn.execute(sa.update(o).where(o.c.doc_key == "nothing:here").values(status="posted"))
    assert store.journal_inputs_version() == staged

    changed = {**order, "modified_date": "2026-11-21 01:00:00", "payment_status": "refunded"}
    store.upsert_orders([changed])
    assert store.journal_inputs_version() not in (first, staged)


def test_a_change_rolled_back_leaves_it(store):
    before = store.journal_inputs_version()
    with pytest.raises(RuntimeError), writing(store.engine) as conn:
        conn.execute(
            sa.insert(tables.summary_members).values(
                **{c.name: _value(c) for c in tables.summary_members.columns if not c.nullable}
            )
        )
        raise RuntimeError("the build failed after writing")
    assert store.journal_inputs_version() == before
    with store.engine.connect() as conn:
        members = sa.select(sa.func.count()).select_from(tables.summary_members)
        assert conn.execute(members).scalar() == 0  # the write itself was undone


def test_it_is_unchanged_while_a_writer_has_not_committed(store):
    """A build reads it before and after reading the staged rows: a change committed in
    between changes it, a change not yet committed is not seen, by it or by the build."""
    before = store.journal_inputs_version()
    written, release = threading.Event(), threading.Event()

    def writer() -> None:
        with writing(store.engine) as conn:
            store_order(conn)
            written.set()
            release.wait(30)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert written.wait(30)
        assert store.journal_inputs_version() == before  # written, not committed
    finally:
        release.set()
        thread.join(30)
    assert store.journal_inputs_version() != before


def store_order(conn: sa.Connection) -> None:
    t = tables.iseller_orders
    conn.execute(sa.insert(t).values(**{c.name: _value(c) for c in t.columns if not c.nullable}))


def _value(column: sa.Column):
    if isinstance(column.type, sa.DateTime):
        return sa.func.current_timestamp()
    if isinstance(column.type, sa.Date):
        return sa.func.current_date()
    if isinstance(column.type, sa.Integer | sa.BigInteger):
        return 0
    if isinstance(column.type, sa.Boolean):
        return False
    return f"test-{column.name}"


def test_every_input_table_is_one_of_the_staging_tables():
    assert set(tables.metadata.tables) >= JOURNAL_INPUT_TABLES
    assert "sync_marks" not in JOURNAL_INPUT_TABLES  # the builds' own memory is no input


def test_the_staged_orders_version_changes_with_the_orders_and_refunds_alone(store):
    first = store.staged_orders_version()
    order = retail_order()
    store.upsert_orders([order])
    staged = store.staged_orders_version()
    assert staged != first

    store.upsert_orders([order])  # nothing written
    o = tables.outbox  # a journal input, but not an order: a posted document changes no order
    with writing(store.engine) as conn:
        conn.execute(
            sa.insert(o).values(**{c.name: _value(c) for c in o.columns if not c.nullable})
        )
    inputs = store.journal_inputs_version()
    assert store.staged_orders_version() == staged

    refund = {
        "order_id": order["order_id"],
        "refund_date": "2026-11-21 02:00:00",
        "refund_details": [],
    }
    store.upsert_refunds([refund])
    assert store.staged_orders_version() != staged
    assert store.journal_inputs_version() != inputs
