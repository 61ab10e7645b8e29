"""A line of a bank account's statement, as read from a statement file or from Jurnal, and
its key (`journal_pipeline.bank` reads them; the reconciliation matches them)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

MONEY_IN = "CR"
MONEY_OUT = "DB"


@dataclass(frozen=True)
class StatementLine:
    """One line of a bank account's statement: money in (``CR``) or out (``DB``)."""

    line_key: str
    account: str  # the Jurnal cash & bank account the statement is of
    line_date: date
    description: str
    reference: str
    amount: Decimal  # positive; `direction` says which way
    direction: str
    balance: Decimal | None
    source: str  # the file name (or "jurnal" for Jurnal's own bank statement)
    line_no: int  # the line in the source
    # what the config's ``reconciliation.statement_names`` say the line's words name (an
    # outlet, a method), read with its own words by the matching; never stored
    names: str = ""

    @property
    def money_in(self) -> bool:
        return self.direction == MONEY_IN


def line_key(
    account: str, line_date: date, reference: str, amount: Decimal, direction: str, nth: int
) -> str:
    """A digest of (account, date, reference, amount, direction, ``nth``: the line's order
    among the lines of its file with the same five values)."""
    text = "|".join(
        (account.casefold(), line_date.isoformat(), reference, f"{amount:.2f}", direction, str(nth))
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
