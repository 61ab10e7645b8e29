"""Runs at once on one Dagster instance (a DAGSTER_HOME with the repository's dagster.yaml):

1. two `journal-pipeline sync --date D` of the same day started together: both finish, one
   waits (asleep, saying who holds the Jurnal pool and since when) while the other posts;
2. a backfill (`journal-pipeline backfill --start A --end B`, carried out by the daemon) while
   a run of one of its days starts as a schedule tick would: no duplicate, no deadlock;
3. a daemon-launched run killed with SIGKILL (its run worker, found by the pid Dagster logs)
   while it holds the jurnal_api slot: the next run of that day must get the slot, and how long
   it waited is measured.

Every command has a deadline: one that has not ended by then is a hang. While a run waits for
the pool, its CPU is sampled from /proc. Then the audit: no document twice in Jurnal, no order
missing, Jurnal's ledger equal to the canonical journal.
"""

from __future__ import annotations

import os
import re
import signal
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from benchmarks.reliability.common import (
    Sandboxes,
    Section,
    audit,
    running_sandboxes,
    scratch_workdir,
)
from benchmarks.reliability.kill_helpers import Command, cpu_share, start

TITLE = "Runs at once: the same day twice, a schedule tick during a backfill, a dead daemon run"
COMMAND = "python -m benchmarks.reliability --scale {scale} --only concurrency"
SCALES = {"full": (4, 40), "ci": (3, 8)}  # business days, orders per outlet per day
JURNAL_FAULTS = "batch_create:latency=300"  # a post takes long enough for the others to wait
SEED = 17
DEADLINE = 600.0  # seconds: a command still running then hangs
POOL = "jurnal_api"
WAITING = re.compile(r"Waiting for the jurnal_api pool: held by run [0-9a-f]{8} \(.*\) since \S+")
STARTED_PID = re.compile(r"Started process for run \(pid: (\d+)\)")


@dataclass
class Outcome:
    """What one scenario showed."""

    name: str
    codes: list[int | None] = field(default_factory=list)  # exit codes; None: it hung
    seconds: float = 0.0
    waiting_line: str = ""  # the line a waiting command printed
    waiting_cpu: float | None = None  # share of a core while it waited
    slot_after: float | None = None  # scenario 3: seconds from the kill to the next slot
    notes: list[str] = field(default_factory=list)

    @property
    def hung(self) -> int:
        return sum(1 for code in self.codes if code is None)


@contextmanager
def _instance(box: Sandboxes):
    import dagster as dg

    previous = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = box.env["DAGSTER_HOME"]
    try:
        with dg.DagsterInstance.get() as instance:
            yield instance
    finally:
        if previous is None:
            del os.environ["DAGSTER_HOME"]
        else:
            os.environ["DAGSTER_HOME"] = previous


def _holders(instance) -> list[str]:
    return [s.run_id for s in instance.event_log_storage.get_concurrency_info(POOL).claimed_slots]


def _watch_waiting(outcome: Outcome, commands: list[Command]) -> None:
    """Until the commands end: once one says it waits for the pool, keep its line and sample
    its CPU while it still waits."""
    while any(c.process.poll() is None for c in commands):
        for command in commands:
            match = WAITING.search(command.stderr)
            if match and command.process.poll() is None and not outcome.waiting_line:
                outcome.waiting_line = match.group(0)
                outcome.waiting_cpu = _quietest_second(command)
        if outcome.waiting_line or time.monotonic() - commands[0].started > DEADLINE:
            return
        time.sleep(0.05)


def _quietest_second(command: Command, seconds: int = 6) -> float | None:
    """The least CPU share of any one second while ``command`` still runs: its other steps
    work between the samples, but a wait that spins would keep every second near a full core."""
    shares = []
    for _ in range(seconds):
        if command.process.poll() is not None:
            break
        share = cpu_share(command.pid, 1.0)
        if share is not None:
            shares.append(share)
    return min(shares) if shares else None


def same_day_twice(box: Sandboxes, day: date) -> Outcome:
    outcome = Outcome("two `sync --date D` of one day at once")
    logs = box.workdir / "logs"
    began = time.monotonic()
    commands = [
        start(["sync", "--date", day.isoformat()], box.env, logs, f"twice-{n}") for n in (1, 2)
    ]
    _watch_waiting(outcome, commands)
    outcome.codes = [c.wait(DEADLINE) for c in commands]
    outcome.seconds = time.monotonic() - began
    return outcome


def tick_during_backfill(box: Sandboxes, days: list[date]) -> Outcome:
    outcome = Outcome("a schedule tick's run during a backfill")
    logs = box.workdir / "logs"
    began = time.monotonic()
    backfill = start(
        ["backfill", "--start", days[0].isoformat(), "--end", days[-1].isoformat()],
        box.env,
        logs,
        "backfill",
    )
    with _instance(box) as instance:  # the tick comes once the backfill's first run posts
        while backfill.process.poll() is None and not _holders(instance):
            time.sleep(0.1)
    tick = start(["sync", "--date", days[-1].isoformat()], box.env, logs, "tick")
    _watch_waiting(outcome, [tick, backfill])
    outcome.codes = [backfill.wait(DEADLINE), tick.wait(DEADLINE)]
    outcome.seconds = time.monotonic() - began
    return outcome


def _run_worker_pid(instance, run_id: str) -> int | None:
    import dagster as dg

    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        match = STARTED_PID.search(entry.dagster_event.message or "")
        if match:
            return int(match.group(1))
    return None


def dead_daemon_run(box: Sandboxes, day: date) -> Outcome:
    outcome = Outcome("a daemon-launched run killed with SIGKILL")
    logs = box.workdir / "logs"
    began = time.monotonic()
    backfill = start(
        ["backfill", "--start", day.isoformat(), "--end", day.isoformat()], box.env, logs, "dead"
    )
    with _instance(box) as instance:
        pid = None
        while backfill.process.poll() is None and time.monotonic() - began < DEADLINE:
            holders = _holders(instance)
            pid = _run_worker_pid(instance, holders[0]) if holders else None
            if pid is not None:
                break
            time.sleep(0.05)
        if pid is None:
            outcome.notes.append("the backfill's run never held the pool")
            outcome.codes = [backfill.wait(DEADLINE)]
            return outcome
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        outcome.notes.append(f"run worker pid {pid} killed holding the {POOL} slot")
        rerun = start(["sync", "--date", day.isoformat()], box.env, logs, "after-dead")
        _watch_waiting(outcome, [rerun])
        outcome.codes = [rerun.wait(DEADLINE), backfill.wait(DEADLINE)]
    said = rerun.stderr
    free = re.search(r"The jurnal_api pool is free after (\d+) s", said)
    if free:
        outcome.slot_after = time.monotonic() - killed  # bounded above by the re-run's end
        outcome.slot_after = float(free.group(1)) + (rerun.started - killed)
    elif outcome.codes[0] == 0:
        outcome.slot_after = rerun.started - killed  # it never had to wait
    outcome.seconds = time.monotonic() - began
    outcome.notes.append(f"backfill exit {outcome.codes[1]} (its killed day fails, as it should)")
    return outcome


def measure(scale: str) -> Section:
    days, per_outlet = SCALES[scale]
    began = time.perf_counter()
    with (
        scratch_workdir("jp-concurrency-") as workdir,
        running_sandboxes(
            workdir,
            days=days,
            orders_per_outlet_per_day=per_outlet,
            jurnal_faults=JURNAL_FAULTS,
            seed=SEED,
        ) as box,
    ):
        twice = same_day_twice(box, box.days[0])
        tick = tick_during_backfill(box, box.days[1:-1] or box.days[1:2])
        dead = dead_daemon_run(box, box.days[-1])
        result = audit(box)
    seconds = time.perf_counter() - began
    return _section(scale, [twice, tick, dead], result, seconds)


def _section(scale: str, outcomes: list[Outcome], result, seconds: float) -> Section:
    twice, tick, dead = outcomes
    waits = [o for o in outcomes if o.waiting_cpu is not None]
    figures: dict[str, int | float | str] = {
        "same day twice: both finished (exit 0)": sum(1 for c in twice.codes if c == 0),
        "tick during a backfill: backfill and tick finished (exit 0)": sum(
            1 for c in tick.codes if c == 0
        ),
        "dead daemon run: next run of its day finished (exit 0)": int(dead.codes[:1] == [0]),
        "seconds from the kill to the next run's slot": (
            round(dead.slot_after, 1) if dead.slot_after is not None else "never"
        ),
        "hung commands": sum(o.hung for o in outcomes),
        "CPU of a run waiting for the pool (its quietest second, share of a core)": (
            round(max(o.waiting_cpu or 0.0 for o in waits), 3) if waits else "no wait seen"
        ),
        **result.figures(),
        "seconds": round(seconds, 1),
    }
    passed = (
        all(c == 0 for c in twice.codes)
        and all(c == 0 for c in tick.codes)
        and dead.codes[:1] == [0]
        and not any(o.hung for o in outcomes)
        and all((o.waiting_cpu or 0.0) < 0.2 for o in waits)
        and result.ok
    )
    notes = []
    for o in outcomes:
        codes = ", ".join("hung" if c is None else f"exit {c}" for c in o.codes)
        line = f"- {o.name}: {codes} in {o.seconds:.0f} s"
        if o.waiting_line:
            cpu = "" if o.waiting_cpu is None else f" (CPU while waiting: {o.waiting_cpu:.1%})"
            line += f"; it said `{o.waiting_line}`{cpu}"
        if o.notes:
            line += "; " + "; ".join(o.notes)
        notes.append(line)
    if result.missing:
        notes.append("- missing orders: " + ", ".join(result.missing[:20]))
    return Section(TITLE, COMMAND.format(scale=scale), figures, passed, "\n".join(notes))
