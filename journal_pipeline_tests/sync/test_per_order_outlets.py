"""Which outlets keep a day per order in daily-summary mode (`summary_members.per_order_outlets`):
those with an order's own sales invoice of the day in Jurnal. A revision's invoice (a correction
of an order, booked on the day of the change) does not make the day a per-order day, or the
day's summarised orders would be posted again. Real SQLite staging."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.summary_members import per_order_outlets

DAY = date(2026, 11, 19)
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def _invoice(outlet: str, source_id: str, status: str = "posted") -> dict:
    return {
        "doc_key": f"sales_invoice:{source_id}",
        "doc_type": "sales_invoice",
        "business_date": DAY,
        "outlet_code": outlet,
        "source_id": source_id,
        "status": status,
        "attempts": 0,
        "changed_after_posting": False,
        "created_at": NOW,
        "updated_at": NOW,
    }


def test_only_an_orders_first_invoice_makes_the_day_per_order(tmp_path):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    rows = [
        _invoice("JKT", "summary:JKT:2026-11-19"),  # the summary
        _invoice("JKT", "2b1f7a40-0000-4000-8000-000000000001/1"),  # a correction's revision
        _invoice("JKT", "2b1f7a40-0000-4000-8000-000000000002/12"),
        _invoice("BDG", "2b1f7a40-0000-4000-8000-000000000003"),  # an order's own invoice
        _invoice("SBY", "2b1f7a40-0000-4000-8000-000000000004/1"),
        _invoice("SBY", "ref/with-slash"),  # an id with a slash that is no revision
        _invoice("MDN", "2b1f7a40-0000-4000-8000-000000000005", status="pending"),
    ]
    with store.engine.begin() as conn:
        conn.execute(sa.insert(tables.outbox), rows)
    assert per_order_outlets(store.engine, DAY) == {"BDG", "SBY"}
