"""Staging keeps the order as posted (``posted_raw``) for an order carried by a posted daily
summary invoice, as it does for an order whose own invoice is posted: that is what a later
change of the order is corrected against (docs/posting-model.md, "Changes after posting")."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from journal_pipeline.storage import tables
from journal_pipeline.storage.revisions import RevisionStore
from journal_pipeline.storage.store import StagingStore
from journal_pipeline_tests.accounting.orders import restaurant_order, retail_order

DAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
SUMMARY = "sales_invoice:summary:JKT:2026-11-20"


def _outbox_row(doc_key: str, source_id: str, doc_type: str, status: str) -> dict[str, Any]:
    return {
        "doc_key": doc_key,
        "doc_type": doc_type,
        "business_date": DAY,
        "outlet_code": "JKT",
        "source_id": source_id,
        "transaction_no": source_id,
        "status": status,
        "attempts": 0,
        "changed_after_posting": False,
        "created_at": NOW,
        "updated_at": NOW,
    }


def _member(order_id: str, summary_key: str) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "summary_key": summary_key,
        "invoice_no": "ISL/S/JKT/20261120",
        "business_date": DAY,
        "outlet_code": "JKT",
        "order_invoice_no": f"ISL/{order_id}",
        "line_map": "[]",
    }


def _changed(order: dict[str, Any]) -> dict[str, Any]:
    return {**order, "modified_date": "2026-11-22 01:00:00", "notes": "changed after posting"}


def _store_with(tmp_path, status: str, summary_type: str = "sales_invoice") -> StagingStore:
    """A retail order carried by the JKT summary of DAY whose outbox row has ``status``."""
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    order = retail_order()
    store.upsert_orders([order])
    with store.engine.begin() as conn:
        conn.execute(
            sa.insert(tables.outbox),
            [_outbox_row(SUMMARY, "summary:JKT:2026-11-20", summary_type, status)],
        )
        conn.execute(sa.insert(tables.summary_members), [_member(order["order_id"], SUMMARY)])
    return store


def test_a_change_of_an_order_in_a_posted_summary_keeps_the_order_as_posted(tmp_path):
    store = _store_with(tmp_path, "posted")
    order = retail_order()
    assert store.upsert_orders([_changed(order)])["updated"] == 1
    kept = RevisionStore(store.engine).posted_raw([order["order_id"]])
    posted = kept[order["order_id"]]  # the version the summary was built from
    assert posted["modified_date"] == order["modified_date"] and "notes" not in posted
    # a second change keeps the first posted version, not the one in between
    again = {**_changed(order), "modified_date": "2026-11-23 01:00:00", "notes": "again"}
    assert store.upsert_orders([again])["updated"] == 1
    assert RevisionStore(store.engine).posted_raw([order["order_id"]]) == kept


def test_a_summary_not_in_jurnal_yet_keeps_nothing(tmp_path):
    store = _store_with(tmp_path, "pending")
    order = retail_order()
    assert store.upsert_orders([_changed(order)])["updated"] == 1
    assert RevisionStore(store.engine).posted_raw([order["order_id"]]) == {}


def test_a_refund_carried_by_a_posted_merged_return_is_not_an_order_posted(tmp_path):
    """``summary_members`` also names the refunds a day's merged sales return carries: only a
    posted summary *invoice* makes its members posted orders."""
    store = _store_with(tmp_path, "posted", summary_type="sales_return")
    order = retail_order()
    store.upsert_orders([_changed(order)])
    assert RevisionStore(store.engine).posted_raw([order["order_id"]]) == {}


def test_an_order_of_another_summary_is_left_alone(tmp_path):
    store = _store_with(tmp_path, "posted")
    other = restaurant_order()
    store.upsert_orders([other])
    store.upsert_orders([_changed(other)])
    assert RevisionStore(store.engine).posted_raw([other["order_id"]]) == {}
