"""Assets: iSeller's stock documents of a business day (outlet transfers received, supplier
receipts, stock takes) → Jurnal warehouse transfers and stock adjustments."""

from __future__ import annotations

import dagster as dg


def build_stock_assets(daily: dg.PartitionsDefinition) -> list:
    """The stock documents' assets of the sync job."""
    return []
