"""Gift-card sales of the demo merchant (I-46).

JKT sells "Gift Card Rp 100.000" (SKU ``GC-100``) a few times a week: each sale is an order of
its own with one gift-card line (one or two cards), untaxed, paid at the till like any order
(never with a gift card). These orders come from their own random stream and are numbered after
the day's ordinary orders, so the ordinary orders stay exactly as they were. Redemptions are
the ``Gift Card`` payment method (gateway ``gift_card``) of ordinary orders.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from journal_sandbox.iseller_catalogue import (
    CURRENCY,
    GIFT_CARD,
    OUTLETS_BY_CODE,
    PAYMENT_METHODS,
)

#: Cards sold on one day and how likely each count is: about 3.5 sales a week.
DAILY_SALES = ((0, 60), (1, 30), (2, 10))
CARDS_PER_SALE = ((1, 85), (2, 15))
GIFT_CARD_OUTLETS = (GIFT_CARD.outlet_code,)


def gift_card_sale_count(
    seed: int, outlet_code: str, business_date: date, orders_per_day: int
) -> int:
    """How many gift-card orders an outlet takes on a business day (none without orders)."""
    if outlet_code not in GIFT_CARD_OUTLETS or orders_per_day <= 0:
        return 0
    rng = random.Random(f"{seed}|gift-cards|count|{outlet_code}|{business_date.isoformat()}")
    counts, weights = zip(*DAILY_SALES, strict=True)
    return rng.choices(counts, weights=weights, k=1)[0]


def generate_gift_card_orders(
    seed: int,
    outlet_code: str,
    business_date: date,
    *,
    orders_per_day: int,
    first_sequence: int,
    cash_rounding: int | None = None,
) -> list[Any]:
    """The gift-card orders of one outlet's business day (`GeneratedOrder`s), numbered from
    `first_sequence`."""
    from journal_sandbox.demo_merchant import (
        CASH_ROUNDING,
        GeneratedOrder,
        LineInput,
        OrderState,
        catalogue_uuid,
        compute_order_money,
        demo_uuid,
        fmt_dt,
    )
    from journal_sandbox.demo_merchant import (
        _transaction as transaction,
    )

    count = gift_card_sale_count(seed, outlet_code, business_date, orders_per_day)
    if not count:
        return []
    outlet = OUTLETS_BY_CODE[outlet_code]
    rng = random.Random(f"{seed}|gift-cards|orders|{outlet_code}|{business_date.isoformat()}")
    methods = [m for m in PAYMENT_METHODS if m.weight > 0 and m.gateway != "gift_card"]
    opening = datetime.combine(business_date, outlet.opens_at, tzinfo=outlet.zone)
    offsets = sorted(rng.randrange(outlet.order_window_minutes * 60) for _ in range(count))
    orders = []
    for index, offset in enumerate(offsets):
        placed = (opening + timedelta(seconds=offset)).astimezone(UTC)
        closed = placed + timedelta(seconds=rng.randint(*outlet.service_seconds))
        quantity = rng.choices(*zip(*CARDS_PER_SALE, strict=True), k=1)[0]
        method = rng.choices(methods, weights=[m.weight for m in methods], k=1)[0]
        cashier = rng.choice(outlet.cashiers)
        bin_card = rng.choice(("421570", "455633", "518828", "601100"))
        order_id = demo_uuid(seed, "gift_card_order", outlet_code, business_date.isoformat(), index)
        reference = f"#{outlet_code}-{first_sequence + index:06d}"
        money = compute_order_money(
            [LineInput(GIFT_CARD.price, quantity, Decimal(0))],
            tax_rate=Decimal(0),
            tax_inclusive=False,
            service_charge_rate=Decimal(0),
            round_to=(cash_rounding or CASH_ROUNDING) if method.gateway == "cash" else 0,
        )
        line = money.lines[0]
        product_id = catalogue_uuid(seed, "product", GIFT_CARD.sku)
        detail = {
            "order_detail_id": demo_uuid(seed, "order_detail", order_id, 0),
            "product_id": product_id,
            "product_name": GIFT_CARD.name,
            "product_generic_name": None,
            "product_type": GIFT_CARD.product_type,
            "product_variant_id": None,
            "product_variant_name": None,
            "product_modifier_id": None,
            "product_modifier_name": None,
            "modifier_product_type": None,
            "modifier_product_id": None,
            "modifier_product_sku": None,
            "product_modifier_sku": None,
            "order_type": None,
            "notes": "",
            "vendor": None,
            "sku": GIFT_CARD.sku,
            "type": GIFT_CARD.type,
            "fulfilment_status": "fulfilled",
            "quantity": quantity,
            "base_price": Decimal(GIFT_CARD.price),
            "total_order_amount": Decimal(line.total_order_amount),
            "discount_percentage": None,
            "discount_amount": Decimal(0),
            "discount_order_amount": Decimal(0),
            "subtotal": Decimal(line.subtotal),
            "taxable": False,
            "tax_percentage": Decimal(0),
            "tax_amount": Decimal(0),
            "additional_charge": Decimal(0),
            "require_shipping": False,
            "weight": Decimal(0),
            "weight_quantity": None,
            "server_name": None,
            "product_composites": [],
            "modifier_product_composites": [],
            "product_combos": [],
            "serial_numbers": None,
            "cogs": [],
            "discounts": [],
            "promotions": [],
            "track_inventory": False,
            "units_used": [],
        }
        sale = transaction(
            seed, order_id, "sale", 0, method, money.total_amount, closed, bin_card, reference
        )
        order = {
            "external_customer_id": None,
            "order_id": order_id,
            "order_reference": reference,
            "channel": "pos",
            "channel_detail": None,
            "marketplace_account": None,
            "order_date": fmt_dt(placed),
            "closed_date": fmt_dt(closed),
            "modified_date": fmt_dt(closed),
            "status": "completed",
            "payment_status": "paid",
            "fulfillment_status": "fulfilled",
            "notes": "",
            "processing_method": "checkout",
            "cancel_date": None,
            "cancel_reason": "",
            "outlet_id": demo_uuid(seed, "outlet", outlet_code),
            "outlet_name": outlet.outlet_name,
            "outlet_code": outlet_code,
            "register_id": demo_uuid(seed, "register", outlet_code),
            "register_name": outlet.register_name,
            "customer_id": None,
            "customer_first_name": None,
            "customer_last_name": None,
            "customer_phone_number": None,
            "customer_email": None,
            "server_id": None,
            "server_first_name": None,
            "server_last_name": None,
            "cashier_id": catalogue_uuid(seed, "staff", *cashier),
            "cashier_first_name": cashier[0],
            "cashier_last_name": cashier[1],
            "currency": CURRENCY,
            "total_order_amount": Decimal(money.total_order_amount),
            "discount_percentage": None,
            "total_discount_amount": Decimal(0),
            "total_promotion_amount": Decimal(0),
            "subtotal": Decimal(money.subtotal),
            "total_tax_amount": Decimal(0),
            "total_additional_final_amount": Decimal(0),
            "total_additional_subtotal_amount": Decimal(0),
            "total_additional_order_amount": Decimal(0),
            "rounding_amount": Decimal(money.rounding_amount),
            "total_amount": Decimal(money.total_amount),
            "buying_price": Decimal(0),
            "total_shipping_amount": Decimal(0),
            "total_weight": 0,
            "total_bonus": Decimal(0),
            "tax_inclusive": outlet.tax_inclusive,
            "on_account": False,
            "remaining_on_account": Decimal(0),
            "billing": None,
            "shipping": None,
            "device_location": None,
            "order_type": None,
            "order_details": [detail],
            "promotions": [],
            "discounts": [],
            "transactions": [sale],
        }
        orders.append(
            GeneratedOrder(
                outlet_code=outlet_code,
                business_date=business_date,
                sequence=first_sequence + index,
                order_id=order_id,
                order_date=placed,
                closed_date=closed,
                cancel_date=None,
                states=(OrderState(closed, order),),
            )
        )
    return orders
