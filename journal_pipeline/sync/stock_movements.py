"""The movements of orders since a day's end, read from iSeller incrementally.

The stock comparison of a day takes iSeller's current levels back to the day's end with every
order changed since (`stock_levels.read_iseller_stock`). For a past day that is every order
since: each hourly run read them all again (thousands of orders on a busy day), though almost
all of them had not changed since the run before. Now each day keeps, per order, the stock
movements its last read gave (a mark, `MOVEMENTS_MARK`), with the latest ``modified_date``
among the orders read; the next run asks iSeller only for orders modified from that moment less
`order_marks.OVERLAP` on, replaces the movements of each order it gets and keeps the others.

That gives the movements a read of every order since the day's end would give: an order's
``modified_date`` only moves forward, so an order changed since the last read (sold, voided,
refunded: a refund is a change of its order and comes with it, as `refunded_orders[]` of the
same answer) is among those asked for; one not asked for has the movements it had. The
overlap covers an order readable only some time after its ``modified_date`` (as for
`order_marks`). Every order is read again (a full read) when the day has no mark, when the
instant the movements are counted from changed (the config's zones or cut-off hours), when the
last full read is older than `order_marks.FULL_EVERY`, or when an order came without an id
or a modified date that reads as one (it cannot be told apart or placed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from journal_pipeline.accounting import iseller_stock
from journal_pipeline.accounting.iseller_stock import Movement
from journal_pipeline.core.order_changes import changed_at
from journal_pipeline.core.timestamps import parse_utc
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.order_marks import FULL_EVERY, OVERLAP

MOVEMENTS_MARK = "stock_comparison_orders"
Frozen = list[list[str]]  # an order's movements as the mark keeps them (JSON)


class OrderReads(Protocol):
    def get_orders(self, *, modified_after: datetime | None = ...) -> Any: ...


@dataclass(frozen=True)
class OrderMovements:
    """The movements of every order changed since ``since``, and how they were read (``why``,
    for the run's metadata)."""

    movements: list[Movement]
    why: str


def read_order_movements(
    client: OrderReads, since: datetime, now: datetime, store: StagingStore | None, day: date
) -> OrderMovements:
    """Every order's movements since ``since``: all of them read from iSeller without a
    ``store`` (or when a full read is due), else only the orders changed since the day's mark
    (the module's rules). The day's mark is then replaced."""
    kept = _kept(store, day, since, now) if store is not None else "full"
    if not isinstance(kept, str):
        through, full_at, by_order = kept
        asked = max(since, through - OVERLAP)
        batch = client.get_orders(modified_after=asked)
        if _readable(batch.orders):
            latest = _merge(by_order, batch, through)
            if store is not None:
                _keep(store, day, since, latest, full_at, by_order)
            movements = _thawed(by_order.values())
            return OrderMovements(movements, f"changed since {asked.isoformat()}")
        kept = "full: an order came without an id or a modified date"
    batch = client.get_orders(modified_after=since)
    if store is not None:
        if _readable(batch.orders) and batch.orders:
            by_order = {}
            latest = _merge(by_order, batch, None)
            _keep(store, day, since, latest, now, by_order)
        else:
            store.clear_mark(MOVEMENTS_MARK, day.isoformat())
    # read whole, exactly as without a mark
    return OrderMovements(iseller_stock.order_movements(batch.orders, batch.refunded_orders), kept)


def _readable(orders: list[dict[str, Any]]) -> bool:
    """Every order has an id and a modified date: it can be told apart and placed."""
    return all(o.get("order_id") not in (None, "") and _modified(o) for o in orders)


def _merge(by_order: dict[str, Frozen], batch: Any, latest: datetime | None) -> datetime:
    """Each order of ``batch`` replaces its movements in ``by_order`` (with its refunds of the
    same answer, as the mark keeps them: `_frozen`); the latest modified date of ``latest`` and
    the orders."""
    refunds: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for refund in batch.refunded_orders:
        refunds[str(refund.get("order_id"))].append(refund)
    for order in batch.orders:
        ident, modified = str(order["order_id"]), _modified(order)
        by_order[ident] = _frozen(iseller_stock.order_movements([order], refunds.get(ident, [])))
        if modified is not None and (latest is None or modified > latest):
            latest = modified
    if latest is None:
        raise ValueError("no order to take the latest modified date from")
    return latest


def _kept(
    store: StagingStore, day: date, since: datetime, now: datetime
) -> str | tuple[datetime, datetime, dict[str, Frozen]]:
    """The day's mark (latest modified date read, last full read, movements by order), or why
    every order is read again."""
    mark = store.mark(MOVEMENTS_MARK, day.isoformat())
    value = mark[0] if mark else {}
    through, full_at = parse_utc(value.get("through")), parse_utc(value.get("full_at"))
    if not mark or through is None or full_at is None:
        return "full: first read of the day"
    if value.get("since") != since.isoformat():
        return "full: the day's end moved with the config"
    if now - full_at >= FULL_EVERY:
        return f"full: the last full read is older than {FULL_EVERY}"
    return through, full_at, dict(value["orders"])


def _keep(
    store: StagingStore,
    day: date,
    since: datetime,
    through: datetime,
    full_at: datetime,
    by_order: Mapping[str, Frozen],
) -> None:
    value = {
        "since": since.isoformat(),
        "through": through.isoformat(),
        "full_at": full_at.isoformat(),
        "orders": by_order,  # an order not read again is kept as it was: not converted again
    }
    store.set_mark(MOVEMENTS_MARK, day.isoformat(), value)


def _frozen(moved: list[Movement]) -> Frozen:
    return [[m.at.isoformat(), m.outlet_code, m.sku, str(m.quantity), m.source] for m in moved]


def _thawed(kept: Iterable[Frozen]) -> list[Movement]:
    """The orders' kept movements as `Movement`s. An order's lines share their time and most
    quantities repeat: each distinct text is read once (the values are immutable)."""
    times: dict[str, datetime] = {}
    quantities: dict[str, Decimal] = {}
    movements = []
    for frozen in kept:
        for at, outlet, sku, units, source in frozen:
            moment = times.get(at)
            if moment is None:
                moment = times[at] = datetime.fromisoformat(at)
            quantity = quantities.get(units)
            if quantity is None:
                quantity = quantities[units] = Decimal(str(units))
            movements.append(Movement(moment, outlet, sku, quantity, source))
    return movements


def _modified(order: Mapping[str, Any]) -> datetime | None:
    return changed_at(order)
