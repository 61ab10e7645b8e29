"""A gift card given back, posted to the Jurnal emulator over HTTP: Jurnal's ledger ends where
the journal does on every account, the card's liability included.

The documents do not say which account Jurnal's sales return books a returned line on (J-49:
the company's sales return account, as the emulator does, or the product's sell account). The
card is therefore not returned through the sales return: the refund's journal entry debits the
liability itself, right under either reading. Returned through the sales return, the card
would stay owed in Jurnal's liability with its amount on Retur Penjualan.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.accounting.products import catalogue_products
from journal_pipeline.accounting.refunds import corrections_of_day
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.refunds import refund_frames
from journal_pipeline.jurnal.client import JurnalClient, JurnalSettings
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.master_data import ensure_products, wanted_products
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline.sync.returns import post_corrections
from journal_pipeline_tests.accounting.money_orders import payment, untaxed_order
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
SOLD, RETURNED = date(2026, 11, 20), date(2026, 11, 22)
CARD = {"sku": "GC-100", "name": "Gift Card 100K"}
ACCOUNTS = ("Hutang Gift Card", "Retur Penjualan", "Penjualan", "Kas", "Piutang Usaha")


@pytest.fixture
def jurnal(tmp_path):
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        yield handle


@pytest.fixture
def outbox(tmp_path):
    return Outbox(StagingStore(f"sqlite:///{tmp_path / 'staging.db'}"), run_id="test-run")


def _catalogue():
    """iSeller's catalogue as the product sync reads it: the card sells to the liability."""
    products = pd.DataFrame(
        [
            {"sku": "GC-100", "name": CARD["name"], "product_type": "Gift Card"}
            | {"price": 100_000, "buying_price": 0, "track_inventory": False},
            {"sku": "KOP-001", "name": "Kopi Arabika 250g", "product_type": "Kopi"}
            | {"price": 100_000, "buying_price": 0, "track_inventory": False},
        ]
    )
    bundles = pd.DataFrame(columns=["sku", "component_sku", "quantity"])
    modifiers = pd.DataFrame(columns=["modifier_sku", "title", "price", "buying_price"])
    return catalogue_products(products, bundles, modifiers, CONFIG)


def _post(outbox: Outbox, client: JurnalClient, day: date, documents: list) -> None:
    outbox.enqueue(day, documents, [])
    payloads = outbox.pending_payloads(day)
    ensure_products(client, wanted_products(payloads, CONFIG, _catalogue()))
    sales, corrections = outbox.post_pending(day, client), post_corrections(outbox, day, client)
    posted, failed = sales.posted + corrections.posted, sales.failed + corrections.failed
    assert (posted, failed) == (len(documents), 0), (sales, corrections)


def _balances(jurnal, rows: list[dict]) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """Debit less credit per account: in Jurnal's ledger and in the journal's ``rows``."""
    sandbox = jurnal.sandbox
    ledger, journal = {}, {}
    for name in ACCOUNTS:
        account = sandbox._account_by_name(name)
        postings = sandbox.store.ledger_entries(account_id=account["id"])
        ledger[name] = sum(
            (Decimal(str(p["debit"])) - Decimal(str(p["credit"])) for p in postings), Decimal(0)
        )
        journal[name] = Decimal(
            sum(r["debit"] - r["credit"] for r in rows if r["account_name"] == name)
        )
    return ledger, journal


def _sell_and_give_back(jurnal, outbox, sale: dict, back: dict, entries: list) -> list[dict]:
    """Posts the sale's documents on SOLD and the money back's on RETURNED; every journal row."""
    client = JurnalClient(JurnalSettings.from_env(jurnal.env))
    sales = posting_rules.sales_of_day(order_frames([sale]), CONFIG, SOLD)
    documents, holds = invoices.sales_invoices(sales, CONFIG)
    assert holds == []
    _post(outbox, client, SOLD, documents)
    frames = order_frames([back])
    day = posting_rules.sales_of_day(frames, CONFIG, RETURNED)
    rows, corrections, holds = corrections_of_day(
        day, frames, refund_frames(entries), CONFIG, {sale["order_id"]: "posted"}
    )
    assert holds == [] and corrections
    assert all(d.doc_type == "journal_entry" for d in corrections)  # no sales return
    _post(outbox, client, RETURNED, corrections)
    lines, held = posting_rules.journal_lines(sales, CONFIG)
    assert held == []
    return [*lines.to_dict("records"), *rows]


def test_a_voided_gift_card_is_owed_no_more_in_jurnal(jurnal, outbox):
    order_id = uuid.uuid4().hex[:12]
    sale = untaxed_order(order_id, payments=[payment("t1", "Cash", "cash", 100_000)], **CARD)
    at = "2026-11-22 04:00:00"
    back = sale | {"status": "void", "payment_status": "voided"}
    back |= {"cancel_date": at, "modified_date": at}
    back["transactions"] = [
        *sale["transactions"],
        {**sale["transactions"][0], "transaction_id": "v1", "type": "void", "transaction_date": at},
    ]
    rows = _sell_and_give_back(jurnal, outbox, sale, back, [])
    ledger, journal = _balances(jurnal, rows)
    assert ledger == journal
    assert ledger["Hutang Gift Card"] == ledger["Retur Penjualan"] == ledger["Kas"] == 0


def test_a_card_refunded_from_a_sale_with_goods_leaves_the_goods_sold(jurnal, outbox):
    order_id = uuid.uuid4().hex[:12]
    sale = untaxed_order(order_id, payments=[payment("t1", "Cash", "cash", 200_000)])
    (coffee,) = sale["order_details"]
    card = coffee | {"sku": CARD["sku"], "product_name": CARD["name"]}
    card["order_detail_id"] = f"{order_id}-d2"
    sale["order_details"] = [coffee, card]
    for field in ("total_order_amount", "subtotal", "total_amount"):
        sale[field] = Decimal(200_000)
    at = "2026-11-22 04:00:00"
    back = sale | {"modified_date": at, "payment_status": "partially_refunded"}
    refund = {"transaction_id": "r1", "type": "refund", "transaction_date": at}
    back["transactions"] = [*sale["transactions"], {**sale["transactions"][0], **refund}]
    back["transactions"][-1]["amount"] = Decimal(100_000)
    entries = [
        {
            "refund_id": "refund-1",
            "order_id": order_id,
            "refund_date": at,
            "refund_amount": Decimal(100_000),
            "refund_details": [{"order_detail_id": card["order_detail_id"], "quantity": 1}],
        }
    ]
    rows = _sell_and_give_back(jurnal, outbox, sale, back, entries)
    ledger, journal = _balances(jurnal, rows)
    assert ledger == journal
    assert ledger["Hutang Gift Card"] == ledger["Retur Penjualan"] == 0
    assert ledger["Kas"] == 100_000 and ledger["Penjualan"] == -100_000
