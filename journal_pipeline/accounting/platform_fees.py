"""What a marketplace or food-delivery platform keeps from an order it sold for the merchant.

A Tokopedia, Shopee or GoFood order reaches iSeller paid in full by the platform, which pays
the merchant out less its administrative fee and commission. iSeller reports them in the
order's profit details (GetOrders with include ``ProfitDetails``: ``admin_fee``,
``commission_fee``). Booked gross (revenue at the price the customer paid), the fees are an
expense kept back from the payment, exactly as an MDR is (`mdr.py`): without them the
platform's clearing account would keep a residue the payouts never settle.

The key and shape of the block are not documented (docs/assumptions/iseller.md, "Profit
details"): ``profit_details``, ``profit_detail`` or ``ProfitDetails``, an object or a list of
them, amounts as numbers or text, a deduction written positive or negative. Every reading is
accepted. The fee is put on the order's largest successful sale payment (a platform pays an
order once); an order with no successful sale payment has nothing to keep a fee from. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from journal_pipeline.core.money import to_rupiah

PROFIT_DETAILS_KEYS = ("profit_details", "profit_detail", "ProfitDetails")
FEE_FIELDS = ("admin_fee", "commission_fee")  # what the platform deducts from the order


def order_platform_fee(order: Mapping[str, Any]) -> int:
    """The platform's fees on ``order`` (Σ ``admin_fee`` + ``commission_fee`` of its profit
    details, each as a positive amount); 0 without profit details."""
    block = next((order[k] for k in PROFIT_DETAILS_KEYS if order.get(k)), None)
    if block is None:
        return 0
    parts = block if isinstance(block, list) else [block]
    return sum(
        abs(to_rupiah(part.get(field)))
        for part in parts
        if isinstance(part, Mapping)
        for field in FEE_FIELDS
    )


def platform_fees(raw_orders: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Transaction id → the platform fees kept from it: each order's fees on its largest
    successful sale payment (the first of equals); orders without fees are left out."""
    fees: dict[str, int] = {}
    for order in raw_orders:
        fee = order_platform_fee(order)
        if not fee:
            continue
        paid = [
            t
            for t in order.get("transactions") or []
            if str(t.get("type", "")).casefold() == "sale"
            and str(t.get("status", "")).casefold() == "success"
        ]
        if paid:
            largest = max(paid, key=lambda t: to_rupiah(t.get("amount")))
            transaction_id = str(largest.get("transaction_id"))
            fees[transaction_id] = fees.get(transaction_id, 0) + fee
    return fees
