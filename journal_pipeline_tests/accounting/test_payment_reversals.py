"""Worked examples of a receive payment of another day's invoice rolled back and posted again
(`accounting/payment_reversals.py`): keys, numbers and the accounts each journal entry moves."""

from __future__ import annotations

from datetime import date

from journal_pipeline.accounting import payment_reversals as rules
from journal_pipeline.config import load_config
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 22)
RECEIVABLE = CONFIG.account("receivable", "JKT")
PAID = rules.PostedPayment(
    custom_id="tx-9",
    transaction_no="ISL/JKT-000101/P1",
    order_reference="#JKT-000101",
    outlet_code="JKT",
    revision=0,
    lines=[
        {"account_role": "payment:Transfer Bank", "account_name": "Rekening Bank",
         "debit": 187_702, "credit": 0},
        {"account_role": "receivable", "account_name": RECEIVABLE,
         "debit": 0, "credit": 187_702},
    ],
)  # fmt: skip


def _moves(document) -> dict[str, tuple[str, str]]:
    body = document.payload["journal_entry"]
    return {
        line["account_name"]: next((k, str(v)) for k, v in line.items() if k in ("debit", "credit"))
        for line in body["transaction_account_lines_attributes"]
    }


def test_the_reversal_credits_the_clearing_account_and_debits_the_receivable():
    lines, documents = rules.payment_reversal(PAID, CONFIG, DAY, reason="outlet JKT rolled back")
    (entry,) = documents
    assert entry.doc_key == "journal_entry:tx-9/C"
    assert (entry.transaction_no, entry.custom_id, entry.expected_total) == (
        "ISL/JKT-000101/P1/C",
        "tx-9/C",
        187_702,
    )
    assert "receive payment ISL/JKT-000101/P1" in entry.payload["journal_entry"]["memo"]
    assert _moves(entry) == {"Rekening Bank": ("credit", "187702"), RECEIVABLE: ("debit", "187702")}
    assert {(r["account_name"], r["debit"], r["credit"]) for r in lines} == {
        ("Rekening Bank", 0, 187_702),
        (RECEIVABLE, 187_702, 0),
    }
    assert {r["entry_id"] for r in lines} == {"reverse_payment:tx-9"}
    assert {r["source_reference"] for r in lines} == {"#JKT-000101"}


def test_posted_again_under_the_next_revision_to_the_account_mapped_now():
    config = CONFIG.model_copy(
        update={"payment_methods": {**CONFIG.payment_methods, "Transfer Bank": "Kas"}}
    )
    lines, (entry,) = rules.payment_again(PAID, config, DAY, 1, reason="reposted")
    assert (entry.transaction_no, entry.custom_id) == ("ISL/JKT-000101/P1.1", "tx-9.1")
    assert _moves(entry) == {"Kas": ("debit", "187702"), RECEIVABLE: ("credit", "187702")}
    assert {r["entry_id"] for r in lines} == {"payment:tx-9.1"}
    again = rules.PostedPayment(**{**PAID.__dict__, "revision": 1, "lines": lines})
    _, (undone,) = rules.payment_reversal(again, config, DAY, reason="rolled back again")
    assert (undone.transaction_no, undone.custom_id) == ("ISL/JKT-000101/P1.1/C", "tx-9.1/C")
    assert _moves(undone) == {"Kas": ("credit", "187702"), RECEIVABLE: ("debit", "187702")}
