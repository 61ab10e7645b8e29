"""The process that runs a run, named in the run's tags so that another process can later
tell whether it still runs (a pid alone can be reused: the process's start time tells).

The tags also name the run they were written for: Dagster copies a run's tags to its retry,
and the retry, queued or starting, is not run by the process its parent's tags name."""

from __future__ import annotations

import os
import socket
from pathlib import Path

PID_TAG = "journal_pipeline/pid"
HOST_TAG = "journal_pipeline/host"
PROCESS_START_TAG = "journal_pipeline/process_start"
RUN_TAG = "journal_pipeline/process_of_run"  # the run the process tags were written for


def _process_stat(pid: int) -> list[str] | None:
    """Fields 3.. of ``/proc/<pid>/stat`` (state first), or None where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def _process_start(pid: int) -> str | None:
    """When the process started, in clock ticks since boot: tells a reused pid apart."""
    fields = _process_stat(pid)
    return fields[19] if fields and len(fields) > 19 else None


def process_tags(run_id: str) -> dict[str, str]:
    """Tags for run ``run_id`` naming this process as the one running it, so that a later
    process can tell whether it still runs."""
    tags = {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname(), RUN_TAG: run_id}
    start = _process_start(os.getpid())
    if start is not None:
        tags[PROCESS_START_TAG] = start
    return tags


def process_alive(pid: int, start: str | None = None) -> bool:
    """Whether process ``pid`` of this host runs (a zombie or a reused pid does not count)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    fields = _process_stat(pid)
    if fields is None:
        return True  # no /proc: the signal check is all there is
    if fields[0] == "Z":
        return False
    return start is None or len(fields) <= 19 or fields[19] == start
