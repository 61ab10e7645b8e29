"""Orders of taxed and untaxed goods with a promotion on one of them, posted to the Jurnal
emulator over HTTP, per order and as the day's summary: Jurnal's PPN is iSeller's and its
totals are the orders'."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.accounting.daily_summary import summarise
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.jurnal.client import JurnalClient, JurnalSettings
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.master_data import ensure_products, wanted_products
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline.sync.posted_tax import compare_posted_tax
from journal_pipeline_tests.accounting.mixed_tax_orders import (
    ODD_ON_KOPI,
    ON_BUKU,
    ON_KOPI,
    PRO_RATA,
    mixed_order,
)
from journal_sandbox.defaults import DEMO_CONFIG

DAY = date(2026, 11, 20)
CONFIG = load_config(DEMO_CONFIG)
CASES = (ON_KOPI, ON_BUKU, PRO_RATA, ODD_ON_KOPI)


@pytest.fixture
def client(jurnal_sandbox):
    return JurnalClient(JurnalSettings.from_env(jurnal_sandbox.env))


@pytest.fixture
def outbox(tmp_path):
    return Outbox(StagingStore(f"sqlite:///{tmp_path / 'staging.db'}"), run_id="test-run")


def _orders() -> list[dict]:
    """The cases under fresh ids and references (the emulator is shared by the module)."""
    tag = uuid.uuid4().hex[:6]
    orders = []
    for n, case in enumerate(CASES):
        order = mixed_order(case, n)
        order.update(order_id=str(uuid.uuid4()), order_reference=f"#JKT-{tag}{n}")
        orders.append(order)
    return orders


def _posted(client: JurnalClient, numbers: set[str]) -> list[dict]:
    found = client.iter_list("sales_invoices", "sales_invoices")
    return [i for i in found if i["transaction_no"] in numbers]


def _post(outbox: Outbox, client: JurnalClient, documents) -> set[str]:
    outbox.enqueue(DAY, documents, [])
    ensure_products(client, wanted_products(outbox.pending_payloads(DAY), CONFIG))
    result = outbox.post_pending(DAY, client)
    assert (result.posted, result.failed) == (len(documents), 0)
    return {d.transaction_no for d in documents if d.doc_type == "sales_invoice"}


def _sales(orders: list[dict]):
    sales = posting_rules.sales_of_day(order_frames(orders), CONFIG, DAY)
    documents, holds = invoices.sales_invoices(sales, CONFIG)
    assert holds == []
    return documents


def test_each_invoice_carries_isellers_ppn(outbox, client):
    orders = _orders()
    posted = _posted(client, _post(outbox, client, _sales(orders)))
    by_reference = {i["reference_no"]: i for i in posted}
    for order in orders:
        invoice = by_reference[order["order_reference"]]
        assert Decimal(str(invoice["original_amount"])) == order["total_amount"]
        assert Decimal(str(invoice["remaining"])) == 0
        # within the odd share's two-place percentage (Rp 4.64); the others to the cent
        assert abs(Decimal(str(invoice["tax_amount"])) - order["total_tax_amount"]) < 5


def test_the_days_summary_carries_isellers_ppn(outbox, client):
    orders = _orders()
    summary = summarise(_sales(orders), CONFIG, DAY, {"JKT"})
    assert summary.holds == []
    posted = _posted(client, _post(outbox, client, summary.documents))
    assert len(posted) == 2  # one per tax treatment
    assert sum(Decimal(str(i["original_amount"])) for i in posted) == sum(
        o["total_amount"] for o in orders
    )
    tax = sum(Decimal(str(i["tax_amount"])) for i in posted)
    assert abs(tax - sum(o["total_tax_amount"] for o in orders)) < 5


def test_the_posted_tax_check_names_an_invoice_whose_ppn_is_not_isellers(outbox, client):
    """The check of `jurnal_sales_invoices`: Jurnal's tax of each posted invoice against the
    journal's (iSeller's). The coffee's invoice posted as before the placement (its promotion
    as the invoice discount, which Jurnal shares over the book too) is named, the rest pass."""
    orders = _orders()
    sales = posting_rules.sales_of_day(order_frames(orders), CONFIG, DAY)
    lines, _ = posting_rules.journal_lines(sales, CONFIG)
    outbox.store.replace_journal(DAY, lines)
    documents = _sales(orders)
    body = documents[0].payload["sales_invoice"]
    assert body["reference_no"] == orders[0]["order_reference"]  # 200,000 off the coffee
    body.update(discount_type_name="Value", discount_unit=200_000)
    for line in body["transaction_lines_attributes"]:
        line.pop("discount", None)
    _post(outbox, client, documents)

    comparison = compare_posted_tax(outbox.store, DAY, outbox.documents(DAY))
    assert comparison.compared == len(CASES)
    ((key, jurnal, iseller, _),) = comparison.off
    assert key == f"sales_invoice:{orders[0]['order_id']}"
    assert (jurnal, iseller) == (Decimal("84234.23"), 79_279)
    assert comparison.iseller_tax == sum(int(o["total_tax_amount"]) for o in orders)
