"""The orders the accounting consumes: three frames with exact money and UTC timestamps.

``orders`` (one row per order), ``lines`` (order details) and ``payments`` (iSeller
"transactions"). Money columns are whole rupiah (int64); quantities and rates are Decimal;
timestamps are aware UTC datetimes. The iSeller client's adapter
(``journal_pipeline.iseller.frames``) fills them from JSON.

Missing values are ``None``, never pandas' NaN, ``pd.NA`` or ``NaT``. pandas would otherwise
store a missing customer name, variant or SKU as NaN (the ``str`` dtype of pandas 3, a merge,
a concat), and NaN is truthy and prints as "nan". So every column except the integer money
columns and the booleans is of object dtype, and `OrderFrames` enforces that whoever builds
it (`journal_pipeline.core.missing.missing_as_none`). Code that turns a value into text for
Jurnal still reads optional text through `journal_pipeline.core.missing.text_or_none`, which
also treats blank text as missing. Text that is often missing: an order's ``customer_name``
(walk-in customers), a line's ``variant_name``, ``sku`` and even ``product_name``, a payment's
``gateway`` and ``payment_type_name``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Protocol

import numpy as np
import pandas as pd

from journal_pipeline.core.missing import missing_as_none

ORDER_MONEY = (
    "total_order_amount",
    "total_discount_amount",
    "total_promotion_amount",
    "subtotal",
    "total_tax_amount",
    "total_additional_subtotal_amount",
    "total_additional_final_amount",
    "total_additional_order_amount",
    "total_shipping_amount",
    "rounding_amount",
    "total_amount",
    "buying_price",
)
LINE_MONEY = (
    "base_price",
    "total_order_amount",
    "discount_amount",
    "discount_order_amount",
    "subtotal",
    "tax_amount",
    "additional_charge",
)
ORDER_COLUMNS = (
    "order_id",
    "order_reference",
    "outlet_id",
    "outlet_code",
    "outlet_name",
    "status",
    "payment_status",
    "channel",
    "tax_inclusive",
    "on_account",
    "order_date",
    "closed_date",
    "modified_date",
    "cancel_date",
    "customer_id",
    "customer_name",
    "order_discounts",
    "order_promotions",
    "cost_reading",
    *ORDER_MONEY,
)
LINE_COLUMNS = (
    "order_id",
    "line_no",
    "order_detail_id",
    "sku",
    "product_id",
    "product_name",
    "product_type",  # the product's type in iSeller's web admin (gift cards known by it)
    "variant_name",
    "quantity",
    "taxable",
    "tax_percentage",
    "discount_percentage",
    "cost",
    "stock_cost",
    *LINE_MONEY,
)
PAYMENT_COLUMNS = (
    "order_id",
    "transaction_id",
    "type",
    "status",
    "gateway",
    "payment_type_name",
    "transaction_date",
    "amount",
)


class OrderRow(Protocol):
    """A row of ``OrderFrames.orders`` as ``itertuples(index=False)`` gives it (the columns
    the accounting reads)."""

    order_id: str
    order_reference: str  # the order id when iSeller sent none
    outlet_code: str | None
    outlet_name: str | None
    status: str | None
    customer_id: str | None  # None for a walk-in sale (I-24)
    customer_name: str | None
    tax_inclusive: bool
    order_date: datetime | None
    closed_date: datetime | None
    cancel_date: datetime | None
    total_tax_amount: int
    total_additional_subtotal_amount: int
    total_additional_final_amount: int
    total_additional_order_amount: int
    total_shipping_amount: int
    rounding_amount: int
    total_amount: int
    # how its ``cogs[]`` costs were read (``journal_pipeline.iseller.frames``): "unit",
    # "total", "unmatched" (read as unit), or None when it has no cost to read
    cost_reading: str | None


class LineRow(Protocol):
    """A row of ``OrderFrames.lines``."""

    order_id: str
    line_no: int
    order_detail_id: object  # iSeller's id of the line (text or number), None when not sent
    product_id: object
    sku: str | None
    product_name: str | None
    product_type: str | None
    variant_name: str | None
    quantity: Decimal
    tax_percentage: Decimal
    base_price: int
    total_order_amount: int
    discount_amount: int
    discount_order_amount: int
    subtotal: int
    tax_amount: int
    additional_charge: int
    cost: int
    # the part of ``cost`` for stock iSeller tracks (the line's ``units_used[]``): what Jurnal
    # books as its own cost of sales once the products are tracked there
    stock_cost: int


class PaymentRow(Protocol):
    """A row of ``OrderFrames.payments``."""

    order_id: str
    transaction_id: str
    type: str | None
    status: str | None
    gateway: str | None
    payment_type_name: str | None
    transaction_date: datetime | None
    amount: int


@dataclass(frozen=True)
class OrderFrames:
    """The three frames; on construction, every missing value becomes ``None``."""

    orders: pd.DataFrame
    lines: pd.DataFrame
    payments: pd.DataFrame

    def __post_init__(self) -> None:
        for name in ("orders", "lines", "payments"):
            object.__setattr__(self, name, missing_as_none(getattr(self, name)))

    def __len__(self) -> int:
        return len(self.orders)

    @classmethod
    def of_clean(
        cls,
        orders: pd.DataFrame,
        lines: pd.DataFrame,
        payments: pd.DataFrame,
        *,
        line_orders: np.ndarray | None = None,
        payment_orders: np.ndarray | None = None,
    ) -> OrderFrames:
        """Frames whose missing values are ``None`` already (rows of other `OrderFrames`, or
        a frame `missing_as_none` gave): kept as they are, without reading every value
        again. ``line_orders``, ``payment_orders``: those of the frames, when known."""
        frames = object.__new__(cls)
        object.__setattr__(frames, "orders", orders)
        object.__setattr__(frames, "lines", lines)
        object.__setattr__(frames, "payments", payments)
        # found already by whoever picked the rows: kept as if computed here
        if line_orders is not None:
            frames.__dict__["line_orders"] = line_orders
        if payment_orders is not None:
            frames.__dict__["payment_orders"] = payment_orders
        return frames

    @cached_property
    def line_orders(self) -> np.ndarray | None:
        """The row in ``orders`` of each line's order (-1: not there), None when an order id
        is in ``orders`` twice. Found once, for the rules that read every line at once."""
        return _rows_of_orders(self._order_index, self.lines)

    @cached_property
    def payment_orders(self) -> np.ndarray | None:
        """The row in ``orders`` of each payment's order, as `line_orders`."""
        return _rows_of_orders(self._order_index, self.payments)

    @cached_property
    def _order_index(self) -> pd.Index:
        return pd.Index(self.orders["order_id"].to_numpy(dtype=object), dtype=object)

    def only(self, order_ids: Iterable[str]) -> OrderFrames:
        keep = set(order_ids)
        return OrderFrames.of_clean(
            self.orders[self.orders["order_id"].isin(keep)].reset_index(drop=True),
            self.lines[self.lines["order_id"].isin(keep)].reset_index(drop=True),
            self.payments[self.payments["order_id"].isin(keep)].reset_index(drop=True),
        )


def _rows_of_orders(orders: pd.Index, rows: pd.DataFrame) -> np.ndarray | None:
    """The place in ``orders`` (their ids) of each row's ``order_id`` (-1: not there), None
    when an id is there twice."""
    if not orders.is_unique:
        return None
    places: np.ndarray = orders.get_indexer(rows["order_id"].to_numpy(dtype=object))
    return places
