"""A refund or void paid back onto a gift card is owed to the card's holder again.

Worked example (demo config: the Gift Card method deposits into "Kliring Gift Card"): a card
sold for Rp 100,000 cash; goods of Rp 100,000 bought with Rp 60,000 of it and Rp 40,000 cash on
20 Nov; on 22 Nov the goods come back and Rp 100,000 goes back onto the card. Hutang Gift Card
owes 100,000 − 60,000 + 100,000 = 140,000 and the clearing account nets to nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd

from journal_pipeline.accounting import fee_entries, posting_rules
from journal_pipeline.accounting.refunds import corrections_of_day
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.refunds import refund_frames
from journal_pipeline.sync.payment_fees import entries_of_orders
from journal_pipeline_tests.accounting.money_orders import payment, untaxed_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
SOLD, RETURNED = date(2026, 11, 20), date(2026, 11, 22)
LIABILITY, CLEARING = "Hutang Gift Card", "Kliring Gift Card"


def _card_sale() -> dict:
    return untaxed_order(
        "g1", sku="GC-100", name="Gift Card 100K", payments=[payment("t1", "Cash", "cash", 100_000)]
    )


def _goods(order_id: str = "g2") -> dict:
    return untaxed_order(
        order_id,
        payments=[
            payment(f"{order_id}-gc", "Gift Card", "gift_card", 60_000),
            payment(f"{order_id}-cash", "Cash", "cash", 40_000),
        ],
    )


def _money_back(order: dict, kind: str, at: str, amount: int) -> dict:
    """The order with a ``kind`` (refund or void) transaction at ``at`` (UTC) onto the card."""
    order = {**order, "modified_date": at}
    if kind == "void":
        order |= {"status": "void", "payment_status": "voided", "cancel_date": at}
    back = {"transaction_id": f"{order['order_id']}-{kind}", "type": kind, "status": "success"}
    order["transactions"] = [
        *order["transactions"],
        back
        | {"order_id": order["order_id"], "transaction_date": at}
        | payment(back["transaction_id"], "Gift Card", "gift_card", amount),
    ]
    return order


def _payment_entries(orders: list[dict], day: date) -> fee_entries.PaymentEntries:
    """What the fee build makes of ``day`` from these staged orders."""
    return entries_of_orders(orders, CONFIG, day)


def _sale_lines(orders: list[dict], day: date) -> pd.DataFrame:
    sales = posting_rules.sales_of_day(order_frames(orders), CONFIG, day)
    lines, holds = posting_rules.journal_lines(sales, CONFIG)
    assert holds == []
    return lines


def _balance(rows: list[dict], account: str) -> int:
    """Credit less debit of ``account`` over ``rows``."""
    return sum(int(r["credit"]) - int(r["debit"]) for r in rows if r["account_name"] == account)


def test_a_refund_onto_the_card_owes_it_to_the_holder_again():
    card, goods = _card_sale(), _goods()
    sold_day = _sale_lines([card, goods], SOLD).to_dict("records")
    sold_day += _payment_entries([card, goods], SOLD).lines
    assert _balance(sold_day, LIABILITY) == 40_000  # 100,000 sold, 60,000 redeemed

    refunded = _money_back(goods, "refund", "2026-11-22 04:00:00", 100_000)
    entries = [
        {
            "refund_id": "refund-1",
            "order_id": "g2",
            "refund_date": "2026-11-22 04:00:00",
            "refund_amount": Decimal(100_000),
            "refund_details": [{"order_detail_id": "g2-d1", "quantity": Decimal(1)}],
        }
    ]
    frames = order_frames([refunded])
    sales = posting_rules.sales_of_day(frames, CONFIG, RETURNED)
    rows, documents, holds = corrections_of_day(
        sales, frames, refund_frames(entries), CONFIG, {"g2": "posted"}
    )
    assert holds == []
    given_back = _payment_entries([refunded], RETURNED)
    assert given_back.holds == []
    # the refund's entry credits the clearing account; this one moves it to the liability
    assert [(line["account_name"], line["debit"], line["credit"]) for line in given_back.lines] == [
        (LIABILITY, 0, 100_000),
        (CLEARING, 100_000, 0),
    ]
    (document,) = given_back.documents
    assert (document.transaction_no, document.custom_id) == ("ISL/JKT-g2/RJ1/G", "g2-refund/G")
    lines = document.payload["journal_entry"]["transaction_account_lines_attributes"]
    assert [(ln["account_name"], ln.get("debit"), ln.get("credit")) for ln in lines] == [
        (LIABILITY, None, 100_000),
        (CLEARING, 100_000, None),
    ]
    everything = [*sold_day, *rows, *given_back.lines]
    assert _balance(everything, LIABILITY) == 140_000
    assert _balance(everything, CLEARING) == 0
    # the refund's journal entry is the number the entry follows
    assert any(d.transaction_no == "ISL/JKT-g2/RJ1" for d in documents)


def test_a_void_before_posting_gives_the_card_back_and_leaves_nothing_behind():
    card, goods = _card_sale(), _goods("g3")
    voided = _money_back(goods, "void", "2026-11-20 05:00:00", 60_000)
    entries = _payment_entries([card, voided], SOLD)
    # the redemption and the void's return of it: the liability and the clearing account
    # each net to nothing (the void's invoice is never posted, so it books no reversal)
    assert _balance(entries.lines, LIABILITY) == 0
    assert _balance(entries.lines, CLEARING) == 0
    assert sorted(d.transaction_no for d in entries.documents) == [
        "ISL/JKT-g3/G",
        "ISL/JKT-g3/VJ/G",
    ]


def test_a_refund_by_another_method_leaves_the_card_alone():
    refunded = _money_back(_goods(), "refund", "2026-11-22 04:00:00", 100_000)
    refunded["transactions"][-1] |= {"payment_type_name": "Cash", "gateway": "cash"}
    assert _payment_entries([refunded], RETURNED).documents == []
