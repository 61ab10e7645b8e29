"""Orders changed in iSeller after their invoices were posted: the day of the change reverses
what was posted (sales return ``/C`` + journal entry ``/CJ``) and posts the order again under
revision keys; the memos name each other, Jurnal's trial balance still equals the canonical
journal, and running the days again posts nothing new."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta

import pytest

from journal_pipeline.accounting.holds import Hold
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import day as day_sync
from journal_pipeline.sync import returns
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline.sync.reconciliation import (
    day_takings,
    journal_takings,
    takings_differences,
)
from journal_pipeline_tests.e2e.demo_week import CONFIG, synced_demo_week
from journal_pipeline_tests.e2e.test_rollback_repost import _ties_out

pytestmark = pytest.mark.e2e

FIXED_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
DAYS = [date(2026, 11, 17) + timedelta(days=n) for n in range(3)]
CHANGED_AT = "2026-11-19 05:00:00"  # UTC: business date DAYS[2] in Jakarta and Bandung


def _simple_sales(store: StagingStore, outlets: tuple[str, ...]) -> list[dict]:
    """Completed orders of the first day at ``outlets`` paid once, never refunded."""
    start = datetime(2026, 11, 16, 17, tzinfo=UTC)
    found = []
    for order in store.orders_closed_between(start, start + timedelta(days=1)):
        kinds = [t["type"] for t in order["transactions"]]
        if order["status"] == "completed" and order["outlet_code"] in outlets and kinds == ["sale"]:
            found.append(order)
    return found


def _sync_staged(store: StagingStore, client) -> int:
    """Build and post every day from what is staged (no new fetch); documents posted now."""
    posted = 0
    for day in DAYS:
        outbox = Outbox(store)
        day_sync.record_journal(store, outbox, day, day_sync.build_journal(store, CONFIG, day))
        posted += outbox.post_pending(day, client).posted
        posted += returns.post_corrections(outbox, day, client).posted
    return posted


def test_changed_orders_are_reversed_and_posted_again(tmp_path):
    with synced_demo_week(tmp_path, DAYS, orders_per_outlet_per_day=8, now=FIXED_NOW) as week:
        store, client = week.store, week.jurnal.client()
        sales = _simple_sales(store, ("JKT", "BDG"))  # both outlets charge PPN
        first, moved = sales[0], sales[1]
        other = next(o for o in sales[2:] if o["total_amount"] != first["total_amount"])
        # an amount change: the order now has other lines and another total
        edited = copy.deepcopy(other)
        for key in ("order_id", "order_reference", "closed_date", "order_date", "outlet_code"):
            edited[key] = first[key]
        for t in edited["transactions"]:
            t.update(order_id=first["order_id"], order_reference=first["order_reference"])
            t["transaction_id"] += "-edited"
        edited["modified_date"] = CHANGED_AT
        # an outlet and business-date change
        relocated = copy.deepcopy(moved)
        elsewhere = "BDG" if moved["outlet_code"] == "JKT" else "JKT"
        relocated.update(outlet_code=elsewhere, modified_date=CHANGED_AT)
        relocated["closed_date"] = "2026-11-17 23:30:00"  # the 18th in Jakarta's time
        store.upsert_orders([edited, relocated])

        assert _sync_staged(store, client) > 0
        outbox = Outbox(store)
        frame = outbox.documents(DAYS[2]).set_index("doc_key")
        for order in (first, moved):
            old_no = f"ISL/{order['order_reference'].lstrip('#')}"
            key = f"sales_invoice:{order['order_id']}/1"
            assert frame.loc[key, "status"] == "posted", frame.loc[key, "reason"]
            assert frame.loc[key, "transaction_no"] == f"{old_no}.1"
            for doc_type in ("sales_return", "journal_entry"):
                row = frame.loc[f"{doc_type}:{order['order_id']}/C"]
                assert row["status"] == "posted", row["reason"]
            invoice = next(
                i
                for i in client.iter_list("sales_invoices", "sales_invoices")
                if i["custom_id"] == f"{order['order_id']}/1"
            )
            assert old_no in invoice["memo"] and f"{old_no}/C" in invoice["memo"]
            back = next(
                r
                for r in client.iter_list("sales_returns", "sales_returns")
                if r["transaction_no"] == f"{old_no}/C"
            )
            assert f"{old_no}.1" in back["memo"] and f"{old_no}/CJ" in back["memo"]
        assert frame.loc[f"sales_invoice:{moved['order_id']}/1", "outlet_code"] == elsewhere
        # the first sales stay on their day as posted; the moved sale is not booked twice
        assert Outbox(store).invoice_status([first["order_id"]]) == {first["order_id"]: "posted"}
        next_day = store.read_journal(DAYS[1])
        assert not next_day["source_id"].str.startswith(moved["order_id"]).any()
        _ties_out(week, DAYS)
        # the takings check compares each day's sales as posted, the corrections aside
        for day in DAYS:
            expected = day_takings(store, CONFIG, day)
            assert takings_differences(expected, journal_takings(store, day)) == [], day

        counts = {r: len(list(client.iter_list(r, r))) for r in ("sales_invoices", "sales_returns")}
        assert _sync_staged(store, client) == 0  # a re-run does nothing new
        assert counts == {
            r: len(list(client.iter_list(r, r))) for r in ("sales_invoices", "sales_returns")
        }
        _ties_out(week, DAYS)


def test_a_change_that_cannot_be_corrected_yet_is_held_until_it_can(tmp_path):
    with synced_demo_week(tmp_path, DAYS, orders_per_outlet_per_day=8, now=FIXED_NOW) as week:
        store = week.store
        order = _simple_sales(store, ("JKT",))[0]
        reference = order["order_reference"]
        # a payment of the order still open in the outbox: the correction must wait for it
        open_payment = Hold(
            "order",
            f"{order['order_id']}-pay",
            reference,
            "JKT",
            DAYS[1],
            "held for the test",
            "receive_payment",
        )
        Outbox(store).enqueue(DAYS[1], [], [open_payment])
        changed = copy.deepcopy(order)
        changed.update(outlet_code="BDG", modified_date=CHANGED_AT)  # a correction is due
        store.upsert_orders([changed])

        outbox = Outbox(store)
        day_sync.record_journal(
            store, outbox, DAYS[2], day_sync.build_journal(store, CONFIG, DAYS[2])
        )
        frame = outbox.documents(DAYS[2]).set_index("doc_key")
        key = f"correction:{order['order_id']}@{DAYS[2].isoformat()}"
        assert frame.loc[key, "status"] == "held"  # visible, not silently skipped
        reason = frame.loc[key, "reason"]
        assert f"Order {reference} (outlet BDG) changed in iSeller" in reason
        assert "receive payment" in reason and "is held" in reason
        assert f"journal-pipeline sync --date {DAYS[2].isoformat()}" in reason
        assert f"sales_invoice:{order['order_id']}/1" not in frame.index  # nothing guessed

        # the open payment is settled (here: the first day built again withdraws it), and
        # the change day built again makes the correction and lets the hold go
        day_sync.record_journal(
            store, outbox, DAYS[1], day_sync.build_journal(store, CONFIG, DAYS[1])
        )
        day_sync.record_journal(
            store, outbox, DAYS[2], day_sync.build_journal(store, CONFIG, DAYS[2])
        )
        frame = outbox.documents(DAYS[2]).set_index("doc_key")
        assert frame.loc[key, "status"] == "withdrawn"
        assert frame.loc[f"sales_invoice:{order['order_id']}/1", "status"] == "pending"


def test_a_change_on_a_locked_day_is_corrected_on_the_first_open_day(tmp_path):
    with synced_demo_week(tmp_path, DAYS, orders_per_outlet_per_day=8, now=FIXED_NOW) as week:
        store, client = week.store, week.jurnal.client()
        order = _simple_sales(store, ("JKT",))[0]
        reference = order["order_reference"]
        old_no = f"ISL/{reference.lstrip('#')}"
        store.upsert_orders([{**order, "outlet_code": "BDG", "modified_date": CHANGED_AT}])
        config = CONFIG.model_copy(update={"lock_date": DAYS[2]})
        opened = DAYS[2] + timedelta(days=1)
        for day in (DAYS[2], opened):
            outbox = Outbox(store)
            day_sync.record_journal(store, outbox, day, day_sync.build_journal(store, config, day))
            outbox.post_pending(day, client)
            returns.post_corrections(outbox, day, client)

        frame = Outbox(store).documents(DAYS[2]).set_index("doc_key")
        for key in (
            f"sales_invoice:{order['order_id']}/1",
            f"sales_return:{order['order_id']}/C",
            f"journal_entry:{order['order_id']}/C",
        ):
            assert frame.loc[key, "status"] == "posted", frame.loc[key, "reason"]
        invoice = next(
            i
            for i in client.iter_list("sales_invoices", "sales_invoices")
            if i["custom_id"] == f"{order['order_id']}/1"
        )
        back = next(
            r
            for r in client.iter_list("sales_returns", "sales_returns")
            if r["transaction_no"] == f"{old_no}/C"
        )
        for document in (invoice, back):  # never on or before the lock date
            assert document["transaction_date"] in (opened.isoformat(), opened.strftime("%d/%m/%Y"))
            assert "lock_date" in document["memo"]
        # the canonical journal dates the reversal and the new sale as Jurnal does
        locked_day = store.read_journal(DAYS[2])
        assert not (locked_day["source_reference"] == reference).any()
        first_open = store.read_journal(opened)
        mine = first_open[first_open["source_reference"] == reference]
        assert set(mine["source_type"]) >= {"reversal"} and len(mine) > 0
        assert int(mine["debit"].sum()) == int(mine["credit"].sum())
        _ties_out(week, [*DAYS, opened])
