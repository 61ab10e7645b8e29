"""Assets: iSeller's register shifts of a business day → cash over/short journal entries."""

from typing import Any

import dagster as dg

from journal_pipeline.accounting.documents import CASH_COUNT
from journal_pipeline.defs.assets import JURNAL_POOL
from journal_pipeline.defs.cash_checks import cash_tolerance_check, cash_tolerance_result
from journal_pipeline.defs.checks import every_record_posted_check, every_record_posted_result
from journal_pipeline.defs.metadata import markdown_table, queue_counts, rupiah
from journal_pipeline.defs.partitions import partition_date
from journal_pipeline.defs.resources import (
    ISellerResource,
    JurnalResource,
    MerchantConfigResource,
    StagingResource,
)
from journal_pipeline.sync import register_shifts as shift_sync
from journal_pipeline.sync.outbox import Outbox


def build_shift_assets(daily: dg.PartitionsDefinition) -> list:
    """The register shifts' assets of the sync job."""

    @dg.asset(partitions_def=daily, group_name="iseller", kinds={"python", "sql"})
    def iseller_register_shifts(
        context: dg.AssetExecutionContext,
        iseller: ISellerResource,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ) -> dg.MaterializeResult:
        """iSeller's register shifts opened or changed during the business day, staged with
        the day each is booked on (its outlet's business day of opening)."""
        client = iseller.client()
        counts, rows, notes = shift_sync.extract_register_shifts(
            client, staging.store, merchant.config, partition_date(context)
        )
        for note in notes:
            context.log.warning(note)
        table = [
            {
                "shift": r["register_shift_id"],
                "outlet": r["outlet_code"],
                "booked_on": r["business_date"],
                "closed": "yes" if r["closed_at"] is not None else "open",
            }
            for r in rows
        ]
        return dg.MaterializeResult(
            metadata={
                **counts,
                "shifts": dg.MetadataValue.md(markdown_table(table)),
                "without_outlet": dg.MetadataValue.md("\n\n".join(notes)),
                **client.stats(),
            }
        )

    @dg.asset(
        partitions_def=daily,
        group_name="jurnal",
        deps=[iseller_register_shifts],
        pool=JURNAL_POOL,
        kinds={"api"},
        check_specs=[
            every_record_posted_check("jurnal_cash_counts", "cash over/short entries", daily),
            cash_tolerance_check("jurnal_cash_counts", daily),
        ],
    )
    def jurnal_cash_counts(
        context: dg.AssetExecutionContext,
        jurnal: JurnalResource,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ) -> dg.MaterializeResult:
        """Cash over/short of the day's closed shifts: a journal entry per shift whose
        counted cash differs from what the till expected, posted exactly once, and its entry
        in the canonical journal."""
        day = partition_date(context)
        client = jurnal.client(staging.store)
        outbox = Outbox(staging.store, context.run.run_id)
        config = merchant.config.on(day)
        build = shift_sync.build_cash_counts(staging.store, config, day)
        queued = shift_sync.record_cash_counts(staging.store, outbox, day, build)
        result = shift_sync.post_cash_counts(outbox, day, client)
        metadata: dict[str, Any] = {
            "shifts": sum(build.readings.values()),
            "open_shifts": build.open_shifts,
            "readings": dict(sorted(build.readings.items())),
            "entries_built": len(build.documents),
            **rupiah("entries_total", sum(d.expected_total or 0 for d in build.documents)),
            "held": len(build.holds),
            "posted_now": result.posted,
            "duplicates_resolved": result.duplicates_resolved,
            "failed_now": result.failed,
            "calls": result.calls,
            **queue_counts(queued),
            **client.stats(),
            "held_reasons": dg.MetadataValue.md(
                markdown_table(
                    [{"shift": h.source_reference, "reason": h.reason} for h in build.holds]
                )
            ),
        }
        metadata["not_booked"] = build.note or ""
        if build.note:
            context.log.warning(build.note)
        if result.interrupted:
            raise dg.Failure(
                description=f"Posting stopped early, {result.left_pending} cash count(s) left "
                f"pending for the next run: {result.interrupted}",
                metadata=metadata,
            )
        counts = outbox.documents(day, [CASH_COUNT])
        tolerance = config.reconciliation.cash_difference_tolerance
        return dg.MaterializeResult(
            metadata=metadata,
            check_results=[
                every_record_posted_result(counts, day),
                cash_tolerance_result(build, tolerance, day),
            ],
        )

    return [iseller_register_shifts, jurnal_cash_counts]
