"""Jurnal's own statement of a cash & bank account (J-44) as a second source of money in.

Counted: lines that put money into the account (``debit`` > 0) from documents the pipeline
did not post itself: a bank deposit or transfer someone entered in Jurnal, a receipt booked
by hand. The pipeline's own documents (its payouts, on-account payments straight to the bank)
are left out by their number, so nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from journal_pipeline.core.statement_lines import MONEY_IN, StatementLine, line_key

JURNAL_SOURCE = "jurnal"


def jurnal_money_in(
    answer: Mapping[str, Any], account: str, own_numbers: Container[str]
) -> list[StatementLine]:
    """The counted lines of a ``GET accounts/{id}/bank_statements`` answer."""
    lines = []
    for index, row in enumerate(answer.get("bank_statements") or [], start=1):
        amount = _decimal(row.get("debit"))
        number = str(row.get("transaction_no") or "")
        if amount <= 0 or number in own_numbers:
            continue
        line_date = datetime.strptime(str(row.get("date")), "%d/%m/%Y").date()
        reference = f"{row.get('transaction_type') or 'Jurnal'} {number}".strip()
        lines.append(
            StatementLine(
                line_key=line_key(
                    account, line_date, f"jurnal:{row.get('transaction_id')}", amount, MONEY_IN, 1
                ),
                account=account,
                line_date=line_date,
                description=str(row.get("description") or ""),
                reference=reference,
                amount=amount,
                direction=MONEY_IN,
                balance=None,
                source=JURNAL_SOURCE,
                line_no=index,
            )
        )
    return lines


def _decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value or "0").replace(",", ""))
    except InvalidOperation:
        return Decimal(0)
