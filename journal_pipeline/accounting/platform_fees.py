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
order once); an order with no successful sale payment has nothing to keep a fee from.

Shipping the seller covered (``shipping_by_seller``) is kept back with the fees when the
block's own total says the platform deducted it: its ``total_amount_profit`` ("the final profit
after deducting all fees, discounts, and promotions") is ``total_order_amount`` less the fees,
the seller's discounts and promotions and that shipping (with or without the
``additional_shipping_income``), and not the same without the shipping. Otherwise (no total,
or one that says the shipping was not deducted) it is not booked: the order's own amounts
already carry what the customer paid, and the reconciliation shows any shipping the platform
kept as a shortfall on its method. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from journal_pipeline.core.money import to_rupiah

PROFIT_DETAILS_KEYS = ("profit_details", "profit_detail", "ProfitDetails")
FEE_FIELDS = ("admin_fee", "commission_fee")  # what the platform deducts from the order
SELLER_SHIPPING = "shipping_by_seller"
SELLER_PRICE_CUTS = ("discount_by_seller", "promotion_by_seller")
PROFIT_TOTALS = ("total_order_amount", "total_amount_profit")  # the block's own arithmetic


def _amount(part: Mapping[str, Any], field: str) -> int:
    return abs(to_rupiah(part.get(field)))


def shipping_deducted(part: Mapping[str, Any]) -> int:
    """The seller's shipping the platform kept, by the block's own profit total (module
    docstring), else 0."""
    shipping = _amount(part, SELLER_SHIPPING)
    if not shipping or any(part.get(f) in (None, "") for f in PROFIT_TOTALS):
        return 0
    profit = to_rupiah(part.get("total_amount_profit"))
    kept = sum(_amount(part, f) for f in (*FEE_FIELDS, *SELLER_PRICE_CUTS))
    net = to_rupiah(part.get("total_order_amount")) - kept
    extra = _amount(part, "additional_shipping_income")

    def fits(total: int) -> bool:  # a rupiah apart at most: the amounts are doubles
        return any(abs(profit - t) <= 1 for t in (total, total + extra))

    return shipping if fits(net - shipping) and not fits(net) else 0


def order_platform_fee(order: Mapping[str, Any]) -> int:
    """The platform's fees on ``order`` (Σ ``admin_fee`` + ``commission_fee`` of its profit
    details, each as a positive amount, and the seller's shipping it deducted,
    `shipping_deducted`); 0 without profit details."""
    block = next((order[k] for k in PROFIT_DETAILS_KEYS if order.get(k)), None)
    if block is None:
        return 0
    parts = [p for p in (block if isinstance(block, list) else [block]) if isinstance(p, Mapping)]
    fees = sum(_amount(part, field) for part in parts for field in FEE_FIELDS)
    return fees + sum(shipping_deducted(part) for part in parts)


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
