"""Assets: the daily stock comparison (iSeller against Jurnal per warehouse and SKU), and the
opening stock (`journal-pipeline stock init`), materialized by hand for a chosen date."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import dagster as dg

from journal_pipeline.accounting.stock_comparison import (
    DIFFERS,
    EQUAL,
    NOT_STOCKED_IN_ISELLER,
    NOT_TRACKED_IN_JURNAL,
    WAREHOUSE_NOT_IN_JURNAL,
    largest_differences,
    matters,
)
from journal_pipeline.defs.assets import JURNAL_POOL
from journal_pipeline.defs.build_marks import JOURNAL_MARK
from journal_pipeline.defs.checks import partitioned_check
from journal_pipeline.defs.metadata import bullet_list, markdown_table
from journal_pipeline.defs.partitions import partition_date
from journal_pipeline.defs.resources import (
    ISellerResource,
    JurnalResource,
    MerchantConfigResource,
    StagingResource,
)
from journal_pipeline.storage.stock_comparison import days_with_journal
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import opening_stock
from journal_pipeline.sync.stock_levels import (
    StockComparison,
    compare_day,
    compared_days_start,
    record_comparison,
    row_record,
)

STOCK_MATCHES_JURNAL = "stock_matches_jurnal"
POSTING_ASSETS = ("jurnal_sales_invoices", "jurnal_sales_returns", "jurnal_stock_documents")
LARGEST_SHOWN = 20
COUNTED = {
    "rows_equal": EQUAL,
    "rows_differing": DIFFERS,
    "not_tracked_in_jurnal": NOT_TRACKED_IN_JURNAL,
    "not_stocked_in_iseller": NOT_STOCKED_IN_ISELLER,
    "warehouse_not_in_jurnal": WAREHOUSE_NOT_IN_JURNAL,
}


def stock_checks(daily: dg.PartitionsDefinition) -> list[dg.AssetCheckSpec]:
    return [
        partitioned_check(
            STOCK_MATCHES_JURNAL,
            "stock_comparison",
            daily,
            "Per warehouse and SKU, Jurnal's quantity at the end of the day equals iSeller's "
            "stock at the end of the outlet's business day plus what it has in transit; SKUs "
            "one side does not know, and a day too old to compare, are a warning.",
            blocking=False,
        )
    ]


def _posting_deps(known: set[str]) -> list[str]:
    """The posting assets the comparison waits for (those that exist in the definitions)."""
    return [key for key in POSTING_ASSETS if key in known]


def build_stock_comparison_assets(daily: dg.PartitionsDefinition) -> tuple[list, list]:
    """(assets of the sync job, assets materialized by hand)."""
    from journal_pipeline.defs.stock_assets import build_stock_assets

    known = {"jurnal_sales_invoices", "jurnal_sales_returns"}
    known |= {key.to_user_string() for a in build_stock_assets(daily) for key in a.keys}

    @dg.asset(
        partitions_def=daily,
        group_name="stock",
        deps=_posting_deps(known),
        pool=JURNAL_POOL,
        kinds={"api", "csv"},
        check_specs=stock_checks(daily),
    )
    def stock_comparison(
        context: dg.AssetExecutionContext,
        iseller: ISellerResource,
        jurnal: JurnalResource,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ) -> dg.MaterializeResult:
        """iSeller's stock at the end of the business day (plus goods in transit) against
        Jurnal's warehouse stock, per warehouse and SKU; staged and exported as CSV."""
        day = partition_date(context)
        config = merchant.config
        oldest = compared_days_start(config, datetime.now(config.zone).date())
        if day < oldest:
            why = (
                f"not compared: {day} is more than stock.comparison_days "
                f"({config.stock.comparison_days}) before today; iSeller reports current stock "
                "only, so an older day would be rebuilt from every movement since"
            )
            return dg.MaterializeResult(
                metadata={  # the keys of a compared day, so the UI's charts have no gaps
                    "compared": False,
                    "why": why,
                    **_counts(None),
                    "iseller_read_at": "",
                    "movements_read": "",
                    "csv": "not written",
                    "largest_differences": dg.MetadataValue.md("Not compared."),
                    "unknown_to_one_side": dg.MetadataValue.md("Not compared."),
                    "problems": dg.MetadataValue.md(""),
                    **jurnal.client(staging.store).stats(),
                },
                check_results=[_not_compared(why)],
            )
        client = jurnal.client(staging.store)
        comparison = compare_day(
            iseller.client(), client, config, day, progress=context.log.info, store=staging.store
        )
        path = record_comparison(staging.store, comparison)
        return dg.MaterializeResult(
            metadata={
                "compared": True,
                "why": "",
                **_counts(comparison),
                "iseller_read_at": comparison.read_at.isoformat(),
                "movements_read": comparison.orders_read,
                "csv": dg.MetadataValue.path(str(path)),
                "largest_differences": dg.MetadataValue.md(_largest(comparison)),
                "unknown_to_one_side": dg.MetadataValue.md(_unknown(comparison)),
                "problems": dg.MetadataValue.md(bullet_list(comparison.problems)),
                **client.stats(),
            },
            check_results=[_check(comparison, *_counted_since(staging.store, day))],
        )

    @dg.asset(partitions_def=daily, group_name="stock", pool=JURNAL_POOL, kinds={"api"})
    def jurnal_opening_stock(
        context: dg.AssetExecutionContext,
        iseller: ISellerResource,
        jurnal: JurnalResource,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ) -> dg.MaterializeResult:
        """Each Jurnal warehouse brought to iSeller's stock at the start of the partition's day
        (`journal-pipeline stock init`): one stock adjustment per warehouse, dated the day
        before; materialize it by hand, once, for the first day Jurnal counts stock."""
        day = partition_date(context)
        client = jurnal.client(staging.store)
        plans = opening_stock.plan_opening_stock(
            iseller.client(),
            client,
            staging.store,
            merchant.config,
            day,
            progress=context.log.info,
        )
        result = opening_stock.post_opening_stock(
            staging.store, [p for p in plans if p.document is not None], client, context.run.run_id
        )
        refused = [reason for plan in plans for reason in plan.stock.refused]
        metadata: dict[str, Any] = {
            "posted_now": result.posted,
            "duplicates_resolved": result.duplicates_resolved,
            "failed_now": result.failed,
            "already_posted": sum(1 for p in plans if p.state == opening_stock.POSTED),
            "already_equal": sum(1 for p in plans if p.state == opening_stock.EQUAL),
            "plan": dg.MetadataValue.md("\n".join(line for p in plans for line in p.listing())),
            "refused": dg.MetadataValue.md(bullet_list(refused) or "Nothing."),
            **client.stats(),
        }
        if result.interrupted or result.failed:
            raise dg.Failure(
                description=f"Opening stock not finished: {result.interrupted or ''} "
                f"{'; '.join(result.failures[:3])} Materialize the partition again: nothing "
                "is posted twice.",
                metadata=metadata,
            )
        return dg.MaterializeResult(metadata=metadata)

    return [stock_comparison], [jurnal_opening_stock]


def _counts(comparison: StockComparison | None) -> dict[str, int]:
    """Rows per status (all 0 for a day not compared)."""
    if comparison is None:
        return {key: 0 for key in ("rows", *COUNTED)}
    return {"rows": len(comparison.rows)} | {
        key: comparison.count(status) for key, status in COUNTED.items()
    }


def _shown(rows: list) -> list[dict[str, Any]]:
    return [{k: v for k, v in row_record(r).items() if k not in ("outlet_code",)} for r in rows]


def _largest(comparison: StockComparison) -> str:
    return markdown_table(_shown(largest_differences(comparison.rows, LARGEST_SHOWN)))


def _unknown(comparison: StockComparison) -> str:
    rows = [r for r in comparison.rows if r.status not in (EQUAL, DIFFERS)]
    return markdown_table(_shown(sorted(rows, key=lambda r: not matters(r))))


def _counted_since(store: StagingStore, day: date) -> tuple[bool, list[date]]:
    """Whether an opening stock is posted, and the days from the first one it counts to
    ``day`` whose journal was never built: their sales and returns never moved Jurnal's
    stock, so a difference is theirs before it is anyone's mistake."""
    since = opening_stock.opening_stock_since(store)
    if since is None or since > day:
        return since is not None, []
    built = days_with_journal(store, since, day, JOURNAL_MARK)
    span = (since + timedelta(days=n) for n in range((day - since).days + 1))
    return True, [d for d in span if d not in built]


def _check(
    comparison: StockComparison, opened: bool = True, unsynced: list[date] | None = None
) -> dg.AssetCheckResult:
    differing = comparison.differing
    unknown = [r for r in comparison.rows if matters(r)]
    severity = dg.AssetCheckSeverity.ERROR if differing else dg.AssetCheckSeverity.WARN
    if differing:
        top = differing[0]
        description = (
            f"{len(differing)} warehouse × SKU row(s) differ; the largest: {top.warehouse} "
            f"{top.sku} ({top.product_name}) Jurnal {_units(top.jurnal_quantity)} vs iSeller "
            f"{_units(top.iseller_quantity)} + {_units(top.in_transit)} in transit "
            f"(difference {_units(top.difference)})"
        )
        if not opened:
            description += (
                ". Jurnal has no opening stock yet: run `journal-pipeline stock init --date "
                "<the first day to post>` once (docs/inventory.md)"
            )
        elif unsynced:
            description = f"{_not_synced(unsynced)}. Meanwhile {description}"
            severity = dg.AssetCheckSeverity.WARN
    elif unknown:
        description = (
            f"Every compared row is equal, but {len(unknown)} row(s) hold units on one side "
            f"only (first: {unknown[0].warehouse} {unknown[0].sku}, {unknown[0].status})"
        )
    else:
        description = f"All {len(comparison.rows)} warehouse × SKU rows are equal."
    return dg.AssetCheckResult(
        check_name=STOCK_MATCHES_JURNAL,
        passed=not differing and not unknown,
        severity=severity,
        description=description,
        metadata={
            "compared": True,
            **_counts(comparison),
            "first_differing": ", ".join(f"{r.warehouse}/{r.sku}" for r in differing[:20]),
            "days_never_synced": len(unsynced or []),
        },
    )


def _not_synced(days: list[date]) -> str:
    """Which days since the opening stock were never synced, and the command that syncs
    them (one backfill from the first to the last)."""
    spans: list[list[date]] = []
    for day in days:
        if spans and day == spans[-1][1] + timedelta(days=1):
            spans[-1][1] = day
        else:
            spans.append([day, day])
    shown = ", ".join(
        first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
        for first, last in spans[:3]
    )
    if len(spans) > 3:
        shown += f" and {len(spans) - 3} more span(s)"
    return (
        f"Not comparable yet: {len(days)} day(s) since the opening stock were never synced "
        f"({shown}), so their sales, returns and transfers never reached Jurnal's stock; "
        f"sync them with `journal-pipeline backfill --start {days[0].isoformat()} --end "
        f"{days[-1].isoformat()}` (days already posted cost no Jurnal write)"
    )


def _units(quantity: object) -> str:
    """A quantity as people write it: 787, not 787.0000."""
    number = Decimal(str(quantity or 0)).normalize()
    return f"{number:f}"


def _not_compared(why: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=STOCK_MATCHES_JURNAL,
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        description=why,
        metadata={"compared": False, **_counts(None), "first_differing": ""},
    )
