"""Posting the corrections of posted sales: sales returns, then their journal entries.

A sales return waits until its invoice is in Jurnal (as a receive payment does). Its lines
name the invoice's lines by ``transaction_line_id``: the outbox knows the invoice's Jurnal id,
so the invoice is read back and each line we return is matched by its position on the invoice
we built, its product checked. Jurnal has no batch create for returns (J-37), so each is
created on its own, idempotently. Jurnal's documented return has no ``custom_id`` or
``transaction_no`` (J-37), so a return is never sent twice blindly: it is posted once per
attempt, and after an answer that leaves its outcome unknown, or before posting a return an
earlier attempt may have sent, it is looked for in Jurnal by its keys when Jurnal shows them,
else by its invoice, date and lines (`jurnal.return_lookup`); found, it is recorded posted
(``duplicate``), else it stays pending or is posted. A refund's journal
entry waits until its return is posted (it debits what the return credited; a refund split over
daily summary invoices: every part of it), then goes in batches like the other documents.
Nothing posted is ever edited.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Any, Protocol

import sqlalchemy as sa

from journal_pipeline.accounting.documents import JOURNAL_ENTRY, SALES_INVOICE, SALES_RETURN
from journal_pipeline.accounting.summary_returns import PART, refund_of
from journal_pipeline.jurnal.errors import JurnalError
from journal_pipeline.jurnal.idempotent import LostLookup
from journal_pipeline.jurnal.return_lookup import OtherReturns, ReturnReader, find_sales_return
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import loads
from journal_pipeline.sync.batch_posting import RETRYABLE, record_stop
from journal_pipeline.sync.outbox import KINDS, Outbox, PostResult, Row
from journal_pipeline.sync.ports import JurnalWriter
from journal_pipeline.sync.waiting_payments import invoice_state, waiting_reason

LINE_INDEX = "invoice_line_index"  # our key in a stored return line, never sent to Jurnal


class CorrectionWriter(JurnalWriter, ReturnReader, Protocol):
    """Jurnal as the corrections need it: a single idempotent create, a read by id and the
    returns list (to find a return sent before)."""

    def create(
        self,
        resource: str,
        root_key: str | None,
        body: Mapping[str, Any],
        *,
        lookup_if_lost: LostLookup | None = None,
    ) -> dict[str, Any]: ...


def resolve_return_lines(
    body: Mapping[str, Any], invoice: Mapping[str, Any]
) -> dict[str, Any] | str:
    """The return's body with each line named by the invoice line id, or why it cannot be."""
    invoice_lines = invoice.get("transaction_lines_attributes") or []
    lines = []
    for line in body["transaction_return_lines_attributes"]:
        index = int(line[LINE_INDEX])
        if index >= len(invoice_lines):
            return f"invoice {invoice.get('transaction_no')} has no line {index + 1}"
        target = invoice_lines[index]
        product = target.get("product") or {}
        code, name = line.get("product_code"), line.get("product_name")
        if (code and str(product.get("code") or "") != code) or (
            name and not code and str(product.get("name") or "") != name
        ):
            return (
                f"line {index + 1} of invoice {invoice.get('transaction_no')} is "
                f"{product.get('code') or product.get('name')}, not {code or name}"
            )
        lines.append(
            {"transaction_line_id": target["id"], "return_quantity": line["return_quantity"]}
        )
    return {**body, "transaction_return_lines_attributes": lines}


def post_corrections(outbox: Outbox, day: date, client: CorrectionWriter) -> PostResult:
    """Post the day's pending sales returns, then the journal entries of posted returns."""
    result = PostResult()
    for row in outbox._pending(day, SALES_RETURN):
        if not _post_return(outbox, row, client, result):
            return result
    ready = []
    for row in outbox._pending(day, JOURNAL_ENTRY):
        open_returns = [p for p in _partners(outbox, row) if p.status != "posted"]
        if open_returns:
            result.waiting += 1
            which = ", ".join(f"{p.transaction_no} ({p.status})" for p in open_returns)
            outbox._mark(
                row.doc_key,
                "held",
                f"Journal entry {row.transaction_no} of order {row.source_reference} waits for "
                f"its sales return: {which}. Run the day again once it is posted (see its "
                "reason).",
                "held",
            )
            continue
        ready.append(row)
    outbox._post_rows(JOURNAL_ENTRY, ready, client, result)
    return result


def _partners(outbox: Outbox, entry_row: Row) -> list[Row]:
    """The sales returns a journal entry debits the receivable for: its return and, for a
    refund split over daily summary invoices, every further part (custom_id
    ``<refund custom_id>:<k>``, `summary_returns.part_keys`)."""
    number = _return_no(entry_row)
    if number is None:
        return []
    t = tables.outbox
    main = t.c.transaction_no == number
    parts = t.c.doc_key.startswith(f"{SALES_RETURN}:{entry_row.custom_id}{PART}", autoescape=True)
    query = sa.select(t.c.custom_id, t.c.transaction_no, t.c.status).where(
        t.c.doc_type == SALES_RETURN, sa.or_(main, parts)
    )
    with outbox.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        r
        for r in rows
        if r.transaction_no == number
        or (r.custom_id != entry_row.custom_id and refund_of(r.custom_id) == entry_row.custom_id)
    ]


def _return_no(entry_row: Row) -> str | None:
    """The number of a journal entry's sales return: ``…/RJ1`` → ``…/R1``, ``…/VJ`` → ``…/V``,
    ``…/CJ`` → ``…/C``; None for an entry with no return (an MDR ``…/F``, a gift card
    redeemed ``…/G``), which is posted on its own."""
    head, _, tail = str(entry_row.transaction_no).rpartition("/")
    if len(tail) < 2 or tail[0] not in "RVC" or tail[1] != "J":
        return None
    return f"{head}/{tail[0]}{tail[2:]}"


def _post_return(outbox: Outbox, row: Row, client: CorrectionWriter, result: PostResult) -> bool:
    """Post one sales return; False when posting must stop (a retryable error)."""
    body = loads(row.payload)[SALES_RETURN]
    invoice_no = body["invoice_no"]
    invoice = outbox.document_row(SALES_INVOICE, invoice_no)
    if invoice is None or invoice.status != "posted" or invoice.jurnal_id is None:
        result.waiting += 1
        with outbox.engine.connect() as conn:
            state = invoice_state(conn, invoice_no, row.source_reference, row.business_date)
        document = f"Sales return {row.transaction_no}"
        reason = waiting_reason(
            row.source_reference, invoice_no, state, row.business_date, document, row.doc_key
        )
        outbox._mark(row.doc_key, "held", reason, "held")
        return True
    sent_before = bool(getattr(row, "attempts", 0))  # an earlier attempt may have reached Jurnal
    outbox._count_attempt([row.doc_key])
    invoice_id = int(invoice.jurnal_id)
    try:
        record = client.get_record("sales_invoices", invoice_id)
        result.calls += 1
        resolved = (
            f"invoice {invoice_no} (Jurnal id {invoice.jurnal_id}) is not in Jurnal"
            if record is None
            else resolve_return_lines(body, record)
        )
        if isinstance(resolved, str):
            _refused(outbox, row, result, resolved)
            return True
        sent = resolved

        def look(read: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
            result.calls += 1
            return find_sales_return(client, sent, invoice_id, _others(outbox, row), read)

        found = look(record) if sent_before else None
        if found is not None:
            outbox._mark_posted(KINDS[SALES_RETURN], row, found, "duplicate")
            result.duplicates_resolved += 1
            return True
        before = getattr(client, "duplicates_resolved", 0)
        created = client.create("sales_returns", SALES_RETURN, resolved, lookup_if_lost=look)
        result.calls += 1
    except RETRYABLE as exc:  # left pending, saying why (`batch_posting.record_stop`)
        record_stop(outbox, [row], exc, result)
        return False
    except JurnalError as exc:
        _refused(outbox, row, result, f"Jurnal refused it: {exc} {exc.body or ''}".strip())
        return True
    duplicate = getattr(client, "duplicates_resolved", 0) > before
    outbox._mark_posted(KINDS[SALES_RETURN], row, created, "duplicate" if duplicate else "posted")
    if duplicate:
        result.duplicates_resolved += 1
    else:
        result.posted += 1
    return True


def _others(outbox: Outbox, row: Row) -> OtherReturns:
    """What the outbox knows of the sales returns other than ``row``'s: which Jurnal ids are
    recorded for them, and the bodies of those not recorded yet (`jurnal.return_lookup`)."""
    t = tables.outbox
    theirs = sa.and_(t.c.doc_type == SALES_RETURN, t.c.doc_key != row.doc_key)

    def recorded(ids: Collection[int]) -> set[int]:
        if not ids:
            return set()
        query = sa.select(t.c.jurnal_id).where(theirs, t.c.jurnal_id.in_(list(ids)))
        with outbox.engine.connect() as conn:
            return {int(value) for value in conn.execute(query).scalars()}

    query = sa.select(t.c.payload).where(theirs, t.c.jurnal_id.is_(None), t.c.payload.is_not(None))
    with outbox.engine.connect() as conn:
        payloads = list(conn.execute(query).scalars())
    bodies = [loads(payload).get(SALES_RETURN) or {} for payload in payloads]
    return OtherReturns(recorded, bodies)


def _refused(outbox: Outbox, row: Row, result: PostResult, cause: str) -> None:
    reason = (
        f"Order {row.source_reference} (outlet {row.outlet_code}): sales return "
        f"{row.transaction_no} not posted: {cause}. Fix the cause in Jurnal or the config, "
        "then run the day again."
    )
    outbox._mark(row.doc_key, "failed", reason, "failed")
    result.failed += 1
    result.failures.append(reason)
