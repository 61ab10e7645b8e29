"""Which outlets keep a day per order in daily-summary mode (`summary_members.per_order_outlets`):
those with the own sales invoice of an order paid in full on the day in Jurnal. A revision's
invoice (a correction of an order, booked on the day of the change) does not make the day a
per-order day, or the day's summarised orders would be posted again; nor does the own invoice of
an order left owing, which a summarised day posts too. Real SQLite staging."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import sqlalchemy as sa

from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.summary_members import per_order_outlets

DAY = date(2026, 11, 19)
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def _invoice(outlet: str, source_id: str, status: str = "posted", deposit: int = 50_000) -> dict:
    number = f"ISL/{source_id[-6:]}"
    return {
        "transaction_no": number,
        "expected_total": 50_000,
        "payload": json.dumps({"sales_invoice": {"transaction_no": number, "deposit": deposit}}),
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
        # an order on account: its own invoice is posted in a summarised day as well
        _invoice("DPS", "2b1f7a40-0000-4000-8000-000000000006", deposit=0),
        # paid in full with two methods: the deposit and a receive payment of the day
        _invoice("SUB", "2b1f7a40-0000-4000-8000-000000000007", deposit=30_000),
        _payment("ISL/000007", 20_000),
    ]
    with store.engine.begin() as conn:
        conn.execute(sa.insert(tables.outbox), rows)
    assert per_order_outlets(store.engine, DAY) == {"BDG", "SBY", "SUB"}


def _payment(invoice_no: str, amount: int) -> dict:
    body = {"records_attributes": [{"transaction_no": invoice_no, "amount": amount}]}
    return {
        **_invoice("SUB", f"pay-{invoice_no}", status="pending"),
        "doc_key": f"receive_payment:{invoice_no}/P1",
        "doc_type": "receive_payment",
        "payload": json.dumps({"receive_payment": body}),
    }
