"""A fresh merchant for one measurement: both emulators on free ports (iSeller's in this
process, Jurnal's in a process of its own, as Jurnal is a server of its own:
`jurnal_process`), the merchant config (the demo config with the mode and outlets asked
for), a new SQLite staging database, and days run as `journal-pipeline backfill` runs them
without DAGSTER_HOME (in this process, one after the other, oldest first).

Jurnal's rate limit is on (30 a minute, 1,800 an hour) with its clock ``time_scale`` times
faster; the pipeline's limiter runs on the same clock (``JURNAL_RATE_LIMIT_WINDOW_SCALE``).
The Jurnal emulator counts what the pipeline's credential sent (`JurnalSandbox.traffic`, also
served at ``GET /_sandbox/stats``).
"""

from __future__ import annotations

import bisect
import math
import re
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.bench.jurnal_process import JurnalProcess
from journal_sandbox.defaults import JURNAL_CLIENT_ID, sandbox_env
from journal_sandbox.http import Request, Response, SandboxServer
from journal_sandbox.iseller_app import ISellerSandbox
from journal_sandbox.launch import SandboxOptions, extra_warehouses, write_demo_config

MODES = ("per_order", "daily_summary")
#: The measured days end the day before this date's yesterday. Fixed, so every run measures
#: the same days: the demo's volume varies by ±20% with the date, and a day with few requests
#: beyond the 30 Jurnal lets through at once reads a lower load efficiency (the run's fixed
#: costs weigh more against a shorter bound). Days this old are past, so they have ended.
ANCHOR = date(2026, 12, 3)
CREDENTIAL = f"hmac:{JURNAL_CLIENT_ID}"
_MODE_LINE = re.compile(r"^posting_mode:.*$", re.MULTILINE)
PER_MINUTE, PER_HOUR = 30, 1800  # Jurnal's limits per credential


@dataclass
class Merchant:
    """Both emulators serving one merchant, and the environment pointing the pipeline at them."""

    workdir: Path
    mode: str
    iseller: ISellerSandbox
    jurnal: JurnalProcess
    servers: list[SandboxServer]
    env: dict[str, str]
    days: list[date]
    time_scale: float
    iseller_log: list[str] = field(default_factory=list)  # "METHOD /path" of each request

    def iseller_routes(self) -> dict[str, int]:
        """What the pipeline asked iSeller so far, by route (``POST /oauth/token`` for the
        access tokens)."""
        return dict(Counter(self.iseller_log))

    @property
    def config_path(self) -> Path:
        return Path(self.env["JOURNAL_PIPELINE_CONFIG"])

    def traffic(self, *, timeline: bool = False) -> dict[str, Any]:
        """What the pipeline's credential sent Jurnal so far (`JurnalSandbox.traffic`)."""
        empty = {"requests": 0, "rate_limited": 0, "routes": {}, "timeline": []}
        return self.jurnal.traffic(timeline=timeline).get(CREDENTIAL, empty)

    def outbox(self) -> dict[tuple[str, str], int]:
        """(doc_type, status) -> documents in the staging database's outbox."""
        path = self.workdir / "staging.db"
        if not path.exists():
            return {}
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            try:
                rows = db.execute(
                    "SELECT doc_type, status, COUNT(*) FROM outbox GROUP BY doc_type, status"
                ).fetchall()
            except sqlite3.OperationalError:  # no table yet: nothing staged
                return {}
        return {(kind, status): n for kind, status, n in rows}

    def sales(self) -> Sales:
        """iSeller's completed orders of ``days`` (business date in the outlet's time zone and
        cut-off, as the pipeline reads them), their payments and the methods of each outlet-day."""
        from journal_pipeline.accounting.business_day import business_date
        from journal_pipeline.config import load_config

        config = load_config(self.config_path)
        wanted = set(self.days)
        orders = payments = 0
        methods: dict[tuple[str, date], set[str]] = {}
        for order in self.iseller.served_orders():
            if order["status"] != "completed" or not order.get("closed_date"):
                continue
            closed = datetime.fromisoformat(order["closed_date"]).replace(tzinfo=ZoneInfo("UTC"))
            timezone, cutoff = config.outlet_zone(order.get("outlet_code"))
            day = business_date(closed, timezone, cutoff)
            if day not in wanted:
                continue
            orders += 1
            sales = [t for t in order.get("transactions") or [] if t.get("type") == "sale"]
            payments += len(sales)
            used = methods.setdefault((order.get("outlet_code") or "", day), set())
            used.update(str(t.get("payment_type_name")) for t in sales)
        return Sales(orders, payments, {key: len(v) for key, v in methods.items()})


@dataclass(frozen=True)
class Sales:
    """The data of a measurement, read from iSeller: what any posting mode has to carry."""

    orders: int  # completed orders of the days
    payments: int  # their sale payments (a split payment is two)
    methods: dict[tuple[str, date], int]  # (outlet, day) -> payment methods used

    @property
    def naive_requests(self) -> int:
        """One request per invoice and one per payment (no batching, no summary)."""
        return self.orders + self.payments

    @property
    def outlet_days(self) -> int:
        return len(self.methods)

    @property
    def summary_allowance(self) -> int:
        """One request per outlet-day plus one per payment method used that outlet-day."""
        return sum(1 + n for n in self.methods.values())


@contextmanager
def fresh_merchant(
    workdir: Path,
    *,
    mode: str,
    days: int,
    orders_per_outlet_per_day: int,
    outlets: int = 3,
    time_scale: float = 60.0,
    seed: int = 7,
) -> Iterator[Merchant]:
    """Fresh emulators and staging in ``workdir``: a history of ``days`` business days that
    have ended everywhere (they end the day before `ANCHOR`'s yesterday). ``workdir`` is
    deleted on exit."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    start = ANCHOR - timedelta(days=days + 1)
    options = SandboxOptions(
        state_dir=workdir / "sandbox", start_date=start, seed=seed, outlets=outlets
    )
    iseller = ISellerSandbox(
        options.state_dir / "iseller",
        seed=seed,
        orders_per_outlet_per_day=orders_per_outlet_per_day,
        history_days=days + 1,
        start_date=start,
        faults="",
        outlet_count=outlets,
    )
    jurnal = JurnalProcess(
        options.state_dir / "jurnal",
        time_scale=time_scale,
        seed=seed,
        warehouses=list(extra_warehouses(outlets)),
    )
    iseller_log: list[str] = []

    def iseller_app(request: Request) -> Response:
        iseller_log.append(f"{request.method} {request.path}")
        return iseller.app(request)

    servers = [SandboxServer(iseller_app).start()]
    iseller._base_url = servers[0].url  # the token's resource URL: every call is logged
    config = write_demo_config(options, start)
    config.write_text(
        _MODE_LINE.sub(f"posting_mode: {mode}", config.read_text(encoding="utf-8"), count=1),
        encoding="utf-8",
    )
    env = {
        **sandbox_env(servers[0].url, jurnal.url),
        "JOURNAL_PIPELINE_CONFIG": str(config),
        "STAGING_DATABASE_URL": f"sqlite:///{workdir / 'staging.db'}",
        "JURNAL_RATE_LIMIT_WINDOW_SCALE": str(time_scale),
    }
    try:
        yield Merchant(
            workdir=workdir,
            mode=mode,
            iseller=iseller,
            jurnal=jurnal,
            servers=servers,
            env=env,
            days=[start + timedelta(days=n) for n in range(days)],
            time_scale=time_scale,
            iseller_log=iseller_log,
        )
    finally:
        for server in servers:
            server.stop()
        iseller.close()
        jurnal.close()
        shutil.rmtree(workdir, ignore_errors=True)


def check_config(merchant: Merchant) -> None:
    """Raises what `journal-pipeline` would refuse the merchant config with (e.g. a posting
    mode it does not know yet)."""
    from journal_pipeline.config import load_config

    load_config(merchant.config_path)


@dataclass(frozen=True)
class Backfill:
    ok: bool
    seconds: float
    rate_wait_seconds: float  # the pipeline's limiter kept requests waiting this long
    output: str
    started_at: float  # time.time() when the command started, and when it ended
    ended_at: float
    waits: list[tuple[float, float]]  # (time.time() of a grant, seconds it waited), in order


def run_backfill(merchant: Merchant, first: date | None = None, last: date | None = None):
    """`journal-pipeline backfill --start FIRST --end LAST` without DAGSTER_HOME (the days run
    in this process, oldest first), with the time the client's limiter made requests wait."""
    from click.testing import CliRunner

    from journal_pipeline.cli import main

    first = first or merchant.days[0]
    last = last or merchant.days[-1]
    args = ["backfill", "--start", first.isoformat(), "--end", last.isoformat()]
    env: dict[str, str | None] = {**merchant.env, "DAGSTER_HOME": None}
    with limiter_waits() as waits:
        started_at, began = time.time(), time.perf_counter()
        result = CliRunner().invoke(main, args, env=env)
        seconds = time.perf_counter() - began
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Backfill(
        result.exit_code == 0,
        seconds,
        waits["seconds"],
        result.output,
        started_at,
        started_at + seconds,
        list(waits["grants"]),
    )


@contextmanager
def limiter_waits() -> Iterator[dict[str, Any]]:
    """Sums the waits of every slot the Jurnal client's rate limiter grants meanwhile (the
    same number the client reports as ``jurnal_rate_wait_seconds``, over every run)."""
    from journal_pipeline.jurnal.rate_limit import RateLimiter

    total: dict[str, Any] = {"seconds": 0.0, "slots": 0, "grants": []}
    original = RateLimiter.acquire

    def acquire(self):  # type: ignore[no-untyped-def]
        slot = original(self)
        total["seconds"] += slot.waited
        total["slots"] += 1
        total["grants"].append((time.time(), slot.waited))
        return slot

    RateLimiter.acquire = acquire  # type: ignore[method-assign]
    try:
        yield total
    finally:
        RateLimiter.acquire = original  # type: ignore[method-assign]


def failure_text(output: str, limit: int = 600) -> str:
    """What a failed backfill said about its failure: the lines naming a failed step or check
    (the last few), else the end of its output, on one line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    failed = [line for line in lines if "FAILED" in line or "failed" in line or "Error" in line]
    text = " | ".join((failed or lines)[-6:])
    return text[:limit]


def replay(gaps: list[float]) -> list[float]:
    """When requests would be sent at Jurnal's real clock: after ``gaps`` seconds of compute
    each (the first gap is the compute before the first request), but no sooner than the
    client's limiter allows at 30 a minute and 1,800 an hour (request ``i`` no earlier than 60 s
    after request ``i-30`` and 3,600 s after request ``i-1800``)."""
    sent: list[float] = []
    at = 0.0
    for i, gap in enumerate(gaps):
        at += gap
        if i >= PER_MINUTE:
            at = max(at, sent[i - PER_MINUTE] + 60.0)
        if i >= PER_HOUR:
            at = max(at, sent[i - PER_HOUR] + 3600.0)
        sent.append(at)
    return sent


def compute_gaps(
    arrivals: list[float], started_at: float, waits: list[tuple[float, float]] = ()
) -> list[float]:
    """Wall seconds the pipeline computed before each request: the time since the previous
    request (``arrivals`` and ``started_at`` in ``time.time()`` seconds) less what the client's
    limiter made it wait in between (``waits``: (grant time, seconds waited))."""
    grants = [at for at, _ in waits]
    gaps = []
    for before, at in zip([started_at, *arrivals[:-1]], arrivals, strict=True):
        lo, hi = bisect.bisect_right(grants, before), bisect.bisect_right(grants, at)
        waited = sum(w for _, w in waits[lo:hi])
        gaps.append(max(0.0, at - before - waited))
    return gaps


def bound_seconds(requests: int, time_scale: float = 1.0) -> float:
    """The least time from the first to the last of ``requests`` requests that Jurnal's limits
    allow (30 in any minute, 1,800 in any hour: the 31st no sooner than a minute after the
    first), in seconds of a clock ``time_scale`` times faster than Jurnal's. 0 for up to 30
    requests: the limit does not bind them."""
    if requests <= 0:
        return 0.0
    minute = 60.0 * (math.ceil(requests / PER_MINUTE) - 1)
    hour = 3600.0 * (math.ceil(requests / PER_HOUR) - 1)
    return max(minute, hour) / time_scale


def not_rate_bound(requests: int) -> str:
    return (
        f"not available: {requests} requests are not rate-bound (Jurnal's limit lets "
        f"{PER_MINUTE} through at once)"
    )
