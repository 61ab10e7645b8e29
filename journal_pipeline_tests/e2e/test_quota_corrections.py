"""A correction that meets Jurnal's transaction quota (J-58, the reading where every transaction
counts): a sale voided after posting needs a sales return, the month's quota has no room, and
the return stays pending saying why; once Jurnal has room a plain re-run posts it and its
journal entry, once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import day as day_sync
from journal_pipeline.sync import returns
from journal_pipeline.sync.outbox import Outbox, PostResult
from journal_pipeline.sync.quota import USED_UP
from journal_pipeline_tests.e2e.demo_week import CONFIG, synced_demo_week
from journal_pipeline_tests.e2e.test_changed_after_posting import _simple_sales
from journal_pipeline_tests.e2e.test_void_after_posting import DAYS, _corrections, _voided

pytestmark = pytest.mark.e2e

FIXED_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def _post_corrections(store: StagingStore, client) -> PostResult:
    outbox = Outbox(store)
    day = DAYS[2]
    day_sync.record_journal(store, outbox, day, day_sync.build_journal(store, CONFIG, day))
    outbox.post_pending(day, client)
    return returns.post_corrections(outbox, day, client)


def test_a_return_without_room_waits_and_posts_once_there_is_room(tmp_path):
    with synced_demo_week(tmp_path, DAYS, orders_per_outlet_per_day=4, now=FIXED_NOW) as week:
        store, client, jurnal = week.store, week.jurnal.client(), week.jurnal.sandbox
        order = _simple_sales(store, ("JKT",))[0]
        reference = order["order_reference"]
        store.upsert_orders([_voided(order)])
        jurnal.quota_scope = "transactions"
        jurnal.invoice_quota = jurnal._quota_used()  # the month's quota used up

        stopped = _post_corrections(store, client)
        assert stopped.posted == 0 and stopped.failed == 0
        assert stopped.interrupted is not None and USED_UP in stopped.interrupted
        found = _corrections(store, DAYS[2], reference)
        assert found.loc["sales_return", "status"] == "pending"
        assert USED_UP in found.loc["sales_return", "reason"]

        jurnal.invoice_quota += 10  # more bought
        finished = _post_corrections(store, client)
        assert finished.interrupted is None and finished.failed == 0
        found = _corrections(store, DAYS[2], reference)
        assert set(found["status"]) == {"posted"}
        invoice_no = f"ISL/{reference.lstrip('#')}"
        numbers = [r["transaction_no"] for r in client.iter_list("sales_returns", "sales_returns")]
        assert numbers.count(f"{invoice_no}/V") == 1
