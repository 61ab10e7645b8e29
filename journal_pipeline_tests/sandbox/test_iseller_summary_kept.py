"""GetOrderSummary keeps an answer only while no order is written: it follows the orders as
the clock brings new ones, and as anything else writes them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from journal_pipeline_tests.sandbox.test_iseller_endpoints import Api, Clock
from journal_sandbox.iseller_app import STATE_FILE, ISellerSandbox

NOON = datetime(2026, 11, 19, 5, tzinfo=UTC)  # 12:00 in Jakarta
DAY = {"time_zone": 0, "created_after": "2026-11-19", "created_before": "2026-11-19 23:59:59"}


@pytest.fixture
def shop(tmp_path) -> Iterator[SimpleNamespace]:
    clock = Clock(NOON)
    sandbox = ISellerSandbox(tmp_path, orders_per_outlet_per_day=40, history_days=2, now=clock)
    server = sandbox.serve().start()
    try:
        yield SimpleNamespace(api=Api(server.url), clock=clock, state=tmp_path / STATE_FILE)
    finally:
        server.stop()
        sandbox.close()


def _total(api: Api) -> Decimal:
    (day,) = api.ok("/api/v2/GetOrderSummary", **DAY)["order_summaries"]
    return Decimal(str(day["total_amount"]))


def _completed_total(api: Api) -> Decimal:
    orders = api.all("/api/v2/GetOrders", "orders", **DAY)
    return sum(
        (Decimal(str(o["total_amount"])) for o in orders if o["status"] == "completed"),
        Decimal(0),
    )


def test_the_order_summary_follows_the_orders_as_they_are_written(shop) -> None:
    morning = _total(shop.api)
    assert morning == _total(shop.api) == _completed_total(shop.api)

    shop.clock.value = NOON + timedelta(hours=6)  # the afternoon's orders come in
    evening = _total(shop.api)
    assert evening > morning
    assert evening == _completed_total(shop.api)

    with sqlite3.connect(shop.state) as other:  # a write by another connection
        order_id, body = other.execute(
            "SELECT order_id, body FROM orders WHERE json_extract(body, '$.status') = 'completed' "
            "AND order_date >= '2026-11-19' ORDER BY order_date LIMIT 1"
        ).fetchone()
        order = json.loads(body)
        other.execute(
            "UPDATE orders SET body = ? WHERE order_id = ?",
            (json.dumps({**order, "status": "voided"}), order_id),
        )
    assert _total(shop.api) == evening - Decimal(str(order["total_amount"]))
