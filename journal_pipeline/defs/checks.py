"""Asset checks: what must hold before a day's journal is trusted or its posting is believed.

Each check is declared on its asset (``check_specs``) and evaluated here from what the asset
just built, so the asset body stays a sentence. The blocking ones stop the run before
anything is posted.
"""

from __future__ import annotations

import warnings
from datetime import date

import dagster as dg
import pandas as pd

from journal_pipeline.accounting import checks, posting_rules
from journal_pipeline.accounting.holds import NOTHING_TO_POST
from journal_pipeline.defs.metadata import findings_table, markdown_table, rupiah
from journal_pipeline.sync.by_hand import BY_HAND
from journal_pipeline.sync.completeness import DayCompleteness
from journal_pipeline.sync.day import DayJournal
from journal_pipeline.sync.outbox_building import OPEN_STATES
from journal_pipeline.sync.posted_tax import TaxComparison

JOURNAL_ENTRIES_BALANCE = "journal_entries_balance"
EVERY_SALE_ACCOUNTED_FOR = "every_sale_accounted_for"
POSTED_TOTALS_MATCH_SOURCE = "posted_totals_match_source"
POSTED_TAX_MATCHES_SOURCE = "posted_tax_matches_source"
STAGED_DAY_MATCHES_ISELLER = "staged_day_matches_iseller_totals"
EVERY_RECORD_POSTED = "every_record_posted"
RECORDS_SHOWN = 20  # records an open-records result names; the rest are counted


def partitioned_check(
    name: str, asset: str, daily: dg.PartitionsDefinition, description: str, blocking: bool
) -> dg.AssetCheckSpec:
    """A check of a daily asset, partitioned like it: the UI shows each result against the
    day that was run, not only the latest. (Dagster marks ``partitions_def`` on a check as
    preview; it is what this pipeline needs, so its warning is not repeated at every load.)"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.AssetCheckSpec(
            name, asset=asset, blocking=blocking, partitions_def=daily, description=description
        )


def day_totals_checks(daily: dg.PartitionsDefinition) -> list[dg.AssetCheckSpec]:
    return [
        partitioned_check(
            STAGED_DAY_MATCHES_ISELLER,
            "iseller_day_totals",
            daily,
            "Per outlet, the day's staged completed orders and payments agree with iSeller's "
            "own day totals (GetOrderSummary, GetTransactionSummary) under one plausible "
            "reading of them; a summary iSeller does not answer is a warning.",
            blocking=True,
        )
    ]


def journal_checks(daily: dg.PartitionsDefinition) -> list[dg.AssetCheckSpec]:
    return [
        partitioned_check(
            JOURNAL_ENTRIES_BALANCE,
            "journal_entries",
            daily,
            "Every journal entry of the day has debits equal to its credits.",
            blocking=True,
        ),
        partitioned_check(
            EVERY_SALE_ACCOUNTED_FOR,
            "journal_entries",
            daily,
            "Every completed order of the day has its entry and invoice, or a hold that says "
            "why not.",
            blocking=True,
        ),
    ]


def invoice_checks(daily: dg.PartitionsDefinition) -> list[dg.AssetCheckSpec]:
    return [
        partitioned_check(
            POSTED_TOTALS_MATCH_SOURCE,
            "jurnal_sales_invoices",
            daily,
            "Every posted document's total in Jurnal equals the total from iSeller.",
            blocking=False,
        ),
        partitioned_check(
            POSTED_TAX_MATCHES_SOURCE,
            "jurnal_sales_invoices",
            daily,
            "The tax Jurnal computed for the day's posted sales invoices equals iSeller's tax "
            "of the same sales, to a rupiah an order (Jurnal keeps cents); a difference is a "
            "warning naming the documents.",
            blocking=False,
        ),
        every_record_posted_check(
            "jurnal_sales_invoices", "sales invoices and receive payments", daily
        ),
    ]


def return_checks(daily: dg.PartitionsDefinition) -> list[dg.AssetCheckSpec]:
    return [
        partitioned_check(
            POSTED_TOTALS_MATCH_SOURCE,
            "jurnal_sales_returns",
            daily,
            "Every posted document's total in Jurnal (sales returns and journal entries of "
            "refunds and voids included) equals the total we computed from iSeller.",
            blocking=False,
        ),
        every_record_posted_check(
            "jurnal_sales_returns", "sales returns and journal entries of refunds and voids", daily
        ),
    ]


def every_record_posted_check(
    asset: str, documents: str, daily: dg.PartitionsDefinition
) -> dg.AssetCheckSpec:
    """The day's documents of a posting asset are all in Jurnal: none held, failed or still
    pending. A warning, never blocking: the rest of the day posts on."""
    return partitioned_check(
        EVERY_RECORD_POSTED,
        asset,
        daily,
        f"Every one of the day's {documents} is in Jurnal (or withdrawn): none held, failed "
        "or left pending. Otherwise a warning naming the records (order or document, status, "
        "reason); the rest of the day posts on. To fix: `journal-pipeline status --date D` "
        "lists them and why; fix the cause, then `journal-pipeline retry-failed --date D`.",
        blocking=False,
    )


def every_record_posted_result(
    documents: pd.DataFrame, day: date, asset: str | None = None
) -> dg.AssetCheckResult:
    """Fails at WARN when any of ``documents`` (the outbox rows of the day an asset posts) is
    held, failed or pending, naming the first `RECORDS_SHOWN`; passes with zeros otherwise."""
    open_docs = documents[documents["status"].isin(OPEN_STATES)]
    counts = {state: int((open_docs["status"] == state).sum()) for state in OPEN_STATES}
    rows = [
        {
            "record": _text(r.source_reference) or r.doc_key,
            "document": r.doc_key,
            "status": r.status,
            "reason": _text(r.reason) or ("not posted yet" if r.status == "pending" else ""),
        }
        for r in open_docs.head(RECORDS_SHOWN).itertuples()
    ]
    posted = int((documents["status"] == "posted").sum())
    withdrawn = int((documents["status"] == "withdrawn").sum())
    by_hand = int((documents["status"] == BY_HAND).sum())
    nothing = int((documents["status"] == NOTHING_TO_POST).sum())
    if open_docs.empty:
        manual = f", {by_hand} booked by hand (`journal-pipeline resolve`)" if by_hand else ""
        if nothing:
            manual += f", {nothing} with nothing to post (an order given away whole)"
        description = (
            f"Nothing held, failed or pending on {day}: of its {len(documents)} document(s), "
            f"{posted} are in Jurnal{manual} and {withdrawn} withdrawn (no longer wanted: a "
            "sale voided or changed before posting, folded into a daily summary, or moved to "
            "another day)."
        )
    else:
        first = rows[0]
        why = first["reason"].rstrip().rstrip(".")
        counted = ", ".join(f"{n} {state}" for state, n in counts.items() if n)
        description = (
            f"{len(open_docs)} record(s) of {day} not in Jurnal ({counted}); first: "
            f"{first['record']} {first['status']}: {why}. See them with "
            f"`journal-pipeline status --date {day}`, fix the cause, then run "
            f"`journal-pipeline retry-failed --date {day}` (one booked by hand in Jurnal: "
            "`journal-pipeline resolve KEY --note …`)."
        )
    more = len(open_docs) - len(rows)
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=EVERY_RECORD_POSTED,
        passed=open_docs.empty,
        # WARN only on a failure: a passed check at WARN reads as a warning (cli's summary)
        severity=dg.AssetCheckSeverity.ERROR if open_docs.empty else dg.AssetCheckSeverity.WARN,
        description=description,
        metadata={
            "documents": len(documents),
            "documents_posted": posted,
            "documents_withdrawn": withdrawn,
            "documents_by_hand": by_hand,
            "documents_nothing_to_post": nothing,
            "open_records": len(open_docs),
            **{f"records_{state}": n for state, n in counts.items()},
            "records": dg.MetadataValue.md(
                markdown_table(rows) + (f"\n\n…and {more} more" if more > 0 else "")
                if rows
                else "Nothing open."
            ),
            "first_records": ", ".join(row["record"] for row in rows),
            "records_not_shown": max(more, 0),
        },
    )


def journal_check_results(journal: DayJournal, totals: dict) -> list[dg.AssetCheckResult]:
    unbalanced = posting_rules.unbalanced_entries(journal.lines)
    unaccounted = checks.unaccounted_sales(
        journal.sales,
        journal.lines,
        journal.documents,
        journal.holds,
        journal.summary.carried if journal.summary is not None else None,
    )
    return [
        dg.AssetCheckResult(
            check_name=JOURNAL_ENTRIES_BALANCE,
            passed=unbalanced.empty,
            metadata={
                "unbalanced_entries": len(unbalanced),
                **rupiah("total_debit", totals["total_debit"]),
                **rupiah("total_credit", totals["total_credit"]),
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
            **rupiah("source_total", int(posted["expected_total"].sum())),
            **rupiah("posted_total", posted_total(documents)),
        },
    )


def posted_tax_result(comparison: TaxComparison) -> dg.AssetCheckResult:
    """`sync.posted_tax.compare_posted_tax` as the check's result: a warning naming each
    document whose tax is off."""
    off = comparison.off
    return dg.AssetCheckResult(
        check_name=POSTED_TAX_MATCHES_SOURCE,
        passed=not off,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "documents_compared": comparison.compared,
            "jurnal_tax": str(comparison.jurnal_tax),
            "iseller_tax": comparison.iseller_tax,
            "documents_off": len(off),
            "first_off": ", ".join(
                f"{key}: Jurnal {tax} vs iSeller {source} (±{tolerance:.2f})"
                for key, tax, source, tolerance in off[:RECORDS_SHOWN]
            ),
        },
    )


def _text(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value)
