"""One business day end to end, in plain functions the Dagster assets and the CLI share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from journal_pipeline.accounting import (
    free_goods,
    invoices,
    payments,
    periods,
    posting_rules,
    refunds,
)
from journal_pipeline.accounting.business_day import extraction_windows, merged_window_utc
from journal_pipeline.accounting.documents import (
    Document,
)
from journal_pipeline.accounting.holds import Hold, order_label
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.cycle_collection import cycle_collection_paused
from journal_pipeline.core.timestamps import parse_utc
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.refunds import refund_frames
from journal_pipeline.iseller.validation import (
    HELD,
    UNIDENTIFIED,
    batch_problems,
    held_order,
    held_reason,
    is_held,
    superseded,
)
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import revisions, summary_members
from journal_pipeline.sync.day_orders import orders_of_day
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline.sync.ports import OrderSource
from journal_pipeline.sync.revision_money import money_of_revised_orders
from journal_pipeline.sync.rolled_back_days import hold_rolled_back
from journal_pipeline.sync.stock_documents import FREE_LINE_ORDERS
from journal_pipeline.sync.summary_day import DaySummary, summary_of_day


def extract_orders(
    client: OrderSource, store: StagingStore, config: MerchantConfig, day: date
) -> dict[str, int]:
    """Fetch every order that can belong to ``day`` or changed on it, and stage it; an order
    that cannot be read is staged as a held envelope naming its problems
    (`journal_pipeline.iseller.validation`), so the rest of the day goes on."""
    windows = extraction_windows(day, config.zones())
    # iSeller's document does not say whether a ``*_before`` bound is inclusive (I-10): ask up
    # to the window's end itself, so nothing falls between two days' windows either way. An
    # order at exactly the end may then come in both days' fetches: staging keeps one row per
    # order and its business date decides which day it is built into.
    created_start, created_end = windows["created"]
    modified_start, modified_end = windows["modified"]
    created = client.get_orders(created_after=created_start, created_before=created_end)
    modified = client.get_orders(modified_after=modified_start, modified_before=modified_end)
    start, end = merged_window_utc(day, config.zones())
    staged = checked_orders([created, modified], start + (end - start) / 2)
    counts = store.upsert_orders([*staged, *_gone_unidentified(store, start, end, staged)])
    # what each refund gave back (I-33) comes beside the orders, not inside them
    entries = [*getattr(created, "refunded_orders", ()), *getattr(modified, "refunded_orders", ())]
    return {
        "fetched_created_window": len(created.orders),
        "fetched_modified_window": len(modified.orders),
        "held_at_edge": sum(1 for order in staged if is_held(order)),
        **counts,
        **store.upsert_refunds(entries),
    }


def checked_orders(batches: Iterable[Any], fallback: datetime) -> list[dict[str, Any]]:
    """The orders of GetOrders answers to stage, each id once: as received when it can be read,
    else its held envelope (held wins when two answers disagree). `fallback`: the moment that
    places an order without a usable date in the day fetched."""
    staged: dict[str, dict[str, Any]] = {}
    for batch in batches:
        origins = getattr(batch, "origins", None) or []
        conflicts = getattr(batch, "conflicts", None) or {}
        read = batch_problems(batch)
        for index, order in enumerate(batch.orders):
            where = origins[index] if index < len(origins) else f"GetOrders item {index + 1}"
            problems = read[index]
            conflict = (
                conflicts.get(str(order.get("order_id"))) if isinstance(order, dict) else None
            )
            if conflict:
                problems = [conflict, *problems]
            item = held_order(order, problems, where, fallback) if problems else order
            key = str(item["order_id"])
            if key not in staged or not is_held(staged[key]):
                staged[key] = item
    return list(staged.values())


def _gone_unidentified(
    store: StagingStore, start: datetime, end: datetime, staged: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Envelopes of orders without id staged for this stretch earlier that iSeller no longer
    sends (it sends them with their id now): marked superseded, so their holds are withdrawn."""
    if not store.orders_touching_with_prefix(UNIDENTIFIED, start, end):
        return []  # the usual day: one count, not every staged order read and parsed
    fetched = {str(order["order_id"]) for order in staged}
    return [
        {**raw, HELD: {**raw[HELD], "superseded": True}}
        for raw in store.orders_touching(start, end)
        if is_held(raw)
        and str(raw["order_id"]).startswith(UNIDENTIFIED)
        and str(raw["order_id"]) not in fetched
        and not superseded(raw)
    ]


def edge_holds(held: Iterable[dict[str, Any]], config: MerchantConfig, day: date) -> list[Hold]:
    """Holds of the day's orders held at the edge, each naming the order (reference, else id,
    else its place in iSeller's answer), its problems and the fix."""
    holds = []
    for raw in held:
        if superseded(raw):
            continue
        outlet = raw.get("outlet_code")
        moment = parse_utc(raw.get("closed_date"))
        if posting_rules.outlet_business_date(moment, outlet, config) != day:
            continue
        reference, code = str(raw["order_reference"]), outlet or "?"
        reason = f"{order_label(reference, code, day)}: {held_reason(raw)}"
        holds.append(Hold("order", str(raw["order_id"]), reference, code, day, reason))
    return holds


@dataclass
class DayJournal:
    sales: posting_rules.DaySales
    lines: pd.DataFrame
    documents: list[Document]
    holds: list[Hold]
    summary: DaySummary | None = None  # daily-summary mode: what was summarised
    # orders of the day's build with a line at no charge or of a combo set: where the stock
    # build looks for goods no invoice line moves (`sync.stock_documents`), so it need not
    # read every order again
    free_line_orders: list[str] = field(default_factory=list)


@cycle_collection_paused()
def build_journal(
    store: StagingStore, config: MerchantConfig, day: date, now: datetime | None = None
) -> DayJournal:
    """Journal lines and documents for ``day`` from the staged orders; in daily-summary mode
    the summarised outlets' sales documents are folded into summaries (`summary_day.py`)."""
    raw = orders_of_day(store, config, day)
    edge = edge_holds([o for o in raw if is_held(o)], config, day)
    raw = [o for o in raw if not is_held(o)]
    # changes after posting are corrected on the day of the change; a revised order's own
    # days are built from the order as it was posted
    waiting = revisions.revise_changed_orders(store, config, day, raw)
    booked = revisions.as_booked(store, raw)
    frames = order_frames(booked)
    sales = posting_rules.sales_of_day(frames, config, day)
    sale_lines, holds = posting_rules.journal_lines(sales, config)
    documents, invoice_holds = invoices.sales_invoices(
        sales, config, skip={hold.source_id for hold in holds}
    )
    pay_lines, pay_documents, pay_holds = payments.later_payment_entries(
        sales.later_payments, sales.payments, config, day
    )
    open_documents, locked = periods.hold_locked([*documents, *pay_documents], config)
    # refunds and voids of posted sales: dated the first open day when theirs is locked
    outbox = Outbox(store)
    statuses = outbox.invoice_status(frames.orders["order_id"])
    kept_lines, kept_invoices = refunds.posted_void_sales(frames, config, day, statuses)
    fix_lines, fix_documents, fix_holds = refunds.corrections_of_day(
        sales,
        frames,
        refund_frames(store.refunds_of_orders(_money_back_orders(sales))),
        config,
        statuses,
        outbox.posted_invoices,  # a return is modelled on the invoice Jurnal holds
    )
    rev_lines, rev_documents, rev_holds = revisions.corrections_of_day(store, config, day)
    # refunds and later payments of revised orders go against the live revision's invoice
    money_lines, money_documents, money_holds = money_of_revised_orders(store, config, day, raw)
    lines = pd.concat(
        [
            sale_lines,
            *(
                pd.DataFrame(rows, columns=sale_lines.columns)
                for rows in (kept_lines, pay_lines, fix_lines, rev_lines, money_lines)
            ),
        ]
    )
    lines = lines.astype({"debit": "int64", "credit": "int64"}).reset_index(drop=True)
    lines, moved = revisions.keep_posted_lines(store, day, lines)
    documents, moved_holds = revisions.posted_elsewhere(
        day, [*open_documents, *kept_invoices], moved
    )
    documents, rolled_back = hold_rolled_back(store, day, documents)
    held = [*holds, *invoice_holds, *pay_holds, *locked, *fix_holds, *rev_holds]
    held += money_holds
    held += waiting  # changes after posting that cannot be corrected yet
    held += edge  # orders iSeller sent unreadable
    # the canonical journal is the same in both modes: only the documents differ
    summary = summary_of_day(
        store, config, day, [*documents, *fix_documents, *rev_documents, *money_documents], now
    )
    return DayJournal(
        sales,
        lines.astype({"debit": "int64", "credit": "int64"}).reset_index(drop=True),
        summary.documents,
        [*held, *moved_holds, *rolled_back, *summary.holds],
        summary,
        free_goods.free_line_orders(frames.lines, booked),
    )


def _money_back_orders(sales: posting_rules.DaySales) -> list[str]:
    """Ids of the orders with a refund on the day."""
    refunds_of_day = sales.refunds
    return sorted(set(refunds_of_day["order_id"])) if len(refunds_of_day) else []


def record_journal(
    store: StagingStore, outbox: Outbox, day: date, journal: DayJournal
) -> dict[str, int]:
    """Replace the day's journal lines and queue its documents and holds (and, in
    daily-summary mode, record which summary carries each order)."""
    written = store.replace_journal(day, journal.lines)
    queued = outbox.enqueue(day, journal.documents, journal.holds)
    kept = store.mark(FREE_LINE_ORDERS, day.isoformat())
    if kept is None or kept[0] != journal.free_line_orders:  # a re-run writes nothing more
        store.set_mark(FREE_LINE_ORDERS, day.isoformat(), journal.free_line_orders)
    counts = {"journal_lines_written": written, **{f"outbox_{k}": v for k, v in queued.items()}}
    summary = journal.summary
    if summary is not None and (summary.members or summary_members.has_members(store.engine, day)):
        counts["summary_members"] = summary_members.replace_members(
            store.engine, day, summary.members
        )
    return counts


def unbuilt_days(
    store: StagingStore, config: MerchantConfig, since: datetime
) -> dict[date, list[str]]:
    """Business dates with completed orders that arrived after their day was last built
    (late or offline uploads), each with those orders' ids, sorted."""
    days: dict[date, list[str]] = {}
    unseen = store.completed_orders_without_documents(since)
    # an order a daily summary carries has no document of its own
    carried = summary_members.carried_orders(store.engine, [row[0] for row in unseen])
    for order_id, outlet_code, closed_at in unseen:
        if order_id in carried:
            continue
        day = posting_rules.outlet_business_date(closed_at, outlet_code, config)
        if day is not None:  # the query asks for a closed date: always so
            days.setdefault(day, []).append(order_id)
    return {day: sorted(ids) for day, ids in sorted(days.items())}
