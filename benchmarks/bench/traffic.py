"""Jurnal traffic of the same days in both posting modes: load efficiency, 429s, and requests
per 1,000 orders against a naive baseline.

One measurement per mode and repeat: a fresh merchant (the demo's three outlets), its days run
as `journal-pipeline backfill` runs them, Jurnal's limit on with its clock scaled. What the
pipeline's credential sent is read from the Jurnal emulator (`JurnalSandbox.traffic`, served
at ``GET /_sandbox/stats``): every request with the emulator's (scaled) clock, and the 429s.

Definitions (also in the report):

- the **load window** runs from the first to the last write (POST/PUT/PATCH/DELETE) the
  pipeline sent; the requests Jurnal accepted within it (reads included: they take from the
  same quota) are ``R``, the documents the run posted ``D``;
- the **bound** of those requests is the least time Jurnal's limits allow from the first to
  the last of them, ``B(R) = 60 s × (⌈R/30⌉ − 1)`` of its clock (30 in any minute; 1,800 in any
  hour is the same rate, ``3,600 s × (⌈R/1,800⌉ − 1)`` when larger): at best ``D / B(R)``
  documents a second; up to 30 requests are not rate-bound (the limit lets them through);
- **load efficiency** is documents per minute achieved (``D`` over the window) ÷ that bound =
  ``B(R) / window``;
- **429 share**: the run's requests Jurnal refused with a 429 ÷ all its requests;
- **requests per 1,000 orders**: every request of the run (reads and writes) ÷ iSeller's
  completed orders of the days × 1,000; the **naive baseline** posts one request per invoice and
  one per payment of the same orders (iSeller's sale payments; a split payment is two).
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.bench.common import (
    Section,
    command,
    error_text,
    figure,
    unavailable,
)
from benchmarks.bench.sandbox import (
    MODES,
    Sales,
    bound_seconds,
    check_config,
    compute_gaps,
    failure_text,
    fresh_merchant,
    not_rate_bound,
    replay,
    run_backfill,
)

LOAD_TITLE = "Load efficiency and 429s"
REQUESTS_TITLE = "Jurnal requests per 1,000 orders"
#: days, orders per outlet per day (three outlets), Jurnal's clock speed-up
SIZES = {
    "full": {"days": 1, "orders": 1000, "time_scale": 3.0},
    "ci": {"days": 1, "orders": 8, "time_scale": 60.0},
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Run:
    """One mode's measurement of the days."""

    ok: bool
    seconds: float
    rate_wait_seconds: float
    requests: int
    rate_limited: int
    routes: dict[str, int]
    documents: int  # posted by the run (outbox)
    window_requests: int  # accepted within the load window
    window_seconds: float  # of Jurnal's clock
    sales: Sales
    real_window_requests: int = 0  # the same, replayed at Jurnal's real clock
    real_window_seconds: float = 0.0
    output: str = ""

    @property
    def efficiency(self) -> float | None:
        bound = bound_seconds(self.window_requests)
        return bound / self.window_seconds if bound and self.window_seconds else None

    @property
    def real_efficiency(self) -> float | None:
        bound = bound_seconds(self.real_window_requests)
        return bound / self.real_window_seconds if bound and self.real_window_seconds else None

    @property
    def documents_per_minute(self) -> float | None:
        return self.documents / (self.window_seconds / 60) if self.window_seconds else None

    @property
    def bound_per_minute(self) -> float | None:
        bound = bound_seconds(self.window_requests)
        return self.documents / (bound / 60) if bound else None


@dataclass
class Measured:
    scale: str
    repeats: int
    runs: dict[str, list[Run]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


_cache: dict[tuple[str, int], Measured] = {}


def measure_modes(scale: str, repeats: int) -> Measured:
    """Both modes on the same days, ``repeats`` times each (once per process: the load and
    requests sections share it)."""
    key = (scale, repeats)
    if key in _cache:
        return _cache[key]
    size = SIZES[scale]
    measured = Measured(scale, repeats)
    began = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="jp-bench-traffic-"))
    for mode in MODES:
        runs = []
        try:
            for n in range(repeats):
                runs.append(_measure_once(root / f"{mode}-{n}", mode, size))
        except Exception as exc:  # a mode the pipeline refuses: the other one still counts
            measured.errors[mode] = error_text(exc)
        measured.runs[mode] = runs
    shutil.rmtree(root, ignore_errors=True)
    measured.seconds = time.perf_counter() - began
    _cache[key] = measured
    return measured


def _measure_once(workdir: Path, mode: str, size: dict[str, Any]) -> Run:
    with fresh_merchant(
        workdir,
        mode=mode,
        days=size["days"],
        orders_per_outlet_per_day=size["orders"],
        time_scale=size["time_scale"],
    ) as merchant:
        check_config(merchant)
        backfill = run_backfill(merchant)
        if not backfill.ok:
            raise RuntimeError(f"the {mode} backfill failed: {failure_text(backfill.output)}")
        traffic = merchant.traffic(timeline=True)
        timeline = traffic.get("timeline", [])
        writes = [at for at, method, refused in timeline if method in WRITE_METHODS]
        first, last = (min(writes), max(writes)) if writes else (0.0, 0.0)
        inside = [
            at for at, _, refused in timeline if not refused and writes and first <= at <= last
        ]
        posted = sum(n for (_, status), n in merchant.outbox().items() if status == "posted")
        scale = size["time_scale"]
        accepted = [(at / scale, method) for at, method, refused in timeline if not refused]
        arrivals = [at for at, _ in accepted]
        sent = replay(compute_gaps(arrivals, backfill.started_at, backfill.waits))
        written = [
            t for t, (_, method) in zip(sent, accepted, strict=True) if method in WRITE_METHODS
        ]
        real_first, real_last = (min(written), max(written)) if written else (0.0, 0.0)
        return Run(
            ok=backfill.ok,
            seconds=backfill.seconds,
            rate_wait_seconds=backfill.rate_wait_seconds,
            requests=traffic["requests"],
            rate_limited=traffic["rate_limited"],
            routes=traffic["routes"],
            documents=posted,
            window_requests=len(inside),
            window_seconds=last - first,
            sales=merchant.sales(),
            real_window_requests=sum(1 for t in sent if written and real_first <= t <= real_last),
            real_window_seconds=real_last - real_first,
            output=backfill.output[-2000:],
        )


def _size_text(scale: str) -> str:
    size = SIZES[scale]
    return (
        f"{size['days']} day(s) of the demo merchant (3 outlets, about {size['orders']} orders "
        f"per outlet per day), Jurnal's clock ×{size['time_scale']:g}"
    )


def load_section(scale: str, repeats: int) -> Section:
    cmd = command(scale, repeats, "load")
    measured = measure_modes(scale, repeats)
    figures = []
    for mode in MODES:
        runs = measured.runs.get(mode) or []
        error = measured.errors.get(mode)
        if error and not runs:
            for name, unit in (
                ("load efficiency", "ratio"),
                ("documents per minute (Jurnal's clock)", "documents/min"),
                ("share of requests answered 429", "%"),
            ):
                figures.append(unavailable(name, error, command=cmd, unit=unit, mode=mode))
            continue
        figures += [
            figure(
                "load efficiency",
                [r.efficiency for r in runs],
                command=cmd,
                unit="achieved ÷ bound",
                mode=mode,
                target="≥ 0.95",
                check=lambda v: v >= 0.95,
                error=error or _unbound(runs, "window_requests", "efficiency"),
            ),
            figure(
                "load efficiency replayed at Jurnal's real clock",
                [r.real_efficiency for r in runs],
                command=cmd,
                unit="achieved ÷ bound",
                mode=mode,
                target="≥ 0.95",
                check=lambda v: v >= 0.95,
                error=error or _unbound(runs, "real_window_requests", "real_efficiency"),
            ),
            figure(
                "documents per minute (Jurnal's clock)",
                [r.documents_per_minute for r in runs],
                command=cmd,
                unit="documents/min",
                mode=mode,
                error=error,
                note=_bound_note(runs),
            ),
            figure(
                "share of requests answered 429",
                [100 * r.rate_limited / r.requests if r.requests else None for r in runs],
                command=cmd,
                unit="%",
                mode=mode,
                target="< 1%",
                check=lambda v: v < 1,
                error=error,
            ),
            figure(
                "wall time of the run",
                [r.seconds for r in runs],
                command=cmd,
                unit="s",
                mode=mode,
                error=error,
            ),
            figure(
                "time the client's limiter made requests wait",
                [r.rate_wait_seconds for r in runs],
                command=cmd,
                unit="s",
                mode=mode,
                error=error,
            ),
        ]
    notes = [
        f"Data: {_size_text(scale)}; each mode on its own fresh Jurnal sandbox and staging "
        "database, the days run as `journal-pipeline backfill` runs them without DAGSTER_HOME.",
        "",
        "The load window runs from the first to the last write the pipeline sent; `R` is the "
        "requests Jurnal accepted within it (reads too: they take from the same quota), `D` "
        "the documents posted. The bound is the least time Jurnal's limits allow from the "
        "first to the last of `R` requests, `B(R) = 60 s × (⌈R/30⌉ − 1)` (30 in any minute; "
        "1,800 in any hour is the same rate), i.e. at best `D / B(R)` documents a minute; "
        "documents per minute achieved is `D` over the window, and load efficiency their "
        "ratio, `B(R) / window`. Up to 30 requests are not rate-bound (the limit lets them "
        "through at once). Times are the emulator's scaled clock.",
        "",
        "Replayed at Jurnal's real clock: the same requests sent after the same compute as "
        "measured between them (wall time less the limiter's waits), but no sooner than the "
        "client's limiter allows at 30 a minute and 1,800 an hour (`sandbox.replay`); the "
        "scaled clock makes the run's compute weigh more against the limit than it would at "
        "Jurnal's own.",
    ]
    for mode in MODES:
        runs = measured.runs.get(mode) or []
        if runs:
            r = runs[0]
            notes += [
                "",
                f"{mode}, first run: {r.documents} documents posted, {r.requests} requests "
                f"({r.rate_limited} answered 429), {r.window_requests} in a load window of "
                f"{r.window_seconds:.0f} s of Jurnal's clock; requests by route: "
                + ", ".join(f"{k} {v}" for k, v in r.routes.items()),
            ]
    return Section(
        "load",
        LOAD_TITLE,
        cmd,
        figures,
        notes="\n".join(notes),
        seconds=measured.seconds,
        error="; ".join(f"{m}: {e}" for m, e in measured.errors.items()) or None,
    )


SALES_ROUTES = ("POST sales_invoices", "POST receive_payments", "POST sales_returns")


def _sales_requests(run: Run) -> int:
    """Requests that posted the sales documents the posting mode decides (invoices, their
    payments, returns); the MDR entries, stock documents and reads are the same in both modes."""
    return sum(run.routes.get(route, 0) for route in SALES_ROUTES)


def _unbound(runs: list[Run], count: str, value: str) -> str | None:
    """Why a load efficiency is not there: too few requests for the limit to bind."""
    if runs and all(getattr(r, value) is None for r in runs):
        return not_rate_bound(max(getattr(r, count) for r in runs))
    return None


def _bound_note(runs: list[Run]) -> str:
    bounds = [r.bound_per_minute for r in runs if r.bound_per_minute is not None]
    if not bounds:
        return ""
    return f"bound for those requests: median {statistics.median(bounds):.0f} documents/min"


def requests_section(scale: str, repeats: int) -> Section:
    cmd = command(scale, repeats, "requests")
    measured = measure_modes(scale, repeats)
    figures = []
    sales = next((runs[0].sales for runs in measured.runs.values() if runs), None)
    for mode in MODES:
        runs = measured.runs.get(mode) or []
        error = measured.errors.get(mode)
        if error and not runs:
            figures.append(
                unavailable(
                    "Jurnal requests per 1,000 orders",
                    error,
                    command=cmd,
                    unit="requests",
                    mode=mode,
                )
            )
            if mode == "daily_summary":
                figures.append(
                    unavailable(
                        "Jurnal requests per outlet-day", error, command=cmd, mode=mode, unit="req"
                    )
                )
            continue
        per_thousand = [
            1000 * r.requests / r.sales.orders if r.sales.orders else None for r in runs
        ]
        if mode == "per_order":
            figures.append(
                figure(
                    "Jurnal requests per 1,000 orders",
                    per_thousand,
                    command=cmd,
                    unit="requests",
                    mode=mode,
                    target="≤ 25",
                    check=lambda v: v <= 25,
                    error=error,
                )
            )
        else:
            figures.append(
                figure(
                    "Jurnal requests per 1,000 orders",
                    per_thousand,
                    command=cmd,
                    unit="requests",
                    mode=mode,
                    error=error,
                )
            )
            allowance = [
                r.sales.summary_allowance / r.sales.outlet_days if r.sales.outlet_days else None
                for r in runs
            ]
            limit = statistics.median([a for a in allowance if a is not None] or [0])
            figures.append(
                figure(
                    "Jurnal requests per outlet-day, the sales documents",
                    [
                        _sales_requests(r) / r.sales.outlet_days if r.sales.outlet_days else None
                        for r in runs
                    ],
                    command=cmd,
                    unit="requests",
                    mode=mode,
                    target=f"≤ 1 + payment methods used ({limit:.2f} on this data)",
                    check=lambda v, limit=limit: v <= limit,
                    error=error,
                )
            )
            figures.append(
                figure(
                    "Jurnal requests per outlet-day, every request",
                    [
                        r.requests / r.sales.outlet_days if r.sales.outlet_days else None
                        for r in runs
                    ],
                    command=cmd,
                    unit="requests",
                    mode=mode,
                    error=error,
                )
            )
    if sales is not None:
        figures.append(
            figure(
                "naive baseline: requests per 1,000 orders",
                [1000 * sales.naive_requests / sales.orders if sales.orders else None],
                command=cmd,
                unit="requests",
                mode="one per invoice + one per payment",
            )
        )
    notes = [
        f"Data: {_size_text(scale)} (the same runs as the load section)."
        + (
            f" {sales.orders} completed orders with {sales.payments} payments over "
            f"{sales.outlet_days} outlet-days."
            if sales
            else ""
        ),
        "",
        "Every request the pipeline's credential sent counts (reads and writes, as Jurnal's "
        "limit counts them). The naive baseline posts one request per sales invoice and one "
        "per payment of the same orders (no batching, no summary). Daily-summary target: at "
        "most one request per outlet-day plus one per payment method used that outlet-day, "
        "counted on the requests that post the sales documents the mode decides (POST "
        "sales_invoices, receive_payments, sales_returns); the MDR journal entries, stock "
        "documents and reads, the same in both modes, are in the every-request figure.",
    ]
    return Section(
        "requests",
        REQUESTS_TITLE,
        cmd,
        figures,
        notes="\n".join(notes),
        seconds=0.0,
        error="; ".join(f"{m}: {e}" for m, e in measured.errors.items()) or None,
    )
