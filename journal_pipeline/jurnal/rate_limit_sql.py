"""The Jurnal rate limiter whose state lives in a SQL database shared by every process.

Every run already has the staging database, so the budget of a credential is kept there: two
small tables, ``<prefix>_slots`` (one row per granted request) and ``<prefix>_state`` (the
pause and the learned limits), keyed by the SHA-256 of the credential, never the credential.
Each decision runs in one transaction holding the credential's lock: on SQLite a ``BEGIN
IMMEDIATE`` transaction (with a busy timeout), on PostgreSQL the state row ``SELECT ... FOR
UPDATE``. The rules are those of :class:`~journal_pipeline.jurnal.rate_limit.RateLimiter`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError

from journal_pipeline.core.database_url import with_installed_driver
from journal_pipeline.jurnal.rate_limit import RateLimiter, Window

DEFAULT_TABLE_PREFIX = "jurnal_rate_limit"


def _sqlite_engine(url: sa.URL | str) -> Engine:
    """A SQLite engine whose transactions start with ``BEGIN IMMEDIATE`` (one writer at a time)."""
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):  # pragma: no cover - driver callback
        dbapi_conn.isolation_level = None  # let the "begin" hook below issue BEGIN
        dbapi_conn.execute("PRAGMA busy_timeout=30000")

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):  # pragma: no cover - driver callback
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class SqlRateLimiter(RateLimiter):
    """The limiter whose state lives in a SQL database shared by every process.

    ``database`` is a SQLAlchemy URL or engine (SQLite or PostgreSQL; another engine works with
    plain transactions). ``credential`` is the key from :func:`credential_key`. Tables
    ``<table_prefix>_slots`` and ``<table_prefix>_state`` are created when missing.
    """

    def __init__(
        self,
        database: str | sa.URL | Engine,
        credential: str,
        *,
        table_prefix: str = DEFAULT_TABLE_PREFIX,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(database, Engine):
            url = database.url
            engine = database
        else:
            url = sa.make_url(
                with_installed_driver(database) if isinstance(database, str) else database
            )
            engine = None
        self._dialect = url.get_backend_name()
        self._owns_engine = engine is None or self._dialect == "sqlite"
        if self._dialect == "sqlite":
            # Own engine: its transactions must begin IMMEDIATE, whatever the caller's does.
            engine = _sqlite_engine(url)
        elif engine is None:
            engine = sa.create_engine(url, pool_pre_ping=True)
        self.engine = engine
        self.credential = credential
        self.metadata = sa.MetaData()
        self.slots = sa.Table(
            f"{table_prefix}_slots",
            self.metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("credential", sa.String(64), nullable=False),
            sa.Column("granted_at", sa.Float, nullable=False),
            sa.Column("ts", sa.Float, nullable=False),
            sa.Index(f"ix_{table_prefix}_slots_credential_ts", "credential", "ts"),
        )
        self.state = sa.Table(
            f"{table_prefix}_state",
            self.metadata,
            sa.Column("credential", sa.String(64), primary_key=True),
            sa.Column("paused_until", sa.Float, nullable=False, default=0.0),
            sa.Column("limit_minute", sa.Integer, nullable=True),
            sa.Column("limit_hour", sa.Integer, nullable=True),
        )
        self._create_tables()

    def __repr__(self) -> str:
        return (
            f"SqlRateLimiter(dialect={self._dialect!r}, credential={self.credential[:12]}..., "
            f"per_minute={self.per_minute}, per_hour={self.per_hour})"
        )

    def close(self) -> None:
        """Release the connections of an engine this limiter made (not a caller's engine)."""
        if self._owns_engine:
            self.engine.dispose()

    def _create_tables(self) -> None:
        for attempt in range(3):
            try:
                self.metadata.create_all(self.engine, checkfirst=True)
                return
            except (IntegrityError, ProgrammingError, OperationalError):
                # Another process created them between the check and the CREATE.
                if attempt == 2:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def _run(self, work: Callable[[sa.Connection], Any]) -> Any:
        """``work(conn)`` in a transaction holding the credential's lock.

        SQLite: ``BEGIN IMMEDIATE`` takes the database write lock; PostgreSQL: the credential's
        state row is locked ``FOR UPDATE``. A SQLite lock timeout is tried again a few times.
        """
        for attempt in range(5):
            try:
                with self.engine.begin() as conn:
                    self._ensure_state(conn)
                    query = sa.select(self.state).where(self.state.c.credential == self.credential)
                    if self._dialect != "sqlite":
                        query = query.with_for_update()
                    conn.execute(query).one()
                    return work(conn)
            except OperationalError as exc:  # SQLite "database is locked" past the timeout
                if attempt == 4 or "locked" not in str(exc).lower():
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def _ensure_state(self, conn: sa.Connection) -> None:
        values = {"credential": self.credential, "paused_until": 0.0}
        if self._dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            conn.execute(pg_insert(self.state).values(**values).on_conflict_do_nothing())
        elif self._dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            conn.execute(sqlite_insert(self.state).values(**values).on_conflict_do_nothing())
        else:
            exists = conn.execute(
                sa.select(self.state.c.credential).where(self.state.c.credential == self.credential)
            ).first()
            if exists is None:
                try:
                    with conn.begin_nested():
                        conn.execute(sa.insert(self.state).values(**values))
                except (IntegrityError, DBAPIError):
                    pass

    def _read_state(self, conn: sa.Connection) -> tuple[float, int | None, int | None]:
        row = conn.execute(
            sa.select(self.state).where(self.state.c.credential == self.credential)
        ).one()
        return float(row.paused_until or 0.0), row.limit_minute, row.limit_hour

    def _window(self, conn: sa.Connection, now: float, length: float, limit: int) -> Window:
        s = self.slots
        live = (s.c.credential == self.credential) & (s.c.ts > now - length)
        count = int(
            conn.execute(sa.select(sa.func.count()).select_from(s).where(live)).scalar() or 0
        )
        kth = None
        if count >= limit:
            kth = conn.execute(
                sa.select(s.c.ts).where(live).order_by(s.c.ts).offset(count - limit).limit(1)
            ).scalar()
        return Window(count, None if kth is None else float(kth))

    def _try_acquire(self) -> tuple[Any, float]:
        return self._run(self._try_acquire_in)

    def _try_acquire_in(self, conn: sa.Connection) -> tuple[Any, float]:
        now = self.clock()
        paused_until, learned_minute, learned_hour = self._read_state(conn)
        limit_minute, limit_hour = self.limits(learned_minute, learned_hour)
        wait = self._decide(
            now,
            paused_until,
            self._window(conn, now, self.minute_window, limit_minute),
            self._window(conn, now, self.hour_window, limit_hour),
            limit_minute,
            limit_hour,
        )
        if wait > 0:
            return None, wait
        s = self.slots
        conn.execute(
            sa.delete(s).where(
                (s.c.credential == self.credential) & (s.c.ts <= now - self.hour_window)
            )
        )
        slot_id = conn.execute(
            sa.insert(s)
            .values(credential=self.credential, granted_at=now, ts=now + self.lease_seconds)
            .returning(s.c.id)
        ).scalar_one()
        return slot_id, 0.0

    def _release(self, slot_id: Any, at: float) -> None:
        s = self.slots
        with self.engine.begin() as conn:
            conn.execute(sa.update(s).where(s.c.id == slot_id).values(ts=at))

    def _learn(self, minute: int | None, hour: int | None) -> None:
        self._run(lambda conn: self._learn_in(conn, minute, hour))

    def _learn_in(self, conn: sa.Connection, minute: int | None, hour: int | None) -> None:
        _, old_minute, old_hour = self._read_state(conn)
        values = {}
        if minute and (old_minute is None or minute < old_minute):
            values["limit_minute"] = minute
        if hour and (old_hour is None or hour < old_hour):
            values["limit_hour"] = hour
        if values:
            conn.execute(
                sa.update(self.state)
                .where(self.state.c.credential == self.credential)
                .values(**values)
            )

    def _pause_until(self, until: float) -> None:
        self._run(lambda conn: self._pause_until_in(conn, until))

    def _pause_until_in(self, conn: sa.Connection, until: float) -> None:
        paused_until, _, _ = self._read_state(conn)
        if until > paused_until:
            conn.execute(
                sa.update(self.state)
                .where(self.state.c.credential == self.credential)
                .values(paused_until=until)
            )

    def _exhausted(self, minute: bool, hour: bool) -> None:
        self._run(lambda conn: self._exhausted_in(conn, minute, hour))

    def _exhausted_in(self, conn: sa.Connection, minute: bool, hour: bool) -> None:
        now = self.clock()
        paused_until, learned_minute, learned_hour = self._read_state(conn)
        limit_minute, limit_hour = self.limits(learned_minute, learned_hour)
        until = paused_until
        if minute and self._window(conn, now, self.minute_window, limit_minute).count < (
            limit_minute
        ):
            until = max(until, now + self.minute_window)
        if hour and self._window(conn, now, self.hour_window, limit_hour).count < limit_hour:
            until = max(until, now + self.hour_window)
        if until > paused_until:
            self.pauses += 1
            conn.execute(
                sa.update(self.state)
                .where(self.state.c.credential == self.credential)
                .values(paused_until=until)
            )
