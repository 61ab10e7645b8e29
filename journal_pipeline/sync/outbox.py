"""The outbox: every document we mean to post to Jurnal, posted idempotently, every attempt logged.

States of a document (one row per deterministic ``doc_key``):

- ``pending``   built and waiting to be posted;
- ``posted``    Jurnal has it (``jurnal_id``); never edited again, corrections are new documents;
- ``held``      the pipeline will not post it until its cause is fixed (``reason`` says how);
- ``failed``    Jurnal refused it (``reason`` carries Jurnal's field messages);
- ``withdrawn`` it is no longer a sale of its day (voided before posting), so it is not posted.

A timeout or lost response leaves the document pending; the next attempt meets Jurnal's
duplicate check on ``custom_id``/``transaction_no`` and records the existing invoice instead
of creating a second one.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pandas as pd
import sqlalchemy as sa

from journal_pipeline.accounting.holds import Hold
from journal_pipeline.accounting.invoices import SALES_INVOICE, Document
from journal_pipeline.accounting.money import format_idr, to_rupiah
from journal_pipeline.jurnal.errors import (
    JurnalAuthError,
    JurnalRateLimited,
    JurnalRetryableError,
)
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore, dumps, loads

BATCH_SIZE = 100
OPEN_STATES = ("pending", "held", "failed")
WITHDRAWN_REASON = "no longer a completed sale of this business date (voided or moved)"


@dataclass
class PostResult:
    posted: int = 0
    duplicates_resolved: int = 0
    failed: int = 0
    left_pending: int = 0
    calls: int = 0
    interrupted: str | None = None  # why posting stopped early (retryable error); None if not
    failures: list[str] = field(default_factory=list)


def _hash(payload: dict) -> str:
    return hashlib.sha256(dumps(payload).encode("utf-8")).hexdigest()


class Outbox:
    def __init__(self, store: StagingStore, run_id: str | None = None):
        self.store = store
        self.engine = store.engine
        self.run_id = run_id

    # -- building ----------------------------------------------------------------------------
    def enqueue(self, day: date, documents: Iterable[Document], holds: Iterable[Hold]) -> Counter:
        """Record the day's documents and holds; withdraw open ones that are no longer sales."""
        t = tables.outbox
        now = datetime.now(UTC)
        counts: Counter = Counter()
        wanted: set[str] = set()
        with self.engine.begin() as conn:
            current = {
                row.doc_key: row
                for row in conn.execute(
                    sa.select(t.c.doc_key, t.c.status, t.c.payload_hash).where(
                        t.c.business_date == day, t.c.doc_type == SALES_INVOICE
                    )
                )
            }
            for doc in documents:
                wanted.add(doc.doc_key)
                digest = _hash(doc.payload)
                row = current.get(doc.doc_key) or self._row(conn, doc.doc_key)
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
                            **self._identity(doc),
                            status="pending",
                            attempts=0,
                            created_at=now,
                            **values,
                        )
                    )
                    self._log(conn, doc.doc_key, "enqueued", None, now)
                    counts["enqueued"] += 1
                elif row.status == "posted":
                    if row.payload_hash != digest:
                        conn.execute(
                            sa.update(t)
                            .where(t.c.doc_key == doc.doc_key)
                            .values(changed_after_posting=True, updated_at=now)
                        )
                        self._log(
                            conn,
                            doc.doc_key,
                            "changed_after_posting",
                            "the source changed after posting; a correction is needed",
                            now,
                        )
                        counts["changed_after_posting"] += 1
                    counts["already_posted"] += 1
                else:
                    changed = row.status != "pending" or row.payload_hash != digest
                    conn.execute(
                        sa.update(t)
                        .where(t.c.doc_key == doc.doc_key)
                        .values(status="pending", reason=None, **values)
                    )
                    if changed:
                        self._log(conn, doc.doc_key, "requeued", f"was {row.status}", now)
                    counts["pending"] += 1
            for hold in holds:
                key = f"{SALES_INVOICE}:{hold.source_id}"
                wanted.add(key)
                row = current.get(key) or self._row(conn, key)
                if row is not None and row.status == "posted":
                    counts["already_posted"] += 1
                    continue
                values = {"status": "held", "reason": hold.reason, "updated_at": now}
                if row is None:
                    conn.execute(
                        sa.insert(t).values(
                            doc_key=key,
                            doc_type=SALES_INVOICE,
                            business_date=hold.business_date,
                            outlet_code=hold.outlet_code,
                            source_id=hold.source_id,
                            source_reference=hold.source_reference,
                            attempts=0,
                            created_at=now,
                            **values,
                        )
                    )
                else:
                    conn.execute(sa.update(t).where(t.c.doc_key == key).values(**values))
                if row is None or row.status != "held":
                    self._log(conn, key, "held", hold.reason, now)
                counts["held"] += 1
            for key, row in current.items():
                if key not in wanted and row.status in OPEN_STATES:
                    conn.execute(
                        sa.update(t)
                        .where(t.c.doc_key == key)
                        .values(
                            status="withdrawn",
                            updated_at=now,
                            reason=WITHDRAWN_REASON,
                        )
                    )
                    self._log(conn, key, "withdrawn", None, now)
                    counts["withdrawn"] += 1
        return counts

    # -- posting -----------------------------------------------------------------------------
    def post_pending(self, day: date, client) -> PostResult:
        """Post the day's pending invoices in batches of up to 100."""
        t = tables.outbox
        result = PostResult()
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    t.c.doc_key,
                    t.c.payload,
                    t.c.source_reference,
                    t.c.outlet_code,
                    t.c.expected_total,
                    t.c.custom_id,
                    t.c.transaction_no,
                )
                .where(
                    t.c.business_date == day, t.c.status == "pending", t.c.doc_type == SALES_INVOICE
                )
                .order_by(t.c.doc_key)
            ).all()
        for start in range(0, len(rows), BATCH_SIZE):
            batch = rows[start : start + BATCH_SIZE]
            self._count_attempt([r.doc_key for r in batch])
            try:
                items = client.batch_create_sales_invoices(
                    [loads(r.payload)[SALES_INVOICE] for r in batch]
                )
                result.calls += 1
            except (JurnalRetryableError, JurnalRateLimited) as exc:
                result.interrupted = f"{type(exc).__name__}: {exc}"
                self._log_many([r.doc_key for r in batch], "retry", result.interrupted)
                result.left_pending = len(rows) - start
                return result
            except JurnalAuthError:
                raise
            for row, item in zip(batch, items, strict=True):
                self._settle(row, item, client, result)
        return result

    def _settle(self, row, item, client, result: PostResult) -> None:
        if item.record is not None and not item.duplicate:
            self._mark_posted(row, item.record, "posted")
            result.posted += 1
            return
        if item.duplicate:
            record = None
            if item.existing_id is not None:
                record = client.get_sales_invoice(item.existing_id)
            if record is None:
                record = client.find_sales_invoice(custom_id=row.custom_id)
            if record is not None and str(record.get("custom_id") or "") == str(row.custom_id):
                self._mark_posted(row, record, "duplicate")
                result.duplicates_resolved += 1
                return
        reason = _refusal(row, item)
        self._mark(row.doc_key, "failed", reason, "failed")
        result.failed += 1
        result.failures.append(reason)

    def _mark_posted(self, row, record: dict, event: str) -> None:
        t = tables.outbox
        now = datetime.now(UTC)
        posted_total = to_rupiah(record.get("original_amount"))
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(t)
                .where(t.c.doc_key == row.doc_key)
                .values(
                    status="posted",
                    reason=None,
                    jurnal_id=int(record["id"]),
                    posted_total=posted_total,
                    posted_at=now,
                    updated_at=now,
                )
            )
            message = f"Jurnal id {record['id']}, total {format_idr(posted_total)}"
            if event == "duplicate":
                message = "already in Jurnal (earlier attempt); " + message
            self._log(conn, row.doc_key, event, message, now)
            if row.expected_total is not None and posted_total != row.expected_total:
                self._log(
                    conn,
                    row.doc_key,
                    "total_mismatch",
                    f"Jurnal total {format_idr(posted_total)} vs expected "
                    f"{format_idr(row.expected_total)}",
                    now,
                )

    def _mark(self, key: str, status: str, reason: str, event: str) -> None:
        t = tables.outbox
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(t)
                .where(t.c.doc_key == key)
                .values(status=status, reason=reason, updated_at=now)
            )
            self._log(conn, key, event, reason, now)

    def _count_attempt(self, keys: list[str]) -> None:
        t = tables.outbox
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(t).where(t.c.doc_key.in_(keys)).values(attempts=t.c.attempts + 1)
            )

    def _log_many(self, keys: list[str], event: str, message: str) -> None:
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            for key in keys:
                self._log(conn, key, event, message, now)

    def _log(self, conn, key: str, event: str, message: str | None, now: datetime) -> None:
        conn.execute(
            sa.insert(tables.outbox_log).values(
                doc_key=key, at=now, event=event, message=message, run_id=self.run_id
            )
        )

    @staticmethod
    def _row(conn, key: str):
        t = tables.outbox
        return conn.execute(
            sa.select(t.c.doc_key, t.c.status, t.c.payload_hash).where(t.c.doc_key == key)
        ).first()

    @staticmethod
    def _identity(doc: Document) -> dict:
        return {
            "doc_key": doc.doc_key,
            "doc_type": doc.doc_type,
            "business_date": doc.business_date,
            "outlet_code": doc.outlet_code,
            "source_id": doc.source_id,
            "source_reference": doc.source_reference,
        }

    # -- reading -----------------------------------------------------------------------------
    def documents(self, day: date) -> pd.DataFrame:
        t = tables.outbox
        cols = [
            t.c.doc_key,
            t.c.doc_type,
            t.c.outlet_code,
            t.c.source_id,
            t.c.source_reference,
            t.c.transaction_no,
            t.c.status,
            t.c.reason,
            t.c.expected_total,
            t.c.posted_total,
            t.c.jurnal_id,
            t.c.attempts,
            t.c.changed_after_posting,
        ]
        with self.engine.connect() as conn:
            rows = (
                conn.execute(sa.select(*cols).where(t.c.business_date == day).order_by(t.c.doc_key))
                .mappings()
                .all()
            )
        return pd.DataFrame(rows, columns=[c.name for c in cols])

    def pending_payloads(self, day: date) -> list[dict]:
        """Bodies of the day's invoices still to be posted."""
        t = tables.outbox
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.c.payload).where(
                    t.c.business_date == day, t.c.status == "pending", t.c.doc_type == SALES_INVOICE
                )
            )
            return [loads(r.payload)[SALES_INVOICE] for r in rows]

    def status_counts(self, day: date) -> dict[str, int]:
        frame = self.documents(day)
        return {str(k): int(v) for k, v in frame["status"].value_counts().items()}


def _refusal(row, item) -> str:
    fields = item.errors or {}
    detail = (
        "; ".join(f"{name}: {_text(msg)}" for name, msg in fields.items()) or f"HTTP {item.status}"
    )
    return (
        f"Order {row.source_reference} (outlet {row.outlet_code}): Jurnal refused invoice "
        f"{row.transaction_no}: {detail}. Fix the cause in Jurnal or the config, "
        "then run the day again."
    )


def _text(message: object) -> str:
    if isinstance(message, list | tuple):
        return ", ".join(str(m) for m in message)
    return str(message)
