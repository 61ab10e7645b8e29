"""GetOrderSummary's sums: completed orders' money and stock per day (I-39).

Each stored order gives one `OrderPart` (its day, summed fields and units, as the dialect
states its money: `dialect_money.state_money`). Decoding a stored order costs far more than
adding its part, and between two calls most orders have not changed, so `SummaryParts` keeps
each order's part under a digest of its stored body and refunds with the dialect it was made
in; a changed order, or a switched dialect, makes its part again.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from journal_sandbox.dialect import Dialect
from journal_sandbox.dialect_money import state_money

#: Money fields of a GetOrderSummary item.
SUMMARY_FIELDS = (
    "total_order_amount",
    "total_discount_amount",
    "total_promotion_amount",
    "total_additional_order_amount",
    "total_additional_subtotal_amount",
    "subtotal",
    "total_tax_amount",
    "total_additional_final_amount",
    "rounding_amount",
    "total_amount",
    "total_shipping_amount",
)

Unit = tuple[str, str, str, Decimal]  # product_id, product_name, sku, stock
Cost = tuple[str, str, str, Decimal, Decimal, Decimal]  # id, name, sku, qty, selling, buying


class OrderPart(NamedTuple):
    """What one completed order adds to its day's summary."""

    utc_day: str  # ``order_date``'s UTC date, YYYY-MM-DD
    money: tuple[Decimal, ...]  # SUMMARY_FIELDS, in order
    used: tuple[Unit, ...]
    fulfilled: tuple[Unit, ...]
    costs: tuple[Cost, ...]
    returned: tuple[Unit, ...]


def _unit(unit: dict[str, Any]) -> Unit:
    return (unit["product_id"], unit["product_name"], unit["sku"], Decimal(unit["stock"]))


def order_part(body: str, refunds: str, dialect: Dialect) -> OrderPart:
    """The part of one stored order (its body and refunds as the emulator stores them)."""
    order = state_money(json.loads(body, parse_float=Decimal), dialect)
    used: list[Unit] = []
    fulfilled: list[Unit] = []
    costs: list[Cost] = []
    for line in order["order_details"]:
        used += (_unit(unit) for unit in line["units_used"])
        fulfilled.append(
            (line["product_id"], line["product_name"], line["sku"], Decimal(line["quantity"]))
        )
        for cogs in line["cogs"]:
            own = cogs["product_id"] == line["product_id"]
            costs.append(
                (
                    cogs["product_id"],
                    line["product_name"] if own else cogs["sku"],
                    cogs["sku"],
                    Decimal(cogs["quantity"]),
                    Decimal(line["base_price"]) if own else Decimal(0),
                    Decimal(cogs["buying_price"]),
                )
            )
    returned = tuple(
        _unit(unit)
        for entry in json.loads(refunds, parse_float=Decimal)
        for unit in entry["units_returned"]
    )
    return OrderPart(
        order["order_date"][:10],
        tuple(Decimal(order[name] or 0) for name in SUMMARY_FIELDS),
        tuple(used),
        tuple(fulfilled),
        tuple(costs),
        returned,
    )


class SummaryParts:
    """Each stored order's `OrderPart`, kept while its body, refunds and the dialect are
    unchanged (one entry per order id: memory grows with the orders stored, not the calls)."""

    def __init__(self) -> None:
        self._parts: dict[str, tuple[bytes, Dialect, OrderPart]] = {}
        self._lock = threading.Lock()

    def parts(self, rows: Iterable[tuple[str, str, str]], dialect: Dialect) -> list[OrderPart]:
        """The parts of ``rows`` (order id, body, refunds), in their order."""
        out = []
        for order_id, body, refunds in rows:
            digest = hashlib.blake2b(
                body.encode() + b"\0" + refunds.encode(), digest_size=16
            ).digest()
            with self._lock:
                kept = self._parts.get(order_id)
            if kept is not None and kept[0] == digest and kept[1] == dialect:
                out.append(kept[2])
                continue
            part = order_part(body, refunds, dialect)
            with self._lock:
                self._parts[order_id] = (digest, dialect, part)
            out.append(part)
        return out


def _add(totals: dict[str, dict[str, Any]], unit: Unit) -> None:
    product_id, name, sku, stock = unit
    entry = totals.get(product_id)
    if entry is None:
        entry = totals[product_id] = {
            "product_name": name,
            "product_id": product_id,
            "sku": sku,
            "stock": Decimal(0),
            "serial_numbers": None,
        }
    entry["stock"] += stock


def summaries(
    parts: Iterable[OrderPart], day_label: Callable[[str], str], track: bool
) -> list[dict[str, Any]]:
    """One GetOrderSummary item per day (``day_label`` of the UTC date), sorted by label;
    the unit lists are None unless ``track`` (the TrackInventory include)."""
    buckets: dict[str, dict[str, Any]] = {}
    labels: dict[str, str] = {}
    for part in parts:
        label = labels.get(part.utc_day)
        if label is None:
            label = labels[part.utc_day] = day_label(part.utc_day)
        bucket = buckets.get(label)
        if bucket is None:
            bucket = buckets[label] = {
                "money": [Decimal(0)] * len(SUMMARY_FIELDS),
                "used": {},
                "returned": {},
                "fulfilled": {},
                "hpp": {},
            }
        money = bucket["money"]
        for index, amount in enumerate(part.money):
            money[index] += amount
        for name, units in (
            ("used", part.used),
            ("fulfilled", part.fulfilled),
            ("returned", part.returned),
        ):
            for unit in units:
                _add(bucket[name], unit)
        hpp = bucket["hpp"]
        for product_id, name, sku, quantity, selling, buying in part.costs:
            key = (product_id, selling, buying)
            entry = hpp.get(key)
            if entry is None:
                entry = hpp[key] = {
                    "product_id": product_id,
                    "product_name": name,
                    "sku": sku,
                    "quantity": Decimal(0),
                    "selling_price": selling,
                    "buying_price": buying,
                }
            entry["quantity"] += quantity
    items = []
    for label, bucket in sorted(buckets.items()):
        item: dict[str, Any] = {"order_date": label, "currency": "IDR"}
        item.update(zip(SUMMARY_FIELDS, bucket["money"], strict=True))
        item["total_weight"] = 0
        for name, key in (
            ("units_used", "used"),
            ("units_returned", "returned"),
            ("units_fulfilled", "fulfilled"),
            ("units_hpp", "hpp"),
        ):
            item[name] = list(bucket[key].values()) if track else None
        items.append(item)
    return items
