"""What the kill and concurrency scenarios share (beside `common`): `journal-pipeline` commands
as subprocesses with their output in files, the CPU a process uses, and the progress of a run
read from the staging database while it runs (or after it died): the day's outbox by state,
and whether a write transaction is open right now.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from benchmarks.reliability.common import REPO

PIPELINE = Path(sys.executable).with_name("journal-pipeline")


# -- commands -----------------------------------------------------------------------------------
@dataclass
class Command:
    """A `journal-pipeline` command started as a subprocess; its output goes to files."""

    args: list[str]
    process: subprocess.Popen
    out: Path
    err: Path
    started: float

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None when it had not ended within ``timeout`` seconds (then it
        is killed: a hang is reported, never waited for forever)."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    @property
    def stdout(self) -> str:
        return self.out.read_text(errors="replace") if self.out.exists() else ""

    @property
    def stderr(self) -> str:
        return self.err.read_text(errors="replace") if self.err.exists() else ""


def start(args: list[str], env: dict[str, str], logs: Path, name: str) -> Command:
    """``journal-pipeline ARGS`` as a subprocess, its output in ``logs/NAME.out`` and ``.err``."""
    logs.mkdir(parents=True, exist_ok=True)
    out, err = logs / f"{name}.out", logs / f"{name}.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [str(PIPELINE), *args],
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            cwd=REPO,
            stdout=stdout,
            stderr=stderr,
        )
    return Command(args, process, out, err, time.monotonic())


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` (None without /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_share(pid: int, seconds: float = 2.0) -> float | None:
    """The share of one core process ``pid`` used over ``seconds``."""
    used = cpu_seconds(pid)
    if used is None:
        return None
    began = time.monotonic()
    time.sleep(seconds)
    after = cpu_seconds(pid)
    if after is None:
        return None
    return (after - used) / (time.monotonic() - began)


# -- progress of a run, from the staging database -----------------------------------------------
@dataclass(frozen=True)
class Outbox:
    """A day's documents by state: posted, pending and attempted (pending with attempts > 0:
    sent to Jurnal, or about to be, with no answer recorded yet)."""

    total: int = 0
    posted: int = 0
    pending: int = 0
    attempted: int = 0


def outbox_of(staging_db: Path, day: date) -> Outbox:
    """The day's outbox, read without waiting for a writer (an empty one when there is none
    yet)."""
    if not staging_db.exists():
        return Outbox()
    try:
        with sqlite3.connect(f"file:{staging_db}?mode=ro", uri=True, timeout=0.2) as conn:
            rows = conn.execute(
                "select status, attempts from outbox where business_date = ?", (day.isoformat(),)
            ).fetchall()
    except sqlite3.Error:
        return Outbox()
    return Outbox(
        total=len(rows),
        posted=sum(1 for s, _ in rows if s == "posted"),
        pending=sum(1 for s, _ in rows if s == "pending"),
        attempted=sum(1 for s, a in rows if s == "pending" and (a or 0) > 0),
    )


def writer_active(staging_db: Path) -> bool:
    """Whether a write transaction is open on the staging database right now: another
    connection cannot take its write lock. (Taking it, when free, is released at once.)"""
    if not staging_db.exists():
        return False
    try:
        conn = sqlite3.connect(str(staging_db), timeout=0, isolation_level=None)
    except sqlite3.Error:
        return False
    try:
        conn.execute("begin immediate")
        conn.execute("rollback")
        return False
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc) or "busy" in str(exc)
    finally:
        conn.close()
