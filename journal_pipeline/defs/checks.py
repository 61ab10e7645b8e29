"""Asset checks: what must hold before a day's journal is trusted or its posting is believed.

Each check is declared on its asset (``check_specs``) and evaluated here from what the asset
just built, so the asset body stays a sentence. The blocking ones stop the run before
anything is posted.
"""

from __future__ import annotations

import dagster as dg
import pandas as pd

from journal_pipeline.accounting import checks, posting_rules
from journal_pipeline.defs.metadata import findings_table, markdown_table
from journal_pipeline.sync.completeness import DayCompleteness
from journal_pipeline.sync.day import DayJournal

JOURNAL_ENTRIES_BALANCE = "journal_entries_balance"
EVERY_SALE_ACCOUNTED_FOR = "every_sale_accounted_for"
POSTED_TOTALS_MATCH_SOURCE = "posted_totals_match_source"
STAGED_DAY_MATCHES_ISELLER = "staged_day_matches_iseller_totals"

DAY_TOTALS_CHECKS = [
    dg.AssetCheckSpec(
        STAGED_DAY_MATCHES_ISELLER,
        asset="iseller_day_totals",
        blocking=True,
        description="Per outlet, the day's staged completed orders and payments agree with "
        "iSeller's own day totals (GetOrderSummary, GetTransactionSummary) under one "
        "plausible reading of them; a summary iSeller does not answer is a warning.",
    )
]

JOURNAL_CHECKS = [
    dg.AssetCheckSpec(
        JOURNAL_ENTRIES_BALANCE,
        asset="journal_entries",
        blocking=True,
        description="Every journal entry of the day has debits equal to its credits.",
    ),
    dg.AssetCheckSpec(
        EVERY_SALE_ACCOUNTED_FOR,
        asset="journal_entries",
        blocking=True,
        description="Every completed order of the day has its entry and invoice, "
        "or a hold that says why not.",
    ),
]
INVOICE_CHECKS = [
    dg.AssetCheckSpec(
        POSTED_TOTALS_MATCH_SOURCE,
        asset="jurnal_sales_invoices",
        description="Every posted document's total in Jurnal equals the total from iSeller.",
    )
]


RETURN_CHECKS = [
    dg.AssetCheckSpec(
        POSTED_TOTALS_MATCH_SOURCE,
        asset="jurnal_sales_returns",
        description="Every posted document's total in Jurnal (sales returns and journal "
        "entries of refunds and voids included) equals the total we computed from iSeller.",
    )
]


def journal_check_results(journal: DayJournal, totals: dict) -> list[dg.AssetCheckResult]:
    unbalanced = posting_rules.unbalanced_entries(journal.lines)
    unaccounted = checks.unaccounted_sales(
        journal.sales, journal.lines, journal.documents, journal.holds
    )
    return [
        dg.AssetCheckResult(
            check_name=JOURNAL_ENTRIES_BALANCE,
            passed=unbalanced.empty,
            metadata={
                "unbalanced_entries": len(unbalanced),
                "total_debit": totals["total_debit"],
                "total_credit": totals["total_credit"],
            },
        ),
        dg.AssetCheckResult(
            check_name=EVERY_SALE_ACCOUNTED_FOR,
            passed=not unaccounted,
            metadata={
                "orders_completed": len(journal.sales.frames),
                "unaccounted_orders": len(unaccounted),
                "first_unaccounted": ", ".join(unaccounted[:20]),
            },
        ),
    ]


def day_totals_result(result: DayCompleteness) -> dg.AssetCheckResult:
    """Fails (blocking) when an outlet's staged day disagrees with iSeller's totals under
    every reading. When something could not be compared (a summary unavailable, the day still
    open) it fails with severity WARN: shown as a warning, never green, and it does not block."""
    return dg.AssetCheckResult(
        check_name=STAGED_DAY_MATCHES_ISELLER,
        passed=result.complete,
        severity=dg.AssetCheckSeverity.WARN if result.warned else dg.AssetCheckSeverity.ERROR,
        description=result.description(),
        metadata={
            "complete": result.complete,
            "outlets_disagreeing": len({f.outlet_code for f in result.mismatches}),
            "summaries_unavailable": len(result.unavailable),
            "readings": dg.MetadataValue.json(result.readings()),
            "findings": dg.MetadataValue.md(markdown_table(findings_table(result.findings))),
        },
    )


def posted_total(documents: pd.DataFrame) -> int:
    """Rupiah Jurnal holds for the day's posted documents."""
    return int(documents.loc[documents["status"] == "posted", "posted_total"].sum())


def posted_totals_result(documents: pd.DataFrame, asset: str | None = None) -> dg.AssetCheckResult:
    posted = documents[documents["status"] == "posted"]
    mismatched = posted[posted["posted_total"] != posted["expected_total"]]
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=POSTED_TOTALS_MATCH_SOURCE,
        passed=mismatched.empty,
        metadata={
            "posted_documents": len(posted),
            "mismatched_documents": len(mismatched),
            "first_mismatched": ", ".join(mismatched["doc_key"].head(20)),
            "source_total": int(posted["expected_total"].sum()),
            "posted_total": posted_total(documents),
        },
    )
