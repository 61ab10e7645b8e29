"""What each iSeller refund gave back: the ``refunded_orders[]`` entries as two frames.

``refunds`` has one row per entry (``refund_key``, the order, the refund's date and amount);
``lines`` one row per ``refund_details[]`` item (the order line it names by
``order_detail_id`` when iSeller sends it, else its product and SKU, and the units returned).
Money is whole rupiah (int64), quantities Decimal, dates aware UTC; a missing value is None.
The accounting matches each ``refund`` transaction to its entry (`accounting/refunds.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

import pandas as pd

from journal_pipeline.core.missing import missing_as_none

REFUND_COLUMNS = ("refund_key", "order_id", "refund_date", "refund_amount")
REFUND_LINE_COLUMNS = ("refund_key", "order_id", "order_detail_id", "product_id", "sku", "quantity")


class RefundRow(Protocol):
    refund_key: str
    order_id: str
    refund_date: datetime | None
    refund_amount: int


class RefundLineRow(Protocol):
    refund_key: str
    order_id: str
    order_detail_id: str | None
    product_id: str | None
    sku: str | None
    quantity: Decimal


@dataclass(frozen=True)
class RefundFrames:
    refunds: pd.DataFrame
    lines: pd.DataFrame

    def __post_init__(self) -> None:
        for name in ("refunds", "lines"):
            object.__setattr__(self, name, missing_as_none(getattr(self, name)))

    @classmethod
    def empty(cls) -> RefundFrames:
        return cls(
            pd.DataFrame(columns=list(REFUND_COLUMNS)),
            pd.DataFrame(columns=list(REFUND_LINE_COLUMNS)),
        )
