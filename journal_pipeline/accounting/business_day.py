"""The business date of an event: its local date in the outlet's time zone.

iSeller stores UTC. A sale at 23:30 WITA on the 20th is 15:30 UTC on the 20th; a sale at
00:30 WIB on the 21st is 17:30 UTC on the 20th. An optional cut-off hour books early-morning
sales on the previous day (a bar that closes at 03:00 uses ``cutoff_hour=3``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo


def business_date(moment_utc: datetime, timezone: str, cutoff_hour: int = 0) -> date:
    """Local date of ``moment_utc`` in ``timezone``, shifted back by ``cutoff_hour`` hours."""
    if moment_utc.tzinfo is None:
        raise ValueError("business_date needs a timezone-aware datetime (UTC)")
    local = moment_utc.astimezone(ZoneInfo(timezone))
    return (local - timedelta(hours=cutoff_hour)).date()


def day_window_utc(day: date, timezone: str, cutoff_hour: int = 0) -> tuple[datetime, datetime]:
    """The UTC half-open interval [start, end) that is business date ``day`` for one outlet."""
    zone = ZoneInfo(timezone)
    start_local = datetime.combine(day, time(hour=cutoff_hour), tzinfo=zone)
    end_local = datetime.combine(day + timedelta(days=1), time(hour=cutoff_hour), tzinfo=zone)
    return start_local.astimezone(UTC), end_local.astimezone(UTC)


def merged_window_utc(
    day: date, zones: list[tuple[str, int]], *, days_before: int = 0
) -> tuple[datetime, datetime]:
    """One UTC window covering business date ``day`` of every (timezone, cutoff) given.

    ``days_before`` widens the start to earlier business dates, e.g. to catch orders opened
    the day before and closed on ``day``.
    """
    if not zones:
        zones = [("UTC", 0)]
    starts, ends = [], []
    for zone, cutoff in zones:
        start, _ = day_window_utc(day - timedelta(days=days_before), zone, cutoff)
        _, end = day_window_utc(day, zone, cutoff)
        starts.append(start)
        ends.append(end)
    return min(starts), max(ends)


#: How long after a business day has ended its last orders may still be reaching iSeller (a
#: till uploading late): a day counts as over, for what is posted once per day, only then.
SETTLED_AFTER = timedelta(hours=1)


def day_over_at(day: date, zones: list[tuple[str, int]]) -> datetime:
    """When business date ``day`` is over at every (timezone, cut-off) given, and settled: an
    outlet with a cut-off hour, or in a zone behind the merchant's, ends its day after the
    merchant's midnight."""
    return merged_window_utc(day, zones)[1] + SETTLED_AFTER


def extraction_windows(
    day: date, zones: list[tuple[str, int]]
) -> dict[str, tuple[datetime, datetime]]:
    """What to ask iSeller for so that business date ``day`` is complete.

    ``created``: orders opened from the start of the day before (an order opened before
    midnight and closed after it belongs to ``day``) to the end of ``day``.
    ``modified``: orders changed during ``day``, so refunds and voids of older orders arrive.
    Both are half-open [start, end) in UTC, over every outlet's time zone.
    """
    return {
        "created": merged_window_utc(day, zones, days_before=1),
        "modified": merged_window_utc(day, zones),
    }


def sold_on(order: Any, default: date | None = None) -> date | None:
    """The business day ``order`` (a row of orders) was sold on, when the row is dated
    (`day_sales.with_business_dates`), else ``default``: what taxed the sale
    (`MerchantConfig.tax_for`), whichever day a document for it is made on."""
    day = getattr(order, "business_date", None)
    return day if isinstance(day, date) else default
