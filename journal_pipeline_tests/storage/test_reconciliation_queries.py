"""The staged reconciliation as the matching of lines paying several rows reads it, on SQLite
and on PostgreSQL: the rows of the days around a day, the lines whose staged parts do not add
up to them yet, and the payouts the staged rows hold."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from journal_pipeline.accounting.reconciliation import reconcile
from journal_pipeline.config import load_config
from journal_pipeline.storage.bank_statements import stage_statement_lines
from journal_pipeline.storage.reconciliation import (
    lines_not_yet_whole,
    replace_reconciliation,
    settlements_around,
)
from journal_pipeline.sync.payouts import standing_payouts
from journal_pipeline_tests.recon_orders import expected_row, line
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
FRIDAY, SATURDAY, SUNDAY, MONDAY = (date(2026, 11, d) for d in (20, 21, 22, 23))
AT = datetime(2026, 11, 23, 9, tzinfo=UTC)
WEEKEND = line(MONDAY, "BCA EDC SETTLEMENT JKT", 547_500)


def _stage_day(store, day: date, expected: int, lines) -> None:
    row = expected_row(day, "JKT", "Debit BCA", "external_debit", expected, MONDAY)
    rows = reconcile([row], lines, CONFIG, day, MONDAY)
    replace_reconciliation(store, day, [r.record() for r in rows], AT)


def test_the_rows_around_a_day_and_the_lines_not_yet_whole(store):
    stage_statement_lines(store, [WEEKEND])
    _stage_day(store, FRIDAY, 247_500, [])
    _stage_day(store, SATURDAY, 180_000, [])
    _stage_day(store, date(2026, 11, 1), 99_000, [])  # beyond the reach
    around = settlements_around(store, SUNDAY, 5)
    assert [(r["business_date"], r["expected"], r["line_key"]) for r in around] == [
        (FRIDAY, 247_500, None),
        (SATURDAY, 180_000, None),
    ]
    assert lines_not_yet_whole(store, []) == set()

    # Friday takes its part of the Monday line: the line is not whole yet
    parted = {
        **around[0],
        "received": Decimal(247_500),
        "received_date": MONDAY,
        "variance": Decimal(0),
        "status": "matched",
        "line_key": WEEKEND.line_key,
    }
    replace_reconciliation(store, FRIDAY, [parted], AT)
    assert lines_not_yet_whole(store, [WEEKEND.line_key]) == {WEEKEND.line_key}
    # the part Friday holds is its payout's key: no payout stands
    assert standing_payouts(store) == []
