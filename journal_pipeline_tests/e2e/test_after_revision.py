"""Money that moves after an order was revised: a refund of a revised order and a later
payment of a revised on-account order are booked against the live revision's invoice
(``<prefix><reference>.1``) on their own business date, with keys of their own; Jurnal's trial
balance still equals the canonical journal and a re-run posts nothing new."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import day as day_sync
from journal_pipeline.sync import returns
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.e2e.demo_week import CONFIG, synced_demo_week
from journal_pipeline_tests.e2e.test_changed_after_posting import _simple_sales
from journal_pipeline_tests.e2e.test_rollback_repost import _ties_out
from journal_sandbox.demo_merchant import refund_money

pytestmark = pytest.mark.e2e

FIXED_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
DAYS = [date(2026, 11, 17) + timedelta(days=n) for n in range(3)]
CHANGED_AT = "2026-11-18 05:00:00"  # UTC: business date DAYS[1] in Jakarta and Bandung
LATER = "2026-11-19 06:00:00"  # DAYS[2]


def sync_staged(store: StagingStore, client, days: list[date] = DAYS) -> int:
    """Build and post every day from what is staged (no new fetch); documents posted now."""
    posted = 0
    for day in days:
        outbox = Outbox(store)
        day_sync.record_journal(store, outbox, day, day_sync.build_journal(store, CONFIG, day))
        posted += outbox.post_pending(day, client).posted
        posted += returns.post_corrections(outbox, day, client).posted
    return posted


def revised(order: dict, source: dict, suffix: str) -> dict:
    """``order`` changed at CHANGED_AT into ``source``'s lines and amounts."""
    edited = copy.deepcopy(source)
    for key in ("order_id", "order_reference", "closed_date", "order_date", "outlet_code"):
        edited[key] = order[key]
    for t in edited["transactions"]:
        t.update(order_id=order["order_id"], order_reference=order["order_reference"])
        t["transaction_id"] += suffix
    edited["modified_date"] = CHANGED_AT
    return edited


def partly_refunded(order: dict, at: str = LATER) -> tuple[dict, dict]:
    """``order`` after a refund at ``at`` of one unit of its first line, and its entry."""
    line = order["order_details"][0]
    amount = refund_money(order, {line["order_detail_id"]: 1})["amount"]
    sale = order["transactions"][0]
    after = copy.deepcopy(order)
    after.update(modified_date=at, payment_status="partially_refunded")
    after["transactions"].append(
        {
            **copy.deepcopy(sale),
            "transaction_id": f"{order['order_id']}-refund",
            "transaction_date": at,
            "type": "refund",
            "amount": Decimal(amount),
        }
    )
    entry = {
        "refund_id": f"{order['order_id']}-refund-entry",
        "order_id": order["order_id"],
        "order_reference": order["order_reference"],
        "refund_date": at,
        "refund_amount": Decimal(amount),
        "refund_details": [
            {
                "order_detail_id": line["order_detail_id"],
                "product_id": line["product_id"],
                "sku": line["sku"],
                "quantity": Decimal(1),
            }
        ],
    }
    return after, entry


def paid_later(order: dict, method_of: dict) -> dict:
    """The on-account ``order`` paid in full at LATER by ``method_of``'s first payment method."""
    after = copy.deepcopy(order)
    after.update(modified_date=LATER, payment_status="paid", remaining_on_account=Decimal(0))
    after["transactions"].append(
        {
            **copy.deepcopy(method_of["transactions"][0]),
            "transaction_id": f"{order['order_id']}-paid",
            "order_id": order["order_id"],
            "order_reference": order["order_reference"],
            "transaction_date": LATER,
            "type": "sale",
            "status": "success",
            "amount": Decimal(order["total_amount"]),
        }
    )
    return after


def _invoice_no(order: dict) -> str:
    return f"ISL/{order['order_reference'].lstrip('#')}"


def _records(client, resource: str) -> list[dict]:
    return list(client.iter_list(resource, resource))


def test_refund_and_later_payment_after_a_revision(tmp_path):
    with synced_demo_week(tmp_path, DAYS, orders_per_outlet_per_day=8, now=FIXED_NOW) as week:
        store, client = week.store, week.jurnal.client()
        sales = _simple_sales(store, ("JKT", "BDG"))
        several = [o for o in sales if sum(ln["quantity"] for ln in o["order_details"]) > 1]
        refunded, source = several[0], several[1]
        on_account, template = sales[-1], sales[-2]
        assert len({o["order_id"] for o in (refunded, source, on_account, template)}) == 4
        # day 2: one order takes another's lines; another becomes an on-account sale
        first = revised(refunded, source, "-edited")
        unpaid = copy.deepcopy(on_account)
        unpaid.update(
            modified_date=CHANGED_AT,
            transactions=[],
            payment_status="pending",
            remaining_on_account=Decimal(on_account["total_amount"]),
        )
        store.upsert_orders([first, unpaid])
        assert sync_staged(store, client) > 0
        for order in (first, unpaid):
            key = f"sales_invoice:{order['order_id']}/1"
            row = Outbox(store).documents(DAYS[1]).set_index("doc_key").loc[key]
            assert row["status"] == "posted", row["reason"]
            assert row["transaction_no"] == f"{_invoice_no(order)}.1"

        # day 3: a partial refund of the first, the second paid in full
        after_refund, entry = partly_refunded(first)
        store.upsert_orders([after_refund, paid_later(unpaid, template)])
        store.upsert_refunds([entry])
        sync_staged(store, client)

        frame = Outbox(store).documents(DAYS[2]).set_index("doc_key")
        refund_id = f"{first['order_id']}-refund/1"
        invoice_1 = f"{_invoice_no(first)}.1"
        for doc_type, number in (("sales_return", "R1"), ("journal_entry", "RJ1")):
            row = frame.loc[f"{doc_type}:{refund_id}"]
            assert row["status"] == "posted", row["reason"]
            assert row["transaction_no"] == f"{invoice_1}/{number}"
        back = next(r for r in _records(client, "sales_returns") if r["custom_id"] == refund_id)
        assert back["transaction_no"] == f"{invoice_1}/R1"
        payment_key = f"receive_payment:{unpaid['order_id']}-paid/1"
        row = frame.loc[payment_key]
        assert row["status"] == "posted", row["reason"]
        assert row["transaction_no"] == f"{_invoice_no(unpaid)}.1/P1"
        paid = next(
            p
            for p in _records(client, "receive_payments")
            if p["custom_id"] == f"{unpaid['order_id']}-paid/1"
        )
        assert Decimal(str(paid["total"])) == Decimal(unpaid["total_amount"])
        # the later payment is not taken for a change of the order: no revision 2
        assert f"sales_invoice:{unpaid['order_id']}/2" not in frame.index
        journal = store.read_journal(DAYS[2])
        assert set(journal["source_id"]) >= {refund_id, f"{unpaid['order_id']}-paid/1"}
        _ties_out(week, DAYS)

        counts = {
            r: len(_records(client, r))
            for r in ("sales_invoices", "sales_returns", "receive_payments", "journal_entries")
        }
        assert sync_staged(store, client) == 0  # a re-run posts nothing new
        assert counts == {r: len(_records(client, r)) for r in counts}
        _ties_out(week, DAYS)


def test_a_refund_before_a_revision_is_booked_again_against_it(tmp_path):
    """The reversal of revision 0 undoes its refund with the sale; revision 1 books the sale
    again, and the refund with it, on the day of the change."""
    with synced_demo_week(tmp_path, DAYS, orders_per_outlet_per_day=8, now=FIXED_NOW) as week:
        store, client = week.store, week.jurnal.client()
        sales = _simple_sales(store, ("JKT", "BDG"))
        order = next(o for o in sales if sum(ln["quantity"] for ln in o["order_details"]) > 1)
        method = order["transactions"][0]["payment_type_name"]
        other = next(o for o in sales if o["transactions"][0]["payment_type_name"] != method)
        refunded, entry = partly_refunded(order, CHANGED_AT)  # day 2
        store.upsert_orders([refunded])
        store.upsert_refunds([entry])
        sync_staged(store, client)
        tid = f"{order['order_id']}-refund"
        row = Outbox(store).documents(DAYS[1]).set_index("doc_key").loc[f"sales_return:{tid}"]
        assert row["status"] == "posted", row["reason"]

        # day 3: the sale's payment method is corrected in iSeller
        changed = copy.deepcopy(refunded)
        sale = changed["transactions"][0]
        for key in ("payment_type_name", "gateway"):
            sale[key] = other["transactions"][0][key]
        changed["modified_date"] = LATER
        store.upsert_orders([changed])
        sync_staged(store, client)
        frame = Outbox(store).documents(DAYS[2]).set_index("doc_key")
        invoice_1 = f"{_invoice_no(order)}.1"
        for key, number in (
            (f"sales_invoice:{order['order_id']}/1", invoice_1),
            (f"sales_return:{order['order_id']}/C", f"{_invoice_no(order)}/C"),
            (f"sales_return:{tid}/1", f"{invoice_1}/R1"),
            (f"journal_entry:{tid}/1", f"{invoice_1}/RJ1"),
        ):
            assert frame.loc[key, "status"] == "posted", (key, frame.loc[key, "reason"])
            assert frame.loc[key, "transaction_no"] == number
        _ties_out(week, DAYS)
        counts = {r: len(_records(client, r)) for r in ("sales_returns", "journal_entries")}
        assert sync_staged(store, client) == 0
        assert counts == {r: len(_records(client, r)) for r in counts}


def test_a_later_payment_of_a_first_revision_is_a_receive_payment(tmp_path):
    """An on-account order paid on a later day, fetched again after its invoice was posted,
    is paid by a receive payment against that invoice: a later payment is not a change."""
    with synced_demo_week(tmp_path, DAYS, orders_per_outlet_per_day=8, now=FIXED_NOW) as week:
        store, client = week.store, week.jurnal.client()
        sales = _simple_sales(store, ("JKT", "BDG"))
        template = sales[0]
        unpaid = copy.deepcopy(template)
        unpaid.update(
            order_id=f"{template['order_id']}-credit",
            order_reference=f"{template['order_reference']}-K",
            transactions=[],
            payment_status="pending",
        )
        store.upsert_orders([unpaid])
        assert sync_staged(store, client) > 0  # a late upload: its invoice on its own day
        store.upsert_orders([paid_later(unpaid, template)])
        sync_staged(store, client)
        frame = Outbox(store).documents(DAYS[2]).set_index("doc_key")
        key = f"receive_payment:{unpaid['order_id']}-paid"
        assert frame.loc[key, "status"] == "posted", frame.loc[key, "reason"]
        assert frame.loc[key, "transaction_no"] == f"{_invoice_no(unpaid)}/P1"
        assert f"sales_invoice:{unpaid['order_id']}/1" not in frame.index
        _ties_out(week, DAYS)
        assert sync_staged(store, client) == 0
