"""Assets: iSeller orders (checked against iSeller's day totals) → balanced journal → Jurnal
products (from iSeller's catalogue) and customers → sales invoices → the sales returns and
journal entries of refunds and voids, one business day each."""

from datetime import date
from typing import Any

import dagster as dg
import pandas as pd

from journal_pipeline.accounting import posting_rules
from journal_pipeline.accounting.business_day import day_over_at
from journal_pipeline.defs import build_marks
from journal_pipeline.defs.checks import (
    day_totals_checks,
    every_record_posted_result,
    invoice_checks,
    journal_check_results,
    journal_checks,
    posted_tax_result,
    posted_total,
    posted_totals_result,
    return_checks,
)
from journal_pipeline.defs.metadata import (
    bullet_list,
    held_reasons,
    metadata_value,
    open_records,
    queue_counts,
    rupiah,
    status_counts,
    summary_counts,
)
from journal_pipeline.defs.partitions import partition_date
from journal_pipeline.defs.resources import (
    ISellerResource,
    JurnalResource,
    MerchantConfigResource,
    StagingResource,
)
from journal_pipeline.iseller.paging import ChangedOrders
from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.sync import day as day_sync
from journal_pipeline.sync import order_marks, returns
from journal_pipeline.sync.customers import sync_day_customers
from journal_pipeline.sync.master_data import sync_day_products
from journal_pipeline.sync.outbox import (
    CORRECTIONS,
    INVOICE_DOCUMENTS,
    SALES_DOCUMENTS,
    Outbox,
    PostResult,
)
from journal_pipeline.sync.outbox_building import FOR_A_PERSON
from journal_pipeline.sync.posted_tax import compare_posted_tax

JURNAL_POOL = "jurnal_api"


def build_assets(daily: dg.PartitionsDefinition) -> list:
    @dg.asset(partitions_def=daily, group_name="iseller", kinds={"python", "sql"})
    def iseller_orders(
        context: dg.AssetExecutionContext,
        iseller: ISellerResource,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ) -> dg.MaterializeResult:
        """Every iSeller order that belongs to the business day or changed on it, staged
        (after the day's first run, only those changed since: `sync.order_marks`)."""
        client, day = iseller.client(), partition_date(context)
        fetch = order_marks.plan_fetch(staging.store, merchant.config, day)
        changed = ChangedOrders(client, fetch.since)
        counts = day_sync.extract_orders(changed, staging.store, merchant.config, day)
        order_marks.remember_fetch(staging.store, day, fetch, changed.latest_modified)
        return dg.MaterializeResult(metadata={"fetch": fetch.why, **counts, **client.stats()})

    @dg.asset(
        partitions_def=daily,
        group_name="iseller",
        deps=[iseller_orders],
        kinds={"python", "sql"},
        check_specs=day_totals_checks(daily),
    )
    def iseller_day_totals(
        context: dg.AssetExecutionContext,
        iseller: ISellerResource,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ) -> dg.MaterializeResult:
        """iSeller's own totals of the day per outlet, staged and compared with the staged
        orders: a day that disagrees is not complete and is not built (blocking check)."""
        client = iseller.client()
        compared, counts = build_marks.day_totals(
            client, staging.store, merchant.config, partition_date(context)
        )
        return dg.MaterializeResult(
            metadata={**counts, **(compared.metadata or {}), **client.stats()},
            check_results=compared.check_results,
        )

    @dg.asset(
        partitions_def=daily,
        group_name="accounting",
        deps=[iseller_orders, iseller_day_totals],
        kinds={"pandas", "sql"},
        check_specs=journal_checks(daily),
    )
    def journal_entries(
        context: dg.AssetExecutionContext,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ) -> dg.MaterializeResult:
        """Balanced journal lines for the day's sales, and their invoices queued in the outbox
        (not built again while nothing it is built from has changed: `same_build`)."""
        day = partition_date(context)
        config = merchant.config.on(day)  # the mapping of the day (`config_history`)
        inputs = build_marks.journal_inputs(staging.store, config, day)
        unchanged = build_marks.same_build(staging.store, day, inputs)
        if unchanged is not None:
            return unchanged
        journal = day_sync.build_journal(staging.store, config, day)
        written = day_sync.record_journal(
            staging.store, Outbox(staging.store, context.run.run_id), day, journal
        )
        totals = posting_rules.summary(journal.lines, journal.holds, journal.sales.readings)
        readings = totals.get("readings")  # sales per reading of their service charge
        result: dg.MaterializeResult = dg.MaterializeResult(
            metadata={
                "rebuilt": True,
                "orders_completed": len(journal.sales.frames),
                "orders_voided_before_posting": len(journal.sales.voided),
                "entries": totals["entries"],
                "journal_lines": totals["journal_lines"],
                **rupiah("total_debit", totals["total_debit"]),
                **rupiah("total_credit", totals["total_credit"]),
                "held": totals["held"],
                "nothing_to_post": totals["nothing_to_post"],
                "held_reasons": dg.MetadataValue.md(held_reasons(journal.holds)),
                "readings": metadata_value(readings or {}),
                **queue_counts(written),
                **summary_counts(
                    config.mode_of(day),
                    journal.summary,
                    day_over_at(day, config.zones()),
                    config.zone,
                ),
            },
            check_results=journal_check_results(journal, totals),
        )
        after = build_marks.journal_inputs(staging.store, config, day)
        build_marks.remember_build(staging.store, day, inputs, after, result)
        return result

    @dg.asset(
        partitions_def=daily,
        group_name="jurnal",
        deps=[journal_entries],
        pool=JURNAL_POOL,
        kinds={"api"},
    )
    def jurnal_products(
        context: dg.AssetExecutionContext,
        iseller: ISellerResource,
        jurnal: JurnalResource,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ) -> dg.MaterializeResult:
        """Jurnal products follow iSeller's catalogue (tracked inventory products, variants,
        modifiers, bundles; names and prices updated); a SKU the day's invoices name that
        the catalogue lacks is created untracked."""
        client = jurnal.client(staging.store)
        invoices = Outbox(staging.store).pending_payloads(partition_date(context))
        products = sync_day_products(
            iseller.client(), client, staging.store, merchant.config, invoices
        )
        result, named = products.catalogue, products.named
        created = [*result.created, *named.created]
        problems = [*result.problems, *named.problems]
        return dg.MaterializeResult(
            metadata={
                "jurnal_products_listed": products.listed,
                "catalogue_products": products.catalogue_products,
                "products_created": len(created),
                "products_updated": len(result.updated),
                "products_unchanged": result.unchanged,
                "products_problems": len(problems),
                "created": ", ".join(created[:50]),
                "updated": ", ".join(result.updated[:50]),
                "problems": dg.MetadataValue.md(bullet_list(problems)),
                **client.stats(),
            }
        )

    @dg.asset(
        partitions_def=daily,
        group_name="jurnal",
        deps=[journal_entries, jurnal_products],  # master data one step at a time
        pool=JURNAL_POOL,
        kinds={"api"},
    )
    def jurnal_customers(
        context: dg.AssetExecutionContext,
        jurnal: JurnalResource,
        iseller: ISellerResource,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ) -> dg.MaterializeResult:
        """Jurnal customers for every iSeller customer the day's invoices name (created when
        missing, matched on custom_id, with the phone and e-mail iSeller gives for them then);
        walk-in sales keep the configured walk-in customer."""
        client = jurnal.client(staging.store)
        day, orders = partition_date(context), iseller.client()
        result = sync_day_customers(staging.store, client, merchant.config, day, orders.order_by_id)
        problems = [*result.conflicts, *result.failed]
        metadata = {
            "customers_existing": result.existing,
            "customers_created": len(result.created),
            "customers_renamed": len(result.renamed),
            "customers_failed": len(problems),
            "created": ", ".join(result.created[:50]),
            "failed": dg.MetadataValue.md(bullet_list(problems)),
            **client.stats(),
        }
        if result.conflicts:
            raise dg.Failure(
                description=f"{len(result.conflicts)} customer(s) of the day's invoices have "
                f"their name taken by another Jurnal customer; no invoice is posted until it "
                f"is renamed. {result.conflicts[0]}",
                metadata=metadata,
            )
        return dg.MaterializeResult(metadata=metadata)

    @dg.asset(
        partitions_def=daily,
        group_name="jurnal",
        deps=[journal_entries, jurnal_products, jurnal_customers],
        pool=JURNAL_POOL,
        kinds={"api"},
        check_specs=invoice_checks(daily),
    )
    def jurnal_sales_invoices(
        context: dg.AssetExecutionContext, jurnal: JurnalResource, staging: StagingResource
    ) -> dg.MaterializeResult:
        """The day's sales invoices in Jurnal: one per completed order, posted exactly once."""
        day = partition_date(context)
        client = jurnal.client(staging.store)
        outbox = Outbox(staging.store, context.run.run_id)
        result = outbox.post_pending(day, client)
        documents = _sales_documents(outbox, day)
        metadata = _posting_metadata(
            result, client, documents, calls="batch_calls", waiting="waiting_for_invoice"
        )
        _fail_if_interrupted(result, "invoice(s)", metadata)
        invoices = invoice_check_records(outbox, day, documents)
        return dg.MaterializeResult(
            metadata=metadata,
            check_results=[
                posted_totals_result(documents),
                posted_tax_result(compare_posted_tax(staging.store, day, documents)),
                every_record_posted_result(invoices, day),
            ],
        )

    @dg.asset(
        partitions_def=daily,
        group_name="jurnal",
        deps=[jurnal_sales_invoices],
        pool=JURNAL_POOL,
        kinds={"api"},
        check_specs=return_checks(daily),
    )
    def jurnal_sales_returns(
        context: dg.AssetExecutionContext, jurnal: JurnalResource, staging: StagingResource
    ) -> dg.MaterializeResult:
        """The day's refunds and voids of posted sales in Jurnal: a sales return against the
        invoice and a journal entry paying the customer back, each posted exactly once."""
        day = partition_date(context)
        client = jurnal.client(staging.store)
        outbox = Outbox(staging.store, context.run.run_id)
        result = returns.post_corrections(outbox, day, client)
        documents = _sales_documents(outbox, day)
        corrections = documents[documents["doc_type"].isin(CORRECTIONS)]
        metadata = _posting_metadata(
            result, client, corrections, calls="calls", waiting="waiting_for_invoice_or_return"
        )
        _fail_if_interrupted(result, "return(s)", metadata)
        return dg.MaterializeResult(
            metadata=metadata,
            check_results=[
                posted_totals_result(documents, asset="jurnal_sales_returns"),
                every_record_posted_result(corrections, day, asset="jurnal_sales_returns"),
            ],
        )

    return [
        iseller_orders,
        iseller_day_totals,
        journal_entries,
        jurnal_products,
        jurnal_customers,
        jurnal_sales_invoices,
        jurnal_sales_returns,
    ]


def invoice_check_records(
    outbox: Outbox, day: date, documents: pd.DataFrame | None = None
) -> pd.DataFrame:
    """What the invoices' `every_record_posted` answers for: the day's invoices and receive
    payments, and the records left for a person (a posted invoice to reverse by hand, a change
    after booking by hand). ``documents``: the day's sales documents, when read already."""
    sales = _sales_documents(outbox, day) if documents is None else documents
    invoices = sales[sales["doc_type"].isin(INVOICE_DOCUMENTS)]
    left = outbox.documents(day, FOR_A_PERSON)
    return pd.concat([invoices, left], ignore_index=True) if len(left) else invoices


def _sales_documents(outbox: Outbox, day: date) -> pd.DataFrame:
    """The day's documents of sales, payments, refunds and voids (not the stock documents,
    which carry quantities and are posted by their own asset)."""
    return outbox.documents(day, SALES_DOCUMENTS)


def _posting_metadata(
    result: PostResult, client: JurnalClient, documents: pd.DataFrame, *, calls: str, waiting: str
) -> dict[str, Any]:
    """What a posting step did (`sync.outbox.PostResult`) and where its documents stand."""
    return {
        "posted_now": result.posted,
        "duplicates_resolved": result.duplicates_resolved,
        "failed_now": result.failed,
        calls: result.calls,
        waiting: result.waiting,
        **client.stats(),
        **status_counts(documents),
        **rupiah("posted_total", posted_total(documents)),
        "open_records": dg.MetadataValue.md(open_records(documents)),
    }


def _fail_if_interrupted(result: PostResult, what: str, metadata: dict[str, Any]) -> None:
    if result.interrupted:
        raise dg.Failure(
            description=f"Posting stopped early, {result.left_pending} {what} left pending "
            f"for the next run: {result.interrupted}",
            metadata=metadata,
        )
