"""Asset: the business day's payment fees (MDR) and gift-card releases → Jurnal journal entries."""

from datetime import date
from typing import Any

import dagster as dg

from journal_pipeline.accounting.documents import PAYMENT_FEE
from journal_pipeline.config import MerchantConfig
from journal_pipeline.defs import build_marks
from journal_pipeline.defs.assets import JURNAL_POOL
from journal_pipeline.defs.checks import every_record_posted_check, every_record_posted_result
from journal_pipeline.defs.metadata import markdown_table, queue_counts, rupiah_each
from journal_pipeline.defs.partitions import partition_date
from journal_pipeline.defs.resources import JurnalResource, MerchantConfigResource, StagingResource
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import payment_fees as fee_sync
from journal_pipeline.sync.outbox import Outbox

FEE_KINDS = ("mdr", "gift_card")  # the entries of `accounting.mdr`, each booked apart
FEES_MARK = "jurnal_payment_fees"


def build_fee_assets(daily: dg.PartitionsDefinition) -> list:
    """The payment fees' asset of the sync job."""

    @dg.asset(
        partitions_def=daily,
        group_name="jurnal",
        # the day's orders are staged and complete against iSeller's own totals first
        deps=["iseller_day_totals"],
        pool=JURNAL_POOL,
        kinds={"api"},
        check_specs=[
            every_record_posted_check(
                "jurnal_payment_fees", "payment fee (MDR) and gift card entries", daily
            )
        ],
    )
    def jurnal_payment_fees(
        context: dg.AssetExecutionContext,
        jurnal: JurnalResource,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ) -> dg.MaterializeResult:
        """The MDR kept from each successful sale payment of the day and each gift card
        redeemed: a journal entry per payment, posted exactly once whatever happens to its sale
        afterwards, and its entry in the canonical journal; a further entry when iSeller
        reports a posted fee anew, and, once the day is final, one per outlet and method whose
        bank takes its fee of the day's net takings (``fee_basis: day``)."""
        day, store = partition_date(context), staging.store
        config = merchant.config.on(day)  # the mapping of the day (`config_history`)
        client = jurnal.client(store)
        outbox = Outbox(store, context.run.run_id)
        # built and queued again only when what they are built from changed (`build_marks`)
        inputs = build_marks.journal_inputs(store, config, day)
        kept = build_marks.kept(store, FEES_MARK, day, inputs)
        built = kept["metadata"] if kept else _build_fees(store, config, outbox, day)
        if kept is None:
            after = build_marks.journal_inputs(store, config, day)
            build_marks.keep(store, FEES_MARK, day, inputs, after, built)
        result = fee_sync.post_payment_fees(outbox, day, client)
        metadata: dict[str, Any] = {
            **built,
            "posted_now": result.posted,
            "duplicates_resolved": result.duplicates_resolved,
            "failed_now": result.failed,
            "calls": result.calls,
            **client.stats(),
        }
        if result.interrupted:
            raise dg.Failure(
                description=f"Posting stopped early, {result.left_pending} payment fee(s) left "
                f"pending for the next run: {result.interrupted}",
                metadata=metadata,
            )
        if result.failed:
            context.log.warning("; ".join(result.failures[:5]))
        fees = outbox.documents(day, [PAYMENT_FEE])
        return dg.MaterializeResult(
            metadata=metadata, check_results=[every_record_posted_result(fees, day)]
        )

    return [jurnal_payment_fees]


def _build_fees(
    store: StagingStore, config: MerchantConfig, outbox: Outbox, day: date
) -> dict[str, Any]:
    """Build the day's fee entries and queue them; what was built, as metadata."""
    entries = fee_sync.build_payment_fees(store, config, day)
    entries, waiting = fee_sync.waiting_for_summary(store, config, day, entries)
    queued = fee_sync.record_payment_fees(store, outbox, day, entries)
    booked = {kind: 0 for kind in FEE_KINDS} | fee_sync.fee_totals(entries)
    return {
        "rebuilt": True,
        "entries_built": len(entries.documents) + waiting,
        **rupiah_each(booked, key="booked_{}_total"),
        "held": len(entries.holds),
        # a daily-summary day not over yet: posted with its summaries (`waiting_for_summary`)
        "waiting_for_day_end": waiting,
        **queue_counts(queued),
        "held_reasons": dg.MetadataValue.md(
            markdown_table(
                [{"order": h.source_reference, "reason": h.reason} for h in entries.holds]
            )
        ),
    }
