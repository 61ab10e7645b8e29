"""The orders the accounting consumes: three frames with exact money and UTC timestamps.

``orders`` (one row per order), ``lines`` (order details) and ``payments`` (iSeller
"transactions"). Money columns are whole rupiah (int64); quantities and rates are Decimal;
timestamps are aware UTC datetimes; a missing text value is ``None``, never pandas' NaN.
The iSeller client's adapter (``journal_pipeline.iseller.frames``) fills them from JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

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
    *ORDER_MONEY,
)
LINE_COLUMNS = (
    "order_id",
    "line_no",
    "order_detail_id",
    "sku",
    "product_id",
    "product_name",
    "variant_name",
    "quantity",
    "taxable",
    "tax_percentage",
    "discount_percentage",
    "cost",
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


@dataclass(frozen=True)
class OrderFrames:
    orders: pd.DataFrame
    lines: pd.DataFrame
    payments: pd.DataFrame

    def __len__(self) -> int:
        return len(self.orders)

    def only(self, order_ids: Iterable[str]) -> OrderFrames:
        keep = set(order_ids)
        return OrderFrames(
            self.orders[self.orders["order_id"].isin(keep)].reset_index(drop=True),
            self.lines[self.lines["order_id"].isin(keep)].reset_index(drop=True),
            self.payments[self.payments["order_id"].isin(keep)].reset_index(drop=True),
        )
