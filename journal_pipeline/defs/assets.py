"""Assets: iSeller orders → balanced journal → Jurnal sales invoices, one business day each."""

import dagster as dg

from journal_pipeline.accounting import checks, posting_rules
from journal_pipeline.defs.partitions import partition_date
from journal_pipeline.defs.resources import (
    ISellerResource,
    JurnalResource,
    MerchantConfigResource,
    StagingResource,
)
from journal_pipeline.sync import day as day_sync
from journal_pipeline.sync.master_data import ensure_products, wanted_products
from journal_pipeline.sync.outbox import Outbox

JURNAL_POOL = "jurnal_api"


def build_assets(daily: dg.PartitionsDefinition) -> list:
    @dg.asset(partitions_def=daily, group_name="iseller", kinds={"python", "sql"})
    def iseller_orders(
        context: dg.AssetExecutionContext,
        iseller: ISellerResource,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ) -> dg.MaterializeResult:
        """Every iSeller order that belongs to the business day or changed on it, staged."""
        client = iseller.client()
        counts = day_sync.extract_orders(
            client, staging.store, merchant.config, partition_date(context)
        )
        return dg.MaterializeResult(metadata={**counts, **client.stats()})

    @dg.asset(
        partitions_def=daily,
        group_name="accounting",
        deps=[iseller_orders],
        kinds={"pandas", "sql"},
        check_specs=[
            dg.AssetCheckSpec("journal_entries_balance", asset="journal_entries", blocking=True),
            dg.AssetCheckSpec("every_sale_accounted_for", asset="journal_entries", blocking=True),
        ],
    )
    def journal_entries(
        context: dg.AssetExecutionContext,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ) -> dg.MaterializeResult:
        """Balanced journal lines for the day's sales, and their invoices queued in the outbox."""
        day = partition_date(context)
        journal = day_sync.build_journal(staging.store, merchant.config, day)
        written = day_sync.record_journal(
            staging.store, Outbox(staging.store, context.run.run_id), day, journal
        )
        unbalanced = posting_rules.unbalanced_entries(journal.lines)
        unaccounted = checks.unaccounted_sales(
            journal.sales, journal.lines, journal.documents, journal.holds
        )
        totals = posting_rules.summary(journal.lines, journal.holds)
        return dg.MaterializeResult(
            metadata={
                "orders_completed": len(journal.sales.frames),
                "orders_voided_before_posting": len(journal.sales.voided),
                "entries": totals["entries"],
                "journal_lines": totals["journal_lines"],
                "total_debit": totals["total_debit"],
                "total_credit": totals["total_credit"],
                "held": totals["held"],
                "held_reasons": dg.MetadataValue.md(_reasons(journal.holds)),
                **written,
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name="journal_entries_balance",
                    passed=unbalanced.empty,
                    metadata={
                        "unbalanced_entries": len(unbalanced),
                        "total_debit": totals["total_debit"],
                        "total_credit": totals["total_credit"],
                    },
                ),
                dg.AssetCheckResult(
                    check_name="every_sale_accounted_for",
                    passed=not unaccounted,
                    metadata={
                        "orders_completed": len(journal.sales.frames),
                        "unaccounted_orders": len(unaccounted),
                        "first_unaccounted": ", ".join(unaccounted[:20]),
                    },
                ),
            ],
        )

    @dg.asset(
        partitions_def=daily,
        group_name="jurnal",
        deps=[journal_entries],
        pool=JURNAL_POOL,
        kinds={"api"},
    )
    def jurnal_products(
        context: dg.AssetExecutionContext,
        jurnal: JurnalResource,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ) -> dg.MaterializeResult:
        """Jurnal products for every SKU the day's invoices name (created when missing)."""
        client = jurnal.client(staging.store)
        invoices = Outbox(staging.store).pending_payloads(partition_date(context))
        result = ensure_products(client, wanted_products(invoices, merchant.config))
        return dg.MaterializeResult(
            metadata={
                "products_existing": result.existing,
                "products_created": len(result.created),
                "created": ", ".join(result.created[:50]),
                "refused": dg.MetadataValue.md("\n".join(f"- {p}" for p in result.problems)),
                **client.stats(),
            }
        )

    @dg.asset(
        partitions_def=daily,
        group_name="jurnal",
        deps=[journal_entries, jurnal_products],
        pool=JURNAL_POOL,
        kinds={"api"},
        check_specs=[
            dg.AssetCheckSpec("posted_totals_match_source", asset="jurnal_sales_invoices")
        ],
    )
    def jurnal_sales_invoices(
        context: dg.AssetExecutionContext, jurnal: JurnalResource, staging: StagingResource
    ) -> dg.MaterializeResult:
        """The day's sales invoices in Jurnal: one per completed order, posted exactly once."""
        day = partition_date(context)
        client = jurnal.client(staging.store)
        outbox = Outbox(staging.store, context.run.run_id)
        result = outbox.post_pending(day, client)
        documents = outbox.documents(day)
        posted = documents[documents["status"] == "posted"]
        mismatched = posted[posted["posted_total"] != posted["expected_total"]]
        metadata = {
            "posted_now": result.posted,
            "duplicates_resolved": result.duplicates_resolved,
            "failed_now": result.failed,
            "batch_calls": result.calls,
            "waiting_for_invoice": result.waiting,
            **client.stats(),
            **{f"documents_{k}": v for k, v in outbox.status_counts(day).items()},
            "posted_total": int(posted["posted_total"].sum()) if len(posted) else 0,
            "open_records": dg.MetadataValue.md(_open_records(documents)),
        }
        if result.interrupted:
            raise dg.Failure(
                description=f"Posting stopped early, {result.left_pending} invoice(s) left pending "
                f"for the next run: {result.interrupted}",
                metadata=metadata,
            )
        return dg.MaterializeResult(
            metadata=metadata,
            check_results=[
                dg.AssetCheckResult(
                    check_name="posted_totals_match_source",
                    passed=mismatched.empty,
                    metadata={
                        "posted_documents": len(posted),
                        "mismatched_documents": len(mismatched),
                        "source_total": int(posted["expected_total"].sum()) if len(posted) else 0,
                        "posted_total": int(posted["posted_total"].sum()) if len(posted) else 0,
                    },
                )
            ],
        )

    return [iseller_orders, journal_entries, jurnal_products, jurnal_sales_invoices]


def _reasons(holds) -> str:
    if not holds:
        return "Nothing held."
    rows = "\n".join(f"| {h.source_reference} | {h.reason} |" for h in holds[:50])
    more = f"\n\n…and {len(holds) - 50} more" if len(holds) > 50 else ""
    return f"| order | reason |\n|---|---|\n{rows}{more}"


def _open_records(documents) -> str:
    open_docs = documents[documents["status"].isin(["held", "failed", "pending"])]
    if open_docs.empty:
        return "Every document of the day is posted or withdrawn."
    rows = "\n".join(
        f"| {r.source_reference} | {r.status} | {r.reason or ''} |"
        for r in open_docs.head(50).itertuples()
    )
    return f"| order | status | reason |\n|---|---|---|\n{rows}"
