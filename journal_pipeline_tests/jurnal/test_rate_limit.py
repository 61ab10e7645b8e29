"""The shared Jurnal rate limiter: its window rules on every backend, and two OS processes
sharing one credential against one emulator without a single 429."""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.jurnal.rate_limit import MemoryRateLimiter, RateLimiter, credential_key
from journal_pipeline.jurnal.rate_limit_sql import SqlRateLimiter
from journal_pipeline.jurnal.settings import JurnalSettings
from journal_pipeline_tests.databases import POSTGRES_URL, postgres_schema_url


class FakeClock:
    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += max(seconds, 0.0)


def postgres_available() -> bool:
    try:
        engine = sa.create_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def make_limiter(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A factory of limiters of one backend sharing one state (one credential, one table)."""
    kind = request.param
    if kind == "postgresql" and not postgres_available():
        pytest.skip("no PostgreSQL on 127.0.0.1")
    prefix = f"rl_test_{uuid.uuid4().hex[:8]}"
    made: list[RateLimiter] = []
    shared_memory: dict[str, MemoryRateLimiter] = {}

    def make(clock: FakeClock, **kwargs: Any) -> RateLimiter:
        kwargs.setdefault("lease_seconds", 70.0)
        if kind == "memory":
            if "one" not in shared_memory:
                shared_memory["one"] = MemoryRateLimiter(clock=clock, sleep=clock.sleep, **kwargs)
            return shared_memory["one"]
        url = f"sqlite:///{tmp_path / 'staging.db'}" if kind == "sqlite" else POSTGRES_URL
        limiter = SqlRateLimiter(
            url, "c" * 64, table_prefix=prefix, clock=clock, sleep=clock.sleep, **kwargs
        )
        made.append(limiter)
        return limiter

    make.kind = kind  # type: ignore[attr-defined]
    yield make
    for limiter in made:
        assert isinstance(limiter, SqlRateLimiter)
        if kind == "postgresql":
            limiter.metadata.drop_all(limiter.engine)
        limiter.close()


def grant(limiter: RateLimiter, clock: FakeClock, duration: float = 0.1) -> float:
    """Take a slot, hold it ``duration`` seconds, release it; the grant time."""
    slot = limiter.acquire()
    granted = clock()
    clock.sleep(duration)
    limiter.release(slot)
    return granted


def test_minute_window_is_sliding_from_the_answer_time(make_limiter: Any) -> None:
    clock = FakeClock()
    limiter = make_limiter(clock, per_minute=3, per_hour=100)
    start = clock()
    times = [grant(limiter, clock) for _ in range(3)]
    assert times[-1] - start < 1
    fourth = grant(limiter, clock)
    # the first request answered at start + 0.1; it stops counting 60 s later
    assert fourth >= start + 0.1 + 60
    assert fourth < start + 0.1 + 60 + 4


def test_hour_window(make_limiter: Any) -> None:
    clock = FakeClock()
    limiter = make_limiter(clock, per_minute=100, per_hour=4)
    start = clock()
    for _ in range(4):
        grant(limiter, clock, duration=0.0)
    fifth = grant(limiter, clock, duration=0.0)
    assert start + 3600 <= fifth < start + 3600 + 4


def test_limiters_on_one_state_share_the_count(make_limiter: Any) -> None:
    clock = FakeClock()
    first = make_limiter(clock, per_minute=2, per_hour=100)
    second = make_limiter(clock, per_minute=2, per_hour=100)
    start = clock()
    grant(first, clock)
    grant(second, clock)
    assert grant(first, clock) >= start + 60


def test_a_slot_in_flight_counts_until_its_lease_ends(make_limiter: Any) -> None:
    clock = FakeClock()
    limiter = make_limiter(clock, per_minute=1, per_hour=100, lease_seconds=30)
    start = clock()
    limiter.acquire()  # never released: its process died
    slot = limiter.acquire()
    assert clock() >= start + 30 + 60
    limiter.release(slot)


def test_safety_margin_window_scale_and_learned_limits(make_limiter: Any) -> None:
    clock = FakeClock()
    limiter = make_limiter(clock, per_minute=10, per_hour=1000, safety_margin=0.2, window_scale=60)
    assert limiter.minute_window == 1.0 and limiter.hour_window == 60.0
    start = clock()
    times = [grant(limiter, clock, duration=0.001) for _ in range(9)]
    assert times[7] - start < 0.1  # 8 = 10 less 20 %
    assert times[8] >= start + 1.0  # the ninth waits for the (one second) minute
    limiter.observe(200, {"x-ratelimit-limit-minute": "5", "x-ratelimit-remaining-minute": "4"})
    assert limiter.limits(None, None) == (8, 800)
    clock.sleep(5)
    start = clock()
    times = [grant(limiter, clock, duration=0.001) for _ in range(5)]
    assert times[3] - start < 0.1  # learned 5, less 20 % = 4
    assert times[4] >= start + 1.0


def test_429_pauses_every_limiter_of_the_credential(make_limiter: Any) -> None:
    clock = FakeClock()
    first = make_limiter(clock, per_minute=100, per_hour=1000)
    second = make_limiter(clock, per_minute=100, per_hour=1000)
    start = clock()
    first.observe(429, {"Retry-After": "7"})
    assert grant(second, clock) >= start + 7
    clock.sleep(100)
    start = clock()
    first.observe(429, {})  # no Retry-After: a full minute
    assert grant(second, clock) >= start + 60


def test_exhausted_by_someone_else_pauses_a_window(make_limiter: Any) -> None:
    clock = FakeClock()
    limiter = make_limiter(clock, per_minute=30, per_hour=1000)
    grant(limiter, clock)
    start = clock()
    # Jurnal says nothing is left although we used one request: another consumer exists.
    limiter.observe(200, {"x-ratelimit-remaining-minute": "0"})
    assert grant(limiter, clock) >= start + 60
    # Our own requests using the whole window do not add a pause.
    clock.sleep(200)
    own = make_limiter(clock, per_minute=2, per_hour=1000)
    start = clock()
    grant(own, clock)
    grant(own, clock)
    own.observe(200, {"x-ratelimit-remaining-minute": "0"})
    third = grant(own, clock)
    assert start + 60 <= third < start + 61


def test_credential_key_hides_the_credential(tmp_path: Path) -> None:
    secret = "api-key-" + uuid.uuid4().hex
    key = credential_key("https://api.jurnal.id/core/api/v1", "apikey", secret)
    assert len(key) == 64 and secret not in key
    assert key != credential_key("https://sandbox-api.jurnal.id/core/api/v1", "apikey", secret)
    settings = JurnalSettings(base_url="http://127.0.0.1:1/x", api_key=secret)
    url = f"sqlite:///{tmp_path / 'staging.db'}"
    limiter = settings.rate_limiter(url)
    assert isinstance(limiter, SqlRateLimiter)
    with limiter.slot():
        pass
    limiter.observe(429, {"Retry-After": "0"})
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = [
            *conn.execute(sa.text("SELECT * FROM jurnal_rate_limit_slots")),
            *conn.execute(sa.text("SELECT * FROM jurnal_rate_limit_state")),
        ]
    engine.dispose()
    assert rows
    assert all(secret not in str(row) for row in rows)
    assert secret not in repr(limiter)


def test_a_limiter_gives_up_after_max_wait() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(
        per_minute=1, clock=clock, sleep=clock.sleep, max_wait=5.0, lease_seconds=1
    )
    limiter.acquire()
    with pytest.raises(TimeoutError):
        limiter.acquire()


# --- two processes, one credential, one emulator ----------------------------------------


class CountingApp:
    """The emulator's handler, recording every answer's status and rate-limit window."""

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.lock = threading.Lock()
        self.windows: Counter[int] = Counter()
        self.statuses: Counter[int] = Counter()

    def __call__(self, request: Any) -> Any:
        window = int(self.sandbox.clock() * self.sandbox.time_scale // 60)
        response = self.sandbox.app(request)
        with self.lock:
            self.statuses[response.status] += 1
            if response.status != 429:
                self.windows[window] += 1
        return response


def _worker(env: dict[str, str], staging_url: str, requests_each: int, queue: Any) -> None:
    client = JurnalClient.from_env(env, staging_url=staging_url)
    for _ in range(requests_each):
        client.list_warehouses()
    queue.put(client.stats())


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_two_processes_sharing_a_credential_never_exceed_the_limit(
    tmp_path: Path, backend: str
) -> None:
    if backend == "postgresql" and not postgres_available():
        pytest.skip("no PostgreSQL on 127.0.0.1")
    with ExitStack() as stack:
        if backend == "sqlite":
            staging_url = f"sqlite:///{tmp_path / 'staging.db'}"
        else:
            staging_url = stack.enter_context(postgres_schema_url())
        run_two_processes(tmp_path, staging_url)


def run_two_processes(tmp_path: Path, staging_url: str) -> None:
    from journal_sandbox.http import SandboxServer
    from journal_sandbox.jurnal_app import (
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        MAG_PREFIX,
        JurnalSandbox,
    )

    per_minute = 5
    sandbox = JurnalSandbox(
        tmp_path / "jurnal",
        rate_limit_per_minute=per_minute,
        rate_limit_per_hour=200,
        time_scale=60.0,
    )
    counting = CountingApp(sandbox)
    server = SandboxServer(counting).start()
    env = {
        "JURNAL_BASE_URL": f"{server.url}{MAG_PREFIX.rstrip('/')}",
        "JURNAL_CLIENT_ID": DEFAULT_CLIENT_ID,
        "JURNAL_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
        "JURNAL_RATE_LIMIT_PER_MINUTE": str(per_minute),
        "JURNAL_RATE_LIMIT_PER_HOUR": "200",
        "JURNAL_RATE_LIMIT_WINDOW_SCALE": "60",
    }
    requests_each = 12
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [
        context.Process(target=_worker, args=(env, staging_url, requests_each, queue))
        for _ in range(2)
    ]
    try:
        for worker in workers:
            worker.start()
        stats = [queue.get(timeout=60) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
            assert worker.exitcode == 0
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        server.stop()
        sandbox.close()
    assert [s["jurnal_rate_limited"] for s in stats] == [0, 0]
    assert sum(s["jurnal_calls"] for s in stats) == 2 * requests_each
    assert counting.statuses == Counter({200: 2 * requests_each})
    assert max(counting.windows.values()) <= per_minute
    assert sum(s["jurnal_rate_wait_seconds"] for s in stats) > 0  # the limiter did hold them
