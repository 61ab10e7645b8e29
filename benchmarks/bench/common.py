"""What every section of docs/benchmarks.md shares: the machine, a figure over repeats, and a
section of figures with the command that measured them.

A figure is a dict (it goes to docs/benchmarks.json as it is)::

    {"name", "mode", "unit", "values", "min", "median", "max", "target", "passed",
     "command", "machine", "error"}

``values`` holds one number per repeat; ``min``/``median``/``max`` are None and ``error`` says
why when the part could not be measured ("not available: <error>"). ``passed`` is None for a
figure without a target.
"""

from __future__ import annotations

import os
import platform
import statistics
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SECTIONS = ("load", "requests", "backfill", "transform", "hourly")


@lru_cache(maxsize=1)
def machine() -> dict[str, Any]:
    """CPU model, cores, memory, Python and Dagster versions of this machine."""
    import dagster

    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": model,
        "cores": os.cpu_count() or 0,
        "memory_gib": round(ram, 1),
        "python": platform.python_version(),
        "dagster": dagster.__version__,
        "platform": platform.platform(),
    }


def machine_line(facts: dict[str, Any] | None = None) -> str:
    m = facts or machine()
    return (
        f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}, "
        f"Dagster {m['dagster']} ({m['platform']})"
    )


def command(scale: str, repeats: int, section: str) -> str:
    return f"python -m benchmarks.bench --scale {scale} --repeats {repeats} --only {section}"


def figure(
    name: str,
    values: Sequence[float | int | None],
    *,
    command: str,
    unit: str = "",
    mode: str = "",
    target: str = "",
    check: Callable[[float], bool] | None = None,
    error: str | None = None,
    note: str = "",
    measured_on: dict[str, Any] | str | None = None,
) -> dict[str, Any]:
    """One figure over the repeats; passes when ``check`` holds for its median (the worst
    repeat is in ``max``/``min`` beside it). ``measured_on``: what a benchmark that measured
    it says of its machine (a baseline file), over this machine's facts."""
    measured = [v for v in values if v is not None]
    if error is None and not measured:
        error = "not available: nothing measured"
    median = statistics.median(measured) if measured else None
    return {
        "name": name,
        "mode": mode,
        "unit": unit,
        "values": list(measured),
        "min": min(measured) if measured else None,
        "median": median,
        "max": max(measured) if measured else None,
        "target": target,
        "passed": (bool(check(median)) if check and median is not None else None),
        "command": command,
        "machine": _machine_of(measured_on),
        "error": error,
        "note": note,
    }


def _machine_of(measured_on: dict[str, Any] | str | None) -> dict[str, Any]:
    """This machine's facts, with what a baseline file says of its own machine over them."""
    if isinstance(measured_on, dict):
        return {**machine(), **measured_on}
    if measured_on:
        return {**machine(), "note": str(measured_on)}
    return machine()


def unavailable(
    name: str, error: str, *, command: str, unit: str = "", mode: str = "", target: str = ""
) -> dict[str, Any]:
    """A figure that could not be measured, saying why."""
    return figure(name, [], command=command, unit=unit, mode=mode, target=target, error=error)


def error_text(exc: BaseException) -> str:
    """``not available: <Class>: <first line>`` of an exception."""
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"not available: {type(exc).__name__}: {first}"


@dataclass
class Section:
    """One part of docs/benchmarks.md: its figures, the command and notes (markdown)."""

    key: str
    title: str
    command: str
    figures: list[dict[str, Any]] = field(default_factory=list)
    notes: str = ""
    seconds: float = 0.0
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "command": self.command,
            "figures": self.figures,
            "notes": self.notes,
            "seconds": round(self.seconds, 1),
            "error": self.error,
            "extra": self.extra,
        }


def crashed(key: str, title: str, command_line: str) -> Section:
    """A section whose measurement raised: not available, with the traceback in its notes."""
    text = traceback.format_exc()
    last = text.strip().splitlines()[-1] if text.strip() else "unknown error"
    return Section(
        key,
        title,
        command_line,
        [unavailable(title, f"not available: {last}", command=command_line)],
        notes="```\n" + text[-3000:] + "```",
        error=f"not available: {last}",
    )


def median_or_none(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None
