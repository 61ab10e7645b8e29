"""The cash-count check: a register shift far off the till's expected cash is a warning for
the outlet's manager (a miscount, a missing deposit slip, a refund paid from the till), while
its over/short is booked as counted."""

from __future__ import annotations

from datetime import date

import dagster as dg

from journal_pipeline.accounting.cash_count import CashCountBuild
from journal_pipeline.core.money import format_idr
from journal_pipeline.defs.checks import partitioned_check
from journal_pipeline.defs.metadata import markdown_table, rupiah

CASH_WITHIN_TOLERANCE = "cash_differences_within_tolerance"
SHOWN = 20


def cash_tolerance_check(asset: str, daily: dg.PartitionsDefinition) -> dg.AssetCheckSpec:
    return partitioned_check(
        CASH_WITHIN_TOLERANCE,
        asset,
        daily,
        "No register shift of the day closed further from the till's expected cash than "
        "reconciliation.cash_difference_tolerance. Otherwise a warning naming each shift and "
        "its over/short, booked as counted all the same; never blocking.",
        blocking=False,
    )


def cash_tolerance_result(build: CashCountBuild, tolerance: int, day: date) -> dg.AssetCheckResult:
    large = build.beyond(tolerance)
    rows = [
        {
            "shift": d.number,
            "outlet": d.outlet_code,
            "register": d.register,
            "counted less expected": format_idr(d.difference),
        }
        for d in large[:SHOWN]
    ]
    if large:
        named = "; ".join(d.words for d in large[:3])
        description = (
            f"{len(large)} shift(s) of {day} closed more than {format_idr(tolerance)} off the "
            f"till's expected cash: {named}. Check the count with the outlet (a miscount, a "
            "deposit slip not entered, a refund paid from the till); the over/short is booked "
            "as counted, and a correction is a journal entry of its own."
        )
    else:
        description = (
            f"Every closed shift of {day} is within {format_idr(tolerance)} of the till's "
            f"expected cash ({len(build.differences)} with a difference, each booked)."
        )
    return dg.AssetCheckResult(
        check_name=CASH_WITHIN_TOLERANCE,
        passed=not large,
        severity=dg.AssetCheckSeverity.WARN,
        description=description,
        metadata={
            "shifts_with_a_difference": len(build.differences),
            "shifts_beyond_tolerance": len(large),
            **rupiah("tolerance", tolerance),
            "shifts": dg.MetadataValue.md(markdown_table(rows) if rows else "None."),
        },
    )
