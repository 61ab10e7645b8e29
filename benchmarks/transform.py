"""Benchmark: the transform of one busy business day, iSeller order JSON → journal and documents.

    .venv/bin/python -m benchmarks.transform --orders 50000 --repeats 3

The input is a day of the demo merchant (`journal_sandbox.demo_merchant`, three outlets) of
``--orders`` orders: every order of the day as the API shows it at the end of the day's UTC
window, plus the orders of the seven days before (generated at a tenth of the
volume) that changed during the day (on-account payments, refunds, voids), as
`journal_pipeline.sync.day.build_journal` finds them in staging. It is generated once and
cached under the temp dir (``jp-transform-*.pickle``); the config is the demo config.

Parts, each timed in a fresh subprocess pinned to one core (so the peak RSS is that part's):

- ``frames``: the raw order dicts → `order_frames`;
- ``journal``: frames → canonical journal lines (`posting_rules.sales_of_day`,
  `posting_rules.journal_lines`, `payments.later_payment_entries`);
- ``documents``: the day's sales → per-order Jurnal documents (`invoices.sales_invoices`:
  invoices and the receive payments of split payments);
- ``documents_floor``: the same documents unpickled (`_documents_floor`): what making their
  Python objects costs at the least, whatever builds them;
- ``transform``: ``journal`` then ``documents`` in one process, timed together. This is "the
  transform" (frames in, journal lines and documents out).

Every part's outputs are freed after its clock stops (``free_seconds``).

Prints (and `measure_transform` returns) a dict with the keys documented there.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pickle
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

SEED = 7
DAY = date(2026, 11, 18)
PRIOR_DAYS = 7  # refunds come up to 7 days after the sale, on-account payments up to 5
PRIOR_VOLUME = 0.1  # the days before, at a tenth of the volume: only their changes are kept
PARTS = ("frames", "journal", "documents", "documents_floor", "transform")
ROOT = Path(__file__).resolve().parent.parent
#: The product code the transform runs (the commit is marked "+uncommitted" when one differs).
TRANSFORM_SOURCES = (
    "journal_pipeline/iseller/frames.py",
    "journal_pipeline/accounting/posting_rules.py",
    "journal_pipeline/accounting/day_sales.py",
    "journal_pipeline/accounting/invoices.py",
    "journal_pipeline/accounting/invoice_columns.py",
    "journal_pipeline/accounting/invoice_fits.py",
    "journal_pipeline/accounting/invoice_assembly.py",
    "journal_pipeline/accounting/line_blocks.py",
    "journal_pipeline/accounting/object_arrays.py",
    "journal_pipeline/core/cycle_collection.py",
    "journal_pipeline/accounting/sale_lines.py",
    "journal_pipeline/accounting/payments.py",
    "journal_pipeline/accounting/jurnal_arithmetic.py",
    "journal_pipeline/accounting/service_charge.py",
    "journal_pipeline/accounting/labels.py",
    "journal_pipeline/accounting/customers.py",
    "journal_pipeline/accounting/business_day.py",
    "journal_pipeline/accounting/documents.py",
    "journal_pipeline/core/orders.py",
    "journal_pipeline/core/money.py",
    "journal_pipeline/core/missing.py",
)


# -- input ------------------------------------------------------------------------------------


def _orders_per_outlet(orders: int) -> int:
    """The smallest ``orders_per_outlet_per_day`` whose day (three outlets, gift cards
    included) has at least ``orders`` orders."""
    from journal_sandbox.demo_merchant import OUTLETS, day_order_count
    from journal_sandbox.gift_cards import gift_card_sale_count

    def count(per_outlet: int) -> int:
        return sum(
            day_order_count(SEED, o.outlet_code, DAY, per_outlet)
            + gift_card_sale_count(SEED, o.outlet_code, DAY, per_outlet)
            for o in OUTLETS
        )

    low, high = 1, max(2, orders)
    while count(high) < orders:
        high *= 2
    while low < high:
        middle = (low + high) // 2
        if count(middle) >= orders:
            high = middle
        else:
            low = middle + 1
    return low


def _window() -> tuple[datetime, datetime]:
    from journal_pipeline.accounting.business_day import merged_window_utc

    return merged_window_utc(DAY, _config().zones())


def generate_day(orders: int) -> list[dict[str, Any]]:
    """The staged orders of a demo day with exactly ``orders`` orders (module docstring)."""
    from journal_sandbox.demo_merchant import OUTLETS, DemoMerchant

    per_outlet = _orders_per_outlet(orders)
    start, end = _window()
    as_of = end - timedelta(seconds=1)
    merchant = DemoMerchant(seed=SEED, orders_per_outlet_per_day=per_outlet, start_date=DAY)
    by_outlet = [
        [g.as_of(as_of) for g in merchant.orders_for_day(o.outlet_code, DAY)] for o in OUTLETS
    ]
    by_outlet = [[order for order in day if order is not None] for day in by_outlet]
    surplus = sum(len(day) for day in by_outlet) - orders
    biggest = max(by_outlet, key=len)
    del biggest[len(biggest) - max(0, surplus) :]  # a handful of orders at most
    staged = [order for day in by_outlet for order in day]
    earlier = DemoMerchant(
        seed=SEED,
        orders_per_outlet_per_day=max(1, int(per_outlet * PRIOR_VOLUME)),
        start_date=DAY - timedelta(days=PRIOR_DAYS),
    )
    for outlet in OUTLETS:
        for back in range(1, PRIOR_DAYS + 1):
            for generated in earlier.orders_for_day(outlet.outlet_code, DAY - timedelta(back)):
                if any(start <= at < end for at in generated.state_changes()[1:]):
                    shown = generated.as_of(as_of)
                    if shown is not None:
                        staged.append(shown)
    return staged


def _cache_dir() -> Path:
    path = Path(tempfile.gettempdir()) / "jp-transform-bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def raw_input_path(orders: int) -> Path:
    """The cached raw day (generated on first use)."""
    path = _cache_dir() / f"raw-{SEED}-{DAY.isoformat()}-{orders}.pickle"
    if not path.exists():
        staged = generate_day(orders)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(pickle.dumps(staged, protocol=pickle.HIGHEST_PROTOCOL))
        partial.replace(path)
    return path


def frames_input_path(orders: int) -> tuple[Path, int]:
    """The day's order frames, built from the raw day by the code measured (not cached across
    runs: the frames are what the current `order_frames` gives), and how many staged orders
    they come from (the day's ``orders`` and the earlier orders that changed on it)."""
    from journal_pipeline.iseller.frames import order_frames

    raw = pickle.loads(raw_input_path(orders).read_bytes())
    path = _cache_dir() / f"frames-{SEED}-{DAY.isoformat()}-{orders}.{os.getpid()}.pickle"
    path.write_bytes(pickle.dumps(order_frames(raw), protocol=pickle.HIGHEST_PROTOCOL))
    return path, len(raw)


def _config() -> Any:
    from journal_pipeline.config import load_config
    from journal_sandbox.defaults import DEMO_CONFIG

    return load_config(DEMO_CONFIG)


# -- the parts --------------------------------------------------------------------------------


def _journal(frames: Any, config: Any) -> tuple[Any, Any, list[Any]]:
    from journal_pipeline.accounting import payments, posting_rules

    sales = posting_rules.sales_of_day(frames, config, DAY)
    lines, holds = posting_rules.journal_lines(sales, config)
    pay_lines, pay_documents, pay_holds = payments.later_payment_entries(
        sales.later_payments, sales.payments, config, DAY
    )
    return sales, (lines, pay_lines, holds, pay_holds), pay_documents


def _documents(sales: Any, config: Any, skip: set[str]) -> tuple[list[Any], list[Any]]:
    from journal_pipeline.accounting import invoices

    documents, holds = invoices.sales_invoices(sales, config, skip=skip)
    return documents, holds


def _transform(frames: Any, config: Any) -> tuple[Any, ...]:
    """Journal lines then documents: every output, kept (as the parts' are) until the clock
    has stopped, so that freeing them is not counted as building them."""
    sales, (lines, pay_lines, holds, pay_holds), pay_documents = _journal(frames, config)
    documents, invoice_holds = _documents(sales, config, {h.source_id for h in holds})
    return sales, lines, pay_lines, holds, pay_holds, pay_documents, documents, invoice_holds


def _counts(output: tuple[Any, ...]) -> dict[str, int]:
    sales, lines, pay_lines, holds, pay_holds, pay_documents, documents, invoice_holds = output
    return {
        "sales": len(sales.frames),
        "journal_lines": len(lines) + len(pay_lines),
        "documents": len(documents) + len(pay_documents),
        "holds": len(holds) + len(pay_holds) + len(invoice_holds),
    }


def _documents_floor(sales: Any, config: Any, skip: set[str]) -> Callable[[], Any]:
    """The floor of the documents part: the same documents made by unpickling them, which
    builds each one's objects (the document, its payload's dicts, lists and text) in C with
    no decision to take. No builder that gives each document a payload of Python objects
    goes below it. The cycle collector is paused meanwhile, as the builder pauses it."""
    from journal_pipeline.core.cycle_collection import cycle_collection_paused

    documents, _ = _documents(sales, config, skip)
    blob = pickle.dumps(documents, protocol=pickle.HIGHEST_PROTOCOL)
    del documents

    def unpickled() -> Any:
        with cycle_collection_paused():
            return pickle.loads(blob)

    return unpickled


def _status_mb(field: str) -> float | None:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM), MB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _peak_rss_mb() -> float:
    """This process's peak RSS, MB. VmHWM is the peak of this process's own memory:
    ``getrusage`` maxrss also counts the memory of the parent this process was forked from
    (Linux keeps the larger across exec), which would hide the part's own peak."""
    peak = _status_mb("VmHWM")
    if peak is None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return peak


def _prepare(part: str, input_path: Path) -> tuple[Callable[[], Any], Any]:
    """What one subprocess times for ``part``, and its input (loaded before the clock, as the
    modules it runs: a run imports them once, at its start)."""
    from journal_pipeline.accounting import invoices, payments, posting_rules  # noqa: F401

    config = _config()
    data = pickle.loads(input_path.read_bytes())
    if part == "frames":
        from journal_pipeline.iseller.frames import order_frames

        return lambda: order_frames(data), data
    if part == "journal":
        return lambda: _journal(data, config), data
    if part in ("documents", "documents_floor"):
        from journal_pipeline.accounting import posting_rules

        sales = posting_rules.sales_of_day(data, config, DAY)
        _, holds = posting_rules.journal_lines(sales, config)
        skip = {h.source_id for h in holds}
        if part == "documents_floor":
            return _documents_floor(sales, config, skip), sales
        return lambda: _documents(sales, config, skip), sales
    if part == "transform":
        return lambda: _transform(data, config), data
    raise ValueError(f"unknown part {part!r}")


def run_part(part: str, input_path: Path, cpu: int, profile: bool = False) -> dict[str, Any]:
    """One timed run of ``part`` in this process (the subprocess's side)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
    work, _ = _prepare(part, input_path)
    gc.collect()
    before = _status_mb("VmRSS") or 0.0
    result: dict[str, Any] = {"part": part, "input_rss_mb": round(before, 1)}
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        output = work()
        profiler.disable()
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text).strip_dirs().sort_stats("cumulative")
        stats.print_stats(15)
        result["profile"] = _trim_profile(text.getvalue())
    else:
        began, began_cpu = time.perf_counter(), time.process_time()
        output = work()
        result["seconds"] = time.perf_counter() - began
        result["cpu_seconds"] = time.process_time() - began_cpu
    result["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    if part == "transform":
        result["outputs"] = _counts(output)
    freeing = time.perf_counter()
    del output
    result["free_seconds"] = time.perf_counter() - freeing
    return result


def _trim_profile(text: str) -> str:
    """The profile table without pstats' blank lines and header noise."""
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if "function calls" in line), 0)
    return "\n".join(lines[start:])


def _subprocess(part: str, input_path: Path, cpu: int, profile: bool = False) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "benchmarks.transform",
        "--run-part",
        part,
        "--input",
        str(input_path),
        "--cpu",
        str(cpu),
    ]
    if profile:
        command.append("--profile")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"part {part} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def machine() -> dict[str, Any]:
    import numpy
    import pandas

    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "cores_used": 1,
        "python": platform.python_version(),
        "pandas": pandas.__version__,
        "numpy": numpy.__version__,
        "system": f"{platform.system()} {platform.release()}",
        # other work on the machine slows the parts down: the 1-minute load when measured
        "load_average": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }


def _commit() -> str | None:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "diff", "--name-only", "HEAD", "--", *TRANSFORM_SOURCES],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head}{'+uncommitted' if dirty else ''}"


def measure_transform(orders: int = 50_000, repeats: int = 3) -> dict[str, Any]:
    """Time the transform of a demo day of ``orders`` orders, ``repeats`` runs per part.

    Returns (keys are stable; the `make bench` report reads them)::

        {
          "orders": int,             # orders of the day (orders/s divide this)
          "staged_orders": int,      # the input of `order_frames`: those orders and the
                                     # earlier orders that changed on the day
          "day": "YYYY-MM-DD", "seed": int, "repeats": int,
          "commit": str | None,      # git HEAD (+"uncommitted" if TRANSFORM_SOURCES differ from it)
          "measured_at": ISO UTC time,
          "parts": {                 # PARTS: "frames", "journal", "documents",
                                     # "documents_floor", "transform"
            <part>: {
              "seconds": {"min": float, "median": float, "max": float},
              "orders_per_second": float,       # orders / median seconds
              "orders_per_second_best": float,  # orders / min seconds
              "cpu_seconds": {"min", "median", "max"},  # the process's CPU time of the part
              "orders_per_cpu_second": float,   # orders / median CPU seconds (less swayed
                                                # than wall time by other work on the machine)
              "free_seconds": float,  # median time to free its outputs, after the clock
              "peak_rss_mb": float,   # the largest peak RSS (VmHWM) of its subprocesses
              "input_rss_mb": float,  # RSS with the input loaded, before the clock started
            }
          },
          "outputs": {"sales", "journal_lines", "documents", "holds"},  # of one transform run
          "machine": {"cpu", "cores", "cores_used", "python", "pandas", "numpy", "system",
                      "load_average"},
          "profile": str,            # cProfile of one transform run, top 15 by cumulative
          "notes": str,
        }

    "transform" (journal lines then documents from the day's order frames) is the figure the
    targets speak of: orders_per_second >= 200,000 and peak_rss_mb <= 1,024.
    """
    raw_path = raw_input_path(orders)
    frames_path, staged = frames_input_path(orders)
    cpu = sorted(os.sched_getaffinity(0))[-1] if hasattr(os, "sched_getaffinity") else 0
    try:
        parts: dict[str, Any] = {}
        outputs: dict[str, int] = {}
        for part in PARTS:
            path = raw_path if part == "frames" else frames_path
            runs = [_subprocess(part, path, cpu) for _ in range(repeats)]
            seconds = [run["seconds"] for run in runs]
            cpu_times = [run["cpu_seconds"] for run in runs]
            median = statistics.median(seconds)
            parts[part] = {
                "seconds": {
                    "min": round(min(seconds), 4),
                    "median": round(median, 4),
                    "max": round(max(seconds), 4),
                },
                "orders_per_second": round(orders / median, 1),
                "orders_per_second_best": round(orders / min(seconds), 1),
                "cpu_seconds": {
                    "min": round(min(cpu_times), 4),
                    "median": round(statistics.median(cpu_times), 4),
                    "max": round(max(cpu_times), 4),
                },
                "orders_per_cpu_second": round(orders / statistics.median(cpu_times), 1),
                "free_seconds": round(statistics.median(run["free_seconds"] for run in runs), 4),
                "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
                "input_rss_mb": max(run["input_rss_mb"] for run in runs),
            }
            if part == "transform":
                outputs = runs[0]["outputs"]
        profile = _subprocess("transform", frames_path, cpu, profile=True)["profile"]
    finally:
        frames_path.unlink(missing_ok=True)
    return {
        "orders": orders,
        "staged_orders": staged,
        "day": DAY.isoformat(),
        "seed": SEED,
        "repeats": repeats,
        "commit": _commit(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parts": parts,
        "outputs": outputs,
        "machine": machine(),
        "profile": profile,
        "notes": (
            "Each part timed in a fresh subprocess pinned to one core; peak_rss_mb is that "
            "process's peak RSS (VmHWM), its loaded input included (input_rss_mb). "
            "transform = journal + documents. documents_floor: the same documents "
            "unpickled, the least their Python objects cost. Outputs are freed after the "
            "clock stops (free_seconds)."
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path, help="also write the JSON here")
    parser.add_argument("--run-part", choices=PARTS, help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cpu", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_part:
        print(json.dumps(run_part(args.run_part, args.input, args.cpu, args.profile)))
        return
    result = measure_transform(args.orders, args.repeats)
    text = json.dumps(result, indent=2)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
