"""The outbox: every document we mean to post to Jurnal, posted idempotently, every attempt logged.

States of a document (one row per deterministic ``doc_key``):

- ``pending``   built and waiting to be posted;
- ``posted``    Jurnal has it (``jurnal_id``); never edited again, corrections are new documents;
- ``held``      the pipeline will not post it until its cause is fixed (``reason`` says how);
- ``failed``    Jurnal refused it (``reason`` carries Jurnal's field messages);
- ``withdrawn`` it is no longer an event of its day (voided before posting), so it is not posted.

A timeout or lost response leaves the document pending; the next attempt meets Jurnal's
duplicate check on ``custom_id``/``transaction_no`` and records the existing document instead
of creating a second one. A batch answer that does not say whether an item was created
(J-45) is never read as a refusal: the document is looked up by its keys and recorded posted
when found, else left pending. Invoices are posted before the receive payments that settle them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
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
    WAREHOUSE_TRANSFER,
)
from journal_pipeline.accounting.holds import NOTHING_TO_POST
from journal_pipeline.core.cycle_collection import cycle_collection_paused
from journal_pipeline.core.money import format_idr, to_rupiah
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore, loads
from journal_pipeline.storage.writing import writing
from journal_pipeline.sync.batch_posting import post_batches
from journal_pipeline.sync.by_hand import BY_HAND
from journal_pipeline.sync.outbox_building import (
    OPEN_STATES,
    OutboxBuilding,
)
from journal_pipeline.sync.ports import BatchItem, JurnalWriter
from journal_pipeline.sync.quota import QUOTA_EVENT, is_quota_refusal, quota_stop
from journal_pipeline.sync.waiting_payments import (
    invoice_no_of,
    invoice_state,
    posted_invoice_numbers,
    waiting_reason,
)

Row: TypeAlias = sa.Row[*tuple[Any, ...]]  # a row of an outbox query, columns by name

BATCH_SIZE = 100
STATES = (
    "posted",
    BY_HAND,
    NOTHING_TO_POST,
    *OPEN_STATES,
    "withdrawn",
)  # every state, in the order people read them


@dataclass(frozen=True)
class DocKind:
    """Where a document type lives in Jurnal and which field of the answer is its total."""

    resource: str
    root: str
    total_field: str
    less_field: str | None = None  # taken off the total: what the customer owes is the rest

    def total(self, record: Mapping[str, Any]) -> int:
        total = to_rupiah(record.get(self.total_field))
        return total - to_rupiah(record.get(self.less_field) or 0) if self.less_field else total


def tax_cents(record: Mapping[str, Any]) -> int | None:
    """Jurnal's ``tax_amount`` of an invoice answer in whole cents; None when not stated."""
    value = record.get("tax_amount")
    try:
        return (
            None
            if value in (None, "")
            else int((Decimal(str(value)) * 100).to_integral_value(ROUND_HALF_UP))
        )
    except (InvalidOperation, ValueError):
        return None


KINDS = {
    # a deduction (the till's rounding down, Pemotongan) is not owed: the order's total is
    SALES_INVOICE: DocKind(
        "sales_invoices", "sales_invoice", "original_amount", "witholding_amount"
    ),
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
    # why posting stopped early (a retryable error, the quota used up); None if it did not
    interrupted: str | None = None
    failures: list[str] = field(default_factory=list)


class Outbox(OutboxBuilding):
    def __init__(self, store: StagingStore, run_id: str | None = None):
        self.store = store
        self.engine = store.engine
        self.run_id = run_id

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
                    t.c.attempts,
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
            reason = waiting_reason(
                row.source_reference, invoice_no, state, row.business_date, key=row.doc_key
            )
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
        client), not said by Jurnal's answer and not found (left pending), or refused."""
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
                if getattr(item, "unknown", False):  # J-45: neither created nor refused
                    stay = _unknown_outcome(row, item)
                    self._set(conn, row.doc_key, now, "retry", message=stay, reason=stay)
                    result.left_pending += 1
                    continue
                if is_quota_refusal(item.errors):  # the document is right: it stays pending
                    stop = quota_stop(_detail(item))
                    self._set(conn, row.doc_key, now, QUOTA_EVENT, message=stop, reason=stop)
                    result.left_pending += 1
                    result.interrupted = result.interrupted or stop
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
            total = kind.total(record)
            message = f"Jurnal id {record['id']}, total {format_idr(total)}"
            if event == "duplicate":
                message = "already in Jurnal (earlier attempt); " + message
            updates.append(
                {
                    "key": row.doc_key,
                    "jurnal": int(record["id"]),
                    "total": total,
                    "tax": tax_cents(record) if kind is KINDS[SALES_INVOICE] else None,
                }
            )
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
                posted_tax_cents=sa.bindparam("tax"),
                posted_at=now,
            ),
            updates,
        )
        conn.execute(sa.insert(tables.outbox_log), logs)

    def _mark(self, key: str, status: str, reason: str, event: str) -> None:
        now = datetime.now(UTC)
        with writing(self.engine) as conn:
            self._set(conn, key, now, event, message=reason, status=status, reason=reason)

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


#: Jurnal's refusal of a date in a closed period (J-57; the wording is assumed, so loosely).
CLOSED_BOOKS = re.compile(r"clos|tutup buku|locked", re.IGNORECASE)


def _detail(item: BatchItem) -> str:
    fields = item.errors or {}
    return (
        "; ".join(f"{name}: {_text(msg)}" for name, msg in fields.items()) or f"HTTP {item.status}"
    )


def _unknown_outcome(row: Row, item: BatchItem) -> str:
    """Why a document Jurnal's answer said nothing about stays pending (J-45)."""
    return (
        f"{row.transaction_no} ({row.source_reference}): {_detail(item)}. It stays pending: "
        "the next run sends it again, Jurnal's duplicate check on its custom_id and number "
        "keeps a second copy out, and it is looked up again."
    )


def _refusal(row: Row, item: BatchItem) -> str:
    fields = item.errors or {}
    detail = _detail(item)
    what = "Order" if row.doc_key.split(":", 1)[0] in SALES_DOCUMENTS else "Document"
    if is_summary_id(str(row.source_reference or "")):
        what = "Daily summary"
    fix = "Fix the cause in Jurnal or the config, then run the day again."
    if CLOSED_BOOKS.search(_text(fields.get("transaction_date", ""))):
        fix = (
            "Jurnal's books are closed for that date: set `lock_date` in the config to the "
            "day they are closed up to (`journal-pipeline check` names it), then run the day "
            "again; a sale of a closed day is then held and a correction dated the first open day."
        )
    return (
        f"{what} {row.source_reference} (outlet {row.outlet_code}): Jurnal refused "
        f"{row.transaction_no}: {detail}. {fix}"
    )


def _text(message: object) -> str:
    if isinstance(message, list | tuple):
        return ", ".join(str(m) for m in message)
    return str(message)
