"""Dates as Jurnal writes them: ``dd/mm/yyyy`` in most answers, ``dd-mm-yyyy`` in some
requests, ``yyyy-mm-dd`` (or an ISO timestamp) elsewhere (docs/assumptions/jurnal.md J-20)."""

from __future__ import annotations

from datetime import date, datetime

DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d")


def jurnal_day(value: object) -> date | None:
    """A date in any form Jurnal writes one (an ISO timestamp's date too); None if none fits."""
    text = str(value or "").strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    return None
