"""A request-rate limiter for the Jurnal API, shared by every process using one credential.

Jurnal counts requests per API credential (30 a minute and 1,800 an hour by default), across
everything that uses the credential. Concurrency limits (Dagster pools, run queues) do not
bound a *rate*, so every HTTP request of :class:`~journal_pipeline.jurnal.client.JurnalClient`
first takes a slot here.

How a slot is counted
---------------------
Each granted request leaves one row ``(credential, ts)`` where ``ts`` is the latest moment
the request can have reached Jurnal: while it is in flight, the grant time plus a lease (the
longest a request may take); once its answer (or failure) is back, the time of that answer. A
request is granted at time ``g`` only while fewer than ``limit`` rows have ``ts > g - window``,
for the minute and for the hour window. Whatever the alignment of Jurnal's fixed windows and
whatever the network delay, no window of Jurnal ever sees more than ``limit`` requests from
the processes sharing the table: if ``limit + 1`` requests arrived within one window, the last
one granted would have seen the other ``limit`` counted. Process clocks must agree (one host,
or NTP); Jurnal's clock does not matter.

What the limiter learns from Jurnal
-----------------------------------
- ``x-ratelimit-limit-minute``/``-hour`` lower than the configured limits replace them;
- ``x-ratelimit-remaining-minute``/``-hour`` at 0 while the rows count fewer requests than the
  limit means someone else uses the credential: everyone pauses for a full window;
- a 429 pauses everyone for ``Retry-After`` seconds (a full minute window without it).

Backends
--------
- :class:`SqlRateLimiter`: two small tables in a SQLAlchemy database (the staging database).
  Credentials are keyed by a SHA-256 hash, never stored. On SQLite every decision runs in a
  ``BEGIN IMMEDIATE`` transaction (with a busy timeout); on PostgreSQL the credential's state
  row is locked with ``SELECT ... FOR UPDATE``.
- :class:`MemoryRateLimiter`: the same rules inside one process (threads), for scripts and
  tests without a database.

``window_scale`` divides both windows (``60`` makes a minute one second and an hour one
minute), matching the emulator's ``time_scale``. ``safety_margin`` keeps a share of each limit
unused (``0.1`` allows 27 a minute and 1,620 an hour).
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError

logger = logging.getLogger(__name__)

DEFAULT_PER_MINUTE = 30
DEFAULT_PER_HOUR = 1800
MINUTE = 60.0
HOUR = 3600.0
#: How long an unanswered request keeps its slot counted at most (connect + read timeouts).
DEFAULT_LEASE_SECONDS = 70.0
DEFAULT_TABLE_PREFIX = "jurnal_rate_limit"


def credential_key(base_url: str, mode: str | None, identity: str | None) -> str:
    """The hex SHA-256 that names a credential in shared state (never the credential itself).

    ``identity`` is the HMAC client id or the legacy API key; the host of ``base_url`` is part
    of the key, since a sandbox and production count separately.
    """
    from urllib.parse import urlsplit

    host = urlsplit(base_url).netloc.lower()
    material = f"journal-pipeline/jurnal-rate-limit\n{host}\n{mode or ''}\n{identity or ''}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = None
    for key, text in headers.items():
        if key.lower() == name:
            value = text
            break
    if value is None:
        return None
    try:
        return int(float(str(value).strip()))
    except ValueError:
        return None


@dataclass(frozen=True)
class Slot:
    """One granted request: release it when its answer is back."""

    id: Any
    granted_at: float
    waited: float


@dataclass
class _Window:
    count: int
    kth_ts: float | None  # ts of the row whose expiry frees a slot (None when under the limit)


class RateLimiter:
    """The rules shared by every backend; subclasses provide the shared state."""

    def __init__(
        self,
        *,
        per_minute: int = DEFAULT_PER_MINUTE,
        per_hour: int = DEFAULT_PER_HOUR,
        safety_margin: float = 0.0,
        window_scale: float = 1.0,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float | None = None,
    ) -> None:
        if per_minute < 1 or per_hour < 1:
            raise ValueError("limits must be at least 1")
        if not 0.0 <= safety_margin < 1.0:
            raise ValueError("safety_margin is a share between 0 and 1")
        if window_scale <= 0:
            raise ValueError("window_scale must be positive")
        self.per_minute = per_minute
        self.per_hour = per_hour
        self.safety_margin = safety_margin
        self.window_scale = float(window_scale)
        self.minute_window = MINUTE / self.window_scale
        self.hour_window = HOUR / self.window_scale
        self.lease_seconds = lease_seconds
        self.clock = clock
        self.sleep = sleep
        self.max_wait = max_wait
        # How long to wait when the state cannot tell (should not happen; a safety net).
        self.poll_seconds = max(0.005, min(2.0, self.minute_window / 20))
        self.waited_seconds = 0.0
        self.pauses = 0
        self._last_learned: tuple[int | None, int | None] = (None, None)

    # --- the public surface ------------------------------------------------------------

    def limits(self, learned_minute: int | None, learned_hour: int | None) -> tuple[int, int]:
        """The limits in force: configured or learned (the lower), less the safety margin."""
        minute = min(self.per_minute, learned_minute or self.per_minute)
        hour = min(self.per_hour, learned_hour or self.per_hour)
        return (
            max(1, math.floor(minute * (1 - self.safety_margin))),
            max(1, math.floor(hour * (1 - self.safety_margin))),
        )

    def acquire(self) -> Slot:
        """Block until a request may go out; the caller must :meth:`release` the slot."""
        started = self.clock()
        while True:
            granted, wait = self._try_acquire()
            if granted is not None:
                waited = self.clock() - started
                self.waited_seconds += waited
                return Slot(granted, started, waited)
            if self.max_wait is not None and self.clock() - started + wait > self.max_wait:
                raise TimeoutError(
                    f"no Jurnal rate-limit slot within {self.max_wait:.1f}s (next in {wait:.1f}s)"
                )
            # a little jitter so that waiting processes do not all wake at once
            self.sleep(max(wait, 0.001) + random.uniform(0.0, min(0.05 * wait, 0.5)))

    def release(self, slot: Slot) -> None:
        """The request's answer (or failure) is back: it counts from now on, not from its lease."""
        self._release(slot.id, self.clock())

    @contextmanager
    def slot(self) -> Iterator[Slot]:
        granted = self.acquire()
        try:
            yield granted
        finally:
            self.release(granted)

    def observe(self, status: int | None, headers: Mapping[str, str]) -> None:
        """Learn from an answer's rate-limit headers, and pause everyone on a 429."""
        limit_minute = _header_int(headers, "x-ratelimit-limit-minute")
        limit_hour = _header_int(headers, "x-ratelimit-limit-hour")
        learn_minute = limit_minute if limit_minute and limit_minute < self.per_minute else None
        learn_hour = limit_hour if limit_hour and limit_hour < self.per_hour else None
        if (learn_minute or learn_hour) and (learn_minute, learn_hour) != self._last_learned:
            self._learn(learn_minute, learn_hour)
            self._last_learned = (learn_minute, learn_hour)
        if status == 429:
            retry_after = None
            for key, value in headers.items():
                if key.lower() == "retry-after":
                    try:
                        retry_after = max(0.0, float(value))
                    except ValueError:
                        retry_after = None
            self.pause(retry_after if retry_after is not None else self.minute_window)
            return
        remaining_minute = _header_int(headers, "x-ratelimit-remaining-minute")
        remaining_hour = _header_int(headers, "x-ratelimit-remaining-hour")
        if remaining_minute == 0 or remaining_hour == 0:
            self._exhausted(remaining_minute == 0, remaining_hour == 0)

    def pause(self, seconds: float) -> None:
        """Hold every process sharing the credential for ``seconds``."""
        self.pauses += 1
        until = self.clock() + seconds
        logger.info("Jurnal rate limit: pausing every client of the credential %.1fs", seconds)
        self._pause_until(until)

    def stats(self) -> dict[str, float | int]:
        return {
            "jurnal_rate_wait_seconds": round(self.waited_seconds, 3),
            "jurnal_rate_pauses": self.pauses,
        }

    # --- the decision, common to every backend -----------------------------------------

    def _decide(
        self,
        now: float,
        paused_until: float,
        minute: _Window,
        hour: _Window,
        limit_minute: int,
        limit_hour: int,
    ) -> float:
        """0 when a slot is free now, else the seconds to wait before looking again.

        The wait is a lower bound: a row still in flight counts at least one window from now
        (its answer may come back any moment), a finished row until its time plus a window.
        """
        waits = [paused_until - now]
        for window, length, limit in (
            (minute, self.minute_window, limit_minute),
            (hour, self.hour_window, limit_hour),
        ):
            if window.count < limit:
                continue
            if window.kth_ts is None:
                waits.append(self.poll_seconds)
            else:
                waits.append(min(window.kth_ts, now) + length - now)
        wait = max(waits)
        return wait if wait > 0 else 0.0

    # --- backend hooks -----------------------------------------------------------------

    def _try_acquire(self) -> tuple[Any, float]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _release(self, slot_id: Any, at: float) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _learn(self, minute: int | None, hour: int | None) -> None:  # pragma: no cover
        raise NotImplementedError

    def _pause_until(self, until: float) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _exhausted(self, minute: bool, hour: bool) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class MemoryRateLimiter(RateLimiter):
    """The limiter for one process (its threads share it)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lock = threading.Lock()
        self._rows: dict[int, float] = {}
        self._next_id = 0
        self._paused_until = 0.0
        self._learned: tuple[int | None, int | None] = (None, None)

    def __repr__(self) -> str:
        return f"MemoryRateLimiter(per_minute={self.per_minute}, per_hour={self.per_hour})"

    def _window(self, now: float, length: float, limit: int) -> _Window:
        live = sorted(ts for ts in self._rows.values() if ts > now - length)
        kth = live[len(live) - limit] if len(live) >= limit else None
        return _Window(len(live), kth)

    def _try_acquire(self) -> tuple[Any, float]:
        with self._lock:
            now = self.clock()
            self._rows = {k: ts for k, ts in self._rows.items() if ts > now - self.hour_window}
            limit_minute, limit_hour = self.limits(*self._learned)
            wait = self._decide(
                now,
                self._paused_until,
                self._window(now, self.minute_window, limit_minute),
                self._window(now, self.hour_window, limit_hour),
                limit_minute,
                limit_hour,
            )
            if wait > 0:
                return None, wait
            self._next_id += 1
            self._rows[self._next_id] = now + self.lease_seconds
            return self._next_id, 0.0

    def _release(self, slot_id: Any, at: float) -> None:
        with self._lock:
            if slot_id in self._rows:
                self._rows[slot_id] = at

    def _learn(self, minute: int | None, hour: int | None) -> None:
        with self._lock:
            old_minute, old_hour = self._learned
            self._learned = (minute or old_minute, hour or old_hour)

    def _pause_until(self, until: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, until)

    def _exhausted(self, minute: bool, hour: bool) -> None:
        with self._lock:
            now = self.clock()
            limit_minute, limit_hour = self.limits(*self._learned)
            if minute and self._window(now, self.minute_window, limit_minute).count < limit_minute:
                self._paused_until = max(self._paused_until, now + self.minute_window)
                self.pauses += 1
            if hour and self._window(now, self.hour_window, limit_hour).count < limit_hour:
                self._paused_until = max(self._paused_until, now + self.hour_window)
                self.pauses += 1


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
            url = sa.make_url(database)
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

    def _window(self, conn: sa.Connection, now: float, length: float, limit: int) -> _Window:
        s = self.slots
        live = (s.c.credential == self.credential) & (s.c.ts > now - length)
        count = int(conn.execute(sa.select(sa.func.count()).select_from(s).where(live)).scalar())
        kth = None
        if count >= limit:
            kth = conn.execute(
                sa.select(s.c.ts).where(live).order_by(s.c.ts).offset(count - limit).limit(1)
            ).scalar()
        return _Window(count, None if kth is None else float(kth))

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
