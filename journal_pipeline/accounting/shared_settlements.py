"""Bank lines that pay several rows of a day's reconciliation at once: one transfer for the same
payment method's takings of several outlets (docs/assumptions/bank.md B-6, reading (b): iSeller
Pay paying all outlets together). Pure.

After each row's own named line (step 1), before lines of one row's amount (step 2):

- a line naming the takings day and the method (or its gateway) but no outlet (``ISELLER PAY
  PAYOUT 20261120``) pays the open rows of the methods it names, into its bank account, whose
  expected amounts add up to it: all of them, else the only largest set of them that does (the
  rows left out stay open: their money came apart, late or not at all); an outlet-day owing
  money back (refunds above its takings) is among them when the gateway took it off the
  transfer, else left for its own debit; a named line that no set adds up to pays every open
  row it names that is owed money, its difference shown on the largest (the line does not say
  whose it is); one that two sets of rows add up to pays none (which it pays cannot be told: a
  person matches it);

after lines of one row's amount (step 2), before suggestions (step 3):

- a line naming neither an outlet and a day nor this day whose amount is exactly the sum of the
  open rows of one method due the same day into the same account (two rows or more), within
  the match window, pays them (the day a line names may be the day the money arrived).

Each row it pays receives its own expected amount (the largest also the difference): the rows'
``received`` add up to the line, and each row's payout moves its own part out of clearing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import combinations
from typing import TYPE_CHECKING

from journal_pipeline.accounting.statement_text import addressed, names_day_and_method
from journal_pipeline.core.money import format_idr, to_rupiah
from journal_pipeline.core.statement_lines import StatementLine

if TYPE_CHECKING:
    from journal_pipeline.accounting.reconciliation import Expected

MOST_ROWS_SEARCHED = 12  # beyond it only all the open rows together are tried (2**12 sets)


@dataclass(frozen=True)
class Match:
    """The line that paid a row, and the row's part of it."""

    line: StatementLine
    why: str | None  # None: a suggestion (step 3), for a person to confirm
    part: Decimal | None = None  # the row's part of a line it shares; None: the whole line

    @property
    def received(self) -> Decimal:
        """The row's money: what came in, or (negative) what went out."""
        if self.part is not None:
            return self.part
        return self.line.amount if self.line.money_in else -self.line.amount


Usable = Callable[["Expected", StatementLine], bool]


def named_shared(
    rows: Sequence[Expected],
    lines: Iterable[StatementLine],
    usable: Usable,
    outlets: Iterable[str],
    window: timedelta,
) -> dict[str, Match]:
    """Rows paid by lines naming their day and method but no outlet (the first rule above). A
    line may name the gateway rather than one method (``ISELLER PAY``): it pays the rows of
    every method it names."""
    outlets = list(outlets)
    found = sorted(
        (line for line in lines if not addressed(line, outlets)),
        key=lambda x: (x.line_date, x.line_key),
    )
    matches: dict[str, Match] = {}
    spent: set[str] = set()  # lines this step gave

    def named_by(line: StatementLine) -> list[Expected]:
        return [
            r
            for r in rows
            if r.row_key not in matches
            and usable(r, line)
            and line.line_date >= due_date(r) - window
            and names_day_and_method(line, r.business_date, r.method, r.gateway)
        ]

    for exact in (True, False):
        for line in found:
            open_rows = named_by(line)
            if not open_rows or line.line_key in spent:
                continue
            # an outlet-day owing money back may be taken off the transfer, or debited apart
            settled = [r for r in open_rows if r.expected > 0]
            sets = adding_up(open_rows, line.amount) or adding_up(settled, line.amount)
            if exact and len(sets) == 1:
                paid = sets[0]
            elif not exact and not sets and settled:  # the difference shown on the largest
                paid = settled
            else:
                continue  # none add up to it yet, or it cannot be told which do
            matches.update(_shared(paid, line, "it names the day and the method"))
            spent.add(line.line_key)
    return matches


def summed_shared(
    rows: Sequence[Expected],
    lines: Iterable[StatementLine],
    usable: Usable,
    window: timedelta,
) -> dict[str, Match]:
    """Rows paid together by a line of exactly their sum (the second rule), of ``lines`` no
    other rule names for a row."""
    matches: dict[str, Match] = {}
    for group in _groups(rows):
        if len(group) < 2:
            continue
        due, total = due_date(group[0]), sum(r.expected for r in group)
        found = [
            line
            for line in lines
            if usable(group[0], line)
            and abs(line.line_date - due) <= window
            and line.amount == total
        ]
        if found:
            best = min(found, key=lambda x: (abs((x.line_date - due).days), x.line_key))
            matches.update(_shared(group, best, "its amount is theirs together"))
    return matches


def due_date(row: Expected) -> date:
    assert row.expected_date is not None  # settled rows only
    return row.expected_date


def _groups(rows: Sequence[Expected]) -> list[list[Expected]]:
    """The rows by method, bank account and due date, each group's rows by outlet."""
    groups: dict[tuple[object, ...], list[Expected]] = defaultdict(list)
    for row in rows:
        key = (row.method.casefold(), (row.bank_account or "").casefold())
        groups[(*key, due_date(row))].append(row)
    return [sorted(g, key=lambda r: r.row_key) for _, g in sorted(groups.items())]


def adding_up(rows: list[Expected], amount: Decimal) -> list[list[Expected]]:
    """All the rows if their expected amounts add up to ``amount``, else every set of the
    largest size that does (two or more: which rows the line pays cannot be told)."""
    if sum(r.expected for r in rows) == amount:
        return [rows]
    if len(rows) > MOST_ROWS_SEARCHED:
        return []
    for size in range(len(rows) - 1, 0, -1):
        sets = [list(c) for c in combinations(rows, size) if sum(r.expected for r in c) == amount]
        if sets:
            return sets
    return []


def _shared(paid: list[Expected], line: StatementLine, why: str) -> dict[str, Match]:
    """Each paid row's match: its expected amount, the largest row the line's difference."""
    total = sum(r.expected for r in paid)
    difference = line.amount - total
    largest = max(paid, key=lambda r: (r.expected, r.row_key))
    one_method = len({r.method.casefold() for r in paid}) == 1
    names = sorted(r.outlet_code if one_method else f"{r.outlet_code} {r.method}" for r in paid)
    said = f"one transfer of {format_idr(to_rupiah(line.amount))} for "
    if len(paid) == 1:
        said += f"this row: {why}"
    else:
        said += f"{len(paid)} {'outlets' if one_method else 'settlements'} ({', '.join(names)}): "
        said += why
    matches = {}
    for row in paid:
        text = said
        if difference and row is largest:
            text += (
                f"; the transfer is {format_idr(abs(to_rupiah(difference)))} "
                f"{'short of' if difference < 0 else 'over'} their {format_idr(total)}, shown "
                "on this row, the largest: the line does not say whose it is"
            )
        part = Decimal(row.expected) + (difference if row is largest else 0)
        matches[row.row_key] = Match(line, text, part if len(paid) > 1 else None)
    return matches
