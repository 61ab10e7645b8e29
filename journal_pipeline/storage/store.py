"""The staging database: where raw orders and the canonical journal live between steps."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
import tenacity
from sqlalchemy.engine import Engine

from journal_pipeline.core.cash_count import CASH_COUNT_ENTRY
from journal_pipeline.core.cycle_collection import cycle_collection_paused
from journal_pipeline.core.database_url import with_installed_driver
from journal_pipeline.core.decimal_json import decimal_loads
from journal_pipeline.core.order_changes import changed_at
from journal_pipeline.core.personal_data import without_contacts
from journal_pipeline.core.stock import STOCK_ENTRY
from journal_pipeline.core.timestamps import as_utc, parse_utc
from journal_pipeline.environment import STAGING_URL_ENV
from journal_pipeline.storage import journal_rows, migrate, tables
from journal_pipeline.storage.writing import JOURNAL_INPUTS, STAGED_ORDERS, writing

#: The parts of the canonical journal built apart from a day's sales, by entry prefix.
JOURNAL_PARTS = {
    "stock": STOCK_ENTRY,
    "cash_count": CASH_COUNT_ENTRY,
    "payment_fees": "money:",  # MDR and gift-card releases: money:mdr:<id>, money:gift_card:<id>
    "payout": "payout:",  # settlements received: payout:<statement line key>
}


def default_staging_url(env: Mapping[str, str] | None = None) -> str:
    """$STAGING_DATABASE_URL, else a SQLite file beside the Dagster instance (or ./.staging)."""
    variables: Mapping[str, str] = os.environ if env is None else env
    if variables.get(STAGING_URL_ENV):
        return variables[STAGING_URL_ENV]
    base = Path(variables.get("DAGSTER_HOME") or Path.cwd() / ".staging")
    base.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(base / 'staging.db').resolve()}"


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__}")


def dumps(value: object) -> str:
    return json.dumps(value, default=_json_default, sort_keys=True, ensure_ascii=False)


def loads(text: str) -> Any:
    """JSON text as Python values, numbers with a fraction as Decimal."""
    return decimal_loads(text)


@cycle_collection_paused()
def loads_many(texts: Iterable[str]) -> list[Any]:
    """`loads` of each text. A day's staged orders decode into hundreds of thousands of small
    dicts and lists that stay alive: the cycle collector is paused meanwhile, or it walks every
    live object again and again to find nothing (`core.cycle_collection`)."""
    return [decimal_loads(text) for text in texts]


class StagingStore:
    def __init__(self, url: str | None = None, engine: Engine | None = None):
        self.url = url or default_staging_url()
        self.engine = engine or _make_engine(self.url)
        migrate.upgrade(self.engine)

    # -- raw iSeller orders ------------------------------------------------------------------
    def upsert_orders(
        self, raw_orders: Iterable[Mapping[str, Any]], fetched_at: datetime | None = None
    ) -> dict[str, int]:
        """Insert new orders, replace changed ones (newest modified date wins)."""
        fetched_at = fetched_at or datetime.now(UTC)
        incoming = {str(o["order_id"]): o for o in raw_orders}
        counts = {"inserted": 0, "updated": 0, "unchanged": 0}
        if not incoming:
            return counts
        t = tables.iseller_orders
        with writing(self.engine) as conn:
            existing = {}
            ids = list(incoming)
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                rows = conn.execute(
                    sa.select(t.c.order_id, t.c.modified_at, t.c.raw, t.c.posted_raw).where(
                        t.c.order_id.in_(chunk)
                    )
                )
                existing.update({r.order_id: r for r in rows})
            posted = _posted_invoices(conn, list(existing))
            new: list[dict[str, Any]] = []  # inserted at once: one statement per order is slow
            for order_id, order in incoming.items():
                raw = dumps(without_contacts(order))
                modified_at = changed_at(order)
                values = {
                    "order_reference": str(order.get("order_reference") or order_id),
                    "outlet_code": order.get("outlet_code"),
                    "status": order.get("status"),
                    "closed_at": self.db_time(parse_utc(order.get("closed_date"))),
                    "modified_at": self.db_time(modified_at),
                    "raw": raw,
                    "fetched_at": self.db_time(fetched_at),
                }
                old = existing.get(order_id)
                if old is None:
                    new.append({"order_id": order_id, **values})
                    counts["inserted"] += 1
                elif old.raw == raw or _older(modified_at, as_utc(old.modified_at)):
                    counts["unchanged"] += 1
                else:
                    if order_id in posted and old.posted_raw is None:
                        values["posted_raw"] = old.raw  # what its posted invoice was built from
                    conn.execute(sa.update(t).where(t.c.order_id == order_id).values(**values))
                    counts["updated"] += 1
            if new:
                conn.execute(sa.insert(t), new)
        return counts

    def orders_closed_between(self, start: datetime, end: datetime) -> list[dict]:
        """Raw orders whose closed date lies in [start, end) UTC."""
        return self._orders_between(tables.iseller_orders.c.closed_at, start, end)

    def orders_touching(self, start: datetime, end: datetime) -> list[dict]:
        """Raw orders closed or last modified in [start, end) UTC: sales, later payments,
        refunds and voids of that window."""
        t = tables.iseller_orders
        closed = self._raw_between(t.c.closed_at, start, end)
        seen = {key for key, _ in closed}
        # most orders are in both: each one's JSON is read once (its row's key is its id)
        modified = [r for r in self._raw_between(t.c.modified_at, start, end) if r[0] not in seen]
        return loads_many(raw for _, raw in [*closed, *modified])

    def orders_touching_with_prefix(self, prefix: str, start: datetime, end: datetime) -> int:
        """How many staged orders whose id starts with ``prefix`` were closed or last modified
        in [start, end) UTC (the envelopes of orders iSeller sent without an id)."""
        t = tables.iseller_orders
        inside = sa.or_(
            sa.and_(t.c.closed_at >= self.db_time(start), t.c.closed_at < self.db_time(end)),
            sa.and_(t.c.modified_at >= self.db_time(start), t.c.modified_at < self.db_time(end)),
        )
        query = sa.select(sa.func.count()).where(
            t.c.order_id.startswith(prefix, autoescape=True), inside
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def _orders_between(self, column, start: datetime, end: datetime) -> list[dict]:
        return loads_many(raw for _, raw in self._raw_between(column, start, end))

    def _raw_between(self, column, start: datetime, end: datetime) -> list[tuple[str, str]]:
        """(order_id, raw JSON) of the staged orders with ``column`` in [start, end) UTC."""
        t = tables.iseller_orders
        query = (
            sa.select(t.c.order_id, t.c.raw)
            .where(column >= self.db_time(start))
            .where(column < self.db_time(end))
            .order_by(column, t.c.order_id)
        )
        with self.engine.connect() as conn:
            return [(row.order_id, row.raw) for row in conn.execute(query)]

    def db_time(self, moment: datetime | None) -> datetime | None:
        """``moment`` as this database stores and compares times (None stays None)."""
        return None if moment is None else _db_time(self.engine, moment)

    def modified_orders_with_posted(
        self, source_prefix: str, start: datetime, end: datetime
    ) -> list[dict]:
        """Raw orders last modified in [start, end) UTC that have a posted outbox document
        whose source id is ``source_prefix`` followed by the order's id."""
        t, o = tables.iseller_orders, tables.outbox
        query = (
            sa.select(t.c.order_id)
            .join(o, o.c.source_id == sa.literal(source_prefix) + t.c.order_id)
            .where(o.c.status == "posted")
            .where(t.c.modified_at >= self.db_time(start), t.c.modified_at < self.db_time(end))
        )
        with self.engine.connect() as conn:
            ids = sorted({str(order_id) for order_id in conn.execute(query).scalars()})
        return self.orders_by_id(ids) if ids else []

    def completed_orders_without_documents(self, since: datetime) -> list[tuple]:
        """(order_id, outlet_code, closed_at UTC) of completed orders fetched since ``since``
        that no journal build has seen: no document, hold or withdrawal in the outbox."""
        t, o = tables.iseller_orders, tables.outbox
        # each order looked up by its id: not the list of every invoice ever queued
        seen = sa.exists().where(o.c.source_id == t.c.order_id, o.c.doc_type == "sales_invoice")
        query = (
            sa.select(t.c.order_id, t.c.outlet_code, t.c.closed_at)
            .where(t.c.status == "completed")
            .where(t.c.fetched_at >= self.db_time(since))
            .where(t.c.closed_at.is_not(None))
            .where(~seen)
        )
        with self.engine.connect() as conn:
            return [(r.order_id, r.outlet_code, as_utc(r.closed_at)) for r in conn.execute(query)]

    # -- raw iSeller refunds (refunded_orders[]) ---------------------------------------------
    def upsert_refunds(
        self, raw_refunds: Iterable[Mapping[str, Any]], fetched_at: datetime | None = None
    ) -> dict[str, int]:
        """Insert new ``refunded_orders[]`` entries and replace changed ones, keyed by
        ``refund_id`` (else a digest of the entry). Entries without an ``order_id`` name no
        order and are skipped (counted)."""
        fetched_at = fetched_at or datetime.now(UTC)
        counts = {"refunds_inserted": 0, "refunds_updated": 0, "refunds_unnamed": 0}
        t = tables.iseller_refunds
        with writing(self.engine) as conn:
            for entry in raw_refunds:
                if entry.get("order_id") in (None, ""):
                    counts["refunds_unnamed"] += 1
                    continue
                raw = dumps(entry)
                key = str(entry.get("refund_id") or "") or hashlib.sha256(raw.encode()).hexdigest()
                values = {
                    "order_id": str(entry["order_id"]),
                    "refund_at": self.db_time(parse_utc(entry.get("refund_date"))),
                    "raw": raw,
                    "fetched_at": self.db_time(fetched_at),
                }
                old = conn.execute(sa.select(t.c.raw).where(t.c.refund_key == key)).first()
                if old is None:
                    conn.execute(sa.insert(t).values(refund_key=key, **values))
                    counts["refunds_inserted"] += 1
                elif old.raw != raw:
                    conn.execute(sa.update(t).where(t.c.refund_key == key).values(**values))
                    counts["refunds_updated"] += 1
        return counts

    def refunds_of_orders(self, order_ids: Iterable[str]) -> list[dict]:
        """The staged ``refunded_orders[]`` entries of these orders (raw, as fetched)."""
        t = tables.iseller_refunds
        ids = sorted(set(order_ids))
        found: list[str] = []
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                query = (
                    sa.select(t.c.raw)
                    .where(t.c.order_id.in_(ids[start : start + 500]))
                    .order_by(t.c.order_id, t.c.refund_at, t.c.refund_key)
                )
                found.extend(row.raw for row in conn.execute(query))
        return loads_many(found)

    def refunded_order_ids(self, start: datetime, end: datetime) -> list[str]:
        """Ids of the orders with a staged refund dated in [start, end) UTC."""
        t = tables.iseller_refunds
        query = (
            sa.select(t.c.order_id)
            .where(t.c.refund_at >= self.db_time(start))
            .where(t.c.refund_at < self.db_time(end))
            .distinct()
        )
        with self.engine.connect() as conn:
            return sorted(row.order_id for row in conn.execute(query))

    def orders_by_id(self, order_ids: Iterable[str]) -> list[dict]:
        """The staged raw orders with these ids."""
        t = tables.iseller_orders
        ids = sorted(set(order_ids))
        found: list[str] = []
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                query = sa.select(t.c.raw).where(t.c.order_id.in_(ids[start : start + 500]))
                found.extend(row.raw for row in conn.execute(query))
        return loads_many(found)

    # -- iSeller's day totals ----------------------------------------------------------------
    def replace_day_totals(
        self, day: date, rows: Iterable[Mapping[str, Any]], fetched_at: datetime | None = None
    ) -> int:
        """Replace the day's fetched totals with ``rows``, in one transaction (fetching a day
        again leaves one set). A row: ``outlet_code``, ``endpoint``, ``status`` (ok or
        unavailable) and optionally ``outlet_id``, ``window_start`` / ``window_end`` (UTC),
        ``time_zone``, ``day_open``, ``reason`` and ``items`` (the answer's list)."""
        fetched_at = fetched_at or datetime.now(UTC)
        t = tables.iseller_day_totals
        records = [
            {
                "business_date": day,
                "outlet_code": row["outlet_code"],
                "endpoint": row["endpoint"],
                "outlet_id": row.get("outlet_id"),
                "window_start": self.db_time(row.get("window_start")),
                "window_end": self.db_time(row.get("window_end")),
                "time_zone": row.get("time_zone"),
                "day_open": bool(row.get("day_open", False)),
                "status": row["status"],
                "reason": row.get("reason"),
                "items": None if row.get("items") is None else dumps(row["items"]),
                "fetched_at": self.db_time(fetched_at),
            }
            for row in rows
        ]
        with writing(self.engine) as conn:
            conn.execute(sa.delete(t).where(t.c.business_date == day))
            if records:
                conn.execute(sa.insert(t), records)
        return len(records)

    def day_totals(self, day: date) -> list[dict[str, Any]]:
        """The day's fetched totals (`replace_day_totals`), UTC times, ``items`` as a list
        (amounts as exact text, as raw orders keep them) or None."""
        t = tables.iseller_day_totals
        query = sa.select(t).where(t.c.business_date == day).order_by(t.c.outlet_code, t.c.endpoint)
        with self.engine.connect() as conn:
            rows = [dict(row) for row in conn.execute(query).mappings()]
        for row in rows:
            for column in ("window_start", "window_end", "fetched_at"):
                row[column] = as_utc(row[column])
            row["items"] = None if row["items"] is None else loads(row["items"])
        return rows

    # -- canonical journal -------------------------------------------------------------------
    @cycle_collection_paused()  # a busy day's lines and their rows stay alive meanwhile
    def replace_journal(
        self, day: date, lines: pd.DataFrame, *, stock: bool = False, part: str | None = None
    ) -> int:
        """Replace the lines the build of ``day`` wrote (whatever date they carry) with the
        new ones, in one transaction. Each build replaces only its own part of the journal:
        ``part`` names one of `JOURNAL_PARTS` (the stock documents' entries ``stock:…``, the
        cash counts' ``cash_over_short:…``; ``stock=True`` is ``part="stock"``); without one,
        the sales build replaces every other entry."""
        chosen = "stock" if stock and part is None else part
        if chosen is not None and chosen not in JOURNAL_PARTS:
            raise ValueError(f"unknown journal part {chosen!r}; one of {sorted(JOURNAL_PARTS)}")
        t = tables.journal_lines
        names = [c.name for c in t.columns if c.name != "id"]
        records = journal_rows.as_rows(lines, names, day)
        own = (t.c.built_for == day) | (t.c.built_for.is_(None) & (t.c.business_date == day))
        if chosen is not None:
            own &= t.c.entry_id.like(f"{JOURNAL_PARTS[chosen]}%")
        else:
            for prefix in JOURNAL_PARTS.values():
                own &= ~t.c.entry_id.like(f"{prefix}%")
        with writing(self.engine) as conn:
            # a rebuild mostly writes what is there: only the lines that differ are written
            existing = conn.execute(sa.select(t.c.id, *(t.c[n] for n in names)).where(own))
            stale, fresh = journal_rows.changes([tuple(row) for row in existing], records)
            for start in range(0, len(stale), journal_rows.CHUNK):
                chunk = stale[start : start + journal_rows.CHUNK]
                conn.execute(sa.delete(t).where(t.c.id.in_(chunk)))
            if fresh:
                conn.execute(sa.insert(t), [dict(zip(names, line, strict=True)) for line in fresh])
        return len(records)

    def read_journal(self, day: date) -> pd.DataFrame:
        t = tables.journal_lines
        query = sa.select(t).where(t.c.business_date == day).order_by(t.c.entry_id, t.c.line_no)
        columns = [c.name for c in t.columns]
        with self.engine.connect() as conn:
            rows = [tuple(row) for row in conn.execute(query)]
        if not rows:
            return pd.DataFrame(columns=columns)
        return pd.DataFrame.from_records(rows, columns=columns)  # tuples: see `documents`

    # -- marks: what a step remembers to skip work that would change nothing ----------------
    def mark(self, name: str, scope: str = "*") -> tuple[Any, datetime] | None:
        """The value (JSON) a step last kept under ``name`` for ``scope`` (a business date in
        ISO form, or ``*``) and when it was kept; None when there is none."""
        t = tables.sync_marks
        query = sa.select(t.c.value, t.c.at).where(t.c.name == name, t.c.scope == scope)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else (loads(row.value), as_utc(row.at) or row.at)

    def set_mark(self, name: str, scope: str, value: object, at: datetime | None = None) -> None:
        """Keep ``value`` under ``name`` and ``scope``, replacing what was kept there. Callers
        keep a mark only after the work it describes is committed."""
        t = tables.sync_marks
        values = {"value": dumps(value), "at": self.db_time(at or datetime.now(UTC))}
        with writing(self.engine) as conn:
            found = conn.execute(
                sa.select(t.c.name).where(t.c.name == name, t.c.scope == scope)
            ).first()
            if found is None:
                conn.execute(sa.insert(t).values(name=name, scope=scope, **values))
            else:
                conn.execute(
                    sa.update(t).where(t.c.name == name, t.c.scope == scope).values(**values)
                )

    def clear_mark(self, name: str, scope: str = "*") -> None:
        t = tables.sync_marks
        with writing(self.engine) as conn:
            conn.execute(sa.delete(t).where(t.c.name == name, t.c.scope == scope))

    def journal_inputs_version(self) -> str:
        """Changes whenever a change to what a day's journal is built from is committed: the
        staged orders and refunds, the outbox (a document queued, posted, held, failed or
        tried again), the revisions, the days marked closed or reopened, and the
        daily-summary members (`storage.writing.JOURNAL_INPUT_TABLES`). It is the counter
        every such write transaction bumps before it commits (`storage.writing`), so reading
        it costs one row whatever the history kept. A re-fetch that changed nothing writes
        nothing and leaves it. Whole tables, not one day: a change of another day (a refund
        of an older order, an invoice posted by a backfill) may change this day's journal
        too."""
        return self._counter(JOURNAL_INPUTS)

    def staged_orders_version(self) -> str:
        """Changes whenever a change to the staged orders or refunds is committed (the counter
        `storage.writing` bumps for `STAGED_ORDER_TABLES`), and only then."""
        return self._counter(STAGED_ORDERS)

    def _counter(self, name: str) -> str:
        t = tables.staging_changes
        with self.engine.connect() as conn:
            version = conn.execute(
                sa.select(t.c.version).where(t.c.name == name)
            ).scalar_one_or_none()
        return f"{name} {version}"

    def reconciliation_inputs_version(self, day: date) -> str:
        """A digest of what a day's reconciliation reads in staging besides the journal's
        inputs: the bank statement lines staged (count, latest staging), the rows other days'
        reconciliations keep (their matched lines), and the day's journal lines per account
        role (count and sums: the takings check reads them)."""
        lines, recon, journal = (
            tables.bank_statement_lines,
            tables.cash_bank_reconciliation,
            tables.journal_lines,
        )
        queries = [
            sa.select(sa.func.count(), sa.func.max(lines.c.staged_at)),
            sa.select(sa.func.count(), sa.func.max(recon.c.reconciled_at)).where(
                recon.c.business_date != day
            ),
            sa.select(
                journal.c.account_role,
                sa.func.count(),
                sa.func.sum(journal.c.debit),
                sa.func.sum(journal.c.credit),
            )
            .where(journal.c.business_date == day)
            .group_by(journal.c.account_role)
            .order_by(journal.c.account_role),
        ]
        digest = hashlib.sha256()
        with self.engine.connect() as conn:
            for query in queries:
                for row in conn.execute(query):
                    digest.update(repr(tuple(str(value) for value in row)).encode())
        return digest.hexdigest()


def _posted_invoices(conn: sa.Connection, order_ids: list[str]) -> set[str]:
    """Those of ``order_ids`` in Jurnal: their (first) sales invoice is posted, or the daily
    summary invoice carrying them is (``summary_members``)."""
    o, m = tables.outbox, tables.summary_members
    found: set[str] = set()
    for start in range(0, len(order_ids), 500):
        chunk = order_ids[start : start + 500]
        own = sa.select(o.c.source_id).where(
            o.c.doc_type == "sales_invoice", o.c.status == "posted", o.c.source_id.in_(chunk)
        )
        found.update(row.source_id for row in conn.execute(own))
        summarised = (
            sa.select(m.c.order_id)
            .join(o, o.c.doc_key == m.c.summary_key)
            .where(o.c.doc_type == "sales_invoice", o.c.status == "posted", m.c.order_id.in_(chunk))
        )
        found.update(row.order_id for row in conn.execute(summarised))
    return found


def _older(new: datetime | None, old: datetime | None) -> bool:
    return new is not None and old is not None and new < old


def _db_time(engine: Engine, moment: datetime) -> datetime:
    # SQLite compares text: store and query naive UTC there; PostgreSQL takes aware values.
    moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None) if engine.dialect.name == "sqlite" else moment


def _make_engine(url: str) -> Engine:
    url = with_installed_driver(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _wal(dbapi_conn, _record):  # concurrent Dagster runs read while one writes
            dbapi_conn.execute("PRAGMA busy_timeout=30000")
            _use_wal(dbapi_conn)

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


@tenacity.retry(
    retry=tenacity.retry_if_exception(lambda exc: "locked" in str(exc)),
    wait=tenacity.wait_random(0.01, 0.1),
    stop=tenacity.stop_after_delay(30),
    reraise=True,
)
def _use_wal(dbapi_conn: Any) -> None:
    """Switch a SQLite database to WAL. Connections opening a new database at once can be
    answered "database is locked" at once, whatever the busy timeout: one of them switches
    it, the others try again and find it switched."""
    dbapi_conn.execute("PRAGMA journal_mode=WAL")
