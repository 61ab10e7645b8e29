"""A refund of an order whose goods of two tax treatments sit in two daily summary invoices,
through the Dagster assets against the sandboxes: one sales return per summary invoice, each
accepted by Jurnal against its invoice, journal entries that balance, and a trial balance equal
to the canonical journal.

The demo merchant taxes every line, so the order is written into the iSeller sandbox by hand:
a Jakarta sale of the first day (already posted as a summary) with its line sold twice, once
taxed and once untaxed, refunded in full on the second day. It reaches the first day late, so
it goes into a further summary of that day (``…/2`` and ``…/2-2``)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import dagster as dg
import pytest

from journal_pipeline.config import load_config
from journal_pipeline.sync import summary_members
from journal_pipeline.sync.order_marks import ORDERS_MARK
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.e2e.demo_week import ASSETS, synced_demo_week
from journal_pipeline_tests.e2e.test_daily_summary_week import _config, _payload
from journal_pipeline_tests.e2e.test_rollback_repost import _ties_out

pytestmark = pytest.mark.e2e

FIXED_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # every day below is over
DAYS = [date(2026, 11, 17) + timedelta(days=n) for n in range(3)]
SOLD_AT = "2026-11-17 05:00:00"  # UTC: 12:00 in Jakarta on DAYS[0]
REFUNDED_AT = "2026-11-18 05:00:00"  # 12:00 in Jakarta on DAYS[1]
ORDER_ID = "5e117000-0000-4000-8000-000000000001"
REFERENCE = "#JKT-SPLIT-1"
NUMBER = "ISL/JKT-SPLIT-1"
RESOURCES = ("sales_returns", "journal_entries")
FLAT = (
    "rounding_amount",
    "total_shipping_amount",
    "total_additional_subtotal_amount",
    "total_additional_final_amount",
    "total_additional_order_amount",
)


def _num(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def _template(iseller) -> dict[str, Any]:
    """A one-line Jakarta sale of DAYS[0], tax on top, paid once, without order discount,
    charge or rounding: the model of the order written by hand."""
    rows = iseller.query_db("SELECT body FROM orders ORDER BY order_id")
    for (text,) in rows:
        order = json.loads(text, parse_float=Decimal)
        if (
            order["outlet_code"] == "JKT"
            and order["status"] == "completed"
            and order["closed_date"].startswith("2026-11-17")
            and not order["tax_inclusive"]
            and [t["type"] for t in order["transactions"]] == ["sale"]
            and len(order["order_details"]) == 1
            and not order.get("discounts")
            and not any(_num(order.get(k)) for k in FLAT)
            and _num(order["order_details"][0]["tax_amount"])
            and not _num(order["order_details"][0]["discount_order_amount"])
        ):
            return order
    raise AssertionError("no plain one-line Jakarta sale on the first day")


def _mixed_order(template: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The order (refunded in full on DAYS[1]) and its refunded_orders[] entry: the
    template's line, taxed, and the same line again without tax."""
    order = copy.deepcopy(template)
    taxed = order["order_details"][0]
    untaxed = copy.deepcopy(taxed)
    untaxed.update(
        order_detail_id=f"{ORDER_ID}-2",
        taxable=False,
        tax_percentage=0,
        tax_amount=0,
    )
    taxed["order_detail_id"] = f"{ORDER_ID}-1"
    lines = [taxed, untaxed]
    subtotal = sum(_num(ln["subtotal"]) for ln in lines)
    tax = _num(taxed["tax_amount"])
    total = subtotal + tax
    order.update(
        order_id=ORDER_ID,
        order_reference=REFERENCE,
        order_date=SOLD_AT,
        closed_date=SOLD_AT,
        modified_date=REFUNDED_AT,
        payment_status="refunded",
        order_details=lines,
        total_order_amount=sum(_num(ln["total_order_amount"]) for ln in lines),
        total_discount_amount=sum(_num(ln["discount_amount"]) for ln in lines),
        subtotal=subtotal,
        total_tax_amount=tax,
        total_amount=total,
        buying_price=2 * _num(template.get("buying_price")),
    )
    sale = order["transactions"][0]
    sale.update(
        transaction_id=f"{ORDER_ID}-sale",
        order_id=ORDER_ID,
        transaction_date=SOLD_AT,
        amount=total,
        mdr=[],
    )
    refund = copy.deepcopy(sale)
    refund.update(transaction_id=f"{ORDER_ID}-refund", type="refund", transaction_date=REFUNDED_AT)
    order["transactions"] = [sale, refund]
    entry = {
        "refund_id": f"{ORDER_ID}-r",
        "order_id": ORDER_ID,
        "order_reference": REFERENCE,
        "channel": order["channel"],
        "order_date": SOLD_AT,
        "refund_date": REFUNDED_AT,
        "refund_reason": "Customer changed their mind",
        "refund_amount": total,
        "quantity": sum(_num(ln["quantity"]) for ln in lines),
        "units_returned": [],
        "refund_details": [
            {
                "order_detail_id": ln["order_detail_id"],
                "product_id": ln["product_id"],
                "sku": ln["sku"],
                "quantity": ln["quantity"],
                "cogs": ln.get("cogs") or [],
            }
            for ln in lines
        ],
    }
    return order, [entry]


def _dumps(value: Any) -> str:
    """JSON with Decimals as numbers, as the sandbox stores its orders."""

    def number(amount: Decimal) -> int | float:
        return int(amount) if amount == amount.to_integral_value() else float(amount)

    return json.dumps(value, default=number)


def _write_to_iseller(iseller, order: dict[str, Any], refunds: list[dict[str, Any]]) -> None:
    iseller.query_db(
        "INSERT INTO orders (order_id, outlet_id, customer_id, payment_status, "
        "fulfillment_status, order_date, modified_date, body, refunds) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            order["order_id"],
            order["outlet_id"],
            order.get("customer_id"),
            order["payment_status"],
            order.get("fulfillment_status") or "fulfilled",
            order["order_date"],
            order["modified_date"],
            _dumps(order),
            _dumps(refunds),
        ],
    )
    for payment in order["transactions"]:
        iseller.query_db(
            "INSERT INTO transactions (transaction_id, order_id, outlet_id, transaction_date, "
            "body) VALUES (?, ?, ?, ?, ?)",
            [
                payment["transaction_id"],
                order["order_id"],
                order["outlet_id"],
                payment["transaction_date"],
                _dumps(payment),
            ],
        )


def _run(week, day: date) -> None:
    """The day's assets with a full fetch of its orders (the order is stamped in the past of
    the sandbox's clock, below the day's incremental mark)."""
    week.store.clear_mark(ORDERS_MARK, day.isoformat())
    result = dg.materialize(ASSETS, partition_key=day.isoformat(), resources=week.resources)
    assert result.success, day


def _entry_total(body: dict[str, Any], side: str, account: str | None = None) -> Decimal:
    return sum(
        (
            _num(ln.get(side))
            for ln in body["transaction_account_lines_attributes"]
            if account is None or ln["account_name"] == account
        ),
        Decimal(0),
    )


def test_a_refund_over_two_summary_invoices_is_booked_in_jurnal(tmp_path):
    path = _config(tmp_path, "summary.yaml", "daily_summary", DAYS[0])
    with synced_demo_week(
        tmp_path / "week", DAYS, orders_per_outlet_per_day=6, now=FIXED_NOW, config=path
    ) as week:
        order, refunds = _mixed_order(_template(week.iseller))
        _write_to_iseller(week.iseller, order, refunds)
        for day in DAYS[:2]:
            _run(week, day)
        store = week.store
        member = summary_members.members_by_invoice_no(store.engine, [NUMBER])[NUMBER]
        targets = sorted({spot[0] for spot in member.line_map if spot})
        assert targets == ["ISL/S/JKT/20261117/2", "ISL/S/JKT/20261117/2-2"]

        # one sales return per summary invoice, each in the day's merged return of that
        # invoice (the order is alone in these two), posted at the total we priced; their
        # journal entries balance and credit the clearing account the refund together
        carried = summary_members.members_by_invoice_no(
            store.engine, [f"{NUMBER}/R1", f"{NUMBER}/R1-2"]
        )
        assert sorted(carried) == [f"{NUMBER}/R1", f"{NUMBER}/R1-2"]
        frame = Outbox(store).documents(DAYS[1]).set_index("doc_key")
        sale = order["transactions"][0]
        clearing = load_config(path).payment_account(
            sale["payment_type_name"], sale["gateway"], "JKT"
        )
        credited = Decimal(0)
        for target, refund in zip(targets, sorted(carried), strict=True):
            key = carried[refund].summary_key
            assert frame.loc[key, "status"] == "posted", (key, frame.loc[key, "reason"])
            assert _payload(store, key)["sales_return"]["invoice_no"] == target
            assert frame.loc[key, "posted_total"] == frame.loc[key, "expected_total"] > 0
            entry_key = key.replace("sales_return:", "journal_entry:", 1)
            assert frame.loc[entry_key, "status"] == "posted", frame.loc[entry_key, "reason"]
            body = _payload(store, entry_key)["journal_entry"]
            assert _entry_total(body, "debit") == _entry_total(body, "credit")
            credited += _entry_total(body, "credit", clearing)
        assert credited == order["total_amount"]

        client = week.jurnal.client()
        returns = [
            r
            for r in client.iter_list("sales_returns", "sales_returns")
            if r.get("invoice_no") in targets
        ]
        assert sorted(r["invoice_no"] for r in returns) == targets
        _ties_out(week, DAYS)

        # the same keys on the next build: a further run of the day posts nothing
        counts = {r: len(list(client.iter_list(r, r))) for r in RESOURCES}
        _run(week, DAYS[1])
        assert counts == {r: len(list(client.iter_list(r, r))) for r in RESOURCES}
