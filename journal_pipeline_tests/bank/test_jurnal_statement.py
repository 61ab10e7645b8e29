"""Jurnal's own bank statement (J-44), documented only by empty arrays: every form Jurnal's
other answers write dates and amounts in is read, a row read in none stops the read naming it,
and the pipeline's own documents are left out. Over HTTP, the emulator's three statement styles
give the same money in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from journal_pipeline.bank.jurnal_statement import (
    JurnalStatementError,
    jurnal_money_in,
    statement_amount,
    statement_date,
)
from journal_pipeline.config import load_config
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.reconciliation import read_jurnal_lines
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox, signed
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.jurnal_app import STATEMENT_STYLES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20/11/2026", date(2026, 11, 20)),
        ("20-11-2026", date(2026, 11, 20)),
        ("2026-11-20", date(2026, 11, 20)),
        ("2026-11-20T09:24:09.000Z", date(2026, 11, 20)),
        ("20 Nov 2026", None),
        (None, None),
    ],
)
def test_dates_in_every_form_jurnal_writes(text, expected):
    assert statement_date(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("88800.0", Decimal("88800.0")),
        (88800, Decimal(88800)),
        (Decimal("88800.50"), Decimal("88800.50")),
        (" 88.800,00", Decimal("88800.00")),
        ("Rp.  9.720.000,00", Decimal("9720000.00")),
        ("(1.000,00)", Decimal("-1000.00")),
        ("- 220.500,00", Decimal("-220500.00")),
        ("88,800.00", Decimal("88800.00")),
        ("1.000", Decimal(1000)),  # rupiah: a thousand, never one
        ("", Decimal(0)),
        (None, Decimal(0)),
        ("abc", None),
        (True, None),
    ],
)
def test_amounts_in_every_form_jurnal_writes(value, expected):
    assert statement_amount(value) == expected


def row(**values):
    base = {
        "date": "20/11/2026",
        "transaction_type": "Bank Deposit",
        "transaction_id": 7,
        "transaction_no": "10001",
        "description": "setoran",
        "debit": "88800.0",
        "credit": "0.0",
    }
    return {**base, **values}


def test_money_in_read_from_each_form_and_own_documents_left_out():
    answer = {
        "bank_statements": [
            row(),
            row(transaction_id=8, transaction_no="10002", debit=" 5.000,00", debit_raw=5000),
            row(transaction_id=9, transaction_no="PAYOUT/20261120/X", debit="1000.0"),
            row(transaction_id=10, transaction_no="10003", debit="0.0", credit="500.0"),
            row(transaction_id=11, transaction_no="10004", date="2026-11-21", debit=700),
        ]
    }
    lines = jurnal_money_in(answer, "Rekening Bank", {"PAYOUT/20261120/X"})
    assert [(x.line_date, x.amount, x.reference) for x in lines] == [
        (date(2026, 11, 20), Decimal("88800.0"), "Bank Deposit 10001"),
        (date(2026, 11, 20), Decimal(5000), "Bank Deposit 10002"),
        (date(2026, 11, 21), Decimal(700), "Bank Deposit 10004"),
    ]
    assert {x.source for x in lines} == {"jurnal"}


@pytest.mark.parametrize(("field", "value"), [("debit", "lots"), ("date", "someday")])
def test_an_unreadable_row_stops_the_read_naming_it(field, value):
    with pytest.raises(JurnalStatementError) as caught:
        jurnal_money_in({"bank_statements": [row(**{field: value})]}, "Rekening Bank", set())
    message = str(caught.value)
    assert "Rekening Bank" in message and "row 1 (10001)" in message and repr(value) in message


@pytest.fixture(params=STATEMENT_STYLES)
def styled(request, tmp_path) -> Iterator:
    with running_jurnal_sandbox(tmp_path / "jurnal", statement_style=request.param) as handle:
        yield handle


def test_a_deposit_entered_by_hand_is_read_in_each_statement_style(styled, tmp_path):
    deposit = {
        "bank_deposit": {
            "deposit_to_name": "Rekening Bank",
            "transaction_date": "20/11/2026",
            "transaction_no": "SETOR-1",
            "transaction_account_lines_attributes": [
                {"account_name": "Pendapatan Lain-lain", "credit": 1250000}
            ],
        }
    }
    answer = signed("POST", f"{styled.url}/bank_deposits", deposit)
    assert answer.status_code == 201, answer.text
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    config = load_config(DEMO_CONFIG)
    lines = read_jurnal_lines(
        styled.client(), store, config, date(2026, 11, 18), date(2026, 11, 23)
    )
    assert [(x.account, x.line_date, x.amount) for x in lines] == [
        ("Rekening Bank", date(2026, 11, 20), Decimal(1250000))
    ]
    assert lines[0].reference.endswith("SETOR-1")
