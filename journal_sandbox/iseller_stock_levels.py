"""The iSeller emulator's stock ledger: the level of each outlet × tracked SKU at any instant.

The rules are a contract with the pipeline, which rebuilds iSeller's stock at a past instant
from the current ``inventories`` minus the movements read through the API since then
(docs/assumptions/iseller.md, I-37):

1. opening stock per outlet × tracked SKU the outlet holds, at ``start_date`` 00:00 local
   (`opening_stock`);
2. a completed order takes its ``units_used[]`` at its ``closed_date``, at its outlet;
3. a refund gives back its ``units_returned[]`` at its ``refund_date``;
4. a void gives back every unit of the order's ``units_used[]`` at the void instant
   (``cancel_date``, the void transaction's date);
5. a transfer out takes ``quantity`` from the origin at ``start_date``; at ``completed_date``
   it adds ``quantity_accepted`` at the destination and returns ``quantity_rejected +
   quantity_cancelled`` to the origin;
6. a supplier delivery adds ``quantity_accepted`` at the destination at ``completed_date``;
7. a transfer cancelled in transit returns every unit to the origin at the cancel instant
   (``modified_date``); one cancelled while pending moves nothing;
8. a stock take is counted at its ``completed_date``: ``system_stock`` is the level left by
   every earlier instant, and the level becomes ``actual_stock`` (it moves by ``difference``).

The level at an instant counts every movement at or before it. At one instant a stock take is
counted first; every other movement only adds, so their order does not change any level.

Every movement is a pure function of the seed (and the order rate), so each day's movements are
computed once: per outlet and business day for orders (with their later voids and refunds), per
day for transfers and stock takes. A level sums the opening stock, the net of every day whose
movements all happened by then, and the movements of the days still under way.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from journal_sandbox.demo_merchant import DemoMerchant, GeneratedOrder, fmt_dt, parse_dt
from journal_sandbox.iseller_catalogue import OUTLETS, OUTLETS_BY_CODE, till_catalogue
from journal_sandbox.iseller_stock import (
    SENT_FROM_HEAD_OFFICE,
    Timeline,
    stock_takes_for_day,
    stocked_skus,
    transfers_for_day,
)

#: Days of expected use the opening stock covers (times a draw of 1 to 1.3, plus a margin).
COVER_DAYS = 120
# What an order takes on average, by the demo merchant's order generator: 2.0 products per
# order (1 to 4, weighted 40/30/20/10), 1.38 units a line (1 to 3, weighted 70/22/8), order
# counts up to 20% above the mean.
_PRODUCTS_PER_ORDER = 2.0
_UNITS_PER_LINE = 1.38
_BUSY_DAY = 1.2
_TRANSFER_USE_PER_DAY = 2  # what the head office sends to the other outlets, per SKU

Key = tuple[str, str]  # (outlet_code, sku)
#: The file, in the emulator's state directory, that keeps each order day's movements.
STOCK_MOVES_FILE = "stock_moves.sqlite3"


class Move(NamedTuple):
    at: datetime  # aware, UTC
    outlet_code: str
    sku: str
    quantity: int  # units in (positive) or out (negative)


@dataclass(frozen=True)
class DayMoves:
    """The movements of one day's documents, and their net per outlet × SKU."""

    moves: tuple[Move, ...]  # in time order
    net: dict[Key, int]

    @classmethod
    def of(cls, moves: Iterable[Move]) -> DayMoves:
        ordered = tuple(sorted((m for m in moves if m.quantity), key=lambda m: m.at))
        net: dict[Key, int] = {}
        for move in ordered:
            key = (move.outlet_code, move.sku)
            net[key] = net.get(key, 0) + move.quantity
        return cls(ordered, net)

    def add_to(self, levels: dict[Key, int], at: datetime, *, before: bool) -> None:
        """Add the movements at or before `at` (strictly before it with `before`)."""
        if not self.moves:
            return
        if _counts(self.moves[-1].at, at, before):
            for key, quantity in self.net.items():
                levels[key] = levels.get(key, 0) + quantity
            return
        for move in self.moves:
            if not _counts(move.at, at, before):
                break
            key = (move.outlet_code, move.sku)
            levels[key] = levels.get(key, 0) + move.quantity


def _counts(moment: datetime, at: datetime, before: bool) -> bool:
    return moment < at if before else moment <= at


# -- movements of one document ----------------------------------------------------------------


def _units(entries: Iterable[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(entry["sku"], int(entry["stock"])) for entry in entries]


def order_moves(order: GeneratedOrder) -> list[Move]:
    """Rules 2 to 4: the sale, then a void or the refunds of one order."""
    outlet = order.outlet_code
    used = _units(
        unit for line in order.states[0].order["order_details"] for unit in line["units_used"]
    )
    moves = [Move(order.closed_date, outlet, sku, -units) for sku, units in used]
    if order.cancel_date is not None:
        moves += [Move(order.cancel_date, outlet, sku, units) for sku, units in used]
    refunds = {entry["refund_id"]: entry for state in order.states for entry in state.refunds}
    for entry in refunds.values():
        at = parse_dt(entry["refund_date"])
        moves += [Move(at, outlet, sku, units) for sku, units in _units(entry["units_returned"])]
    return moves


def transfer_moves(transfer: Timeline) -> list[Move]:
    """Rules 5 to 7 over the whole timeline of a transfer."""
    document = transfer.document
    origin, destination = document["from_outlet_code"], document["to_outlet_code"]
    started = transfer.moment("in_transfer")
    completed = transfer.moment("completed")
    cancelled = transfer.moment("cancelled")
    moves = []
    for item in document["items"]:
        sku, quantity = item["sku"], item["quantity"]
        if origin and started:
            moves.append(Move(started, origin, sku, -quantity))
            if cancelled:
                moves.append(Move(cancelled, origin, sku, quantity))
        if completed:
            moves.append(Move(completed, destination, sku, item["quantity_accepted"]))
            if origin:
                back = item["quantity_rejected"] + item["quantity_cancelled"]
                moves.append(Move(completed, origin, sku, back))
    return moves


def stock_take_moves(stock_take: Timeline) -> list[Move]:
    """Rule 8: the level moves by the difference counted."""
    completed = stock_take.moment("completed")
    outlet = stock_take.document["outlet_code"]
    if completed is None:
        return []
    return [
        Move(completed, outlet, i["sku"], i["difference"]) for i in stock_take.document["items"]
    ]


@lru_cache(maxsize=2048)
def _transfer_day(seed: int, day: date) -> DayMoves:
    return DayMoves.of(m for t in transfers_for_day(seed, day) for m in transfer_moves(t))


@lru_cache(maxsize=2048)
def _stock_take_day(seed: int, day: date) -> DayMoves:
    return DayMoves.of(m for t in stock_takes_for_day(seed, day) for m in stock_take_moves(t))


# -- opening stock ------------------------------------------------------------------------------


def _daily_use(outlet_code: str, sku: str, orders_per_day: int) -> float:
    """Units of `sku` an outlet's busy day is expected to take (sales and transfers out)."""
    catalogue = till_catalogue(outlet_code)
    per_order = 0.0
    for product in catalogue:
        units = sum(c.quantity for c in product.components if c.sku == sku)
        units += 1 if product.sku == sku else 0
        per_order += units * _PRODUCTS_PER_ORDER / len(catalogue) * _UNITS_PER_LINE
    sent = _TRANSFER_USE_PER_DAY if outlet_code == "JKT" and sku in SENT_FROM_HEAD_OFFICE else 0
    return per_order * orders_per_day * _BUSY_DAY + sent


@lru_cache(maxsize=1024)
def opening_stock(seed: int, orders_per_day: int, outlet_code: str, sku: str) -> int:
    """Rule 1: the stock an outlet holds at ``start_date`` 00:00 local, enough for about
    `COVER_DAYS` days of sales and transfers (whole units)."""
    rng = random.Random(f"{seed}|opening|{outlet_code}|{sku}")
    cover = _daily_use(outlet_code, sku, orders_per_day) * COVER_DAYS * rng.uniform(1.0, 1.3)
    return math.ceil(cover) + rng.randint(20, 60)


# -- the ledger ---------------------------------------------------------------------------------


class _SavedDays:
    """Order-day movements kept in a SQLite file, so that a restarted emulator does not
    generate every order since ``start_date`` again (they are pure: seed, rate, outlet, day)."""

    def __init__(self, path: Path, seed: int, orders_per_day: int):
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS order_day_moves (seed INTEGER, orders_per_day INTEGER, "
            "outlet_code TEXT, day TEXT, moves TEXT, "
            "PRIMARY KEY (seed, orders_per_day, outlet_code, day))"
        )
        self._key = (seed, orders_per_day)

    def get(self, outlet_code: str, day: date) -> DayMoves | None:
        row = self._db.execute(
            "SELECT moves FROM order_day_moves WHERE seed = ? AND orders_per_day = ? "
            "AND outlet_code = ? AND day = ?",
            (*self._key, outlet_code, day.isoformat()),
        ).fetchone()
        if row is None:
            return None
        return DayMoves.of(
            Move(parse_dt(at), outlet_code, sku, quantity)
            for at, sku, quantity in json.loads(row[0])
        )

    def put(self, outlet_code: str, day: date, moves: DayMoves) -> None:
        saved = [[fmt_dt(m.at), m.sku, m.quantity] for m in moves.moves]
        self._db.execute(
            "INSERT OR REPLACE INTO order_day_moves VALUES (?, ?, ?, ?, ?)",
            (*self._key, outlet_code, day.isoformat(), json.dumps(saved)),
        )


class StockLedger:
    """The stock of one demo merchant (seed, order rate, start date) at any instant.

    With `saved_days` (a SQLite file), each order day's movements are kept there too."""

    def __init__(self, merchant: DemoMerchant, saved_days: Path | None = None):
        self.merchant = merchant
        self._saved = (
            _SavedDays(saved_days, merchant.seed, merchant.orders_per_outlet_per_day)
            if saved_days is not None
            else None
        )
        seed, rate = merchant.seed, merchant.orders_per_outlet_per_day
        self.opening: dict[Key, int] = {
            (o.outlet_code, sku): opening_stock(seed, rate, o.outlet_code, sku)
            for o in OUTLETS
            for sku in stocked_skus(o.outlet_code)
        }
        self._order_days: dict[tuple[str, date], DayMoves] = {}
        self._counted: dict[tuple[str, datetime], dict[Key, int]] = {}
        self._lock = threading.Lock()

    def _orders_of(self, outlet_code: str, day: date) -> DayMoves:
        with self._lock:
            moves = self._order_days.get((outlet_code, day))
            if moves is None and self._saved is not None:
                moves = self._saved.get(outlet_code, day)
            if moves is None:
                orders = self.merchant.orders_for_day(outlet_code, day)
                moves = DayMoves.of(m for order in orders for m in order_moves(order))
                if self._saved is not None:
                    self._saved.put(outlet_code, day, moves)
            self._order_days[(outlet_code, day)] = moves
            return moves

    def levels(self, at: datetime, *, before: bool = False) -> dict[Key, int]:
        """Every outlet × held SKU: the level at `at` (every movement at or before it; with
        `before`, only those strictly before it)."""
        levels = dict(self.opening)
        start, seed = self.merchant.start_date, self.merchant.seed
        for outlet in OUTLETS:
            for day in _days(start, at.astimezone(outlet.zone).date()):
                self._orders_of(outlet.outlet_code, day).add_to(levels, at, before=before)
        # transfers are dated in Jakarta; a Bali stock take's local date can be a day later
        for day in _days(start, at.astimezone(OUTLETS_BY_CODE["JKT"].zone).date() + _DAY):
            _transfer_day(seed, day).add_to(levels, at, before=before)
            _stock_take_day(seed, day).add_to(levels, at, before=before)
        return levels

    def counted(self, outlet_code: str, completed: datetime) -> dict[str, int]:
        """An outlet's levels just before a stock take completed at `completed` (by SKU)."""
        key = (outlet_code, completed)
        if key not in self._counted:
            self._counted[key] = self.levels(completed, before=True)
        return {sku: n for (code, sku), n in self._counted[key].items() if code == outlet_code}


_DAY = timedelta(days=1)


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += _DAY


_LEDGERS: OrderedDict[tuple[int, int, date], StockLedger] = OrderedDict()
_LEDGERS_KEPT = 8
_LEDGERS_LOCK = threading.Lock()


def stock_ledger(merchant: DemoMerchant, saved_days: Path | None = None) -> StockLedger:
    """The ledger of a demo merchant, shared by every merchant of the same seed, order rate and
    start date (the first one's order cache, and saved days if given, serve them all)."""
    key = (merchant.seed, merchant.orders_per_outlet_per_day, merchant.start_date)
    with _LEDGERS_LOCK:
        ledger = _LEDGERS.get(key)
        if ledger is None:
            ledger = _LEDGERS[key] = StockLedger(merchant, saved_days)
            while len(_LEDGERS) > _LEDGERS_KEPT:
                _LEDGERS.popitem(last=False)
        _LEDGERS.move_to_end(key)
        return ledger


def count_stock_takes(
    ledger: StockLedger, adjustments: list[dict[str, Any]], until: datetime
) -> None:
    """Fill in ``system_stock`` (and ``actual_stock`` once completed) of stock takes as shown
    at `until` (UTC dates): counted just before completion; in progress, the level now."""
    now: dict[Key, int] | None = None
    for adjustment in adjustments:
        outlet = adjustment["outlet_code"]
        if adjustment["completed_date"] is not None:
            levels = ledger.counted(outlet, parse_dt(adjustment["completed_date"]))
        else:
            now = now if now is not None else ledger.levels(until)
            levels = {sku: n for (code, sku), n in now.items() if code == outlet}
        for item in adjustment["items"]:
            item["system_stock"] = levels[item["sku"]]
            if item["difference"] is not None:
                item["actual_stock"] = item["system_stock"] + item["difference"]
