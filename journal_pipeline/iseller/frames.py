"""iSeller order JSON → the order frames of ``journal_pipeline.core.orders``.

The client asks iSeller for ``time_zone=0``, so every date string it returns is UTC. Money
columns are whole rupiah (int64); quantities stay Decimal-exact as strings are parsed.
Three frames: ``orders`` (one row per order), ``lines`` (order details) and ``payments``
(iSeller "transactions"). A missing value (``null``, an absent key) stays ``None``: the
frames are built with object dtype, so pandas never infers a text dtype that stores NaN.

Readings the document leaves open are read to the same frames (docs/assumptions/iseller.md):
a refund's or void's ``amount`` is its size, signed or not (I-22, `parse.transaction_amount`);
a voided order that shows its void only by its status gets the void payment it implies
(I-23, `implied_voids`); the order-level discount is never a sum of a ``discounts[]`` that
may list the lines' discounts too (I-17, `order_level_discount`). An order held at the edge
(``journal_pipeline.iseller.validation``: staged as a held envelope) is not read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import pandas as pd

from journal_pipeline.core.cycle_collection import cycle_collection_paused
from journal_pipeline.core.missing import text_or_none
from journal_pipeline.core.money import to_rupiah
from journal_pipeline.core.orders import (
    LINE_COLUMNS,
    LINE_MONEY,
    ORDER_COLUMNS,
    ORDER_MONEY,
    PAYMENT_COLUMNS,
    OrderFrames,
)
from journal_pipeline.core.timestamps import parse_utc
from journal_pipeline.iseller.customers import customer_name
from journal_pipeline.iseller.parse import transaction_amount
from journal_pipeline.iseller.validation import is_held


def _decimal(value: object, default: str = "0") -> Decimal:
    if type(value) is Decimal:  # as the JSON parsers give numbers: the same digits as its text
        return value
    if value in (None, ""):
        return Decimal(default)
    return Decimal(str(value))


@lru_cache(maxsize=1 << 16)
def _known_rupiah(value: Decimal | str) -> int:
    return to_rupiah(value)


def _rupiah(value: object) -> int:
    """`to_rupiah`, each amount written as a Decimal or as text (``"58000"``) converted once
    (a day repeats its prices)."""
    if type(value) is Decimal or type(value) is str:
        try:
            return _known_rupiah(value)
        except TypeError:  # a signalling NaN cannot be hashed: as to_rupiah reads it
            pass
    return to_rupiah(value)


@lru_cache(maxsize=1 << 16)
def _known_moment(value: str) -> datetime | None:
    return parse_utc(value)


def _moment(value: object) -> datetime | None:
    """`parse_utc`, each date text parsed once (an order's dates repeat one another)."""
    if type(value) is str:
        return _known_moment(value)
    return parse_utc(value)


#: The readings of a ``cogs[]`` entry's ``buying_price`` (I-19), the documented one first:
#: the unit cost, or quantity × the unit cost.
COST_READINGS = ("unit", "total")
#: An order whose costs add up to its own ``buying_price`` under no reading (read as "unit").
COST_UNMATCHED = "unmatched"


def _line_cost(line: Mapping[str, Any], reading: str = "unit", *, stock_only: bool = False) -> int:
    """Cost of a line from its ``cogs`` rows: Σ quantity × ``buying_price`` (``unit``) or
    Σ ``buying_price`` (``total``: each entry's price is already quantity × unit cost).
    ``stock_only``: only the rows of SKUs the line takes from tracked stock (``units_used``)."""
    tracked = {text_or_none(u.get("sku")) for u in line.get("units_used") or []} - {None}
    total = Decimal(0)
    for row in line.get("cogs") or []:
        if stock_only and text_or_none(row.get("sku")) not in tracked:
            continue
        price = _decimal(row.get("buying_price"))
        total += price if reading == "total" else price * _decimal(row.get("quantity"), "0")
    return to_rupiah(total)


def _line_costs(line: Mapping[str, Any]) -> dict[tuple[str, bool], int]:
    """`_line_cost` of a line under every reading, all its rows or its stock's only, in one
    pass over its ``cogs`` rows (the same sums in the same order)."""
    rows = line.get("cogs") or []
    if not rows:
        return _NO_COSTS
    tracked = {text_or_none(u.get("sku")) for u in line.get("units_used") or []} - {None}
    unit = total = unit_stock = total_stock = Decimal(0)
    for row in rows:
        price = _decimal(row.get("buying_price"))
        priced = price * _decimal(row.get("quantity"), "0")
        unit += priced
        total += price
        if text_or_none(row.get("sku")) in tracked:
            unit_stock += priced
            total_stock += price
    return {
        ("unit", False): _rupiah(unit),
        ("total", False): _rupiah(total),
        ("unit", True): _rupiah(unit_stock),
        ("total", True): _rupiah(total_stock),
    }


_NO_COSTS = {(reading, stock): 0 for reading in COST_READINGS for stock in (False, True)}


def cost_reading(order: Mapping[str, Any]) -> str | None:
    """How ``order``'s ``cogs[]`` prices are read (I-19): the reading under which its lines'
    costs add up to the order's own ``buying_price`` (within a rupiah per cost entry, for
    fractional unit costs), the closest one and on a tie the documented ``unit``;
    ``COST_UNMATCHED`` when none does (its costs are then read as ``unit``: the cost is only an
    estimate, so the sale is not held for it); None when it has no cost entry or states no
    ``buying_price`` of its own, leaving nothing to choose (read as ``unit``)."""
    return _cost_reading(order, [_line_costs(line) for line in order.get("order_details") or []])


def _cost_reading(order: Mapping[str, Any], costs: list[dict[tuple[str, bool], int]]) -> str | None:
    """`cost_reading` given its lines' `_line_costs`."""
    details = order.get("order_details") or []
    entries = sum(len(line.get("cogs") or []) for line in details)
    stated = order.get("buying_price")
    if entries == 0 or stated in (None, ""):
        return None
    own = _rupiah(stated)
    gaps = [
        (abs(sum(cost[reading, False] for cost in costs) - own), index, reading)
        for index, reading in enumerate(COST_READINGS)
    ]
    gap, _, reading = min(gaps)
    return reading if gap <= entries else COST_UNMATCHED


def order_level_discount(order: Mapping[str, Any]) -> int:
    """The order-level discount (I-17, I-20): ``total_discount_amount`` less the lines'
    ``discount_amount`` when the order states both; otherwise the order's ``discounts[]``
    entries that name no line (``order_detail_id`` absent or null), since a service may list
    each line's discounts there too."""
    details = order.get("order_details")
    stated = order.get("total_discount_amount")
    if details and stated not in (None, ""):
        return _rupiah(stated) - sum(_rupiah(line.get("discount_amount")) for line in details)
    return sum(
        _rupiah(d.get("discount_amount"))
        for d in order.get("discounts") or []
        if d.get("order_detail_id") in (None, "")
    )


def implied_voids(order: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The void payments of a voided order (``status: "void"``) that lists no ``void``
    transaction (I-23): one per successful sale, the same method and amount, dated at its
    ``cancel_date`` (else its ``modified_date``), with the id ``<sale id>:void``. None for any
    other order, so the payments read the same whether iSeller adds a void transaction or
    shows the void by the order's status alone."""
    transactions = order.get("transactions") or []
    if order.get("status") != "void" or any(t.get("type") == "void" for t in transactions):
        return []
    cancelled = parse_utc(order.get("cancel_date") or order.get("modified_date"))
    return [
        {
            "order_id": str(order["order_id"]),
            "transaction_id": f"{sale.get('transaction_id')}:void",
            "type": "void",
            "status": "success",
            "gateway": sale.get("gateway"),
            "payment_type_name": sale.get("payment_type_name"),
            "transaction_date": cancelled,
            "amount": transaction_amount(sale),
        }
        for sale in transactions
        if sale.get("type") == "sale" and sale.get("status") == "success"
    ]


#: The columns read as they are (the others are set below).
_ORDER_AS_IS = tuple(
    c
    for c in ORDER_COLUMNS
    if c not in ORDER_MONEY
    and c
    not in (
        "order_id",
        "order_reference",
        "tax_inclusive",
        "on_account",
        "customer_id",
        "customer_name",
        "order_date",
        "closed_date",
        "modified_date",
        "cancel_date",
        "order_discounts",
        "order_promotions",
        "cost_reading",
    )
)
_LINE_AS_IS = tuple(
    c
    for c in LINE_COLUMNS
    if c not in LINE_MONEY
    and c
    not in (
        "order_id",
        "line_no",
        "variant_name",
        "quantity",
        "tax_percentage",
        "discount_percentage",
        "taxable",
        "cost",
        "stock_cost",
    )
)
_PAYMENT_AS_IS = tuple(
    c for c in PAYMENT_COLUMNS if c not in ("order_id", "amount", "transaction_date")
)


def line_sku(detail: Mapping[str, Any]) -> Any:
    """A line's SKU: a modifier's own (``product_modifier_sku``, or ``modifier_product_sku``
    as the OrderDetail table names it, I-35) when the line is a modifier and names one, as its
    ``sku`` may be read as the SKU of the product it modifies; else ``sku``."""
    if text_or_none(detail.get("product_modifier_id")):
        for key in ("product_modifier_sku", "modifier_product_sku"):
            if (own := text_or_none(detail.get(key))) is not None:
                return own
    return detail.get("sku")


@cycle_collection_paused()  # a row per order, line and payment: all alive till the end
def order_frames(raw_orders: Iterable[Mapping[str, Any]], *, lines: bool = True) -> OrderFrames:
    """The orders, lines and payments of ``raw_orders``. ``lines=False``: an empty lines frame
    and no ``cost_reading``, for readers of orders and payments alone (the fees, the
    reconciliation, the comparison with iSeller's totals): the lines are most of the work."""
    orders: list[dict[str, Any]] = []
    line_rows: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    for order in raw_orders:
        if is_held(order):  # held at the edge: not an order to read (`validation`)
            continue
        get = order.get
        order_id = str(order["order_id"])
        row = {c: get(c) for c in _ORDER_AS_IS}
        for m in ORDER_MONEY:
            row[m] = _rupiah(get(m))
        row["order_id"] = order_id
        row["order_reference"] = text_or_none(get("order_reference")) or order_id
        row["tax_inclusive"] = bool(get("tax_inclusive"))
        row["on_account"] = bool(get("on_account"))
        row["customer_id"] = text_or_none(get("customer_id"))
        row["customer_name"] = customer_name(order)
        for column in ("order_date", "closed_date", "modified_date", "cancel_date"):
            row[column] = _moment(get(column))
        row["order_discounts"] = order_level_discount(order)
        row["order_promotions"] = sum(
            _rupiah(p.get("promotion_amount")) for p in get("promotions") or []
        )
        details = (get("order_details") or []) if lines else []
        costs = [_line_costs(detail) for detail in details]
        row["cost_reading"] = reading = _cost_reading(order, costs) if lines else None
        read_as = "total" if reading == "total" else "unit"
        orders.append(row)
        for index, (detail, cost) in enumerate(zip(details, costs, strict=True)):
            line_get = detail.get
            line = {c: line_get(c) for c in _LINE_AS_IS}
            for m in LINE_MONEY:
                line[m] = _rupiah(line_get(m))
            line["order_id"] = order_id
            line["line_no"] = index + 1
            line["variant_name"] = line_get("product_variant_name")
            line["sku"] = line_sku(detail)
            line["quantity"] = _decimal(line_get("quantity"), "0")
            line["tax_percentage"] = _decimal(line_get("tax_percentage"))
            line["discount_percentage"] = _decimal(line_get("discount_percentage"))
            line["taxable"] = bool(line_get("taxable", True))
            line["cost"] = cost[read_as, False]
            line["stock_cost"] = cost[read_as, True]
            line_rows.append(line)
        for payment in get("transactions") or []:
            pay = {c: payment.get(c) for c in _PAYMENT_AS_IS}
            pay["order_id"] = order_id
            pay["amount"] = transaction_amount(payment)
            pay["transaction_date"] = _moment(payment.get("transaction_date"))
            payments.append(pay)
        payments.extend(implied_voids(order))
    return OrderFrames(
        _frame(orders, ORDER_COLUMNS, ORDER_MONEY),
        _frame(line_rows, LINE_COLUMNS, (*LINE_MONEY, "cost", "stock_cost", "line_no")),
        _frame(payments, PAYMENT_COLUMNS, ("amount",)),
    )


def _frame(
    rows: list[dict[str, Any]], columns: tuple[str, ...], integers: tuple[str, ...]
) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns), dtype=object)
    for column in integers:
        frame[column] = frame[column].astype("int64")
    return frame
