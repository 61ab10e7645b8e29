"""The outbox: every document we mean to post to Jurnal, posted idempotently, every attempt logged.

States of a document (one row per deterministic ``doc_key``):

- ``pending``   built and waiting to be posted;
- ``posted``    Jurnal has it (``jurnal_id``); never edited again, corrections are new documents;
- ``held``      the pipeline will not post it until its cause is fixed (``reason`` says how);
- ``failed``    Jurnal refused it (``reason`` carries Jurnal's field messages);
- ``withdrawn`` it is no longer an event of its day (voided before posting), so it is not posted.

A timeout or lost response leaves the document pending; the next attempt meets Jurnal's
duplicate check on ``custom_id``/``transaction_no`` and records the existing document instead
of creating a second one. Invoices are posted before the receive payments that settle them.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeAlias

import sqlalchemy as sa

from journal_pipeline.accounting.daily_summary import is_summary_id
from journal_pipeline.accounting.documents import (
    CASH_COUNT,
    JOURNAL_ENTRY,
    OPENING_STOCK,
    PAYMENT_FEE,
    PAYOUT,
    RECEIVE_PAYMENT,
    SALES_INVOICE,
    SALES_RETURN,
    STOCK_ADJUSTMENT,
    STOCK_DOCUMENTS,
    WAREHOUSE_TRANSFER,
    Document,
)
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.accounting.return_arithmetic import OWN_POSTINGS
from journal_pipeline.core.cycle_collection import cycle_collection_paused
from journal_pipeline.core.money import format_idr, to_rupiah
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore, dumps, loads
from journal_pipeline.storage.writing import writing
from journal_pipeline.sync.batch_posting import post_batches
from journal_pipeline.sync.outbox_reads import OutboxReads
from journal_pipeline.sync.ports import BatchItem, JurnalWriter
from journal_pipeline.sync.waiting_payments import (
    invoice_no_of,
    invoice_state,
    posted_invoice_numbers,
    waiting_reason,
)

Row: TypeAlias = sa.Row[*tuple[Any, ...]]  # a row of an outbox query, columns by name

BATCH_SIZE = 100
OPEN_STATES = ("pending", "held", "failed")  # not in Jurnal, and still meant to be
STATES = ("posted", *OPEN_STATES, "withdrawn")  # every state, in the order people read them
WITHDRAWN_REASON = "no longer an event of this business date (voided or moved)"
REVERSAL = "reversal"


@dataclass(frozen=True)
class DocKind:
    """Where a document type lives in Jurnal and which field of the answer is its total."""

    resource: str
    root: str
    total_field: str


KINDS = {
    SALES_INVOICE: DocKind("sales_invoices", "sales_invoice", "original_amount"),
    RECEIVE_PAYMENT: DocKind("receive_payments", "receive_payment", "total"),
    SALES_RETURN: DocKind("sales_returns", "sales_return", "return_amount"),
    JOURNAL_ENTRY: DocKind("journal_entries", "journal_entry", "total_debit"),
    # stock documents carry quantities, not a money total: their expected_total is None
    WAREHOUSE_TRANSFER: DocKind("warehouse_transfers", "warehouse_transfer", "total"),
    STOCK_ADJUSTMENT: DocKind("stock_adjustments", "stock_adjustment", "total"),
    OPENING_STOCK: DocKind("stock_adjustments", "stock_adjustment", "total"),
    CASH_COUNT: DocKind("journal_entries", "journal_entry", "total_debit"),
    PAYMENT_FEE: DocKind("journal_entries", "journal_entry", "total_debit"),
    PAYOUT: DocKind("bank_transfers", "bank_transfer", "transfer_amount"),
}
SALES_DOCUMENTS = (SALES_INVOICE, RECEIVE_PAYMENT, SALES_RETURN, JOURNAL_ENTRY)
# built apart from the day's sales, each by its own asset
SEPARATE_BUILDS = (*STOCK_DOCUMENTS, OPENING_STOCK, CASH_COUNT, PAYMENT_FEE, PAYOUT)
# a payment needs its invoice in Jurnal; a return its invoice; a refund's entry its return
POSTING_ORDER = (SALES_INVOICE, RECEIVE_PAYMENT, SALES_RETURN, JOURNAL_ENTRY)
INVOICE_DOCUMENTS = (SALES_INVOICE, RECEIVE_PAYMENT)  # posted by `post_pending`
CORRECTIONS = (SALES_RETURN, JOURNAL_ENTRY)  # posted by `sync.returns.post_corrections`


@dataclass
class PostResult:
    posted: int = 0
    duplicates_resolved: int = 0
    failed: int = 0
    waiting: int = 0  # receive payments whose invoice is not in Jurnal yet
    left_pending: int = 0
    calls: int = 0
    interrupted: str | None = None  # why posting stopped early (retryable error); None if not
    failures: list[str] = field(default_factory=list)


def _hash(payload: Mapping[str, Any]) -> str:
    return hashlib.sha256(dumps(_as_compared(payload)).encode("utf-8")).hexdigest()


def _as_compared(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """The payload as a rebuild is compared with it: without the own-invoice postings of a
    return's lines (`return_arithmetic.OWN_POSTINGS`), our note for pricing a return moved
    onto a daily summary, never sent to Jurnal. A refund posted before its lines carried the
    note is then not taken for one changed after posting."""
    body = payload.get(SALES_RETURN)
    if not isinstance(body, Mapping):
        return payload
    lines = body.get("transaction_return_lines_attributes")
    if not isinstance(lines, list) or not any(OWN_POSTINGS in line for line in lines):
        return payload
    bare = [{k: v for k, v in line.items() if k != OWN_POSTINGS} for line in lines]
    return {**payload, SALES_RETURN: {**body, "transaction_return_lines_attributes": bare}}


class Outbox(OutboxReads):
    def __init__(self, store: StagingStore, run_id: str | None = None):
        self.store = store
        self.engine = store.engine
        self.run_id = run_id

    # -- building ----------------------------------------------------------------------------
    def enqueue(
        self,
        day: date,
        documents: Iterable[Document],
        holds: Iterable[Hold],
        doc_types: Iterable[str] | None = None,
    ) -> Counter[str]:
        """Record the day's documents and holds; withdraw open ones of ``doc_types`` that no
        longer apply. The stock documents of a day are built apart from its sales: by default
        (the sales build) every type but theirs is in scope."""
        scope = None if doc_types is None else set(doc_types)
        t = tables.outbox
        now = datetime.now(UTC)
        counts: Counter[str] = Counter()
        wanted: set[str] = set()
        with writing(self.engine) as conn:
            current = {
                row.doc_key: row
                for row in conn.execute(
                    sa.select(
                        t.c.doc_key,
                        t.c.doc_type,
                        t.c.status,
                        t.c.payload_hash,
                        t.c.source_id,
                        t.c.source_reference,
                        t.c.outlet_code,
                    ).where(t.c.business_date == day)
                )
            }
            for doc in documents:
                wanted.add(doc.doc_key)
                counts[self._put_document(conn, doc, current.get(doc.doc_key), now)] += 1
            for hold in holds:
                wanted.add(hold.doc_key)
                counts[self._put_hold(conn, hold, current.get(hold.doc_key), now)] += 1
            for key, row in current.items():
                if key in wanted or row.doc_type == REVERSAL:  # reversals wait for a person
                    continue
                if not _in_scope(row.doc_type, scope):  # built by another part of the pipeline
                    continue
                if row.status in OPEN_STATES:
                    self._set(
                        conn, key, now, "withdrawn", status="withdrawn", reason=WITHDRAWN_REASON
                    )
                    counts["withdrawn"] += 1
                elif (
                    row.status == "posted"
                    and row.doc_type == SALES_INVOICE
                    and not is_summary_id(row.source_id)  # a later summary adds to it
                ):
                    counts[self._flag_reversal(conn, day, row, now)] += 1
        return counts

    def _put_document(
        self, conn: sa.Connection, doc: Document, row: Row | None, now: datetime
    ) -> str:
        t = tables.outbox
        row = row or self._row(conn, doc.doc_key)
        digest = _hash(doc.payload)
        values = {
            "payload": dumps(doc.payload),
            "payload_hash": digest,
            "expected_total": doc.expected_total,
            "transaction_no": doc.transaction_no,
            "custom_id": doc.custom_id,
            "updated_at": now,
        }
        if row is None:
            conn.execute(
                sa.insert(t).values(
                    **_identity(doc), status="pending", attempts=0, created_at=now, **values
                )
            )
            self._log(conn, doc.doc_key, "enqueued", None, now)
            return "enqueued"
        if row.status == "posted":
            if row.payload_hash != digest:
                self._set(
                    conn,
                    doc.doc_key,
                    now,
                    "changed_after_posting",
                    message="the source changed after posting: the business date of the "
                    "change books the correction (a reversal and a new revision)",
                    changed_after_posting=True,
                )
                return "changed_after_posting"
            return "already_posted"
        if row.status != "pending" or row.payload_hash != digest:
            self._log(conn, doc.doc_key, "requeued", f"was {row.status}", now)
        conn.execute(
            sa.update(t)
            .where(t.c.doc_key == doc.doc_key)
            .values(status="pending", reason=None, **values)
        )
        return "pending"

    def _put_hold(self, conn: sa.Connection, hold: Hold, row: Row | None, now: datetime) -> str:
        t = tables.outbox
        row = row or self._row(conn, hold.doc_key)
        if row is not None and row.status == "posted":
            return "already_posted"
        if row is None:
            conn.execute(
                sa.insert(t).values(
                    **_identity(hold),
                    status="held",
                    reason=hold.reason,
                    attempts=0,
                    created_at=now,
                    updated_at=now,
                )
            )
            self._log(conn, hold.doc_key, "held", hold.reason, now)
        else:
            if row.status != "held":
                self._log(conn, hold.doc_key, "held", hold.reason, now)
            conn.execute(
                sa.update(t)
                .where(t.c.doc_key == hold.doc_key)
                .values(status="held", reason=hold.reason, updated_at=now)
            )
        return "held"

    def _flag_reversal(
        self, conn: sa.Connection, day: date, invoice_row: Row, now: datetime
    ) -> str:
        """A posted invoice whose order is no longer a sale of the day, and not voided (a
        voided one stays and is reversed on its void date, `accounting/refunds.py`)."""
        hold = Hold(
            "order",
            invoice_row.source_id,
            invoice_row.source_reference or "?",
            invoice_row.outlet_code or "?",
            day,
            f"Order {invoice_row.source_reference} (outlet {invoice_row.outlet_code}, "
            f"{day.isoformat()}) is no longer a completed sale of this day (moved to another "
            "day, or no longer staged) but its invoice is already in Jurnal. Check the order in "
            "iSeller and reverse the invoice in Jurnal by hand with a sales return if it is no "
            "sale; posted invoices are never edited.",
            REVERSAL,
        )
        existing = self._row(conn, hold.doc_key)
        if existing is not None and existing.status == "held":
            return "reversal_needed"
        self._put_hold(conn, hold, existing, now)
        return "reversal_needed"

    # -- posting -----------------------------------------------------------------------------
    @cycle_collection_paused()  # invoices, then their payments: `sync.batch_posting`
    def post_pending(self, day: date, client: JurnalWriter) -> PostResult:
        """Post the day's pending invoices and receive payments, invoices first, in batches of
        up to 100 (returns and journal entries: `sync.returns.post_corrections`)."""
        result = PostResult()
        for doc_type in INVOICE_DOCUMENTS:
            rows = self._pending(day, doc_type)
            if doc_type == RECEIVE_PAYMENT:
                rows = self._with_invoice_posted(rows, result)
            if not self._post_rows(doc_type, rows, client, result):
                break
        return result

    def _pending(self, day: date, doc_type: str) -> Sequence[Row]:
        t = tables.outbox
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(
                    t.c.doc_key,
                    t.c.payload,
                    t.c.source_reference,
                    t.c.outlet_code,
                    t.c.expected_total,
                    t.c.custom_id,
                    t.c.transaction_no,
                    t.c.business_date,
                )
                .where(t.c.business_date == day, t.c.status == "pending", t.c.doc_type == doc_type)
                .order_by(t.c.doc_key)
            ).all()

    def _with_invoice_posted(self, rows: Sequence[Row], result: PostResult) -> list[Row]:
        """Receive payments whose invoice is in Jurnal; the others are held until it is, the
        reason naming the day to sync (`sync.waiting_payments`)."""
        ready = []
        numbers = {row.doc_key: invoice_no_of(row.payload) for row in rows}
        with self.engine.connect() as conn:
            posted = posted_invoice_numbers(conn, set(numbers.values()))
        for row in rows:
            invoice_no = numbers[row.doc_key]
            if invoice_no in posted:
                ready.append(row)
                continue
            with self.engine.connect() as conn:
                state = invoice_state(conn, invoice_no, row.source_reference, row.business_date)
            if state.status == "posted":
                ready.append(row)
                continue
            result.waiting += 1
            reason = waiting_reason(row.source_reference, invoice_no, state, row.business_date)
            self._mark(row.doc_key, "held", reason, "held")
        return ready

    def _post_rows(
        self, doc_type: str, rows: Sequence[Row], client: JurnalWriter, result: PostResult
    ) -> bool:
        """Post ``rows`` in batches of up to 100, several at once when the client's limiter
        allows (`sync.batch_posting`); False when a retryable error stopped the posting."""
        return post_batches(self, KINDS[doc_type], rows, client, result, BATCH_SIZE)

    def _settle_batch(
        self, kind: DocKind, batch: Sequence[Row], items: Sequence[BatchItem], result: PostResult
    ) -> None:
        """Record a batch's items in one transaction: created, already there (resolved by the
        client), or refused."""
        now = datetime.now(UTC)
        posted = []
        with writing(self.engine) as conn:
            for row, item in zip(batch, items, strict=True):
                if item.record is not None:
                    posted.append((row, item.record, "duplicate" if item.duplicate else "posted"))
                    if item.duplicate:
                        result.duplicates_resolved += 1
                    else:
                        result.posted += 1
                    continue
                reason = _refusal(row, item)
                self._set(
                    conn, row.doc_key, now, "failed", message=reason, status="failed", reason=reason
                )
                result.failed += 1
                result.failures.append(reason)
            self._write_posted(conn, kind, posted, now)

    def _mark_posted(self, kind: DocKind, row: Row, record: Mapping[str, Any], event: str) -> None:
        with writing(self.engine) as conn:
            self._write_posted(conn, kind, [(row, record, event)], datetime.now(UTC))

    def _write_posted(
        self,
        conn: sa.Connection,
        kind: DocKind,
        posted: Sequence[tuple[Row, Mapping[str, Any], str]],
        now: datetime,
    ) -> None:
        """Mark documents posted (``event`` posted or duplicate) with Jurnal's id and total,
        logging each and any total other than expected: one statement each for the batch."""
        if not posted:
            return
        t = tables.outbox
        updates, logs = [], []
        for row, record, event in posted:
            total = to_rupiah(record.get(kind.total_field))
            message = f"Jurnal id {record['id']}, total {format_idr(total)}"
            if event == "duplicate":
                message = "already in Jurnal (earlier attempt); " + message
            updates.append({"key": row.doc_key, "jurnal": int(record["id"]), "total": total})
            logs.append(self._log_row(row.doc_key, event, message, now))
            if row.expected_total is not None and total != row.expected_total:
                mismatch = (
                    f"Jurnal total {format_idr(total)} vs expected {format_idr(row.expected_total)}"
                )
                logs.append(self._log_row(row.doc_key, "total_mismatch", mismatch, now))
        conn.execute(
            sa.update(t)
            .where(t.c.doc_key == sa.bindparam("key"))
            .values(
                updated_at=now,
                status="posted",
                reason=None,
                jurnal_id=sa.bindparam("jurnal"),
                posted_total=sa.bindparam("total"),
                posted_at=now,
            ),
            updates,
        )
        conn.execute(sa.insert(tables.outbox_log), logs)

    def _mark(self, key: str, status: str, reason: str, event: str) -> None:
        now = datetime.now(UTC)
        with writing(self.engine) as conn:
            self._set(conn, key, now, event, message=reason, status=status, reason=reason)

    def _set(
        self,
        conn: sa.Connection,
        key: str,
        now: datetime,
        event: str,
        message: str | None = None,
        **values: Any,
    ) -> None:
        t = tables.outbox
        conn.execute(sa.update(t).where(t.c.doc_key == key).values(updated_at=now, **values))
        self._log(conn, key, event, message if message is not None else values.get("reason"), now)

    def _count_attempt(self, keys: list[str]) -> None:
        t = tables.outbox
        with writing(self.engine) as conn:
            conn.execute(
                sa.update(t).where(t.c.doc_key.in_(keys)).values(attempts=t.c.attempts + 1)
            )

    def _log_many(self, keys: list[str], event: str, message: str) -> None:
        now = datetime.now(UTC)
        with writing(self.engine) as conn:
            for key in keys:
                self._log(conn, key, event, message, now)

    def _log(
        self, conn: sa.Connection, key: str, event: str, message: str | None, now: datetime
    ) -> None:
        conn.execute(sa.insert(tables.outbox_log).values(self._log_row(key, event, message, now)))

    def _log_row(self, key: str, event: str, message: str | None, now: datetime) -> dict[str, Any]:
        return {
            "doc_key": key,
            "at": now,
            "event": event,
            "message": message,
            "run_id": self.run_id,
        }

    @staticmethod
    def _row(conn: sa.Connection, key: str) -> Row | None:
        t = tables.outbox
        return conn.execute(
            sa.select(
                t.c.doc_key,
                t.c.doc_type,
                t.c.status,
                t.c.payload_hash,
                t.c.source_id,
                t.c.source_reference,
                t.c.outlet_code,
            ).where(t.c.doc_key == key)
        ).first()

    def pending_payloads(self, day: date, doc_type: str = SALES_INVOICE) -> list[dict[str, Any]]:
        """Bodies of the day's documents of one type still to be posted."""
        t = tables.outbox
        root = KINDS[doc_type].root
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.c.payload).where(
                    t.c.business_date == day, t.c.status == "pending", t.c.doc_type == doc_type
                )
            )
            return [loads(r.payload)[root] for r in rows]


def _in_scope(doc_type: str, scope: set[str] | None) -> bool:
    if scope is None:
        return doc_type not in SEPARATE_BUILDS
    return doc_type in scope


def _identity(item: Document | Hold) -> dict[str, Any]:
    """The columns that name a document and its source, the same for documents and holds."""
    names = ("doc_key", "doc_type", "business_date", "outlet_code", "source_id", "source_reference")
    return {name: getattr(item, name) for name in names}


def _refusal(row: Row, item: BatchItem) -> str:
    fields = item.errors or {}
    detail = (
        "; ".join(f"{name}: {_text(msg)}" for name, msg in fields.items()) or f"HTTP {item.status}"
    )
    what = "Order" if row.doc_key.split(":", 1)[0] in SALES_DOCUMENTS else "Document"
    if is_summary_id(str(row.source_reference or "")):
        what = "Daily summary"
    return (
        f"{what} {row.source_reference} (outlet {row.outlet_code}): Jurnal refused "
        f"{row.transaction_no}: {detail}. Fix the cause in Jurnal or the config, "
        "then run the day again."
    )


def _text(message: object) -> str:
    if isinstance(message, list | tuple):
        return ", ".join(str(m) for m in message)
    return str(message)
