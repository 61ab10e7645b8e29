"""Order lines cancelled at the till (OrderDetail ``fulfilment_status: cancel``): set apart when
the order's totals leave them out or they carry no money, read as sold when the totals count
them; served by the emulator over HTTP and read by the client as the pipeline reads orders."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from journal_pipeline.accounting import posting_rules
from journal_pipeline.config import load_config
from journal_pipeline.iseller.cancelled_lines import CANCELLED_KEY, without_cancelled_lines
from journal_pipeline.iseller.client import ISellerClient
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.validation import OrderBatch
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 19)


@pytest.fixture
def client(iseller_sandbox: SimpleNamespace) -> Iterator[ISellerClient]:
    with ISellerClient.from_env(iseller_sandbox.env) as made:
        yield made
    iseller_sandbox.sandbox.tamper.clear()


def _day_orders(client: ISellerClient) -> OrderBatch:
    """The orders created on DAY in Jakarta, as the day's fetch reads them."""
    start = datetime(2026, 11, 18, 17, tzinfo=UTC)
    return client.get_orders(created_after=start, created_before=start.replace(day=19, hour=16))


def _an_order(client: ISellerClient) -> dict[str, Any]:
    return next(
        o
        for o in _day_orders(client).orders
        if o["status"] == "completed" and len(o["order_details"]) >= 1 and not o["on_account"]
    )


def _with_cancelled_line(order: dict[str, Any], *, counted: bool, charged: bool = True) -> Any:
    def tamper(served: dict[str, Any]) -> dict[str, Any]:
        line = copy.deepcopy(served["order_details"][0])
        line.update(order_detail_id=f"{line['order_detail_id']}-x", fulfilment_status="cancel")
        if not charged:
            for field in ("total_order_amount", "subtotal", "discount_amount", "tax_amount"):
                line[field] = 0
            line["discount_order_amount"] = line["additional_charge"] = 0
        served["order_details"].append(line)
        if counted:  # the totals count it: charged, so sold
            for field in ("total_order_amount", "subtotal"):
                served[field] = Decimal(str(served[field])) + Decimal(str(line[field]))
        return served

    return tamper


def _journal(orders: list[dict[str, Any]], order_id: str) -> pd.DataFrame:
    sales = posting_rules.sales_of_day(order_frames(orders), CONFIG, DAY)
    lines, _ = posting_rules.journal_lines(sales, CONFIG)
    entry = lines[lines["entry_id"] == f"sale:{order_id}"]
    return entry[["account_name", "debit", "credit", "description"]].reset_index(drop=True)


@pytest.mark.parametrize("charged", [True, False])
def test_a_cancelled_line_the_totals_leave_out_is_not_booked(
    client: ISellerClient, iseller_sandbox: SimpleNamespace, charged: bool
) -> None:
    order = _an_order(client)
    before = _journal(_day_orders(client).orders, order["order_id"])
    assert len(before)
    tamper = _with_cancelled_line(order, counted=False, charged=charged)
    iseller_sandbox.sandbox.tamper.orders({order["order_id"]: tamper})
    served = _day_orders(client)
    (read,) = [o for o in served.orders if o["order_id"] == order["order_id"]]
    assert len(read["order_details"]) == len(order["order_details"])
    (cancelled,) = read[CANCELLED_KEY]
    assert cancelled["fulfilment_status"] == "cancel"
    assert [problems for o, problems in served.checked if o is read] == [[]]
    pd.testing.assert_frame_equal(_journal(served.orders, order["order_id"]), before)


def test_a_cancelled_line_the_totals_count_is_read_as_sold(
    client: ISellerClient, iseller_sandbox: SimpleNamespace
) -> None:
    order = _an_order(client)
    tamper = _with_cancelled_line(order, counted=True)
    iseller_sandbox.sandbox.tamper.orders({order["order_id"]: tamper})
    (read,) = [o for o in _day_orders(client).orders if o["order_id"] == order["order_id"]]
    assert len(read["order_details"]) == len(order["order_details"]) + 1
    assert CANCELLED_KEY not in read


def test_what_cannot_be_read_is_left_for_the_orders_checks() -> None:
    line = {"fulfillment_status": "Cancelled", "total_order_amount": "abc", "subtotal": "1"}
    order = {"subtotal": "1", "order_details": [line]}
    assert without_cancelled_lines(order) is order  # charged "abc": read as sent, then held
    for odd in (None, "text", {"order_details": "no list"}, {"order_details": [1, None]}):
        assert without_cancelled_lines(odd) is odd
    free = {"fulfillment_status": "Cancelled", "quantity": 2}
    out = without_cancelled_lines({"subtotal": 0, "order_details": [free]})
    assert out == {"subtotal": 0, "order_details": [], CANCELLED_KEY: [free]}
