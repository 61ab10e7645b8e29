"""Is a staged business day complete? The staged orders against iSeller's own day totals.

For each outlet and business day, what was staged (completed orders and their payments) is
compared with what iSeller itself totals for the same stretch of time: GetOrderSummary (order
money: gross sales, discounts, promotions, subtotal, service charge, tax, shipping, rounding,
total) and GetTransactionSummary (payments per method). A day that lost orders (a misread page,
a window that missed some) disagrees with iSeller's totals and is caught before it is posted.

iSeller's document does not say exactly what its summaries count (which statuses, which date,
which day boundary, refunds netted or not, an end bound inclusive or not). So every plausible
reading is tried (`ORDER_READINGS`, `PAYMENT_READINGS`; the first of each is the documented one;
docs/assumptions/iseller.md, I-10, I-38, I-39) and the day passes when one of them agrees on
every measure, within rounding: half a rupiah per order (or payment) counted, at least one
rupiah. iSeller's summaries give no count of orders: the count shown is the staged side's.

Pure: frames in, a list of findings out (`compare_day`); `sync.completeness.DayCompleteness`
says what the day's check concludes from them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from journal_pipeline.accounting.staged_totals import (
    ORDER_MEASURES,
    SUMMARY_METHODS,
    method_key,
    method_label,
    method_order,
    of_outlet,
    staged_order_totals,
    staged_payment_totals,
)
from journal_pipeline.accounting.summary_readings import (
    ORDER_READINGS,
    PAYMENT_READINGS,
    OutletWindow,
)
from journal_pipeline.core.money import format_idr
from journal_pipeline.core.orders import OrderFrames

__all__ = [
    "MATCH",
    "MISMATCH",
    "ORDERS",
    "ORDER_READINGS",
    "PAYMENTS",
    "PAYMENT_READINGS",
    "SUMMARY_METHODS",
    "UNAVAILABLE",
    "Finding",
    "Measure",
    "OutletWindow",
    "compare_day",
]

ORDERS = "GetOrderSummary"
PAYMENTS = "GetTransactionSummary"
SOURCES = (ORDERS, PAYMENTS)

MATCH = "match"
MISMATCH = "mismatch"
UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Measure:
    """One compared total: staged against iSeller, with the rounding allowed."""

    name: str
    staged: int
    iseller: int
    tolerance: int = 1

    @property
    def difference(self) -> int:
        return self.staged - self.iseller

    @property
    def agrees(self) -> bool:
        return abs(self.difference) <= self.tolerance

    def text(self) -> str:
        return (
            f"{self.name} {format_idr(self.staged)} staged vs {format_idr(self.iseller)} "
            f"at iSeller ({_signed(self.difference)})"
        )


@dataclass(frozen=True)
class Finding:
    """The outcome for one outlet, day and summary endpoint (`source`)."""

    outlet_code: str
    day: date
    source: str  # ORDERS | PAYMENTS
    status: str  # MATCH | MISMATCH | UNAVAILABLE
    reading: str | None = None  # the reading that agreed; on a mismatch, the closest one
    reading_key: str | None = None
    staged_count: int = 0  # completed orders (or payments) staged under that reading
    measures: tuple[Measure, ...] = ()
    reason: str | None = None  # why the summary is unavailable
    not_compared: tuple[str, ...] = ()  # staged amounts iSeller's summary has no key for
    open_until: str | None = None  # the day had not ended: compared up to this local time

    @property
    def disagreeing(self) -> tuple[Measure, ...]:
        return tuple(m for m in self.measures if not m.agrees)

    @property
    def message(self) -> str:
        head = f"{self.outlet_code} {self.day.isoformat()}"
        if self.open_until is not None:
            head += f" (day still open, compared up to {self.open_until})"
        what = "completed orders" if self.source == ORDERS else "payments"
        if self.status == UNAVAILABLE:
            return f"{head}: {self.source} unavailable ({self.reason}); {what} not compared."
        staged = f"{self.staged_count} {what} staged"
        if self.status == MATCH:
            return f"{head}: {staged}, totals agree with {self.source} ({self.reading})."
        differences = "; ".join(m.text() for m in self.disagreeing)
        return (
            f"{head}: {staged}; {differences}. No reading of {self.source} agrees; "
            f"closest: {self.reading}."
        )


# -- the comparison ---------------------------------------------------------------------------


def compare_day(
    frames: OrderFrames,
    windows: Sequence[OutletWindow],
    order_totals: pd.DataFrame,
    payment_totals: pd.DataFrame,
    unavailable: Mapping[tuple[str, str], str] | None = None,
) -> list[Finding]:
    """One finding per outlet window and summary endpoint.

    `frames`: the staged orders (every one that may fall in a window under some reading);
    `order_totals`: GetOrderSummary items (``iseller.parse.order_summary_frame``) with an
    ``outlet_code`` column; `payment_totals`: GetTransactionSummary items in long form
    (``transaction_summary_frame``: ``gateway``, ``name``, ``amount``) with ``outlet_code``.
    Every item returned for an outlet is added up, whatever day it is labelled with: the
    window asked was the business day. `unavailable`: ``{(outlet_code, endpoint): reason}``.
    """
    unavailable = unavailable or {}
    orders = frames.orders
    dates = orders[["order_id", "order_date", "closed_date"]].rename(
        columns={"order_date": "sale_order_date", "closed_date": "sale_closed_date"}
    )
    payments = frames.payments.merge(dates, on="order_id", how="inner")
    findings: list[Finding] = []
    for window in windows:
        own_orders = orders[of_outlet(orders, window)]
        own_ids = set(own_orders["order_id"])
        own_payments = payments[payments["order_id"].isin(own_ids)]
        open_until = window.local_end() if window.open else None
        for source in SOURCES:
            reason = unavailable.get((window.outlet_code, source))
            if reason is not None:
                gone = Finding(window.outlet_code, window.day, source, UNAVAILABLE, reason=reason)
                findings.append(replace(gone, open_until=open_until))
            elif source == ORDERS:
                iseller = _iseller_order_totals(order_totals, window.outlet_code)
                findings.append(
                    _order_finding(own_orders, own_payments, window, iseller, open_until)
                )
            else:
                names, amounts = _iseller_payment_totals(payment_totals, window.outlet_code)
                findings.append(_payment_finding(own_payments, window, names, amounts, open_until))
    return findings


def _order_finding(
    orders: pd.DataFrame,
    payments: pd.DataFrame,
    window: OutletWindow,
    iseller: Mapping[str, int],
    open_until: str | None,
) -> Finding:
    trials = []
    for reading in ORDER_READINGS:
        staged, count = staged_order_totals(orders, payments, window, reading)
        tolerance = _tolerance(count)
        measures = tuple(
            Measure(name, staged[name], iseller.get(name, 0), tolerance)
            for name, _ in ORDER_MEASURES
        )
        trials.append((reading.text, reading.key, count, measures))
        if _all_agree(trials[-1]):
            break  # the first reading that agrees is the finding: the rest are not needed
    return _finding(window, ORDERS, trials, (), open_until)


def _payment_finding(
    payments: pd.DataFrame,
    window: OutletWindow,
    names: Mapping[str, str],
    iseller: Mapping[str, int],
    open_until: str | None,
) -> Finding:
    trials = []
    not_compared: set[str] = set()
    # the methods not compared are gathered over every reading: only a window whose payments
    # all have a summary key (none to gather) may stop at the first reading that agrees
    may_stop = all(
        method_key(gateway, name) is not None
        for gateway, name in zip(
            payments["gateway"].tolist(), payments["payment_type_name"].tolist(), strict=True
        )
    )
    for reading in PAYMENT_READINGS:
        staged, labels, count, others = staged_payment_totals(payments, window, reading)
        not_compared.update(others)
        tolerance = _tolerance(count)
        keys = [k for k in method_order({*staged, *iseller}) if staged.get(k) or iseller.get(k)]
        measures = tuple(
            Measure(
                f"{names.get(key) or labels.get(key) or key} payments",
                staged.get(key, 0),
                iseller.get(key, 0),
                tolerance,
            )
            for key in keys
        )
        trials.append((reading.text, reading.key, count, measures))
        if may_stop and _all_agree(trials[-1]):
            break
    return _finding(window, PAYMENTS, trials, tuple(sorted(not_compared)), open_until)


def _all_agree(trial: tuple[str, str, int, tuple[Measure, ...]]) -> bool:
    return all(measure.agrees for measure in trial[3])


def _finding(
    window: OutletWindow,
    source: str,
    trials: list[tuple[str, str, int, tuple[Measure, ...]]],
    not_compared: tuple[str, ...],
    open_until: str | None,
) -> Finding:
    """The first reading under which every measure agrees; else the closest (fewest measures
    disagreeing, then the smallest difference; the earlier reading on a tie)."""
    agreeing = [t for t in trials if _all_agree(t)]
    if agreeing:
        status, chosen = MATCH, agreeing[0]
    else:
        status = MISMATCH
        chosen = min(
            trials,
            key=lambda t: (
                sum(not m.agrees for m in t[3]),
                sum(abs(m.difference) for m in t[3]),
            ),
        )
    text, key, count, measures = chosen
    return Finding(
        window.outlet_code,
        window.day,
        source,
        status,
        reading=text,
        reading_key=key,
        staged_count=count,
        measures=measures,
        not_compared=not_compared,
        open_until=open_until,
    )


def _iseller_order_totals(order_totals: pd.DataFrame, outlet_code: str) -> dict[str, int]:
    rows = _rows_of(order_totals, outlet_code)
    return {
        name: sum(int(rows[column].sum()) for column in columns if column in rows)
        for name, columns in ORDER_MEASURES
    }


def _iseller_payment_totals(
    payment_totals: pd.DataFrame, outlet_code: str
) -> tuple[dict[str, str], dict[str, int]]:
    names: dict[str, str] = {}
    amounts: dict[str, int] = {}
    for row in _rows_of(payment_totals, outlet_code).itertuples(index=False):
        key = method_key(row.gateway, row.name)
        if key is None:
            continue
        amounts[key] = amounts.get(key, 0) + int(row.amount)
        names.setdefault(key, method_label(row.gateway, row.name))
    return names, amounts


def _rows_of(frame: pd.DataFrame, outlet_code: str) -> pd.DataFrame:
    if frame.empty or "outlet_code" not in frame:
        return frame.iloc[0:0]
    return frame[frame["outlet_code"] == outlet_code]


def _tolerance(count: int) -> int:
    """Rounding allowed: half a rupiah per order or payment added up, at least one rupiah."""
    return max(1, (count + 1) // 2)


def _signed(amount: int) -> str:
    sign = "+" if amount > 0 else "−" if amount < 0 else "±"
    return f"{sign}{format_idr(abs(amount))}"
