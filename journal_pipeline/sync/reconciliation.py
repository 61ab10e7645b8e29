"""The cash/bank reconciliation of one business day end to end: the day's staged payments,
the bank's lines (staged statement files and Jurnal's own statement of the bank account),
matched (`accounting/reconciliation.py`), staged and exported as CSV."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa

from journal_pipeline.accounting.documents import split_revision
from journal_pipeline.accounting.mdr import reported_fees
from journal_pipeline.accounting.multi_day_settlements import Neighbour
from journal_pipeline.accounting.reconciliation import (
    SUGGESTED,
    Expected,
    ReconRow,
    expected_settlements,
    reconcile,
)
from journal_pipeline.accounting.statement_text import (
    named_days,
    settlement_keywords,
    with_names,
)
from journal_pipeline.bank.jurnal_statement import jurnal_money_in
from journal_pipeline.bank.statements import read_statement_file
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.cycle_collection import cycle_collection_paused
from journal_pipeline.core.statement_lines import StatementLine
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.storage import tables
from journal_pipeline.storage.bank_statements import stage_statement_lines, statement_lines
from journal_pipeline.storage.reconciliation import (
    claimed_elsewhere,
    clearing_debits,
    export_dir,
    lines_not_yet_whole,
    replace_reconciliation,
    settlements_around,
    write_csv,
)
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import revisions
from journal_pipeline.sync.day_orders import orders_of_day

SALE_ENTRIES = ("sale:", "payment:")  # entries that book a payment into its clearing account
PAID = ("matched", "short", "over")
NEIGHBOUR_SLACK_DAYS = 7  # a weekend and the longest run of bank holidays (Lebaran)

_CHUNK = 500  # numbers per look-up


class JurnalReader(Protocol):
    def list_accounts(self) -> list[dict[str, Any]]: ...

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]: ...


@dataclass(frozen=True)
class DayReconciliation:
    day: date
    expected: list[Expected]
    rows: list[ReconRow]
    csv_path: Path | None
    jurnal_lines: int  # money-in lines read from Jurnal's own bank statement
    takings: list[Expected]  # the day's takings as its journal booked them (`day_takings`)


# the name callers of the reconciliation know iSeller's reported fees by
reported_mdr = reported_fees


def day_expected(store: StagingStore, config: MerchantConfig, day: date) -> list[Expected]:
    """The expected settlements of ``day`` from the staged orders touching it."""
    return _expected_of(orders_of_day(store, config, day), config, day)


def _expected_of(raw: list[Any], config: MerchantConfig, day: date) -> list[Expected]:
    # the settlement rules of the day (`mapping_history`): its bank account, lag and MDR
    frames = order_frames(raw, lines=False)  # the takings: payments and their orders alone
    return expected_settlements(frames, config.on(day), day, reported_fees(raw))


def bank_accounts(config: MerchantConfig) -> list[str]:
    return sorted({rule.bank_account for rule in config.all_settlements()})


def read_jurnal_lines(
    client: JurnalReader, store: StagingStore, config: MerchantConfig, start: date, end: date
) -> list[StatementLine]:
    """Money into each settlement bank account in Jurnal (J-44) that the pipeline did not post."""
    ids = {a.get("name"): a.get("id") for a in client.list_accounts()}
    answers = [
        (
            account,
            client.get(
                f"accounts/{ids[account]}/bank_statements",
                # the format this endpoint defines (unlike the reports' dd/mm/yyyy)
                {"start_date": start.isoformat(), "end_date": end.isoformat()},
            ),
        )
        for account in bank_accounts(config)
        if ids.get(account) is not None
    ]
    numbers = {
        str(row.get("transaction_no") or "")
        for _, answer in answers
        for row in answer.get("bank_statements") or []
    }
    own = _own_numbers(store, numbers)
    return [line for account, answer in answers for line in jurnal_money_in(answer, account, own)]


def _own_numbers(store: StagingStore, numbers: set[str]) -> set[str]:
    """Those of ``numbers`` that are of documents the pipeline posted (or queued), looked up
    by number: the outbox of every day kept is not read."""
    t, wanted = tables.outbox, sorted(n for n in numbers if n)
    with store.engine.connect() as conn:
        return {
            n
            for start in range(0, len(wanted), _CHUNK)
            for n in conn.execute(
                sa.select(t.c.transaction_no)
                .where(t.c.transaction_no.in_(wanted[start : start + _CHUNK]))
                .distinct()
            ).scalars()
        }


@cycle_collection_paused()  # a day's orders and what is built of them stay alive
def reconcile_day(
    store: StagingStore,
    config: MerchantConfig,
    day: date,
    as_of: date,
    jurnal_lines: Sequence[StatementLine] = (),
    export: bool = True,
    revisit: bool = True,
) -> DayReconciliation:
    """Match the day's expected settlements with the bank lines staged so far (and
    ``jurnal_lines``), stage the rows and write the CSV file. When the day's rows took parts
    of a line that other days' open rows share (one transfer for several days), those days
    are reconciled again (once) so that the line is read whole at once."""
    raw = orders_of_day(store, config, day)
    expected = _expected_of(raw, config, day)
    window = timedelta(days=config.reconciliation.match_window_days)
    lines = statement_lines(store, day - window, max(as_of, day) + window)
    around = neighbours(store, config, day)
    rows = reconcile(
        expected, [*lines, *jurnal_lines], config, day, as_of, claimed_elsewhere(store, day), around
    )
    replace_reconciliation(store, day, [row.record() for row in rows], datetime.now().astimezone())
    if revisit:
        for other in sharing_days(store, rows, around):
            reconcile_day(store, config, other, as_of, jurnal_lines, export, revisit=False)
    path = write_csv(export_dir(store), day, [r.record() for r in rows]) if export else None
    takings = day_takings(store, config, day, raw, expected)
    return DayReconciliation(day, expected, rows, path, len(jurnal_lines), takings)


def sharing_days(
    store: StagingStore, rows: Sequence[ReconRow], around: Sequence[Neighbour]
) -> list[date]:
    """Days of ``around`` (the day's neighbours) with open rows of the method of a line the
    day's ``rows`` took a part of, while the staged parts of that line do not yet add up to
    it, and days that suggested a line the day's rows now hold."""
    parted = {
        r.line_key: r for r in rows if r.line_key and r.status in PAID and (r.received or 0) > 0
    }

    def group(method: str | None, bank: str | None) -> tuple[str, str]:
        return ((method or "").casefold(), (bank or "").casefold())

    wanted = {
        group(parted[key].method, parted[key].bank_account)
        for key in lines_not_yet_whole(store, list(parted))
    }
    days = {
        n.row.business_date
        for n in around
        if n.open and group(n.row.method, n.row.bank_account) in wanted
    }
    # a day that only suggested a line the day's rows now hold: its suggestion goes
    days |= {n.row.business_date for n in around if n.suggested and n.line_key in parted}
    return sorted(days)


def neighbours(store: StagingStore, config: MerchantConfig, day: date) -> list[Neighbour]:
    """The staged settlement rows of the days whose money may arrive with ``day``'s (twice the
    match window and the longest lag either side, a week more for holidays)."""
    lag = max((rule.lag_days for rule in config.all_settlements()), default=0)
    reach = 2 * config.reconciliation.match_window_days + lag + NEIGHBOUR_SLACK_DAYS
    return [
        Neighbour(
            Expected(
                business_date=row["business_date"],
                outlet_code=str(row["outlet_code"]),
                method=str(row["payment_method"]),
                gateway=None,
                takings=int(row["takings"] or 0),
                refunds=int(row["refunds"] or 0),
                mdr=int(row["mdr"] or 0),
                booked_takings=int(row["takings"] or 0),
                bank_account=row["bank_account"],
                expected_date=row["expected_date"],
            ),
            row["line_key"],
            suggested=row["status"] == SUGGESTED,
        )
        for row in settlements_around(store, day, reach)
    ]


def journal_takings(store: StagingStore, day: date) -> dict[tuple[str, str], int]:
    """(outlet, method) → the canonical journal's clearing debits for the day's sales as first
    posted. A correction (the reversal and the order's next revision, booked on the day of the
    change or by a rollback and repost) is left out, as `day_takings` leaves it out of the
    takings: Jurnal's ledger check covers it."""
    totals: dict[tuple[str, str], int] = {}
    for entry, outlet, role, source_id, debit in clearing_debits(store, day, SALE_ENTRIES):
        if not role.startswith("payment:") or not entry.startswith(SALE_ENTRIES):
            continue
        if split_revision(str(source_id))[1] > 0:
            continue
        key = (str(outlet), role.split(":", 1)[1])
        totals[key] = totals.get(key, 0) + int(debit)
    return totals


def day_takings(
    store: StagingStore,
    config: MerchantConfig,
    day: date,
    raw: list[dict[str, Any]] | None = None,
    expected: list[Expected] | None = None,
) -> list[Expected]:
    """The day's takings as its journal booked them: those of the staged orders touching the
    day (``raw``: `orders_of_day`, giving ``expected``) as they are now, or, when an order of
    the day changed after it was posted, as posted (the journal keeps what was posted; the
    change is a correction). ``raw`` holds the orders booked on the day whose date or outlet
    changed since, which their dates no longer find."""
    raw = orders_of_day(store, config, day) if raw is None else raw
    booked = revisions.as_booked(store, raw)
    unchanged = all(first is now for first, now in zip(booked, raw, strict=True))
    if unchanged and expected is not None:
        return expected
    return _expected_of(booked, config, day)


def takings_differences(
    expected: Iterable[Expected], journal: Mapping[tuple[str, str], int]
) -> list[str]:
    """A sentence per outlet and method whose takings differ from the journal's debits (a
    method compared without case: the journal books it as each payment spells it)."""
    seen: dict[tuple[str, str], int] = {}
    for row in expected:
        seen[(row.outlet_code, row.method)] = row.booked_takings
    named = {(outlet, method.casefold()): method for outlet, method in seen}
    booked_as: dict[tuple[str, str], int] = {}
    for (outlet, method), debit in journal.items():
        key = (outlet, named.get((outlet, method.casefold()), method))
        booked_as[key] = booked_as.get(key, 0) + debit
    problems = []
    for key in sorted(set(seen) | {k for k, v in booked_as.items() if v}):
        ours, booked = seen.get(key, 0), booked_as.get(key, 0)
        if ours != booked:
            problems.append(
                f"{key[0]} {key[1]}: payments {ours:,} vs journal clearing debits {booked:,} "
                f"(difference {ours - booked:,})"
            )
    return problems


def stage_statement_files(
    paths: Iterable[Path], account_of: Mapping[Path, str], store: StagingStore
) -> tuple[dict[str, int], list[StatementLine]]:
    """Read and stage each file (a `StatementError` names a file nobody can read)."""
    counts = {"staged": 0, "already_staged": 0}
    lines: list[StatementLine] = []
    for path in paths:
        read = read_statement_file(path, account_of[path])
        for key, value in stage_statement_lines(store, read).items():
            counts[key] += value
        lines += read
    return counts, lines


def days_touched(lines: Iterable[StatementLine], config: MerchantConfig, today: date) -> list[date]:
    """Business days whose settlements the lines may pay: from the longest lag plus the match
    window (and a weekend) before each line's date, further back over the bank's holidays,
    up to it; and the day a money-in line names with its outlet or a method (a transfer for
    several outlets), however long before (a named line matches however late it arrives)."""
    lag = max((rule.lag_days for rule in config.all_settlements()), default=0)
    window = timedelta(days=config.reconciliation.match_window_days)
    back = window + timedelta(days=lag + 2)
    calendar = config.reconciliation.calendar
    days: set[date] = set()
    for line in with_names(lines, config.reconciliation.statement_names):
        earliest = calendar.earliest_due_on_or_after(line.line_date - window, lag)
        current = min(line.line_date - back, earliest)
        while current <= min(line.line_date, today):
            if current >= config.start_date:
                days.add(current)
            current += timedelta(days=1)
        if line.money_in:
            named = named_days(line, config.outlets, settlement_keywords(config.settlements))
            days |= {d for d in named if config.start_date <= d <= min(line.line_date, today)}
    return sorted(days)
