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
