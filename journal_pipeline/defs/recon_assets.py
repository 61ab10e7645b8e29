"""Asset: the daily cash/bank reconciliation (docs/reconciliation.md), with its checks."""

from datetime import datetime, timedelta
from typing import Any

import dagster as dg

from journal_pipeline.accounting.reconciliation import (
    OVERDUE,
    UNMATCHED_LINE,
    ReconRow,
    status_counts,
)
from journal_pipeline.core.money import format_idr, to_rupiah
from journal_pipeline.defs.metadata import markdown_table
from journal_pipeline.defs.partitions import partition_date
from journal_pipeline.defs.resources import JurnalResource, MerchantConfigResource, StagingResource
from journal_pipeline.sync.reconciliation import (
    journal_takings,
    read_jurnal_lines,
    reconcile_day,
    takings_differences,
)

TAKINGS_MATCH_JOURNAL = "takings_match_journal"
SETTLEMENTS_OVERDUE = "settlements_overdue"
BAR_WIDTH = 30

RECON_CHECKS = [
    dg.AssetCheckSpec(
        TAKINGS_MATCH_JOURNAL,
        asset="cash_bank_reconciliation",
        blocking=False,
        description="Each outlet's takings per payment method equal the canonical journal's "
        "clearing debits for those payments.",
    ),
    dg.AssetCheckSpec(
        SETTLEMENTS_OVERDUE,
        asset="cash_bank_reconciliation",
        blocking=False,
        description="No settlement is more than reconciliation.overdue_after_days past its "
        "expected date without money in the bank.",
    ),
]


def build_recon_assets(daily: dg.PartitionsDefinition) -> list:
    @dg.asset(
        partitions_def=daily,
        group_name="reconciliation",
        deps=["journal_entries"],
        kinds={"sql", "csv"},
        check_specs=RECON_CHECKS,
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
        as_of = datetime.now(config.zone).date()
        store = staging.store
        window = config.reconciliation.match_window_days

        try:
            jurnal_lines = read_jurnal_lines(
                jurnal.client(store), store, config, day, as_of + timedelta(days=window)
            )
        except Exception as exc:  # Jurnal's statement is a second source: go on without it
            context.log.warning(f"Jurnal's bank statement not read ({exc}); files only")
            jurnal_lines = []
        result = reconcile_day(store, config, day, as_of, jurnal_lines)
        counts = status_counts(result.rows)
        return dg.MaterializeResult(
            metadata={
                **counts,
                "jurnal_lines_read": result.jurnal_lines,
                "csv": dg.MetadataValue.path(str(result.csv_path)),
                "rows": dg.MetadataValue.md(markdown_table(_shown(result.rows))),
                "expected_vs_received": dg.MetadataValue.md(bar_chart(result.rows)),
            },
            check_results=[
                _takings_check(takings_differences(result.expected, journal_takings(store, day))),
                _overdue_check(result.rows),
            ],
        )

    return [cash_bank_reconciliation]


def _shown(rows: list[ReconRow]) -> list[dict[str, Any]]:
    return [
        {
            "outlet": r.outlet_code or "",
            "method": r.method or "(bank line)",
            "expected": r.expected,
            "due": r.expected_date,
            "received": r.received,
            "variance": r.variance,
            "status": r.status,
            "age": r.age_days,
        }
        for r in rows
    ]


def bar_chart(rows: list[ReconRow]) -> str:
    """Expected and received per payment method as text bars (no plotting dependency)."""
    totals: dict[str, list[int]] = {}
    for row in rows:
        if row.kind == UNMATCHED_LINE or row.method is None or row.expected is None:
            continue
        pair = totals.setdefault(row.method, [0, 0])
        pair[0] += row.expected
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


def _takings_check(problems: list[str]) -> dg.AssetCheckResult:
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
        metadata={"differences": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems))},
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
        metadata={"overdue": dg.MetadataValue.md("\n".join(f"- {x}" for x in listing))},
    )
