"""The customer an iSeller order names (I-24: a walk-in order has every customer field null).

GetOrders embeds the customer in each order: ``customer_id``, ``customer_first_name``,
``customer_last_name``, ``customer_phone_number`` and ``customer_email``. Some order shapes
carry a single ``customer_name`` instead of the two name parts; it is read when both parts
are missing. The phone number and e-mail are personal data: `OrderCustomer` keeps them out
of its ``repr`` so that no log line or error message shows them by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from journal_pipeline.core.missing import text_or_none


def customer_name(order: Mapping[str, Any]) -> str | None:
    """First and last name joined, else ``customer_name``; None when the order has neither."""
    parts = (text_or_none(order.get(k)) for k in ("customer_first_name", "customer_last_name"))
    return " ".join(p for p in parts if p) or text_or_none(order.get("customer_name"))


@dataclass(frozen=True)
class OrderCustomer:
    customer_id: str
    name: str | None
    first_name: str | None = field(default=None, repr=False)
    last_name: str | None = field(default=None, repr=False)
    phone: str | None = field(default=None, repr=False)
    email: str | None = field(default=None, repr=False)


def order_customer(order: Mapping[str, Any]) -> OrderCustomer | None:
    """The customer of ``order``, or None for a walk-in sale (no ``customer_id``)."""
    customer_id = text_or_none(order.get("customer_id"))
    if customer_id is None:
        return None
    return OrderCustomer(
        customer_id=customer_id,
        name=customer_name(order),
        first_name=text_or_none(order.get("customer_first_name")),
        last_name=text_or_none(order.get("customer_last_name")),
        phone=text_or_none(order.get("customer_phone_number")),
        email=text_or_none(order.get("customer_email")),
    )
