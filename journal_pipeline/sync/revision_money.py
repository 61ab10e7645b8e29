"""Refunds and later payments of revised orders, as one business day books them
(`accounting/revision_money.py`; docs/posting-model.md, "Corrections after posting").

A revised order's days are built from the order as first posted (`revisions.as_booked`), so
its refunds and later payments are not seen there; they are booked here, against the live
revision's invoice. An order whose every revision is reversed (a rollback not reposted yet)
has no invoice to take them: each is held, naming the order, the reversed invoice and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import pandas as pd

from journal_pipeline.accounting import payments as payment_rules
from journal_pipeline.accounting import posting_rules, refunds
from journal_pipeline.accounting.day_sales import with_business_dates
from journal_pipeline.accounting.documents import (
    RECEIVE_PAYMENT,
    SALES_RETURN,
    Document,
    revision_id,
    revision_no,
    split_revision,
    transaction_no,
)
from journal_pipeline.accounting.holds import Hold, order_hold
from journal_pipeline.accounting.reversals import Reversal
from journal_pipeline.accounting.revision_money import (
    event_day,
    for_revision,
    later_payment_ids,
    payment_for_revision,
)
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.money import format_idr
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.refunds import refund_frames
from journal_pipeline.storage.revisions import RevisionRow, RevisionStore
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.outbox import Outbox

Booked = tuple[list[dict[str, Any]], list[Document], list[Hold]]


def money_of_revised_orders(
    store: StagingStore,
    config: MerchantConfig,
    day: date,
    raw_orders: Sequence[Mapping[str, Any]],
) -> Booked:
    """Lines, documents and holds of the refunds and later payments that ``day`` books for
    the revised orders among ``raw_orders`` (the orders as staged now)."""
    current = {str(o["order_id"]): o for o in raw_orders}
    revisions = RevisionStore(store.engine)
    lines: list[dict[str, Any]] = []
    documents: list[Document] = []
    holds: list[Hold] = []
    for order_id, rows in sorted(revisions.of_orders(current).items()):
        raw = current[order_id]
        if raw.get("status") != "completed":
            continue  # a void after a revision is a change: its revision is reversed in full
        live = [r for r in rows if r.reversed_on is None]
        if not live:
            holds.extend(_unbookable(raw, rows, config, day))
            continue
        if live[-1].revision == 0 or live[-1].raw is None:
            continue
        made_lines, made_documents, made_holds = _against_revision(
            store, revisions, config, day, raw, live[-1]
        )
        lines.extend(made_lines)
        documents.extend(made_documents)
        holds.extend(made_holds)
    return lines, documents, holds


def _dated(raw: Mapping[str, Any], config: MerchantConfig, day: date) -> pd.DataFrame:
    """The order's payments with their business dates (rows: `DatedPayment`)."""
    return posting_rules.sales_of_day(order_frames([raw]), config, day).payments


def _booked_before(revisions: RevisionStore, reference: str, revision: int) -> set[str]:
    """Refund transactions of the order booked against an earlier revision (and reversed
    with it): the revision books them again on its own date."""
    found = set()
    for line in revisions.order_journal(reference):
        if str(line["entry_id"]).startswith(("refund:", "refund_cogs:")):
            tid, booked_on = split_revision(str(line["source_id"]))
            if booked_on < revision:
                found.add(tid)
    return found


def _against_revision(
    store: StagingStore,
    revisions: RevisionStore,
    config: MerchantConfig,
    day: date,
    raw: Mapping[str, Any],
    live: RevisionRow,
) -> Booked:
    n, revision_day = live.revision, live.business_date
    # the invoice's lines are the revision's; the money moved since is the order's as now
    merged = {**(live.raw or {}), "transactions": raw.get("transactions") or []}
    reference = str(merged.get("order_reference") or "")
    invoice_no = transaction_no(config, reference)
    order_id = str(merged["order_id"])
    invoice_key = revision_id(order_id, n)
    status = Outbox(store).invoice_status([invoice_key]).get(invoice_key, "not synced")
    said = f" (revision {n} of the order: invoice {revision_no(invoice_no, n)}, {status})"
    dated = _dated(merged, config, day)
    again = _booked_before(revisions, reference, n)

    def when(pay: Any) -> date:
        own = pay.business_date
        return revision_day if pay.transaction_id in again else event_day(own, revision_day)

    lines: list[dict[str, Any]] = []
    documents: list[Document] = []
    holds: list[Hold] = []
    if len(dated):
        dated = dated[dated["type"] != "void"].copy()
        dated["business_date"] = [when(p) for p in dated.itertuples(index=False)]
    refunded = dated[(dated["type"] == "refund") & (dated["business_date"] == day)]
    if len(refunded):
        frames = order_frames([merged])
        sales = posting_rules.sales_of_day(frames, config, day)
        sales.payments = dated
        made_lines, made_docs, made_holds = refunds.corrections_of_day(
            sales,
            frames,
            refund_frames(store.refunds_of_orders([order_id])),
            config,
            {order_id: status},
        )
        keyed = for_revision(Reversal(made_lines, made_docs), invoice_no, n)
        lines.extend(keyed.lines)
        documents.extend(keyed.documents)
        holds.extend(_keyed_hold(h, n, said) for h in made_holds)
    settled = [str(t.get("transaction_id")) for t in (live.raw or {}).get("transactions") or []]
    later_ids = (
        set(later_payment_ids(dated.itertuples(index=False), settled)) if len(dated) else set()
    )
    later = dated[dated["transaction_id"].isin(later_ids) & (dated["business_date"] == day)]
    if len(later):
        pay_lines, pay_docs, pay_holds = payment_rules.later_payment_entries(
            later, dated, config, day
        )
        for doc in pay_docs:
            mine = [r for r in pay_lines if r["source_id"] == doc.source_id]
            keyed_lines, keyed_doc = payment_for_revision(mine, doc, invoice_no, n)
            lines.extend(keyed_lines)
            documents.append(keyed_doc)
        holds.extend(_keyed_hold(h, n, said) for h in pay_holds)
    return lines, documents, holds


def _keyed_hold(hold: Hold, revision: int, said: str) -> Hold:
    return replace(hold, source_id=revision_id(hold.source_id, revision), reason=hold.reason + said)


def _unbookable(
    raw: Mapping[str, Any], rows: Sequence[RevisionRow], config: MerchantConfig, day: date
) -> list[Hold]:
    """Refunds and new payments of ``day`` of an order whose every revision is reversed."""
    last = rows[-1]
    if last.reversed_on is None or day <= last.reversed_on:
        return []  # what came before the reversal was reversed with it
    view = order_frames([raw])
    if not len(view.orders):
        return []
    dated = _dated(raw, config, day)
    if not len(dated):
        return []
    settled = {str(t.get("transaction_id")) for t in (last.raw or {}).get("transactions") or []}
    order = next(with_business_dates(view.orders, config).itertuples(index=False))
    reference = str(raw.get("order_reference") or raw["order_id"])
    invoice = revision_no(transaction_no(config, reference), last.revision)
    outlet = last.outlet_code or str(raw.get("outlet_code") or "?")
    holds = []
    for pay in dated.itertuples(index=False):
        if pay.status != "success" or pay.business_date != day:
            continue
        if pay.type == "sale" and str(pay.transaction_id) in settled:
            continue
        if pay.type not in ("sale", "refund"):
            continue
        doc_type = SALES_RETURN if pay.type == "refund" else RECEIVE_PAYMENT
        what = "refund" if pay.type == "refund" else "payment"
        holds.append(
            order_hold(
                order,
                day,
                f"{what} of {format_idr(int(pay.amount))} made after every invoice of the "
                f"order was reversed (the last, {invoice}, on {last.reversed_on.isoformat()}), "
                "so there is no invoice to book it against. "
                f"Run `journal-pipeline repost --date {last.reversed_on.isoformat()} --outlet "
                f"{outlet}` to post the order again, then sync {day.isoformat()} again: the "
                f"{what} is then booked against the new invoice.",
                doc_type=doc_type,
                source_id=str(pay.transaction_id),
            )
        )
    return holds
