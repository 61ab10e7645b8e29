"""The cost of sales estimate, split by what Jurnal books itself.

iSeller states a cost for every costed line (``cogs[]``). Jurnal books cost of sales only for
products that track stock (at its own moving-average cost), so the canonical journal splits
the estimate: the cost of units taken from tracked stock (a line's ``units_used[]``), which
Jurnal's own cost of sales must tie out with, and the rest (untracked goods, services,
modifiers), which appears in no Jurnal document.
"""

from __future__ import annotations

import pandas as pd

TRACKED = "tracked"
UNTRACKED = "untracked"

SOLD_TEXT = {
    TRACKED: "cost of goods sold from tracked stock (iSeller cost; Jurnal books its own)",
    UNTRACKED: "cost of untracked goods and services sold (iSeller cost; not in Jurnal)",
}
RETURNED_TEXT = {
    TRACKED: "cost of goods sold reversed, stock back (iSeller cost; Jurnal books its own)",
    UNTRACKED: "cost of untracked goods sold reversed (iSeller cost; not in Jurnal)",
}


def split_cost(cost: int, stock_cost: int) -> list[tuple[str, int]]:
    """(part, amount) for the non-zero parts of a cost of which ``stock_cost`` is tracked."""
    parts = [(TRACKED, stock_cost), (UNTRACKED, cost - stock_cost)]
    return [(part, amount) for part, amount in parts if amount]


def tracked_cost_of_sales(journal: pd.DataFrame) -> int:
    """Net cost of sales of tracked stock in canonical journal lines (debit less credit of the
    ``cogs`` role's tracked lines): what Jurnal's cost of sales account should show."""
    if journal.empty:
        return 0
    texts = {SOLD_TEXT[TRACKED], RETURNED_TEXT[TRACKED]}
    rows = journal[(journal["account_role"] == "cogs") & journal["description"].isin(texts)]
    return int(rows["debit"].sum()) - int(rows["credit"].sum())
