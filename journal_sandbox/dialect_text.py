"""How a dialect writes numbers and dates (`Dialect.money_format`, `Dialect.date_format`).

The emulator keeps every number as a JSON number and every date as ``YYYY-MM-DD HH:MM:SS``
(I-14, I-16). The document's samples do not settle either, so a dialect may send them as a
.NET service often does:

- ``money_format=string``: every number of the item (amounts, percentages, quantities, stock,
  weights; not booleans) as a decimal string with at least four places, ``55000.0`` →
  ``"55000.0000"``, ``11`` → ``"11.0000"``; a value with more places keeps them all, so the
  text is always exactly the number.
- ``date_format=iso``: every ``*_date`` field in the served format becomes ISO 8601 with ``T``
  and seven fractional digits, ``2026-11-20 08:15:00`` → ``2026-11-20T08:15:00.0000000`` (the
  emulator keeps whole seconds, so the fraction is zeros).
- ``output_zone=store`` (`written_offset`): every date is written in the store's own offset
  (``STORE_TIMEZONE``, +7) whatever ``time_zone`` asked; the filters still read the bounds in
  ``time_zone``. The summaries keep one item per UTC day, labelled with that UTC midnight in
  the same offset as the orders' dates.

`state_text` is pure: a new value when anything changes, the argument is never changed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from journal_sandbox.dialect import Dialect

FOUR_PLACES = Decimal("0.0001")
_SPACE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
#: The store's own zone: its head office (GetStoreInfo's address) is in Jakarta.
STORE_TIMEZONE = "Asia/Jakarta"


def written_offset(dialect: Dialect, time_zone: int) -> int:
    """The offset (whole hours) output dates are written in: the ``time_zone`` asked (I-14),
    or the store's own under ``output_zone=store``."""
    if dialect.output_zone != "store":
        return time_zone
    offset = datetime.now(UTC).astimezone(ZoneInfo(STORE_TIMEZONE)).utcoffset()
    return int(offset.total_seconds()) // 3600 if offset is not None else 0


def money_text(value: int | float | Decimal) -> str:
    """A number as a decimal string with at least four places (exactly the same number)."""
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -4:
        amount = amount.quantize(FOUR_PLACES)
    return format(amount, "f")


def iso_date(text: str) -> str:
    """``YYYY-MM-DD HH:MM:SS`` as ``YYYY-MM-DDTHH:MM:SS.0000000``."""
    return text.replace(" ", "T") + ".0000000"


def state_text(value: Any, dialect: Dialect) -> Any:
    """`value` (an order, a payment, a summary item or a list of them) with its numbers and
    dates written as the dialect writes them; the value itself in the documented reading."""
    money = dialect.money_format == "string"
    dates = dialect.date_format == "iso"
    if not money and not dates:
        return value
    return _restate(value, money, dates, key="")


def _restate(value: Any, money: bool, dates: bool, key: str) -> Any:
    if isinstance(value, dict):
        return {k: _restate(v, money, dates, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_restate(v, money, dates, key) for v in value]
    if money and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return money_text(value)
    if dates and key.endswith("_date") and isinstance(value, str) and _SPACE_DATE.match(value):
        return iso_date(value)
    return value
