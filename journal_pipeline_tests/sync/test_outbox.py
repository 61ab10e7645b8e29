"""The outbox against the Jurnal sandbox over HTTP: posted once, held with reasons, withdrawn."""

from __future__ import annotations

import copy
import dataclasses
import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.accounting.documents import SALES_RETURN, Document
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.accounting.return_arithmetic import OWN_POSTINGS
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.jurnal.client import JurnalClient, JurnalSettings
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.master_data import ensure_products, wanted_products
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.accounting.orders import retail_order
from journal_sandbox.defaults import DEMO_CONFIG

DAY = date(2026, 11, 20)
NEXT_DAY = DAY + timedelta(days=1)
CONFIG = load_config(DEMO_CONFIG)


def _fresh_order() -> dict:
    """The retail worked example under a new id and reference, so each test owns its invoice."""
    order = copy.deepcopy(retail_order())
    order["order_id"] = str(uuid.uuid4())
    order["order_reference"] = f"#JKT-{uuid.uuid4().hex[:8]}"
    return order


def _documents(orders):
    sales = posting_rules.sales_of_day(order_frames(orders), CONFIG, DAY)
    return invoices.sales_invoices(sales, CONFIG)


@pytest.fixture
def client(jurnal_sandbox):
    return JurnalClient(JurnalSettings.from_env(jurnal_sandbox.env))


@pytest.fixture
def outbox(tmp_path):
    return Outbox(StagingStore(f"sqlite:///{tmp_path / 'staging.db'}"), run_id="test-run")


def _invoices_with(client, custom_id):
    return [
        i
        for i in client.iter_list("sales_invoices", "sales_invoices")
        if i["custom_id"] == custom_id
    ]


def _post(outbox, client, documents, holds=()):
    outbox.enqueue(DAY, documents, list(holds))
    ensure_products(client, wanted_products(outbox.pending_payloads(DAY), CONFIG))
    return outbox.post_pending(DAY, client)


def test_posts_once_and_a_rerun_is_a_no_op(outbox, client):
    order = _fresh_order()
    documents, holds = _documents([order])
    assert holds == []
    result = _post(outbox, client, documents)
    assert (result.posted, result.failed, result.calls) == (1, 0, 1)
    again = _post(outbox, client, documents)
    assert (again.posted, again.calls) == (0, 0)
    (invoice,) = _invoices_with(client, order["order_id"])
    assert invoice["transaction_no"] == documents[0].transaction_no
    (row,) = outbox.documents(DAY).itertuples()
    assert row.status == "posted" and row.jurnal_id == invoice["id"]
    assert row.posted_total == row.expected_total == 187_702


def test_the_posted_invoice_is_read_back_as_it_was_sent(outbox, client):
    """What a later return is modelled on (`reversals.reversal`): the invoice as posted."""
    order = _fresh_order()
    documents, _ = _documents([order])
    number = documents[0].transaction_no
    outbox.enqueue(DAY, documents, [])
    assert outbox.posted_invoices([order["order_id"]]) == {}  # queued, not posted
    ensure_products(client, wanted_products(outbox.pending_payloads(DAY), CONFIG))
    assert outbox.post_pending(DAY, client).posted == 1
    posted = outbox.posted_invoices([order["order_id"], "another-order"])
    assert posted == {number: documents[0].payload["sales_invoice"]}


def test_a_lost_response_is_resolved_to_the_existing_invoice(outbox, client):
    order = _fresh_order()
    documents, _ = _documents([order])
    ensure_products(client, wanted_products([documents[0].payload["sales_invoice"]], CONFIG))
    # the first attempt reached Jurnal but its answer never came back: Jurnal has the invoice,
    # the outbox still thinks it is pending
    client.create_sales_invoice(documents[0].payload["sales_invoice"])
    result = _post(outbox, client, documents)
    assert (result.posted, result.duplicates_resolved, result.failed) == (0, 1, 0)
    assert len(_invoices_with(client, order["order_id"])) == 1
    assert outbox.status_counts(DAY) == {"posted": 1}
    with outbox.engine.connect() as conn:
        events = [r.event for r in conn.execute(sa.select(tables.outbox_log.c.event))]
    assert events == ["enqueued", "duplicate"]


def test_refused_invoice_fails_with_jurnal_reason_and_the_order_named(outbox, client):
    order = _fresh_order()
    documents, _ = _documents([order])
    body = documents[0].payload["sales_invoice"]
    body["deposit_to_name"] = "Kas Yang Tidak Ada"
    result = _post(outbox, client, documents)
    assert result.failed == 1
    (row,) = outbox.documents(DAY).itertuples()
    assert row.status == "failed"
    assert order["order_reference"] in row.reason and "Kas Yang Tidak Ada" in row.reason
    assert _invoices_with(client, order["order_id"]) == []


def test_held_then_fixed_then_voided(outbox, client):
    order = _fresh_order()
    documents, _ = _documents([order])
    hold = Hold("order", order["order_id"], order["order_reference"], "JKT", DAY, "no mapping")
    outbox.enqueue(DAY, [], [hold])
    assert outbox.status_counts(DAY) == {"held": 1}
    assert outbox.post_pending(DAY, client).calls == 0  # nothing held is ever posted
    outbox.enqueue(DAY, documents, [])  # the mapping was fixed
    assert outbox.status_counts(DAY) == {"pending": 1}
    outbox.enqueue(DAY, [], [])  # voided before posting: no longer a sale of the day
    assert outbox.status_counts(DAY) == {"withdrawn": 1}
    assert outbox.post_pending(DAY, client).calls == 0
    assert _invoices_with(client, order["order_id"]) == []


def test_posted_documents_are_never_edited(outbox, client):
    order = _fresh_order()
    documents, _ = _documents([order])
    _post(outbox, client, documents)
    changed = _fresh_order() | {
        "order_id": order["order_id"],
        "order_reference": order["order_reference"],
    }
    changed["order_details"][1]["product_name"] = "Teh Hijau"  # another product sold
    changed["order_details"][1]["sku"] = "TEH-003"
    redone, _ = _documents([changed])
    counts = outbox.enqueue(DAY, redone, [])
    assert counts["changed_after_posting"] == 1
    (row,) = outbox.documents(DAY).itertuples()
    assert row.status == "posted" and row.changed_after_posting
    assert len(_invoices_with(client, order["order_id"])) == 1
    # the day built again (the next hour): still counted, said once
    assert outbox.enqueue(DAY, redone, [])["changed_after_posting"] == 1
    events = _events(outbox, redone[0].doc_key)
    assert events.count("changed_after_posting") == 1


def test_a_posted_document_reworded_or_remapped_is_not_taken_for_a_changed_one(outbox, client):
    order = _fresh_order()
    documents, _ = _documents([order])
    _post(outbox, client, documents)
    (posted,) = documents
    body = posted.payload["sales_invoice"]
    reworded = {**body, "memo": f"{body.get('memo', '')} (worded by a newer release)"}
    reworded["deposit_to_name"] = "Kas Besar"  # the config maps the method elsewhere now
    again = dataclasses.replace(posted, payload={"sales_invoice": reworded})
    counts = outbox.enqueue(DAY, [again], [])
    assert counts == {"already_posted": 1}
    (row,) = outbox.documents(DAY).itertuples()
    assert row.status == "posted" and not row.changed_after_posting
    assert "changed_after_posting" not in _events(outbox, posted.doc_key)


def _split(order):
    """Pay the order 100,000 in cash and the rest (87,702) by QRIS a minute later."""
    cash = order["transactions"][0]
    cash["amount"] = "100000"
    order["transactions"].append(
        {
            **cash,
            "transaction_id": str(uuid.uuid4()),
            "transaction_date": "2026-11-20 03:16:00",
            "payment_type_name": "QRIS",
            "gateway": "iseller_pay",
            "amount": "87702",
        }
    )
    return order


def test_split_payment_settles_the_invoice_in_jurnal(outbox, client):
    order = _split(_fresh_order())
    documents, _ = _documents([order])
    result = _post(outbox, client, documents)
    assert (result.posted, result.failed) == (2, 0)
    (invoice,) = _invoices_with(client, order["order_id"])
    assert invoice["remaining"] in ("0.0", 0, "0")
    assert outbox.status_counts(DAY) == {"posted": 2}


def test_a_payment_waits_for_its_invoice(outbox, client):
    order = _split(_fresh_order())
    documents, _ = _documents([order])
    invoice, payment = documents
    hold = Hold("order", order["order_id"], order["order_reference"], "JKT", DAY, "no mapping")
    outbox.enqueue(DAY, [payment], [hold])
    result = outbox.post_pending(DAY, client)
    assert (result.calls, result.waiting) == (0, 1)
    held = outbox.documents(DAY).set_index("doc_key")
    reason = held.loc[payment.doc_key, "reason"]
    assert "waits for its invoice" in reason
    assert f"which is held on {DAY.isoformat()}. Sync {DAY.isoformat()}" in reason
    # the invoice's mapping is fixed: both go, invoice first
    result = _post(outbox, client, [invoice, payment])
    assert (result.posted, result.failed) == (2, 0)


def test_a_payment_whose_order_is_not_staged_says_the_sale_day_is_unknown(outbox, client):
    order = _split(_fresh_order())
    documents, _ = _documents([order])
    outbox.enqueue(DAY, [documents[1]], [])  # the payment alone: no invoice, no staged order
    assert outbox.post_pending(DAY, client).waiting == 1
    reason = outbox.documents(DAY).set_index("doc_key").loc[documents[1].doc_key, "reason"]
    assert "not synced yet, and the day the order was sold is not known here" in reason
    assert f"then {DAY.isoformat()} runs again by itself" in reason


def test_void_after_posting_asks_for_a_reversal(outbox, client):
    order = _fresh_order()
    documents, _ = _documents([order])
    _post(outbox, client, documents)
    counts = outbox.enqueue(DAY, [], [])  # the order was voided after its invoice was posted
    assert counts["reversal_needed"] == 1
    docs = outbox.documents(DAY).set_index("doc_key")
    reversal = docs.loc[f"reversal:{order['order_id']}"]
    assert reversal["status"] == "held" and "by hand" in reversal["reason"]
    assert docs.loc[documents[0].doc_key, "status"] == "posted"  # never edited
    assert outbox.enqueue(DAY, [], [])["reversal_needed"] == 1  # stays held


def _refund_return(lines: list[dict]) -> Document:
    body = {
        "transaction_no": "ISL/JKT-000101/R1",
        "invoice_no": "ISL/JKT-000101",
        "custom_id": "r1",
        "transaction_return_lines_attributes": lines,
    }
    return Document(
        doc_key="sales_return:r1",
        doc_type=SALES_RETURN,
        business_date=DAY,
        outlet_code="JKT",
        source_id="r1",
        source_reference="#JKT-000101",
        transaction_no="ISL/JKT-000101/R1",
        custom_id="r1",
        expected_total=84_495,
        payload={SALES_RETURN: body},
    )


def test_a_posted_return_is_not_changed_by_the_own_invoice_note_of_its_lines(outbox):
    line = {"invoice_line_index": 0, "product_code": "KOP-001", "return_quantity": 1}
    outbox.enqueue(DAY, [_refund_return([line])], [])
    with outbox.store.engine.begin() as conn:  # as posted before lines carried the note
        conn.execute(sa.update(tables.outbox).values(status="posted"))
    noted = {**line, OWN_POSTINGS: {"revenue": "76500.00", "share": "0.00", "tax": "8415.00"}}
    assert outbox.enqueue(DAY, [_refund_return([noted])], [])["already_posted"] == 1
    # a change Jurnal would see still counts
    more = {**noted, "return_quantity": 2}
    assert outbox.enqueue(DAY, [_refund_return([more])], [])["changed_after_posting"] == 1


def _events(outbox, key):
    t = tables.outbox_log
    with outbox.store.engine.connect() as conn:
        query = sa.select(t.c.event).where(t.c.doc_key == key).order_by(t.c.id)
        return list(conn.execute(query).scalars())


def test_a_build_records_each_key_once_wherever_and_however_often_it_comes(outbox):
    """New rows are written together at the end of a build: a key already recorded under
    another day is updated, not inserted again, and a key built twice keeps the later one."""
    moved = dataclasses.replace(_refund_return([{"return_quantity": 1}]), business_date=NEXT_DAY)
    outbox.enqueue(NEXT_DAY, [moved], [])
    again = _refund_return([{"return_quantity": 2}])  # the same key, now a document of DAY
    first = dataclasses.replace(again, doc_key="sales_return:r2", custom_id="r2")
    later = _refund_return([{"return_quantity": 3}]).payload
    second = dataclasses.replace(first, expected_total=1, payload=later)
    hold = Hold("order", "o9", "#JKT-9", "JKT", DAY, "the product is not mapped")
    counts = outbox.enqueue(DAY, [again, first, second], [hold])
    assert counts == {"pending": 2, "enqueued": 1, "held": 1}
    docs = outbox.documents(DAY).set_index("doc_key")
    assert docs.loc["sales_return:r2", "expected_total"] == 1
    assert docs.loc[hold.doc_key, "status"] == "held"
    assert _events(outbox, "sales_return:r2") == ["enqueued", "requeued"]
    assert _events(outbox, hold.doc_key) == ["held"]
    assert _events(outbox, again.doc_key) == ["enqueued", "requeued"]
    assert outbox.enqueue(DAY, [again, second], [hold]) == {"pending": 2, "held": 1}


def test_a_day_s_documents_are_read_all_or_of_the_types_asked(outbox):
    documents, _ = _documents([_split(_fresh_order()), _fresh_order()])
    outbox.enqueue(DAY, documents, [])
    (later,) = _documents([_fresh_order()])[0]
    outbox.enqueue(NEXT_DAY, [dataclasses.replace(later, business_date=NEXT_DAY)], [])

    every = outbox.documents(DAY)
    assert sorted(every["doc_type"]) == ["receive_payment", "sales_invoice", "sales_invoice"]
    assert list(every["doc_key"]) == sorted(d.doc_key for d in documents)
    payments = outbox.documents(DAY, ["receive_payment"])
    assert list(payments.columns) == list(every.columns)
    assert payments.to_dict("records") == every[every["doc_type"] == "receive_payment"].to_dict(
        "records"
    )
    assert len(outbox.documents(DAY, ["sales_invoice", "receive_payment"])) == 3
    assert outbox.documents(DAY, ["payout"]).empty
    assert list(outbox.documents(NEXT_DAY, ["sales_invoice"])["doc_key"]) == [later.doc_key]


def test_a_date_in_jurnals_closed_books_fails_saying_to_set_lock_date(outbox, jurnal_sandbox):
    """Jurnal closed its books ("tutup buku") past the day and the config does not know: the
    refusal names the record and the fix (J-57)."""
    client = JurnalClient(JurnalSettings.from_env(jurnal_sandbox.env))
    documents, _ = _documents([_fresh_order()])
    jurnal_sandbox.sandbox.closing_date = DAY
    try:
        result = _post(outbox, client, documents)
    finally:
        jurnal_sandbox.sandbox.closing_date = None
    assert (result.posted, result.failed) == (0, 1)
    (reason,) = result.failures
    assert "transaction_date: can't be on or before the closing date (20/11/2026)" in reason
    assert "set `lock_date` in the config" in reason and "journal-pipeline check" in reason
    assert outbox.documents(DAY).set_index("doc_key").loc[documents[0].doc_key, "status"] == (
        "failed"
    )
