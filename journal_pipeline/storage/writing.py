"""Write transactions that cannot interleave: two runs staging or posting the same records at
once (two runs of one day, a schedule tick during a backfill, sensors catching up) each read
what the other committed before they write.

A plain transaction reads, then writes: on SQLite the read takes no lock, so a second process
can insert the same key in between and the first one's insert fails (a unique constraint) or
its upgrade to a writer is refused; on PostgreSQL (read committed) both insert and one fails.
`writing` takes the write lock first: SQLite's ``BEGIN IMMEDIATE`` (other writers wait on
``busy_timeout``; readers go on under WAL), PostgreSQL's transaction-scoped advisory lock keyed
by the staging schema (two merchants' schemas in one database do not wait for each other).
Writers wait for each other for the length of a short transaction; readers never wait. A
writer that cannot get the lock in `LOCK_WAIT` (a stuck process holding it) fails with the
database's own lock-timeout error instead of waiting for ever, as SQLite's busy timeout does.

A transaction that changed a table a day's journal is built from (`JOURNAL_INPUT_TABLES`: a
statement of it inserted, updated or deleted a row there) also bumps the counter
``staging_changes.journal_inputs`` before it commits, in the same transaction: the counter
changes exactly when such a change is committed, and under the write lock two writers never
bump it at once. Every staging write goes through here, so the counter misses none. The
counter ``staged_orders`` is bumped the same way by a change of the staged orders or refunds
alone (`STAGED_ORDER_TABLES`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from journal_pipeline.storage import tables

#: What a day's journal is built from: staged orders and refunds, the outbox (statuses,
#: attempts, Jurnal ids), revisions, days closed or reopened, daily-summary members.
JOURNAL_INPUT_TABLES = frozenset(
    table.name
    for table in (
        tables.iseller_orders,
        tables.iseller_refunds,
        tables.outbox,
        tables.order_revisions,
        tables.outlet_day_marks,
        tables.summary_members,
    )
)
JOURNAL_INPUTS = "journal_inputs"  # the counter's row in staging_changes
#: The staged orders and refunds alone: what the readers of a day's orders share within a run
#: (`sync.day_orders`) is good while this counter stands.
STAGED_ORDER_TABLES = frozenset(t.name for t in (tables.iseller_orders, tables.iseller_refunds))
STAGED_ORDERS = "staged_orders"
_WATCHING, _CHANGED = "journal_pipeline.watching", "journal_pipeline.journal_inputs_changed"
_WRITTEN_TABLE = re.compile(
    r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+(?:"?\w+"?\.)?"?(\w+)',
    re.IGNORECASE,
)

LOCK_WAIT = "SET LOCAL lock_timeout = '60s'"  # how long a PostgreSQL writer waits for the lock


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the staging write lock from its start; commits on success."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            # pysqlite begins its own transactions lazily; this one begins now, as a writer
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif engine.dialect.name == "postgresql":
            conn.exec_driver_sql(LOCK_WAIT)
            key = sa.func.hashtext(
                sa.literal("journal_pipeline staging ") + sa.func.current_schema()
            )
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
            conn.exec_driver_sql("SET LOCAL lock_timeout = 0")
        _watch(engine)
        conn.info[_WATCHING], conn.info[_CHANGED] = True, set()
        try:
            yield conn
            for counter in sorted(conn.info[_CHANGED]):
                _bump(conn, counter)
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.info[_WATCHING], conn.info[_CHANGED] = False, set()  # the pool hands it on
        conn.commit()


def _watch(engine: Engine) -> None:
    if not event.contains(engine, "after_cursor_execute", _note_written_table):
        event.listen(engine, "after_cursor_execute", _note_written_table)


def _note_written_table(
    conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
) -> None:
    """Note the counters a statement that changed rows of a watched table bumps (a row count
    of -1, unknown, counts as changed)."""
    if not conn.info.get(_WATCHING) or cursor.rowcount == 0:
        return
    written = _WRITTEN_TABLE.match(statement)
    if written is None:
        return
    table = written.group(1).lower()
    if table in JOURNAL_INPUT_TABLES:
        conn.info[_CHANGED].add(JOURNAL_INPUTS)
    if table in STAGED_ORDER_TABLES:
        conn.info[_CHANGED].add(STAGED_ORDERS)


def _bump(conn: Connection, counter: str) -> None:
    t = tables.staging_changes
    bumped = conn.execute(sa.update(t).where(t.c.name == counter).values(version=t.c.version + 1))
    if bumped.rowcount == 0:  # the row is missing: start it, never leave a change uncounted
        conn.execute(sa.insert(t).values(name=counter, version=1))
