"""Payment fees (MDR) and gift-card entries of one business day end to end: the day's
successful sale payments, and its refunds and voids paid back onto a gift card, from the staged
orders, their entries (`accounting.mdr`), queued in the outbox and posted.

Built apart from the day's sales (document type ``payment_fee``, journal part
``payment_fees``): the fee is the bank's whatever happens to the sale afterwards (voided,
refunded, held, corrected, its outlet-day rolled back or reposted), so neither build withdraws
or replaces the other's, and no reversal of the order takes the fee back
(`accounting.revisions.reversal`): it stays posted and in the canonical journal. A revised
order is read as it was first booked, plus any payment it gained since.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd

from journal_pipeline.accounting import day_fees, fee_changes, fee_entries, mdr, payments
from journal_pipeline.accounting.day_sales import (
    DatedPayment,
    dated_payments,
    records_by_order,
    with_business_dates,
)
from journal_pipeline.accounting.documents import PAYMENT_FEE, transaction_no
from journal_pipeline.accounting.platform_fees import platform_fees
from journal_pipeline.accounting.posting_rules import journal_frame as journal_lines_frame
from journal_pipeline.accounting.posting_rules import (
    payments_at_sale,
)
from journal_pipeline.accounting.refunds import refund_entry_number
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.cycle_collection import cycle_collection_paused
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import day_orders, revisions, summary_members
from journal_pipeline.sync.outbox import Outbox, PostResult
from journal_pipeline.sync.ports import JurnalWriter
from journal_pipeline.sync.posted_lines import posted_lines
from journal_pipeline.sync.summary_day import is_final

JOURNAL_PART = "payment_fees"


def orders_as_booked(
    store: StagingStore, config: MerchantConfig, day: date
) -> list[dict[str, Any]]:
    """The staged orders that can hold a payment of ``day`` (what the sales build reads: closed
    or changed on the day, refunded around it, booked on it), each as first booked with the
    payments it gained since."""
    raw = day_orders.orders_of_day(store, config, day)
    booked = revisions.as_booked(store, raw)
    return [_with_new_payments(first, now) for first, now in zip(booked, raw, strict=True)]


def _with_new_payments(booked: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The order as booked, with the transactions iSeller lists for it now that it lacked."""
    if booked is current:
        return dict(current)
    known = {str(t.get("transaction_id")) for t in booked.get("transactions") or []}
    gained = [
        t for t in current.get("transactions") or [] if str(t.get("transaction_id")) not in known
    ]
    return {**booked, "transactions": [*(booked.get("transactions") or []), *gained]}


def day_payments(raw_orders: list[dict[str, Any]], config: MerchantConfig) -> pd.DataFrame:
    """Every payment of the orders, dated at its outlet (`dated_payments`)."""
    frames = order_frames(raw_orders, lines=False)  # payments and their orders alone
    return dated_payments(frames, with_business_dates(frames.orders, config), config)


def fee_payments(every: pd.DataFrame, day: date, config: MerchantConfig) -> list[DatedPayment]:
    """Every successful sale payment dated ``day`` at its outlet (`DatedPayment` rows): till
    payments of the day's sales and later payments of on-account orders, whatever became of
    their order since; and the day's refunds and voids paid back onto a gift card, store
    credit, points or a customer's balance (`mdr.given_back`).
    ``every``: `day_payments`."""
    rows = list(every.itertuples(index=False))
    return [*payments_at_sale(rows, day), *mdr.given_back(rows, day, config)]


def document_numbers(
    chosen: list[DatedPayment], every: pd.DataFrame, config: MerchantConfig, day: date
) -> dict[str, str]:
    """Transaction id → the number of the Jurnal document that carries the payment: its
    receive payment's (``<invoice no>/P<n>``: a later payment, or a split payment's other
    method) when it has one, else its order's invoice number. From the source alone
    (``every``: `day_payments`)."""
    by_order = records_by_order(every)
    numbers: dict[str, str] = {}
    for back in (p for p in chosen if p.type in mdr.MONEY_BACK):  # its refund's journal entry
        numbers[back.transaction_id] = refund_entry_number(back, by_order[back.order_id], config)
    chosen = [p for p in chosen if p.type == "sale"]
    later = [p for p in chosen if p.sale_date != day]
    if later:
        _, documents, _ = payments.later_payment_entries(pd.DataFrame(later), every, config, day)
        numbers |= {d.source_id: d.transaction_no for d in documents}
    for order_id in sorted({p.order_id for p in chosen if p.sale_date == day}):
        order_payments = by_order[order_id]
        outlet = order_payments[0].outlet_code
        settlement = payments.settle_at_sale(payments_at_sale(order_payments, day), config, outlet)
        documents = payments.split_payment_documents(settlement, order_payments, config, day)
        numbers |= {d.source_id: d.transaction_no for d in documents}
    for payment in chosen:
        reference = payment.order_reference or payment.order_id
        numbers.setdefault(payment.transaction_id, transaction_no(config, reference))
    return numbers


@cycle_collection_paused()  # a day's orders and what is built of them stay alive
def build_payment_fees(
    store: StagingStore, config: MerchantConfig, day: date, now: datetime | None = None
) -> fee_entries.PaymentEntries:
    """The fee and gift-card entries of ``day``'s successful sale payments, and of what a fee
    posted became since (`fee_changes`); once the day is final (`summary_day.is_final`), for a
    fee of the day's net takings (``fee_basis: day``), the entries of what each outlet's and
    method's day's fee is beyond its payments' (against the entries already posted, as
    posted: a later change is a further entry)."""
    raw = orders_as_booked(store, config, day)
    every = day_payments(raw, config)  # read once: the day's fee below needs them too
    entries = entries_of_orders(raw, config, day, every)
    reported = mdr.reported_fees(raw)
    # a fee iSeller reports anew after its entry was posted: a further entry of the difference
    posted = posted_entries(store, day)
    entries = fee_changes.with_fee_changes(entries, posted[1], set(reported), config, day)
    if not is_final(config, day, now):
        return entries
    rows = list(every.itertuples(index=False))
    fees = day_fees.day_fees(rows, reported, config, day)
    if not fees:
        return entries
    return day_fees.with_day_fees(keep_posted(store, day, entries, posted), fees, config, day)


def entries_of_orders(
    raw: list[dict[str, Any]],
    config: MerchantConfig,
    day: date,
    every: pd.DataFrame | None = None,
) -> fee_entries.PaymentEntries:
    """The fee and gift-card entries of ``day``'s payments from the raw orders that can hold
    them (`orders_as_booked`), each payment's own (a day's fee beyond them: `build_payment_fees`).
    ``every``: `day_payments` of ``raw``, when the caller has them already."""
    every = day_payments(raw, config) if every is None else every
    chosen = fee_payments(every, day, config)
    platform = platform_fees(raw)
    reported = mdr.reported_fees(raw, platform)
    # voids of the day that give their sale's fee back (``fee_on_void: returned``)
    rows = list(every.itertuples(index=False))
    voided = mdr.void_fees(rows, reported, config)
    known = {p.transaction_id for p in chosen}
    chosen += [
        p
        for p in rows
        if str(p.transaction_id) in voided
        and p.business_date == day
        and p.transaction_id not in known
    ]
    numbers = document_numbers(chosen, every, config, day)
    numbered = [(p, numbers[p.transaction_id]) for p in chosen]
    return mdr.payment_entries(numbered, reported, config, day, platform, voided)


def waiting_for_summary(
    store: StagingStore,
    config: MerchantConfig,
    day: date,
    entries: fee_entries.PaymentEntries,
    now: datetime | None = None,
) -> tuple[fee_entries.PaymentEntries, int]:
    """The entries to queue now, and how many wait: while a day posted as daily summaries is
    not over (`summary_day.is_final`), its summarised outlets' entries wait with the summary
    they go against, so the clearing account never carries a fee before the takings it is
    kept from. Their canonical lines stay (the journal is the same in both modes)."""
    if config.mode_of(day) != "daily_summary" or is_final(config, day, now):
        return entries, 0
    per_order = summary_members.per_order_outlets(store.engine, day)
    queued = [d for d in entries.documents if d.outlet_code in per_order]
    waiting = len(entries.documents) - len(queued)
    return fee_entries.PaymentEntries(
        lines=entries.lines, documents=queued, holds=entries.holds
    ), waiting


def journal_frame(entries: fee_entries.PaymentEntries) -> pd.DataFrame:
    return journal_lines_frame(entries.lines)


def record_payment_fees(
    store: StagingStore, outbox: Outbox, day: date, entries: fee_entries.PaymentEntries
) -> dict[str, int]:
    """Replace the day's fee and gift-card entries and queue their journal entries and holds
    (the day's sales, stock and cash counts are left alone). An entry already in Jurnal keeps
    the canonical lines it was posted with, even when the order changed or left the day since."""
    entries = keep_posted(store, day, entries)
    written = store.replace_journal(day, journal_frame(entries), part=JOURNAL_PART)
    queued = outbox.enqueue(day, entries.documents, entries.holds, doc_types=(PAYMENT_FEE,))
    return {"journal_lines_written": written, **{f"outbox_{k}": v for k, v in queued.items()}}


def posted_entries(store: StagingStore, day: date) -> tuple[set[str], list[dict[str, Any]]]:
    """The source ids of ``day``'s fee and gift-card entries in Jurnal, and their canonical
    lines as recorded when they were posted."""
    return posted_lines(store, day, PAYMENT_FEE, fee_entries.entry_of_document)


def keep_posted(
    store: StagingStore,
    day: date,
    entries: fee_entries.PaymentEntries,
    read: tuple[set[str], list[dict[str, Any]]] | None = None,
) -> fee_entries.PaymentEntries:
    """The build with each entry of ``day`` already posted as it was recorded: its canonical
    lines as written then (posted documents are never edited, and the canonical journal must
    stay what Jurnal holds), its document and any hold on it left out of the new build.
    ``read``: `posted_entries` of the day, when the caller has it already."""
    posted, recorded = read if read is not None else posted_entries(store, day)
    if not posted:
        return entries
    kept = {str(line["entry_id"]) for line in recorded}
    return fee_entries.PaymentEntries(
        lines=[*(ln for ln in entries.lines if ln["entry_id"] not in kept), *recorded],
        documents=[d for d in entries.documents if d.source_id not in posted],
        holds=[h for h in entries.holds if h.source_id not in posted],
    )


def post_payment_fees(outbox: Outbox, day: date, client: JurnalWriter) -> PostResult:
    """Post the day's pending fee and gift-card journal entries in batches."""
    result = PostResult()
    outbox._post_rows(PAYMENT_FEE, outbox._pending(day, PAYMENT_FEE), client, result)
    return result


def fee_totals(entries: fee_entries.PaymentEntries) -> dict[str, int]:
    """Rupiah booked per kind of entry (``mdr``, ``gift_card``, ``mdr_day``: negative when the
    day's fee gives back), from the canonical lines."""
    totals: dict[str, int] = {}
    for line in entries.lines:
        kind = str(line["entry_id"]).removeprefix(fee_entries.ENTRY_PREFIX).split(":", 1)[0]
        if kind == fee_entries.ENTRY_KINDS[fee_entries.DAY_FEE]:
            amount = int(line["debit"]) - int(line["credit"])
            if str(line["account_role"]).startswith(fee_entries.CLEARING_ROLE):
                continue  # the fee side carries its sign
        else:
            amount = int(line["debit"])
        totals[kind] = totals.get(kind, 0) + amount
    return totals
