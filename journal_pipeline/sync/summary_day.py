"""Daily-summary mode for one business day: which outlets are summarised, and the summary.

An outlet-day is summarised when the config gives the day `daily_summary` (`posting_mode`,
`posting_mode_since`) and none of its per-order invoices is in Jurnal yet; an outlet-day whose
summary is in Jurnal stays summarised whatever the config says now. So switching modes at a
date never posts a day twice. Orders that reach a summarised day after its summary was posted
(offline uploads) go into a further summary of that day, numbered ``/2``, ``/3``, ….

The summary is posted once the day is over (the nightly run, backfills): the hourly run of
today builds and checks it, and queues nothing for the summarised outlets until then. What was
queued with a summary (or merged return) already in Jurnal and is not in Jurnal itself is kept
as queued (`summary_members.unposted_companions`): no build makes it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from journal_pipeline.accounting.business_day import day_over_at
from journal_pipeline.accounting.daily_summary import (
    Member,
    Summary,
    is_summarisable,
    settled_at_sale,
    summarise,
)
from journal_pipeline.accounting.documents import (
    JOURNAL_ENTRY,
    RECEIVE_PAYMENT,
    SALES_RETURN,
    Document,
)
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.accounting.summary_returns import MergedRefund
from journal_pipeline.config import MerchantConfig
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import summary_members


@dataclass
class DaySummary:
    """The day's documents after summarising, and what the run reports about it."""

    documents: list[Document]
    holds: list[Hold] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    outlets: dict[str, dict[str, int]] = field(default_factory=dict)
    final: bool = True  # False: built and checked, not queued (the day is not over)
    waiting: list[Document] = field(default_factory=list)  # built, queued once final
    carried: set[str] = field(default_factory=set)  # orders a summary carries, built or posted


def is_final(config: MerchantConfig, day: date, now: datetime | None = None) -> bool:
    """A day is final once it is over at every outlet, each at its own cut-off in its own
    zone, and settled (`day_over_at`): the nightly run and any backfill; a later order of the
    day goes into a further summary."""
    return (now or datetime.now(UTC)) >= day_over_at(day, config.zones())


def summarised_outlets(
    store: StagingStore,
    config: MerchantConfig,
    day: date,
    documents: list[Document],
    posted: dict[str, set[str]],
    settled: set[str],
) -> set[str]:
    """``posted``: outlet → the day's summary invoices in Jurnal (`posted_summaries`);
    ``settled``: the day's invoices paid in full on it (`settled_at_sale`)."""
    if config.mode_of(day) != "daily_summary":
        return set(posted)
    candidates = {
        d.outlet_code
        for d in documents
        if is_summarisable(d, day, {d.outlet_code}) and d.transaction_no in settled
    }
    return (candidates | set(posted)) - summary_members.per_order_outlets(store.engine, day)


def summary_of_day(
    store: StagingStore,
    config: MerchantConfig,
    day: date,
    documents: list[Document],
    now: datetime | None = None,
) -> DaySummary:
    """The day's documents with its summarised outlets' sales folded into summaries, and the
    later payments of summarised orders pointed at their summary invoices."""
    engine = store.engine
    posted = summary_members.posted_summaries(engine, day)
    settled = settled_at_sale(documents, day)
    outlets = summarised_outlets(store, config, day, documents, posted, settled)
    earlier = summary_members.members_by_invoice_no(engine, _invoices_referred(documents))
    if not outlets and not earlier:
        return DaySummary(documents)
    targets = {spot[0] for m in earlier.values() for spot in m.line_map if spot}
    bodies = summary_members.invoice_bodies(engine, targets)
    sequence = {outlet: _next_sequence(keys) for outlet, keys in posted.items()}
    frozen = summary_members.frozen_orders(engine, day)
    posted_returns = summary_members.posted_summaries(engine, day, SALES_RETURN)
    posted_own = set(summary_members.posted_own_invoices(engine, day))
    summary: Summary = summarise(
        documents,
        config,
        day,
        outlets,
        sequence=sequence,
        earlier_members=earlier,
        summary_bodies=bodies,
        frozen=frozen,
        frozen_refunds=summary_members.frozen_orders(engine, day, SALES_RETURN),
        posted_returns={key for keys in posted_returns.values() for key in keys},
        posted_own=posted_own | summary_members.by_hand_orders(engine, day),
        settled=settled,
    )
    members = [*summary.members, *(_as_member(refund) for refund in summary.merged)]
    carried = frozen | {m.order_id for m in summary.members}
    built_keys = {d.doc_key for d in summary.documents}
    kept = [
        d for d in summary_members.unposted_companions(engine, day) if d.doc_key not in built_keys
    ]
    summary = replace(summary, documents=[*summary.documents, *kept])
    if is_final(config, day, now):
        return DaySummary(
            summary.documents, summary.holds, members, summary.outlets, carried=carried
        )
    built = {d.doc_key for d in summary.documents} - {d.doc_key for d in documents}
    # an order left owing keeps its own invoice: at a summarised outlet it waits with the day
    built |= {
        d.doc_key
        for d in summary.documents
        if is_summarisable(d, day, outlets) and d.source_id not in posted_own
    }
    # what goes against a summary not in Jurnal yet waits with it: a same-day refund's return
    # and its journal entry, a payment of it
    numbers = {d.transaction_no for d in summary.documents if d.doc_key in built}
    against = {
        d.custom_id for d in summary.documents if d.doc_key not in built and _refers(d, numbers)
    }
    built |= {
        d.doc_key
        for d in summary.documents
        if d.custom_id in against and d.doc_type in (SALES_RETURN, JOURNAL_ENTRY, RECEIVE_PAYMENT)
    }
    built -= {d.doc_key for d in kept}  # what goes with a summary in Jurnal posts whenever run
    return DaySummary(
        [d for d in summary.documents if d.doc_key not in built],
        summary.holds,
        members,
        summary.outlets,
        final=False,
        waiting=[d for d in summary.documents if d.doc_key in built],
        carried=carried,
    )


def _as_member(refund: MergedRefund) -> Member:
    """A refund in a day's merged return, kept beside the orders the summaries carry."""
    return Member(
        order_id=refund.refund_id,
        order_invoice_no=refund.return_no,
        summary_key=refund.merged_key,
        invoice_no=refund.merged_no,
        outlet_code=refund.outlet_code,
        business_date=refund.business_date,
    )


def _refers(doc: Document, numbers: set[str]) -> bool:
    return bool(_invoices_referred([doc]) & numbers)


def _invoices_referred(documents: list[Document]) -> set[str]:
    """Invoice numbers the day's receive payments pay and its sales returns return against."""
    numbers: set[str] = set()
    for doc in documents:
        if doc.doc_type == RECEIVE_PAYMENT:
            records = doc.payload[RECEIVE_PAYMENT].get("records_attributes") or []
            numbers.update(str(r["transaction_no"]) for r in records if r.get("transaction_no"))
        elif doc.doc_type == SALES_RETURN and doc.payload[SALES_RETURN].get("invoice_no"):
            numbers.add(str(doc.payload[SALES_RETURN]["invoice_no"]))
    return numbers


def _next_sequence(posted_keys: set[str]) -> int:
    """The number of the next summary of an outlet-day: after the highest one posted."""
    highest = 1
    for key in posted_keys:
        head = key.split(":", 3)[-1]  # <date>[/<n>][:<group>]
        head = head.split(":")[0]
        if "/" in head:
            highest = max(highest, int(head.rsplit("/", 1)[1]))
    return highest + 1
