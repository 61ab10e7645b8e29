"""SIGKILL at random points: `journal-pipeline sync --date D` killed while it extracts, between
the outbox's record of a Jurnal call and Jurnal's answer, in the middle of a batch, and while
a staging transaction is open; each time a plain re-run of the same command resumes the day.

Kill moments come from a seeded generator applied to what can be watched from outside: the
iSeller emulator's request count, the day's outbox (documents pending with an attempt counted
and no answer recorded; documents posted while others of the day are not) and the staging
database's write lock. Jurnal's batch endpoint answers 400 ms late, which widens the window
between the outbox update and the answer. Where the run died is read again from the outbox
after the kill (a killed process writes nothing more). The re-run must finish without any
manual step and without waiting for the dead run's pool slot; then the audit: no document
twice in Jurnal, no order missing, Jurnal's ledger equal to the canonical journal.
"""

from __future__ import annotations

import dataclasses
import random
import statistics
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from benchmarks.reliability.common import (
    Sandboxes,
    Section,
    audit,
    jurnal_duplicates,
    running_sandboxes,
    scratch_workdir,
)
from benchmarks.reliability.kill_helpers import (
    Command,
    Outbox,
    outbox_of,
    start,
    writer_active,
)
from journal_pipeline.accounting.daily_summary import SUMMARY
from journal_pipeline.accounting.documents import SALES_INVOICE
from journal_pipeline.storage import tables

TITLE = "SIGKILL at random points, resumed by a plain re-run"
COMMAND = "python -m benchmarks.reliability --scale {scale} --only kills"
KINDS = ("extraction", "outbox_window", "mid_batch", "transaction")
WHERE = {
    "extraction": "during extraction",
    "outbox_window": "between the outbox update and Jurnal's answer",
    "mid_batch": "mid-batch",
    "transaction": "during a staging transaction",
}
SCALES = {  # kills (one business day each), orders per outlet per day
    "full": (20, 40),
    "ci": (5, 8),
}
JURNAL_FAULTS = "batch_create:latency=400"
SEED = 13
POLL = 0.01  # seconds between looks at the running command
KILL_DEADLINE = 120.0  # a command that reaches no kill point by then is a failed attempt
RESUME_DEADLINE = 300.0  # a re-run that has not ended by then hangs
POOL_WAIT = "Waiting for the jurnal_api pool"


@dataclass
class Kill:
    day: date
    kind: str
    after: float  # seconds from the start of the command to the kill
    at_death: Outbox  # the day's outbox after the kill
    iseller_calls: int  # requests the killed command made to iSeller
    jurnal_calls: int
    resume_code: int | None = None  # None: the re-run hung (killed at the deadline)
    resume_seconds: float = 0.0
    freed_slot: bool = False  # the re-run freed a jurnal_api slot of the dead run
    waited_for_pool: bool = False
    open_after: int = 0  # the day's documents still pending after the re-run
    duplicates: int = 0  # copies in Jurnal after the re-run (all days so far)

    @property
    def ok(self) -> bool:
        return (
            self.resume_code == 0
            and not self.waited_for_pool
            and self.open_after == 0
            and self.duplicates == 0
        )

    def where(self) -> str:
        o = self.at_death
        if o.total == 0:
            state = f"no documents built yet, {self.iseller_calls} iSeller calls made"
        else:
            state = f"{o.posted} of {o.total} posted, {o.attempted} sent without an answer"
        return f"{WHERE[self.kind]} ({state})"


def _until(command: Command, ready, deadline: float = KILL_DEADLINE) -> bool:
    """Poll ``ready()`` until true (True), or until the command ends or the deadline passes."""
    while time.monotonic() - command.started < deadline:
        if command.process.poll() is not None:
            return False
        if ready():
            return True
        time.sleep(POLL)
    return False


def _kill_point(kind: str, rng: random.Random, box: Sandboxes, day: date, command: Command):
    """Wait for a random moment of ``kind`` in the running command; False when none came."""
    db = Path(box.env["STAGING_DATABASE_URL"].removeprefix("sqlite:///"))
    if kind == "extraction":
        first = box.calls["iseller"]
        calls = rng.randint(1, 10)
        return _until(
            command,
            lambda: box.calls["iseller"] - first >= calls and outbox_of(db, day).total == 0,
        )
    if kind == "outbox_window":
        if not _until(command, lambda: outbox_of(db, day).attempted > 0):
            return False
        time.sleep(rng.uniform(0.0, 0.25))  # within Jurnal's 400 ms answer
        return True
    if kind == "mid_batch":
        posted = rng.randint(1, 12)

        def partly_posted() -> bool:
            outbox = outbox_of(db, day)
            return outbox.posted >= posted and outbox.pending > 0

        return _until(command, partly_posted)
    skip = rng.randint(0, 6)  # transaction: the (skip + 1)-th open write transaction seen
    for _ in range(skip + 1):
        if not _until(command, lambda: not writer_active(db)):
            return False
        if not _until(command, lambda: writer_active(db)):
            return False
    return True


def kill_and_resume(box: Sandboxes, day: date, kind: str, rng: random.Random) -> Kill | None:
    """One kill of `sync --date day` at a random point of ``kind``, then the plain re-run.
    None when the command finished before any such point came (no kill)."""
    db = Path(box.env["STAGING_DATABASE_URL"].removeprefix("sqlite:///"))
    logs = box.workdir / "logs"
    args = ["sync", "--date", day.isoformat()]
    calls = dict(box.calls)
    command = start(args, box.env, logs, f"{day}-{kind}")
    if not _kill_point(kind, rng, box, day, command):
        command.wait(RESUME_DEADLINE)
        return None
    after = time.monotonic() - command.started
    command.kill()
    kill = Kill(
        day,
        kind,
        after,
        outbox_of(db, day),
        box.calls["iseller"] - calls.get("iseller", 0),
        box.calls["jurnal"] - calls.get("jurnal", 0),
    )
    resume = start(args, box.env, logs, f"{day}-{kind}-resume")
    kill.resume_code = resume.wait(RESUME_DEADLINE)
    kill.resume_seconds = time.monotonic() - resume.started
    said = resume.stderr
    kill.freed_slot = "freed its jurnal_api slot" in said
    kill.waited_for_pool = POOL_WAIT in said
    kill.open_after = outbox_of(db, day).pending
    kill.duplicates = jurnal_duplicates(box.jurnal)[1]
    return kill


def measure(scale: str) -> Section:
    return measure_mode(scale, "per_order", TITLE, COMMAND)


def measure_mode(scale: str, posting_mode: str, title: str, command: str) -> Section:
    """The kills and re-runs of ``scale`` with the merchant posting in ``posting_mode``."""
    wanted, per_outlet = SCALES[scale]
    rng = random.Random(SEED)
    kinds = [KINDS[n % len(KINDS)] for n in range(wanted)]
    rng.shuffle(kinds)
    began = time.perf_counter()
    with (
        scratch_workdir("jp-kills-") as workdir,
        running_sandboxes(
            workdir,
            days=wanted + 2,  # spare days for a kill point that never came
            orders_per_outlet_per_day=per_outlet,
            jurnal_faults=JURNAL_FAULTS,
            seed=SEED,
            posting_mode=posting_mode,
        ) as box,
    ):
        kills: list[Kill] = []
        missed: list[str] = []
        days = iter(box.days)
        used: list[date] = []
        for kind in kinds:
            for day in days:
                used.append(day)
                kill = kill_and_resume(box, day, kind, rng)
                if kill is not None:
                    kills.append(kill)
                    break
                missed.append(f"{day} ({WHERE[kind]}: the run ended first)")
        result = audit(box, used)
        summaries = summary_invoices_posted(box) if posting_mode == "daily_summary" else None
    seconds = time.perf_counter() - began
    section = _section(scale, wanted, kills, missed, result, seconds)
    if summaries is not None:  # the days were posted as summaries, not order by order
        section.figures["summary invoices posted"] = summaries
        section = dataclasses.replace(section, passed=section.passed and summaries > 0)
    return dataclasses.replace(section, title=title, command=command.format(scale=scale))


def summary_invoices_posted(box: Sandboxes) -> int:
    t = tables.outbox
    query = sa.select(sa.func.count()).where(
        t.c.doc_type == SALES_INVOICE,
        t.c.status == "posted",
        t.c.source_id.like(f"{SUMMARY}:%"),
    )
    with box.store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _section(scale, wanted, kills: list[Kill], missed, result, seconds) -> Section:
    resumes = [k.resume_seconds for k in kills]
    figures: dict[str, int | float | str] = {
        "kills (SIGKILL)": len(kills),
        **{f"  {WHERE[kind]}": sum(1 for k in kills if k.kind == kind) for kind in KINDS},
        "re-runs that finished (exit 0)": sum(1 for k in kills if k.resume_code == 0),
        "re-runs that hung": sum(1 for k in kills if k.resume_code is None),
        "re-runs that waited for the jurnal_api pool": sum(1 for k in kills if k.waited_for_pool),
        "dead runs' pool slots freed by the re-run": sum(1 for k in kills if k.freed_slot),
        "documents left pending after a re-run": sum(k.open_after for k in kills),
        "re-run seconds (median)": round(statistics.median(resumes), 1) if resumes else 0,
        "re-run seconds (max)": round(max(resumes), 1) if resumes else 0,
        "manual steps": 0,
        **result.figures(),
        "seconds": round(seconds, 1),
    }
    passed = len(kills) >= wanted and all(k.ok for k in kills) and result.ok
    rows = [
        "| day | killed | after (s) | re-run | re-run (s) | slot freed |",
        "|---|---|---|---|---|---|",
    ]
    for k in kills:
        code = "hung" if k.resume_code is None else f"exit {k.resume_code}"
        rows.append(
            f"| {k.day} | {k.where()} | {k.after:.1f} | {code} | {k.resume_seconds:.1f} "
            f"| {'yes' if k.freed_slot else 'no'} |"
        )
    notes = [
        f"Each kill is `kill -9` of `journal-pipeline sync --date D` at a moment drawn by a "
        f"seeded generator (seed {SEED}) from what the run shows from outside; the re-run is "
        "the same command, nothing else. Jurnal's batch endpoint answers 400 ms late "
        f"(`{JURNAL_FAULTS}`) to widen the window between the outbox update and the answer.",
        "",
        *rows,
    ]
    if missed:
        notes += ["", "Kill points that never came (the run ended first): " + "; ".join(missed)]
    if result.missing:
        notes += ["", "Missing orders: " + ", ".join(result.missing[:20])]
    if result.ledger_difference:
        differing = {a: v for a, v in sorted(result.account_differences.items()) if abs(v) >= 1}
        notes += [
            "",
            "Ledger difference by account (Jurnal less the canonical journal): "
            + "; ".join(f"{account} {amount}" for account, amount in differing.items()),
        ]
    return Section(TITLE, COMMAND.format(scale=scale), figures, passed, "\n".join(notes))
