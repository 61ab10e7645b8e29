"""How far Jurnal's tax of an invoice may be from iSeller's tax of the same sales, and why.

- a rupiah an order: iSeller rounds each line's tax to the rupiah, Jurnal keeps cents;
- 12% of the order's till rounding: without a rounding account, a rounding down of up to
  Rp 100 is taken as invoice discount, which Jurnal taxes the lines after
  (docs/posting-model.md; PPN is at most 12%);
- 0.005% of each taxed line's price: a line discount Jurnal holds to two places
  (`discount_placement`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting.documents import SALES_INVOICE

ROUNDING_TAX = Decimal("0.12")
LINE_PERCENT_REACH = Decimal("0.00005")


def orders_reach(roundings: Iterable[int]) -> Decimal:
    """The orders' part: a rupiah each and 12% of each one's till rounding (its size)."""
    return sum((1 + ROUNDING_TAX * rounding for rounding in roundings), Decimal(0))


def lines_reach(payload: Mapping[str, Any] | None) -> Decimal:
    """The lines' part of an invoice payload: 0.005% of the price of each taxed line."""
    body = (payload or {}).get(SALES_INVOICE) or {}
    total = Decimal(0)
    for line in body.get("transaction_lines_attributes") or []:
        if line.get("line_tax_name"):
            total += Decimal(str(line.get("quantity", 0))) * Decimal(str(line.get("rate", 0)))
    return total * LINE_PERCENT_REACH
