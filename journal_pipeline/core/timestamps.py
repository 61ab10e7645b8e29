"""Timestamps: iSeller and the staging database speak UTC; business dates are made elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_utc(value: object) -> datetime | None:
    """iSeller date string, no zone, UTC when time_zone=0: ``2026-11-20 08:15:00`` or ISO 8601
    as .NET writes it, ``2026-11-20T08:15:00.1234567`` (I-14). Of seven fractional digits
    Python (3.11 on) reads six and drops the rest, so a moment never moves to the next second."""
    if value in (None, ""):
        return None
    text = str(value).replace("T", " ")
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """A timestamp in UTC; naive values (as SQLite returns them) are taken as UTC already."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
