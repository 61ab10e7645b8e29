"""Catch-up: a sensor that finds many runs due at once queues a few per tick, the rest later.

A fresh install, a bank statement covering weeks or a sensor switched on after a pause can
find dozens of days to run. Each sensor asks for at most ``automation.max_catch_up_runs``
runs per tick and keeps the rest for its next ticks, so the run queue (and Jurnal's rate
limit) sees a steady trickle instead of a burst.

Oldest first: a day's postings may need an earlier day's (a payment settles the invoice of
the day its order was sold, a return reverses an earlier invoice) and the reconciliation of a
day reads the settlements of the days before it, so the backlog is worked off in date order;
the newest days are also the ones the hourly and nightly schedules cover anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

CATCH_UP_TAG = "journal_pipeline/catch_up"  # "true" on the run of a day that never ran
PRIORITY_TAG = "dagster/priority"  # the run queue launches a higher priority first
_PRIORITY_EPOCH = date(2000, 1, 1)
REQUESTED_BY_TAG = "journal_pipeline/requested_by"  # which sensor asked, and why


@dataclass(frozen=True)
class DueRun:
    """One run a sensor means to request: its day, its run key and its own tags."""

    day: date
    run_key: str
    tags: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "run_key": self.run_key, "tags": dict(self.tags)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DueRun:
        return cls(date.fromisoformat(data["day"]), data["run_key"], dict(data.get("tags", {})))


@dataclass(frozen=True)
class CatchUp:
    """The runs to request this tick and those kept for the next ticks."""

    now: list[DueRun]
    later: list[DueRun]
    limit: int
    unit: str = "days"

    @property
    def due(self) -> int:
        return len(self.now) + len(self.later)

    def message(self) -> str:
        text = f"queued {len(self.now)} of {self.due} {self.unit} (limit {self.limit})"
        if self.later:
            first, last = self.later[0].day, self.later[-1].day
            text += (
                f"; the rest follow on the next ticks ({len(self.later)} kept, "
                f"{first.isoformat()} to {last.isoformat()})"
            )
        return text


def next_batch(
    kept: Iterable[DueRun], found: Iterable[DueRun], limit: int, one_per_day: bool = True
) -> CatchUp:
    """Merge the runs kept from earlier ticks with those found now and take the oldest
    ``limit``. With ``one_per_day`` a day is run once (the run found last stands for it: one
    run of a day covers every reason it had); otherwise runs are told apart by run key."""
    merged: dict[object, DueRun] = {}
    for run in (*kept, *found):
        merged[run.day if one_per_day else run.run_key] = run
    ordered = sorted(merged.values(), key=lambda r: (r.day, r.run_key))
    unit = "days" if one_per_day else "runs"
    return CatchUp(ordered[:limit], ordered[limit:], limit, unit)


def dump_runs(runs: Sequence[DueRun]) -> list[dict[str, Any]]:
    return [r.to_json() for r in runs]


def load_runs(data: Iterable[Mapping[str, Any]]) -> list[DueRun]:
    return [DueRun.from_json(d) for d in data]


def catch_up_priority(day: date) -> int:
    """The queue priority of a catch-up run of ``day``: the older the day, the higher, so days
    asked by different sensors at different ticks still run in date order; below zero, so the
    schedules' runs (priority 0) are not kept waiting behind a backlog."""
    return -(day - _PRIORITY_EPOCH).days
