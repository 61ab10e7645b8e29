"""The daily summary of a demo day, without Jurnal: totals, lines per SKU, payments per method.

Jurnal's own arithmetic (`jurnal_arithmetic.invoice_totals`, checked against the emulator and
the recorded answers elsewhere) prices each summary invoice; the summary must come to the sum
of its orders' totals exactly, and its payments to what was paid at the till.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.accounting.business_day import merged_window_utc
from journal_pipeline.accounting.daily_summary import is_summary_id, settled_at_sale, summarise
from journal_pipeline.accounting.documents import RECEIVE_PAYMENT, SALES_INVOICE
from journal_pipeline.accounting.jurnal_arithmetic import invoice_totals
from journal_pipeline.accounting.return_arithmetic import invoice_model
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.demo_merchant import OUTLETS, DemoMerchant

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def day_documents():
    _, end = merged_window_utc(DAY, CONFIG.zones())
    merchant = DemoMerchant(seed=11, orders_per_outlet_per_day=60, start_date=DAY)
    staged = [
        shown
        for outlet in OUTLETS
        for generated in merchant.orders_for_day(outlet.outlet_code, DAY)
        if (shown := generated.as_of(end - timedelta(seconds=1))) is not None
    ]
    sales = posting_rules.sales_of_day(order_frames(staged), CONFIG, DAY)
    _, holds = posting_rules.journal_lines(sales, CONFIG)
    documents, _ = invoices.sales_invoices(sales, CONFIG, skip={h.source_id for h in holds})
    return documents


def _jurnal_total(body: dict) -> Decimal:
    """What Jurnal's invoice leaves owing: its total less any deduction (the till's rounding
    down, Pemotongan)."""
    return _jurnal_original(body) - Decimal(str(body.get("witholding_value", 0)))


def _jurnal_original(body: dict) -> Decimal:
    return invoice_totals(
        invoice_model(body, CONFIG),
        discount_value=Decimal(str(body.get("discount_unit", 0))),
        tax_inclusive=bool(body["use_tax_inclusive"]),
        shipping=Decimal(str(body.get("shipping_price", 0))),
    ).total


def _paid(documents) -> dict[tuple[str, str], Decimal]:
    """(outlet, clearing account) → what was paid at the till, from deposits and payments."""
    paid: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for doc in documents:
        if doc.doc_type == SALES_INVOICE and doc.payload[SALES_INVOICE].get("deposit"):
            body = doc.payload[SALES_INVOICE]
            paid[(doc.outlet_code, body["deposit_to_name"])] += Decimal(str(body["deposit"]))
        elif doc.doc_type == RECEIVE_PAYMENT:
            body = doc.payload[RECEIVE_PAYMENT]
            for record in body["records_attributes"]:
                paid[(doc.outlet_code, body["deposit_to_name"])] += Decimal(str(record["amount"]))
    return dict(paid)


def test_summaries_total_their_orders_to_the_rupiah(day_documents):
    outlets = {o.outlet_code for o in OUTLETS}
    summary = summarise(day_documents, CONFIG, DAY, outlets)
    assert summary.holds == []
    invoices_ = [d for d in summary.documents if d.doc_type == SALES_INVOICE]
    own = [d for d in invoices_ if not is_summary_id(d.source_id)]
    invoices_ = [d for d in invoices_ if is_summary_id(d.source_id)]
    # an order left owing keeps its own invoice (its receivable on its customer): only those
    settled = settled_at_sale(day_documents, DAY)
    owing = {d.doc_key for d in day_documents if d.doc_type == SALES_INVOICE} - {
        d.doc_key for d in day_documents if d.transaction_no in settled
    }
    assert invoices_ and owing and {d.doc_key for d in own} == owing
    orders = Counter()
    for doc in day_documents:
        if doc.doc_type == SALES_INVOICE and doc.doc_key not in owing:
            orders[doc.outlet_code] += doc.expected_total
    summed = Counter()
    for doc in invoices_:
        total = _jurnal_total(doc.payload[SALES_INVOICE])
        assert total == doc.expected_total, doc.doc_key  # Jurnal's total, exactly
        summed[doc.outlet_code] += doc.expected_total
    assert summed == orders
    assert len(invoices_) <= 2 * len(outlets)  # one per tax treatment at most
    # what was paid at the till, per outlet and method, is what the summaries receive
    assert _paid(summary.documents) == _paid(day_documents)
    per_method = Counter(
        (d.outlet_code, d.payload[RECEIVE_PAYMENT]["deposit_to_name"])
        for d in summary.documents
        if d.doc_type == RECEIVE_PAYMENT
    )
    assert set(per_method.values()) == {1}  # one receive payment per method


def test_lines_are_aggregated_per_sku_with_quantities_kept(day_documents):
    summary = summarise(day_documents, CONFIG, DAY, {"JKT"})
    sold: Counter = Counter()
    for doc in day_documents:
        if doc.doc_type == SALES_INVOICE and doc.outlet_code == "JKT":
            for line in doc.payload[SALES_INVOICE]["transaction_lines_attributes"]:
                if "product_code" in line:
                    sold[line["product_code"]] += Decimal(str(line["quantity"]))
    summarised: Counter = Counter()
    codes_per_invoice = []
    for doc in summary.documents:
        if doc.doc_type == SALES_INVOICE and doc.outlet_code == "JKT":
            lines = doc.payload[SALES_INVOICE]["transaction_lines_attributes"]
            keys = [
                (ln["product_code"], ln["rate"], ln.get("discount", 0), ln.get("line_tax_name"))
                for ln in lines
                if "product_code" in ln
            ]
            assert len(keys) == len(set(keys))  # one line per SKU, price, discount and tax
            codes_per_invoice.append(len(keys))
            for line in lines:
                if "product_code" in line:
                    summarised[line["product_code"]] += Decimal(str(line["quantity"]))
    assert summarised == sold  # Jurnal moves the same stock
    orders = sum(1 for d in day_documents if d.doc_type == SALES_INVOICE and d.outlet_code == "JKT")
    assert sum(codes_per_invoice) < orders
    # the other outlets keep their per-order documents
    kept = [d for d in summary.documents if d.doc_type == SALES_INVOICE and d.outlet_code != "JKT"]
    assert kept and not any(is_summary_id(d.source_id) for d in kept)


def test_members_name_their_invoice_and_the_summary_line_of_each_of_their_lines(day_documents):
    summary = summarise(day_documents, CONFIG, DAY, {"DPS"})
    bodies = {
        d.transaction_no: d.payload[SALES_INVOICE]
        for d in summary.documents
        if d.doc_type == SALES_INVOICE and is_summary_id(d.source_id)
    }
    own = {d.source_id: d for d in day_documents if d.doc_type == SALES_INVOICE}
    assert summary.members
    for member in summary.members:
        lines = own[member.order_id].payload[SALES_INVOICE]["transaction_lines_attributes"]
        assert member.invoice_no in bodies
        for line, spot in zip(lines, member.line_map, strict=True):
            if spot is None:
                assert line["product_name"] == CONFIG.rounding_product
                continue
            target = bodies[spot[0]]["transaction_lines_attributes"][spot[1]]
            for key in ("product_code", "product_name"):
                if key in line and line.get("product_name") != CONFIG.service_charge_product:
                    assert target.get(key) == line[key]


def test_the_same_day_summarised_again_gives_the_same_documents(day_documents):
    first = summarise(day_documents, CONFIG, DAY, {"JKT", "BDG", "DPS"})
    again = summarise(list(reversed(day_documents)), CONFIG, DAY, {"JKT", "BDG", "DPS"})
    assert [(d.doc_key, d.payload) for d in first.documents if is_summary_id(d.source_id)] == [
        (d.doc_key, d.payload) for d in again.documents if is_summary_id(d.source_id)
    ]
