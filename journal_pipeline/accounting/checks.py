"""Checks a professional would make before anything is posted: nothing lost, nothing unbalanced."""

from __future__ import annotations

import pandas as pd

from journal_pipeline.accounting.documents import SALES_INVOICE, Document
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.accounting.posting_rules import DaySales


def unaccounted_sales(
    sales: DaySales,
    lines: pd.DataFrame,
    documents: list[Document],
    holds: list[Hold],
    summarised: set[str] | None = None,
) -> list[str]:
    """References of completed orders that have neither a sale entry and an invoice (their own,
    or a daily summary carrying them: ``summarised``), nor a hold saying why not (must be
    empty: every sale is posted or explained)."""
    journaled = set(lines.loc[lines["entry_id"].str.startswith("sale:"), "source_id"])
    invoiced = {d.source_id for d in documents if d.doc_type == SALES_INVOICE}
    invoiced |= summarised or set()
    held = {h.source_id for h in holds if h.doc_type == SALES_INVOICE}
    orders = sales.frames.orders
    accounted = (journaled & invoiced) | held
    return sorted(orders.loc[~orders["order_id"].isin(accounted), "order_reference"])
