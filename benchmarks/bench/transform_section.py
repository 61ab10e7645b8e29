"""The transform (iSeller frames → journal lines and documents) of a 50,000-order day: orders
per second on one core, peak memory and a profile of what remains slow, from
`benchmarks.transform.measure_transform`, with the before/after baselines committed beside it
(benchmarks/baselines/transform_before.json, transform_after.json)."""

from __future__ import annotations

import importlib
import time
from typing import Any

from benchmarks.bench.common import (
    REPO,
    Section,
    command,
    error_text,
    figure,
    unavailable,
)
from benchmarks.bench.folding import baselines, spread_values

TITLE = "Transform of a 50,000-order day"
ORDERS = {"full": 50_000, "ci": 1_000}
TARGET_RATE = 200_000
TARGET_MB = 1024


def measure(scale: str, repeats: int) -> Section:
    cmd = command(scale, repeats, "transform")
    began = time.perf_counter()
    figures: list[dict[str, Any]] = []
    notes: list[str] = [
        f"Data: a demo day of {ORDERS[scale]:,} staged orders (benchmarks/transform.py: each "
        "part in a fresh subprocess pinned to one core; peak memory is that subprocess's)."
    ]
    error = None
    try:
        module = importlib.import_module("benchmarks.transform")
        result = module.measure_transform(orders=ORDERS[scale], repeats=repeats)
    except Exception as exc:  # not there yet, or it crashed: say so, keep the other sections
        result, error = None, error_text(exc)
    if result is None:
        figures += [
            unavailable("orders per second (one core)", error or "", command=cmd, mode="now"),
            unavailable("peak memory", error or "", command=cmd, unit="MB", mode="now"),
        ]
    else:
        figures += _figures(result, cmd, "now")
        floor = _floor_note(result)
        if floor:
            notes += ["", floor]
        if result.get("profile"):
            notes += ["", "Profile of one transform run (what remains slow):", "", "```"]
            notes += [str(result["profile"]).rstrip(), "```"]
        if result.get("notes"):
            notes += ["", str(result["notes"])]
    for which, data, path in baselines("transform"):
        if data is None:
            figures.append(
                unavailable(
                    "orders per second (one core)",
                    f"not available: {path.relative_to(REPO)} is not there",
                    command=cmd,
                    mode=f"baseline {which}",
                )
            )
            continue
        shown = f"python -m benchmarks.transform (baseline {which}, {path.relative_to(REPO)})"
        shown = f"{data['command']} ({path.relative_to(REPO)})" if data.get("command") else shown
        figures += _figures(data, shown, f"baseline {which}", data.get("machine"))
        notes.append(
            f"\nBaseline {which}: commit {data.get('commit')}, measured {data.get('measured_at')}."
        )
    return Section(
        "transform",
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
    parts = result.get("parts") or {}
    orders = result.get("orders") or 0
    transform = parts.get("transform") or {}
    seconds = transform.get("seconds") or {}
    figures = [
        figure(
            "orders per second (one core)",
            [orders / s for s in spread_values(seconds) if s],
            command=cmd,
            unit="orders/s",
            mode=mode,
            measured_on=measured_on,
            target=f"≥ {TARGET_RATE:,}",
            check=lambda v: v >= TARGET_RATE,
            note=f"{orders:,} orders",
        ),
        figure(
            "peak memory",
            [transform.get("peak_rss_mb")],
            command=cmd,
            unit="MB",
            mode=mode,
            measured_on=measured_on,
            target=f"≤ {TARGET_MB:,} MB",
            check=lambda v: v <= TARGET_MB,
        ),
    ]
    if transform.get("free_seconds") is not None:
        figures.append(
            figure(
                "seconds to free the transform's outputs (after its clock)",
                [transform["free_seconds"]],
                command=cmd,
                unit="s",
                mode=mode,
                measured_on=measured_on,
            )
        )
    for part, data in parts.items():
        if part == "transform":
            continue
        figures.append(
            figure(
                f"seconds of part {part}",
                spread_values(data.get("seconds") or {}),
                command=cmd,
                unit="s",
                mode=mode,
                measured_on=measured_on,
            )
        )
    return figures


def _floor_note(result: dict[str, Any]) -> str | None:
    """What the documents' floor leaves of the time the target allows, in words."""
    parts = result.get("parts") or {}
    floor = ((parts.get("documents_floor") or {}).get("seconds") or {}).get("median")
    orders = result.get("orders") or 0
    if not floor or not orders:
        return None
    budget = orders / TARGET_RATE
    return (
        f"At {TARGET_RATE:,} orders/s the transform of {orders:,} orders has {budget:.3f} s. "
        f"Making the day's per-order documents as Python objects takes {floor:.3f} s at the "
        f"least (documents_floor: the same documents unpickled, built in C), {floor / budget:.0%} "
        "of that, before any journal line is made."
    )
