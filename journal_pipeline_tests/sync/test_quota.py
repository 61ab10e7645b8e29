"""Jurnal's transaction quota used up mid-posting (J-58), against the emulator over HTTP: the
documents without room stay pending (never failed), the run stops saying what to do, and once
Jurnal has room again a plain re-run posts the rest exactly once, in each reading of the
refusal."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.failed_records import (
    QUOTA,
    LogEntry,
    RetryPolicy,
    findings,
    plan_retries,
)
from journal_pipeline.sync.master_data import ensure_products, wanted_products
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.accounting.orders import retail_order
from journal_pipeline_tests.jurnal_fixtures import JurnalSandboxHandle, running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG

DAY = date(2026, 11, 20)
CONFIG = load_config(DEMO_CONFIG)
ORDERS = 5


def _orders() -> list[dict]:
    orders = []
    for _ in range(ORDERS):
        order = copy.deepcopy(retail_order())
        order["order_id"] = str(uuid.uuid4())
        order["order_reference"] = f"#JKT-{uuid.uuid4().hex[:8]}"
        orders.append(order)
    return orders


@pytest.fixture(params=["item", "request"])
def jurnal(request, tmp_path) -> Iterator[JurnalSandboxHandle]:
    """Room for two invoices; a document without room refused alone (422) or its whole
    request (403), the two readings of the refusal."""
    with running_jurnal_sandbox(
        tmp_path / "jurnal", invoice_quota=2, quota_refusal=request.param
    ) as handle:
        yield handle


def _invoice_statuses(outbox: Outbox) -> list[str]:
    documents = outbox.documents(DAY, ["sales_invoice"])
    return sorted(documents["status"])


def _events(outbox: Outbox) -> list[str]:
    with outbox.engine.connect() as conn:
        return [r.event for r in conn.execute(sa.select(tables.outbox_log.c.event))]


def test_posting_stops_at_the_quota_and_a_rerun_posts_the_rest_once(jurnal, tmp_path):
    outbox = Outbox(StagingStore(f"sqlite:///{tmp_path / 'staging.db'}"), run_id="quota-run")
    client = jurnal.client()
    orders = _orders()
    sales = posting_rules.sales_of_day(order_frames(orders), CONFIG, DAY)
    documents, holds = invoices.sales_invoices(sales, CONFIG)
    assert holds == []
    outbox.enqueue(DAY, documents, [])
    ensure_products(client, wanted_products(outbox.pending_payloads(DAY), CONFIG))

    stopped = outbox.post_pending(DAY, client)
    fits = 2 if jurnal.sandbox.quota_refusal == "item" else 0  # a batch of 5 does not fit whole
    assert (stopped.posted, stopped.failed) == (fits, 0)
    assert stopped.left_pending == ORDERS - fits
    assert stopped.interrupted is not None
    assert "transaction quota is used up" in stopped.interrupted
    assert "posting_mode: daily_summary" in stopped.interrupted
    assert _invoice_statuses(outbox) == ["pending"] * (ORDERS - fits) + ["posted"] * fits
    assert _events(outbox).count("quota") == ORDERS - fits
    pending = outbox.documents(DAY, ["sales_invoice"]).query("status == 'pending'")
    assert all("transaction quota is used up" in reason for reason in pending["reason"])

    jurnal.sandbox.invoice_quota = 10  # more quota bought in Jurnal
    finished = outbox.post_pending(DAY, client)
    assert (finished.posted, finished.duplicates_resolved, finished.failed) == (
        ORDERS - fits,
        0,
        0,
    )
    assert finished.interrupted is None
    assert _invoice_statuses(outbox) == ["posted"] * ORDERS
    in_jurnal = [i["custom_id"] for i in client.iter_list("sales_invoices", "sales_invoices")]
    assert sorted(in_jurnal) == sorted(o["order_id"] for o in orders)  # each exactly once
    assert outbox.documents(DAY, ["sales_invoice"])["reason"].isna().all()


def _entry(event: str, entry_id: int) -> LogEntry:
    return LogEntry(
        id=entry_id,
        doc_key=f"sales_invoice:{entry_id}",
        event=event,
        message="Jurnal's transaction quota is used up (quota: Kuota habis): …",
        run_id="quota-run",
        at=datetime(2026, 11, 20, 10, tzinfo=UTC),
        doc_type="sales_invoice",
        business_date=DAY,
        source_reference=f"#JKT-{entry_id}",
        outlet_code="JKT",
    )


def test_a_document_stopped_by_the_quota_is_reported_once_and_not_retried_by_itself():
    """Retrying on a backoff cannot buy quota: a person is told, with the fix."""
    entries = [_entry("quota", 1), _entry("quota", 2)]
    found = findings(entries, {})
    assert [f.kind for f in found] == [QUOTA, QUOTA]
    assert "buy more in Jurnal" in found[0].fix
    assert findings([_entry("quota", 3)], {"sales_invoice:3": _entry("quota", 3)}) == []
    plan = plan_retries({}, entries, datetime(2026, 11, 21, tzinfo=UTC), RetryPolicy())
    assert plan.run_now == [] and plan.state == {}
