"""A sale voided in iSeller after its invoice reached Jurnal: the invoice stays as posted and a
sales return (``/V``) plus a journal entry (``/VJ``) reverse it on the void's business date
(the first open day when that day is locked); Jurnal's ledger still equals the canonical
journal and a re-run posts nothing new."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from journal_pipeline.config import MerchantConfig
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import day as day_sync
from journal_pipeline.sync import returns
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.e2e.demo_week import CONFIG, synced_demo_week
from journal_pipeline_tests.e2e.test_changed_after_posting import _simple_sales
from journal_pipeline_tests.e2e.test_rollback_repost import _ties_out

pytestmark = pytest.mark.e2e

FIXED_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
DAYS = [date(2026, 11, 17) + timedelta(days=n) for n in range(3)]
VOIDED_AT = "2026-11-19 05:00:00"  # UTC: noon of DAYS[2] in Jakarta


def _voided(order: dict) -> dict:
    """The order as iSeller shows it once voided (I-23): the sale stays, a void is added."""
    voided = copy.deepcopy(order)
    voided.update(
        status="void",
        payment_status="voided",
        cancel_date=VOIDED_AT,
        cancel_reason="wrong order",
        modified_date=VOIDED_AT,
    )
    (sale,) = voided["transactions"]
    void = {**sale, "transaction_id": sale["transaction_id"] + "-void", "type": "void"}
    void["transaction_date"] = VOIDED_AT
    voided["transactions"].append(void)
    return voided


def _sync(store: StagingStore, client, config: MerchantConfig, days: list[date]) -> int:
    posted = 0
    for day in days:
        outbox = Outbox(store)
        day_sync.record_journal(store, outbox, day, day_sync.build_journal(store, config, day))
        posted += outbox.post_pending(day, client).posted
        posted += returns.post_corrections(outbox, day, client).posted
    return posted


def _corrections(store: StagingStore, day: date, reference: str):
    frame = Outbox(store).documents(day)
    mine = frame[(frame["source_reference"] == reference)]
    return mine[mine["doc_type"].isin(["sales_return", "journal_entry"])].set_index("doc_type")


@pytest.mark.parametrize("locked", [False, True], ids=["open_day", "locked_day"])
def test_a_void_after_posting_is_reversed_on_the_void_day(tmp_path, locked):
    with synced_demo_week(tmp_path, DAYS, orders_per_outlet_per_day=4, now=FIXED_NOW) as week:
        store, client = week.store, week.jurnal.client()
        order = _simple_sales(store, ("JKT",))[0]
        reference = order["order_reference"]
        invoice_no = f"ISL/{reference.lstrip('#')}"
        store.upsert_orders([_voided(order)])
        config = CONFIG.model_copy(update={"lock_date": DAYS[2] if locked else None})
        booked_on = DAYS[2] + timedelta(days=1) if locked else DAYS[2]
        days = [*DAYS, booked_on] if locked else DAYS

        posted = _sync(store, client, config, days)
        if not locked:  # the week was synced: only the return and the journal entry are new
            assert posted == 2
        # built with the day of the void; dated the first open day when that day is locked
        found = _corrections(store, DAYS[2], reference)
        assert set(found.index) == {"sales_return", "journal_entry"}
        assert set(found["status"]) == {"posted"}, found["reason"].tolist()
        assert found.loc["sales_return", "transaction_no"] == f"{invoice_no}/V"
        assert found.loc["journal_entry", "transaction_no"] == f"{invoice_no}/VJ"

        # the invoice is untouched; the return gives back every line and the money
        invoice = next(
            i
            for i in client.iter_list("sales_invoices", "sales_invoices")
            if i["transaction_no"] == invoice_no
        )
        back = next(
            r
            for r in client.iter_list("sales_returns", "sales_returns")
            if r["transaction_no"] == f"{invoice_no}/V"
        )
        assert invoice["custom_id"] == order["order_id"]
        assert back["transaction_date"] in (booked_on.isoformat(), booked_on.strftime("%d/%m/%Y"))
        assert invoice_no in back["memo"] and f"{invoice_no}/VJ" in back["memo"]
        if locked:
            assert "lock_date" in back["memo"]
        journal = pd.concat([store.read_journal(day) for day in days])
        assert set(journal[journal["source_reference"] == reference]["business_date"]) == {
            DAYS[0],  # the sale, as posted
            booked_on,  # its reversal: never on a locked day
        }
        void_lines = journal[journal["source_reference"] == reference]
        assert int(void_lines["debit"].sum()) == int(void_lines["credit"].sum()) > 0
        cash = CONFIG.payment_methods["Cash"]
        paid_back = void_lines[void_lines["account_name"] == cash]["credit"].sum()
        sale = next(t for t in order["transactions"] if t["type"] == "sale")
        if sale.get("payment_type_name") == "Cash":
            assert int(paid_back) == round(float(sale["amount"]))
        _ties_out(week, days)
        assert _sync(store, client, config, days) == 0  # a re-run posts nothing new
