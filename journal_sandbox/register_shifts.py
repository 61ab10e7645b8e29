"""The demo merchant's register shifts and the cash counted at their close (I-40).

One shift per outlet per business day: it opens 30 minutes before the first possible order and
closes 45 minutes after the last one. The cash figures follow the orders exactly:
``cash_sales`` is every cash ``sale`` transaction of the outlet between the shift's open and
close, ``cash_refunds`` every cash ``refund`` and ``void`` in the same span (a refund made on a
later day counts in that day's shift). ``expected_cash`` = starting float + sales − refunds;
the cashier's count (``counted_cash``) is mostly exact, about one shift in eight short by
500–20,000 and about one in thirty over, drawn from the shift's own random stream. While a shift
is open, the sales and refunds so far are shown and the count and its difference are null.

Everything is a pure function of the merchant and the clock, so the bank feed
(`bank_feed`) deposits the same counted cash the API serves.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from journal_sandbox.demo_merchant import outlet_profile, template_code

if TYPE_CHECKING:
    from journal_sandbox.demo_merchant import DemoMerchant

#: The float each register starts its shift with, whole rupiah.
STARTING_CASH: dict[str, int] = {"JKT": 500_000, "DPS": 1_000_000, "BDG": 300_000}
SHORT_RATE = 1 / 8
OVER_RATE = 1 / 30
SHORT_RANGE = (500, 20_000)
OVER_RANGE = (500, 10_000)
#: Counting differences come in steps of the smallest note or coin in use.
COUNT_STEP = 500
OPENS_BEFORE = timedelta(minutes=30)
CLOSES_AFTER = timedelta(minutes=45)
#: The business days before a shift whose orders may still move cash in it (refunds).
_LOOKBACK_DAYS = 9


@dataclass(frozen=True)
class ShiftCash:
    """The cash of one shift, whole rupiah; `counted` and `difference` are None while open."""

    starting: int
    sales: int
    refunds: int
    counted: int | None

    @property
    def expected(self) -> int:
        return self.starting + self.sales - self.refunds

    @property
    def difference(self) -> int | None:
        return None if self.counted is None else self.counted - self.expected


def shift_window(outlet_code: str, business_date: date) -> tuple[datetime, datetime]:
    """(open, close) of an outlet's shift on a business day, aware UTC."""
    outlet = outlet_profile(outlet_code)
    opening = datetime.combine(business_date, outlet.opens_at, tzinfo=outlet.zone)
    opened = opening - OPENS_BEFORE
    closed = opening + timedelta(minutes=outlet.order_window_minutes) + CLOSES_AFTER
    return opened.astimezone(UTC), closed.astimezone(UTC)


def count_difference(seed: int, outlet_code: str, business_date: date) -> int:
    """What the cashier's count differs from the expected cash by (negative: short)."""
    rng = random.Random(f"{seed}|shift-count|{outlet_code}|{business_date.isoformat()}")
    draw = rng.random()
    if draw < SHORT_RATE:
        return -rng.randint(*(r // COUNT_STEP for r in SHORT_RANGE)) * COUNT_STEP
    if draw < SHORT_RATE + OVER_RATE:
        return rng.randint(*(r // COUNT_STEP for r in OVER_RANGE)) * COUNT_STEP
    return 0


def cash_movements(
    merchant: DemoMerchant, outlet_code: str, business_date: date
) -> list[tuple[str, str, int]]:
    """(UTC date string, type, amount) of every cash transaction of the orders of one outlet's
    business day, in every state they reach (sales, voids, refunds on later days)."""
    movements = []
    for order in merchant.orders_for_day(outlet_code, business_date):
        for transaction in order.states[-1].order["transactions"]:
            if transaction["gateway"] == "cash":
                movements.append(
                    (
                        transaction["transaction_date"],
                        transaction["type"],
                        int(transaction["amount"]),
                    )
                )
    return movements


def shift_cash(
    merchant: DemoMerchant, outlet_code: str, business_date: date, until: datetime
) -> ShiftCash:
    """The cash of an outlet's shift as known at `until` (the shift must be open by then)."""
    opened, closed = shift_window(outlet_code, business_date)
    end = min(closed, until)
    first, last = opened.strftime("%Y-%m-%d %H:%M:%S"), end.strftime("%Y-%m-%d %H:%M:%S")
    sales = refunds = 0
    for back in range(_LOOKBACK_DAYS + 1):
        day = business_date - timedelta(days=back)
        if day < merchant.start_date:
            break
        for at, kind, amount in merchant.cash_movements(outlet_code, day):
            if not first <= at <= last:
                continue
            if kind == "sale":
                sales += amount
            elif kind in ("refund", "void"):
                refunds += amount
    starting = STARTING_CASH[template_code(outlet_code)]
    counted = None
    if closed <= until:
        expected = starting + sales - refunds
        counted = expected + count_difference(merchant.seed, outlet_code, business_date)
    return ShiftCash(starting, sales, refunds, counted)


def register_shifts(merchant: DemoMerchant, until: datetime) -> list[dict[str, Any]]:
    """Every shift opened by `until`, all fields (UTC dates); `iseller_app` serves them through
    the dialect (`dialect_shifts`)."""
    shifts = []
    for outlet_code, day in merchant.business_dates(until):
        opened, closed = shift_window(outlet_code, day)
        if opened > until:
            continue
        is_closed = closed <= until
        cash = merchant.shift_cash(outlet_code, day, until)
        outlet = outlet_profile(outlet_code)
        shifts.append(
            {
                "register_name": outlet.register_name,
                "register_id": _uuid(merchant, "register", outlet_code),
                "register_shift_id": _uuid(merchant, "shift", outlet_code, day),
                "outlet_id": merchant.outlet_id(outlet_code),
                "outlet_code": outlet_code,
                "open_date": _fmt(opened),
                "closed_date": _fmt(closed) if is_closed else None,
                "modified_date": _fmt(closed if is_closed else opened),
                "business_date": day,
                "starting_cash": Decimal(cash.starting),
                "cash_sales": Decimal(cash.sales),
                "cash_refunds": Decimal(cash.refunds),
                "expected_cash": Decimal(cash.expected),
                "counted_cash": None if cash.counted is None else Decimal(cash.counted),
                "cash_difference": None if cash.difference is None else Decimal(cash.difference),
            }
        )
    return shifts


def _uuid(merchant: DemoMerchant, *parts: object) -> str:
    from journal_sandbox.demo_merchant import catalogue_uuid, demo_uuid

    if parts[0] == "register":
        return catalogue_uuid(merchant.seed, *parts)
    return demo_uuid(merchant.seed, *parts)


def _fmt(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
