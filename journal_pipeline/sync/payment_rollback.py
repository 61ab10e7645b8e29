"""Rollback and repost of the receive payments of an outlet-day that settle invoices of other
days (`accounting/payment_reversals.py`; docs/posting-model.md, "Corrections after posting").

A payment whose invoice is of the outlet-day itself is reversed with its order; one whose
invoice's revision is already reversed was reversed with it. Every other receive payment posted
on the outlet-day is reversed on its own, and a repost books it again. The decisions are
revision rows (`payment_key`) written with the orders' in one transaction; building the day
emits what they book (`day_documents`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from journal_pipeline.accounting import payment_reversals as rules
from journal_pipeline.accounting import revisions as revision_rules
from journal_pipeline.accounting.documents import RECEIVE_PAYMENT, SALES_INVOICE, split_revision
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.money import format_idr
from journal_pipeline.storage import tables
from journal_pipeline.storage.revisions import RevisionChange, RevisionRow, RevisionStore
from journal_pipeline.storage.store import StagingStore, loads

LINE_KEYS = ("business_date", "account_role", "account_name", "debit", "credit")


@dataclass
class PaymentStep:
    text: str  # for the listing
    amount: int
    change: RevisionChange | None  # None: blocked (``text`` says why)


def _invoice_reversed(store: StagingStore, invoice_no: str) -> str | None:
    """Why the invoice's revision cannot take the payment (reversed, not posted), or None."""
    t = tables.outbox
    with store.engine.connect() as conn:
        invoice = conn.execute(
            sa.select(t.c.source_id, t.c.status).where(
                t.c.doc_type == SALES_INVOICE, t.c.transaction_no == invoice_no
            )
        ).first()
    if invoice is None or invoice.status != "posted":
        return f"its invoice {invoice_no} is {invoice.status if invoice else 'not synced'}"
    order_id, revision = split_revision(invoice.source_id)
    rows = RevisionStore(store.engine).of_orders([order_id]).get(order_id, [])
    mine = [r for r in rows if r.revision == revision]
    if mine and mine[0].reversed_on is not None:
        return f"its invoice {invoice_no} was reversed on {mine[0].reversed_on.isoformat()}"
    return None


def _payments_of_day(store: StagingStore, day: date, outlet: str) -> Iterator[Any]:
    """Posted receive payments of the outlet-day whose invoice is of another outlet-day."""
    t = tables.outbox
    with store.engine.connect() as conn:
        payments = conn.execute(
            sa.select(t.c.source_id, t.c.source_reference, t.c.transaction_no, t.c.payload)
            .where(
                t.c.business_date == day,
                t.c.outlet_code == outlet,
                t.c.doc_type == RECEIVE_PAYMENT,
                t.c.status == "posted",
            )
            .order_by(t.c.transaction_no)
        ).all()
        for row in payments:
            body = loads(row.payload)[RECEIVE_PAYMENT]
            invoice_no = str(body["records_attributes"][0]["transaction_no"])
            invoice = conn.execute(
                sa.select(t.c.business_date, t.c.outlet_code).where(
                    t.c.doc_type == SALES_INVOICE, t.c.transaction_no == invoice_no
                )
            ).first()
            if invoice is not None and (invoice.business_date, invoice.outlet_code) != (
                day,
                outlet,
            ):
                yield row, invoice_no


def _journal_of(store: StagingStore, source_id: str) -> list[dict[str, Any]]:
    t = tables.journal_lines
    query = sa.select(t).where(t.c.source_id == source_id).order_by(t.c.entry_id, t.c.line_no)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def _posted(row: RevisionRow, first: RevisionRow) -> rules.PostedPayment:
    raw, head = row.raw or {}, first.raw or {}
    return rules.PostedPayment(
        custom_id=row.order_id.removeprefix(rules.PAYMENT_KEY),
        transaction_no=str(head["transaction_no"]),
        order_reference=str(row.order_reference or ""),
        outlet_code=str(row.outlet_code or ""),
        revision=row.revision,
        lines=[revision_rules.line_from_json(r) for r in raw.get("lines", [])],
    )


def _booked(lines: list[dict[str, Any]], documents: list[Any]) -> dict[str, Any]:
    return {
        "lines": [revision_rules.line_json(r) for r in lines],
        "documents": [revision_rules.document_json(d) for d in documents],
    }


def rollback_payments(
    store: StagingStore, config: MerchantConfig, day: date, outlet: str, reason: str, command: str
) -> list[PaymentStep]:
    """The payments of the outlet-day to reverse (see the module docstring)."""
    revisions = RevisionStore(store.engine)
    steps = []
    for row, invoice_no in _payments_of_day(store, day, outlet):
        if _invoice_reversed(store, invoice_no) is not None:
            continue  # reversed with its order (or never posted: nothing of it to reverse)
        key = rules.payment_key(str(row.source_id))
        rows = revisions.of_orders([key]).get(key, [])
        first = None
        if not rows:
            lines = [{k: r[k] for k in LINE_KEYS} for r in _journal_of(store, str(row.source_id))]
            if not lines:
                text = f"payment {row.transaction_no}: its journal lines are not found"
                steps.append(PaymentStep(text, 0, None))
                continue
            first = RevisionRow(
                order_id=key,
                revision=0,
                business_date=day,
                outlet_code=outlet,
                order_reference=str(row.source_reference),
                raw={
                    "transaction_no": row.transaction_no,
                    "invoice_no": invoice_no,
                    **_booked(lines, []),
                },
                reversed_on=None,
                reversal=None,
                reason="the payment as first posted",
            )
            rows = [first]
        live = [r for r in rows if r.reversed_on is None]
        if not live:
            continue  # reversed already, not posted again
        posted = _posted(live[-1], rows[0])
        lines, documents = rules.payment_reversal(posted, config, day, reason=reason)
        amount = sum(int(r["credit"]) for r in lines if str(r["account_role"]) == "receivable")
        amount = amount or sum(int(r["debit"]) for r in lines)
        number = rules.revision_keys(posted)[1]
        by = " and ".join(f"journal entry {d.transaction_no}" for d in documents) or "nothing"
        change = RevisionChange(
            order_id=key,
            order_reference=posted.order_reference,
            outlet_code=outlet,
            day=day,
            reason=reason,
            command=command,
            first=first,
            reversed_revision=posted.revision,
            reversal=_booked(lines, documents),
        )
        change.log.extend((d.doc_key, "correction", f"{command}: {reason}") for d in documents)
        change.log.append(
            (f"order:{key}", "correction", f"{command} on {day}: payment {number} reversed by {by}")
        )
        text = f"reverse receive payment {number} ({format_idr(amount)}) by {by}"
        steps.append(PaymentStep(text, amount, change))
    return steps


def repost_payments(
    store: StagingStore, config: MerchantConfig, day: date, outlet: str, reason: str, command: str
) -> list[PaymentStep]:
    """The payments reversed by a rollback of the outlet-day, booked again on it."""
    revisions = RevisionStore(store.engine)
    keys = {
        r.order_id
        for r in revisions.touching(day)
        if rules.is_payment_key(r.order_id) and r.reversed_on == day
    }
    steps = []
    for key, rows in sorted(revisions.of_orders(keys).items()):
        last = rows[-1]
        if last.reversed_on != day or (last.outlet_code or "") != outlet:
            continue
        posted = _posted(last, rows[0])
        first_no = rules.revision_keys(posted, 0)[1]
        why = _invoice_reversed(store, str((rows[0].raw or {}).get("invoice_no")))
        if why is not None:
            steps.append(PaymentStep(f"payment {first_no}: {why}", 0, None))
            continue
        n = last.revision + 1
        lines, documents = rules.payment_again(posted, config, day, n, reason=reason)
        amount = sum(int(r["debit"]) for r in lines)
        number = rules.revision_keys(posted, n)[1]
        change = RevisionChange(
            order_id=key,
            order_reference=posted.order_reference,
            outlet_code=outlet,
            day=day,
            reason=reason,
            command=command,
            new_revision=n,
            new_raw={"transaction_no": first_no, **_booked(lines, documents)},
        )
        change.log.extend((d.doc_key, "correction", f"{command}: {reason}") for d in documents)
        change.log.append(
            (f"order:{key}", "correction", f"{command} on {day}: payment {first_no} posted again")
        )
        text = f"post receive payment {first_no} again as journal entry {number}"
        steps.append(PaymentStep(f"{text} ({format_idr(amount)})", amount, change))
    return steps


def day_documents(row: RevisionRow, day: date) -> tuple[list[dict[str, Any]], list[Any]]:
    """What a payment's revision row books on ``day`` (its reversal, or it posted again)."""
    lines: list[dict[str, Any]] = []
    documents: list[Any] = []
    booked = []
    if row.reversed_on == day and row.reversal is not None:
        booked.append(row.reversal)
    if row.revision > 0 and row.business_date == day and row.raw is not None:
        booked.append(row.raw)
    for part in booked:
        lines.extend(revision_rules.line_from_json(r) for r in part["lines"])
        documents.extend(revision_rules.document_from_json(d) for d in part["documents"])
    return lines, documents
