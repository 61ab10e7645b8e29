"""Benchmark: the hourly run with nothing new, against a trivial two-asset Dagster run.

    .venv/bin/python -m benchmarks.hourly_noop [--orders-per-day 320] [--repeats 5]
        [--sizes 10,1000] [--out FILE.json]

Starts both sandboxes on free ports in a process of their own (fresh state in a temporary
directory, Jurnal's rate limit on, on a clock `time_scale` times faster than the wall's),
syncs yesterday's business
day once through the pipeline's own job (`journal_pipeline.definitions.build_definitions`,
the job the hourly schedule launches, executed in process with the definitions' resources)
and then times runs of the same partition with nothing new in iSeller: the hourly no-op.
The same Dagster instance (the repo's ``dagster.yaml`` in a temporary ``DAGSTER_HOME``) then
times a trivial job of two assets (``b`` depends on ``a``, each returns a small value),
executed in process the same way. Both get one warm-up run first. Last, the hourly schedule
the definitions build (with their look before the run, `journal_pipeline.sync.hourly_probe`)
is evaluated for the synced day with nothing new, on the same instance: the tick that skips
instead of running.

`measure_hourly_noop` returns (keys are stable; `benchmarks/bench/` reads them):

- ``orders_per_day``: orders per outlet per day asked of the sandbox (3 outlets);
  ``orders``: completed orders of the synced day (`journal_entries` metadata);
  ``day``: the partition; ``repeats``; ``time_scale``.
- ``first_sync_seconds``: the first run of the day (everything posted);
- ``noop``, ``trivial``: ``{"min", "median", "max", "runs"}`` seconds of the timed runs;
- ``ratio_median``: ``noop.median / trivial.median`` (target ≤ 2);
- ``same_shape``: the same spread for a job of the sync job's shape (its asset keys,
  dependencies, partitions and checks) whose assets return at once: Dagster's own cost of a
  run of that shape, the floor for the no-op; ``same_shape_ratio_median``: its median over
  the trivial one's;
- ``skipped_shape``: the same spread for a job of that shape whose roots give nothing, so
  that Dagster skips every other step: the least any run of the job's shape costs;
  ``skipped_shape_ratio_median``: its median over the trivial one's; ``job_assets``,
  ``job_checks``: how many the sync job has;
- ``noop_requests``: ``{"jurnal": n, "iseller": n, "jurnal_by_path": {...},
  "iseller_by_path": {...}}``, every HTTP request the two emulators answered during one
  no-op run, by method and path (numbers in paths folded to ``{n}``);
- ``noop_answering_seconds``: ``{"iseller": s, "jurnal": s}``, the seconds each emulator
  spent answering that run's requests: what the run waited on the remotes (the network
  aside), the part of its time that is theirs, not the pipeline's;
- ``noop_steps``: seconds per step (one per asset) of that no-op run, from its
  STEP_SUCCESS events; ``noop_ok``: every timed no-op run succeeded;
- ``noop_rebuilt``: how many timed no-op runs built the day's journal again, and
  ``noop_orders_changed``: per timed run, the orders it found new or changed in iSeller (the
  emulator's clock runs ``time_scale`` times the wall's, so during a long run the day's
  refunds and late payments arrive: such a run is a rebuild, not a no-op);
- ``rebuild``: the same spread for runs of the same day each after its last builds were
  forgotten (`forget_builds`): what an hourly run costs once any order or refund of the day
  is new (the day's journal, fees, totals comparison and reconciliation built again);
- ``tick``: the same spread for the hourly tick with nothing new (the schedule evaluated,
  its look included, after one warm-up tick); ``tick_ratio_median``: its median over the
  trivial run's (target ≤ 2; ``ratio_median`` stays the forced run's); ``tick_skipped``:
  every timed tick skipped; ``tick_reason``: the skip message (or the reason it ran);
  ``tick_requests``: ``{"iseller": n, "jurnal": n, "iseller_by_path": {...}}``, the
  requests of one tick;
- ``sizes``: one entry per requested size, each ``{"orders_requested", "orders_per_outlet",
  "orders", "first_sync_seconds", "noop_seconds" (median of `repeats`), "noop" (their
  spread, as ``noop`` above), "noop_rebuilt", "noop_orders_changed",
  "noop_requests": {"jurnal", "iseller"}, "noop_answering_seconds", "rebuild"}``: a size is the
  day's orders over all outlets, spread evenly (the sandbox draws each outlet's count ±20%
  around that mean).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any, NamedTuple

import dagster as dg

from benchmarks.bench.emulators_process import EmulatorsProcess
from journal_pipeline.config import load_config
from journal_pipeline.definitions import SYNC_JOB, build_definitions
from journal_pipeline.defs import build_marks
from journal_pipeline.defs.fee_assets import FEES_MARK
from journal_pipeline.defs.resources import resources_from_environment, staging_store
from journal_sandbox.defaults import sandbox_env
from journal_sandbox.launch import SandboxOptions

REPO = Path(__file__).resolve().parents[1]
OUTLETS = 3  # the demo merchant's
#: The marks of a day's last builds (`journal_pipeline.defs.build_marks`): forgotten, the next
#: run builds the day again, as a run does once any order or refund of the day is new.
BUILD_MARKS = (
    build_marks.JOURNAL_MARK,
    build_marks.TOTALS_MARK,
    build_marks.RECON_MARK,
    build_marks.OUTLETS_MARK,
    FEES_MARK,
)
TIME_SCALE = 60.0


class Merchant:
    """Both sandboxes of a fresh demo merchant (serving from a process of their own:
    `benchmarks.bench.emulators_process`), the pipeline's job and a Dagster instance."""

    def __init__(self, workdir: Path, orders_per_outlet: int, time_scale: float) -> None:
        self.day = datetime.now(UTC).date() - timedelta(days=1)
        options = SandboxOptions(
            iseller_port=0,
            jurnal_port=0,
            state_dir=workdir / "sandbox",
            orders_per_day=orders_per_outlet,
            start_date=self.day,
            time_scale=time_scale,
        )
        self.emulators = EmulatorsProcess(options)
        os.environ.update(sandbox_env(self.emulators.iseller_url, self.emulators.jurnal_url))
        os.environ["JOURNAL_PIPELINE_CONFIG"] = str(options.demo_config)
        # the client's limiter on the emulator's clock (a minute lasts 60/time_scale seconds)
        os.environ["JURNAL_RATE_LIMIT_WINDOW_SCALE"] = str(time_scale)
        os.environ["STAGING_DATABASE_URL"] = f"sqlite:///{workdir / 'staging.db'}"
        config = load_config()
        self.zone = config.zone
        self.defs = build_definitions(config, resources_from_environment())
        self.job = self.defs.resolve_job_def(SYNC_JOB)
        self.instance = temporary_instance(workdir / "dagster_home")

    def run(self) -> dg.ExecuteInProcessResult:
        return self.job.execute_in_process(
            partition_key=self.day.isoformat(), instance=self.instance, raise_on_error=False
        )

    def tick(self) -> dg.RunRequest | dg.SkipReason:
        """The definitions' hourly schedule, evaluated for the synced day (13:05 there)."""
        schedule = next(s for s in self.defs.schedules if s.name == "hourly_today_schedule")
        moment = datetime.combine(self.day, clock_time(13, 5), tzinfo=self.zone)
        with dg.build_schedule_context(
            instance=self.instance, scheduled_execution_time=moment
        ) as context:
            return schedule(context)

    def stop(self) -> None:
        self.instance.dispose()
        self.emulators.close()


def failure_of(result: dg.ExecuteInProcessResult) -> str:
    """The failed steps of a run and each one's error, for the benchmark's own error."""
    failed = [
        f"{event.step_key}: {event.step_failure_data.error.message.strip()}"
        for event in result.all_events
        if event.is_step_failure and event.step_failure_data.error is not None
    ]
    return "; ".join(failed) or "no step failed (a check or the run itself)"


def temporary_instance(home: Path) -> dg.DagsterInstance:
    """A Dagster instance with the repo's ``dagster.yaml`` (pools, run retries) in ``home``."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    return dg.DagsterInstance.from_config(str(home))


def trivial_job() -> dg.JobDefinition:
    """Two assets, ``b`` after ``a``, each returning a small value; run in process."""

    @dg.asset
    def a() -> int:
        return 1

    @dg.asset
    def b(a: int) -> int:
        return a + 1

    defs = dg.Definitions(
        assets=[a, b],
        jobs=[dg.define_asset_job("trivial_job", executor_def=dg.in_process_executor)],
        executor=dg.in_process_executor,
    )
    return defs.resolve_job_def("trivial_job")


def same_shape_job(job: dg.JobDefinition) -> dg.JobDefinition:
    """A job shaped like ``job`` (the same asset keys, dependencies, partitions and asset
    checks) whose every asset returns at once with its checks passed: what Dagster alone
    costs for a run of that shape, the floor no change in the pipeline's code goes below."""
    return _job_of_shape(job, _instant_asset, "same_shape_job")


def skipped_shape_job(job: dg.JobDefinition) -> dg.JobDefinition:
    """A job of ``job``'s shape whose roots give nothing, so that Dagster skips every other
    step: the least any run of that shape costs, however little the pipeline's code does."""
    return _job_of_shape(job, _skipping_asset, "skipped_shape_job")


def _job_of_shape(
    job: dg.JobDefinition, make: Callable[..., dg.AssetsDefinition], name: str
) -> dg.JobDefinition:
    """``job``'s asset keys, dependencies, partitions and checks, each asset made by ``make``
    (key, parents, checks, partitions)."""
    graph = job.asset_layer.asset_graph
    assets = []
    for key in graph.toposorted_asset_keys:
        node = graph.get(key)
        checks = [
            dg.AssetCheckSpec(check.name, asset=key)
            for check in graph.get_check_keys_for_assets({key})
        ]
        assets.append(make(key, sorted(node.parent_keys), checks, node.partitions_def))
    defs = dg.Definitions(
        assets=assets,
        jobs=[dg.define_asset_job(name, executor_def=dg.in_process_executor)],
        executor=dg.in_process_executor,
    )
    return defs.resolve_job_def(name)


def _skipping_asset(
    key: dg.AssetKey,
    parents: list[dg.AssetKey],
    checks: list[dg.AssetCheckSpec],
    partitions: dg.PartitionsDefinition | None,
) -> dg.AssetsDefinition:
    ins = {f"in_{n}": dg.AssetIn(key=parent) for n, parent in enumerate(parents)}

    @dg.asset(
        key=key, ins=ins, check_specs=checks, partitions_def=partitions, output_required=False
    )
    def gives_nothing(**upstream: int) -> Iterator[dg.Output[int]]:
        yield from ()  # a root gives no output: every step after it is skipped

    return gives_nothing


def _instant_asset(
    key: dg.AssetKey,
    parents: list[dg.AssetKey],
    checks: list[dg.AssetCheckSpec],
    partitions: dg.PartitionsDefinition | None,
) -> dg.AssetsDefinition:
    @dg.asset(key=key, deps=parents, check_specs=checks, partitions_def=partitions)
    def instant() -> dg.MaterializeResult:
        return dg.MaterializeResult(
            check_results=[
                dg.AssetCheckResult(check_name=check.name, passed=True) for check in checks
            ]
        )

    return instant


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = run()
    return time.perf_counter() - began, result


class Counted(NamedTuple):
    """The timed runs of `repeated`, and the one more whose requests were counted."""

    seconds: list[float]
    answers: list[Any]
    counted: Any
    iseller: dict[str, int]  # requests by path
    jurnal: dict[str, int]
    answering: dict[str, float]  # seconds each emulator spent answering them


def repeated(shop: Merchant, action: Callable[[], Any], repeats: int) -> Counted:
    """One warm-up of ``action``, ``repeats`` timed ones (seconds, answers), then one more
    whose HTTP requests are counted: its answer, the iSeller and Jurnal requests by path and
    the seconds each emulator spent answering them."""
    action()  # warm-up
    seconds, answers = [], []
    for _ in range(repeats):
        took, answer = timed(action)
        seconds.append(took)
        answers.append(answer)
    shop.emulators.reset()
    counted = action()
    counts = shop.emulators.counts()
    answering = shop.emulators.answering_seconds()
    return Counted(seconds, answers, counted, counts["iseller"], counts["jurnal"], answering)


def forget_builds(shop: Merchant) -> None:
    store = staging_store()  # the merchant's (its STAGING_DATABASE_URL)
    for name in BUILD_MARKS:
        store.clear_mark(name, shop.day.isoformat())


def rebuilds(shop: Merchant, repeats: int) -> dict[str, Any]:
    """``repeats`` timed runs, each after the day's last builds were forgotten: what an hourly
    run costs once anything of the day is new (every build of the day made again, with the
    same orders, so that each run does the same work)."""
    seconds = []
    for _ in range(repeats):
        forget_builds(shop)
        took, result = timed(shop.run)
        if not result.success:
            raise RuntimeError(f"a run with the day's builds forgotten: {failure_of(result)}")
        if not rebuilt(result):
            raise RuntimeError("a run with the day's builds forgotten did not build it again")
        seconds.append(took)
    return spread(seconds)


def spread(seconds: list[float]) -> dict[str, Any]:
    return {
        "min": round(min(seconds), 3),
        "median": round(statistics.median(seconds), 3),
        "max": round(max(seconds), 3),
        "runs": [round(s, 3) for s in seconds],
    }


def step_seconds(result: dg.ExecuteInProcessResult) -> dict[str, float]:
    return {
        str(event.step_key): round(event.event_specific_data.duration_ms / 1000, 3)
        for event in result.all_events
        if event.event_type_value == "STEP_SUCCESS"
    }


def rebuilt(result: dg.ExecuteInProcessResult) -> bool:
    """Whether the run built the day's journal again (its inputs had changed)."""
    materialized = result.asset_materializations_for_node("journal_entries")
    return bool(materialized) and bool(materialized[0].metadata["rebuilt"].value)


def orders_changed(result: dg.ExecuteInProcessResult) -> int:
    """Orders the run found new or changed in iSeller (`iseller_orders` metadata)."""
    materialized = result.asset_materializations_for_node("iseller_orders")
    if not materialized:
        return 0
    metadata = materialized[0].metadata
    return sum(int(metadata[k].value) for k in ("inserted", "updated") if k in metadata)


def completed_orders(result: dg.ExecuteInProcessResult) -> int:
    materialized = result.asset_materializations_for_node("journal_entries")
    return int(materialized[0].metadata["orders_completed"].value) if materialized else 0


@contextlib.contextmanager
def merchant(orders_per_outlet: int, time_scale: float) -> Iterator[Merchant]:
    saved = dict(os.environ)
    workdir = Path(tempfile.mkdtemp(prefix="jp-noop-"))
    shop = Merchant(workdir, orders_per_outlet, time_scale)
    try:
        yield shop
    finally:
        shop.stop()
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(workdir, ignore_errors=True)


def measure_merchant(
    orders_per_outlet: int, repeats: int, time_scale: float, trivial: bool
) -> dict[str, Any]:
    """First sync, warm-up, timed no-op runs (one of them counted) and, if asked, the trivial
    job on the same instance."""
    with merchant(orders_per_outlet, time_scale) as shop:
        first_seconds, first = timed(shop.run)
        if not first.success:
            raise RuntimeError(f"the first sync of {shop.day} failed: {failure_of(first)}")
        runs = repeated(shop, shop.run, repeats)
        noop_seconds, results, counted, iseller, jurnal = runs[:5]
        measured: dict[str, Any] = {
            "day": shop.day.isoformat(),
            "orders": completed_orders(first),
            "first_sync_seconds": round(first_seconds, 3),
            "noop": spread(noop_seconds),
            "noop_ok": all(r.success for r in results) and counted.success,
            "noop_requests": {
                "jurnal": sum(jurnal.values()),
                "iseller": sum(iseller.values()),
                "jurnal_by_path": jurnal,
                "iseller_by_path": iseller,
            },
            "noop_answering_seconds": runs.answering,
            "noop_steps": step_seconds(counted),
            # the emulator's clock runs `time_scale` times the wall's: during a long run the
            # day's refunds and late payments may arrive, and the next run builds again
            "noop_rebuilt": sum(rebuilt(r) for r in results),
            "noop_orders_changed": [orders_changed(r) for r in results],
            "rebuild": rebuilds(shop, repeats),
        }
        if trivial:
            job = trivial_job()
            job.execute_in_process(instance=shop.instance)  # warm-up
            measured["trivial"] = spread(
                [
                    timed(lambda: job.execute_in_process(instance=shop.instance))[0]
                    for _ in range(repeats)
                ]
            )
            shaped = same_shape_job(shop.job)
            run_shaped = lambda: shaped.execute_in_process(  # noqa: E731
                partition_key=shop.day.isoformat(), instance=shop.instance
            )
            run_shaped()  # warm-up
            measured["same_shape"] = spread([timed(run_shaped)[0] for _ in range(repeats)])
            graph = shop.job.asset_layer.asset_graph
            keys = set(graph.toposorted_asset_keys)
            measured["job_assets"] = len(keys)
            measured["job_checks"] = len(graph.get_check_keys_for_assets(keys))
            skipping = skipped_shape_job(shop.job)
            run_skipping = lambda: skipping.execute_in_process(  # noqa: E731
                partition_key=shop.day.isoformat(), instance=shop.instance
            )
            run_skipping()  # warm-up
            measured["skipped_shape"] = spread([timed(run_skipping)[0] for _ in range(repeats)])
            measured.update(measure_tick(shop, repeats))
        return measured


def measure_tick(shop: Merchant, repeats: int) -> dict[str, Any]:
    """The hourly tick with nothing new: a warm-up tick, `repeats` timed ones, one counted."""
    # the warm-up takes the iSeller token and the page base
    seconds, answers, counted, iseller, jurnal, _ = repeated(shop, shop.tick, repeats)
    skipped = [a for a in [*answers, counted] if isinstance(a, dg.SkipReason)]
    ran = [a for a in [*answers, counted] if not isinstance(a, dg.SkipReason)]
    return {
        "tick": spread(seconds),
        "tick_skipped": not ran,
        "tick_reason": skipped[0].skip_message if skipped else "ran: see the run's log",
        "tick_requests": {
            "iseller": sum(iseller.values()),
            "jurnal": sum(jurnal.values()),
            "iseller_by_path": iseller,
        },
    }


def measure_hourly_noop(
    orders_per_day: int = 320, repeats: int = 5, sizes: tuple[int, ...] = ()
) -> dict[str, Any]:
    """The hourly no-op against a trivial two-asset run, and how both grow with the day's size
    (the keys are listed in this module's docstring)."""
    main = measure_merchant(orders_per_day, repeats, TIME_SCALE, trivial=True)
    result: dict[str, Any] = {
        "orders_per_day": orders_per_day,
        "repeats": repeats,
        "time_scale": TIME_SCALE,
        **main,
        "ratio_median": round(main["noop"]["median"] / main["trivial"]["median"], 2),
        "same_shape_ratio_median": round(
            main["same_shape"]["median"] / main["trivial"]["median"], 2
        ),
        "skipped_shape_ratio_median": round(
            main["skipped_shape"]["median"] / main["trivial"]["median"], 2
        ),
        "tick_ratio_median": round(main["tick"]["median"] / main["trivial"]["median"], 2),
        "sizes": [],
    }
    for size in sizes:
        per_outlet = max(1, math.ceil(size / OUTLETS))
        measured = measure_merchant(per_outlet, repeats, TIME_SCALE, trivial=False)
        result["sizes"].append(
            {
                "orders_requested": size,
                "orders_per_outlet": per_outlet,
                "orders": measured["orders"],
                "first_sync_seconds": measured["first_sync_seconds"],
                "noop_seconds": measured["noop"]["median"],
                "noop": measured["noop"],  # every timed run: a rebuild among them shows
                "noop_rebuilt": measured["noop_rebuilt"],
                "noop_orders_changed": measured["noop_orders_changed"],
                "noop_requests": {
                    "jurnal": measured["noop_requests"]["jurnal"],
                    "iseller": measured["noop_requests"]["iseller"],
                },
                "noop_answering_seconds": measured["noop_answering_seconds"],
                "rebuild": measured["rebuild"],
            }
        )
    return result


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders-per-day", type=int, default=320)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", default="", help="the day's orders, comma separated")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(",") if s.strip())
    load_before = os.getloadavg()
    measured = measure_hourly_noop(args.orders_per_day, args.repeats, sizes)
    figures = {
        "commit": git_commit(),
        "measured_at": f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}",
        # other work on the machine inflates every figure: compare ratios, not seconds
        "load_average": {"before": load_before[0], "after": os.getloadavg()[0]},
        **measured,
    }
    text = json.dumps(figures, indent=2, default=str)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
