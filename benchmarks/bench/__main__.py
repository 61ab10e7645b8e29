"""`python -m benchmarks.bench [--scale full|ci] [--repeats N] [--only SECTION] [--out DIR]`:
measure the pipeline against the sandboxes with Jurnal's rate limit on and write
docs/benchmarks.md and docs/benchmarks.json (`make bench`).

Sections (each in its own module; one that raises is reported "not available: <error>" and
the others still run):

- ``load``: load efficiency and the share of requests answered 429 (`traffic`);
- ``requests``: Jurnal requests per 1,000 orders, per-order and daily-summary mode, against a
  naive one-request-per-invoice-and-payment baseline (`traffic`, the same runs as ``load``);
- ``backfill``: 90 days of a 10-outlet merchant in both modes against the rate-limit bound,
  at the scaled clock and projected to Jurnal's real clock (`backfill`);
- ``transform``: the transform of a 50,000-order day (`transform_section`);
- ``hourly``: the hourly run with nothing new against a trivial Dagster run, and growth with
  the day's size (`hourly_section`).

``--scale ci`` measures the same things on small data (the test
journal_pipeline_tests/benchmarks/test_bench_report.py). With ``--only`` the other sections of
an earlier report in ``--out`` are kept.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.bench import report
from benchmarks.bench.common import REPO, SECTIONS, Section, command, crashed, machine


def measure(key: str, scale: str, repeats: int) -> Section:
    """One section; a crash is reported as the section not being available."""
    from benchmarks.bench import backfill, hourly_section, traffic, transform_section

    measures = {
        "load": (traffic.LOAD_TITLE, lambda: traffic.load_section(scale, repeats)),
        "requests": (traffic.REQUESTS_TITLE, lambda: traffic.requests_section(scale, repeats)),
        "backfill": (backfill.TITLE, lambda: backfill.measure(scale, repeats)),
        "transform": (transform_section.TITLE, lambda: transform_section.measure(scale, repeats)),
        "hourly": (hourly_section.TITLE, lambda: hourly_section.measure(scale, repeats)),
    }
    title, run = measures[key]
    try:
        return run()
    except Exception:  # one section's crash must not hide the others' figures
        return crashed(key, title, command(scale, repeats, key))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", choices=("full", "ci"), default="full")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=SECTIONS, action="append")
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    began = time.perf_counter()
    sections: dict[str, Any] = report.previous_sections(args.out) if args.only else {}
    shown = f"python -m benchmarks.bench --scale {args.scale} --repeats {args.repeats}"
    shown += "".join(f" --only {name}" for name in args.only or ())
    result: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": shown,
        "scale": args.scale,
        "repeats": args.repeats,
        "machine": machine(),
        "sections": sections,
        "only": list(args.only or ()),
    }
    for key in SECTIONS:
        if args.only and key not in args.only:
            continue
        print(f"measuring {key} ({args.scale}, {args.repeats} repeat(s))…", file=sys.stderr)
        section = measure(key, args.scale, args.repeats)
        sections[key] = {**section.as_dict(), "date": result["date"], "scale": args.scale}
        print(f"  {key}: {section.seconds:.0f} s", file=sys.stderr, flush=True)
    result["seconds"] = round(time.perf_counter() - began, 1)
    md_path, json_path = report.write(result, args.out)
    print(f"wrote {md_path} and {json_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
