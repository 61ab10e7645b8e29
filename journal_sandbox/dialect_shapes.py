"""How a dialect shapes an order's fields: spellings and ids the document leaves open."""

from __future__ import annotations

from typing import Any

from journal_sandbox.dialect import Dialect


def shape_order(order: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """The order's fields as the dialect spells them (the documented reading: as is)."""
    return order
