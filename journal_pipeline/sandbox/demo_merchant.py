"""The demo merchant served by the iSeller sandbox: "Toko Demo Nusantara".

Everything here is a pure function of a seed, so the sandbox and the tests agree on the truth:

- two outlets, a retail shop in Jakarta (prices tax-exclusive, PPN 11%) and a restaurant in
  Bali (prices tax-inclusive, PB1 10%, service charge 5%, open until 02:00);
- a catalogue of products with SKUs and unit costs, five payment methods, a few members;
- orders per outlet per business day, generated one day at a time from the seed, the outlet and
  the date, so the set of orders only grows as the clock moves on.

Money is whole rupiah held as ``Decimal``; a rate is applied with half-up rounding to the
rupiah. The order arithmetic is `compute_order_money`; docs/assumptions/iseller.md records it.
Dates in the order dicts are UTC strings ``"YYYY-MM-DD HH:MM:SS"`` (the API stores UTC and
converts on output).
"""

from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

STORE_NAME = "Toko Demo Nusantara"
CURRENCY = "IDR"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "demo-merchant.journal-pipeline.invalid")

HUNDRED = Decimal(100)


# ---------------------------------------------------------------------------------------------
# Static data: outlets, products, payment methods, people
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutletProfile:
    outlet_code: str
    outlet_name: str
    kind: str  # "retail" | "restaurant"
    timezone: str  # IANA name
    tax_name: str
    tax_rate: Decimal  # percent
    tax_inclusive: bool  # whether base prices already contain the tax
    service_charge_rate: Decimal  # percent of the net-of-tax subtotal; 0 = none
    opens_at: time  # local time of the first possible order
    order_window_minutes: int  # minutes from opening to the last possible order
    service_seconds: tuple[int, int]  # order placed -> order closed, min/max seconds
    phone: str
    address: str
    contact_name: str
    email: str
    register_name: str
    cashiers: tuple[tuple[str, str], ...]
    servers: tuple[tuple[str, str], ...]  # waiters; empty for retail

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


OUTLETS: tuple[OutletProfile, ...] = (
    OutletProfile(
        outlet_code="JKT",
        outlet_name="Jakarta Kemang",
        kind="retail",
        timezone="Asia/Jakarta",
        tax_name="PPN",
        tax_rate=Decimal(11),
        tax_inclusive=False,
        service_charge_rate=Decimal(0),
        opens_at=time(10, 0),
        order_window_minutes=11 * 60 + 50,  # last order 21:50
        service_seconds=(60, 8 * 60),
        phone="021-7190-1234",
        address="Jl. Kemang Raya No. 12, Bangka, Mampang Prapatan, Jakarta Selatan 12730",
        contact_name="Rina Hartono",
        email="kemang@tokodemo.invalid",
        register_name="Register #1 - Kemang iPad",
        cashiers=(("Dewi", "Lestari"), ("Budi", "Santoso")),
        servers=(),
    ),
    OutletProfile(
        outlet_code="DPS",
        outlet_name="Bali Seminyak",
        kind="restaurant",
        timezone="Asia/Makassar",
        tax_name="PB1",
        tax_rate=Decimal(10),
        tax_inclusive=True,
        service_charge_rate=Decimal(5),
        opens_at=time(11, 0),
        order_window_minutes=14 * 60 + 15,  # last order 01:15, closes by 02:00
        service_seconds=(15 * 60, 45 * 60),
        phone="0361-473-5678",
        address="Jl. Kayu Aya No. 8, Seminyak, Kuta, Badung, Bali 80361",
        contact_name="Made Wirawan",
        email="seminyak@tokodemo.invalid",
        register_name="Register #2 - Seminyak iPad",
        cashiers=(("Komang", "Ayu"), ("Putu", "Arsana")),
        servers=(("Wayan", "Sudarsana"), ("Nyoman", "Suastika"), ("Ketut", "Widiani")),
    ),
)
OUTLETS_BY_CODE: dict[str, OutletProfile] = {o.outlet_code: o for o in OUTLETS}


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    product_type: str  # the category shown in iSeller's web admin
    price: int  # whole rupiah; tax-exclusive for retail, tax-inclusive for the restaurant
    buying_price: int  # unit cost, whole rupiah
    outlet_code: str  # the outlet that sells it
    track_inventory: bool
    vendor: str | None = None


# Retail prices are multiples of 1,000 and restaurant prices multiples of 1,100, so the tax of
# an undiscounted unit is a whole number of rupiah.
PRODUCTS: tuple[Product, ...] = (
    Product("KOP-001", "Kopi Arabika Gayo 250g", "Kopi", 95_000, 60_000, "JKT", True, "Gayo"),
    Product("KOP-002", "Kopi Robusta Lampung 250g", "Kopi", 65_000, 38_000, "JKT", True),
    Product("KOP-003", "Kopi Toraja Sapan 250g", "Kopi", 120_000, 78_000, "JKT", True),
    Product("KOP-004", "Kopi Kintamani 250g", "Kopi", 105_000, 68_000, "JKT", True),
    Product("KOP-005", "Drip Bag Sampler isi 10", "Kopi", 75_000, 42_000, "JKT", True),
    Product("TEH-001", "Teh Melati Tubruk 100g", "Teh", 35_000, 18_000, "JKT", True),
    Product("TEH-002", "Teh Hijau Gambung 100g", "Teh", 45_000, 24_000, "JKT", True),
    Product("ALT-001", "French Press 600ml", "Alat Seduh", 285_000, 170_000, "JKT", True),
    Product("ALT-002", "V60 Dripper Keramik", "Alat Seduh", 180_000, 105_000, "JKT", True),
    Product("ALT-003", "Grinder Manual", "Alat Seduh", 450_000, 290_000, "JKT", True),
    Product("MRC-001", "Tumbler Nusantara 500ml", "Merchandise", 150_000, 80_000, "JKT", True),
    Product("MRC-002", "Tote Bag Kanvas", "Merchandise", 85_000, 40_000, "JKT", True),
    Product("MKN-010", "Nasi Goreng Kampung", "Makanan", 55_000, 18_000, "DPS", False),
    Product("MKN-011", "Mie Goreng Jawa", "Makanan", 49_500, 16_000, "DPS", False),
    Product("MKN-012", "Ayam Betutu", "Makanan", 88_000, 35_000, "DPS", False),
    Product("MKN-013", "Sate Lilit (5 tusuk)", "Makanan", 66_000, 24_000, "DPS", False),
    Product("MKN-014", "Nasi Campur Bali", "Makanan", 71_500, 27_000, "DPS", False),
    Product("MKN-015", "Gado-gado", "Makanan", 44_000, 14_000, "DPS", False),
    Product("MKN-016", "Pisang Goreng Keju", "Makanan", 33_000, 9_000, "DPS", False),
    Product("MNM-020", "Es Teh Manis", "Minuman", 16_500, 3_000, "DPS", False),
    Product("MNM-021", "Es Kopi Susu Gula Aren", "Minuman", 33_000, 9_500, "DPS", False),
    Product("MNM-022", "Jus Alpukat", "Minuman", 38_500, 12_000, "DPS", False),
    Product("MNM-023", "Kelapa Muda", "Minuman", 27_500, 10_000, "DPS", False),
    Product("MNM-024", "Bir Bintang 330ml", "Minuman", 49_500, 24_000, "DPS", True),
)
PRODUCTS_BY_SKU: dict[str, Product] = {p.sku: p for p in PRODUCTS}


@dataclass(frozen=True)
class PaymentMethod:
    name: str
    gateway: str  # one of the Transaction.gateway values of the API
    weight: int  # relative frequency
    mdr_percent: Decimal | None = None  # fee deducted by iSeller Pay before the payout


PAYMENT_METHODS: tuple[PaymentMethod, ...] = (
    PaymentMethod("Cash", "cash", 30),
    PaymentMethod("Debit BCA", "external_debit", 25),
    PaymentMethod("Kartu Kredit", "external_credit", 15),
    PaymentMethod("QRIS", "iseller_pay", 20, Decimal("0.7")),
    PaymentMethod("GoPay", "custom", 10),
)
PAYMENT_METHODS_BY_NAME: dict[str, PaymentMethod] = {m.name: m for m in PAYMENT_METHODS}

_CUSTOMERS: tuple[tuple[str, str, str], ...] = (
    ("Siti", "Rahmawati", "0812-1111-2001"),
    ("Andi", "Pratama", "0812-1111-2002"),
    ("Ni Luh", "Sari", "0812-1111-2003"),
    ("Bayu", "Saputra", "0812-1111-2004"),
    ("Citra", "Maharani", "0812-1111-2005"),
    ("Hendra", "Gunawan", "0812-1111-2006"),
    ("Intan", "Permata", "0812-1111-2007"),
    ("Yoga", "Prasetyo", "0812-1111-2008"),
)

_CARD_BINS = ("421570", "455633", "518828", "601100")
_CARD_GATEWAYS = ("external_debit", "external_credit")

VOID_RATE = 0.03
LINE_DISCOUNT_RATE = 0.20
LINE_DISCOUNT_PERCENT = Decimal(10)
CUSTOMER_RATE = 0.30
MEMBER_DISCOUNT_SHARE = 1 / 3  # of orders with a customer: ~10% of all orders
MEMBER_DISCOUNT_NAME = "Member 5%"
MEMBER_DISCOUNT_PERCENT = Decimal(5)
COUNT_JITTER = 0.20
VOID_REASON = "Salah input pesanan"


def demo_uuid(seed: int, *parts: object) -> str:
    """A stable GUID for a demo object: uuid5 over the seed and the object's identity."""
    name = "|".join([str(seed), *(str(p) for p in parts)])
    return str(uuid.uuid5(_NAMESPACE, name))


def fmt_dt(value: datetime) -> str:
    """An aware datetime as the API's UTC string."""
    return value.astimezone(UTC).strftime(DATE_FORMAT)


def parse_dt(value: str) -> datetime:
    """The API's UTC string back to an aware datetime."""
    return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=UTC)


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
    total_amount: int


def compute_order_money(
    lines: Sequence[LineInput],
    *,
    tax_rate: Decimal,
    tax_inclusive: bool,
    service_charge_rate: Decimal,
    order_discount_percentage: Decimal = Decimal(0),
    promotion_amount: int = 0,
) -> OrderMoney:
    """The order arithmetic of the demo merchant (docs/assumptions/iseller.md)."""
    gross = [line.base_price * line.quantity for line in lines]
    line_discounts = [
        round_rupiah(g * line.discount_percentage / HUNDRED)
        for g, line in zip(gross, lines, strict=True)
    ]
    nets = [g - d for g, d in zip(gross, line_discounts, strict=True)]
    order_discount = round_rupiah(sum(nets) * order_discount_percentage / HUNDRED)
    order_shares = allocate(order_discount + promotion_amount, nets)
    subtotals = [n - s for n, s in zip(nets, order_shares, strict=True)]
    if tax_inclusive:
        taxes = [round_rupiah(s * tax_rate / (HUNDRED + tax_rate)) for s in subtotals]
        net_of_tax = [s - t for s, t in zip(subtotals, taxes, strict=True)]
    else:
        taxes = [round_rupiah(s * tax_rate / HUNDRED) for s in subtotals]
        net_of_tax = list(subtotals)
    service = round_rupiah(sum(net_of_tax) * service_charge_rate / HUNDRED)
    service_shares = allocate(service, net_of_tax)
    service_tax = round_rupiah(service * tax_rate / HUNDRED)
    subtotal = sum(subtotals)
    total_tax = sum(taxes) + service_tax
    if tax_inclusive:
        total_amount = subtotal + service + service_tax
    else:
        total_amount = subtotal + total_tax + service
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
        total_amount=total_amount,
    )


# ---------------------------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratedOrder:
    """One generated order and how it looks over time.

    `completed` is the order once closed and paid; `voided` (voided orders only) is the same
    order after its cancellation at `cancel_date`. Date strings inside are UTC.
    """

    outlet_code: str
    business_date: date
    sequence: int
    order_id: str
    order_date: datetime  # aware, UTC
    closed_date: datetime
    cancel_date: datetime | None
    completed: dict[str, Any] = field(repr=False)
    voided: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def final(self) -> dict[str, Any]:
        return copy.deepcopy(self.voided if self.voided is not None else self.completed)

    @property
    def modified_date(self) -> datetime:
        return self.cancel_date if self.cancel_date is not None else self.closed_date

    def state_changes(self) -> tuple[datetime, ...]:
        """The instants at which this order (re)appears in the API."""
        if self.cancel_date is None:
            return (self.closed_date,)
        return (self.closed_date, self.cancel_date)

    def as_of(self, at: datetime) -> dict[str, Any] | None:
        """The order as the API shows it at `at`; None while it is not closed yet."""
        if at < self.closed_date:
            return None
        if self.cancel_date is not None and at >= self.cancel_date:
            return copy.deepcopy(self.voided)
        return copy.deepcopy(self.completed)


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
            "email": f"{first.lower().replace(' ', '')}.{last.lower()}@contoh.invalid",
        }
        for index, (first, last, phone) in enumerate(_CUSTOMERS)
    ]


def _pick_weighted(rng: random.Random, items: Sequence[Any], weights: Sequence[float]) -> Any:
    return rng.choices(items, weights=weights, k=1)[0]


def generate_orders(
    seed: int,
    outlet_code: str,
    business_date: date,
    *,
    orders_per_day: int = 40,
    first_sequence: int = 1,
) -> list[GeneratedOrder]:
    """All orders of one outlet for one business day, in order of placement.

    Depends only on the arguments. `first_sequence` numbers the order references
    (``#JKT-000123``); `DemoMerchant` chains it across days.
    """
    outlet = OUTLETS_BY_CODE[outlet_code]
    count = day_order_count(seed, outlet_code, business_date, orders_per_day)
    rng = random.Random(f"{seed}|orders|{outlet_code}|{business_date.isoformat()}")
    catalogue = [p for p in PRODUCTS if p.outlet_code == outlet_code]
    members = customers(seed)
    opening = datetime.combine(business_date, outlet.opens_at, tzinfo=outlet.zone)
    offsets = sorted(rng.randrange(outlet.order_window_minutes * 60) for _ in range(count))
    outlet_id = demo_uuid(seed, "outlet", outlet_code)
    register_id = demo_uuid(seed, "register", outlet_code)
    orders = []
    for index, offset in enumerate(offsets):
        placed_local = opening + timedelta(seconds=offset)
        closed_local = placed_local + timedelta(seconds=rng.randint(*outlet.service_seconds))
        order_date = placed_local.astimezone(UTC)
        closed_date = closed_local.astimezone(UTC)
        order_id = demo_uuid(seed, "order", outlet_code, business_date.isoformat(), index)
        sequence = first_sequence + index

        n_lines = _pick_weighted(rng, (1, 2, 3, 4), (40, 30, 20, 10))
        products = rng.sample(catalogue, n_lines)
        quantities = [_pick_weighted(rng, (1, 2, 3), (70, 22, 8)) for _ in products]
        discounted = [rng.random() < LINE_DISCOUNT_RATE for _ in products]
        customer = rng.choice(members) if rng.random() < CUSTOMER_RATE else None
        member_discount = customer is not None and rng.random() < MEMBER_DISCOUNT_SHARE
        method = _pick_weighted(rng, PAYMENT_METHODS, [m.weight for m in PAYMENT_METHODS])
        bin_card = rng.choice(_CARD_BINS)
        cashier = rng.choice(outlet.cashiers)
        server = rng.choice(outlet.servers) if outlet.servers else None
        order_type = (
            _pick_weighted(rng, ("dine_in", "take_away"), (75, 25))
            if outlet.kind == "restaurant"
            else None
        )
        is_void = rng.random() < VOID_RATE
        cancel_after = rng.randint(2 * 60, 20 * 60)

        money = compute_order_money(
            [
                LineInput(p.price, q, LINE_DISCOUNT_PERCENT if d else Decimal(0))
                for p, q, d in zip(products, quantities, discounted, strict=True)
            ],
            tax_rate=outlet.tax_rate,
            tax_inclusive=outlet.tax_inclusive,
            service_charge_rate=outlet.service_charge_rate,
            order_discount_percentage=MEMBER_DISCOUNT_PERCENT if member_discount else Decimal(0),
        )
        details = []
        buying_price = 0
        for line_no, (product, quantity, has_discount, line) in enumerate(
            zip(products, quantities, discounted, money.lines, strict=True)
        ):
            product_id = demo_uuid(seed, "product", product.sku)
            buying_price += product.buying_price * quantity
            details.append(
                {
                    "order_detail_id": demo_uuid(seed, "order_detail", order_id, line_no),
                    "product_id": product_id,
                    "product_name": product.name,
                    "product_generic_name": None,
                    "product_type": product.product_type,
                    "product_variant_id": None,
                    "product_variant_name": None,
                    "product_modifier_id": None,
                    "product_modifier_name": None,
                    "order_type": order_type,
                    "notes": "",
                    "vendor": product.vendor,
                    "sku": product.sku,
                    "type": "standard",
                    "fulfilment_status": "fulfilled",
                    "quantity": quantity,
                    "base_price": Decimal(product.price),
                    "total_order_amount": Decimal(line.total_order_amount),
                    "discount_percentage": LINE_DISCOUNT_PERCENT if has_discount else None,
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
                    "cogs": [
                        {
                            "product_id": product_id,
                            "sku": product.sku,
                            "quantity": Decimal(quantity),
                            "buying_price": Decimal(product.buying_price),
                        }
                    ],
                    # DiscountDetails / PromotionDetails / TrackInventory blocks:
                    "discounts": (
                        [
                            {
                                "discount_name": "Diskon 10%",
                                "discount_amount": Decimal(line.discount_amount),
                            }
                        ]
                        if has_discount
                        else []
                    ),
                    "promotions": [],
                    "track_inventory": product.track_inventory,
                    "units_used": (
                        [
                            {
                                "product_name": product.name,
                                "product_id": product_id,
                                "sku": product.sku,
                                "stock": Decimal(quantity),
                                "serial_numbers": None,
                            }
                        ]
                        if product.track_inventory
                        else []
                    ),
                }
            )

        sale = {
            "transaction_id": demo_uuid(seed, "transaction", order_id, "sale"),
            "transaction_date": fmt_dt(closed_date),
            "channel": "pos",
            "type": "sale",
            "status": "success",
            "gateway": method.gateway,
            "payment_type_id": (
                None if method.gateway == "cash" else demo_uuid(seed, "payment", method.name)
            ),
            "payment_type_name": method.name,
            "currency": CURRENCY,
            "amount": Decimal(money.total_amount),
            "mdr": _mdr(method, money.total_amount),
            "bin_card": bin_card
            if method.gateway in ("external_debit", "external_credit")
            else None,
            "additional_info": None,
        }
        completed = {
            "external_customer_id": None,
            "order_id": order_id,
            "order_reference": f"#{outlet_code}-{sequence:06d}",
            "channel": "pos",
            "channel_detail": None,
            "marketplace_account": None,
            "order_date": fmt_dt(order_date),
            "closed_date": fmt_dt(closed_date),
            "modified_date": fmt_dt(closed_date),
            "status": "completed",
            "payment_status": "paid",
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
            "server_id": demo_uuid(seed, "staff", *server) if server else None,
            "server_first_name": server[0] if server else None,
            "server_last_name": server[1] if server else None,
            "cashier_id": demo_uuid(seed, "staff", *cashier),
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
            "rounding_amount": Decimal(0),
            "total_amount": Decimal(money.total_amount),
            "buying_price": Decimal(buying_price),
            "total_shipping_amount": Decimal(0),
            "total_weight": 0,
            "tax_inclusive": outlet.tax_inclusive,
            "on_account": False,
            "remaining_on_account": Decimal(0),
            "billing": None,
            "shipping": None,
            "device_location": None,
            "order_type": order_type,
            "order_details": details,
            "promotions": [],
            "discounts": (
                [
                    {
                        "discount_name": MEMBER_DISCOUNT_NAME,
                        "discount_amount": Decimal(money.order_discount_amount),
                    }
                ]
                if member_discount
                else []
            ),
            "transactions": [sale],
        }
        cancel_date = None
        voided = None
        if is_void:
            cancel_date = closed_date + timedelta(seconds=cancel_after)
            voided = copy.deepcopy(completed)
            voided.update(
                status="void",
                payment_status="voided",
                cancel_date=fmt_dt(cancel_date),
                cancel_reason=VOID_REASON,
                modified_date=fmt_dt(cancel_date),
            )
            voided["transactions"].append(
                {
                    **copy.deepcopy(sale),
                    "transaction_id": demo_uuid(seed, "transaction", order_id, "void"),
                    "transaction_date": fmt_dt(cancel_date),
                    "type": "void",
                }
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
                completed=completed,
                voided=voided,
            )
        )
    return orders


def _mdr(method: PaymentMethod, amount: int) -> list[dict[str, Decimal]]:
    if method.mdr_percent is None:
        return []
    fee = round_rupiah(amount * method.mdr_percent / HUNDRED)
    return [{"payment_method_fee": Decimal(fee), "total_amount_fee": Decimal(amount - fee)}]


# ---------------------------------------------------------------------------------------------
# The merchant
# ---------------------------------------------------------------------------------------------


class DemoMerchant:
    """The demo store for one seed; order history starts on business day `start_date`."""

    def __init__(self, *, seed: int = 7, orders_per_outlet_per_day: int = 40, start_date: date):
        if orders_per_outlet_per_day < 0:
            raise ValueError("orders_per_outlet_per_day must be >= 0")
        self.seed = seed
        self.orders_per_outlet_per_day = orders_per_outlet_per_day
        self.start_date = start_date
        self._first_sequence: dict[str, dict[date, int]] = {o.outlet_code: {} for o in OUTLETS}
        self._day_cache = lru_cache(maxsize=256)(self._generate_day)

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
                for o in OUTLETS
            ],
            "active_payments": [
                {"name": m.name, "is_active": True, "gateway": m.gateway} for m in PAYMENT_METHODS
            ],
        }

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
            day += timedelta(days=1)
            known[day] = sequence
        return sequence

    def _generate_day(self, outlet_code: str, business_date: date) -> tuple[GeneratedOrder, ...]:
        if business_date < self.start_date:
            return ()
        return tuple(
            generate_orders(
                self.seed,
                outlet_code,
                business_date,
                orders_per_day=self.orders_per_outlet_per_day,
                first_sequence=self.first_sequence(outlet_code, business_date),
            )
        )

    def orders_for_day(self, outlet_code: str, business_date: date) -> tuple[GeneratedOrder, ...]:
        """Every order of a business day, including those not closed yet."""
        if outlet_code not in OUTLETS_BY_CODE:
            raise KeyError(f"unknown outlet code {outlet_code!r}")
        return self._day_cache(outlet_code, business_date)

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

    def business_dates(self, until: datetime) -> Iterator[tuple[str, date]]:
        """(outlet_code, business_date) pairs from `start_date` up to the local date of `until`."""
        for outlet in OUTLETS:
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
