"""What `journal-pipeline sync` and `backfill` say of a day when its run ends: the day's
documents by status, the reasons of those still open grouped by cause, every check's outcome,
and for a failed run the step, the error and what to do."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from journal_pipeline.environment import JURNAL_CREDENTIALS
from journal_pipeline.sync.quota import USED_UP

MAX_GROUPS = 5  # reasons shown per day; the rest are counted
MAX_TEXT = 300  # characters of one error message or reason

# Errors that go away by themselves: the same run succeeds later.
TRANSIENT_ERRORS = frozenset(
    {"JurnalRetryableError", "JurnalRateLimited", "ISellerHttpError", "ConnectionError", "Timeout"}
)
CREDENTIALS = {
    "JurnalAuthError": JURNAL_CREDENTIALS,
    "ISellerAuthError": "ISELLER_CLIENT_ID and ISELLER_CLIENT_SECRET",
}
INTERRUPTED = "DagsterExecutionInterruptedError"


def one_line(text: object, limit: int = MAX_TEXT) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


_WORSE = {"passed": 0, "warns": 1, "FAILED": 2}  # how a check of several assets counts


@dataclass
class DayReport:
    """What a run of one day did: failed and skipped steps, checks, the day's documents."""

    day: date
    failed_step: str | None = None
    error_class: str | None = None
    error: str | None = None
    skipped: list[str] = field(default_factory=list)
    checks: dict[str, str] = field(default_factory=dict)  # name → "passed" | "warns" | "FAILED"
    check_notes: list[str] = field(default_factory=list)  # what a failed or warning check said
    counts: dict[str, int] = field(default_factory=dict)
    groups: list[tuple[str, int, str, str]] = field(default_factory=list)  # status, n, why, e.g.
    other_groups: tuple[int, int] = (0, 0)  # records, groups not shown
    documents_error: str | None = None
    materializations: list[str] = field(default_factory=list)
    summary_waiting: tuple[int, str] = (0, "")  # daily-summary documents built, posted after

    @classmethod
    def from_result(cls, day: date, result, steps: list[str]) -> DayReport:
        """``steps``: the job's steps in order (those that never started are reported)."""
        report = cls(day)
        started = set()
        for event in result.all_events:
            if event.is_step_start:
                started.add(event.step_key)
            elif event.is_step_failure and report.failed_step is None:
                report.failed_step = event.step_key
                report.error_class, report.error = _step_error(event.step_failure_data)
            elif event.is_run_failure and report.error is None:
                report.error_class, report.error = _run_error(event)
        report.skipped = [step for step in steps if step not in started]
        for evaluation in result.get_asset_check_evaluations():
            report.note_check(evaluation)
        for event in result.get_asset_materialization_events():
            materialization = event.materialization
            shown = {
                k: v.value
                for k, v in materialization.metadata.items()
                if not isinstance(v.value, str) or len(v.value) < 80
            }
            report.materializations.append(
                f"{day} {materialization.asset_key.to_user_string()}: {shown}"
            )
            if shown.get("summary_waiting_for_day_end"):
                waiting = int(shown["summary_waiting_for_day_end"])
                report.summary_waiting = (waiting, str(shown.get("summary_posted_after") or ""))
        report._read_documents()
        return report

    def note_check(self, evaluation) -> None:
        """Keep each check's outcome, and what a failed or warning check says about the day,
        as the Dagster UI shows them: a check that passed passed, whatever its severity; one
        that did not pass at severity WARN warns (it never blocks the day), else it failed."""
        warned = evaluation.severity.value == "WARN"
        state = "passed" if evaluation.passed else "warns" if warned else "FAILED"
        # several assets run a check of one name (every_record_posted): the worst one counts
        known = self.checks.get(evaluation.check_name)
        if known is None or _WORSE[state] > _WORSE[known]:
            self.checks[evaluation.check_name] = state
        if state == "passed" or not evaluation.description:
            return
        self.check_notes.append(
            f"  Check {evaluation.check_name} {state}: {one_line(evaluation.description, 400)}"
        )

    def _read_documents(self) -> None:
        from journal_pipeline.defs.resources import staging_store
        from journal_pipeline.sync.outbox import Outbox
        from journal_pipeline.sync.outbox_building import OPEN_STATES

        try:
            documents = Outbox(staging_store()).documents(self.day)
        except Exception as exc:  # only the summary: the run's own result stands
            self.documents_error = one_line(exc)
            return
        self.add_documents(documents, OPEN_STATES)

    def add_documents(self, documents, open_states) -> None:
        """Counts by status of the day's documents (`Outbox.documents`), and the open ones
        grouped by what keeps them open, largest groups first."""
        counts = documents["status"].value_counts()
        self.counts = {str(k): int(v) for k, v in counts.items()}
        groups: dict[tuple[str, str], list] = {}
        for row in documents[documents["status"].isin(open_states)].itertuples(index=False):
            reference = _text(row.source_reference)
            why = _cause(row.status, _text(row.reason), reference)
            key = (row.status, _shape(why, reference, _text(row.transaction_no)))
            groups.setdefault(key, [row.status, 0, why, reference])[1] += 1
        from journal_pipeline.sync.outbox import STATES

        rank = {status: i for i, status in enumerate(STATES)}
        ordered = sorted(groups.values(), key=lambda g: (-g[1], rank.get(g[0], len(rank))))
        self.groups = [tuple(g) for g in ordered[:MAX_GROUPS]]
        rest = ordered[MAX_GROUPS:]
        self.other_groups = (sum(g[1] for g in rest), len(rest))

    # -- lines --------------------------------------------------------------------------------
    def documents_lines(self) -> list[str]:
        if self.documents_error:
            return [f"  Documents: cannot read the staging database ({self.documents_error})."]
        if not self.counts:
            return ["  Documents: none yet for this day."]
        from journal_pipeline.sync.outbox import STATES

        known = [s for s in STATES if s in self.counts]
        statuses = known + sorted(set(self.counts) - set(known))
        by_status = ", ".join(f"{status} {self.counts[status]}" for status in statuses)
        lines = [f"  Documents: {sum(self.counts.values())} ({by_status})."]
        for status, count, why, example in self.groups:
            named = not example or example in why
            example_text = "" if named else f" (e.g. order {example})"
            lines.append(f"    {status} {count}: {one_line(why, 200)}{example_text}")
        records, groups = self.other_groups
        if records:
            lines.append(f"    … and {records} more in {groups} other group(s) of reasons.")
        return lines

    def checks_line(self) -> str | None:
        if not self.checks:
            return None
        passed = [name for name, state in self.checks.items() if state == "passed"]
        warned = [name for name, state in self.checks.items() if state == "warns"]
        failed = [name for name, state in self.checks.items() if state == "FAILED"]
        text = f"  Checks: {len(passed)} passed"
        if warned:
            text += f", warning: {', '.join(warned)}"
        if failed:
            text += f", FAILED: {', '.join(failed)}"
        return "\n".join([text + ".", *self.check_notes])

    def success_lines(self) -> list[str]:
        lines = [f"{self.day} synced.", *self.documents_lines()]
        waiting, after = self.summary_waiting
        if waiting:
            lines.append(
                f"  Daily summary: {waiting} document(s) built and checked, posted once the day "
                f"is over at every outlet (from {after or 'the day after'}: the nightly run, or "
                "any sync of the day then)."
            )
        if (check := self.checks_line()) is not None:
            lines.append(check)
        if self.counts.get("held") or self.counts.get("failed"):
            lines.append(
                "  Next: held and failed records say what to fix; then run "
                f"`journal-pipeline sync --date {self.day}` again."
            )
        return lines

    def failure_lines(self) -> list[str]:
        where = f" at step {self.failed_step}" if self.failed_step else ""
        kind = f" ({self.error_class})" if self.error_class not in (None, "Failure") else ""
        lines = [f"{self.day} sync FAILED{where}: {self.error or 'no error message'}{kind}"]
        if self.skipped:
            lines.append(f"  Not run: {', '.join(self.skipped)}.")
        lines.extend(self.documents_lines())
        if (check := self.checks_line()) is not None:
            lines.append(check)
        lines.append(f"  Next: {self.next_step()}")
        return lines

    def next_step(self) -> str:
        again = f"`journal-pipeline sync --date {self.day}`"
        safe = "documents already in Jurnal are not posted twice"
        if self.error_class in CREDENTIALS:
            return (
                f"the credentials were refused; check {CREDENTIALS[self.error_class]}, "
                f"then run {again} again."
            )
        if self.error_class == INTERRUPTED:
            return f"run {again} again when you are ready ({safe})."
        if USED_UP in (self.error or ""):
            return (
                "Jurnal's transaction quota is used up: buy more in Jurnal (or wait for the "
                "next month; `posting_mode: daily_summary` posts one invoice per outlet and "
                f"day), then run {again} again ({safe})."
            )
        if self.error_class in TRANSIENT_ERRORS or "left pending for the next run" in (
            self.error or ""
        ):
            return f"a temporary error; run {again} again later ({safe})."
        return f"fix the cause above, then run {again} again ({safe})."


def _step_error(data) -> tuple[str | None, str]:
    """The class and message of the error that failed a step, without Dagster's wrappers."""
    if data.user_failure_data is not None and data.user_failure_data.description:
        return "Failure", one_line(data.user_failure_data.description)
    return _error_text(data.error)


def _run_error(event) -> tuple[str | None, str]:
    data = event.event_specific_data
    error = getattr(data, "error", None)
    if error is not None:
        return _error_text(error)
    return None, one_line(event.message or "the run failed")


def _error_text(error) -> tuple[str | None, str]:
    if error is None:
        return None, "no error message"
    while error.cause is not None and (error.cls_name or "").startswith("Dagster"):
        error = error.cause
    name = error.cls_name or ""
    if name == INTERRUPTED:
        return name, "interrupted (Ctrl-C or a termination signal)"
    message = error.message.strip()
    # "package.module.ErrorClass: text" -> "text"
    message = re.sub(rf"^[\w.]*{re.escape(name)}(: |$)", "", message) if name else message
    return name or None, one_line(message or "no error message")


def _text(value) -> str:
    """A cell of the documents frame as text: empty for None and NaN."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _cause(status: str, reason: str, reference: str) -> str:
    """A record's reason without the label that names its order (the same cause, whatever the
    order, reads the same)."""
    if not reason:
        if status == "pending":
            return "not posted yet; the next run posts them"
        return "no reason recorded"
    head, sep, tail = reason.partition(": ")
    if sep and reference and reference in head:
        return tail
    return reason


def _shape(cause: str, reference: str, transaction_no: str) -> str:
    """What causes of different records have in common: names and numbers blanked out."""
    for name in (reference, transaction_no):
        if name:
            cause = cause.replace(name, "…")
    return re.sub(r"[^\s(]*\d[^\s)]*", "#", cause)  # order numbers, amounts, dates
