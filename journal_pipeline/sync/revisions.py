"""Corrections after posting, as one business day sees them (docs/posting-model.md).

- An order changed in iSeller after its documents were posted (amounts, lines, payment
  method, outlet, business date) is corrected on the business date of the change (its
  ``modified_date`` at its outlet): the live revision is reversed and the order as it is now
  becomes the next revision (`decide`). The decision is written once, in one transaction with
  its audit entries (`storage.revisions`); building the day again finds it made.
- Building a day emits what the decisions of that day book: the reversals decided on it (kept
  as decided) and the revisions booked on it (built from the order as it was then).
- A revised order's sale stays on its first day as first posted: the day is built from the
  order as it was when posted (`as_booked`).
- Lines of an entry whose document is posted are never rebuilt (`keep_posted_lines`): Jurnal
  keeps what it was given, so the journal does too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlalchemy as sa

from journal_pipeline.accounting import revisions as rules
from journal_pipeline.accounting.day_sales import (
    dated_payments,
    outlet_business_date,
    records_by_order,
    with_business_dates,
)
from journal_pipeline.accounting.documents import (
    RECEIVE_PAYMENT,
    SALES_INVOICE,
    SALES_RETURN,
    Document,
    revision_id,
    revision_no,
    split_revision,
    transaction_no,
)
from journal_pipeline.accounting.holds import Hold, document_hold
from journal_pipeline.accounting.payment_reversals import is_payment_key
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.order_changes import changed_at
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.storage import tables
from journal_pipeline.storage.revisions import RevisionChange, RevisionRow, RevisionStore
from journal_pipeline.storage.store import JOURNAL_PARTS, StagingStore, loads
from journal_pipeline.sync import summary_members
from journal_pipeline.sync.correction_holds import change_waiting
from journal_pipeline.sync.payment_rollback import day_documents

OPEN = ("pending", "held", "failed")


class OrderView:
    """One raw order read as the accounting reads it: its row, lines, dated payments."""

    def __init__(self, raw: Mapping[str, Any], config: MerchantConfig):
        frames = order_frames([raw])
        dated = with_business_dates(frames.orders, config)
        self.order = next(dated.itertuples(index=False))
        self.lines = records_by_order(frames.lines).get(self.order.order_id, [])
        payments = dated_payments(frames, dated, config) if len(frames.payments) else None
        self.payments = [] if payments is None else list(payments.itertuples(index=False))
        self.sale_day: date | None = self.order.business_date

    def fingerprint(self, config: MerchantConfig) -> str:
        return rules.fingerprint(self.order, self.lines, self.payments, config, self.sale_day)


def _changed_on(raw: Mapping[str, Any], config: MerchantConfig) -> date | None:
    return outlet_business_date(changed_at(raw), raw.get("outlet_code"), config)


def _live(rows: Sequence[RevisionRow]) -> RevisionRow | None:
    live = [r for r in rows if r.reversed_on is None]
    return live[-1] if live else None


def _posted(store: StagingStore, doc_keys: Iterable[str]) -> dict[str, Any]:
    """doc_key → (status, business_date, outlet_code, payload) of these outbox documents."""
    t = tables.outbox
    keys = sorted(set(doc_keys))
    found: dict[str, Any] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(keys), 500):
            query = sa.select(
                t.c.doc_key, t.c.status, t.c.business_date, t.c.outlet_code, t.c.payload
            ).where(t.c.doc_key.in_(keys[start : start + 500]))
            found.update({row.doc_key: row for row in conn.execute(query)})
    return found


def _carried(store: StagingStore, order_id: str, refund_of: str = "") -> Any:
    """The member row of the posted summary invoice carrying the order (``refund_of``: of a
    merged return carrying a refund of the order numbered so, ``<number>/R<k>``), else None."""
    m, t = tables.summary_members, tables.outbox
    query = sa.select(m, t.c.status).join(t, t.c.doc_key == m.c.summary_key)
    which = m.c.order_invoice_no.like(f"{refund_of}/%") if refund_of else m.c.order_id == order_id
    with store.engine.connect() as conn:
        return conn.execute(query.where(which, t.c.status == "posted")).first()


def _raw_as_posted(store: StagingStore, order_id: str) -> dict[str, Any] | None:
    """The order as its first invoice was posted (staged as is when not changed since)."""
    raw = RevisionStore(store.engine).posted_raw([order_id]).get(order_id)
    if raw is None:  # not changed since it was posted: staged as posted
        raw = next(iter(store.orders_by_id([order_id])), None)
    return raw


def _own_invoice(store: StagingStore, config: MerchantConfig, order_id: str) -> Any:
    """A summarised order's own invoice as posted (its summary took its lines), or why not."""
    raw = _raw_as_posted(store, order_id)
    view = None if raw is None else OrderView(raw, config)
    if view is None or view.sale_day is None:
        return "the order as posted is not kept"
    made = rules.revision_sale(view.order, view.lines, view.payments, config, view.sale_day, 0)
    if isinstance(made, Hold):
        return f"its invoice cannot be built again: {made.reason}"
    return next(d.payload[SALES_INVOICE] for d in made.documents if d.doc_type == SALES_INVOICE)


def posted_revision(
    store: StagingStore, order_id: str, revision: int, config: MerchantConfig | None = None
) -> rules.PostedRevision | str:
    """What Jurnal holds for the order's ``revision`` (summarised: given ``config``), or why not."""
    key = f"{SALES_INVOICE}:{revision_id(order_id, revision)}"
    invoice: Any = _posted(store, [key]).get(key)
    carried: Any = None
    if invoice is not None and invoice.status == "posted":
        body = loads(invoice.payload)[SALES_INVOICE]
    elif revision == 0 and config and (carried := _carried(store, order_id)):
        body = _own_invoice(store, config, order_id)
    else:
        return f"its invoice {key} is {invoice.status if invoice else 'not synced'}"
    if isinstance(body, str):
        return body
    reference = str(body["reference_no"])
    revisions = RevisionStore(store.engine)
    documents = revisions.order_documents(reference)
    waiting = [
        f"{d['doc_type'].replace('_', ' ')} {d['transaction_no']} is {d['status']}"
        for d in documents
        if d["status"] in OPEN and d["doc_type"] in (SALES_RETURN, RECEIVE_PAYMENT)
    ]
    if waiting:
        return "; ".join(waiting) + "; post or fix it first (see its reason)"
    refunded = any(d["doc_type"] == SALES_RETURN and d["status"] == "posted" for d in documents)
    if carried is not None and (refunded or _carried(store, "", body["transaction_no"])):
        # on the summary's lines among other orders' units, what is left of it cannot be told
        return f"its refund is in summary {carried.invoice_no}: record the correction by hand"
    returned: dict[int, Decimal] = {}
    for doc in documents:
        payload = doc["payload"] or {}
        back = payload.get(SALES_RETURN)
        if doc["status"] != "posted" or back is None:
            continue
        if back["invoice_no"] != body["transaction_no"]:
            continue
        for line in back["transaction_return_lines_attributes"]:
            index = int(line["invoice_line_index"])
            units = Decimal(str(line["return_quantity"]))
            returned[index] = returned.get(index, Decimal(0)) + units
    return rules.PostedRevision(
        order_id=order_id,
        revision=revision,
        order_reference=reference,
        outlet_code=str((carried or invoice).outlet_code),
        invoice=body,
        returned=returned,
        journal=revisions.order_journal(reference),
        product_types=_product_types(store, order_id),
    )


def _product_types(store: StagingStore, order_id: str) -> dict[str, str]:
    """SKU → iSeller product type of the order's lines as posted."""
    raw = _raw_as_posted(store, order_id) or {}
    return {
        str(line["sku"]): str(line["product_type"])
        for line in raw.get("order_details") or []
        if line.get("sku") and line.get("product_type")
    }


def decide(
    store: StagingStore,
    config: MerchantConfig,
    order_id: str,
    day: date,
    *,
    raw: Mapping[str, Any] | None,
    reverse: bool,
    reason: str,
    command: str,
) -> RevisionChange | str:
    """Reverse the order's live revision on ``day`` (``reverse``) and/or book the order as
    ``raw`` as its next revision on ``day``; or why not. The entries booked against the
    order's payments (MDR, gift card) stand (`accounting.revisions.reversal`)."""
    revisions = RevisionStore(store.engine)
    rows = revisions.of_orders([order_id]).get(order_id, [])
    first = None
    live = _live(rows) if rows else None
    if not rows and reverse:
        posted_key = f"{SALES_INVOICE}:{order_id}"
        invoice = _posted(store, [posted_key]).get(posted_key)
        if invoice is None or invoice.status != "posted":  # a daily summary may carry it
            invoice = _carried(store, order_id) or invoice
        if invoice is None or invoice.status != "posted":
            return f"its invoice is {invoice.status if invoice else 'not synced'}"
        snapshot = revisions.posted_raw([order_id]).get(order_id) or raw
        first = RevisionRow(
            order_id=order_id,
            revision=0,
            business_date=invoice.business_date,
            outlet_code=invoice.outlet_code,
            order_reference=None,
            raw=None if snapshot is None else dict(snapshot),
            reversed_on=None,
            reversal=None,
            reason="the sale as first posted",
        )
        live = first
    reference = str((raw or (live.raw if live else None) or {}).get("order_reference") or "")
    base = transaction_no(config, reference) if reference else order_id
    latest = max((r.revision for r in rows), default=0)
    new_revision = latest + 1 if raw is not None else None
    new_no = revision_no(base, new_revision) if new_revision else None
    change = RevisionChange(
        order_id=order_id,
        order_reference=reference,
        outlet_code=(raw or {}).get("outlet_code") or (live.outlet_code if live else None),
        day=day,
        reason=reason,
        command=command,
        first=first,
        new_revision=new_revision,
        new_raw=dict(raw) if raw is not None else None,
    )
    said = []
    if reverse:
        if live is None:
            return "nothing of it is posted and not yet reversed"
        posted = posted_revision(store, order_id, live.revision, config)
        if isinstance(posted, str):
            return posted
        undone = rules.reversal(posted, config, day, reason=reason, replaced_by=new_no)
        change.reversed_revision = live.revision
        change.reversal = {
            "lines": [rules.line_json(r) for r in undone.lines],
            "documents": [rules.document_json(d) for d in undone.documents],
        }
        numbers = " and ".join(d.transaction_no for d in undone.documents) or "nothing left"
        said.append(f"invoice {posted.invoice['transaction_no']} reversed by {numbers}")
        for doc in undone.documents:
            change.log.append((doc.doc_key, "correction", f"{command}: {reason}"))
    if new_no is not None:
        said.append(f"order posted again as invoice {new_no}")
        key = f"{SALES_INVOICE}:{revision_id(order_id, new_revision or 0)}"
        change.log.append((key, "correction", f"{command}: {reason}"))
    change.log.append(
        (f"order:{order_id}", "correction", f"{command} on {day}: {'; '.join(said)} ({reason})")
    )
    return change


def revise_changed_orders(
    store: StagingStore, config: MerchantConfig, day: date, raw_orders: Sequence[Mapping[str, Any]]
) -> list[Hold]:
    """Correct, on ``day``, the orders changed on it after their documents were posted. A
    change that cannot be corrected yet (a document of the order still open) is held on
    ``day``, naming the order and what it waits for; the hold goes once the day is built
    again and the correction is made."""
    changed = {
        str(o["order_id"]): o
        for o in raw_orders
        if o.get("status") in ("completed", "void") and _changed_on(o, config) == day
    }
    if not changed:
        return []
    waiting: list[Hold] = []
    revisions = RevisionStore(store.engine)
    rows_of = revisions.of_orders(changed)
    snapshots = revisions.posted_raw(changed)
    changes: list[RevisionChange] = []
    for order_id, current in changed.items():
        rows = rows_of.get(order_id, [])
        live = _live(rows)
        booked = live.raw if live is not None else None if rows else snapshots.get(order_id)
        if booked is None:
            continue  # not posted, rolled back, or unchanged since posted
        if not rows and current.get("status") == "void":
            continue  # a void of a first revision: reversed on its void date (refunds.py)
        if not rows or (live is not None and _invoice_posted(store, order_id, live.revision)):
            before = OrderView(booked, config)
            now = OrderView(
                without_later_payments(current, booked, config, revised=bool(rows)), config
            )
            if before.fingerprint(config) == now.fingerprint(config):
                continue
            sale = current if current.get("status") == "completed" else None
            decided = decide(
                store,
                config,
                order_id,
                day,
                raw=sale,
                reverse=True,
                reason="the order changed in iSeller after it was posted",
                command="sync (order changed in iSeller)",
            )
            if isinstance(decided, RevisionChange):
                changes.append(decided)
            else:
                waiting.append(change_waiting(current, config, day, decided))
    revisions.record(changes)
    return waiting


def without_later_payments(
    current: Mapping[str, Any],
    booked: Mapping[str, Any],
    config: MerchantConfig,
    *,
    revised: bool,
) -> Mapping[str, Any]:
    """``current`` without the payments that are later payments of the order as ``booked``:
    payments its invoice did not settle, made after its sale day (every new one, for a
    revision). They are booked as receive payments against the invoice, not as a change."""
    settled = {str(t.get("transaction_id")) for t in booked.get("transactions") or []}
    sale_day = OrderView(booked, config).sale_day
    later = set()
    for pay in OrderView(current, config).payments:
        if pay.type != "sale" or str(pay.transaction_id) in settled:
            continue
        if revised or (
            sale_day is not None and pay.business_date is not None and pay.business_date > sale_day
        ):
            later.add(str(pay.transaction_id))
    if not later:
        return current
    kept = [
        t for t in current.get("transactions") or [] if str(t.get("transaction_id")) not in later
    ]
    return {**current, "transactions": kept}


def _invoice_posted(store: StagingStore, order_id: str, revision: int) -> bool:
    key = f"{SALES_INVOICE}:{revision_id(order_id, revision)}"
    row = _posted(store, [key]).get(key)
    return row is not None and row.status == "posted"


def orders_booked_on(store: StagingStore, day: date, seen: set[str]) -> list[dict[str, Any]]:
    """Staged orders whose invoice is posted on ``day`` or whose revisions touch it, beyond
    ``seen`` (an order whose date changed is no longer found by its dates)."""
    t = tables.outbox
    with store.engine.connect() as conn:
        sources = conn.execute(
            sa.select(t.c.source_id).where(
                t.c.business_date == day, t.c.doc_type == SALES_INVOICE, t.c.status == "posted"
            )
        ).scalars()
        ids = {split_revision(s)[0] for s in sources}
    ids |= {r.order_id for r in RevisionStore(store.engine).touching(day)}
    return store.orders_by_id(ids - seen)


def as_booked(store: StagingStore, raw_orders: Sequence[Mapping[str, Any]]) -> list[Any]:
    """The orders as their first revision was booked, for the orders revised since."""
    ids = [str(o["order_id"]) for o in raw_orders]
    first = {
        order_id: rows[0].raw
        for order_id, rows in RevisionStore(store.engine).of_orders(ids).items()
        if rows[0].revision == 0 and rows[0].raw is not None
    }
    return [first.get(str(o["order_id"]), o) for o in raw_orders]


def corrections_of_day(
    store: StagingStore, config: MerchantConfig, day: date
) -> tuple[list[dict[str, Any]], list[Document], list[Hold]]:
    """The canonical lines, documents and holds the corrections of ``day`` book."""
    lines: list[dict[str, Any]] = []
    documents: list[Document] = []
    holds: list[Hold] = []
    for row in RevisionStore(store.engine).touching(day):
        if is_payment_key(row.order_id):  # a payment of another day's invoice (rollback)
            made_lines, made_documents = day_documents(row, day)
            lines.extend(made_lines)
            documents.extend(made_documents)
            continue
        if row.reversed_on == day and row.reversal is not None:
            lines.extend(rules.line_from_json(r) for r in row.reversal["lines"])
            documents.extend(rules.document_from_json(d) for d in row.reversal["documents"])
        if row.revision == 0 or row.business_date != day or row.raw is None:
            continue
        view = OrderView(row.raw, config)
        base = transaction_no(config, view.order.order_reference)
        made = rules.revision_sale(
            view.order,
            view.lines,
            view.payments,
            config,
            day,
            row.revision,
            replaces=revision_no(base, row.revision - 1),
        )
        if isinstance(made, Hold):
            rid = revision_id(row.order_id, row.revision)
            holds.append(Hold(**{**made.__dict__, "source_id": rid}))
        else:
            lines.extend(made.lines)
            documents.extend(made.documents)
    return lines, documents, holds


def keep_posted_lines(
    store: StagingStore, day: date, lines: pd.DataFrame
) -> tuple[pd.DataFrame, set[str]]:
    """The day's lines, where every entry whose document is posted (a sale's: or the daily
    summary carrying it) keeps the lines it was booked with, and is left out on any other
    day; and the sources left out so."""
    existing = store.read_journal(day).drop(columns=["id"], errors="ignore")
    # only the sales build's own lines: the parts built apart (stock, fees, …) keep theirs
    existing = existing[
        ~existing["entry_id"].astype(str).str.startswith(tuple(JOURNAL_PARTS.values()))
    ]
    sources = set(lines["source_id"]) | set(existing["source_id"])
    t = tables.outbox
    posted_on: dict[str, set[date]] = {}
    ordered = sorted(sources)
    with store.engine.connect() as conn:
        for start in range(0, len(ordered), 500):
            query = sa.select(t.c.source_id, t.c.business_date).where(
                t.c.status == "posted", t.c.source_id.in_(ordered[start : start + 500])
            )
            for row in conn.execute(query):
                posted_on.setdefault(row.source_id, set()).add(row.business_date)
    # a sale a posted daily summary carries is in Jurnal too, inside the summary's documents
    for order_id in summary_members.frozen_orders(store.engine, day) & sources:
        posted_on.setdefault(order_id, set()).add(day)
    here = {s for s, days in posted_on.items() if day in days}
    elsewhere = set(posted_on) - here
    booked = here & set(existing["source_id"])
    fresh = lines[~lines["source_id"].isin(booked | elsewhere)]
    kept = existing[existing["source_id"].isin(booked)][list(lines.columns)]
    dropped = elsewhere & set(lines["source_id"])
    if kept.empty:
        return fresh.reset_index(drop=True), dropped
    merged = pd.concat([fresh, kept.astype(fresh.dtypes.to_dict(), errors="ignore")])
    return merged.reset_index(drop=True), dropped


def posted_elsewhere(
    day: date, documents: Sequence[Document], sources: set[str]
) -> tuple[list[Document], list[Hold]]:
    """Invoices of sales whose invoice is posted on another day (the order's date changed
    after posting) become holds that say where the correction is booked."""
    kept: list[Document] = []
    holds: list[Hold] = []
    for doc in documents:
        if doc.doc_type != SALES_INVOICE or doc.source_id not in sources:
            kept.append(doc)
            continue
        reason = (
            f"Order {doc.source_reference} (outlet {doc.outlet_code}) is now a sale of "
            f"{day.isoformat()}, but its invoice is already in Jurnal on another day. The "
            "correction (a reversal and the order posted again) is booked on the business "
            "date of the change when that day is synced; nothing to do here."
        )
        holds.append(document_hold(doc, day, reason))
    return kept, holds
