"""iSeller's stock at any instant and its goods in transit, rebuilt from its movements (the
comparison with Jurnal: `accounting/stock_comparison.py`; the opening stock:
`accounting/opening_stock.py`).

iSeller reports only current stock (GetProducts ``inventories[]``). Its stock at an earlier
instant T is the current level less every movement after T (I-37): a completed order takes its
``units_used`` at ``closed_date``; a refund gives back ``units_returned`` at ``refund_date``; a
void gives back the order's units at the void instant; a transfer out takes ``quantity`` from
its origin at ``start_date`` and, at ``completed_date``, adds ``quantity_accepted`` at its
destination and returns ``quantity_rejected + quantity_cancelled`` to the origin (a cancelled
transfer that had started returns everything at its ``modified_date``); a supplier delivery adds
``quantity_accepted`` at ``completed_date``; a completed stock take changes the level by
``difference`` at ``completed_date``.

Pure: raw iSeller items in, quantities (``Decimal``) out. Keys are ``(outlet code, SKU)``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting.business_day import day_window_utc
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.missing import text_or_none
from journal_pipeline.core.order_changes import changed_at
from journal_pipeline.core.timestamps import parse_utc

Key = tuple[str, str]  # (outlet code, SKU)
ZERO = Decimal(0)
LAST_INSTANT = timedelta(microseconds=1)  # iSeller dates are whole seconds


def quantity(value: object) -> Decimal:
    """A quantity as iSeller or Jurnal sends it (number or decimal string); missing is 0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ZERO
    return Decimal(str(value).strip().replace(",", ""))


def _sku(item: Mapping[str, Any]) -> str | None:
    return text_or_none(item.get("sku"))


def _code(value: object) -> str | None:
    text = text_or_none(value)
    return text.upper() if text else None


# -- current levels -------------------------------------------------------------------------


@dataclass(frozen=True)
class StockedProduct:
    """A product iSeller keeps stock of (tracked, not a composite)."""

    sku: str
    name: str
    buying_price: Decimal  # unit cost


def stocked_products(products: Iterable[Mapping[str, Any]]) -> dict[str, StockedProduct]:
    """SKU → the tracked products whose stock iSeller keeps itself (a composite's stock is
    its components')."""
    found: dict[str, StockedProduct] = {}
    for product in products:
        sku = _sku(product)
        if not sku or not product.get("track_inventory") or product.get("ingredients"):
            continue
        found[sku] = StockedProduct(
            sku, str(product.get("name") or sku), quantity(product.get("buying_price"))
        )
    return found


def current_levels(products: Iterable[Mapping[str, Any]]) -> dict[Key, Decimal]:
    """(outlet, SKU) → ``unit_in_stock`` from GetProducts ``inventories[]``."""
    levels: dict[Key, Decimal] = {}
    for product in products:
        sku = _sku(product)
        for inventory in product.get("inventories") or []:
            outlet = _code(inventory.get("outlet_code"))
            if sku and outlet:
                levels[(outlet, sku)] = levels.get((outlet, sku), ZERO) + quantity(
                    inventory.get("unit_in_stock")
                )
    return levels


# -- movements ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Movement:
    """Stock that moved at one outlet at one instant (negative: out)."""

    at: datetime
    outlet_code: str
    sku: str
    quantity: Decimal
    source: str  # the iSeller record, for people


def _units(
    units: Iterable[Mapping[str, Any]], at: datetime, outlet: str, sign: int, source: str
) -> list[Movement]:
    moved = []
    for unit in units:
        sku = _sku(unit)
        amount = quantity(unit.get("stock"))
        if sku and amount:
            moved.append(Movement(at, outlet, sku, sign * amount, source))
    return moved


def void_instant(order: Mapping[str, Any]) -> datetime | None:
    """When a voided order was voided: its ``void`` transaction, else its last change."""
    for transaction in order.get("transactions") or []:
        if transaction.get("type") == "void" and transaction.get("transaction_date"):
            return parse_utc(transaction["transaction_date"])
    return parse_utc(order.get("cancel_date")) or changed_at(order)


def order_movements(
    orders: Iterable[Mapping[str, Any]], refunds: Iterable[Mapping[str, Any]]
) -> list[Movement]:
    """Units sold at closing, given back by voids and by refunds (GetOrders with the
    ``TrackInventory`` include: lines' ``units_used``, ``refunded_orders[].units_returned``)."""
    moved: list[Movement] = []
    outlets: dict[str, str] = {}
    for order in orders:
        outlet = _code(order.get("outlet_code"))
        closed = parse_utc(order.get("closed_date"))
        if outlet is None or closed is None:
            continue
        outlets[str(order.get("order_id"))] = outlet
        label = f"order {order.get('order_reference') or order.get('order_id')}"
        used = [
            u for line in order.get("order_details") or [] for u in line.get("units_used") or []
        ]
        moved += _units(used, closed, outlet, -1, f"{label} sold")
        voided = void_instant(order) if order.get("status") == "void" else None
        if voided is not None:
            moved += _units(used, voided, outlet, 1, f"{label} voided")
    for refund in refunds:
        outlet = outlets.get(str(refund.get("order_id")))
        at = parse_utc(refund.get("refund_date"))
        if outlet is None or at is None:
            continue
        label = f"order {refund.get('order_reference') or refund.get('order_id')} refunded"
        moved += _units(refund.get("units_returned") or [], at, outlet, 1, label)
    return moved


def _item_quantities(items: Iterable[Mapping[str, Any]], *fields: str) -> list[tuple[str, Decimal]]:
    found = []
    for item in items:
        sku = _sku(item)
        amount = sum((quantity(item.get(name)) for name in fields), ZERO)
        if sku and amount:
            found.append((sku, amount))
    return found


def transfer_movements(transfers: Iterable[Mapping[str, Any]]) -> list[Movement]:
    """Transfers out (origin at the start, destination and returns at completion, all back
    when cancelled after starting) and supplier deliveries (destination at completion)."""
    moved: list[Movement] = []
    for transfer in transfers:
        label = f"transfer {transfer.get('transfer_number') or transfer.get('transfer_id')}"
        origin = _code(transfer.get("from_outlet_code"))
        destination = _code(transfer.get("to_outlet_code"))
        items = transfer.get("items") or []
        started = parse_utc(transfer.get("start_date"))
        completed = parse_utc(transfer.get("completed_date"))
        status = transfer.get("status")
        if transfer.get("type") == "out" and origin and started is not None:
            for sku, amount in _item_quantities(items, "quantity"):
                moved.append(Movement(started, origin, sku, -amount, f"{label} sent"))
            if status == "cancelled":
                back = parse_utc(transfer.get("modified_date"))
                for sku, amount in _item_quantities(items, "quantity"):
                    moved.append(
                        Movement(back or started, origin, sku, amount, f"{label} cancelled")
                    )
            elif status == "completed" and completed is not None:
                for sku, amount in _item_quantities(
                    items, "quantity_rejected", "quantity_cancelled"
                ):
                    moved.append(Movement(completed, origin, sku, amount, f"{label} returned"))
        receives = transfer.get("type") == "in" or transfer.get("out_type") == "to_outlet"
        if status == "completed" and completed is not None and destination and receives:
            for sku, amount in _item_quantities(items, "quantity_accepted"):
                moved.append(Movement(completed, destination, sku, amount, f"{label} received"))
    return moved


def adjustment_movements(adjustments: Iterable[Mapping[str, Any]]) -> list[Movement]:
    """Completed stock takes (``opname``): the level changes by ``difference``."""
    moved: list[Movement] = []
    for adjustment in adjustments:
        outlet = _code(adjustment.get("outlet_code"))
        completed = parse_utc(adjustment.get("completed_date"))
        if adjustment.get("status") != "completed" or outlet is None or completed is None:
            continue
        if (adjustment.get("action") or "opname") != "opname":
            continue
        label = (
            f"stock take {adjustment.get('adjustment_number') or adjustment.get('adjustment_id')}"
        )
        for sku, amount in _item_quantities(adjustment.get("items") or [], "difference"):
            moved.append(Movement(completed, outlet, sku, amount, label))
    return moved


# -- stock at an instant, in transit --------------------------------------------------------


def stock_at(
    current: Mapping[Key, Decimal],
    movements: Iterable[Movement],
    instants: Mapping[str, datetime],
    read_at: datetime,
) -> dict[Key, Decimal]:
    """Each outlet's stock at its instant: the levels read at ``read_at`` less every movement
    after the instant and up to ``read_at``. Outlets without an instant are left out."""
    levels = {key: value for key, value in current.items() if key[0] in instants}
    for move in movements:
        instant = instants.get(move.outlet_code)
        if instant is not None and instant < move.at <= read_at:
            key = (move.outlet_code, move.sku)
            levels[key] = levels.get(key, ZERO) - move.quantity
    return levels


def in_transit(
    transfers: Iterable[Mapping[str, Any]], instants: Mapping[str, datetime]
) -> dict[Key, Decimal]:
    """(origin outlet, SKU) → units of transfers out started by the origin's instant and
    neither completed nor cancelled by it (Jurnal's origin warehouse still holds them)."""
    transit: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    seen: set[str] = set()
    for transfer in transfers:
        ident = str(transfer.get("transfer_id") or id(transfer))
        origin = _code(transfer.get("from_outlet_code"))
        if ident in seen or transfer.get("type") != "out" or origin is None:
            continue
        if origin not in instants:
            continue
        seen.add(ident)
        instant = instants[origin]
        started = parse_utc(transfer.get("start_date"))
        if started is None or started > instant:
            continue
        ended = None
        if transfer.get("status") == "completed":
            ended = parse_utc(transfer.get("completed_date"))
        elif transfer.get("status") == "cancelled":
            ended = parse_utc(transfer.get("modified_date"))
        if ended is not None and ended <= instant:
            continue
        for sku, amount in _item_quantities(transfer.get("items") or [], "quantity"):
            transit[(origin, sku)] += amount
    return dict(transit)


def day_end_instants(
    config: MerchantConfig, day: date, outlets: Iterable[str]
) -> dict[str, datetime]:
    """Outlet → the last UTC instant of its business day ``day`` (zone and cut-off): a level
    at an instant counts the movements at or before it, and a movement at the next day's
    first instant is that day's."""
    instants = {}
    for code in outlets:
        zone, cutoff = config.outlet_zone(code)
        instants[code.upper()] = day_window_utc(day, zone, cutoff)[1] - LAST_INSTANT
    return instants
