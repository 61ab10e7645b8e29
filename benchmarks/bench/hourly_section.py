"""The hourly run with nothing new against a trivial two-asset Dagster run on this machine, and
how a run's cost grows with the day's size, from `benchmarks.hourly_noop.measure_hourly_noop`,
with the before/after baselines committed beside it (benchmarks/baselines/
hourly_noop_before.json, hourly_noop_after.json). The run is the one forced with nothing new;
the hourly tick that skips it (the schedule's look, `journal_pipeline.sync.hourly_probe`) is
shown beside it against the same target, when the measurement has it."""

from __future__ import annotations

import importlib
import time
from typing import Any

from benchmarks.bench.common import REPO, Section, command, error_text, figure, unavailable
from benchmarks.bench.folding import baselines, spread_values

TITLE = "Hourly run with nothing new, and growth with the day's size"
SIZES = {"full": (10, 1_000, 10_000, 50_000), "ci": ()}  # CI: the no-op alone
ORDERS_PER_DAY = {"full": 320, "ci": 10}
TARGET_RATIO = 2.0


def measure(scale: str, repeats: int) -> Section:
    cmd = command(scale, repeats, "hourly")
    began = time.perf_counter()
    figures: list[dict[str, Any]] = []
    notes = [
        f"The pipeline's job for a day already synced, {ORDERS_PER_DAY[scale]} orders per "
        "outlet, nothing new in iSeller, against a job of two trivial assets on the same "
        "Dagster instance, both in process, the emulators in a process of their own "
        "(benchmarks/hourly_noop.py); sizes are the day's "
        "orders over its three outlets."
    ]
    error = None
    try:
        module = importlib.import_module("benchmarks.hourly_noop")
        result = module.measure_hourly_noop(
            orders_per_day=ORDERS_PER_DAY[scale], repeats=repeats, sizes=SIZES[scale]
        )
    except Exception as exc:  # not there yet, or it crashed: say so, keep the other sections
        result, error = None, error_text(exc)
    if result is None:
        figures.append(
            unavailable("no-op ÷ trivial run", error or "", command=cmd, mode="now", target="≤ 2")
        )
    else:
        figures += _figures(result, cmd, "now")
        requests = result.get("noop_requests") or {}
        if requests:
            notes += [
                "",
                f"Requests of one no-op run: Jurnal {requests.get('jurnal')}, iSeller "
                f"{requests.get('iseller')}; by path: "
                + ", ".join(
                    f"{k} {v}"
                    for k, v in {
                        **(requests.get("jurnal_by_path") or {}),
                        **(requests.get("iseller_by_path") or {}),
                    }.items()
                ),
            ]
        answering = result.get("noop_answering_seconds")
        if answering:
            notes.append(
                f"Of that run, the emulators spent {_answering(answering)} answering: time the "
                "run waited on the remotes, theirs and not the pipeline's."
            )
        if result.get("tick"):
            ticked = result.get("tick_requests") or {}
            outcome = "skipped" if result.get("tick_skipped") else "ran"
            notes += [
                "",
                f"The hourly tick with nothing new {outcome} ({result.get('tick_reason')}); "
                f"requests of one tick: iSeller "
                f"{ticked.get('iseller')}, Jurnal {ticked.get('jurnal')}; by path: "
                + ", ".join(f"{k} {v}" for k, v in (ticked.get("iseller_by_path") or {}).items()),
            ]
        skipping = result.get("skipped_shape_ratio_median")
        if skipping is not None:
            notes += [
                "",
                f"The sync job has {result.get('job_assets')} assets and "
                f"{result.get('job_checks')} checks. A run of that shape whose every step "
                f"Dagster skips (its roots give nothing) costs {skipping}x the trivial run, "
                f"one whose every asset returns at once {result.get('same_shape_ratio_median')}"
                "x: a forced run that looks for anything new before skipping the rest cannot "
                "go below the first, which is why the hourly schedule looks before launching "
                "(the tick above) rather than in the run.",
            ]
        steps = result.get("noop_steps") or {}
        if steps:
            slowest = sorted(steps.items(), key=lambda kv: -kv[1])[:8]
            notes.append(
                "\nSlowest steps of a no-op run: " + ", ".join(f"{k} {v:.2f} s" for k, v in slowest)
            )
    for which, data, path in baselines("hourly_noop"):
        if data is None:
            figures.append(
                unavailable(
                    "no-op ÷ trivial run",
                    f"not available: {path.relative_to(REPO)} is not there",
                    command=cmd,
                    mode=f"baseline {which}",
                )
            )
            continue
        shown = f"python benchmarks/hourly_noop.py (baseline {which}, {path.relative_to(REPO)})"
        shown = f"{data['command']} ({path.relative_to(REPO)})" if data.get("command") else shown
        figures += _figures(data, shown, f"baseline {which}", data.get("machine"))
    return Section(
        "hourly",
        TITLE,
        cmd,
        figures,
        notes="\n".join(notes),
        seconds=time.perf_counter() - began,
        error=error,
    )


def _figures(
    result: dict[str, Any], cmd: str, mode: str, measured_on: dict[str, Any] | str | None = None
) -> list[dict[str, Any]]:
    noop = result.get("noop") or {}
    trivial = result.get("trivial") or {}
    noop_runs = noop.get("runs") or []
    trivial_runs = trivial.get("runs") or []
    if noop_runs and len(noop_runs) == len(trivial_runs):
        ratios = [n / t for n, t in zip(noop_runs, trivial_runs, strict=True) if t]
    else:
        ratios = [result.get("ratio_median")]
    figures = [
        figure(
            "no-op ÷ trivial run",
            ratios,
            command=cmd,
            mode=mode,
            measured_on=measured_on,
            target=f"≤ {TARGET_RATIO:g}",
            check=lambda v: v <= TARGET_RATIO,
            note="a run forced with nothing new (the hourly tick skips it); median of the "
            f"ratio as reported: {result.get('ratio_median')}",
        ),
        figure(
            "hourly no-op run",
            spread_values(noop),
            command=cmd,
            unit="s",
            mode=mode,
            measured_on=measured_on,
            note=_rebuilds(result),
        ),
        figure(
            "trivial two-asset run",
            spread_values(trivial),
            command=cmd,
            unit="s",
            mode=mode,
            measured_on=measured_on,
        ),
    ]
    if result.get("rebuild"):
        figures.append(_rebuild_figure("hourly run that builds the day again", result, cmd, mode))
    for key, name, note in (
        (
            "same_shape",
            "a job of the sync job's shape whose assets return at once ÷ trivial run",
            "Dagster's own cost of a run of that shape, the floor for the no-op",
        ),
        (
            "skipped_shape",
            "a job of the sync job's shape whose every step is skipped ÷ trivial run",
            "its roots give nothing, Dagster skips the rest: the least any run of the job's "
            "shape costs",
        ),
    ):
        runs = (result.get(key) or {}).get("runs") or []
        if runs and len(runs) == len(trivial_runs):
            ratios = [n / t for n, t in zip(runs, trivial_runs, strict=True) if t]
            figures.append(
                figure(name, ratios, command=cmd, mode=mode, measured_on=measured_on, note=note)
            )
    tick = result.get("tick") or {}
    if tick:
        tick_runs = tick.get("runs") or []
        if tick_runs and len(tick_runs) == len(trivial_runs):
            tick_ratios = [n / t for n, t in zip(tick_runs, trivial_runs, strict=True) if t]
        else:
            tick_ratios = [result.get("tick_ratio_median")]
        skipped = result.get("tick_skipped")
        figures += [
            figure(
                "hourly tick with nothing new ÷ trivial run",
                tick_ratios,
                command=cmd,
                mode=mode,
                measured_on=measured_on,
                target=f"≤ {TARGET_RATIO:g}",
                check=lambda v: bool(skipped) and v <= TARGET_RATIO,
                note=f"the tick {'skipped' if skipped else 'did not skip'}; median of the ratio "
                f"as reported: {result.get('tick_ratio_median')}",
            ),
            figure(
                "hourly tick with nothing new",
                spread_values(tick),
                command=cmd,
                unit="s",
                mode=mode,
                measured_on=measured_on,
            ),
        ]
    for size in result.get("sizes") or []:
        n = size.get("orders_requested")
        figures += [
            figure(
                f"day of {n:,} orders: first sync",
                [size.get("first_sync_seconds")],
                command=cmd,
                unit="s",
                mode=mode,
                measured_on=measured_on,
                note=f"{size.get('orders')} completed orders",
            ),
            figure(
                f"day of {n:,} orders: no-op run",
                spread_values(size["noop"]) if size.get("noop") else [size.get("noop_seconds")],
                command=cmd,
                unit="s",
                mode=mode,
                measured_on=measured_on,
                note=_rebuilds(size),
            ),
        ]
        if size.get("rebuild"):
            figures.append(
                _rebuild_figure(
                    f"day of {n:,} orders: run that builds the day again",
                    size,
                    cmd,
                    mode,
                    measured_on,
                )
            )
        answering = size.get("noop_answering_seconds")
        if answering:
            figures.append(
                figure(
                    f"day of {n:,} orders: of one no-op run, the emulators answering",
                    [round(sum(answering.values()), 3)],
                    command=cmd,
                    unit="s",
                    mode=mode,
                    measured_on=measured_on,
                    note=f"{_answering(answering)}: the remotes' share of the run, which "
                    "grows with the day they sum",
                )
            )
    return figures


def _rebuild_figure(
    name: str,
    result: dict[str, Any],
    cmd: str,
    mode: str,
    measured_on: dict[str, Any] | str | None = None,
) -> dict[str, Any]:
    return figure(
        name,
        spread_values(result["rebuild"]),
        command=cmd,
        unit="s",
        mode=mode,
        measured_on=measured_on,
        note="each run after the day's last builds were forgotten: what an hourly run costs "
        "once any order or refund of the day is new (journal, fees, totals comparison and "
        "reconciliation built again; nothing new to post)",
    )


def _answering(seconds: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:.2f} s" for name, value in sorted(seconds.items()))


def _rebuilds(size: dict[str, Any]) -> str:
    """What a merchant's timed no-op runs found: the emulator's clock runs 60x the wall's, so
    during a long run the day's refunds and late payments arrive, and the run after builds the
    day again (a rebuild, not a no-op)."""
    changed = size.get("noop_orders_changed")
    if changed is None:
        return ""  # measured before the runs were told apart
    built = int(size.get("noop_rebuilt") or 0)
    if not built:
        return f"nothing new in any of the {len(changed)} runs: the day not built again"
    return (
        f"{built} of {len(changed)} runs built the day again: the orders changed in iSeller "
        f"meanwhile, per run {', '.join(str(c) for c in changed)} (the emulator's clock runs "
        "60x the wall's; refunds and late payments of the day arrive during a long run)"
    )
