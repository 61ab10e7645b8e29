"""The readings of what iSeller's day summaries count, and the window each was asked for.

GetOrderSummary and GetTransactionSummary are documented loosely (which statuses, which date,
which day boundary, refunds netted or not, an end bound inclusive or not: docs/assumptions/
iseller.md, I-10, I-38, I-39), so every plausible reading is listed here; the first of each
list is the documented one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from itertools import product

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
