"""Recording a day's documents and holds in the outbox (mixed into `sync.outbox.Outbox`).

A rebuild compares each document with its row: new ones are inserted (all of a build's new
rows and their log lines in one statement each, a first sync of a busy day has thousands),
changed open ones go back to pending, posted ones stand (a change after posting is flagged for
a correction), and open ones that no longer apply are withdrawn.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from journal_pipeline.accounting.daily_summary import is_summary_id
from journal_pipeline.accounting.documents import (
    CASH_COUNT,
    OPENING_STOCK,
    PAYMENT_FEE,
    PAYOUT,
    SALES_INVOICE,
    SALES_RETURN,
    STOCK_DOCUMENTS,
    Document,
)
from journal_pipeline.accounting.holds import NOTHING_TO_POST, Hold
from journal_pipeline.accounting.return_arithmetic import OWN_POSTINGS
from journal_pipeline.core.cycle_collection import cycle_collection_paused
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import dumps, loads
from journal_pipeline.storage.writing import writing
from journal_pipeline.sync.by_hand import BY_HAND
from journal_pipeline.sync.outbox_reads import OutboxReads, Row

OPEN_STATES = ("pending", "held", "failed")  # not in Jurnal, and still meant to be
WITHDRAWN_REASON = "no longer an event of this business date (voided or moved)"
REVERSAL = "reversal"
# a record booked by hand whose source changed since: the hand-booked document needs a person
BY_HAND_CHANGE = "by_hand_change"
FOR_A_PERSON = (REVERSAL, BY_HAND_CHANGE)  # held records no build withdraws
# built apart from the day's sales, each by its own asset
SEPARATE_BUILDS = (*STOCK_DOCUMENTS, OPENING_STOCK, CASH_COUNT, PAYMENT_FEE, PAYOUT)
_LOOKUP_CHUNK = 500  # keys per IN (...) look-up, well under every database's parameter limit


class _NewRows:
    """The rows a build adds, written together: documents, holds and their log lines."""

    def __init__(self) -> None:
        self.documents: list[dict[str, Any]] = []
        self.holds: list[dict[str, Any]] = []
        self.logs: list[dict[str, Any]] = []
        self.keys: set[str] = set()

    def write(self, conn: sa.Connection) -> None:
        for rows in (self.documents, self.holds):
            if rows:
                conn.execute(sa.insert(tables.outbox), rows)
        if self.logs:
            conn.execute(sa.insert(tables.outbox_log), self.logs)
        for written in (self.documents, self.holds, self.logs, self.keys):
            written.clear()


class OutboxBuilding(OutboxReads):
    run_id: str | None

    @cycle_collection_paused()  # a busy day's documents and their rows stay alive meanwhile
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
        items: list[Document | Hold] = [*documents, *holds]
        now = datetime.now(UTC)
        counts: Counter[str] = Counter()
        wanted: set[str] = set()
        new = _NewRows()
        with writing(self.engine) as conn:
            current = {row.doc_key: row for row in conn.execute(_rows().where(_day(day)))}
            elsewhere = _rows_of(conn, {item.doc_key for item in items} - set(current))
            for item in items:
                key = item.doc_key
                wanted.add(key)
                if key in new.keys:  # the same key twice in one build: the first is written
                    new.write(conn)
                    elsewhere.update(_rows_of(conn, {key}))
                row = current.get(key) or elsewhere.get(key)
                if isinstance(item, Document):
                    counts[self._put_document(conn, item, row, now, new)] += 1
                else:
                    counts[self._put_hold(conn, item, row, now, new)] += 1
            new.write(conn)
            for key, row in current.items():
                if key in wanted or row.doc_type in FOR_A_PERSON:
                    continue
                if not _in_scope(row.doc_type, scope):  # built by another part of the pipeline
                    continue
                if row.status in (*OPEN_STATES, NOTHING_TO_POST):
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
        self, conn: sa.Connection, doc: Document, row: Row | None, now: datetime, new: _NewRows
    ) -> str:
        t = tables.outbox
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
            new.documents.append(
                {**_identity(doc), "status": "pending", "attempts": 0, "created_at": now, **values}
            )
            new.logs.append(self._log_row(doc.doc_key, "enqueued", None, now))
            new.keys.add(doc.doc_key)
            return "enqueued"
        if row.status == BY_HAND:  # booked by hand in Jurnal: never posted by the pipeline
            self._follow_by_hand(conn, doc, row, digest, now)
            return BY_HAND
        if row.status == "posted":
            if row.payload_hash == digest or self._same_content(conn, doc):
                return "already_posted"
            if not row.changed_after_posting:  # said once, not at every build of the day
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
        if row.status != "pending" or row.payload_hash != digest:
            self._log(conn, doc.doc_key, "requeued", f"was {row.status}", now)
        conn.execute(
            sa.update(t)
            .where(t.c.doc_key == doc.doc_key)
            .values(status="pending", reason=None, **values)
        )
        return "pending"

    def _put_hold(
        self, conn: sa.Connection, hold: Hold, row: Row | None, now: datetime, new: _NewRows
    ) -> str:
        t = tables.outbox
        if row is not None and row.status == "posted":
            return "already_posted"
        if row is not None and row.status == BY_HAND:
            return BY_HAND
        status = NOTHING_TO_POST if hold.nothing_to_post else "held"
        if row is None:
            new.holds.append(
                {
                    **_identity(hold),
                    "status": status,
                    "reason": hold.reason,
                    "attempts": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            new.logs.append(self._log_row(hold.doc_key, status, hold.reason, now))
            new.keys.add(hold.doc_key)
        else:
            if row.status != status:
                self._log(conn, hold.doc_key, status, hold.reason, now)
            conn.execute(
                sa.update(t)
                .where(t.c.doc_key == hold.doc_key)
                .values(status=status, reason=hold.reason, updated_at=now)
            )
        return status

    def _same_content(self, conn: sa.Connection, doc: Document) -> bool:
        """Whether the document built now says what its posted one says: a memo worded anew
        by a release, or an account the config names now, is no change of the source, and no
        correction follows it."""
        t = tables.outbox
        posted = conn.execute(sa.select(t.c.payload).where(t.c.doc_key == doc.doc_key)).scalar()
        return posted is not None and _says_the_same(posted, doc)

    def _follow_by_hand(
        self, conn: sa.Connection, doc: Document, row: Row, digest: str, now: datetime
    ) -> None:
        """A record booked by hand keeps the first document built of it since as what was
        booked; a later build that differs from it in what was sold, for how much, when or to
        whom (the order changed in iSeller; not a wording or account of a newer release or
        config, `_content`) is held for a person to correct the hand-booked document, once per
        change."""
        t = tables.outbox
        if row.payload_hash == digest:
            return
        kept = conn.execute(sa.select(t.c.payload).where(t.c.doc_key == doc.doc_key)).scalar()
        conn.execute(
            sa.update(t)
            .where(t.c.doc_key == doc.doc_key)
            .values(payload=dumps(doc.payload), payload_hash=digest, updated_at=now)
        )
        if kept is None:  # the first document built since it was resolved
            return
        if _says_the_same(kept, doc):
            return
        hold = Hold(
            "order",
            f"{doc.source_id}:{digest[:12]}",
            doc.source_reference,
            doc.outlet_code,
            doc.business_date,
            f"{doc.source_reference} (outlet {doc.outlet_code}, {doc.business_date}) changed "
            f"in iSeller after its {doc.doc_type.replace('_', ' ')} was booked by hand in "
            f"Jurnal ({doc.doc_key}): the pipeline does not touch it. Correct it in Jurnal by "
            "hand with a new document (posted documents are never edited), then "
            f"`journal-pipeline resolve {BY_HAND_CHANGE}:{doc.source_id}:{digest[:12]} "
            '--note "…"`.',
            BY_HAND_CHANGE,
        )
        new = _NewRows()
        self._put_hold(conn, hold, _rows_of(conn, {hold.doc_key}).get(hold.doc_key), now, new)
        new.write(conn)

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
        existing = _rows_of(conn, {hold.doc_key}).get(hold.doc_key)
        if existing is not None and existing.status == "held":
            return "reversal_needed"
        new = _NewRows()
        self._put_hold(conn, hold, existing, now, new)
        new.write(conn)
        return "reversal_needed"

    # -- the rows' state and log -------------------------------------------------------------
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


def _rows() -> sa.Select[Any]:
    """The columns a rebuild compares with."""
    t = tables.outbox
    return sa.select(
        t.c.doc_key,
        t.c.doc_type,
        t.c.status,
        t.c.payload_hash,
        t.c.source_id,
        t.c.source_reference,
        t.c.outlet_code,
        t.c.changed_after_posting,
    )


def _day(day: date) -> sa.ColumnElement[bool]:
    return tables.outbox.c.business_date == day


def _rows_of(conn: sa.Connection, keys: set[str]) -> dict[str, Row]:
    """The rows of these keys, wherever their business date (a document moved to another day
    keeps its key)."""
    ordered = sorted(keys)
    found: dict[str, Row] = {}
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        chunk = ordered[start : start + _LOOKUP_CHUNK]
        where = tables.outbox.c.doc_key.in_(chunk)
        found.update((row.doc_key, row) for row in conn.execute(_rows().where(where)))
    return found


# the texts that say what was sold, when and to whom; every other text (memos, descriptions,
# account and warehouse names) may change with a release or the config
_CONTENT_TEXTS = frozenset(
    {"transaction_date", "due_date", "date", "product_code", "product_name", "person_name"}
)


def _says_the_same(kept: str, doc: Document) -> bool:
    """Whether a stored payload and a document built now differ in no `_content`."""
    before: Any = _content(_as_compared(loads(kept)))
    return bool(before == _content(_as_compared(loads(dumps(doc.payload)))))


def _content(value: Any) -> Any:
    """A payload's numbers and the texts of `_CONTENT_TEXTS`: what a change of the source
    changes."""
    if isinstance(value, Mapping):
        return {
            key: _content(item)
            for key, item in value.items()
            if not isinstance(item, str) or key in _CONTENT_TEXTS
        }
    if isinstance(value, list):
        return [_content(item) for item in value]
    return value


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


def _in_scope(doc_type: str, scope: set[str] | None) -> bool:
    if scope is None:
        return doc_type not in SEPARATE_BUILDS
    return doc_type in scope


def _identity(item: Document | Hold) -> dict[str, Any]:
    """The columns that name a document and its source, the same for documents and holds."""
    names = ("doc_key", "doc_type", "business_date", "outlet_code", "source_id", "source_reference")
    return {name: getattr(item, name) for name in names}
