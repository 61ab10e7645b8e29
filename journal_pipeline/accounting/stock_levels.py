"""The stock names under their former home, for callers not yet moved: iSeller's stock at an
instant lives in `accounting/iseller_stock.py`, the comparison with Jurnal in
`accounting/stock_comparison.py`."""

from __future__ import annotations

from journal_pipeline.accounting.iseller_stock import (
    LAST_INSTANT,
    ZERO,
    Key,
    Movement,
    StockedProduct,
    adjustment_movements,
    current_levels,
    day_end_instants,
    in_transit,
    order_movements,
    quantity,
    stock_at,
    stocked_products,
    transfer_movements,
    void_instant,
)
from journal_pipeline.accounting.stock_comparison import (
    DIFFERS,
    EQUAL,
    NOT_STOCKED_IN_ISELLER,
    NOT_TRACKED_IN_JURNAL,
    WAREHOUSE_NOT_IN_JURNAL,
    ComparisonRow,
    JurnalStock,
    compare_stock,
    jurnal_stock,
    largest_differences,
    matters,
)

__all__ = [
    "DIFFERS",
    "EQUAL",
    "LAST_INSTANT",
    "NOT_STOCKED_IN_ISELLER",
    "NOT_TRACKED_IN_JURNAL",
    "WAREHOUSE_NOT_IN_JURNAL",
    "ZERO",
    "ComparisonRow",
    "JurnalStock",
    "Key",
    "Movement",
    "StockedProduct",
    "adjustment_movements",
    "compare_stock",
    "current_levels",
    "day_end_instants",
    "in_transit",
    "jurnal_stock",
    "largest_differences",
    "matters",
    "order_movements",
    "quantity",
    "stock_at",
    "stocked_products",
    "transfer_movements",
    "void_instant",
]
