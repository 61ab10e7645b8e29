"""Which bank statement line pays which expected settlement of a day (docs/reconciliation.md,
"Matching"). Pure.

Matching against the bank account's money-in lines; a line is claimed by one row only:

1. a line naming the outlet code, the day (``YYYYMMDD``) and a keyword of the method, dated
   from ``match_window_days`` before the expected date on (however late it arrives);
2. else a line of exactly the expected amount within ``match_window_days`` of the due date;
3. else the line nearest the due date within the window whose amount is within
   ``cash_difference_tolerance`` of the expected one: only a suggestion (status
   ``suggested``), for a person to confirm; no payout moves money on it.

Lines that name an outlet and a day (another row's) are left to step 1; lines that name a
method and another day match only by their exact amount (the day may be the one the money
arrived). A line that pays several outlets' rows at once
(one transfer for all outlets, `shared_settlements`) is found between steps 1 and 2 when it
names the day and the method, between steps 2 and 3 by its amount; one that pays several days'
rows (`multi_day_settlements`) between steps 2 and 3. Money-out lines pay what a day whose
refunds were above its takings owes back, by steps 1 and 2 only.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from journal_pipeline.accounting.multi_day_settlements import Neighbour, across_days
from journal_pipeline.accounting.shared_settlements import (
    Match,
    due_date,
    named_shared,
    summed_shared,
)
from journal_pipeline.accounting.statement_text import (
    addressed,
    named_days,
    names_day_and_method,
    names_outlet,
    settlement_keywords,
)
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.statement_lines import StatementLine

if TYPE_CHECKING:
    from journal_pipeline.accounting.reconciliation import Expected


def names_row(line: StatementLine, row: Expected) -> bool:
    """The line's reference or description names the row's outlet, day and method."""
    return names_outlet(line, row.outlet_code) and names_day_and_method(
        line, row.business_date, row.method, row.gateway
    )


def match_lines(
    rows: list[Expected],
    lines: list[StatementLine],
    config: MerchantConfig,
    day: date,
    claimed_elsewhere: Collection[str],
    neighbours: Sequence[Neighbour],
) -> tuple[dict[str, Match], set[str]]:
    """Row key → the line that pays it (and its part), and the lines taken."""
    window = timedelta(days=config.reconciliation.match_window_days)
    tolerance = config.reconciliation.cash_difference_tolerance
    fresh = [line for line in lines if line.line_key not in claimed_elsewhere]
    money_in = [line for line in fresh if line.money_in]
    money_out = [line for line in fresh if not line.money_in]
    outlets = list(config.outlets)
    keywords = settlement_keywords(config.settlements)

    def due_rows(sign: int) -> list[Expected]:
        return sorted(
            (r for r in rows if r.bank_account is not None and r.expected * sign > 0),
            key=lambda r: (r.expected_date, r.outlet_code, r.method),
        )

    settled, owed = due_rows(1), due_rows(-1)  # owed: refunds above takings, taken back
    matches: dict[str, Match] = {}
    taken: set[str] = set()

    def usable(row: Expected, line: StatementLine) -> bool:
        return (
            line.line_key not in taken
            and line.account.casefold() == (row.bank_account or "").casefold()
        )

    def claim(found: dict[str, Match]) -> None:
        matches.update(found)
        taken.update(m.line.line_key for m in found.values())

    # named for a row: an outlet and a day (step 1's, this day's or another's); a method and
    # a day (a transfer for several outlets: this day's 1b, another day's rows')
    addressed_lines = {line.line_key for line in fresh if addressed(line, outlets)}
    named_for = {line.line_key: named_days(line, outlets, keywords) for line in fresh}

    def spoken_for(line: StatementLine, exact: bool) -> bool:
        """Left to other rules: a line naming an outlet and a day, and (but for an exact
        amount: the day it names may be the day the money arrived) one naming a method and
        another day."""
        if line.line_key in addressed_lines:
            return True
        return not exact and bool(named_for.get(line.line_key, set()) - {day})

    def still_open(of: list[Expected]) -> list[Expected]:
        return [r for r in of if r.row_key not in matches]

    def nearest(found: list[StatementLine], due: date) -> StatementLine:
        return min(found, key=lambda x: (abs((x.line_date - due).days), x.line_key))

    def named(of: list[Expected], candidates: list[StatementLine]) -> None:  # 1.
        for row in of:
            due = due_date(row)
            found = [
                line
                for line in candidates
                if usable(row, line) and line.line_date >= due - window and names_row(line, row)
            ]
            if found:
                why = "its reference names the outlet, the day and the method"
                claim({row.row_key: Match(nearest(found, due), why)})

    def by_amount(of: list[Expected], candidates: list[StatementLine], exact: bool) -> None:
        for row in still_open(of):  # 2. exact amount, 3. nearest date within the tolerance
            due, amount = due_date(row), abs(row.expected)
            found = [
                line
                for line in candidates
                if usable(row, line)
                and abs(line.line_date - due) <= window
                and not spoken_for(line, exact)
                and (line.amount == amount if exact else abs(line.amount - amount) <= tolerance)
            ]
            if found:
                why = "the same amount, the nearest date in the match window" if exact else None
                claim({row.row_key: Match(nearest(found, due), why)})

    named(settled, money_in)
    claim(named_shared(still_open([*settled, *owed]), money_in, usable, outlets, window))  # 1b.
    by_amount(settled, money_in, exact=True)
    claim(  # 2b. one day's rows together, from a line no other rule names for them
        summed_shared(
            still_open(settled),
            [
                x
                for x in money_in
                if x.line_key not in addressed_lines and day not in named_for[x.line_key]
            ],
            usable,
            window,
        )
    )
    every_money_in = [line for line in lines if line.money_in]  # those of other days' rows too
    claim(  # 2c. several days
        across_days(
            still_open(settled),
            neighbours,
            every_money_in,
            usable,
            window,
            claimed_elsewhere,
            outlets,
            keywords,
        )
    )
    by_amount(settled, money_in, exact=False)
    named(owed, money_out)  # what the gateway took back: named or exact, never suggested
    by_amount(owed, money_out, exact=True)
    return matches, taken
