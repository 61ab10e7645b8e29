"""A summary day whose run stopped after its summary invoices reached Jurnal and before their
receive payments did (Jurnal unavailable for payments, or the run killed in between): the next
run of the day posts those payments, each once, and Jurnal's ledger ties out with the
canonical journal. A posted summary freezes its orders, so no build makes its payments again;
they are kept as they were queued instead of being withdrawn."""

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

DAY = date(2026, 11, 18)
NOW = datetime(2026, 11, 19, 22, 30, tzinfo=UTC)  # the day is over at every outlet


def _summary_config(tmp_path):
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    path = tmp_path / "summary.yaml"
    path.write_text(text.replace("posting_mode: per_order", "posting_mode: daily_summary", 1))
    return path


def _statuses(store, doc_type: str) -> dict[str, str]:
    documents = Outbox(store).documents(DAY)
    rows = documents[documents["doc_type"] == doc_type]
    return dict(zip(rows["doc_key"], rows["status"], strict=True))


def test_payments_of_a_posted_summary_are_posted_by_the_next_run(tmp_path):
    path = _summary_config(tmp_path)
    config = load_config(path)

    def use_summaries(resources: dict) -> None:
        resources["merchant"] = MerchantConfigResource(path=str(path))

    with synced_demo_week(
        tmp_path,
        [],
        orders_per_outlet_per_day=6,
        now=NOW,
        history_days=3,
        before_first_day=use_summaries,
    ) as week:
        week.jurnal.sandbox.faults.once("receive_payments", "error", times=10_000, status=503)
        first = dg.materialize(
            ASSETS, partition_key=DAY.isoformat(), resources=week.resources, raise_on_error=False
        )
        assert not first.success  # Jurnal kept refusing the payments
        invoices = _statuses(week.store, "sales_invoice")
        summaries = {k: s for k, s in invoices.items() if ":summary:" in k}
        assert summaries and set(summaries.values()) == {"posted"}
        waiting = _statuses(week.store, "receive_payment")
        assert waiting and set(waiting.values()) == {"pending"}

        week.jurnal.sandbox.faults.clear()
        again = dg.materialize(ASSETS, partition_key=DAY.isoformat(), resources=week.resources)
        assert again.success
        assert _statuses(week.store, "receive_payment") == dict.fromkeys(waiting, "posted")
        client = week.jurnal.client()
        in_jurnal = [
            p["transaction_no"] for p in client.iter_list("receive_payments", "receive_payments")
        ]
        numbers = {
            Outbox(week.store).documents(DAY).set_index("doc_key").at[k, "transaction_no"]
            for k in waiting
        }
        assert sorted(n for n in in_jurnal if n in numbers) == sorted(numbers)  # each once
        ledger = compare_ledgers(
            jurnal_movements(week.jurnal.env, DAY, DAY),
            journal_movements(week.store, [DAY]),
            config,
        )
        assert ledger.difference == 0, ledger.by_account
