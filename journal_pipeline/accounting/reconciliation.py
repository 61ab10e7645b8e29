"""The cash/bank reconciliation of one business day (docs/reconciliation.md). Pure.

Expected, per outlet and payment method, from the day's successful payments (business date at
the outlet): takings (sales), refunds (refunds and voids), MDR (iSeller's ``mdr[]`` fee, else
the settlement rule's ``mdr_percent`` of each sale, rounded half-up per transaction), the
expected settlement = takings − refunds − MDR, due ``lag_days`` days the bank is open
(Monday–Friday less the config's holiday calendar) after the day, into the rule's bank
account. A method without a settlement rule (gift cards, a bank transfer straight to the bank
account) is listed as not settled.

Which line pays which row: `recon_matching`. Status: ``matched`` (received = expected),
``short`` / ``over`` (received, with a variance), ``suggested`` (a line near the amount, for a
person to confirm), ``pending`` (nothing yet, not overdue), ``overdue`` (nothing, more than
``overdue_after_days`` past the due date), ``nothing_due`` (refunds took all), ``not_settled``
(no settlement rule).

A day whose refunds were above its takings owes the difference back: a money-out line naming
the row (step 1) or of exactly that amount (step 2) is the gateway taking it, matched with
``received`` negative; until one comes the row is ``nothing_due``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd

from journal_pipeline.accounting.day_fees import day_fees
from journal_pipeline.accounting.day_sales import (
    dated_payments,
    outlet_business_date,
    with_business_dates,
)
from journal_pipeline.accounting.labels import payment_method
from journal_pipeline.accounting.mdr import payment_fee, void_fees
from journal_pipeline.accounting.multi_day_settlements import Neighbour
from journal_pipeline.accounting.recon_matching import match_lines
from journal_pipeline.accounting.shared_settlements import Match
from journal_pipeline.accounting.statement_text import with_names
from journal_pipeline.config import MerchantConfig
from journal_pipeline.config_settlement import SettlementConfig
from journal_pipeline.core.bank_calendar import MONDAY_TO_FRIDAY, BankCalendar
from journal_pipeline.core.missing import is_missing, text_or_none
from journal_pipeline.core.money import format_idr, to_rupiah
from journal_pipeline.core.orders import OrderFrames
from journal_pipeline.core.statement_lines import StatementLine

MATCHED, SHORT, OVER, PENDING, OVERDUE = "matched", "short", "over", "pending", "overdue"
NOTHING_DUE, NOT_SETTLED, SUGGESTED = "nothing_due", "not_settled", "suggested"
STATUSES = (MATCHED, SHORT, OVER, SUGGESTED, PENDING, OVERDUE, NOTHING_DUE, NOT_SETTLED)
SETTLEMENT, NOT_SETTLED_ROW, UNMATCHED_LINE = "settlement", "not_settled", "unmatched_line"
MONEY_BACK = ("refund", "void")


@dataclass(frozen=True)
class Expected:
    """What one outlet's payment method took on a business day and should bring to the bank."""

    business_date: date
    outlet_code: str
    method: str
    gateway: str | None
    takings: int
    refunds: int
    mdr: int
    booked_takings: int  # takings of the sales the journal books (not voided the same day)
    bank_account: str | None  # None: not settled
    expected_date: date | None

    @property
    def expected(self) -> int:
        return self.takings - self.refunds - self.mdr

    @property
    def row_key(self) -> str:
        return f"{self.outlet_code}|{self.method}"


@dataclass(frozen=True)
class ReconRow:
    """A row of the reconciliation: an expected settlement and what matched it, or a
    statement line nobody claimed (``kind`` unmatched_line)."""

    kind: str
    business_date: date
    row_key: str
    outlet_code: str | None
    method: str | None
    bank_account: str | None
    takings: int | None
    refunds: int | None
    mdr: int | None
    expected: int | None
    expected_date: date | None
    received: Decimal | None
    received_date: date | None
    variance: Decimal | None
    status: str
    age_days: int | None
    line_key: str | None
    reference: str | None
    explanation: str

    def record(self) -> dict[str, object]:
        """The staging row (table ``cash_bank_reconciliation``)."""
        return {
            "business_date": self.business_date,
            "row_key": self.row_key,
            "row_kind": self.kind,
            "outlet_code": self.outlet_code,
            "payment_method": self.method,
            "bank_account": self.bank_account,
            "takings": self.takings,
            "refunds": self.refunds,
            "mdr": self.mdr,
            "expected": self.expected,
            "expected_date": self.expected_date,
            "received": self.received,
            "received_date": self.received_date,
            "variance": self.variance,
            "status": self.status,
            "age_days": self.age_days,
            "line_key": self.line_key,
            "reference": self.reference,
            "explanation": self.explanation,
        }


def add_business_days(day: date, count: int, calendar: BankCalendar = MONDAY_TO_FRIDAY) -> date:
    """``count`` days the bank is open after ``day`` (`BankCalendar.add_open_days`): Friday's
    and Saturday's next business day are both Monday, or later over a holiday."""
    return calendar.add_open_days(day, count)


def expected_settlements(
    frames: OrderFrames, config: MerchantConfig, day: date, reported_mdr: Mapping[str, int]
) -> list[Expected]:
    """One row per outlet and payment method with a successful payment on ``day``."""
    dated = with_business_dates(frames.orders, config)
    payments = dated_payments(frames, dated, config)
    voided_on = _void_dates(dated, config)
    calendar = config.reconciliation.calendar
    sums: dict[tuple[str, str], _Sums] = {}
    rows = list(payments.itertuples(index=False))
    fees_back = void_fees(rows, reported_mdr, config)  # a void returning its sale's fee
    for pay in rows:
        if pay.status != "success" or pay.business_date != day:
            continue
        method = payment_method(pay.payment_type_name, pay.gateway) or "unknown"
        key = (pay.outlet_code or "?", method.casefold())  # one row however it is spelled
        row = sums.setdefault(
            key, _Sums(gateway=text_or_none(pay.gateway), method=canonical_method(method, config))
        )
        amount = int(pay.amount)
        if pay.type == "sale":
            row.takings += amount
            row.mdr += payment_fee(pay, reported_mdr, config)
            if voided_on.get(pay.order_id) != day:
                row.booked += amount
        elif pay.type in MONEY_BACK:
            row.refunds += amount
            row.mdr -= fees_back.get(str(pay.transaction_id), 0)
    # a fee taken of the day's net takings (``fee_basis: day``) in place of its payments'
    for key, fee in day_fees(rows, reported_mdr, config, day).items():
        if key in sums:
            sums[key].mdr = fee.fee
    rows = []
    for (outlet, _), row in sorted(sums.items(), key=lambda item: (item[0][0], item[1].method)):
        method = row.method
        rule = config.settlement(method, row.gateway)
        rows.append(
            Expected(
                business_date=day,
                outlet_code=outlet,
                method=method,
                gateway=row.gateway,
                takings=row.takings,
                refunds=row.refunds,
                mdr=row.mdr,
                booked_takings=row.booked,
                bank_account=rule.bank_account if rule else None,
                expected_date=rule.due(day, calendar) if rule else None,
            )
        )
    return rows


@dataclass
class _Sums:
    """Running totals of one outlet's payment method over the day."""

    gateway: str | None
    method: str
    takings: int = 0
    refunds: int = 0
    mdr: int = 0
    booked: int = 0


def canonical_method(method: str, config: MerchantConfig) -> str:
    """The method as the config spells it now (``settlements``, ``payment_methods``, compared
    without case; then its history's), else as given: "DEBIT BCA" is "Debit BCA"."""
    root = config.current  # one spelling whichever period the day is of
    names = [name for c in (root, config) for name in (*c.settlements, *c.payment_methods)]
    names += [name for outlet in config.outlets.values() for name in outlet.payment_methods]
    return next((name for name in names if name.casefold() == method.casefold()), method)


def _void_dates(dated: pd.DataFrame, config: MerchantConfig) -> dict[str, date | None]:
    """Order id → business date of its void, for voided orders."""
    voided = dated[dated["status"] == "void"]
    return {
        o.order_id: outlet_business_date(
            o.modified_date if is_missing(o.cancel_date) else o.cancel_date, o.outlet_code, config
        )
        for o in voided.itertuples(index=False)
    }


def reconcile(
    expected: Iterable[Expected],
    lines: Iterable[StatementLine],
    config: MerchantConfig,
    day: date,
    as_of: date,
    claimed_elsewhere: Collection[str] = (),
    neighbours: Sequence[Neighbour] = (),
) -> list[ReconRow]:
    """The day's rows: each expected settlement with its match and status, then the lines
    dated ``day`` that no row (of this day or, ``claimed_elsewhere``, another) claimed.
    ``neighbours``: the staged rows of the days around, for lines paying several days."""
    rows = list(expected)
    lines = with_names(lines, config.reconciliation.statement_names)
    matches, taken = match_lines(rows, lines, config, day, claimed_elsewhere, neighbours)
    result = [_row(r, matches.get(r.row_key), config, as_of) for r in rows]
    for line in lines:
        if line.line_date != day or line.line_key in taken or line.line_key in claimed_elsewhere:
            continue
        result.append(_unmatched(line, day))
    return result


def _due(row: Expected) -> date:
    assert row.expected_date is not None  # a settled row
    return row.expected_date


def _row(
    row: Expected,
    match: Match | None,
    config: MerchantConfig,
    as_of: date,
) -> ReconRow:
    money = f"took {format_idr(row.takings)}"
    if row.refunds:
        money += f", gave back {format_idr(row.refunds)}"
    if row.mdr:
        money += f", MDR {format_idr(row.mdr)}"
    if row.bank_account is None or row.expected_date is None:
        return _settlement_row(
            row,
            NOT_SETTLED,
            f"{money}; no settlement rule for {row.method}: it does not pass "
            "through a clearing account to the bank (settlements in the config)",
            kind=NOT_SETTLED_ROW,
        )
    due = row.expected_date
    if match is not None:
        line, why, received = match.line, match.why, match.received
        variance = received - row.expected
        status = MATCHED if variance == 0 else SHORT if variance < 0 else OVER
        said = "" if variance == 0 else f"; {format_idr(abs(to_rupiah(variance)))} {status}"
        if why is None:  # step 3: a line that may be this settlement, for a person to say
            status, why = SUGGESTED, "the nearest line in the match window, amount differs"
            said += (
                "; a suggested match: the line names neither the outlet nor the day, so no "
                "payout moves it; if the bank confirms it, book its transfer from clearing by hand"
            )
        if row.expected < 0:  # the gateway took back what refunds left owing
            what = (
                f"{_owing(row)}: {format_idr(-row.expected)} owed back, due "
                f"{due.isoformat()}; {format_idr(-to_rupiah(received))} taken from "
                f"{row.bank_account} on {line.line_date.isoformat()}"
            )
        else:
            what = (
                f"expected {format_idr(row.expected)} on {due.isoformat()}; received "
                f"{format_idr(to_rupiah(received))} on {line.line_date.isoformat()}"
            )
        return _settlement_row(
            row,
            status,
            f"{money}; {what} ({line.source} line {line.line_no}: {why}){said}",
            line=line,
            received=received,
            age_days=(line.line_date - due).days,
        )
    if row.expected < 0:
        return _settlement_row(
            row,
            NOTHING_DUE,
            f"{money}; {_owing(row)}: {format_idr(-row.expected)} owed back to the "
            f"gateway, not taken from {row.bank_account} so far (it may come off a later "
            "settlement)",
        )
    if row.expected == 0:
        return _settlement_row(row, NOTHING_DUE, f"{money}; nothing is due to the bank")
    late = (as_of - due).days
    rule = config.settlement(row.method, row.gateway)
    counted = rule.days_late(due, as_of, config.reconciliation.calendar) if rule else late
    overdue = counted > config.reconciliation.overdue_after_days
    return _settlement_row(
        row,
        OVERDUE if overdue else PENDING,
        f"{money}; expected {format_idr(row.expected)} in {row.bank_account} on "
        f"{due.isoformat()}{_holidays_between(row, due, config)}; "
        + (
            f"nothing received {late} days later{_open_days(counted, late, rule)} (overdue "
            f"after {config.reconciliation.overdue_after_days}): ask the bank or gateway"
            if overdue
            else "not received yet"
        ),
        age_days=max(late, 0),
    )


def _owing(row: Expected) -> str:
    """Why a row owes the gateway: refunds above its takings, or a fee above what refunds left
    (a sale refunded or voided in full keeps its fee)."""
    if row.takings - row.refunds < 0:
        return "refunds above the takings"
    return "the fee above what the refunds left"


def _settlement_row(
    row: Expected,
    status: str,
    explanation: str,
    *,
    kind: str = SETTLEMENT,
    line: StatementLine | None = None,
    received: Decimal | None = None,
    age_days: int | None = None,
) -> ReconRow:
    """The reconciliation row of an expected settlement, with the line that paid it, if any."""
    return ReconRow(
        kind=kind,
        business_date=row.business_date,
        row_key=row.row_key,
        outlet_code=row.outlet_code,
        method=row.method,
        bank_account=row.bank_account,
        takings=row.takings,
        refunds=row.refunds,
        mdr=row.mdr,
        expected=row.expected,
        expected_date=row.expected_date,
        received=received,
        received_date=line.line_date if line is not None else None,
        variance=received - row.expected if received is not None else None,
        status=status,
        age_days=age_days,
        line_key=line.line_key if line is not None else None,
        reference=(line.reference or line.description) if line is not None else None,
        explanation=explanation,
    )


def _unmatched(line: StatementLine, day: date) -> ReconRow:
    signed = line.amount if line.money_in else -line.amount
    return ReconRow(
        kind=UNMATCHED_LINE,
        business_date=day,
        row_key=f"line|{line.line_key}",
        outlet_code=None,
        method=None,
        bank_account=line.account,
        takings=None,
        refunds=None,
        mdr=None,
        expected=None,
        expected_date=None,
        received=signed,
        received_date=line.line_date,
        variance=None,
        status="unmatched",
        age_days=None,
        line_key=line.line_key,
        reference=line.reference or line.description,
        explanation=f"{line.direction} {format_idr(to_rupiah(line.amount))} on "
        f"{line.line_date.isoformat()} ({line.source} line {line.line_no}: "
        f"{line.description}): matches no expected settlement",
    )


def status_counts(rows: Iterable[ReconRow]) -> dict[str, int]:
    counts = {status: 0 for status in (*STATUSES, "unmatched")}
    for row in rows:
        counts[row.status] += 1
    return counts


def _open_days(counted: int, late: int, rule: SettlementConfig | None) -> str:
    """``, 2 of them the bank's open days`` when the rule counts open days and some of the
    days late were closed ones."""
    if rule is None or rule.lag_counts != "business_days" or counted == late:
        return ""
    return f", {counted} of them the bank's open days"


def _holidays_between(row: Expected, due: date, config: MerchantConfig) -> str:
    """`` (after the bank's holidays: 2026-12-24 Christmas Joint Holiday, …)`` when weekdays
    the bank is closed lie between a takings day and its due date, counted in the bank's open
    days, else nothing."""
    rule = config.settlement(row.method, row.gateway)
    if rule is None or rule.lag_counts != "business_days":
        return ""
    calendar = config.reconciliation.calendar
    closed = []
    current = row.business_date + timedelta(days=1)
    while current < due:
        if current.weekday() < 5 and not calendar.is_open(current):
            closed.append(f"{current.isoformat()} {calendar.closed_because(current)}")
        current += timedelta(days=1)
    return f" (after the bank's holidays: {', '.join(closed)})" if closed else ""
