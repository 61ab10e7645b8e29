"""The demo merchant served by the iSeller sandbox: "Toko Demo Nusantara".

Everything here is a pure function of a seed, so the sandbox and the tests agree on the truth.
The static catalogue (three outlets in WIB and WITA, products of every kind, payment methods,
customers) lives in `iseller_catalogue`; stock transfers and stock takes in `iseller_stock`.
This module generates the orders, one outlet and one business day at a time, so the set of
orders only grows as the clock moves on. An order is a sequence of states: closed (paid, split
over two payments, or on account), then possibly voided, paid on account, or refunded on a later
day. The API shows the last state reached.

Money is whole rupiah held as ``Decimal``; a rate is applied with half-up rounding to the
rupiah. The order arithmetic is `compute_order_money`, the refund arithmetic `refund_money`;
docs/assumptions/iseller.md (I-20, I-30..I-36) records both. Dates in the order dicts are UTC
strings ``"YYYY-MM-DD HH:MM:SS"`` (the API stores UTC and converts on output).
"""

from __future__ import annotations

import bisect
import random
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from journal_sandbox.gift_cards import generate_gift_card_orders, gift_card_sale_count
from journal_sandbox.iseller_catalogue import (
    CURRENCY,
    CUSTOMER_NAMES,
    MODIFIER_GROUPS,
    MODIFIERS,
    ON_ACCOUNT_SETTLEMENT_METHOD,
    OUTLETS,
    OUTLETS_BY_CODE,
    PAYMENT_METHODS,
    PAYMENT_METHODS_BY_NAME,
    PRODUCTS,
    PRODUCTS_BY_SKU,
    STORE_NAME,
    Modifier,
    OutletProfile,
    PaymentMethod,
    Product,
    till_catalogue,
)

if TYPE_CHECKING:
    from journal_sandbox.register_shifts import ShiftCash

__all__ = [
    "CURRENCY",
    "DATE_FORMAT",
    "DEFAULT_ORDERS_PER_OUTLET_PER_DAY",
    "MODIFIERS",
    "MODIFIER_GROUPS",
    "OUTLETS",
    "OUTLETS_BY_CODE",
    "PAYMENT_METHODS",
    "PAYMENT_METHODS_BY_NAME",
    "PRODUCTS",
    "PRODUCTS_BY_SKU",
    "STORE_NAME",
    "DemoMerchant",
    "GeneratedOrder",
    "OutletProfile",
    "PaymentMethod",
    "Product",
    "allocate",
    "catalogue_uuid",
    "compute_order_money",
    "customers",
    "day_order_count",
    "demo_outlets",
    "demo_uuid",
    "fmt_dt",
    "generate_orders",
    "outlet_profile",
    "parse_dt",
    "refund_money",
    "round_rupiah",
    "template_code",
]

DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
DEFAULT_ORDERS_PER_OUTLET_PER_DAY = 300

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "demo-merchant.journal-pipeline.invalid")

HUNDRED = Decimal(100)

VOID_RATE = 0.03
LINE_DISCOUNT_RATE = 0.20
LINE_DISCOUNT_PERCENT = Decimal(10)
CUSTOMER_RATE = 0.30
MEMBER_DISCOUNT_SHARE = 1 / 3  # of orders with a customer: ~10% of all orders
MEMBER_DISCOUNT_NAME = "Member 5%"
MEMBER_DISCOUNT_PERCENT = Decimal(5)
MODIFIER_RATE = 0.40  # of lines whose product has modifier groups
SPLIT_RATE = 0.05  # of paid-at-the-till orders
ON_ACCOUNT_SHARE = 0.10  # of orders with a customer: ~3% of all orders
ON_ACCOUNT_DAYS = (1, 5)  # paid this many days after the business day
REFUND_RATE = 0.03  # of completed, paid orders
FULL_REFUND_SHARE = 0.40
REFUND_DAYS = (1, 7)  # refunded this many days after the business day
CASH_ROUNDING = 100  # cash-only orders are rounded to the nearest 100 rupiah
COUNT_JITTER = 0.20
VOID_REASON = "Salah input pesanan"
REFUND_REASON = "Barang dikembalikan pelanggan"
#: The longest time between the business day of an order and its last change.
MAX_CHANGE_LAG_DAYS = max(ON_ACCOUNT_DAYS[1], REFUND_DAYS[1]) + 1


@dataclass(frozen=True)
class Promotion:
    """An order-level promotion an outlet applies automatically to eligible orders."""

    key: str
    name: str
    amount: int  # whole rupiah taken off the order, shared over lines like a discount
    minimum: int  # minimum net of line discounts
    hours: tuple[int, int]  # local hours [from, to) of placement when it applies


PROMOTIONS: dict[str, Promotion] = {
    "JKT": Promotion("PROMO-JKT", "Promo Belanja 300rb", 25_000, 300_000, (10, 24)),
    "DPS": Promotion("PROMO-DPS", "Sunset Deal", 22_000, 200_000, (16, 19)),
    "BDG": Promotion("PROMO-BDG", "Diskon Pagi", 5_000, 40_000, (7, 9)),
}

# ---------------------------------------------------------------------------------------------
# More outlets
# ---------------------------------------------------------------------------------------------

#: An outlet beyond the catalogue's three copies one of them in turn (``JKT2``, ``DPS2``,
#: ``BDG2``, ``JKT3``...): its kind, time zone (WIB or WITA), taxes, hours, products and
#: promotion; its own code, name, register, order numbers and (in the merchant config) warehouse.
_COPY_CODE = re.compile(r"^(?P<template>[A-Z]+?)(?P<number>[2-9]|[1-9][0-9]+)$")


def demo_outlets(count: int = len(OUTLETS)) -> tuple[OutletProfile, ...]:
    """The catalogue's outlets, then copies of them in turn up to ``count`` outlets."""
    if count < len(OUTLETS):
        raise ValueError(f"the demo merchant has at least {len(OUTLETS)} outlets, not {count}")
    copies = tuple(
        outlet_profile(f"{OUTLETS[n % len(OUTLETS)].outlet_code}{n // len(OUTLETS) + 1}")
        for n in range(len(OUTLETS), count)
    )
    return OUTLETS + copies


@lru_cache(maxsize=256)
def outlet_profile(outlet_code: str) -> OutletProfile:
    """The profile of a catalogue outlet or of a copy (``JKT2``); KeyError for another code."""
    if outlet_code in OUTLETS_BY_CODE:
        return OUTLETS_BY_CODE[outlet_code]
    match = _COPY_CODE.match(outlet_code)
    if match is None or match["template"] not in OUTLETS_BY_CODE:
        raise KeyError(f"unknown outlet code {outlet_code!r}")
    template = OUTLETS_BY_CODE[match["template"]]
    number = int(match["number"])
    local, domain = template.email.split("@", 1)
    return replace(
        template,
        outlet_code=outlet_code,
        outlet_name=f"{template.outlet_name} {number}",
        email=f"{local}{number}@{domain}",
        register_name=f"Register {outlet_code} - {template.outlet_name} {number} iPad",
    )


def template_code(outlet_code: str) -> str:
    """The catalogue outlet an outlet copies (itself for the catalogue's own)."""
    if outlet_code in OUTLETS_BY_CODE:
        return outlet_code
    match = _COPY_CODE.match(outlet_code)
    if match is None or match["template"] not in OUTLETS_BY_CODE:
        raise KeyError(f"unknown outlet code {outlet_code!r}")
    return match["template"]


_CARD_BINS = ("421570", "455633", "518828", "601100")
_CARD_GATEWAYS = ("external_debit", "external_credit")


def demo_uuid(seed: int, *parts: object) -> str:
    """A stable GUID for a demo object: uuid5 over the seed and the object's identity."""
    name = "|".join([str(seed), *(str(p) for p in parts)])
    return str(uuid.uuid5(_NAMESPACE, name))


@lru_cache(maxsize=8192)
def catalogue_uuid(seed: int, *parts: object) -> str:
    """`demo_uuid` of catalogue objects (products, methods, staff), which recur in every order."""
    return demo_uuid(seed, *parts)


def fmt_dt(value: datetime) -> str:
    """An aware datetime as the API's UTC string."""
    return value.astimezone(UTC).strftime(DATE_FORMAT)


def parse_dt(value: str) -> datetime:
    """The API's UTC string back to an aware datetime."""
    return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=UTC)


def _clone(value: Any) -> Any:
    """A deep copy of plain JSON-like data (dicts, lists, immutable leaves); fast."""
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clone(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------
# Money
# ---------------------------------------------------------------------------------------------


def round_rupiah(value: Decimal) -> int:
    """Half-up rounding to the whole rupiah."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` pro rata over `weights` in whole rupiah (largest remainder).

    The shares always sum to `total`; ties on the remainder go to the earlier line.
    """
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("allocate() needs non-negative amounts")
    weight_sum = sum(weights)
    if total == 0:
        return [0] * len(weights)
    if weight_sum == 0:
        raise ValueError("cannot allocate a non-zero amount over zero weights")
    shares = [total * w // weight_sum for w in weights]
    remainders = [total * w % weight_sum for w in weights]
    left = total - sum(shares)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        shares[index] += 1
    return shares


@dataclass(frozen=True)
class LineInput:
    base_price: int
    quantity: int
    discount_percentage: Decimal  # 0 = no line discount


@dataclass(frozen=True)
class LineMoney:
    total_order_amount: int  # gross: base_price x quantity
    discount_amount: int  # line-level discount
    discount_order_amount: int  # share of the order-level discounts and promotions
    subtotal: int
    tax_amount: int
    additional_charge: int  # share of the service charge


@dataclass(frozen=True)
class OrderMoney:
    lines: tuple[LineMoney, ...]
    total_order_amount: int
    line_discount_amount: int
    order_discount_amount: int
    total_discount_amount: int
    total_promotion_amount: int
    subtotal: int
    service_charge: int  # total_additional_subtotal_amount
    service_charge_tax: int
    total_tax_amount: int
    rounding_amount: int
    total_amount: int


def compute_order_money(
    lines: Sequence[LineInput],
    *,
    tax_rate: Decimal,
    tax_inclusive: bool,
    service_charge_rate: Decimal,
    order_discount_percentage: Decimal = Decimal(0),
    promotion_amount: int = 0,
    promotion_line: int | None = None,
    round_to: int = 0,
) -> OrderMoney:
    """The order arithmetic of the demo merchant (docs/assumptions/iseller.md, I-20).

    `round_to` > 0 rounds the amount due half-up to a multiple of it (cash orders: 100); the
    difference is `rounding_amount`, positive or negative. `promotion_line`: the promotion is
    on that line alone (an item promotion), the order discount shared over what each line comes
    to after it; else the promotion is shared over every line with the order discount.
    """
    gross = [line.base_price * line.quantity for line in lines]
    line_discounts = [
        round_rupiah(g * line.discount_percentage / HUNDRED)
        for g, line in zip(gross, lines, strict=True)
    ]
    nets = [g - d for g, d in zip(gross, line_discounts, strict=True)]
    order_discount = round_rupiah(sum(nets) * order_discount_percentage / HUNDRED)
    if order_discount + promotion_amount > sum(nets):
        raise ValueError("order-level discounts and promotions exceed the order")
    if promotion_line is None:
        order_shares = allocate(order_discount + promotion_amount, nets)
    else:
        if promotion_amount > nets[promotion_line]:
            raise ValueError("an item promotion exceeds its line")
        own = [promotion_amount if i == promotion_line else 0 for i in range(len(nets))]
        after = [n - o for n, o in zip(nets, own, strict=True)]
        order_shares = [o + s for o, s in zip(own, allocate(order_discount, after), strict=True)]
    subtotals = [n - s for n, s in zip(nets, order_shares, strict=True)]
    if tax_inclusive:
        taxes = [round_rupiah(s * tax_rate / (HUNDRED + tax_rate)) for s in subtotals]
        net_of_tax = [s - t for s, t in zip(subtotals, taxes, strict=True)]
    else:
        taxes = [round_rupiah(s * tax_rate / HUNDRED) for s in subtotals]
        net_of_tax = list(subtotals)
    service = round_rupiah(sum(net_of_tax) * service_charge_rate / HUNDRED)
    service_shares = allocate(service, net_of_tax) if service else [0] * len(lines)
    service_tax = round_rupiah(service * tax_rate / HUNDRED)
    subtotal = sum(subtotals)
    total_tax = sum(taxes) + service_tax
    if tax_inclusive:
        before_rounding = subtotal + service + service_tax
    else:
        before_rounding = subtotal + total_tax + service
    rounding = 0
    if round_to > 0:
        rounding = round_rupiah(Decimal(before_rounding) / round_to) * round_to - before_rounding
    return OrderMoney(
        lines=tuple(
            LineMoney(g, d, s, st, t, a)
            for g, d, s, st, t, a in zip(
                gross, line_discounts, order_shares, subtotals, taxes, service_shares, strict=True
            )
        ),
        total_order_amount=sum(gross),
        line_discount_amount=sum(line_discounts),
        order_discount_amount=order_discount,
        total_discount_amount=sum(line_discounts) + order_discount,
        total_promotion_amount=promotion_amount,
        subtotal=subtotal,
        service_charge=service,
        service_charge_tax=service_tax,
        total_tax_amount=total_tax,
        rounding_amount=rounding,
        total_amount=before_rounding + rounding,
    )


def refund_money(order: dict[str, Any], returned: dict[str, int]) -> dict[str, int]:
    """What a refund of `returned` units (by ``order_detail_id``) of `order` gives back.

    A full refund (every unit of every line) returns the order's own amounts, rounding
    included. A partial refund is computed line by line, for `u` of `q` units (I-33)::

        subtotal        = round(line subtotal          x u / q)
        tax             = round(line tax_amount        x u / q)
        service_charge  = round(line additional_charge x u / q)
        service_tax     = round(service_charge x tax rate / 100)
        line refund     = subtotal + service_charge + service_tax (+ tax when tax-exclusive)

    Returns ``amount`` (the refund transaction), ``subtotal``, ``tax`` = ``line_tax`` +
    ``service_tax``, ``service_charge``, ``rounding``.
    """
    lines = order["order_details"]
    full = all(returned.get(line["order_detail_id"], 0) == line["quantity"] for line in lines)
    if full:
        line_tax = sum(int(line["tax_amount"]) for line in lines)
        return {
            "amount": int(order["total_amount"]),
            "subtotal": int(order["subtotal"]),
            "tax": int(order["total_tax_amount"]),
            "line_tax": line_tax,
            "service_tax": int(order["total_tax_amount"]) - line_tax,
            "service_charge": int(order["total_additional_subtotal_amount"]),
            "rounding": int(order["rounding_amount"]),
        }
    result = dict.fromkeys(
        ("amount", "subtotal", "tax", "line_tax", "service_tax", "service_charge", "rounding"), 0
    )
    for line in lines:
        units = returned.get(line["order_detail_id"], 0)
        if not units:
            continue
        share = Decimal(units) / Decimal(line["quantity"])
        subtotal = round_rupiah(Decimal(line["subtotal"]) * share)
        tax = round_rupiah(Decimal(line["tax_amount"]) * share)
        service = round_rupiah(Decimal(line["additional_charge"]) * share)
        service_tax = round_rupiah(service * Decimal(line["tax_percentage"]) / HUNDRED)
        result["subtotal"] += subtotal
        result["tax"] += tax + service_tax
        result["line_tax"] += tax
        result["service_tax"] += service_tax
        result["service_charge"] += service
        result["amount"] += subtotal + service + service_tax
        if not order["tax_inclusive"]:
            result["amount"] += tax
    return result


# ---------------------------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderState:
    at: datetime  # aware, UTC: when the order reached this state
    order: dict[str, Any] = field(repr=False)
    refunds: tuple[dict[str, Any], ...] = field(default=(), repr=False)  # refunded_orders[]


@dataclass(frozen=True)
class GeneratedOrder:
    """One generated order and how it looks over time.

    `states` are in time order; the first is the order as closed. Later states are a void, the
    payment of an on-account order, or a refund. Date strings inside are UTC.
    """

    outlet_code: str
    business_date: date
    sequence: int
    order_id: str
    order_date: datetime  # aware, UTC
    closed_date: datetime
    cancel_date: datetime | None
    states: tuple[OrderState, ...] = field(repr=False)

    @property
    def final(self) -> dict[str, Any]:
        return _clone(self.states[-1].order)

    @property
    def modified_date(self) -> datetime:
        return self.states[-1].at

    def state_changes(self) -> tuple[datetime, ...]:
        """The instants at which this order (re)appears in the API."""
        return tuple(state.at for state in self.states)

    def state_at(self, at: datetime) -> OrderState | None:
        """The state shown at `at` (shared, do not modify); None while not closed yet."""
        shown = None
        for state in self.states:
            if state.at > at:
                break
            shown = state
        return shown

    def as_of(self, at: datetime) -> dict[str, Any] | None:
        """The order as the API shows it at `at`; None while it is not closed yet."""
        state = self.state_at(at)
        return None if state is None else _clone(state.order)

    def refunds_as_of(self, at: datetime) -> list[dict[str, Any]]:
        """The order's ``refunded_orders[]`` entries at `at` (UTC dates)."""
        state = self.state_at(at)
        return [] if state is None else _clone(list(state.refunds))


def day_order_count(seed: int, outlet_code: str, business_date: date, orders_per_day: int) -> int:
    """How many orders an outlet takes on a business day (±20% around `orders_per_day`)."""
    rng = random.Random(f"{seed}|count|{outlet_code}|{business_date.isoformat()}")
    factor = 1 + rng.uniform(-COUNT_JITTER, COUNT_JITTER)
    return max(0, int(orders_per_day * factor + 0.5))


def customers(seed: int) -> list[dict[str, Any]]:
    return [
        {
            "customer_id": demo_uuid(seed, "customer", index),
            "first_name": first,
            "last_name": last,
            "phone_number": phone,
            "email": f"{first.lower().replace(' ', '')}.{last.lower().replace(' ', '')}"
            "@contoh.invalid",
            "home_outlet_code": outlet,
        }
        for index, (first, last, phone, outlet) in enumerate(CUSTOMER_NAMES)
    ]


def _pick_weighted(rng: random.Random, items: Sequence[Any], weights: Sequence[float]) -> Any:
    return rng.choices(items, weights=weights, k=1)[0]


def _placement_offsets(rng: random.Random, outlet: OutletProfile, count: int) -> list[int]:
    """Seconds after opening of `count` orders, following the outlet's hourly curve."""
    window = outlet.order_window_minutes * 60
    hours = range(len(outlet.hourly_weights))
    offsets = []
    for _ in range(count):
        hour = _pick_weighted(rng, hours, outlet.hourly_weights)
        start = hour * 3600
        offsets.append(start + rng.randrange(max(1, min(3600, window - start))))
    return sorted(offsets)


def _local_moment(
    business_date: date, days: int, outlet: OutletProfile, rng: random.Random
) -> datetime:
    """A time between 11:00 and 19:00 local, `days` after the business day, as UTC."""
    moment = datetime.combine(business_date + timedelta(days=days), time(11), tzinfo=outlet.zone)
    return (moment + timedelta(seconds=rng.randrange(8 * 3600))).astimezone(UTC)


@dataclass
class _LineSpec:
    product: Product
    quantity: int
    discounted: bool
    modifier: Modifier | None = None  # set on modifier lines; `product` is then the parent


def _mdr(method: PaymentMethod, amount: int) -> list[dict[str, Decimal]]:
    if method.mdr_percent is None:
        return []
    fee = round_rupiah(amount * method.mdr_percent / HUNDRED)
    return [{"payment_method_fee": Decimal(fee), "total_amount_fee": Decimal(amount - fee)}]


def _transaction(
    seed: int,
    order_id: str,
    kind: str,
    index: int,
    method: PaymentMethod,
    amount: int,
    at: datetime,
    bin_card: str,
    order_reference: str,
) -> dict[str, Any]:
    return {
        "order_reference": order_reference,
        "order_id": order_id,
        "transaction_id": demo_uuid(seed, "transaction", order_id, kind, index),
        "transaction_date": fmt_dt(at),
        "channel": "pos",
        "type": kind,
        "status": "success",
        "gateway": method.gateway,
        "payment_type_id": (
            None if method.gateway == "cash" else catalogue_uuid(seed, "payment", method.name)
        ),
        "payment_type_name": method.name,
        "currency": CURRENCY,
        "amount": Decimal(amount),
        "mdr": _mdr(method, amount) if kind == "sale" else [],
        "bin_card": bin_card if method.gateway in _CARD_GATEWAYS else None,
        "additional_info": None,
    }


def _cogs_and_units(
    seed: int, spec: _LineSpec, quantity: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(cogs[], units_used[], product_composites[]) for `quantity` units of a line."""
    if spec.modifier is not None:
        modifier = spec.modifier
        cogs = []
        if modifier.buying_price:
            cogs.append(
                {
                    "product_id": catalogue_uuid(seed, "modifier", modifier.key),
                    "sku": modifier.key,
                    "quantity": Decimal(quantity),
                    "buying_price": Decimal(modifier.buying_price),
                }
            )
        return cogs, [], []
    product = spec.product
    if product.components:
        cogs, units, composites = [], [], []
        for component in product.components:
            part = PRODUCTS_BY_SKU[component.sku]
            part_id = catalogue_uuid(seed, "product", part.sku)
            amount = component.quantity * quantity
            cogs.append(
                {
                    "product_id": part_id,
                    "sku": part.sku,
                    "quantity": Decimal(amount),
                    "buying_price": Decimal(part.buying_price),
                }
            )
            composites.append(
                {
                    "product_id": part_id,
                    "product_sku": part.sku,
                    "product_name": part.name,
                    "variant_name": part.variant_name,
                    "quantity": Decimal(amount),
                }
            )
            if part.track_inventory:
                units.append(
                    {
                        "product_name": part.name,
                        "product_id": part_id,
                        "sku": part.sku,
                        "stock": Decimal(amount),
                        "serial_numbers": None,
                    }
                )
        return cogs, units, composites
    product_id = catalogue_uuid(seed, "product", product.sku)
    cogs = []
    if product.buying_price:
        cogs.append(
            {
                "product_id": product_id,
                "sku": product.sku,
                "quantity": Decimal(quantity),
                "buying_price": Decimal(product.buying_price),
            }
        )
    units = []
    if product.track_inventory:
        units.append(
            {
                "product_name": product.name,
                "product_id": product_id,
                "sku": product.sku,
                "stock": Decimal(quantity),
                "serial_numbers": None,
            }
        )
    return cogs, units, []


def _promoted_line(nets: Sequence[int], amount: int) -> int | None:
    """The line an item promotion of ``amount`` is taken off: the largest by ``nets`` (each
    line's net of its line discount; the earliest of equals), when it covers the promotion;
    else None."""
    largest = max(range(len(nets)), key=lambda i: (nets[i], -i))
    return largest if nets[largest] >= amount else None


def _promotion_block(seed: int, promotion: Promotion, kind: str) -> dict[str, Any]:
    """A Promotion as an order or a line lists it (PromotionDetails)."""
    return {
        "promotion_id": catalogue_uuid(seed, "promotion", promotion.key),
        "promotion_name": promotion.name,
        "promotion_type": kind,
        "promotion_amount": Decimal(promotion.amount),
        "external_id": None,
    }


def _line_specs(rng: random.Random, catalogue: list[Product]) -> list[_LineSpec]:
    n_products = _pick_weighted(rng, (1, 2, 3, 4), (40, 30, 20, 10))
    specs: list[_LineSpec] = []
    for product in rng.sample(catalogue, n_products):
        quantity = _pick_weighted(rng, (1, 2, 3), (70, 22, 8))
        specs.append(_LineSpec(product, quantity, rng.random() < LINE_DISCOUNT_RATE))
        if product.modifier_groups and rng.random() < MODIFIER_RATE:
            group = rng.choice(product.modifier_groups)
            modifier = rng.choice([m for m in MODIFIERS if m.group == group])
            specs.append(_LineSpec(product, quantity, False, modifier))
    return specs


def generate_orders(
    seed: int,
    outlet_code: str,
    business_date: date,
    *,
    orders_per_day: int = DEFAULT_ORDERS_PER_OUTLET_PER_DAY,
    first_sequence: int = 1,
    tax_rate: Decimal | None = None,
    cash_rounding: int = CASH_ROUNDING,
    item_promotions: bool = False,
) -> list[GeneratedOrder]:
    """All orders of one outlet for one business day, in order of placement.

    Depends only on the arguments. `first_sequence` numbers the order references
    (``#JKT-000123``); `DemoMerchant` chains it across days. ``tax_rate`` replaces the
    outlet's own (a rate that changed from a date, `DemoMerchant.tax_rate_on`).
    ``cash_rounding``: the multiple a cash-only order's amount due is rounded to, half up.
    ``item_promotions``: the outlet's promotion is taken off the order's largest line alone
    (listed in that line's ``promotions[]`` too) when that line covers it.
    """
    outlet = outlet_profile(outlet_code)
    if tax_rate is not None:
        outlet = replace(outlet, tax_rate=tax_rate)
    count = day_order_count(seed, outlet_code, business_date, orders_per_day)
    rng = random.Random(f"{seed}|orders|{outlet_code}|{business_date.isoformat()}")
    catalogue = till_catalogue(template_code(outlet_code))
    members = customers(seed)
    till_methods = [m for m in PAYMENT_METHODS if m.weight > 0]
    till_weights = [m.weight for m in till_methods]
    promotion = PROMOTIONS[template_code(outlet_code)]
    opening = datetime.combine(business_date, outlet.opens_at, tzinfo=outlet.zone)
    outlet_id = demo_uuid(seed, "outlet", outlet_code)
    register_id = demo_uuid(seed, "register", outlet_code)
    orders = []
    for index, offset in enumerate(_placement_offsets(rng, outlet, count)):
        placed_local = opening + timedelta(seconds=offset)
        closed_local = placed_local + timedelta(seconds=rng.randint(*outlet.service_seconds))
        order_date = placed_local.astimezone(UTC)
        closed_date = closed_local.astimezone(UTC)
        order_id = demo_uuid(seed, "order", outlet_code, business_date.isoformat(), index)
        sequence = first_sequence + index
        reference = f"#{outlet_code}-{sequence:06d}"

        specs = _line_specs(rng, catalogue)
        customer = rng.choice(members) if rng.random() < CUSTOMER_RATE else None
        member_discount = customer is not None and rng.random() < MEMBER_DISCOUNT_SHARE
        on_account = customer is not None and rng.random() < ON_ACCOUNT_SHARE
        method = _pick_weighted(rng, till_methods, till_weights)
        split = not on_account and rng.random() < SPLIT_RATE
        second_method = rng.choice([m for m in till_methods if m is not method])
        split_share = rng.uniform(0.3, 0.7)
        bin_card = rng.choice(_CARD_BINS)
        cashier = rng.choice(outlet.cashiers)
        server = rng.choice(outlet.servers) if outlet.servers else None
        order_type = (
            _pick_weighted(rng, ("dine_in", "take_away"), (75, 25))
            if outlet.kind == "restaurant"
            else None
        )
        is_void = not on_account and not split and rng.random() < VOID_RATE
        cancel_after = rng.randint(2 * 60, 20 * 60)
        is_refund = not on_account and not is_void and rng.random() < REFUND_RATE
        full_refund = rng.random() < FULL_REFUND_SHARE
        refund_days = rng.randint(*REFUND_DAYS)
        refund_line = rng.randrange(len(specs))
        refund_units = rng.randint(1, specs[refund_line].quantity)
        paid_days = rng.randint(*ON_ACCOUNT_DAYS)
        later = random.Random(f"{seed}|later|{order_id}")

        line_inputs = [
            LineInput(
                s.product.price if s.modifier is None else s.modifier.price,
                s.quantity,
                LINE_DISCOUNT_PERCENT if s.discounted else Decimal(0),
            )
            for s in specs
        ]
        line_nets = [
            li.base_price * li.quantity
            - round_rupiah(li.base_price * li.quantity * li.discount_percentage / HUNDRED)
            for li in line_inputs
        ]
        nets = sum(line_nets)
        member_cut = (
            round_rupiah(nets * MEMBER_DISCOUNT_PERCENT / HUNDRED) if member_discount else 0
        )
        promoted = (
            promotion.hours[0] <= placed_local.hour < promotion.hours[1]
            and nets - member_cut >= promotion.minimum
        )
        cash_only = method.gateway == "cash" and not split and not on_account
        promoted_line = _promoted_line(line_nets, promotion.amount) if item_promotions else None
        money = compute_order_money(
            line_inputs,
            tax_rate=outlet.tax_rate,
            tax_inclusive=outlet.tax_inclusive,
            service_charge_rate=outlet.service_charge_rate,
            order_discount_percentage=MEMBER_DISCOUNT_PERCENT if member_discount else Decimal(0),
            promotion_amount=promotion.amount if promoted else 0,
            promotion_line=promoted_line if promoted else None,
            round_to=cash_rounding if cash_only else 0,
        )
        details = []
        buying_price = 0
        for line_no, (spec, line) in enumerate(zip(specs, money.lines, strict=True)):
            product = spec.product
            modifier = spec.modifier
            product_id = catalogue_uuid(seed, "product", product.sku)
            cogs, units_used, composites = _cogs_and_units(seed, spec, spec.quantity)
            buying_price += sum(int(c["quantity"] * c["buying_price"]) for c in cogs)
            is_variant = product.type == "variant" and modifier is None
            modifier_id = catalogue_uuid(seed, "modifier", modifier.key) if modifier else None
            details.append(
                {
                    "order_detail_id": demo_uuid(seed, "order_detail", order_id, line_no),
                    "product_id": modifier_id if modifier else product_id,
                    "product_name": (
                        modifier.title
                        if modifier
                        else product.name.rsplit(" - ", 1)[0]
                        if is_variant
                        else product.name
                    ),
                    "product_generic_name": None,
                    "product_type": product.product_type,
                    "product_variant_id": product_id if is_variant else None,
                    "product_variant_name": product.variant_name if is_variant else None,
                    "product_modifier_id": modifier_id,
                    "product_modifier_name": modifier.title if modifier else None,
                    "modifier_product_type": "standard" if modifier else None,
                    "modifier_product_id": modifier_id,
                    "modifier_product_sku": modifier.key if modifier else None,
                    # the changelog's name (26 March 2020) for the same SKU
                    "product_modifier_sku": modifier.key if modifier else None,
                    "order_type": order_type,
                    "notes": "",
                    "vendor": product.vendor,
                    "sku": modifier.key if modifier else product.sku,
                    "type": "standard" if modifier else product.type,
                    "fulfilment_status": "fulfilled",
                    "quantity": spec.quantity,
                    "base_price": Decimal(modifier.price if modifier else product.price),
                    "total_order_amount": Decimal(line.total_order_amount),
                    "discount_percentage": LINE_DISCOUNT_PERCENT if spec.discounted else None,
                    "discount_amount": Decimal(line.discount_amount),
                    "discount_order_amount": Decimal(line.discount_order_amount),
                    "subtotal": Decimal(line.subtotal),
                    "taxable": True,
                    "tax_percentage": outlet.tax_rate,
                    "tax_amount": Decimal(line.tax_amount),
                    "additional_charge": Decimal(line.additional_charge),
                    "require_shipping": False,
                    "weight": Decimal(0),
                    "weight_quantity": None,
                    "server_name": f"{server[0]} {server[1]}" if server else None,
                    "product_composites": composites,
                    "modifier_product_composites": [],
                    "product_combos": [],
                    "serial_numbers": None,
                    "cogs": cogs,
                    # DiscountDetails / PromotionDetails / TrackInventory blocks:
                    "discounts": (
                        [
                            {
                                "discount_name": "Diskon 10%",
                                "discount_amount": Decimal(line.discount_amount),
                                "external_id": None,
                            }
                        ]
                        if spec.discounted
                        else []
                    ),
                    "promotions": (
                        [_promotion_block(seed, promotion, "item")]
                        if promoted and promoted_line == line_no
                        else []
                    ),
                    "track_inventory": bool(units_used),
                    "units_used": units_used,
                }
            )

        if on_account:
            sales: list[dict[str, Any]] = []
        elif split:
            first = max(1_000, int(money.total_amount * split_share) // 1_000 * 1_000)
            first = min(first, money.total_amount - 1)
            sales = [
                _transaction(
                    seed, order_id, "sale", 0, method, first, closed_date, bin_card, reference
                ),
                _transaction(
                    seed,
                    order_id,
                    "sale",
                    1,
                    second_method,
                    money.total_amount - first,
                    closed_date,
                    bin_card,
                    reference,
                ),
            ]
        else:
            sales = [
                _transaction(
                    seed,
                    order_id,
                    "sale",
                    0,
                    method,
                    money.total_amount,
                    closed_date,
                    bin_card,
                    reference,
                )
            ]
        completed = {
            "external_customer_id": None,
            "order_id": order_id,
            "order_reference": reference,
            "channel": "pos",
            "channel_detail": None,
            "marketplace_account": None,
            "order_date": fmt_dt(order_date),
            "closed_date": fmt_dt(closed_date),
            "modified_date": fmt_dt(closed_date),
            "status": "completed",
            "payment_status": "pending" if on_account else "paid",
            "fulfillment_status": "fulfilled",
            "notes": "",
            "processing_method": "checkout",
            "cancel_date": None,
            "cancel_reason": "",
            "outlet_id": outlet_id,
            "outlet_name": outlet.outlet_name,
            "outlet_code": outlet_code,
            "register_id": register_id,
            "register_name": outlet.register_name,
            "customer_id": customer["customer_id"] if customer else None,
            "customer_first_name": customer["first_name"] if customer else None,
            "customer_last_name": customer["last_name"] if customer else None,
            "customer_phone_number": customer["phone_number"] if customer else None,
            "customer_email": customer["email"] if customer else None,
            "server_id": catalogue_uuid(seed, "staff", *server) if server else None,
            "server_first_name": server[0] if server else None,
            "server_last_name": server[1] if server else None,
            "cashier_id": catalogue_uuid(seed, "staff", *cashier),
            "cashier_first_name": cashier[0],
            "cashier_last_name": cashier[1],
            "currency": CURRENCY,
            "total_order_amount": Decimal(money.total_order_amount),
            "discount_percentage": MEMBER_DISCOUNT_PERCENT if member_discount else None,
            "total_discount_amount": Decimal(money.total_discount_amount),
            "total_promotion_amount": Decimal(money.total_promotion_amount),
            "subtotal": Decimal(money.subtotal),
            "total_tax_amount": Decimal(money.total_tax_amount),
            "total_additional_final_amount": Decimal(0),
            "total_additional_subtotal_amount": Decimal(money.service_charge),
            "total_additional_order_amount": Decimal(0),
            "rounding_amount": Decimal(money.rounding_amount),
            "total_amount": Decimal(money.total_amount),
            "buying_price": Decimal(buying_price),
            "total_shipping_amount": Decimal(0),
            "total_weight": 0,
            "total_bonus": Decimal(0),
            "tax_inclusive": outlet.tax_inclusive,
            "on_account": on_account,
            "remaining_on_account": Decimal(money.total_amount if on_account else 0),
            "billing": None,
            "shipping": None,
            "device_location": None,
            "order_type": order_type,
            "order_details": details,
            "promotions": (
                [_promotion_block(seed, promotion, "order" if promoted_line is None else "item")]
                if promoted
                else []
            ),
            "discounts": (
                [
                    {
                        "discount_name": MEMBER_DISCOUNT_NAME,
                        "discount_amount": Decimal(money.order_discount_amount),
                        "external_id": None,
                    }
                ]
                if member_discount
                else []
            ),
            "transactions": sales,
        }
        states = [OrderState(closed_date, completed)]
        cancel_date = None
        if is_void:
            cancel_date = closed_date + timedelta(seconds=cancel_after)
            voided = _clone(completed)
            voided.update(
                status="void",
                payment_status="voided",
                cancel_date=fmt_dt(cancel_date),
                cancel_reason=VOID_REASON,
                modified_date=fmt_dt(cancel_date),
            )
            voided["transactions"].append(
                {
                    **_clone(sales[0]),
                    "transaction_id": demo_uuid(seed, "transaction", order_id, "void", 0),
                    "transaction_date": fmt_dt(cancel_date),
                    "type": "void",
                    "mdr": [],
                }
            )
            states.append(OrderState(cancel_date, voided))
        elif on_account:
            paid_at = _local_moment(business_date, paid_days, outlet, later)
            paid = _clone(completed)
            paid.update(
                payment_status="paid",
                remaining_on_account=Decimal(0),
                modified_date=fmt_dt(paid_at),
            )
            paid["transactions"].append(
                _transaction(
                    seed,
                    order_id,
                    "sale",
                    0,
                    PAYMENT_METHODS_BY_NAME[ON_ACCOUNT_SETTLEMENT_METHOD],
                    money.total_amount,
                    paid_at,
                    bin_card,
                    reference,
                )
            )
            states.append(OrderState(paid_at, paid))
        elif is_refund:
            refund_at = _local_moment(business_date, refund_days, outlet, later)
            states.append(
                _refund_state(
                    seed, completed, specs, refund_at, full_refund, refund_line, refund_units
                )
            )
        orders.append(
            GeneratedOrder(
                outlet_code=outlet_code,
                business_date=business_date,
                sequence=sequence,
                order_id=order_id,
                order_date=order_date,
                closed_date=closed_date,
                cancel_date=cancel_date,
                states=tuple(states),
            )
        )
    return orders


def _refund_state(
    seed: int,
    order: dict[str, Any],
    specs: list[_LineSpec],
    refund_at: datetime,
    full: bool,
    line_index: int,
    units: int,
) -> OrderState:
    """The order after a refund at `refund_at`: every unit, or `units` of one line.

    A modifier line is returned with its parent (same units); returning a modifier line picks
    its parent instead.
    """
    lines = order["order_details"]
    if full:
        returned = {line["order_detail_id"]: line["quantity"] for line in lines}
    else:
        while specs[line_index].modifier is not None:
            line_index -= 1
        returned = {lines[line_index]["order_detail_id"]: units}
        follow = line_index + 1
        while follow < len(specs) and specs[follow].modifier is not None:
            returned[lines[follow]["order_detail_id"]] = units
            follow += 1
        if all(returned.get(line["order_detail_id"], 0) == line["quantity"] for line in lines):
            full = True
    money = refund_money(order, returned)
    refunded = _clone(order)
    first_sale = order["transactions"][0]
    method = PAYMENT_METHODS_BY_NAME[first_sale["payment_type_name"]]
    refunded.update(
        payment_status="refunded" if full else "partially_refunded",
        modified_date=fmt_dt(refund_at),
    )
    refunded["transactions"].append(
        _transaction(
            seed,
            order["order_id"],
            "refund",
            0,
            method,
            money["amount"],
            refund_at,
            first_sale["bin_card"] or "",
            order["order_reference"],
        )
    )
    refund_details, units_returned = [], []
    for spec, line in zip(specs, lines, strict=True):
        count = returned.get(line["order_detail_id"], 0)
        if not count:
            continue
        cogs, used, _ = _cogs_and_units(seed, spec, count)
        refund_details.append(
            {
                "order_detail_id": line["order_detail_id"],
                "product_id": line["product_id"],
                "sku": line["sku"],
                "quantity": Decimal(count),
                "cogs": cogs,
            }
        )
        units_returned.extend(used)
    entry = {
        "refund_id": demo_uuid(seed, "refund", order["order_id"], 0),
        "order_id": order["order_id"],
        "order_reference": order["order_reference"],
        "channel": order["channel"],
        "order_date": order["order_date"],
        "refund_date": fmt_dt(refund_at),
        "refund_reason": REFUND_REASON,
        "refund_amount": Decimal(money["amount"]),
        "quantity": Decimal(sum(returned.values())),
        "units_returned": units_returned,
        "refund_details": refund_details,
    }
    return OrderState(refund_at, refunded, (entry,))


# ---------------------------------------------------------------------------------------------
# The merchant
# ---------------------------------------------------------------------------------------------


class DemoMerchant:
    """The demo store for one seed; order history starts on business day `start_date`.

    ``outlet_count`` beyond the catalogue's three adds copies of them (`demo_outlets`): they
    sell, take payments and close shifts like the outlet they copy; stock transfers, stock
    takes and bank settlements stay those of the three. ``tax_changes`` maps an outlet code to
    the first business day of a new tax rate and that rate (``{"JKT": (date, Decimal(12))}``):
    its orders from that day on are taxed at it. ``bank_holidays``: weekdays the bank credits
    nothing (a settlement due then arrives on the next open day).
    """

    def __init__(
        self,
        *,
        seed: int = 7,
        orders_per_outlet_per_day: int = DEFAULT_ORDERS_PER_OUTLET_PER_DAY,
        start_date: date,
        outlet_count: int = len(OUTLETS),
        tax_changes: dict[str, tuple[date, Decimal]] | None = None,
        bank_holidays: Iterable[date] = (),
        cash_rounding: int = CASH_ROUNDING,
        item_promotions: bool = False,
    ):
        if orders_per_outlet_per_day < 0:
            raise ValueError("orders_per_outlet_per_day must be >= 0")
        if cash_rounding < 1:
            raise ValueError("cash_rounding must be >= 1 (1: no rounding)")
        self.cash_rounding = cash_rounding
        self.item_promotions = item_promotions
        self.seed = seed
        self.orders_per_outlet_per_day = orders_per_outlet_per_day
        self.start_date = start_date
        self.outlets = demo_outlets(outlet_count)
        self.tax_changes = dict(tax_changes or {})
        self.bank_holidays = frozenset(bank_holidays)
        self._first_sequence: dict[str, dict[date, int]] = {o.outlet_code: {} for o in self.outlets}
        self._day_cache = lru_cache(maxsize=512)(self._generate_day)
        self._cash_cache = lru_cache(maxsize=1024)(self._cash_movements)
        self._change_cache = lru_cache(maxsize=512)(self._state_changes)
        self._closed_shifts: dict[tuple[str, date], ShiftCash] = {}

    @staticmethod
    def start_date_for(now: datetime, history_days: int) -> date:
        """The first business day of a history of `history_days` days before `now`."""
        return min(now.astimezone(o.zone).date() for o in OUTLETS) - timedelta(days=history_days)

    # -- catalogue ----------------------------------------------------------------------------

    def outlet_id(self, outlet_code: str) -> str:
        return demo_uuid(self.seed, "outlet", outlet_code)

    def product_id(self, sku: str) -> str:
        return demo_uuid(self.seed, "product", sku)

    def customers(self) -> list[dict[str, Any]]:
        return customers(self.seed)

    def store_info(self) -> dict[str, Any]:
        return {
            "store_name": STORE_NAME,
            "phone": "021-5000-7777",
            "address": "Jl. Jend. Sudirman Kav. 52-53, Senayan, Jakarta Selatan 12190",
            "email": "halo@tokodemo.invalid",
            "currency": CURRENCY,
            "image": None,
            "active_outlets": [
                {
                    "outlet_id": self.outlet_id(o.outlet_code),
                    "outlet_code": o.outlet_code,
                    "outlet_name": o.outlet_name,
                    "phone": o.phone,
                    "address": o.address,
                    "contact_name": o.contact_name,
                    "email": o.email,
                    "image": None,
                }
                for o in self.outlets
            ],
            "active_payments": [
                {"name": m.name, "is_active": True, "gateway": m.gateway} for m in PAYMENT_METHODS
            ],
        }

    def products(self, includes: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
        """Every product row as GetProducts shows it for `includes` (lower-cased names).

        ``_tags`` carries the tags for filtering whether or not ``Tags`` is included.
        """
        from journal_sandbox.iseller_stock import stocked_outlets

        seed = self.seed
        modified = fmt_dt(datetime.combine(self.start_date, time(0), tzinfo=UTC))
        rows = []
        for product in PRODUCTS:
            product_id = catalogue_uuid(seed, "product", product.sku)
            outlet = OUTLETS_BY_CODE[product.outlet_code]
            outlet_id = self.outlet_id(outlet.outlet_code)
            tags = [product.product_type, outlet.outlet_name]
            groups = None
            if includes & {"modifiergroups", "modifiers"}:
                groups = [
                    {
                        "modifier_group_id": catalogue_uuid(seed, "modifier_group", group.key),
                        "title": group.title,
                        "is_active": True,
                        "modifiers": [
                            {
                                "modifier_id": catalogue_uuid(seed, "modifier", m.key),
                                "modifier_group_id": catalogue_uuid(
                                    seed, "modifier_group", group.key
                                ),
                                "title": m.title,
                                "sku": m.key,
                                "price": Decimal(m.price),
                                "buying_price": Decimal(m.buying_price),
                                "quantity": 1,
                            }
                            for m in MODIFIERS
                            if m.group == group.key
                        ],
                    }
                    for group in MODIFIER_GROUPS
                    if group.key in product.modifier_groups
                ]
            inventories = []
            if product.track_inventory and not product.components:
                for code in stocked_outlets(product.sku):
                    inventories.append(
                        {
                            "outlet_id": self.outlet_id(code),
                            "outlet_code": code,
                            "outlet_name": OUTLETS_BY_CODE[code].outlet_name,
                            # GetProducts fills in the stock ledger's level (I-37)
                            "unit_in_stock": None,
                        }
                    )
            option = {"KAOS": "Ukuran", "TMB": "Warna"}.get(product.header or "", "Suhu")
            rows.append(
                {
                    "product_id": product_id,
                    "product_header_id": (
                        catalogue_uuid(seed, "product_header", product.header)
                        if product.header
                        else product_id
                    ),
                    "name": product.name,
                    "description": "",
                    "type": product.type,
                    "product_type": product.product_type,
                    "vendor": product.vendor,
                    "attribute": None,
                    "tags": tags,
                    "_tags": tags,
                    "barcode": "",
                    "sku": product.sku,
                    "price": Decimal(product.price),
                    "outlet_prices": (
                        [
                            {
                                "outlet_id": outlet_id,
                                "outlet_name": outlet.outlet_name,
                                "price": Decimal(product.price),
                            }
                        ]
                        if "outletprice" in includes
                        else None
                    ),
                    "taxable": product.taxable,
                    "track_inventory": product.track_inventory,
                    "allow_negative_stock": False,
                    "need_scale": False,
                    "is_active": True,
                    "sold_count": 0,
                    "unit_of_measurement": "pcs",
                    "buying_prices": [
                        {"outlet_id": outlet_id, "buying_price": Decimal(product.buying_price)}
                    ],
                    "buying_price": Decimal(product.buying_price),
                    "inventories": inventories,
                    "variant_options": (
                        [{"option": option, "value": product.variant_name}]
                        if product.variant_name
                        else []
                    ),
                    "ingredients": [
                        {
                            "product_id": catalogue_uuid(seed, "product", c.sku),
                            "name": PRODUCTS_BY_SKU[c.sku].name,
                            "sku": c.sku,
                            "quantity": Decimal(c.quantity),
                        }
                        for c in product.components
                    ],
                    "bundles": None,
                    "modifier_groups": groups,
                    "images": [],
                    "modified_date": modified,
                }
            )
        return rows

    def register_shifts(self, until: datetime) -> list[dict[str, Any]]:
        """One register shift per outlet per business day, opened by `until` (UTC dates), with
        its cash (`register_shifts`, I-40); ``closed_date`` is null while it is open."""
        from journal_sandbox.register_shifts import register_shifts

        return register_shifts(self, until)

    def cash_movements(self, outlet_code: str, business_date: date) -> list[tuple[str, str, int]]:
        """Every cash transaction of the orders of a business day (`register_shifts`)."""
        return self._cash_cache(outlet_code, business_date)

    def shift_cash(self, outlet_code: str, business_date: date, until: datetime) -> ShiftCash:
        """The cash of an outlet's shift as known at `until`; fixed once the shift closed."""
        from journal_sandbox.register_shifts import shift_cash, shift_window

        if shift_window(outlet_code, business_date)[1] > until:
            return shift_cash(self, outlet_code, business_date, until)
        key = (outlet_code, business_date)
        if key not in self._closed_shifts:
            self._closed_shifts[key] = shift_cash(self, outlet_code, business_date, until)
        return self._closed_shifts[key]

    # -- orders -------------------------------------------------------------------------------

    def first_sequence(self, outlet_code: str, business_date: date) -> int:
        """The reference number of the first order of a business day."""
        known = self._first_sequence[outlet_code]
        if business_date <= self.start_date:
            return 1
        if business_date in known:
            return known[business_date]
        day = max((d for d in known if d < business_date), default=self.start_date)
        sequence = known.get(day, 1)
        while day < business_date:
            sequence += day_order_count(self.seed, outlet_code, day, self.orders_per_outlet_per_day)
            sequence += gift_card_sale_count(
                self.seed, outlet_code, day, self.orders_per_outlet_per_day
            )
            day += timedelta(days=1)
            known[day] = sequence
        return sequence

    def _generate_day(self, outlet_code: str, business_date: date) -> tuple[GeneratedOrder, ...]:
        if business_date < self.start_date:
            return ()
        first = self.first_sequence(outlet_code, business_date)
        ordinary = generate_orders(
            self.seed,
            outlet_code,
            business_date,
            orders_per_day=self.orders_per_outlet_per_day,
            first_sequence=first,
            tax_rate=self.tax_rate_on(outlet_code, business_date),
            cash_rounding=self.cash_rounding,
            item_promotions=self.item_promotions,
        )
        gift_cards = generate_gift_card_orders(
            self.seed,
            outlet_code,
            business_date,
            orders_per_day=self.orders_per_outlet_per_day,
            first_sequence=first + len(ordinary),
            cash_rounding=self.cash_rounding,
        )
        return (*ordinary, *gift_cards)

    def tax_rate_on(self, outlet_code: str, business_date: date) -> Decimal | None:
        """The outlet's changed tax rate on ``business_date``, None while its own holds."""
        change = self.tax_changes.get(outlet_code)
        if change is None or business_date < change[0]:
            return None
        return change[1]

    def _cash_movements(self, outlet_code: str, business_date: date) -> list[tuple[str, str, int]]:
        from journal_sandbox.register_shifts import cash_movements

        return cash_movements(self, outlet_code, business_date)

    def orders_for_day(self, outlet_code: str, business_date: date) -> tuple[GeneratedOrder, ...]:
        """Every order of a business day, including those not closed yet."""
        if outlet_code not in self._first_sequence:
            raise KeyError(f"unknown outlet code {outlet_code!r}")
        return self._day_cache(outlet_code, business_date)

    def orders_changed(
        self, outlet_code: str, business_date: date, after: datetime | None, until: datetime
    ) -> list[GeneratedOrder]:
        """The orders of a day whose state changed in ``(after, until]``, in the day's order.

        A bisection of the day's sorted change instants: the sandbox asks on every request, and
        a scan of every order of a busy day each time would grow with the square of its size.
        """
        instants, owners = self._change_cache(outlet_code, business_date)
        first = 0 if after is None else bisect.bisect_right(instants, after)
        last = bisect.bisect_right(instants, until)
        orders = self.orders_for_day(outlet_code, business_date)
        return [orders[index] for index in sorted(set(owners[first:last]))]

    def _state_changes(
        self, outlet_code: str, business_date: date
    ) -> tuple[list[datetime], list[int]]:
        """The day's change instants, sorted, and the index of the order of each."""
        changes = sorted(
            (change, index)
            for index, order in enumerate(self.orders_for_day(outlet_code, business_date))
            for change in order.state_changes()
        )
        return [change for change, _ in changes], [index for _, index in changes]

    def expected_orders(
        self, outlet_code: str, business_date: date, *, as_of: datetime | None = None
    ) -> list[dict[str, Any]]:
        """The orders of a business day as order dicts (UTC dates, all detail blocks).

        With `as_of`, only the orders closed by then, in the state they had then; without it,
        the final state of every order of the day.
        """
        result = []
        for order in self.orders_for_day(outlet_code, business_date):
            shown = order.final if as_of is None else order.as_of(as_of)
            if shown is not None:
                result.append(shown)
        return result

    def expected_refunds(
        self, outlet_code: str, business_date: date, *, as_of: datetime | None = None
    ) -> list[dict[str, Any]]:
        """``refunded_orders[]`` entries of the orders of a business day (UTC dates)."""
        result = []
        for order in self.orders_for_day(outlet_code, business_date):
            state = order.states[-1] if as_of is None else order.state_at(as_of)
            if state is not None:
                result.extend(_clone(list(state.refunds)))
        return result

    def business_dates(self, until: datetime) -> Iterator[tuple[str, date]]:
        """(outlet_code, business_date) pairs from `start_date` up to the local date of `until`."""
        for outlet in self.outlets:
            day = self.start_date
            last = until.astimezone(outlet.zone).date()
            while day <= last:
                yield outlet.outlet_code, day
                day += timedelta(days=1)

    def orders_until(self, until: datetime) -> list[dict[str, Any]]:
        """Every order closed by `until`, as the API shows it at `until`."""
        result = []
        for outlet_code, day in self.business_dates(until):
            result.extend(self.expected_orders(outlet_code, day, as_of=until))
        return result
