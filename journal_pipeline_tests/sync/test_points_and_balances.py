"""Loyalty points and customers' prepaid balances paid with at the till (iSeller gateways
``points`` and ``account_balance``): no money reaches the clearing account, so an entry moves
each payment off it, to the account the config names for it.

Worked examples (the demo config with a "Points" method depositing into "Kliring Poin" and a
"Saldo" method into "Kliring Saldo Pelanggan"): an order of Rp 100,000 on 20 Nov is paid Rp
20,000 in points and Rp 80,000 cash; the points are a promotion expense and the clearing
account nets to nothing. Another is paid Rp 60,000 from the customer's balance and Rp 40,000
cash: the balance owed to the customer goes down by 60,000. Without the roles the payments
stay on the clearing accounts, as any payment method's, and nothing is held.
"""

from __future__ import annotations

from datetime import date

import pytest

from journal_pipeline.accounting import posting_rules
from journal_pipeline.config import MerchantConfig, load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.sync.payment_fees import entries_of_orders
from journal_pipeline_tests.accounting.money_orders import payment, untaxed_order
from journal_sandbox.defaults import DEMO_CONFIG

DAY = date(2026, 11, 20)
POINTS, POINTS_CLEARING = "Beban Promosi Poin", "Kliring Poin"
BALANCES, BALANCE_CLEARING = "Titipan Saldo Pelanggan", "Kliring Saldo Pelanggan"
DEMO = load_config(DEMO_CONFIG)
METHODS = {**DEMO.payment_methods, "Points": POINTS_CLEARING, "Saldo": BALANCE_CLEARING}
CONFIG = DEMO.model_copy(
    update={
        "payment_methods": METHODS,
        "accounts": {
            **DEMO.accounts,
            "loyalty_points": POINTS,
            "customer_balance_liability": BALANCES,
        },
    }
)
ORDERS = [
    untaxed_order(
        "p1",
        payments=[
            payment("p1-pts", "Points", "points", 20_000),
            payment("p1-cash", "Cash", "cash", 80_000),
        ],
    ),
    untaxed_order(
        "b1",
        payments=[
            payment("b1-bal", "Saldo", "account_balance", 60_000),
            payment("b1-cash", "Cash", "cash", 40_000),
        ],
    ),
]


def _balance(rows: list[dict], account: str) -> int:
    return sum(int(r["credit"]) - int(r["debit"]) for r in rows if r["account_name"] == account)


def _sale_lines(config: MerchantConfig) -> list[dict]:
    sales = posting_rules.sales_of_day(order_frames(ORDERS), config, DAY)
    lines, holds = posting_rules.journal_lines(sales, config)
    assert holds == []
    return lines.to_dict("records")


def test_points_and_balances_spent_leave_their_clearing_accounts():
    entries = entries_of_orders(ORDERS, CONFIG, DAY)
    assert entries.holds == []
    numbers = sorted((d.transaction_no, d.custom_id) for d in entries.documents)
    # each after the document that carries its payment: the invoice took the larger payment
    # (b1's balance), a receive payment the other (p1's points, /P2)
    assert numbers == [("ISL/JKT-b1/B", "b1-bal/B"), ("ISL/JKT-p1/P2/L", "p1-pts/L")]
    memos = {d.custom_id: d.payload["journal_entry"]["memo"] for d in entries.documents}
    assert "loyalty points redeemed" in memos["p1-pts/L"]
    assert "customer balance spent" in memos["b1-bal/B"]

    everything = [*_sale_lines(CONFIG), *entries.lines]
    assert _balance(everything, POINTS) == -20_000  # Dr the promotion expense
    assert _balance(everything, BALANCES) == -60_000  # the balance owed goes down
    assert _balance(everything, POINTS_CLEARING) == _balance(everything, BALANCE_CLEARING) == 0


@pytest.mark.parametrize("role", ["loyalty_points", "customer_balance_liability"])
def test_without_the_role_the_payment_stays_on_its_clearing_account(role):
    accounts = {k: v for k, v in CONFIG.accounts.items() if k != role}
    config = CONFIG.model_copy(update={"accounts": accounts})
    entries = entries_of_orders(ORDERS, config, DAY)
    assert entries.holds == []
    kept = {"loyalty_points": "b1-bal/B", "customer_balance_liability": "p1-pts/L"}[role]
    assert [d.custom_id for d in entries.documents] == [kept]
