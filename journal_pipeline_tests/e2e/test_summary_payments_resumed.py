"""A summary day whose run stopped after its summary invoices reached Jurnal and before their
receive payments did (Jurnal unavailable for payments, or the run killed in between), or
after a merged return of the day's refunds reached Jurnal and before its journal entry did:
the next run of the day posts what was left, each once, and Jurnal's ledger ties out with the
canonical journal. A posted summary (merged return) freezes its orders (refunds), so no build
makes its other documents again; they are kept as they were queued instead of withdrawn."""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg
import pytest

from benchmarks.reliability.common import compare_ledgers, journal_movements, jurnal_movements
from journal_pipeline.config import load_config
from journal_pipeline.defs.resources import MerchantConfigResource
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.e2e.demo_week import ASSETS, synced_demo_week
from journal_sandbox.defaults import DEMO_CONFIG

pytestmark = pytest.mark.e2e

DAY = date(2026, 11, 30)  # JKT refunds a sale of the 29th: a merged return and its entry
BEFORE = [date(2026, 11, 28), date(2026, 11, 29)]
NOW = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)  # the day is over at every outlet
SEED = 13  # the demo merchant whose history has that refund


def _summary_config(tmp_path):
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    path = tmp_path / "summary.yaml"
    path.write_text(text.replace("posting_mode: per_order", "posting_mode: daily_summary", 1))
    return path


def _statuses(store, doc_type: str) -> dict[str, str]:
    documents = Outbox(store).documents(DAY)
    rows = documents[documents["doc_type"] == doc_type]
    return dict(zip(rows["doc_key"], rows["status"], strict=True))


@pytest.mark.parametrize(
    ("refused", "doc_type"),
    [
        ("receive_payments", "receive_payment"),
        ("journal_entries", "journal_entry"),
        ("sales_returns", "sales_return"),  # the merged return itself: built again
    ],
)
def test_what_was_queued_with_a_posted_summary_is_posted_by_the_next_run(
    tmp_path, refused, doc_type
):
    path = _summary_config(tmp_path)
    config = load_config(path)

    def use_summaries(resources: dict) -> None:
        resources["merchant"] = MerchantConfigResource(path=str(path))

    with synced_demo_week(
        tmp_path,
        BEFORE,
        orders_per_outlet_per_day=8,
        now=NOW,
        history_days=3,
        before_first_day=use_summaries,
        seed=SEED,
    ) as week:
        week.jurnal.sandbox.faults.once(refused, "error", times=10_000, status=503)
        first = dg.materialize(
            ASSETS, partition_key=DAY.isoformat(), resources=week.resources, raise_on_error=False
        )
        assert not first.success  # Jurnal kept refusing them
        invoices = _statuses(week.store, "sales_invoice")
        summaries = {k: s for k, s in invoices.items() if ":summary:" in k}
        assert summaries and set(summaries.values()) == {"posted"}
        if doc_type == "journal_entry":  # the merged return is in Jurnal, its entry is not
            returns = _statuses(week.store, "sales_return")
            merged = {k: s for k, s in returns.items() if "/R:" in k}
            assert merged and set(merged.values()) == {"posted"}
        waiting = {k: s for k, s in _statuses(week.store, doc_type).items() if ":summary:" in k}
        assert waiting and set(waiting.values()) == {"pending"}

        week.jurnal.sandbox.faults.clear()
        again = dg.materialize(ASSETS, partition_key=DAY.isoformat(), resources=week.resources)
        assert again.success
        now = _statuses(week.store, doc_type)
        assert {k: now[k] for k in waiting} == dict.fromkeys(waiting, "posted")
        documents = Outbox(week.store).documents(DAY).set_index("doc_key")
        numbers = {documents.at[k, "transaction_no"] for k in waiting}
        resource = {"receive_payment": "receive_payments", "journal_entry": "journal_entries"}
        resource["sales_return"] = "sales_returns"
        listed = week.jurnal.client().iter_list(resource[doc_type], resource[doc_type])
        in_jurnal = [d["transaction_no"] for d in listed if d["transaction_no"] in numbers]
        assert sorted(in_jurnal) == sorted(numbers)  # each once
        days = [*BEFORE, DAY]
        ledger = compare_ledgers(
            jurnal_movements(week.jurnal.env, min(days), DAY),
            journal_movements(week.store, days),
            config,
        )
        assert ledger.difference == 0, ledger.by_account
