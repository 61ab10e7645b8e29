"""An invoice whose discount shares tie, posted to the Jurnal emulator over HTTP: Jurnal's total
is the order's to the cent, and the gift-card payment settles it (#JKT-002518 of the faults
benchmark had its payment refused for a cent over the remaining balance)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.jurnal.client import JurnalClient, JurnalSettings
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.master_data import ensure_products, wanted_products
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.accounting.orders import retail_order
from journal_pipeline_tests.accounting.rounding_orders import tied_share_order
from journal_sandbox.defaults import DEMO_CONFIG

DAY = date(2026, 11, 20)
CONFIG = load_config(DEMO_CONFIG)


@pytest.fixture
def client(jurnal_sandbox):
    return JurnalClient(JurnalSettings.from_env(jurnal_sandbox.env))


@pytest.fixture
def outbox(tmp_path):
    return Outbox(StagingStore(f"sqlite:///{tmp_path / 'staging.db'}"), run_id="test-run")


def test_a_tied_discount_share_posts_to_the_orders_total_and_the_payment_settles_it(outbox, client):
    order = tied_share_order(str(uuid.uuid4()), f"#JKT-{uuid.uuid4().hex[:8]}")
    sales = posting_rules.sales_of_day(order_frames([order]), CONFIG, DAY)
    documents, holds = invoices.sales_invoices(sales, CONFIG)
    assert holds == []
    invoice, payment = documents
    body = invoice.payload["sales_invoice"]
    # one cent more discount than the order's 25,000 and a one-cent rounding line
    assert body["discount_unit"] == "25000.01"
    assert body["transaction_lines_attributes"][-1] == {
        "product_name": CONFIG.rounding_product,
        "quantity": 1,
        "rate": "0.01",
    }
    assert payment.payload["receive_payment"]["records_attributes"][0]["amount"] == 134_520

    outbox.enqueue(DAY, documents, [])
    ensure_products(client, wanted_products(outbox.pending_payloads(DAY), CONFIG))
    result = outbox.post_pending(DAY, client)
    assert (result.posted, result.failed) == (2, 0)
    (posted,) = [
        i
        for i in client.iter_list("sales_invoices", "sales_invoices")
        if i["custom_id"] == order["order_id"]
    ]
    assert Decimal(str(posted["original_amount"])) == Decimal(368_520)
    assert Decimal(str(posted["remaining"])) == 0


def _rounded(total: int, rounding: int) -> dict:
    """The worked retail order (187,702 due) as a till rounding its cash total gives it."""
    order = retail_order()
    order.update(
        order_id=str(uuid.uuid4()),
        order_reference=f"#JKT-{uuid.uuid4().hex[:8]}",
        rounding_amount=Decimal(rounding),
        total_amount=Decimal(total),
    )
    order["transactions"][0]["amount"] = Decimal(total)
    return order


def test_a_till_rounding_up_by_more_than_a_hundred_posts_with_its_rounding_line(outbox, client):
    # rounded up to Rp 500: 187,702 → 188,000, the 298 on the rounding line, untaxed
    order = _rounded(188_000, 298)
    sales = posting_rules.sales_of_day(order_frames([order]), CONFIG, DAY)
    _, journal_holds = posting_rules.journal_lines(sales, CONFIG)
    documents, holds = invoices.sales_invoices(sales, CONFIG)
    assert (journal_holds, holds) == ([], [])
    body = documents[0].payload["sales_invoice"]
    rounding = body["transaction_lines_attributes"][-1]
    assert rounding["product_name"] == CONFIG.rounding_product and "line_tax_name" not in rounding
    outbox.enqueue(DAY, documents, [])
    ensure_products(client, wanted_products(outbox.pending_payloads(DAY), CONFIG))
    assert outbox.post_pending(DAY, client).failed == 0
    (posted,) = [
        i
        for i in client.iter_list("sales_invoices", "sales_invoices")
        if i["custom_id"] == order["order_id"]
    ]
    assert Decimal(str(posted["original_amount"])) == Decimal(188_000)
    assert Decimal(str(posted["remaining"])) == 0
    # Jurnal's tax is iSeller's, to within the cents Jurnal keeps per line
    assert abs(Decimal(str(posted["tax_amount"])) - 18_602) < 1


def test_a_till_rounding_down_by_more_than_a_hundred_is_deducted_on_the_rounding_account(
    outbox, client
):
    # rounded down to Rp 500: 187,702 → 187,500; the invoice is for the amount due, the 202 a
    # deduction (Pemotongan) on the rounding account, so Jurnal's tax stays iSeller's
    order = _rounded(187_500, -202)
    sales = posting_rules.sales_of_day(order_frames([order]), CONFIG, DAY)
    _, journal_holds = posting_rules.journal_lines(sales, CONFIG)
    documents, holds = invoices.sales_invoices(sales, CONFIG)
    assert (journal_holds, holds) == ([], [])
    body = documents[0].payload["sales_invoice"]
    rounding_account = CONFIG.account("rounding", "JKT")
    assert (body["witholding_type"], body["witholding_value"]) == ("value", 202)
    assert body["witholding_account_name"] == rounding_account
    assert body["deposit"] == 187_500 and documents[0].expected_total == 187_500
    outbox.enqueue(DAY, documents, [])
    ensure_products(client, wanted_products(outbox.pending_payloads(DAY), CONFIG))
    result = outbox.post_pending(DAY, client)
    assert (result.posted, result.failed) == (1, 0)
    (posted,) = [
        i
        for i in client.iter_list("sales_invoices", "sales_invoices")
        if i["custom_id"] == order["order_id"]
    ]
    assert Decimal(str(posted["original_amount"])) == Decimal(187_702)
    assert Decimal(str(posted["witholding_amount"])) == Decimal(202)
    assert Decimal(str(posted["remaining"])) == 0
    # Jurnal's tax is the unrounded order's (iSeller's 18,602 less the rupiah its per-line
    # rounding adds, which the order's Pembulatan line of Rp 1 carries)
    assert Decimal(str(posted["tax_amount"])) == Decimal(18_601)
    # the outbox compares what the customer owes, the order's total
    (row,) = [r for r in outbox.documents(DAY).itertuples() if r.doc_type == "sales_invoice"]
    assert (row.status, row.posted_total, row.expected_total) == ("posted", 187_500, 187_500)


def test_a_till_rounding_down_to_the_hundred_is_deducted_too(outbox, client):
    """187,702 rounded down to 187,650: the Rp 52 is a deduction as a larger rounding is, not
    invoice discount (which Jurnal would tax the lines after: PPN Rp 5.72 low, the 52 on the
    discount account); the invoice's discount is the unrounded order's."""
    order = _rounded(187_650, -52)
    unrounded = retail_order()
    bodies = []
    for one in (order, unrounded):
        sales = posting_rules.sales_of_day(order_frames([one]), CONFIG, DAY)
        documents, holds = invoices.sales_invoices(sales, CONFIG)
        assert holds == []
        bodies.append(documents[0].payload["sales_invoice"])
    body, plain = bodies
    assert (body["witholding_value"], body["discount_unit"]) == (52, plain["discount_unit"])
    assert "witholding_value" not in plain
    sales = posting_rules.sales_of_day(order_frames([order]), CONFIG, DAY)
    documents, _ = invoices.sales_invoices(sales, CONFIG)
    outbox.enqueue(DAY, documents, [])
    ensure_products(client, wanted_products(outbox.pending_payloads(DAY), CONFIG))
    assert outbox.post_pending(DAY, client).posted == 1
    (posted,) = [
        i
        for i in client.iter_list("sales_invoices", "sales_invoices")
        if i["custom_id"] == order["order_id"]
    ]
    assert Decimal(str(posted["tax_amount"])) == Decimal(18_601)  # as unrounded
    assert Decimal(str(posted["remaining"])) == 0


def test_a_till_rounding_down_without_a_rounding_account_is_held_naming_the_role():
    order = _rounded(187_500, -202)
    config = CONFIG.model_copy(
        update={"accounts": {k: v for k, v in CONFIG.accounts.items() if k != "rounding"}}
    )
    sales = posting_rules.sales_of_day(order_frames([order]), config, DAY)
    documents, holds = invoices.sales_invoices(sales, config)
    assert documents == []
    (hold,) = holds
    assert "rounded the amount due down by Rp 202" in hold.reason
    assert "Pemotongan" in hold.reason and "rounding role" in hold.reason
