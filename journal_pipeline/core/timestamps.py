"""Timestamps: iSeller and the staging database speak UTC; business dates are made elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_utc(value: object) -> datetime | None:
    """iSeller date string (``2026-11-20 08:15:00``, no zone, UTC when time_zone=0)."""
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
