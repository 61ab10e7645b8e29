"""The completeness check's result as Dagster records it: blocking on a disagreement, a
warning when something could not be compared, a plain pass otherwise."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pandas as pd

from journal_pipeline.accounting.completeness import (
    MATCH,
    MISMATCH,
    ORDERS,
    PAYMENTS,
    UNAVAILABLE,
    Finding,
    Measure,
)
from journal_pipeline.defs.checks import (
    EVERY_RECORD_POSTED,
    STAGED_DAY_MATCHES_ISELLER,
    day_totals_result,
    every_record_posted_result,
)
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


def _outbox_rows(status: str, count: int, reason: str | None = None) -> list[dict]:
    return [
        {
            "doc_key": f"sales_invoice:{status}-{n}",
            "doc_type": "sales_invoice",
            "source_reference": f"#JKT-{status}-{n:03d}",
            "status": status,
            "reason": reason,
        }
        for n in range(count)
    ]


def test_open_records_warn_naming_the_first_twenty_and_counting_the_rest() -> None:
    # 25 held + 2 pending + 1 failed = 28 open: 20 named, 8 counted; posted and withdrawn are not
    documents = pd.DataFrame(
        _outbox_rows("held", 25, "payment method 'GoPay' has no account mapping")
        + _outbox_rows("pending", 2)
        + _outbox_rows("failed", 1, "Jurnal refused it")
        + _outbox_rows("posted", 4)
        + _outbox_rows("withdrawn", 1, "voided")
    )
    result = every_record_posted_result(documents, DAY)
    assert result.check_name == EVERY_RECORD_POSTED
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["open_records"].value == 28
    assert result.metadata["records_held"].value == 25
    assert result.metadata["records_pending"].value == 2
    assert result.metadata["records_failed"].value == 1
    assert result.metadata["records_not_shown"].value == 8
    assert len(result.metadata["first_records"].value.split(", ")) == 20
    table = result.metadata["records"].value
    assert "| #JKT-held-000 | sales_invoice:held-0 | held | payment method 'GoPay'" in table
    assert table.endswith("…and 8 more")
    assert result.description == (
        "28 record(s) of 2026-11-19 not in Jurnal (2 pending, 25 held, 1 failed); first: "
        "#JKT-held-000 held: payment method 'GoPay' has no account mapping. See them with "
        "`journal-pipeline status --date 2026-11-19`, fix the cause, then run "
        "`journal-pipeline retry-failed --date 2026-11-19` (one booked by hand in Jurnal: "
        "`journal-pipeline resolve KEY --note …`)."
    )


def test_a_day_with_nothing_open_passes_with_zeros() -> None:
    documents = pd.DataFrame(_outbox_rows("posted", 3) + _outbox_rows("withdrawn", 1, "voided"))
    result = every_record_posted_result(documents, DAY)
    assert result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["open_records"].value == 0
    assert result.metadata["records_held"].value == 0
    assert result.metadata["records"].value == "Nothing open."


def test_records_booked_by_hand_are_settled_and_counted() -> None:
    documents = pd.DataFrame(
        _outbox_rows("posted", 3) + _outbox_rows("by_hand", 2, "closed period: booked by hand")
    )
    result = every_record_posted_result(documents, DAY)
    assert result.passed and result.metadata["open_records"].value == 0
    assert result.metadata["documents_by_hand"].value == 2
    assert "3 are in Jurnal, 2 booked by hand (`journal-pipeline resolve`)" in (
        result.description or ""
    )
