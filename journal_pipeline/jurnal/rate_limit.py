"""A request-rate limiter for the Jurnal API, shared by every process using one credential.

Jurnal counts requests per API credential (30 a minute and 1,800 an hour by default), across
everything that uses the credential. Concurrency limits (Dagster pools, run queues) do not
bound a *rate*, so every HTTP request of :class:`~journal_pipeline.jurnal.client.JurnalClient`
first takes a slot here.

Why it is written here and not taken from a library: rate-limit libraries count requests
against limits fixed in advance, in memory or in their own stores. None learns the limits from
Jurnal's ``x-ratelimit-*`` headers, pauses every process of the credential after a 429, and
counts each request as a lease (until its answer is back) across processes in a SQL database,
which is what keeps a fleet of runs under Jurnal's windows with only the staging database
shared between them.

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
- :class:`~journal_pipeline.jurnal.rate_limit_sql.SqlRateLimiter`: the state in two small
  tables of a SQLAlchemy database (the staging database), shared by every process;
- :class:`MemoryRateLimiter` (here): the same rules inside one process (threads), for scripts
  and tests without a database.

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
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

DEFAULT_PER_MINUTE = 30
DEFAULT_PER_HOUR = 1800
MINUTE = 60.0
HOUR = 3600.0
#: How long an unanswered request keeps its slot counted at most (connect + read timeouts).
DEFAULT_LEASE_SECONDS = 70.0


def credential_key(base_url: str, mode: str | None, identity: str | None) -> str:
    """The hex SHA-256 that names a credential in shared state (never the credential itself).

    ``identity`` is the HMAC client id or the legacy API key; the host of ``base_url`` is part
    of the key, since a sandbox and production count separately.
    """
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
class Window:
    """The rows counted in one window, as a backend reads them."""

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
        missed = False
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
            # The first wait ends when the slot frees: a jitter there would only leave it
            # unused. Once a slot was missed (another thread or process took it), a little
            # jitter so that those waiting do not all wake at once again.
            jitter = random.uniform(0.0, min(0.05 * wait, 0.5)) if missed else 0.0
            self.sleep(max(wait, 0.001) + jitter)
            missed = True

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
        minute: Window,
        hour: Window,
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

    def _window(self, now: float, length: float, limit: int) -> Window:
        live = sorted(ts for ts in self._rows.values() if ts > now - length)
        kth = live[len(live) - limit] if len(live) >= limit else None
        return Window(len(live), kth)

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
