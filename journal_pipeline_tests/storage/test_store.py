from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import sqlalchemy as sa

from journal_pipeline.accounting import posting_rules
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.storage import tables
from journal_pipeline.storage.stock_comparison import days_with_journal
from journal_pipeline.storage.store import StagingStore
from journal_pipeline_tests.accounting.orders import restaurant_order, retail_order
from journal_sandbox.defaults import DEMO_CONFIG


def test_upsert_keeps_one_row_per_order_and_newest_wins(store):
    order = retail_order()
    assert store.upsert_orders([order]) == {"inserted": 1, "updated": 0, "unchanged": 0}
    assert store.upsert_orders([order]) == {"inserted": 0, "updated": 0, "unchanged": 1}
    changed = {**order, "modified_date": "2026-11-21 01:00:00", "payment_status": "refunded"}
    assert store.upsert_orders([changed])["updated"] == 1
    stale = {**order, "modified_date": "2026-11-20 03:15:00", "notes": "older copy"}
    assert store.upsert_orders([stale])["unchanged"] == 1
    (stored,) = store.orders_closed_between(
        datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC)
    )
    assert stored["payment_status"] == "refunded"
    assert str(stored["total_amount"]) == "187702.0000"  # money survives as exact text


def test_an_order_without_modified_date_is_found_on_the_day_it_was_voided(store):
    # the document's Order table has no modified_date (I-12): the void dates the change
    order = {k: v for k, v in retail_order().items() if k != "modified_date"}
    store.upsert_orders([order])
    voided = {**order, "status": "void", "cancel_date": "2026-11-22 02:00:00"}
    assert store.upsert_orders([voided])["updated"] == 1
    touched = store.orders_touching(
        datetime(2026, 11, 21, 17, tzinfo=UTC), datetime(2026, 11, 22, 17, tzinfo=UTC)
    )
    assert [o["status"] for o in touched] == ["void"]
    refunded = {
        **order,
        "refunded_orders": [{"refund_date": "2026-11-24 05:00:00", "refund_amount": 25000}],
    }
    assert store.upsert_orders([refunded])["updated"] == 1
    touched = store.orders_touching(
        datetime(2026, 11, 23, 17, tzinfo=UTC), datetime(2026, 11, 24, 17, tzinfo=UTC)
    )
    assert [o["order_id"] for o in touched] == [order["order_id"]]


def test_closed_window_is_half_open(store):
    store.upsert_orders([retail_order(), restaurant_order()])
    found = store.orders_closed_between(
        datetime(2026, 11, 20, 3, 15, tzinfo=UTC), datetime(2026, 11, 20, 16, 40, tzinfo=UTC)
    )
    assert [o["order_reference"] for o in found] == ["#JKT-000101"]


def test_replace_journal_is_idempotent(store):
    config = load_config(DEMO_CONFIG)
    day = date(2026, 11, 20)
    sales = posting_rules.sales_of_day(order_frames([retail_order()]), config, day)
    lines, _ = posting_rules.journal_lines(sales, config)
    assert store.replace_journal(day, lines) == len(lines)
    store.replace_journal(day, lines)
    back = store.read_journal(day)
    assert len(back) == len(lines)
    assert int(back["debit"].sum()) == int(back["credit"].sum()) == int(lines["debit"].sum())


def test_a_rebuilt_journal_writes_only_the_lines_that_differ(store):
    config = load_config(DEMO_CONFIG)
    day = date(2026, 11, 20)
    sales = posting_rules.sales_of_day(order_frames([retail_order()]), config, day)
    lines, _ = posting_rules.journal_lines(sales, config)
    doubled = pd.concat([lines, lines.iloc[[0]]], ignore_index=True)  # a line twice
    store.replace_journal(day, doubled)
    before = _ids(store, day)
    store.replace_journal(day, doubled)  # the same build again: nothing rewritten
    assert _ids(store, day) == before

    changed = doubled.copy()
    changed.loc[1, "description"] = "worded anew"  # one line differs
    changed = changed.drop(index=len(changed) - 1)  # the second copy is gone
    extra = changed.iloc[[0]].assign(entry_id="sale:extra", source_id="extra")
    changed = pd.concat([changed, extra], ignore_index=True)  # and one is new
    store.replace_journal(day, changed)
    after = _ids(store, day)
    kept = before & after
    assert len(kept) == len(lines) - 1  # all but the changed line and the dropped copy
    back = store.read_journal(day)
    columns = ["entry_id", "line_no", "account_role", "debit", "credit", "description"]
    assert sorted(back[columns].itertuples(index=False, name=None)) == sorted(
        changed[columns].itertuples(index=False, name=None)
    )


def _ids(store, day) -> set[tuple]:
    """(id, entry, line, description) of the day's rows: a row rewritten gets a new id (or a
    freed one, with other values)."""
    t = tables.journal_lines
    query = sa.select(t.c.id, t.c.entry_id, t.c.line_no, t.c.description).where(
        t.c.business_date == day
    )
    with store.engine.connect() as conn:
        return {tuple(row) for row in conn.execute(query)}


def test_days_with_journal_are_those_with_lines_or_a_kept_build(store):
    config = load_config(DEMO_CONFIG)
    day = date(2026, 11, 20)
    sales = posting_rules.sales_of_day(order_frames([retail_order()]), config, day)
    lines, _ = posting_rules.journal_lines(sales, config)
    store.replace_journal(day, lines)
    store.set_mark("journal_entries", "2026-11-22", {"inputs": "x"})  # a day with no sale
    store.set_mark("other_step", "2026-11-23", {"inputs": "x"})  # not a journal build
    store.set_mark("journal_entries", "2026-12-01", {"inputs": "x"})  # outside the range

    found = days_with_journal(store, date(2026, 11, 19), date(2026, 11, 24), "journal_entries")

    assert found == {date(2026, 11, 20), date(2026, 11, 22)}


def test_migrated_schema_matches_the_table_definitions(store):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from journal_pipeline.storage.tables import metadata

    with store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_opening_twice_does_not_migrate_twice(store):
    again = StagingStore(store.url)
    assert again.upsert_orders([retail_order()])["inserted"] == 1


def test_day_totals_are_replaced_per_day(store):
    day = date(2026, 11, 19)
    start = datetime(2026, 11, 18, 17, tzinfo=UTC)
    end = datetime(2026, 11, 19, 17, tzinfo=UTC)
    item = {"order_date": "2026-11-19 07:00:00", "total_amount": Decimal("177600.0000")}
    rows = [
        {
            "outlet_code": "JKT",
            "endpoint": "GetOrderSummary",
            "outlet_id": "aaaaaaaa-0000-0000-0000-000000000001",
            "window_start": start,
            "window_end": end,
            "time_zone": 7,
            "status": "ok",
            "items": [item],
        },
        {
            "outlet_code": "JKT",
            "endpoint": "GetTransactionSummary",
            "status": "unavailable",
            "reason": "HTTP 404",
        },
    ]
    other_day = [{**rows[1], "reason": "kept"}]
    assert store.replace_day_totals(date(2026, 11, 18), other_day) == 1
    assert store.replace_day_totals(day, rows) == 2
    assert store.replace_day_totals(day, rows) == 2  # again: still one set
    stored = store.day_totals(day)
    assert [(r["endpoint"], r["status"]) for r in stored] == [
        ("GetOrderSummary", "ok"),
        ("GetTransactionSummary", "unavailable"),
    ]
    ok, missing = stored
    assert ok["items"] == [{**item, "total_amount": "177600.0000"}]  # money as exact text
    assert (ok["window_start"], ok["window_end"], ok["time_zone"]) == (start, end, 7)
    assert ok["day_open"] is False
    assert missing["items"] is None and missing["reason"] == "HTTP 404"
    assert store.replace_day_totals(day, rows[:1]) == 1
    assert len(store.day_totals(day)) == 1
    assert store.day_totals(date(2026, 11, 18))[0]["reason"] == "kept"
