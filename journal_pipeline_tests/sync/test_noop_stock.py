"""The stock comparison reads iSeller's orders incrementally (`sync.stock_movements`): after a
read, the next asks only for the orders changed since, and the stock it rebuilds is the stock
a read of every order gives; what changes the instant read from, an old full read and orders
sold since are read as such. The stock sandboxes over HTTP, a real staging database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from journal_pipeline.accounting import iseller_stock
from journal_pipeline.sync.order_marks import FULL_EVERY
from journal_pipeline.sync.stock_levels import ISellerStock, read_iseller_stock
from journal_pipeline.sync.stock_movements import MOVEMENTS_MARK
from journal_pipeline_tests.sync.stock_sandboxes import CONFIG, stock_sandboxes

NOW = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)
DAY = date(2026, 11, 16)
SINCE = datetime(2026, 11, 16, 16, 59, 59, tzinfo=UTC)  # the end of the 16th in Jakarta


class CountingOrders:
    """The iSeller client, counting the orders its GetOrders reads answer."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.orders = 0

    def get_orders(self, **kwargs: Any) -> Any:
        batch = self._client.get_orders(**kwargs)
        self.orders += len(batch.orders)
        return batch

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@pytest.fixture
def boxes(tmp_path):
    with stock_sandboxes(tmp_path, NOW) as sandboxes:
        yield sandboxes


def read(boxes, since: datetime = SINCE, *, marks: bool = True) -> tuple[ISellerStock, int]:
    client = CountingOrders(boxes.iseller())
    stock = read_iseller_stock(
        client,
        since,
        clock=lambda: boxes.clock.now,
        store=boxes.store if marks else None,
        day=DAY,
    )
    return stock, client.orders


def same_stock(stock: ISellerStock, whole: ISellerStock) -> None:
    """The same movements (in any order) and so the same stock at every outlet's day end."""
    key = lambda m: (m.at, m.outlet_code, m.sku, m.quantity, m.source)  # noqa: E731
    assert sorted(stock.movements, key=key) == sorted(whole.movements, key=key)
    instants = iseller_stock.day_end_instants(CONFIG, DAY, CONFIG.outlets)
    assert stock.at(instants) == whole.at(instants)


def test_a_second_read_asks_only_for_changed_orders_and_rebuilds_the_same_stock(boxes):
    first, read_first = read(boxes)
    assert first.orders_read.startswith("full: first read")
    again, read_again = read(boxes)
    assert again.orders_read.startswith("changed since")
    assert read_again < read_first  # the overlap's orders only
    same_stock(again, read(boxes, marks=False)[0])

    boxes.clock.now = NOW + timedelta(hours=3)  # the morning's sales of the 18th
    later, _ = read(boxes)
    assert later.orders_read.startswith("changed since")
    assert len(later.movements) > len(again.movements)
    same_stock(later, read(boxes, marks=False)[0])


def test_every_order_is_read_again_when_the_instant_moves_or_the_full_read_is_old(boxes):
    read(boxes)
    earlier, _ = read(boxes, SINCE - timedelta(hours=1))  # other zones or cut-off hours
    assert earlier.orders_read.startswith("full: the day's end moved")
    assert read(boxes, SINCE - timedelta(hours=1))[0].orders_read.startswith("changed since")

    boxes.clock.now = NOW + FULL_EVERY
    old, _ = read(boxes, SINCE - timedelta(hours=1))
    assert old.orders_read.startswith("full: the last full read is older")
    same_stock(old, read(boxes, SINCE - timedelta(hours=1), marks=False)[0])


def test_a_read_without_a_mark_reads_every_order(boxes):
    read(boxes)
    boxes.store.clear_mark(MOVEMENTS_MARK, DAY.isoformat())
    assert read(boxes)[0].orders_read.startswith("full: first read")


class WithoutId(CountingOrders):
    """iSeller's answers with the first order's id left out (an order it cannot name)."""

    def get_orders(self, **kwargs: Any) -> Any:
        batch = super().get_orders(**kwargs)
        if batch.orders:
            batch.orders[0] = {k: v for k, v in batch.orders[0].items() if k != "order_id"}
        return batch


def test_an_order_without_an_id_reads_every_order_and_keeps_no_mark(boxes):
    read(boxes)
    boxes.clock.now = NOW + timedelta(hours=3)  # so that the changed orders are not empty
    stock = read_iseller_stock(
        WithoutId(boxes.iseller()),
        SINCE,
        clock=lambda: boxes.clock.now,
        store=boxes.store,
        day=DAY,
    )
    assert stock.orders_read.startswith("full: an order came without an id")
    assert boxes.store.mark(MOVEMENTS_MARK, DAY.isoformat()) is None
    assert read(boxes)[0].orders_read.startswith("full: first read")
