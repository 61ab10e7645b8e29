"""The hold of an order changed in iSeller after posting whose correction must wait (a
document of the order still open in the outbox): one outbox record per order and day of the
change, never posted, gone once the day is built again and the correction made
(`sync.revisions.revise_changed_orders`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from journal_pipeline.accounting.holds import Hold
from journal_pipeline.config import MerchantConfig

#: the outbox record of a change after posting that cannot be corrected yet (held, never posted)
WAITING_CORRECTION = "correction"


def change_waiting(order: Mapping[str, Any], config: MerchantConfig, day: date, why: str) -> Hold:
    reference = str(order.get("order_reference") or order["order_id"])
    outlet = str(order.get("outlet_code") or "?")
    return Hold(
        "order",
        f"{order['order_id']}@{day.isoformat()}",  # one record per order and day of change
        reference,
        outlet,
        day,
        f"Order {reference} (outlet {outlet}) changed in iSeller on {day.isoformat()} after "
        f"it was posted, but it cannot be corrected yet: {why}. Once that is done, run "
        f"`journal-pipeline sync --date {day.isoformat()}` again to post the correction.",
        WAITING_CORRECTION,
    )
