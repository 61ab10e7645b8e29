"""Bank lines that pay the takings of several days at once: a weekend's card settlements in one
Monday transfer, or several days' cash deposited together (docs/reconciliation.md, "One
transfer for several days"). Pure.

The reconciliation is made a day at a time; such a line pays rows of other days too. The day's
open rows are matched to a line that names no day when, with the rows of the neighbouring days
(staged by their own reconciliation: ``Neighbour``) of the same method and bank account (one
outlet's, else every outlet's), due within the match window of the line and either still open
(a suggestion leaves a row open, and its line free) or already holding this line, their
expected amounts add up to it: all of them; for a line naming the outlet and the method, else
the only largest set that does and that holds every neighbour already holding the line, and
failing that the same to within a rupiah a row (a card fee taken off each day's total,
rounded). Each day's run finds the same set, so that each row of it is paid its own expected
amount from the line (the largest row also the rupiahs of rounding), by whichever day's run
first sees it; rows left out (their money came apart) stay open. No suggestion is made from
such a line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from itertools import combinations
from typing import TYPE_CHECKING

from journal_pipeline.accounting.shared_settlements import (
    MOST_ROWS_SEARCHED,
    Match,
    Usable,
    due_date,
)
from journal_pipeline.accounting.statement_text import (
    has_word,
    line_text,
    names_a_day,
    names_method,
    names_outlet,
)
from journal_pipeline.core.money import format_idr, to_rupiah
from journal_pipeline.core.statement_lines import StatementLine

if TYPE_CHECKING:
    from journal_pipeline.accounting.reconciliation import Expected

ROUNDING_PER_ROW = 1  # rupiah a day's fee may round apart from the sum of its payments' fees


@dataclass(frozen=True)
class Neighbour:
    """A settlement row of another day, as its own reconciliation staged it."""

    row: Expected
    line_key: str | None  # the line it holds, if any
    suggested: bool = False  # only a suggestion: the row is still open

    def holds(self, line_key: str) -> bool:
        return self.line_key == line_key and not self.suggested

    @property
    def open(self) -> bool:
        return self.line_key is None or self.suggested


def across_days(
    rows: Sequence[Expected],
    neighbours: Sequence[Neighbour],
    lines: Iterable[StatementLine],
    usable: Usable,
    window: timedelta,
    claimed_elsewhere: Collection[str],
    outlets: Collection[str],
    keywords: Collection[str],
) -> dict[str, Match]:
    """The day's rows paid by lines that also pay rows of other days (the rule above)."""
    matches: dict[str, Match] = {}
    for line in sorted(lines, key=lambda x: (x.line_date, x.line_key)):
        if not line.money_in or names_a_day(line):
            continue
        holders = [n for n in neighbours if n.holds(line.line_key)]
        suggested = any(n.line_key == line.line_key and n.suggested for n in neighbours)
        if line.line_key in claimed_elsewhere and not holders and not suggested:
            continue  # another row has it, not as one of several days
        named = Naming(
            outlets={code for code in outlets if names_outlet(line, code)},
            any_method=any(has_word(line_text(line), word) for word in keywords),
        )
        for by_outlet in (True, False):
            found = _paying(
                line, named, rows, neighbours, holders, matches, usable, window, by_outlet
            )
            if found:
                matches.update(found)
                break
    return matches


@dataclass(frozen=True)
class Naming:
    """What a line names: outlets, and whether any settled method."""

    outlets: set[str]
    any_method: bool


def _paying(
    line: StatementLine,
    named: Naming,
    rows: Sequence[Expected],
    neighbours: Sequence[Neighbour],
    holders: list[Neighbour],
    matches: dict[str, Match],
    usable: Usable,
    window: timedelta,
    by_outlet: bool,
) -> dict[str, Match]:
    """The day's rows the line pays with rows of other days of one group, if any. A line
    naming an outlet pays only its rows, one naming a method only that method's; only a line
    naming both the outlet and the method may pay some of the rows (the others' money came
    apart) or differ by the fees' rounding: one naming less must be all of them, exactly."""

    def near(row: Expected) -> bool:
        return abs(line.line_date - due_date(row)) <= window

    def key(row: Expected) -> tuple[str, ...]:
        return (
            row.method.casefold(),
            (row.bank_account or "").casefold(),
            row.outlet_code if by_outlet else "",
        )

    if named.outlets and not by_outlet:
        return {}
    mine: dict[tuple[str, ...], list[Expected]] = defaultdict(list)
    for row in rows:
        if row.row_key not in matches and usable(row, line) and near(row):
            if named.outlets and row.outlet_code not in named.outlets:
                continue
            mine[key(row)].append(row)
    for group_key, own in sorted(mine.items()):
        method_named = names_method(line, own[0].method, own[0].gateway)
        if named.any_method and not method_named:
            continue  # the line names another method
        others = [
            n.row
            for n in neighbours
            if key(n.row) == group_key and near(n.row) and (n.open or n.holds(line.line_key))
        ]
        if not others or any(key(h.row) != group_key or not near(h.row) for h in holders):
            continue
        precise = bool(named.outlets) and method_named
        held = {id(h.row) for h in holders}
        paid = _adding_up([*own, *others], line.amount, held, some=precise)
        if paid is None or not any(r in own for r in paid):
            continue  # none adds up to it, it cannot be told which, or none is this day's
        return _parts(line, paid, own, own[0].outlet_code if by_outlet else "every outlet")
    return {}


def _adding_up(
    rows: list[Expected], amount: Decimal, held: set[int], some: bool
) -> list[Expected] | None:
    """The rows the line pays: all of them if their expected amounts add up to it; with
    ``some``, else the only largest set holding every row that already holds the line that
    does, else the same to within a rupiah a row (a card fee taken off each day's total,
    rounded, where the expected one is rounded per payment)."""
    if not some:
        return rows if sum(r.expected for r in rows) == amount else None
    for tolerance in (0, ROUNDING_PER_ROW):
        for size in range(len(rows), 1, -1):
            if size < len(rows) and len(rows) > MOST_ROWS_SEARCHED:
                break
            sets = [
                list(c)
                for c in combinations(rows, size)
                if held <= {id(r) for r in c}
                and abs(sum(r.expected for r in c) - amount) <= tolerance * size
            ]
            if len(sets) == 1:
                return sets[0]
            if sets:
                return None  # which rows it pays cannot be told
    return None


def _parts(
    line: StatementLine, paid: list[Expected], own: list[Expected], who: str
) -> dict[str, Match]:
    """The day's rows' parts of the line: each its expected amount, the largest of all the
    rows it pays also the difference (each day's run finds the same)."""
    days = sorted({r.business_date for r in paid})
    total = sum(r.expected for r in paid)
    largest = max(paid, key=lambda r: (r.expected, r.business_date, r.row_key))
    why = (
        f"one transfer of {format_idr(to_rupiah(line.amount))} for the {own[0].method} "
        f"takings of {who} on {len(days)} days ({', '.join(d.isoformat() for d in days)}): "
        "its amount is theirs together"
    )
    parts = {}
    for row in own:
        if row not in paid:
            continue
        part, said = Decimal(row.expected), why
        if row is largest and line.amount != total:
            part += line.amount - total
            said += (
                f" but for {format_idr(abs(to_rupiah(line.amount - total)))} (rounding of the "
                "fees), shown on this row, the largest"
            )
        parts[row.row_key] = Match(line, said, part)
    return parts
