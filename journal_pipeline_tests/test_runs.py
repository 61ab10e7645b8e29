"""Runs whose process died: found, marked failed, their pool slot freed; waiting for a pool
sleeps and says who holds it. On real SQLite-backed Dagster instances."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import uuid
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext
from dagster._core.storage.noop_compute_log_manager import NoOpComputeLogManager as NOOP_LOGS

from journal_pipeline import runs
from journal_pipeline.config import load_config
from journal_pipeline.core import processes
from journal_pipeline.definitions import SYNC_JOB, build_definitions
from journal_pipeline.defs.assets import JURNAL_POOL
from journal_pipeline.defs.resources import JurnalResource
from journal_sandbox.defaults import DEMO_CONFIG

ROOT = Path(__file__).resolve().parents[1]
POOLS = {"concurrency": {"pools": {"default_limit": 1}}}
# A run in a thread here captures no compute logs: Dagster's capture tails them through two
# child processes it ends with SIGTERM, waiting up to 30 s for each; under the full parallel
# suite the run's thread was found still in those waits a minute after its step could run.
QUIET_LOGS = {"compute_logs": {"module": NOOP_LOGS.__module__, "class": NOOP_LOGS.__name__}}
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
DIED = re.compile(
    r"Run (?P<run>[0-9a-f]{8}) \((?P<day>[\d-]+)\) died at [\d: -]+ without finishing; "
    r"marked failed and freed its jurnal_api slot\."
)


def _finished_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=30)
    return process.pid


def _add_run(
    instance,
    tags: dict[str, str],
    day: str = "2026-11-19",
    *,
    copied_from: str | None = None,
    status: dg.DagsterRunStatus = dg.DagsterRunStatus.STARTED,
) -> dg.DagsterRun:
    """A run of the sync job. Process tags in ``tags`` name it as `process_tags(run_id)` does,
    unless they were ``copied_from`` another run (a retry's, before its worker starts)."""
    run_id = str(uuid.uuid4())
    if runs.PID_TAG in tags:
        tags = {**tags, processes.RUN_TAG: copied_from or run_id}
    return instance.add_run(
        dg.DagsterRun(
            job_name=SYNC_JOB,
            run_id=run_id,
            status=status,
            tags={**tags, runs.PARTITION_TAG: day},
        )
    )


def _this_process() -> dict[str, str]:
    """This process's tags, for `_add_run` to name its run with."""
    return runs.process_tags("named by _add_run")


def _claim(instance, run: dg.DagsterRun, step: str = "jurnal_sales_invoices") -> None:
    storage = instance.event_log_storage
    storage.initialize_concurrency_limit_to_default(JURNAL_POOL)
    assert storage.claim_concurrency_slot(JURNAL_POOL, run.run_id, step).is_claimed


def _stack(thread: threading.Thread) -> str:
    """Where ``thread`` is, to say why it has not finished."""
    frame = sys._current_frames().get(thread.ident or 0)
    return "".join(traceback.format_stack(frame)) if frame is not None else "(no frame)"


def _holders(instance) -> list[str]:
    return [
        s.run_id for s in instance.event_log_storage.get_concurrency_info(JURNAL_POOL).claimed_slots
    ]


def _status(instance, run: dg.DagsterRun) -> dg.DagsterRunStatus:
    return instance.get_run_by_id(run.run_id).status


# -- the pieces --------------------------------------------------------------------------------
def test_a_process_is_alive_until_it_ends_and_a_reused_pid_is_not_it():
    me = runs.process_tags("a-run")
    assert me[runs.PID_TAG] == str(os.getpid()) and me[processes.RUN_TAG] == "a-run"
    assert runs.process_alive(os.getpid(), me.get(runs.PROCESS_START_TAG))
    assert not runs.process_alive(_finished_pid())
    if runs.PROCESS_START_TAG in me:  # where /proc tells when a process started
        assert not runs.process_alive(os.getpid(), "1")


def test_dead_runs_are_marked_failed_and_their_slot_freed(tmp_path):
    with dg.instance_for_test(temp_dir=str(tmp_path), overrides=POOLS) as instance:
        host = socket.gethostname()
        dead = _add_run(instance, {runs.PID_TAG: str(_finished_pid()), runs.HOST_TAG: host})
        alive = _add_run(instance, _this_process())
        untagged = _add_run(instance, {})
        elsewhere = _add_run(instance, {runs.PID_TAG: "1", runs.HOST_TAG: f"not-{host}"})
        _claim(instance, dead)

        recovered = runs.recover_dead_runs(instance)

        assert [r.run_id for r in recovered] == [dead.run_id]
        line = recovered[0].describe()
        assert DIED.fullmatch(line), line
        assert line.startswith(f"Run {dead.run_id[:8]} (2026-11-19) died at ")
        assert _status(instance, dead) == dg.DagsterRunStatus.FAILURE
        assert _holders(instance) == []
        for other in (alive, untagged, elsewhere):
            assert _status(instance, other) == dg.DagsterRunStatus.STARTED
        assert runs.recover_dead_runs(instance) == []  # once is enough


def test_a_retry_is_not_judged_by_the_process_tags_it_copied_from_its_parent(tmp_path):
    """Dagster copies a run's tags to its retry: until the retry's own worker names itself,
    the dead process its tags name is its parent's, and the retry is left alone."""
    with dg.instance_for_test(temp_dir=str(tmp_path), overrides=POOLS) as instance:
        host = socket.gethostname()
        parent_tags = {runs.PID_TAG: str(_finished_pid()), runs.HOST_TAG: host}
        parent = _add_run(instance, parent_tags, status=dg.DagsterRunStatus.FAILURE)
        retry = _add_run(
            instance,
            {**parent.tags, "dagster/retry_number": "1"},
            copied_from=parent.run_id,
            status=dg.DagsterRunStatus.STARTING,
        )
        assert runs.run_process_alive(retry) is None
        assert runs.recover_dead_runs(instance) == []
        assert _status(instance, retry) == dg.DagsterRunStatus.STARTING

        # its worker names itself, then dies holding the slot: now it is found
        instance.add_run_tags(retry.run_id, {processes.RUN_TAG: retry.run_id})
        _claim(instance, instance.get_run_by_id(retry.run_id))
        assert [r.run_id for r in runs.recover_dead_runs(instance)] == [retry.run_id]
        assert _holders(instance) == []


def test_a_slot_still_held_by_an_ended_run_is_freed(tmp_path):
    """A daemon-launched run whose worker is killed is marked failed by its code server, but
    its slot stays taken: nothing else would free it before run monitoring, minutes later."""
    with dg.instance_for_test(temp_dir=str(tmp_path), overrides=POOLS) as instance:
        ended = _add_run(instance, {})  # launched by the daemon: no process tags
        _claim(instance, ended)
        instance.report_run_failed(instance.get_run_by_id(ended.run_id), "worker killed")
        assert _holders(instance) == [ended.run_id]  # the run's end did not free it

        freed = runs.recover_dead_runs(instance)

        assert [r.run_id for r in freed] == [ended.run_id]
        assert (
            freed[0]
            .describe()
            .startswith(f"Run {ended.run_id[:8]} (2026-11-19) ended (failure) at ")
        ), freed[0].describe()
        assert freed[0].describe().endswith("still holding its slot of jurnal_api; freed it.")
        assert _holders(instance) == []
        running = _add_run(instance, _this_process(), day="2026-11-20")
        _claim(instance, running, step="jurnal_products")  # the next run gets the slot
        assert runs.recover_dead_runs(instance) == []  # and keeps it while it runs
        assert _holders(instance) == [running.run_id]


def test_an_assigned_claim_of_an_ended_run_is_freed(tmp_path):
    """A run killed while its step waited for the slot: the slot was assigned to its queued
    claim when the holder before it finished, the run was marked failed before the step took
    it, and the assigned claim holds the pool as a slot would."""
    with dg.instance_for_test(temp_dir=str(tmp_path), overrides=POOLS) as instance:
        storage = instance.event_log_storage
        first = _add_run(instance, {})
        _claim(instance, first)
        waiting = _add_run(instance, {}, day="2026-11-20")  # launched by the daemon
        assert not storage.claim_concurrency_slot(
            JURNAL_POOL, waiting.run_id, "jurnal_cash_counts"
        ).is_claimed
        storage.free_concurrency_slots_for_run(first.run_id)  # assigns the slot to the claim
        instance.report_run_failed(instance.get_run_by_id(first.run_id), "finished")
        instance.report_run_failed(instance.get_run_by_id(waiting.run_id), "worker killed")
        holders, _ = runs.pool_holders(instance, JURNAL_POOL)
        assert [h.run_id for h in holders] == [waiting.run_id]  # assigned, never claimed

        freed = runs.recover_dead_runs(instance)

        assert [r.run_id for r in freed] == [waiting.run_id]
        assert runs.pool_holders(instance, JURNAL_POOL)[0] == []
        sleeps: list[float] = []
        assert runs.wait_for_pool(instance, JURNAL_POOL, print, sleep=sleeps.append) >= 0
        assert sleeps == []  # the pool is free at once


def test_a_run_is_named_with_its_process_before_its_steps_run(tmp_path):
    """A run nobody tagged (launched by the daemon, a backfill or the UI) is named with the
    process running it as its Jurnal resource starts, before any step claims a slot: killed
    then, the next command finds it dead instead of waiting for Dagster's run monitoring."""
    seen: dict[str, str] = {}

    @dg.asset(pool=JURNAL_POOL)
    def posts(context, jurnal: JurnalResource) -> None:
        seen.update(context.instance.get_run_by_id(context.run.run_id).tags)

    with dg.instance_for_test(temp_dir=str(tmp_path), overrides=POOLS) as instance:
        result = dg.materialize(
            [posts], instance=instance, resources={"jurnal": JurnalResource(api_key="k")}
        )
        assert result.success
        tags = instance.get_run_by_id(result.run_id).tags
        assert seen[runs.PID_TAG] == str(os.getpid())  # already while its step ran
        named = processes.process_tags(result.run_id)
        assert {key: tags[key] for key in named} == named

        run = _add_run(instance, tags)  # named as the worker names it, killed mid-step
        _claim(instance, run)
        assert runs.recover_dead_runs(instance) == []  # its process is alive: the slot stays
        dead = _add_run(instance, {**tags, runs.PID_TAG: str(_finished_pid())})
        assert [r.run_id for r in runs.recover_dead_runs(instance)] == [dead.run_id]


def test_every_step_of_the_jurnal_pool_starts_the_resource_that_names_its_run():
    defs = build_definitions(load_config(DEMO_CONFIG), resources={})
    pool_steps = {
        asset.op.name: asset.required_resource_keys
        for asset in defs.assets or []
        if isinstance(asset, dg.AssetsDefinition) and asset.op.pool == JURNAL_POOL
    }
    assert len(pool_steps) >= 8, sorted(pool_steps)
    assert {name for name, keys in pool_steps.items() if "jurnal" not in keys} == set()


def test_waiting_for_a_pool_sleeps_and_names_who_holds_it(tmp_path):
    with dg.instance_for_test(temp_dir=str(tmp_path), overrides=POOLS) as instance:
        holder = _add_run(instance, _this_process())
        _claim(instance, holder)
        naps: list[float] = []
        said: list[str] = []

        def sleep(seconds: float) -> None:
            naps.append(seconds)
            if len(naps) == 3:  # the holder finishes while we wait
                instance.event_log_storage.free_concurrency_slots_for_run(holder.run_id)

        runs.wait_for_pool(instance, JURNAL_POOL, said.append, sleep=sleep)

        assert naps == sorted(naps) and naps[0] > 0
        assert len(said) == 2, said  # who holds it (once), then that it is free
        assert said[0].startswith(
            f"Waiting for the jurnal_api pool: held by run {holder.run_id[:8]} "
            f"(2026-11-19, jurnal_sales_invoices, pid {os.getpid()} on {socket.gethostname()})"
            " since "
        ), said[0]
        assert said[1].startswith("The jurnal_api pool is free after ")


def test_a_step_waiting_for_a_slot_sleeps_between_claims(tmp_path):
    """Dagster's in-process executor re-checks a blocked claim in a loop that never sleeps
    (`interval_to_next_pending_claim_check` returns at most 0); `avoid_busy_wait` fixes that."""
    assert runs.avoid_busy_wait()
    with dg.instance_for_test(temp_dir=str(tmp_path), overrides=POOLS) as instance:
        holder = _add_run(instance, _this_process())
        _claim(instance, holder)
        waiting = _add_run(instance, {}, day="2026-11-20")
        with InstanceConcurrencyContext(instance, waiting) as context:
            assert not context.claim(JURNAL_POOL, "jurnal_products")
            assert context.interval_to_next_pending_claim_check() > 0


def test_a_blocked_step_says_which_pool_and_runs_once_the_slot_is_free(tmp_path):
    runs.avoid_busy_wait()

    @dg.asset(pool=JURNAL_POOL)
    def posted() -> int:
        return 1

    job = dg.Definitions(
        assets=[posted], jobs=[dg.define_asset_job("post", selection=[posted])]
    ).resolve_job_def("post")
    overrides = {**POOLS, **QUIET_LOGS}
    with dg.instance_for_test(temp_dir=str(tmp_path), overrides=overrides) as instance:
        holder = _add_run(instance, _this_process())
        _claim(instance, holder)
        run_id = str(uuid.uuid4())
        blocked: list[str] = []
        instance.add_event_listener(
            run_id, lambda entry: blocked.append(runs.blocked_pool(entry) or "")
        )
        results = []
        thread = threading.Thread(
            target=lambda: results.append(
                job.execute_in_process(instance=instance, run_id=run_id, run_config=QUIET)
            )
        )
        thread.start()
        while JURNAL_POOL not in blocked and thread.is_alive():
            time.sleep(0.05)
        clock = (
            time.pthread_getcpuclockid(thread.ident)
            if hasattr(time, "pthread_getcpuclockid")
            else None
        )
        if clock is not None:  # a figure to look at, not a test: no timing is asserted
            used, start = time.clock_gettime(clock), time.monotonic()
            time.sleep(1.0)
            share = (time.clock_gettime(clock) - used) / (time.monotonic() - start)
            print(f"executor thread CPU while its step waits for the slot: {share:.0%} of a core")
        instance.event_log_storage.free_concurrency_slots_for_run(holder.run_id)
        thread.join(timeout=60)
        assert not thread.is_alive(), _stack(thread)
        assert results and results[0].success
        assert JURNAL_POOL in blocked


# -- the command -------------------------------------------------------------------------------
@pytest.fixture
def dagster_home(tmp_path) -> Path:
    """A DAGSTER_HOME with the repository's dagster.yaml (one jurnal_api slot)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    return home


@pytest.fixture
def sync_env(iseller_sandbox, jurnal_sandbox, dagster_home, tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ISELLER_", "JURNAL_"))}
    env.update(iseller_sandbox.env)
    env.update(jurnal_sandbox.env)
    env["JOURNAL_PIPELINE_CONFIG"] = str(DEMO_CONFIG)
    env["STAGING_DATABASE_URL"] = f"sqlite:///{tmp_path / 'staging.db'}"
    env["DAGSTER_HOME"] = str(dagster_home)
    return env


def _start_holder(env: dict[str, str], day: str) -> tuple[subprocess.Popen, str]:
    """A process that holds the jurnal_api slot as `sync` does: a run of the sync job tagged
    with that process, whose invoice step has claimed the slot."""
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    tags = {runs.PID_TAG: str(holder.pid), runs.HOST_TAG: socket.gethostname()}
    start = processes._process_start(holder.pid)
    if start is not None:
        tags[runs.PROCESS_START_TAG] = start
    instance = dg.DagsterInstance.from_config(env["DAGSTER_HOME"])
    try:
        run = _add_run(instance, tags, day)
        _claim(instance, run)
    finally:
        instance.dispose()
    return holder, run.run_id


def _sync(env: dict[str, str], day: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "journal_pipeline.cli", "sync", "--date", day],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _check_after(env: dict[str, str], dead_run_id: str) -> None:
    instance = dg.DagsterInstance.from_config(env["DAGSTER_HOME"])
    try:
        assert instance.get_run_by_id(dead_run_id).status == dg.DagsterRunStatus.FAILURE
        assert _holders(instance) == []
        latest = instance.get_run_records(filters=dg.RunsFilter(job_name=SYNC_JOB), limit=1)[0]
        assert latest.dagster_run.status == dg.DagsterRunStatus.SUCCESS
    finally:
        instance.dispose()


def test_sync_after_a_killed_run_frees_its_slot_and_completes(sync_env):
    day = "2026-11-19"
    holder, dead_run_id = _start_holder(sync_env, day)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)

    started = time.monotonic()
    sync = _sync(sync_env, day)
    stdout, stderr = sync.communicate(timeout=180)
    print(f"sync after a killed run: {time.monotonic() - started:.1f} s")

    assert sync.returncode == 0, stderr[-3000:]
    died = [line for line in stderr.splitlines() if DIED.fullmatch(line)]
    assert len(died) == 1, stderr
    assert died[0].startswith(f"Run {dead_run_id[:8]} ({day}) died at ")
    assert stdout.startswith(f"{day} synced."), stdout
    assert "Traceback" not in stdout + stderr
    _check_after(sync_env, dead_run_id)


def test_sync_waits_asleep_for_a_live_holder_and_frees_it_once_it_dies(sync_env):
    day = "2026-11-16"  # a day without orders: the run still needs the pool for its products
    holder, holder_run_id = _start_holder(sync_env, day)
    sync = _sync(sync_env, day)
    try:
        said = [sync.stderr.readline()]
        while said[-1] and not said[-1].startswith("Waiting") and len(said) < 20:
            said.append(sync.stderr.readline())  # past any warning of a library
        assert said[-1].startswith(
            f"Waiting for the jurnal_api pool: held by run {holder_run_id[:8]} "
            f"({day}, jurnal_sales_invoices, pid {holder.pid} on {socket.gethostname()}) since "
        ), said
        used = _cpu_seconds(sync.pid)
        if used is not None:  # a figure to look at, not a test: no timing is asserted
            start = time.monotonic()
            time.sleep(1.0)
            share = (_cpu_seconds(sync.pid) - used) / (time.monotonic() - start)
            print(f"sync CPU while waiting for the jurnal_api pool: {share:.0%} of a core")
    finally:
        holder.send_signal(signal.SIGKILL)  # the holder dies while `sync` waits for it
        holder.wait(timeout=30)
        try:
            stdout, stderr = sync.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            sync.kill()
            raise

    assert sync.returncode == 0, stderr[-3000:]
    lines = stderr.splitlines()
    assert DIED.fullmatch(lines[0]) and lines[0].startswith(f"Run {holder_run_id[:8]} "), lines
    assert lines[1].startswith("The jurnal_api pool is free after "), lines
    assert stdout.startswith(f"{day} synced."), stdout
    _check_after(sync_env, holder_run_id)
