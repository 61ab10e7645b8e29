"""The transform gives, byte for byte, what it gave when the golden file was written.

A demo day (three outlets, ~300 orders, with the changes of the days before that fall on it:
on-account payments, refunds, voids) and hand-written orders that are held for each reason
the posting rules and invoices know, through the transform the day's build runs: the order
frames, `sales_of_day`, `journal_lines`, `later_payment_entries` and `sales_invoices`. Every
output (the frames, the day's events, journal lines, documents with their payloads, holds) is
written as JSON with each value's type, and compared with the golden file as text.

The input (`golden/transform_day_orders.json.gz`: the orders as JSON, amounts as text) is
stored beside the output, so a change of the demo generator does not change the comparison.
The golden output (`golden/transform_day.json`) was generated before the transform was
vectorised; regenerate both only for an intended change of output (``UPDATE_GOLDEN=1``
``.venv/bin/pytest journal_pipeline_tests/accounting/test_transform_equivalence.py``).
"""

from __future__ import annotations

import copy
import gzip
import json
import os
from dataclasses import asdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from journal_pipeline.accounting import invoices, payments, posting_rules
from journal_pipeline.accounting.business_day import merged_window_utc
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline_tests.accounting.money_orders import payment, untaxed_order
from journal_pipeline_tests.accounting.orders import restaurant_order, retail_order
from journal_pipeline_tests.accounting.rounding_orders import tied_share_order
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.demo_merchant import OUTLETS, DemoMerchant

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 20)
GOLDEN = Path(__file__).with_name("golden") / "transform_day.json"
GOLDEN_INPUT = GOLDEN.with_name("transform_day_orders.json.gz")


def demo_day() -> list[dict[str, Any]]:
    """The staged orders of a small demo day: the day's orders at the end of its window, and
    the orders of the week before that changed during it."""
    start, end = merged_window_utc(DAY, CONFIG.zones())
    as_of = end - timedelta(seconds=1)
    merchant = DemoMerchant(seed=5, orders_per_outlet_per_day=85, start_date=DAY)
    staged = [
        shown
        for outlet in OUTLETS
        for generated in merchant.orders_for_day(outlet.outlet_code, DAY)
        if (shown := generated.as_of(as_of)) is not None
    ]
    earlier = DemoMerchant(seed=5, orders_per_outlet_per_day=50, start_date=DAY - timedelta(7))
    for outlet in OUTLETS:
        for back in range(1, 8):
            for generated in earlier.orders_for_day(outlet.outlet_code, DAY - timedelta(back)):
                if any(start <= at < end for at in generated.state_changes()[1:]):
                    shown = generated.as_of(as_of)
                    if shown is not None:
                        staged.append(shown)
    return staged


def _renamed(order: dict[str, Any], suffix: str) -> dict[str, Any]:
    order = copy.deepcopy(order)
    order_id = f"{order['order_id'][:-4]}{suffix}"
    order["order_id"] = order_id
    order["order_reference"] = f"#EDGE-{suffix}"
    for transaction in order.get("transactions") or []:
        transaction["order_id"] = order_id
        transaction["transaction_id"] = f"{transaction.get('transaction_id')}-{suffix}"
    return order


def edge_orders() -> list[dict[str, Any]]:
    """Hand-written orders of the day, each held (or read) another way."""
    orders = [retail_order(), restaurant_order(), tied_share_order("edge-tie", "#JKT-TIE")]
    unknown = _renamed(retail_order(), "0001")
    unknown["outlet_code"] = "SBY"
    unmapped = _renamed(retail_order(), "0002")
    unmapped["transactions"][0].update(payment_type_name="OVO", gateway="custom")
    inconsistent = _renamed(retail_order(), "0003")
    inconsistent["total_amount"] = "190000"
    inconsistent["transactions"][0]["amount"] = "190000"
    nameless = _renamed(retail_order(), "0004")
    nameless["order_details"][0].update(sku=None, product_name=None)
    mistaxed = _renamed(retail_order(), "0005")
    mistaxed["order_details"][0]["tax_percentage"] = "10"
    overpaid = _renamed(retail_order(), "0006")
    overpaid["transactions"][0]["amount"] = "200000"
    on_account = _renamed(retail_order(), "0007")
    on_account["transactions"][0]["amount"] = "100000"
    walk_in = _renamed(restaurant_order(), "0008")
    walk_in.update(customer_id=None, customer_name=None, order_reference="")
    walk_in["order_details"][0]["product_variant_name"] = None
    split = _renamed(retail_order(), "0009")
    first = split["transactions"][0]
    first["amount"] = "87702"
    split["transactions"].append(
        {**first, "transaction_id": "t-split-2", "payment_type_name": None, "amount": "100000"}
    )
    voided = _renamed(restaurant_order(), "0010")
    voided["status"] = "void"
    orders += [unknown, unmapped, inconsistent, nameless, mistaxed, overpaid, on_account]
    orders += [walk_in, split, voided]
    orders.append(
        untaxed_order(
            "edge-gift",
            payments=[payment("edge-gift-p", "Tunai", "cash", 100_000)],
            sku="GC-100",
            product_type="giftcard",
        )
    )
    return orders


def _value(value: Any) -> Any:
    """A JSON value naming its type, so an int that became a Decimal (or a numpy int) shows."""
    if value is None or isinstance(value, bool | str):
        return value
    if type(value) is int:
        return value
    if isinstance(value, float):
        return f"float:{value!r}"
    if isinstance(value, Decimal):
        return f"Decimal:{value}"
    if isinstance(value, datetime):
        return f"datetime:{value.isoformat()}"
    if isinstance(value, date):
        return f"date:{value.isoformat()}"
    if isinstance(value, dict):
        return {str(k): _value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    return f"{type(value).__name__}:{value!r}"


def _frame(frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "columns": [f"{c}:{frame[c].dtype}" for c in frame.columns],
        "rows": [_value(list(row)) for row in frame.itertuples(index=False)],
    }


def transform_output(orders: list[dict[str, Any]], day: date) -> dict[str, Any]:
    """Everything the transform gives for ``orders`` on ``day``, as typed JSON values."""
    frames = order_frames(orders)
    sales = posting_rules.sales_of_day(frames, CONFIG, day)
    lines, holds = posting_rules.journal_lines(sales, CONFIG)
    pay_lines, pay_documents, pay_holds = payments.later_payment_entries(
        sales.later_payments, sales.payments, CONFIG, day
    )
    documents, invoice_holds = invoices.sales_invoices(
        sales, CONFIG, skip={hold.source_id for hold in holds}
    )
    return {
        "frames": {
            "orders": _frame(frames.orders),
            "lines": _frame(frames.lines),
            # its rows are those of the dated payments below, without their four added columns
            "payments": [f"{c}:{t}" for c, t in frames.payments.dtypes.items()],
        },
        "sales": {
            # the day's completed orders: rows of the frames above (their payments dated)
            "frames": {
                "orders": list(sales.frames.orders["order_id"]),
                "lines": [list(row) for row in sales.frames.lines[["order_id", "line_no"]].values],
                "payments": list(sales.frames.payments["transaction_id"]),
                "columns": {
                    name: [f"{c}:{t}" for c, t in getattr(sales.frames, name).dtypes.items()]
                    for name in ("orders", "lines", "payments")
                },
            },
            "voided": sales.voided,
            "other_status": sales.other_status,
            "later_payments": _frame(sales.later_payments),
            "refunds": _frame(sales.refunds),
            "voided_later": _frame(sales.voided_later),
            "payments": _frame(sales.payments),
            "readings": sales.readings,
        },
        "journal_lines": _frame(lines),
        "holds": [_value(asdict(hold)) for hold in holds],
        "later_payment_lines": _value(pay_lines),
        "later_payment_documents": [_value(asdict(d)) for d in pay_documents],
        "later_payment_holds": [_value(asdict(h)) for h in pay_holds],
        "documents": [_value(asdict(d)) for d in documents],
        "invoice_holds": [_value(asdict(h)) for h in invoice_holds],
    }


def _text(output: dict[str, Any]) -> str:
    return json.dumps(output, ensure_ascii=False, separators=(",", ":"), sort_keys=False) + "\n"


def _input_text(orders: list[dict[str, Any]]) -> bytes:
    text = json.dumps(orders, default=str, ensure_ascii=False, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), mtime=0)


def test_the_transform_gives_the_golden_output() -> None:
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN_INPUT.write_bytes(_input_text([*demo_day(), *edge_orders()]))
    orders = json.loads(gzip.decompress(GOLDEN_INPUT.read_bytes()).decode("utf-8"))
    text = _text(transform_output(orders, DAY))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    golden = GOLDEN.read_text(encoding="utf-8")
    if text != golden:
        output, expected = json.loads(text), json.loads(golden)
        for key in expected:
            assert output[key] == expected[key], key
    assert text == golden


def test_the_golden_day_covers_what_the_transform_does() -> None:
    """The golden day is not trivial: sales, later payments, split payments, every hold."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert len(golden["sales"]["frames"]["orders"]) >= 200
    assert golden["later_payment_documents"] and golden["sales"]["voided"]
    assert any(d["doc_type"] == "receive_payment" for d in golden["documents"])
    reasons = " ".join(h["reason"] for h in golden["holds"] + golden["invoice_holds"])
    for words in ("not in the config", "no account mapping", "inconsistent", "taxed at"):
        assert words in reasons, words
    assert "neither a SKU nor a product name" in reasons
    assert "exceed the order total" in reasons
