"""`python -m benchmarks.bench.timeline [--mode per_order|daily_summary] [--scale full|ci]`:
one run of the load section with the timeline of its Jurnal requests, to see where a load
window goes beyond its bound.

Per request, in the order they went out: when Jurnal counted it (its clock, in real
seconds after the first write: a minute of Jurnal's clock is 60 / time_scale of them), when the
pipeline asked for it, how long the limiter held it, how long its answer took, its route and
how many documents it carried. Requests 31, 61, … open a new minute of the limit: each is due
a minute after the answer of the one 30 before it, and what comes after the last of them is the
window's excess over its bound.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.bench import traffic
from benchmarks.bench.sandbox import MODES, bound_seconds
from journal_pipeline.jurnal.rate_limit import RateLimiter
from journal_pipeline.jurnal.transport import JurnalTransport

_local = threading.local()


@contextmanager
def recorded() -> Any:
    """Every attempt of every Jurnal client meanwhile: (asked, answered, waited, route, body);
    bodies are read after the run, not while it is measured."""
    log: list[tuple[float, float, float, str, bytes | None]] = []
    attempt, acquire = JurnalTransport._attempt, RateLimiter.acquire

    def timed_acquire(self):  # type: ignore[no-untyped-def]
        slot = acquire(self)
        _local.waited = slot.waited
        return slot

    def timed_attempt(self, method, url, url_path, params, data, headers, number):  # type: ignore[no-untyped-def]
        _local.waited, asked = 0.0, time.time()
        outcome = attempt(self, method, url, url_path, params, data, headers, number)
        route = f"{method} {url_path.rsplit('/api/v1/', 1)[-1]}"
        log.append((asked, time.time(), _local.waited, route, data))
        return outcome

    JurnalTransport._attempt, RateLimiter.acquire = timed_attempt, timed_acquire  # type: ignore[method-assign]
    try:
        yield log
    finally:
        JurnalTransport._attempt, RateLimiter.acquire = attempt, acquire  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mode", choices=MODES, default="per_order")
    parser.add_argument("--scale", choices=tuple(traffic.SIZES), default="full")
    args = parser.parse_args(argv)
    size = traffic.SIZES[args.scale]
    counted: list[tuple[float, str, bool]] = []
    fresh = traffic.fresh_merchant

    @contextmanager
    def keeping_timeline(*a: Any, **k: Any) -> Any:
        with fresh(*a, **k) as merchant:
            yield merchant
            counted.extend(merchant.traffic(timeline=True).get("timeline", []))

    traffic.fresh_merchant = keeping_timeline  # type: ignore[assignment]
    try:
        with recorded() as log:
            run = traffic._measure_once(Path(tempfile.mkdtemp()) / args.mode, args.mode, size)
    finally:
        traffic.fresh_merchant = fresh  # type: ignore[assignment]
    scale = size["time_scale"]
    print(
        f"{args.mode}: load efficiency {run.efficiency or 0:.3f}, {run.window_requests} requests "
        f"in a window of {run.window_seconds:.1f} s of Jurnal's clock (bound "
        f"{bound_seconds(run.window_requests):.0f} s)"
    )
    writes = [at for at, method, _ in counted if method in traffic.WRITE_METHODS]
    first = min(writes) / scale if writes else 0.0
    start = min((asked for asked, *_ in log), default=0.0)
    # the pipeline's attempts in the order they went out (the limiter's grant), which is the
    # order Jurnal counted them but for requests sent at the same moment
    ordered = sorted(log, key=lambda r: r[0] + r[2])
    print(" #  counted  asked   waited answer  route (documents)")
    for n, ((at, _, refused), (asked, answered, waited, route, data)) in enumerate(
        zip(counted, ordered, strict=False), start=1
    ):
        body = json.loads(data) if data else {}
        docs = next((len(v) if isinstance(v, list) else 1 for v in body.values()), 0)
        mark = " ← a new minute of the limit" if n % 30 == 1 and n > 1 else ""
        mark += " (429)" if refused else ""
        print(
            f"{n:3d} {at / scale - first:7.2f} {asked - start:7.2f} {waited:6.2f} "
            f"{answered - asked - waited:6.3f}  {route} ({docs}){mark}"
        )


if __name__ == "__main__":
    main()
