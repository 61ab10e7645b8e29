"""What the staged orders and payments of one outlet's window add up to, under a reading.

The staged side of the completeness check (`accounting.completeness`): the same measures
iSeller's GetOrderSummary and GetTransactionSummary total, computed from the staged frames.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd

from journal_pipeline.accounting.summary_readings import (
    OrderReading,
    OutletWindow,
    PaymentReading,
)
from journal_pipeline.core.money import format_idr
from journal_pipeline.core.payment_gateways import CUSTOM, SUMMARY_GATEWAYS

#: The order money GetOrderSummary totals, as (measure, the order fields it adds up).
ORDER_MEASURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("gross sales", ("total_order_amount",)),
    ("discounts", ("total_discount_amount",)),
    ("promotions", ("total_promotion_amount",)),
    ("subtotal", ("subtotal",)),
    (
        "service charge",
        (
            "total_additional_subtotal_amount",
            "total_additional_order_amount",
            "total_additional_final_amount",
        ),
    ),
    ("tax", ("total_tax_amount",)),
    ("shipping", ("total_shipping_amount",)),
    ("rounding", ("rounding_amount",)),
    ("total", ("total_amount",)),
)
SUMMARY_METHODS = SUMMARY_GATEWAYS  # the summary's own keys; the rest per name


def staged_order_totals(
    orders: pd.DataFrame, payments: pd.DataFrame, window: OutletWindow, reading: OrderReading
) -> tuple[dict[str, int], int]:
    """The order measures of one outlet's staged orders under a reading, and how many orders
    they add up. `payments` are those orders' payments (for refunds netted)."""
    start, last = window.bounds(reading.bounds, reading.end)
    status = orders["status"]
    if reading.statuses == "completed":
        kept = status == "completed"
    elif reading.statuses == "completed_and_void":
        kept = status.isin(["completed", "void"])
    else:
        kept = (status == "completed") & (orders["payment_status"] != "refunded")
    chosen = orders[between(orders[reading.date], start, last) & kept]
    totals = {
        name: sum(int(chosen[column].sum()) for column in columns)
        for name, columns in ORDER_MEASURES
    }
    if reading.refunds == "net":
        refunds = payments[
            payments["order_id"].isin(set(chosen["order_id"]))
            & (payments["type"] == "refund")
            & (payments["status"] == "success")
        ]
        totals["total"] -= int(refunds["amount"].sum())
    return totals, len(chosen)


def staged_payment_totals(
    payments: pd.DataFrame, window: OutletWindow, reading: PaymentReading
) -> tuple[dict[str, int], dict[str, str], int, list[str]]:
    """Per payment method (`method_key`): the signed sum of one outlet's staged payments under
    a reading; the methods' names; how many payments were added; and the methods iSeller's
    summary has no key for (not compared), with their amounts. A staged amount is its size
    (a refund or void signed below zero by iSeller is staged as its size, I-22): the sign is
    the reading's for its ``type``."""
    start, last = window.bounds(reading.bounds, reading.end)
    column = {
        "transaction_date": "transaction_date",
        "order_date": "sale_order_date",
        "closed_date": "sale_closed_date",
    }[reading.date]
    chosen = payments[between(payments[column], start, last) & (payments["status"] == "success")]
    totals: dict[str, int] = {}
    labels: dict[str, str] = {}
    others: dict[str, int] = {}
    count = 0
    for payment in chosen.itertuples(index=False):
        sign = _sign(payment.type, reading.signs)
        if sign == 0:
            continue
        count += 1
        amount = sign * int(payment.amount)
        key = method_key(payment.gateway, payment.payment_type_name)
        if key is None:
            other = f"{payment.payment_type_name or 'unnamed'} (gateway {payment.gateway})"
            others[other] = others.get(other, 0) + amount
            continue
        totals[key] = totals.get(key, 0) + amount
        labels.setdefault(key, method_label(payment.gateway, payment.payment_type_name))
    not_compared = [f"{name} {format_idr(amount)}" for name, amount in others.items() if amount]
    return totals, labels, count, not_compared


def method_key(gateway: object, name: object) -> str | None:
    """The GetTransactionSummary key of a payment: its gateway, or ``custom:<name>`` (case
    folded) for a merchant-defined method; None for a gateway the summary has no key for."""
    text = str(gateway).strip().lower() if isinstance(gateway, str) else ""
    if text == CUSTOM:
        return f"{CUSTOM}:{str(name or '').strip().casefold()}"
    return text if text in SUMMARY_METHODS else None


def method_label(gateway: object, name: object) -> str:
    if str(gateway).strip().lower() == CUSTOM and name:
        return str(name).strip()
    return str(gateway)


def _sign(kind: object, signs: str) -> int:
    """+1 for a sale; −1 for what the reading subtracts (documented: every other kind)."""
    if kind == "sale":
        return 1
    subtracted = signs == "net" or (kind, signs) in _SUBTRACTED
    return -1 if subtracted else 0


_SUBTRACTED = {("void", "sales_less_voids"), ("refund", "sales_less_refunds")}


def between(moments: pd.Series, start: datetime, last: datetime) -> pd.Series:
    """[start, last] over a column of aware datetimes (None outside every window)."""
    return moments.map(lambda m: isinstance(m, datetime) and start <= m <= last).astype(bool)


def of_outlet(orders: pd.DataFrame, window: OutletWindow) -> pd.Series:
    """Staged orders of the window's outlet: by iSeller outlet id, or by outlet code."""
    code = window.outlet_code.upper()
    by_code = orders["outlet_code"].map(lambda c: isinstance(c, str) and c.upper() == code)
    if not window.outlet_id:
        return by_code
    wanted = window.outlet_id.lower()
    by_id = orders["outlet_id"].map(lambda i: isinstance(i, str) and i.lower() == wanted)
    return by_code | by_id


def method_order(keys: Iterable[str]) -> list[str]:
    rank = {name: i for i, name in enumerate(SUMMARY_METHODS)}
    return sorted(keys, key=lambda k: (rank.get(k, len(rank)), k))
