"""Benchmark: sync business days of the demo merchant end to end, and write a report.

    .venv/bin/python benchmarks/sync_days.py --days 3 --orders-per-day 300

Starts both sandboxes on free ports (fresh state, Jurnal at its real 30/min limit unless
--time-scale is given), then materialises each day through Dagster against a fresh SQLite
staging database, and records wall time, orders, documents, Jurnal calls and peak memory in
benchmarks/reports/sync_days.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg

from journal_pipeline.config import load_config
from journal_pipeline.defs.assets import build_assets
from journal_pipeline.defs.partitions import daily_partitions
from journal_pipeline.defs.resources import resources_from_environment
from journal_sandbox.defaults import sandbox_env
from journal_sandbox.launch import SandboxOptions, start_sandboxes

REPORT = Path(__file__).with_name("reports") / "sync_days.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--orders-per-day", type=int, default=300)
    parser.add_argument("--time-scale", type=float, default=60.0)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="jp-bench-"))
    today = datetime.now(UTC).date()
    start = today - timedelta(days=args.days)
    options = SandboxOptions(
        iseller_port=0,
        jurnal_port=0,
        state_dir=workdir / "sandbox",
        orders_per_day=args.orders_per_day,
        start_date=start,
        time_scale=args.time_scale,
    )
    iseller, jurnal = start_sandboxes(options)
    # the environment `sandbox --print-env` prints, for the ports chosen; the client's
    # limiter runs on the emulator's clock (a minute lasts 60/time-scale seconds)
    os.environ.update(sandbox_env(iseller.url, jurnal.url))
    os.environ["JURNAL_RATE_LIMIT_WINDOW_SCALE"] = str(args.time_scale)
    os.environ["STAGING_DATABASE_URL"] = f"sqlite:///{workdir / 'staging.db'}"
    config = load_config()
    assets = build_assets(daily_partitions(config))
    resources = resources_from_environment()
    rows = []
    try:
        for offset in range(args.days):
            day: date = start + timedelta(days=offset)
            began = time.perf_counter()
            result = dg.materialize(assets, partition_key=day.isoformat(), resources=resources)
            seconds = time.perf_counter() - began
            meta = {
                node: result.asset_materializations_for_node(node)[0].metadata
                for node in ("journal_entries", "jurnal_sales_invoices", "jurnal_products")
            }
            rows.append(
                {
                    "day": day.isoformat(),
                    "seconds": seconds,
                    "orders": meta["journal_entries"]["orders_completed"].value,
                    "journal_lines": meta["journal_entries"]["journal_lines"].value,
                    "posted": meta["jurnal_sales_invoices"]["posted_now"].value,
                    "held": meta["journal_entries"]["held"].value,
                    "jurnal_calls": meta["jurnal_sales_invoices"]["jurnal_calls"].value
                    + meta["jurnal_products"]["jurnal_calls"].value,
                    "ok": result.success,
                    "jurnal_seconds": meta["jurnal_sales_invoices"]["jurnal_latency_seconds"].value,
                    "rate_wait": meta["jurnal_sales_invoices"]["jurnal_rate_wait_seconds"].value,
                    "steps": {
                        e.step_key: e.event_specific_data.duration_ms / 1000
                        for e in result.all_events
                        if e.event_type_value == "STEP_SUCCESS"
                    },
                }
            )
    finally:
        iseller.stop()
        jurnal.stop()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    write_report(rows, peak_mb, args)


def write_report(rows: list[dict], peak_mb: float, args) -> None:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Sync of demo business days",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: `python benchmarks/sync_days.py --days "
        f"{args.days} --orders-per-day {args.orders_per_day} --time-scale {args.time_scale}`",
        "(three outlets; both sandboxes and SQLite staging on this machine).",
        "",
        "| day | completed orders | journal lines | documents posted | held | Jurnal calls "
        "| seconds | orders/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        rate = r["orders"] / r["seconds"] if r["seconds"] else 0
        lines.append(
            f"| {r['day']} | {r['orders']} | {r['journal_lines']} | {r['posted']} | {r['held']} "
            f"| {r['jurnal_calls']} | {r['seconds']:.1f} | {rate:.0f} |"
        )
    lines += ["", "Seconds per step:", ""]
    for r in rows:
        steps = ", ".join(f"{k} {v:.1f}" for k, v in r["steps"].items())
        lines.append(
            f"- {r['day']}: {steps} (waiting on Jurnal: {r['jurnal_seconds']:.1f}, "
            f"on the rate limit: {r['rate_wait']:.1f})"
        )
    total_orders = sum(r["orders"] for r in rows)
    total_seconds = sum(r["seconds"] for r in rows)
    lines += [
        "",
        f"Total: {total_orders} orders in {total_seconds:.1f} s "
        f"({total_orders / total_seconds:.0f} orders/s); peak memory {peak_mb:.0f} MB.",
        "",
        "The first day includes the emulator generating the demo history. Held documents are "
        "refunds and payments of orders sold before the first synced day.",
    ]
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
