"""The day's invoices built from columns are those of `sales_invoice`, order by order.

`sales_invoices` computes the parts of every invoice at once (`invoice_columns`,
`invoice_fits`) and sends the orders it cannot give exactly to the per-order path. Here a
demo day, with orders changed to take every unusual way (fractional quantities, line discounts
that are no Jurnal percentage, free lines, nameless lines, unknown outlets, unmapped and split
payments, walk-in customers), gives the same documents and holds as `sales_invoice` of each
order, and the orders whose fit needs the searches (an extra discount, a rounding line beside
an invoice discount) are among those built from the columns.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.accounting.business_day import merged_window_utc
from journal_pipeline.accounting.invoice_columns import invoice_parts
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.demo_merchant import OUTLETS, DemoMerchant

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 19)


def _demo_day() -> list[dict[str, Any]]:
    _, end = merged_window_utc(DAY, CONFIG.zones())
    merchant = DemoMerchant(seed=11, orders_per_outlet_per_day=60, start_date=DAY)
    return [
        shown
        for outlet in OUTLETS
        for generated in merchant.orders_for_day(outlet.outlet_code, DAY)
        if (shown := generated.as_of(end - timedelta(seconds=1))) is not None
    ]


def _changed(orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of some of the day's orders, each changed one unusual way."""
    changed = []
    for number, order in enumerate(orders[:120]):
        order = copy.deepcopy(order)
        order["order_id"] = f"{order['order_id']}-x{number}"
        for transaction in order.get("transactions") or []:
            transaction["transaction_id"] = f"{transaction.get('transaction_id')}-x{number}"
        detail = (order.get("order_details") or [{}])[0]
        kind = number % 8
        if kind == 0 and detail.get("quantity") == Decimal(1):  # half of twice the price
            detail["quantity"] = Decimal("0.5")
            detail["base_price"] = Decimal(detail["base_price"]) * 2
        elif kind == 1:  # a line discount that is no percentage of two places
            detail["discount_amount"] = Decimal(detail.get("discount_amount") or 0) + 1
        elif kind == 2:  # a free line
            detail["discount_amount"] = detail.get("total_order_amount")
        elif kind == 3:
            detail.update(sku=None, product_name=None)
        elif kind == 4:
            order["outlet_code"] = "SBY"
        elif kind == 5:
            for transaction in order.get("transactions") or []:
                transaction.update(payment_type_name="OVO", gateway="custom")
        elif kind == 6:
            order.update(customer_id=None, customer_name=None, order_reference="")
            detail["product_variant_name"] = None
        else:  # the rest paid twice, by two methods
            transactions = order.get("transactions") or []
            if transactions:
                first = transactions[0]
                half = Decimal(first["amount"]) // 2
                transactions.append(
                    {**first, "transaction_id": f"{first['transaction_id']}-2", "amount": half}
                )
                first["amount"] = Decimal(first["amount"]) - half
                transactions[-1].update(payment_type_name="QRIS", gateway="qris")
        changed.append(order)
    return changed


def _one_by_one(sales: posting_rules.DaySales) -> tuple[list[Any], list[Any]]:
    lines = posting_rules.records_by_order(sales.frames.lines)
    pays = posting_rules.records_by_order(sales.frames.payments)
    documents, holds = [], []
    for order in sales.frames.orders.itertuples(index=False):
        built, hold = invoices.sales_invoice(
            order, lines.get(order.order_id, []), pays.get(order.order_id, []), CONFIG, DAY
        )
        if hold is not None:
            holds.append(hold)
        else:
            documents.extend(built or [])
    return documents, holds


def test_the_invoices_from_columns_are_those_of_each_order() -> None:
    orders = _demo_day()
    sales = posting_rules.sales_of_day(order_frames([*orders, *_changed(orders)]), CONFIG, DAY)
    assert len(sales.frames.orders) > 250
    documents, holds = invoices.sales_invoices(sales, CONFIG)
    expected_documents, expected_holds = _one_by_one(sales)
    assert documents == expected_documents
    assert holds == expected_holds
    reasons = " ".join(hold.reason for hold in holds)
    assert "neither a SKU nor a product name" in reasons
    assert "no account mapping" in reasons

    # the searches of the fit run on the columns: these invoices did not go one by one
    read = [
        (int(s), int(c), int(t)) if m else None
        for m, s, c, t in sales.charges[
            ["matched", "stated_charge", "charge", "charge_tax"]
        ].itertuples(index=False)
    ]
    frames = sales.frames
    parts = invoice_parts(
        frames.orders,
        frames.lines,
        frames.payments,
        read,
        np.zeros(len(read), dtype=bool),
        CONFIG,
        DAY,
        {},
    )
    assert parts is not None
    fast = set(frames.orders["order_id"].to_numpy(dtype=object)[parts.fast])
    bodies = {
        d.source_id: d.payload["sales_invoice"] for d in documents if d.doc_type == "sales_invoice"
    }
    extra_discount = [i for i, b in bodies.items() if isinstance(b.get("discount_unit"), str)]
    rounded_beside_discount = [
        i
        for i, b in bodies.items()
        if not b["use_tax_inclusive"]
        and "discount_unit" in b
        and b["transaction_lines_attributes"][-1].get("product_name") == CONFIG.rounding_product
    ]
    halves = [
        i
        for i, b in bodies.items()
        if any(line["quantity"] == "0.5" for line in b["transaction_lines_attributes"])
    ]
    for found in (extra_discount, rounded_beside_discount, halves):
        assert found and set(found) <= fast
    assert len(fast) > 0.8 * len(bodies)
