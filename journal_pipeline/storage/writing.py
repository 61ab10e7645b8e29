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
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

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
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
