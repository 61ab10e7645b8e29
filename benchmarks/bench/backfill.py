"""A 90-day backfill of a 10-outlet merchant in both posting modes: wall time against the
rate-limit bound for its requests, at the scaled clock and projected to Jurnal's real clock.

Each mode gets a fresh merchant (the demo's three outlets and seven copies, `--outlets 10` of
the sandbox, each with its warehouse), a few orders per outlet-day so it runs in minutes, and
its days run as `journal-pipeline backfill --start --end` runs them without DAGSTER_HOME: in
this process, oldest day first. Jurnal's limit is on, its clock ``time_scale`` times faster.

The projection to Jurnal's real clock replays the run: the Jurnal emulator records when each
request arrived (its scaled clock), so the wall time between one request and the next (and
before the first, after the last), less what the client's limiter made it wait in between, is
what the pipeline computed. The replay sends the
requests again after the same compute, but no sooner than the client's limiter allows at the
real clock: request ``i`` no earlier than 60 s after request ``i-30`` and 3,600 s after
request ``i-1800``. Its end is the projected wall time; the bound is `bound_seconds`.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench.common import Section, command, error_text, figure, unavailable
from benchmarks.bench.sandbox import (
    MODES,
    bound_seconds,
    check_config,
    compute_gaps,
    failure_text,
    fresh_merchant,
    not_rate_bound,
    replay,
    run_backfill,
)

TITLE = "Backfill of 90 days, 10 outlets"
SIZES = {
    "full": {"days": 90, "outlets": 10, "orders": 2, "time_scale": 4.0, "repeats": 1},
    "ci": {"days": 3, "outlets": 10, "orders": 1, "time_scale": 600.0, "repeats": 1},
}


def _ratio(seconds: float, bound: float) -> float | None:
    return seconds / bound if bound else None


def _measure_mode(workdir: Path, mode: str, size: dict[str, Any]) -> dict[str, Any]:
    scale = size["time_scale"]
    with fresh_merchant(
        workdir,
        mode=mode,
        days=size["days"],
        orders_per_outlet_per_day=size["orders"],
        outlets=size["outlets"],
        time_scale=scale,
    ) as merchant:
        check_config(merchant)
        backfill = run_backfill(merchant)
        if not backfill.ok:
            raise RuntimeError(f"the {mode} backfill failed: {failure_text(backfill.output)}")
        traffic = merchant.traffic(timeline=True)
        iseller = merchant.iseller_routes()
        sales = merchant.sales()
    arrivals = [at / scale for at, _, _ in traffic.get("timeline", [])]  # wall seconds
    gaps = compute_gaps(arrivals, backfill.started_at, backfill.waits)
    tail = backfill.ended_at - arrivals[-1] if arrivals else backfill.seconds
    requests = traffic["requests"]
    projected = replay(gaps)[-1] + tail if gaps else tail
    compute = backfill.seconds - backfill.rate_wait_seconds
    return {
        "wall": backfill.seconds,
        "wait": backfill.rate_wait_seconds,
        "compute": compute,
        "requests": requests,
        "rate_limited": traffic["rate_limited"],
        "bound_scaled": bound_seconds(requests, scale),
        "ratio_scaled": _ratio(backfill.seconds, bound_seconds(requests, scale)),
        "bound_real": bound_seconds(requests),
        "projected_real": projected,
        "ratio_real": _ratio(projected, bound_seconds(requests)),
        "sum_real": compute + bound_seconds(requests),
        "orders": sales.orders,
        "outlet_days": sales.outlet_days,
        "routes": traffic["routes"],
        "iseller_routes": iseller,
        "iseller_tokens": iseller.get("POST /oauth/token", 0),
    }


def measure(scale: str, repeats: int) -> Section:
    size = SIZES[scale]
    runs_wanted = min(repeats, size["repeats"]) if scale == "full" else repeats
    cmd = command(scale, repeats, "backfill")
    began = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="jp-bench-backfill-"))
    figures: list[dict[str, Any]] = []
    notes = [
        f"Data: {size['days']} business days of {size['outlets']} outlets (the demo's three "
        f"and copies of them), about {size['orders']} orders per outlet-day; Jurnal's clock "
        f"×{size['time_scale']:g}; {runs_wanted} run(s) per mode"
        + (" (one: a run takes minutes)" if runs_wanted < repeats else "")
        + ".",
        "",
        "Bound: the least time Jurnal's limits allow from the first to the last of the run's "
        "`R` requests, `60 s × (⌈R/30⌉ − 1)` of its clock (30 in any minute; 1,800 in any hour "
        "is the same rate). The projection to Jurnal's real clock replays the run: the "
        "compute measured between its requests (wall time between them less the limiter's "
        "waits), each request "
        "sent no sooner than the client's limiter allows at 30 a minute and 1,800 an hour "
        "(benchmarks/bench/sandbox.py `replay`). `compute + bound` is the pessimistic sum (no "
        "compute overlapping a wait); compute is the wall time less the limiter's waits.",
    ]
    errors = []
    for mode in MODES:
        try:
            runs = [_measure_mode(root / f"{mode}-{n}", mode, size) for n in range(runs_wanted)]
        except Exception as exc:
            error = error_text(exc)
            errors.append(f"{mode}: {error}")
            for name in ("wall time at the scaled clock", "projected wall ÷ bound, real clock"):
                figures.append(unavailable(name, error, command=cmd, mode=mode))
            continue

        def values(key: str, runs: list[dict[str, Any]] = runs) -> list[Any]:
            return [r[key] for r in runs]

        unbound = None if any(values("bound_real")) else not_rate_bound(max(values("requests")))

        figures += [
            figure(
                "wall time at the scaled clock", values("wall"), command=cmd, unit="s", mode=mode
            ),
            figure(
                "time the client's limiter made requests wait",
                values("wait"),
                command=cmd,
                unit="s",
                mode=mode,
            ),
            figure("Jurnal requests", values("requests"), command=cmd, mode=mode),
            figure("requests answered 429", values("rate_limited"), command=cmd, mode=mode),
            figure(
                "iSeller access tokens asked for",
                values("iseller_tokens"),
                command=cmd,
                mode=mode,
            ),
            figure(
                "bound for those requests, scaled clock",
                values("bound_scaled"),
                command=cmd,
                unit="s",
                mode=mode,
            ),
            figure(
                "wall ÷ bound, scaled clock",
                values("ratio_scaled"),
                command=cmd,
                mode=mode,
                target="≤ 1.2",
                check=lambda v: v <= 1.2,
                error=unbound,
            ),
            figure(
                "bound for those requests, real clock",
                values("bound_real"),
                command=cmd,
                unit="s",
                mode=mode,
            ),
            figure(
                "projected wall time, real clock",
                values("projected_real"),
                command=cmd,
                unit="s",
                mode=mode,
            ),
            figure(
                "projected wall ÷ bound, real clock",
                values("ratio_real"),
                command=cmd,
                mode=mode,
                target="≤ 1.2",
                check=lambda v: v <= 1.2,
                error=unbound,
            ),
            figure(
                "compute + bound (pessimistic), real clock",
                values("sum_real"),
                command=cmd,
                unit="s",
                mode=mode,
            ),
        ]
        first = runs[0]
        notes += [
            "",
            f"{mode}, first run: {first['orders']} completed orders over "
            f"{first['outlet_days']} outlet-days, {first['requests']} requests; by route: "
            + ", ".join(f"{k} {v}" for k, v in first["routes"].items())
            + f". iSeller: {sum(first['iseller_routes'].values())} requests; by route: "
            + ", ".join(f"{k} {v}" for k, v in sorted(first["iseller_routes"].items())),
        ]
    shutil.rmtree(root, ignore_errors=True)
    return Section(
        "backfill",
        TITLE,
        cmd,
        figures,
        notes="\n".join(notes),
        seconds=time.perf_counter() - began,
        error="; ".join(errors) or None,
    )
