"""iSeller's stock documents of one business day end to end: fetch and stage them, build the
Jurnal documents and canonical stock entries, queue them in the outbox and post them.

Jurnal has no batch endpoint for warehouse transfers or stock adjustments, so each document is
posted on its own (`sync.one_by_one`); warehouse transfers are posted before stock
adjustments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from journal_pipeline.accounting import free_goods
from journal_pipeline.accounting.business_day import merged_window_utc
from journal_pipeline.accounting.documents import (
    STOCK_ADJUSTMENT,
    STOCK_DOCUMENTS,
    WAREHOUSE_TRANSFER,
)
from journal_pipeline.accounting.stock_documents import (
    Outcome,
    StagedStockDocument,
    StockBuild,
    build_stock_documents,
)
from journal_pipeline.accounting.stock_records import ADJUSTMENT, TRANSFER, staging_row
from journal_pipeline.config import MerchantConfig
from journal_pipeline.iseller.refunds import refund_key
from journal_pipeline.storage.stock_documents import stock_documents_of_day, upsert_stock_documents
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import free_goods as free_goods_sync
from journal_pipeline.sync import stock_changes
from journal_pipeline.sync.by_hand import BY_HAND
from journal_pipeline.sync.one_by_one import OneByOne
from journal_pipeline.sync.outbox import Outbox, PostResult
from journal_pipeline.sync.ports import SingleWriter

POSTING_ORDER = (WAREHOUSE_TRANSFER, STOCK_ADJUSTMENT)  # stock moved between outlets first
# sync mark per day: orders with a line at no charge or of a combo set
FREE_LINE_ORDERS = "free_line_orders"


class StockSource(Protocol):
    """iSeller's GetTransfer and InventoryAdjustments, windowed on the modified date (UTC)."""

    def get_transfers(
        self, *, modified_after: datetime | None = None, modified_before: datetime | None = None
    ) -> Sequence[Mapping[str, Any]]: ...

    def get_inventory_adjustments(
        self, *, modified_after: datetime | None = None, modified_before: datetime | None = None
    ) -> Sequence[Mapping[str, Any]]: ...


# --- extract -----------------------------------------------------------------------------


def extract_stock_documents(
    client: StockSource, store: StagingStore, config: MerchantConfig, day: date
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Fetch the transfers and stock takes changed during ``day`` (in every outlet's zone)
    and stage them; (counts, the staged rows without their raw JSON)."""
    start, end = merged_window_utc(day, config.zones())
    # asked up to the window's end itself, whichever reading of the end bound holds (I-10)
    transfers = client.get_transfers(modified_after=start, modified_before=end)
    counts_taken = client.get_inventory_adjustments(modified_after=start, modified_before=end)
    rows = [staging_row(TRANSFER, raw, config) for raw in transfers]
    rows += [staging_row(ADJUSTMENT, raw, config) for raw in counts_taken]
    counts = {
        "transfers_fetched": len(transfers),
        "stock_takes_fetched": len(counts_taken),
        **upsert_stock_documents(store, rows),
        "booked_on_day": sum(1 for row in rows if row["business_date"] == day),
    }
    return counts, [{k: v for k, v in row.items() if k != "raw"} for row in rows]


# --- build -------------------------------------------------------------------------------


def build_stock_day(store: StagingStore, config: MerchantConfig, day: date) -> StockBuild:
    """The Jurnal documents, holds and journal lines of the documents booked on ``day``, and
    the stock adjustments of the free goods given or given back on it
    (`accounting.free_goods`)."""
    rows = stock_documents_of_day(store, day)
    staged = [StagedStockDocument(row["kind"], row["raw"]) for row in rows]
    build = build_stock_documents(staged, config, day)
    # a document changed after posting: kept as posted, the difference a further document
    build.uncorrected = stock_changes.with_corrections(store, config, day, build, rows)
    if config.stock.enabled:
        _add_free_goods(build, store, config, day)
    return build


def _add_free_goods(
    build: StockBuild, store: StagingStore, config: MerchantConfig, day: date
) -> None:
    """The day's stock events of goods no invoice line moves (free lines, combo sets), from
    the staged orders of its window with such a line: as the day's sales build listed them
    (`FREE_LINE_ORDERS`), else every order closed or changed in it or refunded on it; and the
    difference for each sale whose adjustment is in Jurnal and whose order iSeller changed
    during the day."""
    kept = store.mark(FREE_LINE_ORDERS, day.isoformat())
    if kept is not None:
        orders = store.orders_by_id(kept[0])
    else:
        start, end = merged_window_utc(day, config.zones())
        orders = store.orders_touching(start, end)
        seen = {str(order.get("order_id")) for order in orders}
        refunded = [i for i in store.refunded_order_ids(start, end) if i not in seen]
        orders += store.orders_by_id(refunded)
    orders = [order for order in orders if free_goods.gives_free_units(order)]
    changed = free_goods_sync.changed_on(store, config, day)
    if not orders and not changed:
        return
    refunds = store.refunds_of_orders(str(order.get("order_id")) for order in orders)
    events = free_goods.free_goods_events(
        orders, [(refund_key(r), r) for r in refunds], config, day
    )
    posted = free_goods_sync.posted_sales(
        store.engine, [str(o.get("order_id")) for o in [*orders, *changed]]
    )
    # a sale's adjustment in Jurnal stands: what changed since goes by an adjustment of its own,
    # and its void gives back what it moved
    standing = [e for e in events if e.source_id in posted]
    voids = {f"{order_id}/V" for order_id in posted}
    events = [e for e in events if e.source_id not in posted and e.source_id not in voids]
    events += free_goods.free_goods_changes(changed, posted, config)
    both = {str(o.get("order_id")): o for o in [*orders, *changed]}
    events += free_goods.voids_of_posted(both.values(), posted, config, day)
    documents, holds = free_goods.free_goods_documents(events, config, day)
    build.documents.extend(documents)
    build.holds.extend(holds)
    named = [(d.source_id, d.source_reference, d.outlet_code, d.doc_key) for d in documents]
    named += [(h.source_id, h.source_reference, h.outlet_code, h.doc_key) for h in holds]
    named += [
        (e.source_id, e.order_reference, e.outlet_code, free_goods.document_key(e))
        for e in standing
    ]
    for source_id, reference, outlet, key in named:
        outcome = Outcome(source_id, "free goods", reference or source_id, None, outlet, key)
        build.outcomes.append(outcome)


def record_stock_day(
    store: StagingStore, outbox: Outbox, day: date, build: StockBuild
) -> dict[str, int]:
    """Replace the day's stock entries and queue its stock documents and holds (sales
    documents and entries of the day are left alone)."""
    written = store.replace_journal(day, build.journal_frame(), stock=True)
    queued = outbox.enqueue(day, build.documents, build.holds, doc_types=STOCK_DOCUMENTS)
    return {"journal_lines_written": written, **{f"outbox_{k}": v for k, v in queued.items()}}


# --- post --------------------------------------------------------------------------------


def post_stock_documents(outbox: Outbox, day: date, client: SingleWriter) -> PostResult:
    """Post the day's pending warehouse transfers, then its stock adjustments, one request
    each; stops at the first retryable failure, leaving the rest pending."""
    result = PostResult()
    writer = OneByOne(client)
    queue = [(t, row) for t in POSTING_ORDER for row in outbox._pending(day, t)]
    for done, (doc_type, row) in enumerate(queue, start=1):
        if not outbox._post_rows(doc_type, [row], writer, result):
            result.left_pending += len(queue) - done  # the failed one is counted already
            break
    return result


# --- report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockDocumentStatus:
    """One iSeller document booked on the day, and where its Jurnal document stands."""

    number: str
    kind: str
    outlet_code: str | None
    jurnal_document: str  # warehouse_transfer / stock_adjustment, or "none"
    status: str  # the outbox status, or "nothing to post"
    reason: str | None

    @property
    def settled(self) -> bool:
        return self.status in ("posted", BY_HAND, "nothing to post")


def stock_day_status(outbox: Outbox, day: date, build: StockBuild) -> list[StockDocumentStatus]:
    """Each document the build saw, with its outbox status (posted, held, failed, ...)."""
    documents = outbox.documents(day, STOCK_DOCUMENTS)  # the build's kinds (`_document`)
    by_key = {row.doc_key: row for row in documents.itertuples()}
    rows = []
    for outcome in build.outcomes:
        row = by_key.get(outcome.doc_key) if outcome.doc_key else None
        if outcome.doc_key is None:
            rows.append(
                StockDocumentStatus(
                    outcome.number,
                    outcome.kind,
                    outcome.outlet_code,
                    "none",
                    "nothing to post",
                    outcome.note,
                )
            )
            continue
        rows.append(
            StockDocumentStatus(
                outcome.number,
                outcome.kind,
                outcome.outlet_code,
                outcome.doc_key.split(":", 1)[0],
                str(row.status) if row is not None else "not queued",
                None if row is None or row.reason is None else str(row.reason),
            )
        )
    return rows


def not_posted(statuses: Sequence[StockDocumentStatus]) -> list[str]:
    """A sentence per completed document of the day that Jurnal does not have, and why."""
    return [
        f"{s.kind.capitalize()} {s.number} (outlet {s.outlet_code}): {s.jurnal_document} "
        f"{s.status}" + (f": {s.reason}" if s.reason else "")
        for s in statuses
        if not s.settled
    ]


@dataclass
class EarlierDays:
    """What the run of a day did to the earlier days whose documents iSeller changed on it."""

    days: list[date] = field(default_factory=list)
    posted: int = 0
    not_posted: list[str] = field(default_factory=list)
    uncorrected: list[str] = field(default_factory=list)
    interrupted: str | None = None


def sync_changed_days(
    store: StagingStore, outbox: Outbox, config: MerchantConfig, day: date, client: SingleWriter
) -> EarlierDays:
    """Build, record and post again the stock documents of each earlier day a document changed
    on ``day`` is booked on (`stock_changes.touched_days`): each posted one kept, a further
    document of the difference added. Stops at the first day whose posting is interrupted."""
    earlier = EarlierDays(stock_changes.touched_days(store, config, day))
    for booked in earlier.days:
        build = build_stock_day(store, config.on(booked), booked)
        record_stock_day(store, outbox, booked, build)
        result = post_stock_documents(outbox, booked, client)
        earlier.posted += result.posted
        earlier.not_posted += not_posted(stock_day_status(outbox, booked, build))
        earlier.uncorrected += build.uncorrected
        if result.interrupted:
            earlier.interrupted = f"{booked.isoformat()}: {result.interrupted}"
            break
    return earlier
