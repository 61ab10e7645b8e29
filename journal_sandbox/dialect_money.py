"""How a dialect states an order's money (`Dialect.service_charge`), keeping its identity exact."""

from __future__ import annotations

from typing import Any

from journal_sandbox.dialect import Dialect


def state_money(order: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """The order's money fields as the dialect states them (the documented reading: as is)."""
    return order
