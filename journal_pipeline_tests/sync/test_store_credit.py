"""Store credit: what a refund gave back onto the customer's account is owed until spent.

Worked example (the demo config with a "Store Credit" method depositing into "Kliring Store
Credit" and ``store_credit_liability: Hutang Store Credit``): goods of Rp 100,000 paid cash on
20 Nov come back on 22 Nov and Rp 100,000 goes onto the customer's store credit; on 23 Nov the
customer spends Rp 70,000 of it (plus Rp 30,000 cash). Hutang Store Credit owes 30,000 and the
clearing account nets to nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from journal_pipeline.accounting import posting_rules
from journal_pipeline.accounting.refunds import corrections_of_day
from journal_pipeline.config import MerchantConfig, load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.refunds import refund_frames
from journal_pipeline.sync.payment_fees import entries_of_orders
from journal_pipeline_tests.accounting.money_orders import payment, untaxed_order
from journal_sandbox.defaults import DEMO_CONFIG

SOLD, RETURNED, SPENT = date(2026, 11, 20), date(2026, 11, 22), date(2026, 11, 23)
LIABILITY, CLEARING = "Hutang Store Credit", "Kliring Store Credit"
DEMO = load_config(DEMO_CONFIG)
CONFIG = DEMO.model_copy(
    update={
        "payment_methods": {**DEMO.payment_methods, "Store Credit": CLEARING},
        "accounts": {**DEMO.accounts, "store_credit_liability": LIABILITY},
    }
)


def _refunded_onto_credit() -> dict:
    goods = untaxed_order("s1", payments=[payment("s1-cash", "Cash", "cash", 100_000)])
    at = "2026-11-22 04:00:00"
    back = {"transaction_id": "s1-refund", "type": "refund", "status": "success"}
    goods["modified_date"] = at
    goods["transactions"] = [
        *goods["transactions"],
        back
        | {"order_id": "s1", "transaction_date": at}
        | payment("s1-refund", "Store Credit", "store_credit", 100_000),
    ]
    return goods


def _spending() -> dict:
    order = untaxed_order(
        "s2",
        payments=[
            payment("s2-sc", "Store Credit", "store_credit", 70_000),
            payment("s2-cash", "Cash", "cash", 30_000),
        ],
    )
    at = "2026-11-23 03:00:00"  # UTC: 10:00 in Jakarta
    order |= {"order_date": at, "closed_date": at, "modified_date": at}
    order["transactions"] = [t | {"transaction_date": at} for t in order["transactions"]]
    return order


def _balance(rows: list[dict], account: str) -> int:
    return sum(int(r["credit"]) - int(r["debit"]) for r in rows if r["account_name"] == account)


def _sale_lines(orders: list[dict], day: date, config: MerchantConfig) -> list[dict]:
    sales = posting_rules.sales_of_day(order_frames(orders), config, day)
    lines, holds = posting_rules.journal_lines(sales, config)
    assert holds == []
    return lines.to_dict("records")


def test_store_credit_given_by_a_refund_is_owed_until_spent():
    refunded = _refunded_onto_credit()
    refund = {
        "refund_id": "refund-1",
        "order_id": "s1",
        "refund_date": "2026-11-22 04:00:00",
        "refund_amount": Decimal(100_000),
        "refund_details": [{"order_detail_id": "s1-d1", "quantity": Decimal(1)}],
    }
    frames = order_frames([refunded])
    sales = posting_rules.sales_of_day(frames, CONFIG, RETURNED)
    rows, _, holds = corrections_of_day(
        sales, frames, refund_frames([refund]), CONFIG, {"s1": "posted"}
    )
    assert holds == []
    given = entries_of_orders([refunded], CONFIG, RETURNED)
    assert given.holds == []
    assert [(ln["account_name"], ln["debit"], ln["credit"]) for ln in given.lines] == [
        (LIABILITY, 0, 100_000),
        (CLEARING, 100_000, 0),
    ]
    (document,) = given.documents
    assert (document.transaction_no, document.custom_id) == ("ISL/JKT-s1/RJ1/S", "s1-refund/S")
    assert "given back onto the store credit" in document.payload["journal_entry"]["memo"]

    spending = _spending()
    spent = entries_of_orders([spending], CONFIG, SPENT)
    assert spent.holds == []
    assert [(ln["account_name"], ln["debit"], ln["credit"]) for ln in spent.lines] == [
        (LIABILITY, 70_000, 0),
        (CLEARING, 0, 70_000),
    ]
    (document,) = spent.documents
    assert (document.transaction_no, document.custom_id) == ("ISL/JKT-s2/S", "s2-sc/S")

    everything = [
        *_sale_lines(
            [untaxed_order("s1", payments=[payment("s1-cash", "Cash", "cash", 100_000)])],
            SOLD,
            CONFIG,
        ),
        *rows,
        *given.lines,
        *_sale_lines([spending], SPENT, CONFIG),
        *spent.lines,
    ]
    assert _balance(everything, LIABILITY) == 30_000  # 100,000 given, 70,000 spent
    assert _balance(everything, CLEARING) == 0


def test_without_a_store_credit_liability_the_spending_is_held_naming_it():
    config = CONFIG.model_copy(
        update={
            "accounts": {k: v for k, v in CONFIG.accounts.items() if k != "store_credit_liability"}
        }
    )
    spent = entries_of_orders([_spending()], config, SPENT)
    assert spent.documents == [] and spent.lines == []
    (hold,) = spent.holds
    assert "add accounts.store_credit_liability" in hold.reason and "s2" in hold.reason
