"""Posting an outbox's batches to Jurnal, several at once when the client's limiter allows.

Jurnal's limit is a rate (30 requests a minute per credential), not a count of requests in
flight: while one batch is on its way the next may already be allowed. Each batch is sent by a
worker thread (the client's rate limiter, shared by every thread, decides when it goes out),
while this thread writes down the outcome of the batches that came back and claims the next.
So the requests the limiter lets through at once go at once, and the outbox's writes happen
while the others wait for their answer or their slot.

What stays as with one batch at a time:

- each batch is claimed exactly once: its attempt is counted (``attempts``) before it is
  handed to a worker, and its outcome is recorded by this thread only, one transaction per
  batch; a document is never in two batches;
- a retryable error (a timeout, a 5xx, a 429 once the client gave up) stops the claiming: the
  batches in flight are awaited and recorded, the interrupted one and those never sent stay
  pending (the next run meets Jurnal's duplicate check for any that did arrive); so does
  Jurnal's transaction quota used up (`sync.quota`), for a whole request or for an item;
- any other error is raised once the batches in flight are recorded;
- 429s are handled by the client (its limiter pauses every thread and process of the credential).

The cycle collector is paused while the batches are posted (`core.cycle_collection`): the
bodies and answers are freed by reference counting, and a full collection between two
requests would hold every thread of the process for the length of a walk over all its objects.

A client without a limiter (``concurrent_requests`` 1 or missing) posts one batch at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from journal_pipeline.core.cycle_collection import cycle_collection_paused
from journal_pipeline.jurnal.errors import (
    JurnalQuotaExhausted,
    JurnalRateLimited,
    JurnalRetryableError,
)
from journal_pipeline.storage.store import loads
from journal_pipeline.sync.ports import BatchItem, JurnalWriter
from journal_pipeline.sync.quota import QUOTA_EVENT, quota_stop

if TYPE_CHECKING:
    from journal_pipeline.sync.outbox import DocKind, Outbox, PostResult, Row

RETRYABLE = (JurnalRetryableError, JurnalRateLimited, JurnalQuotaExhausted)


def concurrency(client: object) -> int:
    """How many batches ``client`` may have in flight at once (1 without a limiter)."""
    value = getattr(client, "concurrent_requests", 1)
    return value if isinstance(value, int) and value > 1 else 1


def post_batches(
    outbox: Outbox,
    kind: DocKind,
    rows: Sequence[Row],
    client: JurnalWriter,
    result: PostResult,
    batch_size: int,
) -> bool:
    """Post ``rows`` in batches of ``batch_size``; False when a retryable error stopped it."""
    batches = [rows[start : start + batch_size] for start in range(0, len(rows), batch_size)]

    def send(batch: Sequence[Row]) -> Sequence[BatchItem]:
        items = [loads(row.payload)[kind.root] for row in batch]
        return client.batch_create(kind.resource, kind.root, items)

    workers = min(concurrency(client), len(batches))
    # The answers' documents are freed by reference counting: a full collection meanwhile
    # would walk every live object of the process between two requests and find nothing.
    with cycle_collection_paused():
        if workers <= 1:
            return _one_at_a_time(outbox, kind, batches, send, result)
        with ThreadPoolExecutor(workers, thread_name_prefix="jurnal-batch") as pool:
            return _at_once(outbox, kind, iter(batches), send, result, pool, workers)


def _one_at_a_time(
    outbox: Outbox,
    kind: DocKind,
    batches: list[Sequence[Row]],
    send: Callable[[Sequence[Row]], Sequence[BatchItem]],
    result: PostResult,
) -> bool:
    for number, batch in enumerate(batches):
        outbox._count_attempt([r.doc_key for r in batch])
        try:
            items = send(batch)
        except RETRYABLE as exc:
            record_stop(outbox, batch, exc, result)
            result.left_pending += sum(len(b) for b in batches[number + 1 :])
            return False
        result.calls += 1
        outbox._settle_batch(kind, batch, items, result)
        if result.interrupted:  # an item met the quota: the rest would too
            result.left_pending += sum(len(b) for b in batches[number + 1 :])
            return False
    return True


def _at_once(
    outbox: Outbox,
    kind: DocKind,
    batches: Iterator[Sequence[Row]],
    send: Callable[[Sequence[Row]], Sequence[BatchItem]],
    result: PostResult,
    pool: ThreadPoolExecutor,
    workers: int,
) -> bool:
    in_flight: dict[Future[Sequence[BatchItem]], Sequence[Row]] = {}
    failure: BaseException | None = None
    stopped = False

    def claim_next() -> None:
        batch = next(batches, None)
        if batch is not None:
            outbox._count_attempt([r.doc_key for r in batch])
            in_flight[pool.submit(send, batch)] = batch

    for _ in range(workers):
        claim_next()
    while in_flight:
        done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
        for future in done:
            batch = in_flight.pop(future)
            error = future.exception()
            if error is None:
                result.calls += 1
                outbox._settle_batch(kind, batch, future.result(), result)
                stopped = stopped or result.interrupted is not None
            elif isinstance(error, RETRYABLE):
                stopped = True
                record_stop(outbox, batch, error, result)
            else:
                stopped = True
                failure = failure or error
            if not stopped:
                claim_next()
    if stopped:  # never sent: still pending, as they were
        result.left_pending += sum(len(batch) for batch in batches)
    if failure is not None:
        raise failure
    return not stopped


def record_stop(outbox: Outbox, batch: Sequence[Row], error: BaseException, result: Any) -> None:
    """Posting stopped at ``batch``: its documents stay pending. After a retryable error it is
    unknown whether Jurnal kept them (the next attempt resolves any that did arrive through
    the duplicate check); refused for the quota, none was created, and each says why."""
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, JurnalQuotaExhausted):
        text = quota_stop(str(error))
        for row in batch:
            outbox._mark(row.doc_key, "pending", text, QUOTA_EVENT)
    else:
        outbox._log_many([r.doc_key for r in batch], "retry", text)
    result.interrupted = result.interrupted or text
    result.left_pending += len(batch)
