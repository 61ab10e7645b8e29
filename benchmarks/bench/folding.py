"""Reading the dicts and baseline files of the benchmarks the report folds in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.bench.common import REPO

BASELINES = REPO / "benchmarks" / "baselines"


def baseline(name: str) -> tuple[dict[str, Any] | None, Path]:
    """The JSON of benchmarks/baselines/``name``, or None when it is not there (or unreadable)."""
    path = BASELINES / name
    try:
        return json.loads(path.read_text(encoding="utf-8")), path
    except (OSError, ValueError):
        return None, path


def spread_values(spread: dict[str, Any]) -> list[float]:
    """[min, median, max] of a ``{"min", "median", "max"}`` dict (its runs when it lists
    them), without the missing ones."""
    runs = spread.get("runs")
    if isinstance(runs, list) and runs:
        return [float(v) for v in runs]
    return [float(spread[k]) for k in ("min", "median", "max") if spread.get(k) is not None]


def baselines(prefix: str) -> list[tuple[str, dict[str, Any] | None, Path]]:
    """(label, data, path) of benchmarks/baselines/``prefix``_before*.json then _after*.json:
    ``before``, ``before_50k``, ``after``...; a missing ``before``/``after`` with data None."""
    found = []
    for which in ("before", "after"):
        paths = sorted(BASELINES.glob(f"{prefix}_{which}*.json")) or [
            BASELINES / f"{prefix}_{which}.json"
        ]
        for path in paths:
            data, _ = baseline(path.name)
            found.append((path.stem.removeprefix(f"{prefix}_"), data, path))
    return found
