"""iSeller order JSON → the order frames of ``journal_pipeline.core.orders``.

The client asks iSeller for ``time_zone=0``, so every date string it returns is UTC. Money
columns are whole rupiah (int64); quantities stay Decimal-exact as strings are parsed.
Three frames: ``orders`` (one row per order), ``lines`` (order details) and ``payments``
(iSeller "transactions"). A missing value (``null``, an absent key) stays ``None``: the
frames are built with object dtype, so pandas never infers a text dtype that stores NaN.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import pandas as pd

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


def _decimal(value: object, default: str = "0") -> Decimal:
    if value in (None, ""):
        return Decimal(default)
    return Decimal(str(value))


def _customer_name(order: Mapping[str, Any]) -> str | None:
    parts = (text_or_none(order.get(k)) for k in ("customer_first_name", "customer_last_name"))
    return " ".join(p for p in parts if p) or None


#: The readings of a ``cogs[]`` entry's ``buying_price`` (I-19), the documented one first:
#: the unit cost, or quantity × the unit cost.
COST_READINGS = ("unit", "total")
#: An order whose costs add up to its own ``buying_price`` under no reading (read as "unit").
COST_UNMATCHED = "unmatched"


def _line_cost(line: Mapping[str, Any], reading: str = "unit") -> int:
    """Cost of a line from its ``cogs`` rows: Σ quantity × ``buying_price`` (``unit``) or
    Σ ``buying_price`` (``total``: each entry's price is already quantity × unit cost)."""
    total = Decimal(0)
    for row in line.get("cogs") or []:
        price = _decimal(row.get("buying_price"))
        total += price if reading == "total" else price * _decimal(row.get("quantity"), "0")
    return to_rupiah(total)


def cost_reading(order: Mapping[str, Any]) -> str | None:
    """How ``order``'s ``cogs[]`` prices are read (I-19): the reading under which its lines'
    costs add up to the order's own ``buying_price`` (within a rupiah per cost entry, for
    fractional unit costs), the closest one and on a tie the documented ``unit``;
    ``COST_UNMATCHED`` when none does (its costs are then read as ``unit``: the cost is only an
    estimate, so the sale is not held for it); None when it has no cost entry or states no
    ``buying_price`` of its own, leaving nothing to choose (read as ``unit``)."""
    details = order.get("order_details") or []
    entries = sum(len(line.get("cogs") or []) for line in details)
    stated = order.get("buying_price")
    if entries == 0 or stated in (None, ""):
        return None
    own = to_rupiah(stated)
    gaps = [
        (abs(sum(_line_cost(line, reading) for line in details) - own), index, reading)
        for index, reading in enumerate(COST_READINGS)
    ]
    gap, _, reading = min(gaps)
    return reading if gap <= entries else COST_UNMATCHED


def order_frames(raw_orders: Iterable[Mapping[str, Any]]) -> OrderFrames:
    orders: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    for order in raw_orders:
        order_id = str(order["order_id"])
        row = {c: order.get(c) for c in ORDER_COLUMNS}
        row.update({m: to_rupiah(order.get(m)) for m in ORDER_MONEY})
        row["order_id"] = order_id
        row["order_reference"] = text_or_none(order.get("order_reference")) or order_id
        row["tax_inclusive"] = bool(order.get("tax_inclusive"))
        row["on_account"] = bool(order.get("on_account"))
        row["customer_name"] = _customer_name(order)
        for column in ("order_date", "closed_date", "modified_date", "cancel_date"):
            row[column] = parse_utc(order.get(column))
        row["order_discounts"] = sum(
            to_rupiah(d.get("discount_amount")) for d in order.get("discounts") or []
        )
        row["order_promotions"] = sum(
            to_rupiah(p.get("promotion_amount")) for p in order.get("promotions") or []
        )
        row["cost_reading"] = reading = cost_reading(order)
        orders.append(row)
        for index, detail in enumerate(order.get("order_details") or []):
            line = {c: detail.get(c) for c in LINE_COLUMNS}
            line.update({m: to_rupiah(detail.get(m)) for m in LINE_MONEY})
            line["order_id"] = order_id
            line["line_no"] = index + 1
            line["variant_name"] = detail.get("product_variant_name")
            line["quantity"] = _decimal(detail.get("quantity"), "0")
            line["tax_percentage"] = _decimal(detail.get("tax_percentage"))
            line["discount_percentage"] = _decimal(detail.get("discount_percentage"))
            line["taxable"] = bool(detail.get("taxable", True))
            line["cost"] = _line_cost(detail, "total" if reading == "total" else "unit")
            lines.append(line)
        for payment in order.get("transactions") or []:
            pay = {c: payment.get(c) for c in PAYMENT_COLUMNS}
            pay["order_id"] = order_id
            pay["amount"] = to_rupiah(payment.get("amount"))
            pay["transaction_date"] = parse_utc(payment.get("transaction_date"))
            payments.append(pay)
    return OrderFrames(
        _frame(orders, ORDER_COLUMNS, ORDER_MONEY),
        _frame(lines, LINE_COLUMNS, (*LINE_MONEY, "cost", "line_no")),
        _frame(payments, PAYMENT_COLUMNS, ("amount",)),
    )


def _frame(
    rows: list[dict[str, Any]], columns: tuple[str, ...], integers: tuple[str, ...]
) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns), dtype=object)
    for column in integers:
        frame[column] = frame[column].astype("int64")
    return frame
