"""The journal's takings per outlet and payment method (what the reconciliation compares with
the takings of the staged orders) read from the clearing lines of the day's sales alone, on
SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pandas as pd

from journal_pipeline.accounting import posting_rules
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.storage.reconciliation import clearing_debits
from journal_pipeline.sync.reconciliation import SALE_ENTRIES, journal_takings
from journal_pipeline_tests.accounting.orders import restaurant_order, retail_order
from journal_sandbox.defaults import DEMO_CONFIG

DAY = date(2026, 11, 20)
RETAIL = "11111111-1111-1111-1111-111111111111"


def _like(lines: pd.DataFrame, row: int, **changes: object) -> pd.DataFrame:
    """One line of ``lines`` with ``changes``: a line the day's journal may also hold."""
    line = lines.iloc[[row]].copy()
    for column, value in changes.items():
        line[column] = value
    return line


def test_the_takings_are_the_first_bookings_clearing_debits_of_the_day(store):
    config = load_config(DEMO_CONFIG)
    sales = posting_rules.sales_of_day(
        order_frames([retail_order(), restaurant_order()]), config, DAY
    )
    lines, _ = posting_rules.journal_lines(sales, config)
    cash = lines.index[lines["account_role"] == "payment:Cash"][0]
    later = lines.copy()
    later["business_date"] = date(2026, 11, 21)
    store.replace_journal(DAY, lines)
    store.replace_journal(
        DAY,
        pd.concat(
            [
                lines,
                # a later payment of an on-account sale: a takings line too
                _like(lines, cash, entry_id=f"payment:{RETAIL}/P1", debit=5000),
                # the order's next revision, booked after a change: a correction, left out
                _like(lines, cash, entry_id=f"sale:{RETAIL}/1", source_id=f"{RETAIL}/1"),
                # a refund paid back in cash: not a sale's takings
                _like(lines, cash, entry_id=f"refund:{RETAIL}/R1", debit=0, credit=25000),
            ]
        ),
    )
    store.replace_journal(date(2026, 11, 21), later)  # another day's: not this one's

    assert journal_takings(store, DAY) == {("JKT", "Cash"): 192702, ("DPS", "QRIS"): 127050}
    read = clearing_debits(store, DAY, SALE_ENTRIES)
    assert len(read) == 4  # the sales' own two, the later payment, the revision: nothing else
    assert all(role.startswith("payment:") for _, _, role, _, _ in read)
