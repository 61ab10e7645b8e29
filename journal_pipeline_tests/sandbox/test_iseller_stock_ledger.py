"""The iSeller emulator's stock follows its documents (docs/assumptions/iseller.md, I-37).

Over real HTTP, a week of the demo merchant chosen so that it has a transfer cancelled in
transit and a partial receipt: GetProducts ``unit_in_stock`` at the end of the week is the
opening stock plus every movement the test rebuilds itself from GetOrders (TrackInventory),
GetTransfer and InventoryAdjustments; a stock take counts what GetProducts showed just before
it; a cancelled transfer gives its units back; a partial receipt adds only what was accepted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from journal_sandbox.demo_merchant import parse_dt
from journal_sandbox.iseller_app import ISellerSandbox
from journal_sandbox.iseller_stock import Timeline, transfers_for_day

CLIENT = {"client_id": "sandbox-iseller-client", "client_secret": "sandbox-iseller-secret"}
TIMEOUT = 10
SEED = 7
SECOND = timedelta(seconds=1)

Key = tuple[str, str]  # (outlet_code, sku)


@dataclass
class Clock:
    value: datetime

    def __call__(self) -> datetime:
        return self.value


def _path(timeline: Timeline) -> list[str]:
    return [status for _, status in timeline.steps]


def _week_with_cancel_and_partial_receipt() -> date:
    """The first Monday from March 2026 whose week has a transfer cancelled in transit and a
    received transfer with cancelled units (both are drawn from the seed)."""
    monday = date(2026, 3, 2)
    while True:
        week = [t for i in range(7) for t in transfers_for_day(SEED, monday + timedelta(days=i))]
        in_transit = any(_path(t) == ["pending", "in_transfer", "cancelled"] for t in week)
        partial = any(
            _path(t)[-1] == "completed"
            and any(i["quantity_cancelled"] for i in t.document["items"])
            for t in week
        )
        if in_transit and partial:
            return monday
        monday += timedelta(days=7)


class Api:
    def __init__(self, url: str):
        self.url = url
        self.token = requests.post(
            f"{url}/oauth/token",
            data={"grant_type": "client_credentials", **CLIENT},
            timeout=TIMEOUT,
        ).json()["access_token"]

    def ok(self, path: str, **params: Any) -> dict[str, Any]:
        response = requests.post(
            f"{self.url}{path}",
            data=params,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] is True, body
        return body

    def pages(self, path: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            body = self.ok(path, page=page, page_size=1000, **params)
            yield body
            if not body["has_next_item"]:
                return
            page += 1

    def stock(self) -> dict[Key, int]:
        """GetProducts ``inventories[]`` at the emulator's clock."""
        body = self.ok(
            "/api/v2/GetProducts",
            track_inventory="true",
            modified_after="2000-01-01",
            page=1,
            page_size=1000,
        )
        assert not body["has_next_item"]
        levels = {}
        for product in body["products"]:
            for inventory in product["inventories"] or []:
                level = inventory["unit_in_stock"]
                assert level == int(level)  # whole units
                levels[(inventory["outlet_code"], product["sku"])] = int(level)
        return levels

    def transfers(self) -> list[dict[str, Any]]:
        return [t for b in self.pages("/api/v3/GetTransfer", "transfers") for t in b["transfers"]]

    def stock_takes(self) -> list[dict[str, Any]]:
        return [
            a
            for body in self.pages("/api/v3/InventoryAdjustments", "inventory_adjustments")
            for a in body["inventory_adjustments"]
        ]


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    monday = _week_with_cancel_and_partial_receipt()
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC) - timedelta(hours=8)
    end = start + timedelta(days=7, hours=20)  # Monday after, 12:00 UTC
    clock = Clock(start)  # 00:00 WITA of the first day: before any movement
    sandbox = ISellerSandbox(
        tmp_path_factory.mktemp("iseller-stock"),
        seed=SEED,
        orders_per_outlet_per_day=40,
        start_date=monday,
        now=clock,
        faults="",
    )
    server = sandbox.serve().start()
    try:
        api = Api(server.url)
        opening = api.stock()
        clock.value = end
        yield SimpleNamespace(api=api, clock=clock, opening=opening, end=end)
    finally:
        server.stop()
        sandbox.close()


def _level_change(week: SimpleNamespace, at: datetime) -> dict[Key, int]:
    """What GetProducts shows change at the instant `at` (its level at `at` less a second
    before)."""
    try:
        week.clock.value = at - SECOND
        before = week.api.stock()
        week.clock.value = at
        after = week.api.stock()
    finally:
        week.clock.value = week.end
    return {key: after[key] - before[key] for key in after if after[key] != before[key]}


# -- the movements, rebuilt from the API ----------------------------------------------------------


@dataclass(frozen=True)
class Move:
    at: datetime
    key: Key
    quantity: int
    kind: str


def _order_moves(api: Api) -> list[Move]:
    """Sales, voids and refunds, from GetOrders with TrackInventory (UTC dates)."""
    moves, outlet_of = [], {}
    refunds = []
    for body in api.pages(
        "/api/v2/GetOrders",
        "orders",
        created_after="2000-01-01",
        time_zone=0,
        includes="OrderDetails,Transactions,TrackInventory",
    ):
        refunds += body["refunded_orders"]
        for order in body["orders"]:
            outlet = outlet_of[order["order_id"]] = order["outlet_code"]
            used = [
                (unit["sku"], int(unit["stock"]))
                for line in order["order_details"]
                for unit in line["units_used"]
            ]
            closed = parse_dt(order["closed_date"])
            moves += [Move(closed, (outlet, sku), -n, "sale") for sku, n in used]
            if order["status"] == "void":
                void = next(t for t in order["transactions"] if t["type"] == "void")
                at = parse_dt(void["transaction_date"])
                moves += [Move(at, (outlet, sku), n, "void") for sku, n in used]
    for refund in refunds:
        outlet = outlet_of[refund["order_id"]]
        at = parse_dt(refund["refund_date"])
        moves += [
            Move(at, (outlet, unit["sku"]), int(unit["stock"]), "refund")
            for unit in refund["units_returned"]
        ]
    return moves


def _transfer_moves(transfers: list[dict[str, Any]]) -> list[Move]:
    moves = []
    for transfer in transfers:
        origin, destination = transfer["from_outlet_code"], transfer["to_outlet_code"]
        status = transfer["status"]
        for item in transfer["items"]:
            sku, quantity = item["sku"], item["quantity"]
            if origin and transfer["start_date"]:
                moves.append(
                    Move(parse_dt(transfer["start_date"]), (origin, sku), -quantity, "out")
                )
            if status == "cancelled" and origin and transfer["start_date"]:
                at = parse_dt(transfer["modified_date"])
                moves.append(Move(at, (origin, sku), quantity, "cancelled"))
            if status == "completed":
                at = parse_dt(transfer["completed_date"])
                moves.append(Move(at, (destination, sku), item["quantity_accepted"], "received"))
                back = item["quantity_rejected"] + item["quantity_cancelled"]
                if origin and back:
                    moves.append(Move(at, (origin, sku), back, "sent back"))
    return moves


def _level(opening: dict[Key, int], moves: list[Move], key: Key, *, before: datetime) -> int:
    return opening[key] + sum(m.quantity for m in moves if m.key == key and m.at < before)


def test_stock_at_the_end_of_the_week_is_the_opening_plus_every_movement(
    week: SimpleNamespace,
) -> None:
    api = week.api
    moves = _order_moves(api) + _transfer_moves(api.transfers())
    stock_takes = [a for a in api.stock_takes() if a["status"] == "completed"]
    for stock_take in sorted(stock_takes, key=lambda a: a["completed_date"]):
        completed = parse_dt(stock_take["completed_date"])
        for item in stock_take["items"]:
            key = (stock_take["outlet_code"], item["sku"])
            # counted against the level every earlier movement left (rule 8)
            assert item["system_stock"] == _level(week.opening, moves, key, before=completed)
            assert item["actual_stock"] == item["system_stock"] + item["difference"]
            moves.append(Move(completed, key, item["difference"], "stock take"))

    kinds = {m.kind for m in moves if m.quantity}
    every_rule = {"sale", "void", "refund", "out", "cancelled", "received", "sent back"}
    assert kinds == every_rule | {"stock take"}
    assert all(m.key in week.opening for m in moves)  # every movement is of a held SKU
    expected = dict(week.opening)
    for move in moves:
        assert move.at <= week.end
        expected[move.key] += move.quantity
    assert api.stock() == expected
    assert expected != week.opening


def test_a_stock_take_counts_what_get_products_showed_just_before(week: SimpleNamespace) -> None:
    stock_take = next(
        a
        for a in week.api.stock_takes()
        if a["status"] == "completed" and any(i["difference"] for i in a["items"])
    )
    completed = parse_dt(stock_take["completed_date"])
    outlet = stock_take["outlet_code"]
    try:
        week.clock.value = completed - SECOND
        before = week.api.stock()
        (in_progress,) = [
            a for a in week.api.stock_takes() if a["adjustment_id"] == stock_take["adjustment_id"]
        ]
        week.clock.value = completed
        after = week.api.stock()
    finally:
        week.clock.value = week.end
    assert in_progress["status"] == "in_progress"
    for item, counting in zip(stock_take["items"], in_progress["items"], strict=True):
        key = (outlet, item["sku"])
        assert item["system_stock"] == before[key]
        assert after[key] == item["actual_stock"] == before[key] + item["difference"]
        assert counting["system_stock"] == before[key] and counting["actual_stock"] is None


def test_a_transfer_cancelled_in_transit_gives_its_units_back(week: SimpleNamespace) -> None:
    transfer = next(
        t for t in week.api.transfers() if t["status"] == "cancelled" and t["start_date"]
    )
    origin = transfer["from_outlet_code"]
    assert transfer["completed_date"] is None
    assert all(item["quantity_accepted"] is None for item in transfer["items"])
    left = _level_change(week, parse_dt(transfer["start_date"]))
    back = _level_change(week, parse_dt(transfer["modified_date"]))
    for item in transfer["items"]:
        assert left[(origin, item["sku"])] == -item["quantity"]
        assert back[(origin, item["sku"])] == item["quantity"]
    assert not {key for key in back if key[0] != origin}  # nothing reached the destination


def test_a_partial_receipt_adds_only_the_accepted_units(week: SimpleNamespace) -> None:
    transfer = next(
        t
        for t in week.api.transfers()
        if t["status"] == "completed" and any(i["quantity_cancelled"] for i in t["items"])
    )
    origin, destination = transfer["from_outlet_code"], transfer["to_outlet_code"]
    changed = _level_change(week, parse_dt(transfer["completed_date"]))
    expected: dict[Key, int] = defaultdict(int)
    for item in transfer["items"]:
        accepted, rejected, cancelled = (
            item["quantity_accepted"],
            item["quantity_rejected"],
            item["quantity_cancelled"],
        )
        assert accepted + rejected + cancelled == item["quantity"]
        expected[(destination, item["sku"])] += accepted
        if origin:  # a transfer out: what was not accepted goes back to the head office
            expected[(origin, item["sku"])] += rejected + cancelled
    assert changed == {key: n for key, n in expected.items() if n}


def test_a_void_shown_by_its_status_only_restocks_at_its_modified_date(tmp_path: Path) -> None:
    """Under the dialect ``void_shape=status_only`` no void transaction is listed: the void
    instant is the order's ``modified_date`` (rule 4)."""
    monday = date(2026, 3, 2)
    clock = Clock(datetime(2026, 3, 3, 12, tzinfo=UTC))
    sandbox = ISellerSandbox(
        tmp_path,
        seed=SEED,
        orders_per_outlet_per_day=40,
        start_date=monday,
        now=clock,
        faults="",
        dialect="void_shape=status_only",
    )
    server = sandbox.serve().start()
    try:
        api = Api(server.url)
        voided = [
            order
            for body in api.pages(
                "/api/v2/GetOrders",
                "orders",
                created_after="2000-01-01",
                time_zone=0,
                includes="OrderDetails,Transactions,TrackInventory",
            )
            for order in body["orders"]
            if order["status"] == "void"
            and any(line["units_used"] for line in order["order_details"])
        ]
        assert voided
        order = voided[0]
        assert all(t["type"] != "void" for t in order["transactions"])
        restocked: dict[Key, int] = defaultdict(int)
        for line in order["order_details"]:
            for unit in line["units_used"]:
                restocked[(order["outlet_code"], unit["sku"])] += int(unit["stock"])
        at = parse_dt(order["modified_date"])
        week = SimpleNamespace(api=api, clock=clock, end=clock.value)
        assert _level_change(week, at) == restocked
    finally:
        server.stop()
        sandbox.close()
