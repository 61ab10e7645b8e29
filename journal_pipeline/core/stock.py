"""Names shared by the stock parts of the pipeline (accounting, storage, sync)."""

from __future__ import annotations

#: Canonical journal entries of stock documents start with this (``stock:receipt:<id>``, …);
#: the stock build replaces only these, the sales build only the others.
STOCK_ENTRY = "stock:"
