"""Which outbox log rows to report, and when a day with a retryable failure runs again.

The outbox log (`storage.tables.outbox_log`) is append-only with an increasing id, so a
reader keeps one number (the last id it read) and sees each change once. A record is
reported when it *becomes* held, failed or retryable (the same problem logged again by the
next run is not news), and again when it recovers (posted after a problem).

Retryable failures are the ones the outbox logs as ``retry`` (a 5xx, a timeout or a 429:
the document stays pending). Their day is run again after a backoff that doubles with each
attempt, at most ``max_retries`` times; then the day stays flagged for a person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

HELD = "held"
FAILED = "failed"
RETRYABLE = "retryable"
QUOTA = "quota"
RECOVERED = "recovered"
RETRIES_EXHAUSTED = "retries_exhausted"

# outbox log event → the problem it reports
PROBLEM_EVENTS = {"held": HELD, "failed": FAILED, "retry": RETRYABLE, "quota": QUOTA}
RECOVERY_EVENTS = ("posted", "duplicate")
# events that end a record's story without a recovery (it is no longer meant to be posted)
CLOSING_EVENTS = ("withdrawn",)
SIGNIFICANT_EVENTS = (*PROBLEM_EVENTS, *RECOVERY_EVENTS, *CLOSING_EVENTS)

FIXES = {
    HELD: "Fix the cause the reason names (config, iSeller or Jurnal), then run the day again.",
    FAILED: "Jurnal refused it: fix the field Jurnal names (in Jurnal or the config), "
    "then run the day again.",
    RETRYABLE: "Jurnal was unavailable or rate-limited: the day runs again by itself after a "
    "backoff; nothing to fix unless it keeps failing.",
    QUOTA: "Jurnal's transaction quota is used up: buy more in Jurnal (or wait for the next "
    "month, or post daily summaries), then run the day again; the record stays pending and is "
    "posted once.",
    RETRIES_EXHAUSTED: "Automatic retries are used up: check Jurnal's status and the run's "
    "log, then run the day again by hand.",
    RECOVERED: "Nothing to do: the record is in Jurnal now.",
}


@dataclass(frozen=True)
class LogEntry:
    """One outbox log row with the document it is about."""

    id: int
    doc_key: str
    event: str
    message: str | None
    run_id: str | None
    at: datetime
    doc_type: str
    business_date: date
    source_reference: str | None
    outlet_code: str | None

    @property
    def record(self) -> str:
        """The record in words: document type, source reference and outlet."""
        what = self.doc_type.replace("_", " ")
        return f"{what} {self.source_reference or self.doc_key} (outlet {self.outlet_code or '?'})"


@dataclass(frozen=True)
class Finding:
    """Something to report about one record (or, for exhausted retries, one day)."""

    kind: str
    entry: LogEntry

    @property
    def day(self) -> date:
        return self.entry.business_date

    @property
    def reason(self) -> str:
        return self.entry.message or self.kind

    @property
    def fix(self) -> str:
        return FIXES[self.kind]


def findings(entries: Iterable[LogEntry], previous: Mapping[str, LogEntry]) -> list[Finding]:
    """What the new log ``entries`` report, given each record's last significant entry read
    before them (``previous``, by doc_key): new problems once each, and recoveries."""
    last = dict(previous)
    found: list[Finding] = []
    for entry in sorted(entries, key=lambda e: e.id):
        before = last.get(entry.doc_key)
        if entry.event in PROBLEM_EVENTS:
            if not _same_problem(before, entry):
                found.append(Finding(PROBLEM_EVENTS[entry.event], entry))
        elif entry.event in RECOVERY_EVENTS:
            if before is not None and before.event in PROBLEM_EVENTS:
                found.append(Finding(RECOVERED, entry))
        else:
            continue
        last[entry.doc_key] = entry
    return found


def _same_problem(before: LogEntry | None, entry: LogEntry) -> bool:
    if before is None or before.event != entry.event:
        return False
    # a retryable error's text changes from call to call; a hold's or refusal's names the fix
    return entry.event == "retry" or before.message == entry.message


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    backoff: timedelta = timedelta(minutes=10)  # before the first retry; doubles each time

    def delay(self, attempts_made: int) -> timedelta:
        return self.backoff * int(2**attempts_made)


@dataclass(frozen=True)
class DayRetry:
    """Automatic retries of one day: runs requested so far, when the next is due (None: none
    scheduled), the records still waiting, and whether running out was reported."""

    attempts: int = 0
    due: datetime | None = None
    waiting: tuple[str, ...] = ()
    exhausted: bool = False
    since_id: int = 0  # the log row that scheduled the next retry (names its run)

    def to_json(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts,
            "due": self.due.isoformat() if self.due else None,
            "waiting": list(self.waiting),
            "exhausted": self.exhausted,
            "since_id": self.since_id,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DayRetry:
        due = data.get("due")
        return cls(
            attempts=int(data.get("attempts", 0)),
            due=datetime.fromisoformat(due) if due else None,
            waiting=tuple(data.get("waiting", ())),
            exhausted=bool(data.get("exhausted", False)),
            since_id=int(data.get("since_id", 0)),
        )


@dataclass
class RetryPlan:
    """The outcome of one look at the log: the new state, days to run now (with the attempt
    number), and days whose retries just ran out."""

    state: dict[date, DayRetry]
    run_now: list[tuple[date, int, int]] = field(default_factory=list)  # day, attempt, since_id
    exhausted: list[LogEntry] = field(default_factory=list)


def plan_retries(
    state: Mapping[date, DayRetry],
    entries: Sequence[LogEntry],
    now: datetime,
    policy: RetryPolicy,
) -> RetryPlan:
    """Schedule a retry for each day with a new retryable failure, run the ones due, give up
    after ``policy.max_retries``; a day whose waiting records all recovered is forgotten."""
    days = dict(state)
    exhausted: list[LogEntry] = []
    for entry in sorted(entries, key=lambda e: e.id):
        day = entry.business_date
        current = days.get(day)
        if entry.event == "retry":
            current = current or DayRetry()
            waiting = tuple(sorted({*current.waiting, entry.doc_key}))
            if current.due is not None:
                days[day] = replace(current, waiting=waiting)
            elif current.attempts < policy.max_retries:
                due = entry.at + policy.delay(current.attempts)
                days[day] = replace(current, due=due, waiting=waiting, since_id=entry.id)
            elif not current.exhausted:
                exhausted.append(entry)
                days[day] = replace(current, waiting=waiting, exhausted=True)
            else:
                days[day] = replace(current, waiting=waiting)
        elif entry.event in (*RECOVERY_EVENTS, *CLOSING_EVENTS) and current is not None:
            waiting = tuple(k for k in current.waiting if k != entry.doc_key)
            if waiting or current.due is not None:
                days[day] = replace(current, waiting=waiting)
            else:
                del days[day]  # every record the retries were for is settled
    plan = RetryPlan(state=days, exhausted=exhausted)
    for day, retry in sorted(days.items()):
        if retry.due is not None and retry.due <= now:
            attempt = retry.attempts + 1
            plan.run_now.append((day, attempt, retry.since_id))
            days[day] = replace(retry, attempts=attempt, due=None)
    return plan
