"""Records booked by hand in Jurnal (`sync.by_hand`), at the outbox: later builds leave them
alone, whatever they make of them, until undone; a daily summary does not carry such an
order. (The command, end to end: `test_resolve_cli.py`.)"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.config import load_config
from journal_pipeline.defs.assets import invoice_check_records
from journal_pipeline.defs.checks import every_record_posted_result
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import by_hand
from journal_pipeline.sync import day as day_sync
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline.sync.summary_day import summary_of_day
from journal_pipeline_tests.accounting.orders import retail_order
from journal_pipeline_tests.accounting.test_free_goods import _voided
from journal_pipeline_tests.databases import postgres_schema_url
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.demo_merchant import DemoMerchant

DAY = date(2026, 11, 18)
CONFIG = load_config(DEMO_CONFIG)
OVER = datetime(2026, 11, 19, 22, 0, tzinfo=UTC)  # the day is over at every outlet


@pytest.fixture(params=["sqlite", "postgresql"])
def outbox(request, tmp_path):
    if request.param == "sqlite":
        yield Outbox(StagingStore(f"sqlite:///{tmp_path / 'staging.db'}"), run_id="test-run")
        return
    with postgres_schema_url() as url:
        store = StagingStore(url)
        yield Outbox(store, run_id="test-run")
        store.engine.dispose()


def _day_documents():
    merchant = DemoMerchant(seed=7, orders_per_outlet_per_day=4, start_date=DAY)
    orders = [
        o
        for outlet in ("JKT", "BDG")
        for o in merchant.expected_orders(outlet, DAY, as_of=OVER)
        if o["status"] == "completed"
    ]
    sales = posting_rules.sales_of_day(order_frames(orders), CONFIG, DAY)
    documents, holds = invoices.sales_invoices(sales, CONFIG)
    assert not holds
    return documents


def _held(document) -> Hold:
    return Hold(
        "order",
        document.source_id,
        document.source_reference,
        document.outlet_code,
        DAY,
        "held for the test",
        document.doc_type,
    )


def _status(outbox, key) -> str:
    documents = outbox.documents(DAY).set_index("doc_key")
    return str(documents.at[key, "status"])


def test_a_record_done_by_hand_stays_so_until_undone(outbox):
    document = next(d for d in _day_documents() if d.doc_type == "sales_invoice")
    key = document.doc_key
    outbox.enqueue(DAY, [], [_held(document)])
    engine = outbox.store.engine
    with pytest.raises(ValueError, match="say what was done by hand"):
        by_hand.resolve(engine, [key], "  ", "ana")
    (done,) = by_hand.resolve(engine, [key], "INV/0042 by hand", "ana")
    assert done.done and _status(outbox, key) == "by_hand"

    # built again as a hold, then as a document: neither reopens it, nothing is pending
    assert outbox.enqueue(DAY, [], [_held(document)])["by_hand"] == 1
    assert outbox.enqueue(DAY, [document], [])["by_hand"] == 1
    assert _status(outbox, key) == "by_hand" and outbox.pending_payloads(DAY) == []
    # no longer built at all: not withdrawn either, it is in Jurnal by hand
    outbox.enqueue(DAY, [], [])
    assert _status(outbox, key) == "by_hand"

    (undone,) = by_hand.undo(engine, [key], "ana")
    assert undone.done and _status(outbox, key) == "held"
    outbox.enqueue(DAY, [document], [])
    assert _status(outbox, key) == "pending"
    # a pending record is the pipeline's to post: not resolved by hand
    (refused,) = by_hand.resolve(engine, [key], "INV/0042 by hand", "ana")
    assert not refused.done and "is pending" in refused.message
    (nothing,) = by_hand.undo(engine, [key], "ana")
    assert not nothing.done and "nothing to undo" in nothing.message


def test_a_summary_does_not_carry_an_order_booked_by_hand(outbox):
    config = CONFIG.model_copy(update={"posting_mode": "daily_summary"})
    documents = _day_documents()
    invoice = next(d for d in documents if d.doc_type == "sales_invoice" and d.outlet_code == "JKT")
    outbox.enqueue(DAY, [], [_held(invoice)])
    by_hand.resolve(outbox.store.engine, [invoice.doc_key], "entered by hand", "ana")

    summary = summary_of_day(outbox.store, config, DAY, documents, now=OVER)
    carried = {m.order_id for m in summary.members}
    assert carried and invoice.source_id not in carried
    assert invoice.doc_key in {d.doc_key for d in summary.documents}  # its own, left as is
    outbox.enqueue(DAY, summary.documents, summary.holds)
    assert _status(outbox, invoice.doc_key) == "by_hand"
    # undone, the same build carries it
    by_hand.undo(outbox.store.engine, [invoice.doc_key], "ana")
    plain = summary_of_day(outbox.store, config, DAY, documents, now=OVER)
    assert invoice.source_id in {m.order_id for m in plain.members}


def test_a_void_or_refund_of_a_sale_booked_by_hand_is_held_for_a_person(outbox):
    """The pipeline has no invoice of its own to reverse: the correction is held naming what
    to do, never dropped, and resolved the same way."""
    store = outbox.store
    sold, void_day = date(2026, 11, 20), date(2026, 11, 21)
    order = retail_order()
    refunded = {**retail_order(), "order_id": "55555555-5555-5555-5555-555555555555"}
    refunded["order_reference"] = "#JKT-000105"
    store.upsert_orders([order, refunded])
    journal = day_sync.build_journal(store, CONFIG, sold)
    keys = [f"sales_invoice:{o['order_id']}" for o in (order, refunded)]
    outbox.enqueue(sold, [], [_held(d) for d in journal.documents if d.doc_key in keys])
    assert all(r.done for r in by_hand.resolve(store.engine, keys, "INV/0042-43", "ana"))

    store.upsert_orders([_voided(order, "2026-11-21 04:00:00")])
    back = "2026-11-21 05:00:00"
    refund = {"transaction_id": "t-refund", "transaction_date": back, "type": "refund"}
    refund |= {"status": "success", "gateway": "cash", "payment_type_name": "Cash"}
    refunded["transactions"] = [*refunded["transactions"], refund | {"amount": "-23750"}]
    store.upsert_orders([refunded | {"modified_date": back}])
    store.upsert_refunds(
        [
            {
                "refund_id": "r1",
                "order_id": refunded["order_id"],
                "refund_date": back,
                "refund_amount": "23750",
                "refund_details": [{"order_detail_id": "d2", "quantity": "1"}],
            }
        ]
    )
    journal = day_sync.build_journal(store, CONFIG, void_day)
    held = {h.source_reference: h for h in journal.holds}
    assert set(held) == {"#JKT-000101", "#JKT-000105"}, [h.reason for h in journal.holds]
    assert "void of Rp 187.702" in held["#JKT-000101"].reason
    assert "no invoice of its own to reverse" in held["#JKT-000101"].reason
    assert "return against" in held["#JKT-000105"].reason
    for hold in held.values():
        assert f"journal-pipeline resolve {hold.doc_key}" in hold.reason
    day_sync.record_journal(store, outbox, void_day, journal)
    documents = outbox.documents(void_day)
    assert set(documents.loc[documents["status"] == "held", "doc_key"]) == {
        h.doc_key for h in held.values()
    }
    # booked by hand in turn: the day again leaves them so, nothing for the pipeline to post
    by_hand.resolve(store.engine, [h.doc_key for h in held.values()], "SR/0007-8", "ana")
    day_sync.record_journal(
        store, outbox, void_day, day_sync.build_journal(store, CONFIG, void_day)
    )
    documents = outbox.documents(void_day)
    assert not documents["status"].isin(("held", "failed", "pending")).any()


def _changed(document):
    """The same document of an order changed in iSeller since (another rate on its first line)."""
    payload = copy.deepcopy(document.payload)
    payload["sales_invoice"]["transaction_lines_attributes"][0]["rate"] += 1000
    return replace(document, payload=payload)


@pytest.mark.parametrize("resolved_from", ["hold", "failed document"])
def test_a_change_after_booking_by_hand_is_held_for_a_person_once(outbox, resolved_from):
    document = next(d for d in _day_documents() if d.doc_type == "sales_invoice")
    key, engine = document.doc_key, outbox.store.engine
    if resolved_from == "hold":
        outbox.enqueue(DAY, [], [_held(document)])
    else:
        outbox.enqueue(DAY, [document], [])
        outbox._mark(key, "failed", "Jurnal refused it", "failed")
    by_hand.resolve(engine, [key], "INV/0042 by hand", "ana")
    outbox.enqueue(DAY, [document], [])  # as booked: nothing to say
    assert set(outbox.documents(DAY)["status"]) == {"by_hand"}
    reworded = copy.deepcopy(document.payload)  # a newer release words its memo otherwise
    reworded["sales_invoice"]["memo"] = "iSeller order, worded anew"
    outbox.enqueue(DAY, [replace(document, payload=reworded)], [])
    assert set(outbox.documents(DAY)["status"]) == {"by_hand"}  # not a change of the order

    outbox.enqueue(DAY, [_changed(document)], [])
    outbox.enqueue(DAY, [_changed(document)], [])  # the same change again: one record
    documents = outbox.documents(DAY).set_index("doc_key")
    (change,) = [k for k in documents.index if k.startswith("by_hand_change:")]
    assert documents.at[change, "status"] == "held" and documents.at[key, "status"] == "by_hand"
    reason = documents.at[change, "reason"]
    assert f"changed in iSeller after its sales invoice was booked by hand in Jurnal ({key})" in (
        reason
    )
    assert f"`journal-pipeline resolve {change} --note" in reason, reason
    assert outbox.pending_payloads(DAY) == []  # nothing for the pipeline to post
    check = every_record_posted_result(invoice_check_records(outbox, DAY), DAY)  # the warning
    assert not check.passed and change in check.description, check.description
    outbox.enqueue(DAY, [], [])  # no longer built: the change still waits for a person
    assert outbox.documents(DAY).set_index("doc_key").at[change, "status"] == "held"
    assert by_hand.resolve(engine, [change], "credit note CN/0003 by hand", "ana")[0].done
    outbox.enqueue(DAY, [_changed(document)], [])
    assert not outbox.documents(DAY)["status"].isin(("held", "failed", "pending")).any()
    assert every_record_posted_result(invoice_check_records(outbox, DAY), DAY).passed
