"""Assets: the daily cash/bank reconciliation (docs/reconciliation.md), with its checks, and
the payouts it found (settlements received, moved from clearing to the bank in Jurnal).

The payouts are an asset of their own: they post to Jurnal (in the Jurnal pool, after the
day's sales), and a Jurnal outage then fails only them, while the reconciliation the finance
team reads is still staged and exported.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import dagster as dg
import pandas as pd

from journal_pipeline.accounting.documents import PAYOUT
from journal_pipeline.accounting.reconciliation import (
    OVERDUE,
    SUGGESTED,
    UNMATCHED_LINE,
    ReconRow,
    status_counts,
)
from journal_pipeline.core.money import format_idr, to_rupiah
from journal_pipeline.defs import build_marks
from journal_pipeline.defs.assets import JURNAL_POOL
from journal_pipeline.defs.checks import (
    every_record_posted_check,
    every_record_posted_result,
    partitioned_check,
)
from journal_pipeline.defs.metadata import bullet_list, markdown_table, queue_counts, rupiah
from journal_pipeline.defs.partitions import partition_date
from journal_pipeline.defs.resources import JurnalResource, MerchantConfigResource, StagingResource
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline.sync.payouts import payout_days, run_payouts
from journal_pipeline.sync.reconciliation import (
    journal_takings,
    read_jurnal_lines,
    reconcile_day,
    takings_differences,
)

TAKINGS_MATCH_JOURNAL = "takings_match_journal"
SETTLEMENTS_OVERDUE = "settlements_overdue"
BAR_WIDTH = 30
# a run tag that reconciles as of another day than today (ISO date): statuses and ages are
# those of that day, e.g. to see a past week as the finance team saw it
AS_OF_TAG = "journal_pipeline/as_of"


def recon_checks(daily: dg.PartitionsDefinition) -> list[dg.AssetCheckSpec]:
    return [
        partitioned_check(
            TAKINGS_MATCH_JOURNAL,
            "cash_bank_reconciliation",
            daily,
            "Each outlet's takings per payment method equal the canonical journal's clearing "
            "debits for those payments, as first posted (corrections aside).",
            blocking=False,
        ),
        partitioned_check(
            SETTLEMENTS_OVERDUE,
            "cash_bank_reconciliation",
            daily,
            "No settlement is more than reconciliation.overdue_after_days past its expected "
            "date without money in the bank (a warning).",
            blocking=False,
        ),
    ]


def build_recon_assets(daily: dg.PartitionsDefinition) -> list:
    @dg.asset(
        partitions_def=daily,
        group_name="reconciliation",
        deps=["journal_entries"],
        kinds={"sql", "csv"},
        check_specs=recon_checks(daily),
    )
    def cash_bank_reconciliation(
        context: dg.AssetExecutionContext,
        staging: StagingResource,
        merchant: MerchantConfigResource,
        jurnal: JurnalResource,
    ) -> dg.MaterializeResult:
        """Per outlet and payment method: what the tills took, what should reach the bank and
        when, what did (bank statement files, Jurnal's own bank statement), the status."""
        day = partition_date(context)
        config = merchant.config
        as_of = as_of_date(context, config.zone)
        store = staging.store
        window = config.reconciliation.match_window_days

        statement = "read"
        try:
            jurnal_lines = read_jurnal_lines(
                jurnal.client(store), store, config, day, as_of + timedelta(days=window)
            )
        except Exception as exc:  # Jurnal's statement is a second source: go on without it
            statement = f"not read, bank statement files only: {exc}"
            context.log.warning(f"Jurnal's bank statement {statement}")
            jurnal_lines = []
        inputs = build_marks.recon_inputs(store, config, day, as_of, jurnal_lines)
        again = build_marks.same_build(store, day, inputs, build_marks.RECON_MARK)
        if again is not None and build_marks.files_kept(again):
            return again  # nothing it is made from changed: the last one stands
        result = reconcile_day(store, config, day, as_of, jurnal_lines)
        counts = status_counts(result.rows)
        booked = journal_takings(store, day)
        built: dg.MaterializeResult = dg.MaterializeResult(
            metadata={
                "rebuilt": True,
                **counts,
                **_totals(result.rows),
                "jurnal_lines_read": result.jurnal_lines,
                "jurnal_statement": statement,
                "csv": dg.MetadataValue.path(str(result.csv_path)),
                "rows": dg.MetadataValue.md(markdown_table(_shown(result.rows))),
                "expected_vs_received": dg.MetadataValue.md(bar_chart(result.rows)),
            },
            check_results=[
                _takings_check(
                    takings_differences(result.takings, booked),
                    day,
                    synced=bool(booked) or build_marks.journal_built(store, day),
                ),
                _overdue_check(result.rows),
            ],
        )
        after = build_marks.recon_inputs(store, config, day, as_of, jurnal_lines)
        build_marks.remember_build(store, day, inputs, after, built, build_marks.RECON_MARK)
        return built

    @dg.asset(
        partitions_def=daily,
        group_name="jurnal",
        deps=[cash_bank_reconciliation, "jurnal_sales_invoices"],
        pool=JURNAL_POOL,
        kinds={"api"},
        check_specs=[
            every_record_posted_check(
                "jurnal_payouts", "payouts (settlements received, of its receipt days)", daily
            )
        ],
    )
    def jurnal_payouts(
        context: dg.AssetExecutionContext,
        staging: StagingResource,
        merchant: MerchantConfigResource,
        jurnal: JurnalResource,
    ) -> dg.MaterializeResult:
        """Settlements received: each bank statement line the day's reconciliation matched is
        a bank transfer from the method's clearing account to the bank, dated the day the
        money arrived, for the amount received; posted exactly once."""
        day = partition_date(context)
        store = staging.store
        client = jurnal.client(store)
        days = payout_days(store, day)
        run = run_payouts(store, merchant.config, Outbox(store, context.run.run_id), client, days)
        shown = [
            {
                "received": doc.business_date,
                "number": doc.transaction_no,
                "outlet": doc.outlet_code,
                "from": doc.payload["bank_transfer"]["refund_from_name"],
                "amount": format_idr(doc.expected_total or 0),
            }
            for build in run.builds
            for doc in build.documents
        ]
        metadata: dict[str, Any] = {
            "receipt_days": ", ".join(d.isoformat() for d in run.days) or "none",
            "payouts_built": len(shown),
            **rupiah(
                "payouts_total",
                sum(d.expected_total or 0 for b in run.builds for d in b.documents),
            ),
            "held": len(run.holds),
            "posted_now": run.posted.posted,
            "duplicates_resolved": run.posted.duplicates_resolved,
            "failed_now": run.posted.failed,
            "calls": run.posted.calls,
            **queue_counts(run.queued),
            **client.stats(),
            "payouts": dg.MetadataValue.md(markdown_table(shown)),
            "held_reasons": dg.MetadataValue.md(
                markdown_table(
                    [{"line": h.source_reference, "reason": h.reason} for h in run.holds]
                )
            ),
        }
        if run.posted.interrupted:
            raise dg.Failure(
                description=f"Posting stopped early, {run.posted.left_pending} payout(s) left "
                f"pending for the next run: {run.posted.interrupted}",
                metadata=metadata,
            )
        outbox = Outbox(store)
        frames = [outbox.documents(d, [PAYOUT]) for d in [day, *run.days]]
        payouts = pd.concat(frames).drop_duplicates("doc_key")
        return dg.MaterializeResult(
            metadata=metadata, check_results=[every_record_posted_result(payouts, day)]
        )

    return [cash_bank_reconciliation, jurnal_payouts]


def as_of_date(context: dg.AssetExecutionContext, zone) -> date:
    """Today in the merchant's zone, or the run's `AS_OF_TAG` date."""
    tagged = context.run.tags.get(AS_OF_TAG)
    if tagged:
        try:
            return date.fromisoformat(tagged)
        except ValueError as exc:
            raise dg.Failure(
                f"Run tag {AS_OF_TAG}={tagged!r} is not a date; use YYYY-MM-DD"
            ) from exc
    return datetime.now(zone).date()


def _shown(rows: list[ReconRow]) -> list[dict[str, Any]]:
    return [
        {
            "outlet": r.outlet_code or "",
            "method": r.method or "(bank line)",
            "expected": _idr(r.expected),
            "due": r.expected_date,
            "received": _idr(r.received),
            "variance": _idr(r.variance),
            "status": r.status,
            "age": r.age_days,
        }
        for r in rows
    ]


def _idr(amount: int | Decimal | None) -> str:
    return "" if amount is None else format_idr(to_rupiah(amount))


def _totals(rows: list[ReconRow]) -> dict[str, Any]:
    """Rupiah expected of the day's settlements, and received against them (a suggested
    match is not received until a person confirms it)."""
    settlements = [r for r in rows if r.kind != UNMATCHED_LINE and r.expected is not None]
    received = [r for r in settlements if r.status != SUGGESTED]
    return {
        **rupiah("expected_total", sum(r.expected or 0 for r in settlements)),
        **rupiah("received_total", sum(to_rupiah(r.received or 0) for r in received)),
    }


def bar_chart(rows: list[ReconRow]) -> str:
    """Expected and received per payment method as text bars (no plotting dependency)."""
    totals: dict[str, list[int]] = {}
    for row in rows:
        if row.kind == UNMATCHED_LINE or row.method is None or row.expected is None:
            continue
        pair = totals.setdefault(row.method, [0, 0])
        pair[0] += row.expected
        if row.status != SUGGESTED:  # not received until a person confirms it
            pair[1] += to_rupiah(row.received or 0)
    if not totals:
        return "Nothing expected."
    top = max(max(pair) for pair in totals.values()) or 1
    lines = ["```"]
    for method, (expected, received) in sorted(totals.items()):
        lines.append(f"{method:<14} expected {_bar(expected, top)} {format_idr(expected)}")
        lines.append(f"{'':<14} received {_bar(received, top)} {format_idr(received)}")
    lines.append("```")
    return "\n".join(lines)


def _bar(value: int, top: int) -> str:
    filled = round(BAR_WIDTH * max(value, 0) / top)
    return "█" * filled + "·" * (BAR_WIDTH - filled)


def _takings_check(problems: list[str], day: date, synced: bool) -> dg.AssetCheckResult:
    if problems and not synced:
        return dg.AssetCheckResult(
            check_name=TAKINGS_MATCH_JOURNAL,
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            description=(
                f"{day} is not synced yet (its journal was never built): its takings are "
                "not in the journal, and this reconciliation is made from the orders staged "
                f"so far. Sync the day (journal-pipeline sync --date {day}); the takings are "
                "compared then."
            ),
            metadata={"differences": dg.MetadataValue.md(bullet_list(problems))},
        )
    return dg.AssetCheckResult(
        check_name=TAKINGS_MATCH_JOURNAL,
        passed=not problems,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            "Takings per outlet and method equal the journal's clearing debits."
            if not problems
            else f"{len(problems)} outlet/method total(s) differ; first: {problems[0]}. Run "
            "the day's sync again (its journal may be older than its staged orders)."
        ),
        metadata={"differences": dg.MetadataValue.md(bullet_list(problems))},
    )


def _overdue_check(rows: list[ReconRow]) -> dg.AssetCheckResult:
    overdue = [r for r in rows if r.status == OVERDUE]
    listing = [
        f"{r.outlet_code} {r.method}: {format_idr(r.expected or 0)} due {r.expected_date}, "
        f"{r.age_days} days ago"
        for r in overdue
    ]
    return dg.AssetCheckResult(
        check_name=SETTLEMENTS_OVERDUE,
        passed=not overdue,
        severity=dg.AssetCheckSeverity.WARN,
        description="No settlement is overdue."
        if not overdue
        else f"{len(overdue)} settlement(s) overdue: " + "; ".join(listing[:5]),
        metadata={"overdue": dg.MetadataValue.md(bullet_list(listing))},
    )
