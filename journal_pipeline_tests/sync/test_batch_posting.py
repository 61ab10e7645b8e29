"""Batches posted several at once (`sync.batch_posting`) against the Jurnal sandbox over HTTP,
its rate limit on: each document posted exactly once, no 429, the limit kept in every window,
and a batch interrupted by a retryable error left pending for the next run."""

from __future__ import annotations

import copy
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.accounting.documents import SALES_INVOICE
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.jurnal.client import JurnalClient, JurnalSettings
from journal_pipeline.jurnal.rate_limit import MemoryRateLimiter
from journal_pipeline.jurnal.transport import CONCURRENT_REQUESTS
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.batch_posting import concurrency, post_batches
from journal_pipeline.sync.master_data import ensure_products, wanted_products
from journal_pipeline.sync.outbox import KINDS, Outbox, PostResult
from journal_pipeline_tests.accounting.orders import retail_order
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.http import Request, Response, SandboxServer
from journal_sandbox.jurnal_app import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    MAG_PREFIX,
    JurnalSandbox,
)

DAY = date(2026, 11, 20)
CONFIG = load_config(DEMO_CONFIG)
PER_MINUTE = 5  # the sandbox's limit, and the client's
DOCUMENTS, BATCH = 60, 5  # 12 requests: more than two minutes' worth


class InFlight:
    """The sandbox's app, counting the requests it is answering at once. Until two have been
    in flight together, a batch of invoices waits (up to ``PAIRING_WAIT``) for another before it
    is answered: a client that sends batches at once shows it however slow the machine, one
    that sends them one by one never does."""

    PAIRING_WAIT = 5.0  # seconds

    def __init__(self, app: Any) -> None:
        self.app = app
        self.now = self.most = 0
        self.lock = threading.Lock()
        self.paired = threading.Event()

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
            if self.now >= 2:
                self.paired.set()
        try:
            if request.path.endswith("/sales_invoices/batch_create"):
                self.paired.wait(self.PAIRING_WAIT)
            return self.app(request)
        finally:
            with self.lock:
                self.now -= 1


@dataclass
class Limited:
    """The Jurnal sandbox with its limit on (a minute is a second), served through `InFlight`."""

    sandbox: JurnalSandbox
    counting: InFlight
    env: dict[str, str]

    def client(self, **options: Any) -> JurnalClient:
        limiter = MemoryRateLimiter(per_minute=PER_MINUTE, per_hour=1000, window_scale=60)
        return JurnalClient(JurnalSettings.from_env(self.env), limiter=limiter, **options)

    def traffic(self) -> dict[str, Any]:
        return self.sandbox.traffic(timeline=True)[f"hmac:{DEFAULT_CLIENT_ID}"]

    def most_in_a_minute(self) -> int:
        """The most requests the sandbox saw in any minute of its clock."""
        times = sorted(at for at, _, _ in self.traffic()["timeline"])
        return max(sum(1 for t in times if start <= t < start + 60) for start in times)


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Limited]:
    sandbox = JurnalSandbox(
        tmp_path / "jurnal",
        rate_limit_per_minute=PER_MINUTE,
        rate_limit_per_hour=1000,
        time_scale=60.0,
    )
    counting = InFlight(sandbox.app)
    server = SandboxServer(counting).start()
    env = {
        "JURNAL_BASE_URL": f"{server.url}{MAG_PREFIX.rstrip('/')}",
        "JURNAL_CLIENT_ID": DEFAULT_CLIENT_ID,
        "JURNAL_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
    }
    try:
        yield Limited(sandbox, counting, env)
    finally:
        server.stop()
        sandbox.close()


def _pending_invoices(tmp_path: Path, client: JurnalClient) -> tuple[Outbox, list[Any]]:
    orders = []
    for _ in range(DOCUMENTS):
        order = copy.deepcopy(retail_order())
        order["order_id"] = str(uuid.uuid4())
        order["order_reference"] = f"#JKT-{uuid.uuid4().hex[:8]}"
        orders.append(order)
    sales = posting_rules.sales_of_day(order_frames(orders), CONFIG, DAY)
    documents, holds = invoices.sales_invoices(sales, CONFIG)
    assert len(documents) == DOCUMENTS and not holds
    outbox = Outbox(StagingStore(f"sqlite:///{tmp_path / 'staging.db'}"), run_id="test")
    outbox.enqueue(DAY, documents, [])
    ensure_products(client, wanted_products(outbox.pending_payloads(DAY), CONFIG))
    return outbox, list(outbox._pending(DAY, SALES_INVOICE))


def _post(outbox: Outbox, rows: list[Any], client: JurnalClient) -> PostResult:
    result = PostResult()
    post_batches(outbox, KINDS[SALES_INVOICE], rows, client, result, BATCH)
    return result


def _in_jurnal(client: JurnalClient, outbox: Outbox) -> Counter[str]:
    """How many invoices Jurnal has of each of the outbox's documents."""
    ours = set(outbox.documents(DAY)["transaction_no"])
    return Counter(
        str(i["transaction_no"])
        for i in client.iter_list("sales_invoices", "sales_invoices")
        if str(i["transaction_no"]) in ours
    )


def test_batches_at_once_post_each_document_once_within_the_limit(limited, tmp_path):
    client = limited.client()
    assert concurrency(client) == CONCURRENT_REQUESTS > 1
    outbox, rows = _pending_invoices(tmp_path, client)

    result = _post(outbox, rows, client)

    assert (result.posted, result.failed, result.left_pending) == (DOCUMENTS, 0, 0)
    assert result.calls == DOCUMENTS // BATCH and result.interrupted is None
    documents = outbox.documents(DAY)
    assert set(documents["status"]) == {"posted"}
    assert documents["jurnal_id"].nunique() == DOCUMENTS
    assert set(documents["attempts"]) == {1}  # each batch claimed once
    in_jurnal = _in_jurnal(client, outbox)
    assert len(in_jurnal) == DOCUMENTS and set(in_jurnal.values()) == {1}
    # several were on their way at once, never more than the client allows
    assert 2 <= limited.counting.most <= CONCURRENT_REQUESTS
    assert client.rate_limited == 0 and limited.traffic()["rate_limited"] == 0
    assert limited.most_in_a_minute() <= PER_MINUTE
    # a second run finds nothing left to post
    assert _post(outbox, list(outbox._pending(DAY, SALES_INVOICE)), client).calls == 0


def test_a_batch_that_fails_retryably_stays_pending_and_the_next_run_posts_it_once(
    limited, tmp_path
):
    client = limited.client(max_attempts=1)
    outbox, rows = _pending_invoices(tmp_path, client)
    # the first batch to arrive meets an outage: no further batch is claimed, those already
    # on their way are recorded
    limited.sandbox.faults.once("sales_invoices/batch_create", "error", status=503)

    first = _post(outbox, rows, client)

    assert first.interrupted is not None and "JurnalRetryableError" in first.interrupted
    assert first.posted + first.left_pending == DOCUMENTS
    assert BATCH <= first.left_pending < DOCUMENTS  # the failed batch, and those never sent
    documents = outbox.documents(DAY)
    assert (documents["status"] == "posted").sum() == first.posted
    assert set(documents["status"]) == {"posted", "pending"}
    assert set(documents["attempts"]) == {0, 1}  # claimed once, or never
    assert set(_in_jurnal(client, outbox).values()) == {1}

    again = _post(outbox, list(outbox._pending(DAY, SALES_INVOICE)), client)
    assert again.interrupted is None and again.failed == 0
    assert first.posted + again.posted + again.duplicates_resolved == DOCUMENTS
    assert set(outbox.documents(DAY)["status"]) == {"posted"}
    in_jurnal = _in_jurnal(client, outbox)
    assert len(in_jurnal) == DOCUMENTS and set(in_jurnal.values()) == {1}
    assert client.rate_limited == 0 and limited.traffic()["rate_limited"] == 0
