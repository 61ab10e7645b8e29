"""The completeness check's result as Dagster records it: blocking on a disagreement, a
warning when something could not be compared, a plain pass otherwise."""

from __future__ import annotations

from datetime import date

import dagster as dg

from journal_pipeline.accounting.completeness import (
    MATCH,
    MISMATCH,
    ORDERS,
    PAYMENTS,
    UNAVAILABLE,
    Finding,
    Measure,
)
from journal_pipeline.defs.checks import STAGED_DAY_MATCHES_ISELLER, day_totals_result
from journal_pipeline.sync.completeness import DayCompleteness

DAY = date(2026, 11, 19)
READING = "completed orders by order date, at sale amounts, bounds read in the time_zone sent"


def _match(source: str) -> Finding:
    return Finding("JKT", DAY, source, MATCH, reading=READING, staged_count=3)


def test_a_complete_day_passes() -> None:
    result = day_totals_result(DayCompleteness(DAY, (_match(ORDERS), _match(PAYMENTS))))
    assert result.check_name == STAGED_DAY_MATCHES_ISELLER
    assert result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["complete"].value is True
    assert result.metadata["readings"].value == {
        "JKT GetOrderSummary": READING,
        "JKT GetTransactionSummary": READING,
    }


def test_a_disagreement_fails_with_error_severity_so_it_blocks() -> None:
    gross = Measure("gross sales", 70_000, 170_000)
    mismatch = Finding(
        "JKT", DAY, ORDERS, MISMATCH, reading=READING, staged_count=2, measures=(gross,)
    )
    result = day_totals_result(DayCompleteness(DAY, (mismatch, _match(PAYMENTS))))
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.description is not None
    assert result.description.startswith("JKT 2026-11-19: 2 completed orders staged;")
    assert "(−Rp 100.000)" in result.description
    assert result.metadata["outlets_disagreeing"].value == 1
    assert "gross sales" in result.metadata["findings"].value


def test_unavailable_summaries_warn_without_blocking() -> None:
    # failed at WARN: the UI shows a warning rather than a green check, and nothing is blocked
    gone = Finding("JKT", DAY, ORDERS, UNAVAILABLE, reason="HTTP 404: not found")
    result = day_totals_result(DayCompleteness(DAY, (gone, _match(PAYMENTS))))
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.description is not None and "HTTP 404" in result.description
    assert result.metadata["complete"].value is False
    assert result.metadata["summaries_unavailable"].value == 1
