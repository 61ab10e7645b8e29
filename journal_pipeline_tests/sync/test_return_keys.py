"""Sales returns when Jurnal ignores the keys they are sent with (J-37, the emulator's
``return_keys=documented``: every answer shows ``custom_id`` null and an automatic number).

A refund's return whose answer is lost, or whose run stopped after sending it, is found in
Jurnal by its invoice, date and lines, recorded posted with its Jurnal id, never posted twice
and never marked failed; two returns of identical content are told apart by the outbox's own
records. Real SQLite staging and the Jurnal emulator over HTTP."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from datetime import date, timedelta

import pandas as pd
import pytest

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.accounting.documents import SALES_RETURN, Document
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.master_data import ensure_products, wanted_products
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline.sync.returns import post_corrections
from journal_pipeline_tests.accounting.orders import retail_order
from journal_pipeline_tests.jurnal_fixtures import JurnalSandboxHandle, running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 20)
NEXT_DAY = DAY + timedelta(days=1)


@pytest.fixture
def jurnal(tmp_path, request) -> Iterator[JurnalSandboxHandle]:
    keys = getattr(request, "param", "documented")
    with running_jurnal_sandbox(tmp_path / "jurnal", return_keys=keys) as handle:
        yield handle


@pytest.fixture
def client(jurnal) -> JurnalClient:
    return jurnal.client(backoff_base=0.01)


@pytest.fixture
def outbox(tmp_path) -> Outbox:
    return Outbox(StagingStore(f"sqlite:///{tmp_path / 'staging.db'}"), run_id="test-run")


def _invoice() -> Document:
    """The retail worked example (line 1: 2 × KOP-001) under a new id and number."""
    order = copy.deepcopy(retail_order())
    order["order_id"] = str(uuid.uuid4())
    order["order_reference"] = f"#JKT-{uuid.uuid4().hex[:6]}"
    sales = posting_rules.sales_of_day(order_frames([order]), CONFIG, DAY)
    (invoice,), _ = invoices.sales_invoices(sales, CONFIG)
    return invoice


def _refund(invoice: Document, refund_id: str, k: int, *, memo: str | None = None) -> Document:
    """A refund of one KOP-001 of the invoice's first line, as `accounting.reversals` builds
    it: custom_id the refund's id, number ``<invoice no>/R<k>``, a memo naming its entry."""
    invoice_no = invoice.transaction_no
    number = f"{invoice_no}/R{k}"
    body = {
        "transaction_date": DAY.isoformat(),
        "transaction_no": number,
        "custom_id": refund_id,
        "invoice_no": invoice_no,
        "memo": memo or f"iSeller refund against invoice {invoice_no}; paid back by {number}J",
        "tags": ["JKT"],
        "transaction_return_lines_attributes": [
            {"invoice_line_index": 0, "product_code": "KOP-001", "return_quantity": 1}
        ],
    }
    return Document(
        doc_key=f"{SALES_RETURN}:{refund_id}",
        doc_type=SALES_RETURN,
        business_date=DAY,
        outlet_code="JKT",
        source_id=refund_id,
        source_reference=invoice.source_reference,
        transaction_no=number,
        custom_id=refund_id,
        expected_total=None,
        payload={SALES_RETURN: body},
    )


def _post_invoice(outbox: Outbox, client: JurnalClient, invoice: Document, *more: Document):
    outbox.enqueue(DAY, [invoice, *more], [])
    ensure_products(client, wanted_products(outbox.pending_payloads(DAY), CONFIG))
    assert outbox.post_pending(DAY, client).posted == 1


def _returns_of(client: JurnalClient, invoice: Document) -> list[dict]:
    return [
        r
        for r in client.iter_list("sales_returns", "sales_returns")
        if r["invoice_no"] == invoice.transaction_no
    ]


def _rows(outbox: Outbox, day: date = DAY) -> dict[str, tuple]:
    frame = outbox.documents(day)
    return {
        row.doc_key: (row.status, None if pd.isna(row.jurnal_id) else int(row.jurnal_id))
        for row in frame.itertuples()
        if row.doc_type == SALES_RETURN
    }


@pytest.mark.parametrize("jurnal", ["documented", "echoed"], indirect=True)
def test_a_refund_s_return_whose_answer_is_lost_is_found_and_not_posted_twice(
    jurnal, client, outbox
):
    """Whether Jurnal ignores the return's keys (``documented``) or keeps them (``echoed``)."""
    invoice = _invoice()
    refund = _refund(invoice, f"refund-{uuid.uuid4().hex[:8]}", 1)
    _post_invoice(outbox, client, invoice, refund)
    jurnal.sandbox.faults.once("/sales_returns", "lost")

    result = post_corrections(outbox, DAY, client)
    assert jurnal.sandbox.faults.injected["lost"] == 1
    assert (result.posted, result.duplicates_resolved, result.failed) == (0, 1, 0)
    assert result.interrupted is None
    (made,) = _returns_of(client, invoice)
    if jurnal.sandbox.return_keys == "documented":
        assert made["custom_id"] is None and made["transaction_no"] != refund.transaction_no
    else:
        assert (made["custom_id"], made["transaction_no"]) == (
            refund.custom_id,
            refund.transaction_no,
        )
    assert _rows(outbox) == {refund.doc_key: ("posted", made["id"])}

    again = post_corrections(outbox, DAY, client)
    assert (again.posted, again.duplicates_resolved, again.calls) == (0, 0, 0)
    assert len(_returns_of(client, invoice)) == 1


def test_a_return_sent_by_a_run_that_stopped_is_found_by_the_next_run(jurnal, client, outbox):
    """The answer is lost and Jurnal cannot be read right after: the return stays pending (not
    failed); the next run looks before posting and records the return already there."""
    invoice = _invoice()
    refund = _refund(invoice, f"refund-{uuid.uuid4().hex[:8]}", 1)
    _post_invoice(outbox, client, invoice, refund)
    jurnal.sandbox.faults.once("/sales_returns", "lost")
    jurnal.sandbox.faults.once("/sales_returns", "error", times=client.max_attempts)

    stopped = post_corrections(outbox, DAY, client)
    assert stopped.interrupted is not None and "JurnalRetryableError" in stopped.interrupted
    assert (stopped.posted, stopped.failed, stopped.left_pending) == (0, 0, 1)
    assert _rows(outbox) == {refund.doc_key: ("pending", None)}
    (made,) = _returns_of(client, invoice)

    resumed = post_corrections(outbox, DAY, client)
    assert (resumed.posted, resumed.duplicates_resolved, resumed.failed) == (0, 1, 0)
    assert _rows(outbox) == {refund.doc_key: ("posted", made["id"])}
    assert len(_returns_of(client, invoice)) == 1


def test_two_returns_of_the_same_content_are_told_apart(jurnal, client, outbox):
    """Two refunds of one KOP-001 each, same invoice, same date (and here the same memo): the
    second one's answer is lost, and of the two identical returns in Jurnal the one recorded
    for the first refund is not taken for it."""
    invoice = _invoice()
    first = _refund(invoice, "refund-a", 1, memo="one unit back")
    second = _refund(invoice, "refund-b", 2, memo="one unit back")
    _post_invoice(outbox, client, invoice, first)
    assert post_corrections(outbox, DAY, client).posted == 1
    ((_, first_id),) = _rows(outbox).values()

    later = Document(**{**second.__dict__, "business_date": NEXT_DAY})  # dated DAY in Jurnal
    outbox.enqueue(NEXT_DAY, [later], [])
    jurnal.sandbox.faults.once("/sales_returns", "lost")
    result = post_corrections(outbox, NEXT_DAY, client)
    assert (result.posted, result.duplicates_resolved, result.failed) == (0, 1, 0)

    made = _returns_of(client, invoice)
    assert len(made) == 2
    ((_, second_id),) = _rows(outbox, NEXT_DAY).values()
    assert {first_id, second_id} == {r["id"] for r in made}
