from datetime import UTC, date, datetime, timedelta

from journal_pipeline.sync.failed_records import (
    FAILED,
    HELD,
    RECOVERED,
    RETRYABLE,
    DayRetry,
    LogEntry,
    RetryPolicy,
    findings,
    plan_retries,
)

DAY = date(2026, 11, 20)
T0 = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def entry(id_, key, event, message=None, at=T0):
    return LogEntry(id_, key, event, message, "run-1", at, "sales_invoice", DAY, "#101", "JKT")


def test_a_new_problem_is_reported_once_and_its_recovery_after_it():
    held = entry(1, "sales_invoice:a", "held", "Order #101: no account. Map it.")
    again = entry(2, "sales_invoice:a", "held", "Order #101: no account. Map it.")
    failed = entry(3, "sales_invoice:b", "failed", "Jurnal refused: date")
    posted = entry(4, "sales_invoice:a", "posted", "Jurnal id 9")
    found = findings([held, again, failed, posted], {})
    assert [(f.kind, f.entry.id) for f in found] == [(HELD, 1), (FAILED, 3), (RECOVERED, 4)]
    assert "Map it." in found[0].reason and found[0].fix


def test_what_was_read_before_decides_what_is_news():
    before = {"sales_invoice:a": entry(1, "sales_invoice:a", "held", "same")}
    assert findings([entry(5, "sales_invoice:a", "held", "same")], before) == []
    other = findings([entry(5, "sales_invoice:a", "held", "another cause")], before)
    assert [f.kind for f in other] == [HELD]
    # a document posted without a problem before it is not a recovery
    assert findings([entry(6, "sales_invoice:c", "posted")], {}) == []
    # a retryable error logged again (its text changes) is the same problem
    retry = {"sales_invoice:a": entry(1, "sales_invoice:a", "retry", "HTTP 503")}
    assert findings([entry(7, "sales_invoice:a", "retry", "timeout")], retry) == []
    assert [f.kind for f in findings([entry(7, "x", "retry", "HTTP 429")], {})] == [RETRYABLE]


def test_a_retryable_day_runs_again_after_a_doubling_backoff_at_most_n_times():
    policy = RetryPolicy(max_retries=2, backoff=timedelta(minutes=10))
    plan = plan_retries({}, [entry(1, "k", "retry", "HTTP 503")], T0, policy)
    assert plan.run_now == [] and plan.state[DAY].due == T0 + timedelta(minutes=10)
    plan = plan_retries(plan.state, [], T0 + timedelta(minutes=10), policy)
    assert plan.run_now == [(DAY, 1, 1)]
    # the retry failed again: the next waits twice as long
    later = T0 + timedelta(minutes=15)
    plan = plan_retries(plan.state, [entry(2, "k", "retry", at=later)], later, policy)
    assert plan.run_now == [] and plan.state[DAY].due == later + timedelta(minutes=20)
    plan = plan_retries(plan.state, [], later + timedelta(minutes=20), policy)
    assert plan.run_now == [(DAY, 2, 2)]
    # used up: reported once, no more runs
    plan = plan_retries(plan.state, [entry(3, "k", "retry")], T0 + timedelta(hours=5), policy)
    assert plan.run_now == [] and [e.id for e in plan.exhausted] == [3]
    plan = plan_retries(plan.state, [entry(4, "k", "retry")], T0 + timedelta(hours=6), policy)
    assert plan.run_now == [] and plan.exhausted == []
    # once its records are posted the day is forgotten
    plan = plan_retries(plan.state, [entry(5, "k", "posted")], T0 + timedelta(hours=7), policy)
    assert plan.state == {}


def test_retry_state_survives_the_cursor():
    retry = DayRetry(attempts=1, due=T0, waiting=("k",), since_id=7)
    assert DayRetry.from_json(retry.to_json()) == retry
