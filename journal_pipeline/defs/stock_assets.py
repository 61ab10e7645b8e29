"""Assets: iSeller's stock documents of a business day (outlet transfers received, supplier
receipts, stock takes) → Jurnal warehouse transfers and stock adjustments."""

from dataclasses import asdict

import dagster as dg

from journal_pipeline.defs.assets import JURNAL_POOL
from journal_pipeline.defs.checks import partitioned_check
from journal_pipeline.defs.metadata import bullet_list, markdown_table, queue_counts
from journal_pipeline.defs.partitions import partition_date
from journal_pipeline.defs.resources import (
    ISellerResource,
    JurnalResource,
    MerchantConfigResource,
    StagingResource,
)
from journal_pipeline.sync import stock_documents as stock_sync
from journal_pipeline.sync.outbox import Outbox

EVERY_STOCK_DOCUMENT_POSTED = "every_stock_document_posted"


def stock_document_checks(daily: dg.PartitionsDefinition) -> list[dg.AssetCheckSpec]:
    return [
        partitioned_check(
            EVERY_STOCK_DOCUMENT_POSTED,
            "jurnal_stock_documents",
            daily,
            "Every iSeller stock document completed on the day (transfer received, supplier "
            "receipt, stock take) is in Jurnal, or has nothing to post (nothing accepted, no "
            "difference counted). A document held or refused fails it, naming the document "
            "and why; fix the cause, then `journal-pipeline retry-failed --date D`. A "
            "document iSeller changed after it was posted is corrected by a further document of "
            "the difference, dated the day of the change; one that cannot be built again (held) "
            "warns, naming it and the fix.",
            blocking=False,  # a held transfer must not stop the day's sales
        )
    ]


def build_stock_assets(daily: dg.PartitionsDefinition) -> list:
    """The stock documents' assets of the sync job."""

    @dg.asset(partitions_def=daily, group_name="iseller", kinds={"python", "sql"})
    def iseller_stock_documents(
        context: dg.AssetExecutionContext,
        iseller: ISellerResource,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ) -> dg.MaterializeResult:
        """iSeller's transfers and stock takes changed during the business day, staged with
        the day each is booked on (once completed)."""
        client = iseller.client()
        counts, rows = stock_sync.extract_stock_documents(
            client, staging.store, merchant.config, partition_date(context)
        )
        table = [
            {
                "number": r["number"],
                "kind": r["kind"],
                "status": r["status"],
                "outlet": r["outlet_code"],
                "booked_on": r["business_date"],
            }
            for r in rows
        ]
        return dg.MaterializeResult(
            metadata={
                **counts,
                "stock_documents": dg.MetadataValue.md(markdown_table(table)),
                **client.stats(),
            }
        )

    @dg.asset(
        partitions_def=daily,
        group_name="jurnal",
        # tracked products are created in Jurnal before any stock moves
        deps=[iseller_stock_documents, "jurnal_products"],
        pool=JURNAL_POOL,
        kinds={"api"},
        check_specs=stock_document_checks(daily),
    )
    def jurnal_stock_documents(
        context: dg.AssetExecutionContext,
        jurnal: JurnalResource,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ) -> dg.MaterializeResult:
        """The day's stock documents in Jurnal: a warehouse transfer per outlet transfer
        received, a stock adjustment per supplier receipt, per stock take with a difference
        and per sale, void or refund that moved goods given free, each posted exactly once;
        their stock entries in the canonical journal."""
        day = partition_date(context)
        client = jurnal.client(staging.store)
        outbox = Outbox(staging.store, context.run.run_id)
        # documents of earlier days iSeller changed on this one: corrected on their own days
        earlier = stock_sync.sync_changed_days(staging.store, outbox, merchant.config, day, client)
        if earlier.interrupted:
            raise dg.Failure(
                description=f"Posting stopped early on an earlier day: {earlier.interrupted}"
            )
        build = stock_sync.build_stock_day(staging.store, merchant.config.on(day), day)
        queued = stock_sync.record_stock_day(staging.store, outbox, day, build)
        result = stock_sync.post_stock_documents(outbox, day, client)
        statuses = stock_sync.stock_day_status(outbox, day, build)
        missing = [*earlier.not_posted, *stock_sync.not_posted(statuses)]
        changed = [*earlier.uncorrected, *build.uncorrected]
        metadata = {
            "documents_built": len(build.documents),
            "held": len(build.holds),
            "posted_now": result.posted,
            "duplicates_resolved": result.duplicates_resolved,
            "failed_now": result.failed,
            "calls": result.calls,
            **queue_counts(queued),
            **client.stats(),
            "stock_documents": dg.MetadataValue.md(markdown_table([asdict(s) for s in statuses])),
            "earlier_days_built": ", ".join(d.isoformat() for d in earlier.days) or "none",
            "corrections_posted": earlier.posted,
            "not_corrected": len(changed),
            "held_reasons": dg.MetadataValue.md(
                markdown_table(
                    [{"document": h.source_reference, "reason": h.reason} for h in build.holds]
                )
            ),
        }
        if result.interrupted:
            raise dg.Failure(
                description=f"Posting stopped early, {result.left_pending} stock document(s) "
                f"left pending for the next run: {result.interrupted}",
                metadata=metadata,
            )
        return dg.MaterializeResult(
            metadata=metadata,
            check_results=[
                dg.AssetCheckResult(
                    check_name=EVERY_STOCK_DOCUMENT_POSTED,
                    passed=not missing and not changed,
                    # changed after posting: Jurnal has the document, as it was
                    severity=dg.AssetCheckSeverity.ERROR if missing else dg.AssetCheckSeverity.WARN,
                    metadata={
                        "not_posted": len(missing),
                        "not_corrected": len(changed),
                        "documents": dg.MetadataValue.md(
                            bullet_list([*missing, *changed]) or "Every one is in Jurnal."
                        ),
                    },
                )
            ],
        )

    return [iseller_stock_documents, jurnal_stock_documents]
