"""Jurnal's own statement of a cash & bank account (J-44) as a second source of money in.

Counted: lines that put money into the account (``debit`` > 0) from documents the pipeline
did not post itself: a bank deposit or transfer someone entered in Jurnal, a receipt booked
by hand. The pipeline's own documents (its payouts, on-account payments straight to the bank)
are left out by their number, so nothing is counted twice.

Jurnal documents this answer only with empty arrays, so a row is read in every form Jurnal's
other answers use: the date as ``dd/mm/yyyy``, ``dd-mm-yyyy`` or ``yyyy-mm-dd`` (``date`` or
``transaction_date``), the amount as a number, a decimal string (``"88800.0"``), a report cell
(``" 88.800,00"``, ``"Rp.  88.800,00"``, ``"(1.000,00)"``) or its ``debit_raw`` twin. A row
that fits none stops the read with its number and the field, rather than leaving money out.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from journal_pipeline.core.jurnal_dates import jurnal_day as statement_date
from journal_pipeline.core.statement_lines import MONEY_IN, StatementLine, line_key

JURNAL_SOURCE = "jurnal"
GROUPED_DOTS = re.compile(r"\d{1,3}(\.\d{3})+(,\d+)?|\d+,\d+")  # 88.800,00 · 88800,5
GROUPED_COMMAS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")  # 88,800.00
PLAIN = re.compile(r"\d+(\.\d+)?")


class JurnalStatementError(ValueError):
    """A row of Jurnal's bank statement that cannot be read (names the row and the field)."""


def jurnal_money_in(
    answer: Mapping[str, Any], account: str, own_numbers: Container[str]
) -> list[StatementLine]:
    """The counted lines of a ``GET accounts/{id}/bank_statements`` answer."""
    lines = []
    for index, row in enumerate(answer.get("bank_statements") or [], start=1):
        number = str(row.get("transaction_no") or "")
        amount = _amount(row, "debit")
        if amount is None:
            raise _unreadable(account, index, number, "debit", row.get("debit"))
        if amount <= 0 or number in own_numbers:
            continue
        raw_date = row.get("date") or row.get("transaction_date")
        line_date = statement_date(raw_date)
        if line_date is None:
            raise _unreadable(account, index, number, "date", raw_date)
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


def statement_amount(value: object) -> Decimal | None:
    """An amount as Jurnal writes one: a number, a decimal string or a report cell in
    Indonesian style; missing is 0, unreadable None."""
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    text = str(value).strip()
    negative = text.startswith(("-", "(")) or text.endswith("-")
    digits = re.sub(r"Rp\.?|\s|[()+-]", "", text)
    if GROUPED_DOTS.fullmatch(digits):  # rupiah: "1.000" is a thousand, never one
        digits = digits.replace(".", "").replace(",", ".")
    elif GROUPED_COMMAS.fullmatch(digits):
        digits = digits.replace(",", "")
    elif not PLAIN.fullmatch(digits):
        return None
    try:
        amount = Decimal(digits)
    except InvalidOperation:
        return None
    return -amount if negative else amount


def _amount(row: Mapping[str, Any], field: str) -> Decimal | None:
    """``field`` of a row, its ``*_raw`` number first (the report cells' twin)."""
    raw = row.get(f"{field}_raw")
    if raw is not None and not isinstance(raw, bool):
        exact = statement_amount(raw)
        if exact is not None:
            return exact
    return statement_amount(row.get(field))


def _unreadable(account: str, index: int, number: str, field: str, value: object) -> Exception:
    return JurnalStatementError(
        f"Jurnal's bank statement of {account}: row {index} ({number or 'no number'}) has a "
        f"{field} {value!r} that is not a date or amount Jurnal writes; its money cannot be "
        "counted, so the statement is not used (the bank files still are)"
    )
