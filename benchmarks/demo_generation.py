"""Benchmark: how fast the iSeller emulator generates the demo merchant's orders.

    .venv/bin/python benchmarks/demo_generation.py --days 3 --orders-per-day 300 --runs 5

Generates DAYS business days for every outlet RUNS times (a fresh generator each run) and
writes min/median/max seconds to benchmarks/reports/demo_generation.md. Target: a
fortnight of full-volume history in a few seconds, so `make dev` starts quickly.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

from journal_sandbox.demo_merchant import OUTLETS, DemoMerchant

REPORT = Path(__file__).with_name("reports") / "demo_generation.md"
START = date(2026, 11, 1)


def one_run(days: int, orders_per_day: int) -> tuple[float, int]:
    merchant = DemoMerchant(seed=3, orders_per_outlet_per_day=orders_per_day, start_date=START)
    began = time.perf_counter()
    count = sum(
        len(merchant.orders_for_day(outlet.outlet_code, START + timedelta(days=offset)))
        for outlet in OUTLETS
        for offset in range(days)
    )
    return time.perf_counter() - began, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--orders-per-day", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = [one_run(args.days, args.orders_per_day) for _ in range(args.runs)]
    seconds = [s for s, _ in results]
    orders = results[0][1]
    command = (
        f"python benchmarks/demo_generation.py --days {args.days} "
        f"--orders-per-day {args.orders_per_day} --runs {args.runs}"
    )
    report = "\n".join(
        [
            "# Demo merchant generation",
            "",
            f"Command: `{command}`  ",
            f"Machine: {platform.machine()}, Python {platform.python_version()}, "
            f"{platform.system()}",
            "",
            "| orders | runs | min s | median s | max s | orders/s (median) |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {orders:,} | {args.runs} | {min(seconds):.3f} | {statistics.median(seconds):.3f} "
            f"| {max(seconds):.3f} | {orders / statistics.median(seconds):,.0f} |",
            "",
        ]
    )
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
