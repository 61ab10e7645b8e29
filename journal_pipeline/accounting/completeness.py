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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from itertools import product

import pandas as pd

from journal_pipeline.core.money import format_idr
from journal_pipeline.core.orders import OrderFrames

ORDERS = "GetOrderSummary"
PAYMENTS = "GetTransactionSummary"
SOURCES = (ORDERS, PAYMENTS)

MATCH = "match"
MISMATCH = "mismatch"
UNAVAILABLE = "unavailable"

#: The order money GetOrderSummary totals, as (measure, the order fields it adds up).
ORDER_MEASURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("gross sales", ("total_order_amount",)),
    ("discounts", ("total_discount_amount",)),
    ("promotions", ("total_promotion_amount",)),
    ("subtotal", ("subtotal",)),
    (
        "service charge",
        (
            "total_additional_subtotal_amount",
            "total_additional_order_amount",
            "total_additional_final_amount",
        ),
    ),
    ("tax", ("total_tax_amount",)),
    ("shipping", ("total_shipping_amount",)),
    ("rounding", ("rounding_amount",)),
    ("total", ("total_amount",)),
)
#: The gateways with their own key in GetTransactionSummary (as ``iseller.parse`` names them);
#: merchant-defined methods (gateway ``custom``) are totalled per name.
SUMMARY_METHODS = (
    "cash",
    "external_debit",
    "external_credit",
    "gift_card",
    "iseller_pay",
    "points",
    "store_credit",
    "account_balance",
)
CUSTOM = "custom"

_DATE_WORDS = {
    "order_date": "order date",
    "closed_date": "closed date",
    "transaction_date": "payment date",
}
_BOUND_WORDS = {"time_zone": "bounds read in the time_zone sent", "utc": "bounds read as UTC"}
_END = {"inclusive": ("", ""), "exclusive": (",exclusive_end", ", end bound exclusive")}  # I-10


@dataclass(frozen=True)
class OrderReading:
    """One reading of what GetOrderSummary totals."""

    date: str = "order_date"  # the order's date its bounds compare: order_date | closed_date
    statuses: str = "completed"  # completed | completed_and_void | completed_not_refunded
    refunds: str = "gross"  # gross: at sale amounts | net: the total less the refunds
    bounds: str = "time_zone"  # time_zone: bounds in the offset sent | utc: bounds read as UTC
    end: str = "inclusive"  # inclusive: up to created_before itself | exclusive: before it

    @property
    def key(self) -> str:
        return f"{self.date},{self.statuses},{self.refunds},{self.bounds}" + _END[self.end][0]

    @property
    def text(self) -> str:
        statuses = {
            "completed": "completed orders",
            "completed_and_void": "completed and voided orders",
            "completed_not_refunded": "completed orders except those refunded in full",
        }[self.statuses]
        refunds = "at sale amounts" if self.refunds == "gross" else "total net of refunds"
        bounds = _BOUND_WORDS[self.bounds] + _END[self.end][1]
        return f"{statuses} by {_DATE_WORDS[self.date]}, {refunds}, {bounds}" + (
            " (documented)" if self == ORDER_READINGS[0] else ""
        )


@dataclass(frozen=True)
class PaymentReading:
    """One reading of what GetTransactionSummary totals."""

    date: str = "transaction_date"  # transaction_date | the order's order_date | closed_date
    signs: str = "net"  # net | sales | sales_less_voids | sales_less_refunds
    bounds: str = "time_zone"
    end: str = "inclusive"

    @property
    def key(self) -> str:
        return f"{self.date},{self.signs},{self.bounds}" + _END[self.end][0]

    @property
    def text(self) -> str:
        signs = {
            "net": "sales less refunds and voids",
            "sales": "sales only",
            "sales_less_voids": "sales less voids",
            "sales_less_refunds": "sales less refunds",
        }[self.signs]
        return (
            f"{signs} by {_DATE_WORDS[self.date]}, {_BOUND_WORDS[self.bounds]}{_END[self.end][1]}"
            + (" (documented)" if self == PAYMENT_READINGS[0] else "")
        )


ORDER_READINGS: tuple[OrderReading, ...] = tuple(
    OrderReading(day, statuses, refunds, bounds, end)
    for end, bounds, day, statuses, refunds in product(
        ("inclusive", "exclusive"),
        ("time_zone", "utc"),
        ("order_date", "closed_date"),
        ("completed", "completed_and_void", "completed_not_refunded"),
        ("gross", "net"),
    )
)
PAYMENT_READINGS: tuple[PaymentReading, ...] = tuple(
    PaymentReading(day, signs, bounds, end)
    for end, bounds, day, signs in product(
        ("inclusive", "exclusive"),
        ("time_zone", "utc"),
        ("transaction_date", "order_date", "closed_date"),
        ("net", "sales", "sales_less_voids", "sales_less_refunds"),
    )
)


@dataclass(frozen=True)
class OutletWindow:
    """What iSeller was asked for one outlet's business day: ``created_after`` = `start`,
    ``created_before`` = `end` (a reading's `end` says whether iSeller counts that instant,
    I-10), in the offset `time_zone` (whole hours). `open`: the day had not ended."""

    outlet_code: str
    outlet_id: str | None
    day: date
    start: datetime  # UTC, inclusive
    end: datetime  # UTC; the day's own orders are before it
    time_zone: int = 0
    open: bool = False

    def bounds(self, reading_bounds: str, end: str = "inclusive") -> tuple[datetime, datetime]:
        """First and last UTC instant covered: as sent, or (``utc``) taken as UTC, `time_zone`
        hours later; up to `end` itself (``inclusive``) or to just before it (``exclusive``)."""
        shift = timedelta(hours=self.time_zone) if reading_bounds == "utc" else timedelta(0)
        last = self.end if end == "inclusive" else self.end - timedelta(microseconds=1)
        return self.start + shift, last + shift

    def local_end(self) -> str:
        """The end of the compared stretch in the outlet's offset, e.g. ``14:00``."""
        return self.end.astimezone(timezone(timedelta(hours=self.time_zone))).strftime("%H:%M")


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
        own_orders = orders[_of_outlet(orders, window)]
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
    for reading in PAYMENT_READINGS:
        staged, labels, count, others = staged_payment_totals(payments, window, reading)
        not_compared.update(others)
        tolerance = _tolerance(count)
        keys = [k for k in _method_order({*staged, *iseller}) if staged.get(k) or iseller.get(k)]
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
    return _finding(window, PAYMENTS, trials, tuple(sorted(not_compared)), open_until)


def _finding(
    window: OutletWindow,
    source: str,
    trials: list[tuple[str, str, int, tuple[Measure, ...]]],
    not_compared: tuple[str, ...],
    open_until: str | None,
) -> Finding:
    """The first reading under which every measure agrees; else the closest (fewest measures
    disagreeing, then the smallest difference; the earlier reading on a tie)."""
    agreeing = [t for t in trials if all(m.agrees for m in t[3])]
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


def staged_order_totals(
    orders: pd.DataFrame, payments: pd.DataFrame, window: OutletWindow, reading: OrderReading
) -> tuple[dict[str, int], int]:
    """The order measures of one outlet's staged orders under a reading, and how many orders
    they add up. `payments` are those orders' payments (for refunds netted)."""
    start, last = window.bounds(reading.bounds, reading.end)
    status = orders["status"]
    if reading.statuses == "completed":
        kept = status == "completed"
    elif reading.statuses == "completed_and_void":
        kept = status.isin(["completed", "void"])
    else:
        kept = (status == "completed") & (orders["payment_status"] != "refunded")
    chosen = orders[_between(orders[reading.date], start, last) & kept]
    totals = {
        name: sum(int(chosen[column].sum()) for column in columns)
        for name, columns in ORDER_MEASURES
    }
    if reading.refunds == "net":
        refunds = payments[
            payments["order_id"].isin(set(chosen["order_id"]))
            & (payments["type"] == "refund")
            & (payments["status"] == "success")
        ]
        totals["total"] -= int(refunds["amount"].sum())
    return totals, len(chosen)


def staged_payment_totals(
    payments: pd.DataFrame, window: OutletWindow, reading: PaymentReading
) -> tuple[dict[str, int], dict[str, str], int, list[str]]:
    """Per payment method (`method_key`): the signed sum of one outlet's staged payments under
    a reading; the methods' names; how many payments were added; and the methods iSeller's
    summary has no key for (not compared), with their amounts."""
    start, last = window.bounds(reading.bounds, reading.end)
    column = {
        "transaction_date": "transaction_date",
        "order_date": "sale_order_date",
        "closed_date": "sale_closed_date",
    }[reading.date]
    chosen = payments[_between(payments[column], start, last) & (payments["status"] == "success")]
    totals: dict[str, int] = {}
    labels: dict[str, str] = {}
    others: dict[str, int] = {}
    count = 0
    for payment in chosen.itertuples(index=False):
        sign = _sign(payment.type, reading.signs)
        if sign == 0:
            continue
        count += 1
        amount = sign * int(payment.amount)
        key = method_key(payment.gateway, payment.payment_type_name)
        if key is None:
            other = f"{payment.payment_type_name or 'unnamed'} (gateway {payment.gateway})"
            others[other] = others.get(other, 0) + amount
            continue
        totals[key] = totals.get(key, 0) + amount
        labels.setdefault(key, _label(payment.gateway, payment.payment_type_name))
    not_compared = [f"{name} {format_idr(amount)}" for name, amount in others.items() if amount]
    return totals, labels, count, not_compared


def method_key(gateway: object, name: object) -> str | None:
    """The GetTransactionSummary key of a payment: its gateway, or ``custom:<name>`` (case
    folded) for a merchant-defined method; None for a gateway the summary has no key for."""
    text = str(gateway).strip().lower() if isinstance(gateway, str) else ""
    if text == CUSTOM:
        return f"{CUSTOM}:{str(name or '').strip().casefold()}"
    return text if text in SUMMARY_METHODS else None


def _label(gateway: object, name: object) -> str:
    if str(gateway).strip().lower() == CUSTOM and name:
        return str(name).strip()
    return str(gateway)


def _sign(kind: object, signs: str) -> int:
    """+1 for a sale; −1 for what the reading subtracts (documented: every other kind)."""
    if kind == "sale":
        return 1
    subtracted = signs == "net" or (kind, signs) in _SUBTRACTED
    return -1 if subtracted else 0


_SUBTRACTED = {("void", "sales_less_voids"), ("refund", "sales_less_refunds")}


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
        names.setdefault(key, _label(row.gateway, row.name))
    return names, amounts


def _rows_of(frame: pd.DataFrame, outlet_code: str) -> pd.DataFrame:
    if frame.empty or "outlet_code" not in frame:
        return frame.iloc[0:0]
    return frame[frame["outlet_code"] == outlet_code]


def _of_outlet(orders: pd.DataFrame, window: OutletWindow) -> pd.Series:
    """Staged orders of the window's outlet: by iSeller outlet id, or by outlet code."""
    code = window.outlet_code.upper()
    by_code = orders["outlet_code"].map(lambda c: isinstance(c, str) and c.upper() == code)
    if not window.outlet_id:
        return by_code
    wanted = window.outlet_id.lower()
    by_id = orders["outlet_id"].map(lambda i: isinstance(i, str) and i.lower() == wanted)
    return by_code | by_id


def _between(moments: pd.Series, start: datetime, last: datetime) -> pd.Series:
    """[start, last] over a column of aware datetimes (None outside every window)."""
    return moments.map(lambda m: isinstance(m, datetime) and start <= m <= last).astype(bool)


def _tolerance(count: int) -> int:
    """Rounding allowed: half a rupiah per order or payment added up, at least one rupiah."""
    return max(1, (count + 1) // 2)


def _method_order(keys: Iterable[str]) -> list[str]:
    rank = {name: i for i, name in enumerate(SUMMARY_METHODS)}
    return sorted(keys, key=lambda k: (rank.get(k, len(rank)), k))


def _signed(amount: int) -> str:
    sign = "+" if amount > 0 else "−" if amount < 0 else "±"
    return f"{sign}{format_idr(abs(amount))}"
