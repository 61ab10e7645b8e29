"""A customer's phone number and e-mail are personal data: they go to Jurnal when the customer
is created there, and are never kept anywhere else (not in the staging database, logs or
metadata). Staged orders are stored without them; the customer sync asks iSeller for them
again, for the few customers Jurnal does not have yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ORDER_CONTACT_FIELDS = ("customer_phone_number", "customer_email")
ADDRESS_KEYS = ("billing_address", "shipping_address", "customer")  # nested contact holders
ADDRESS_CONTACT_FIELDS = ("phone", "phone_number", "email")


def without_contacts(order: Mapping[str, Any]) -> dict[str, Any]:
    """``order`` without the customer's phone number and e-mail, at the top and in its
    addresses."""
    kept = {k: v for k, v in order.items() if k not in ORDER_CONTACT_FIELDS}
    for key in ADDRESS_KEYS:
        value = kept.get(key)
        if isinstance(value, Mapping):
            kept[key] = {k: v for k, v in value.items() if k not in ADDRESS_CONTACT_FIELDS}
    return kept
