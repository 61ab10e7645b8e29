"""Runs started in this process: tagged with the process that runs them, found again when that
process is gone, and waiting for a pool slot without spinning the CPU.

A run started in process (``job.execute_in_process``, as `journal-pipeline sync` does) has no
run launcher and no run worker that Dagster's run monitoring could watch. When its process
dies without cleaning up (SIGKILL, out of memory, a reboot), the run stays STARTED forever and
keeps the concurrency slot its step held: every later run that needs the pool waits for it.

- `process_tags` names the process (pid, host, start time) in the run's tags: `sync` names
  its runs as it starts them, and every other run (launched by the daemon, a backfill or the
  UI) is named by its run worker as its Jurnal resource starts, before a step takes a slot
  (`defs.resources.name_the_run_process`);
- `recover_dead_runs` finds active runs whose process is gone, marks them failed and frees
  their slots (runs without these tags are left to Dagster's run monitoring), and frees the
  slots that runs already ended still hold (a daemon-launched run whose worker was killed is
  marked failed by its code server, but its slot stays taken until run monitoring, if a
  daemon runs at all, frees it `free_slots_after_run_end_seconds` later);
- `wait_for_pool` sleeps until a pool has a free slot, saying who holds it and since when;
- `avoid_busy_wait` makes Dagster's in-process executor sleep while a step waits for a slot.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import dagster as dg

from journal_pipeline.core.processes import (
    HOST_TAG,
    PID_TAG,
    PROCESS_START_TAG,
    RUN_TAG,
    process_alive,
    process_tags,  # noqa: F401 (the CLI names the process of the runs it starts with it)
)

PARTITION_TAG = "dagster/partition"
ACTIVE_STATUSES = (
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
)

Echo = Callable[[str], None]


def named_process(run: dg.DagsterRun) -> tuple[int, str | None] | None:
    """The pid and start time of the process this host's run is tagged with (`process_tags`);
    None when it is not tagged, tagged on another host, or its tags were copied from another
    run (a retry carries its parent's tags until its own worker names itself)."""
    tags = run.tags
    if tags.get(HOST_TAG) != socket.gethostname() or tags.get(RUN_TAG) != run.run_id:
        return None
    try:
        return int(tags.get(PID_TAG, "")), tags.get(PROCESS_START_TAG)
    except ValueError:
        return None


def run_process_alive(run: dg.DagsterRun) -> bool | None:
    """True/False for a run named by `process_tags` on this host; None when it cannot be told
    (`named_process`)."""
    named = named_process(run)
    return None if named is None else process_alive(*named)


# -- runs whose process is gone -------------------------------------------------------------
@dataclass(frozen=True)
class DeadRun:
    """A run marked failed because its process was gone, and the pools it held a slot of."""

    run_id: str
    partition: str | None
    last_seen: datetime | None
    pools: tuple[str, ...]
    ended: str | None = None  # the status of a run that had ended still holding slots

    def describe(self) -> str:
        day = f" ({self.partition})" if self.partition else ""
        when = f" at {clock(self.last_seen)}" if self.last_seen else ""
        if self.ended is not None:
            return (
                f"Run {short(self.run_id)}{day} ended ({self.ended.lower()}){when} still holding "
                f"its slot of {', '.join(self.pools)}; freed it."
            )
        if len(self.pools) == 1:
            freed = f" and freed its {self.pools[0]} slot"
        elif self.pools:
            freed = f" and freed its slots of {', '.join(self.pools)}"
        else:
            freed = ""
        return f"Run {short(self.run_id)}{day} died{when} without finishing; marked failed{freed}."


def short(run_id: str) -> str:
    return run_id[:8]


def clock(moment: datetime) -> str:
    """Local time of day, with the date when it is not today."""
    local = moment.astimezone()
    if local.date() == datetime.now().astimezone().date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def _supports_pools(instance: dg.DagsterInstance) -> bool:
    return bool(getattr(instance.event_log_storage, "supports_global_concurrency_limits", False))


def _last_seen(instance: dg.DagsterInstance, record) -> datetime | None:
    records = instance.get_records_for_run(record.dagster_run.run_id, limit=1, ascending=False)
    if records.records:
        return datetime.fromtimestamp(records.records[0].timestamp, UTC)
    return record.update_timestamp


def _slot_pools(instance: dg.DagsterInstance, run_id: str) -> tuple[str, ...]:
    """The pools in which ``run_id`` holds a slot."""
    if not _supports_pools(instance):
        return ()
    storage = instance.event_log_storage
    infos = storage.get_concurrency_infos(sorted(storage.get_concurrency_keys()))
    return tuple(
        key
        for key, info in infos.items()
        if any(slot.run_id == run_id for slot in info.claimed_slots)
    )


def find_dead_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """Active runs (starting, started, canceling) started on this host by a process that is
    gone. Runs without `process_tags` are not looked at."""
    records = instance.get_run_records(
        filters=dg.RunsFilter(statuses=list(ACTIVE_STATUSES), tags={HOST_TAG: socket.gethostname()})
    )
    return [r.dagster_run for r in records if run_process_alive(r.dagster_run) is False]


def recover_dead_runs(instance: dg.DagsterInstance) -> list[DeadRun]:
    """Mark every dead run (`find_dead_runs`) failed and free its concurrency slots and queued
    claims, so that it blocks no later run. Returns what was done, one `DeadRun` each."""
    recovered = []
    for run in find_dead_runs(instance):
        record = instance.get_run_record_by_id(run.run_id)
        if record is None or record.dagster_run.status not in ACTIVE_STATUSES:
            continue  # finished meanwhile, or another process recovered it
        pools = _slot_pools(instance, run.run_id)
        last_seen = _last_seen(instance, record)
        instance.report_run_failed(
            record.dagster_run,
            f"The process that ran this run (pid {run.tags.get(PID_TAG)} on "
            f"{run.tags.get(HOST_TAG)}) ended without finishing it. Marked failed by "
            f"journal-pipeline (pid {os.getpid()}), which freed its concurrency slots.",
        )
        if _supports_pools(instance):
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        recovered.append(DeadRun(run.run_id, run.tags.get(PARTITION_TAG), last_seen, pools))
    return recovered + free_slots_of_ended_runs(instance)


def free_slots_of_ended_runs(instance: dg.DagsterInstance) -> list[DeadRun]:
    """Free the slots held by runs that have ended (success, failure, canceled), and their
    queued claims: a claim already assigned a slot counts as a holder of the pool.

    The job's steps run in the run's own process (the in-process executor), so no step of an
    ended run can still use a slot. Dagster frees them itself when a run ends normally; a run
    whose worker was killed is marked failed by its code server (or the daemon) with its slot
    or its assigned claim still taken."""
    if not _supports_pools(instance):
        return []
    storage = instance.event_log_storage
    infos = storage.get_concurrency_infos(sorted(storage.get_concurrency_keys()))
    pools: dict[str, list[str]] = {}
    for key, info in infos.items():
        holders = [slot.run_id for slot in info.claimed_slots]
        holders += [step.run_id for step in info.pending_steps]
        for run_id in dict.fromkeys(holders):
            pools.setdefault(run_id, []).append(key)
    freed = []
    for run_id, keys in pools.items():
        record = instance.get_run_record_by_id(run_id)
        if record is None or not record.dagster_run.is_finished:
            continue
        storage.free_concurrency_slots_for_run(run_id)
        run = record.dagster_run
        freed.append(
            DeadRun(
                run_id,
                run.tags.get(PARTITION_TAG),
                datetime.fromtimestamp(record.end_time, UTC) if record.end_time else None,
                tuple(sorted(keys)),
                ended=run.status.value,
            )
        )
    return freed


# -- waiting for a pool ---------------------------------------------------------------------
@dataclass(frozen=True)
class SlotHolder:
    run_id: str
    step_key: str
    since: datetime | None
    run: dg.DagsterRun | None

    def describe(self) -> str:
        details = []
        if self.run is not None and self.run.tags.get(PARTITION_TAG):
            details.append(self.run.tags[PARTITION_TAG])
        details.append(self.step_key)
        if self.run is not None and named_process(self.run) is not None:
            details.append(f"pid {self.run.tags[PID_TAG]} on {self.run.tags.get(HOST_TAG)}")
        since = f" since {clock(self.since)}" if self.since else ""
        return f"run {short(self.run_id)} ({', '.join(details)}){since}"


def pool_holders(
    instance: dg.DagsterInstance, pool: str, exclude_run_id: str | None = None
) -> tuple[list[SlotHolder], int | None]:
    """Who holds (or has been assigned) the slots of ``pool``, and the pool's limit (None: the
    pool is not limited)."""
    if not _supports_pools(instance):
        return [], None
    info = instance.event_log_storage.get_concurrency_info(pool)
    assigned = {
        (step.run_id, step.step_key): step.assigned_timestamp
        for step in info.pending_steps
        if step.assigned_timestamp is not None
    }
    keys = dict.fromkeys([(s.run_id, s.step_key) for s in info.claimed_slots] + list(assigned))
    holders = [
        SlotHolder(
            run_id, step_key, assigned.get((run_id, step_key)), instance.get_run_by_id(run_id)
        )
        for run_id, step_key in keys
        if run_id != exclude_run_id
    ]
    return holders, info.limit


def wait_for_pool(
    instance: dg.DagsterInstance,
    pool: str,
    echo: Echo,
    *,
    sleep: Callable[[float], None] = time.sleep,
    first_interval: float = 1.0,
    max_interval: float = 10.0,
) -> float:
    """Sleep until ``pool`` has a free slot; returns the seconds waited.

    Says once who holds the pool (and again whenever that changes), and looks for dead runs
    between checks, so that a holder whose process dies while we wait is freed as well.
    Holders Dagster cannot vouch for (started elsewhere) are waited for as long as they hold.
    """
    started = time.monotonic()
    interval = first_interval
    shown: tuple | None = None
    while True:
        for dead in recover_dead_runs(instance):
            echo(dead.describe())
        holders, limit = pool_holders(instance, pool)
        if limit is None or len(holders) < limit:
            waited = time.monotonic() - started
            if shown is not None:
                echo(f"The {pool} pool is free after {waited:.0f} s; starting.")
            return waited
        key = tuple((h.run_id, h.step_key) for h in holders)
        if key != shown:
            shown = key
            echo(waiting_message(pool, holders))
        sleep(interval)
        interval = min(max_interval, interval * 1.5)


def waiting_message(pool: str, holders: Iterable[SlotHolder]) -> str:
    holders = list(holders)
    if not holders:
        return f"Waiting for the {pool} pool."
    text = f"Waiting for the {pool} pool: held by " + "; ".join(h.describe() for h in holders)
    if any(h.run is None or run_process_alive(h.run) is None for h in holders):
        text += (
            ". A run started elsewhere is only freed by Dagster (run monitoring, or Terminate "
            "in the UI) if its process is gone"
        )
    return text + "."


def blocked_pool(entry) -> str | None:
    """The pool named by a "step blocked by limit for pool" event of a run's event log."""
    event = getattr(entry, "dagster_event", None)
    if event is None or event.event_type != dg.DagsterEventType.ENGINE_EVENT:
        return None
    if not (event.message or "").startswith(("Step blocked", "Step still blocked")):
        return None
    metadata = getattr(event.event_specific_data, "metadata", None) or {}
    pool = metadata.get("pool")
    return getattr(pool, "value", pool) if pool is not None else None


# -- the executor's wait for a slot ---------------------------------------------------------
def avoid_busy_wait() -> bool:
    """Make the in-process executor sleep until its next slot claim instead of spinning.

    While a step waits for a pool slot, Dagster's in-process loop
    (``dagster._core.execution.plan.execute_plan.inner_plan_execution_iterator``) calls
    ``ActiveExecution.sleep_til_ready()``, which sleeps ``sleep_interval()``: the least of the
    waits, among them ``InstanceConcurrencyContext.interval_to_next_pending_claim_check()``.
    That method returns ``min([0, *waits])``, never more than 0, so the loop never sleeps and
    re-checks at full speed for as long as the slot is taken (the database itself is only asked
    again after the backoff of ``claim``). This replaces the method with the wait it means, the
    time to the earliest next claim check (at least 0), in this process only, and only while
    the installed Dagster still returns 0 for a claim that is not due. Returns whether the
    method is (now) replaced.
    """
    try:
        from dagster._core.execution.plan import instance_concurrency_context
    except ImportError:
        return False  # moved in this Dagster: nothing known to correct
    context_class = getattr(instance_concurrency_context, "InstanceConcurrencyContext", None)
    original = getattr(context_class, "interval_to_next_pending_claim_check", None)
    if context_class is None or original is None:
        return False
    if getattr(original, "_sleeps_until_next_claim", False):
        return True
    probe = context_class.__new__(context_class)
    probe._pending_claims = {"probe"}
    probe._pending_timeouts = {"probe": time.time() + 60}
    try:
        if original(probe) > 0:
            return False  # this Dagster already waits
    except Exception:
        return False  # its internals changed: leave them alone

    def interval_to_next_pending_claim_check(self) -> float:
        if not self._pending_claims:
            return 0.0
        now = time.time()
        due = [self._pending_timeouts.get(key) for key in self._pending_claims]
        if any(at is None for at in due):
            return 0.0  # a claim not tried yet: try it now
        return max(0.0, min(due) - now)

    interval_to_next_pending_claim_check._sleeps_until_next_claim = True  # type: ignore[attr-defined]
    context_class.interval_to_next_pending_claim_check = interval_to_next_pending_claim_check
    return True
