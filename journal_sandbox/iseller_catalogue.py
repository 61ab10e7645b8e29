"""The static side of the demo merchant "Toko Demo Nusantara": outlets, products, payments, people.

Three outlets in two time zones:

- ``JKT`` Jakarta Kemang, a coffee retail shop (WIB, prices tax-exclusive, PPN 11%);
- ``DPS`` Bali Seminyak, a restaurant (WITA, prices tax-inclusive, PB1 10%, service charge 5%,
  open until 02:00);
- ``BDG`` Bandung Braga, a cafe (WIB, prices tax-exclusive, PPN 11%, opens at 07:00).

Products come in the kinds iSeller knows: ``standard``, ``variant`` (one sellable row per
variant, sharing a ``product_header_id``), ``composite`` (a bundle whose components leave the
stock), untracked services, and modifiers (add-ons in modifier groups, sold as their own order
lines). Every product and modifier has a unit cost (``buying_price``; 0 for pure services).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from zoneinfo import ZoneInfo

STORE_NAME = "Toko Demo Nusantara"
CURRENCY = "IDR"


@dataclass(frozen=True)
class OutletProfile:
    outlet_code: str
    outlet_name: str
    kind: str  # "retail" | "restaurant" | "cafe"
    timezone: str  # IANA name
    tax_name: str
    tax_rate: Decimal  # percent
    tax_inclusive: bool  # whether base prices already contain the tax
    service_charge_rate: Decimal  # percent of the net-of-tax subtotal; 0 = none
    opens_at: time  # local time of the first possible order
    order_window_minutes: int  # minutes from opening to the last possible order
    service_seconds: tuple[int, int]  # order placed -> order closed, min/max seconds
    hourly_weights: tuple[int, ...]  # relative order volume per hour of the window
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
        # 10 11 12 13 14 15 16 17 18 19 20 21
        hourly_weights=(3, 5, 9, 8, 5, 4, 5, 8, 10, 10, 7, 3),
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
        # 11 12 13 14 15 16 17 18 19 20 21 22 23 00 01
        hourly_weights=(4, 10, 9, 4, 2, 2, 3, 6, 10, 11, 9, 6, 4, 3, 1),
        phone="0361-473-5678",
        address="Jl. Kayu Aya No. 8, Seminyak, Kuta, Badung, Bali 80361",
        contact_name="Made Wirawan",
        email="seminyak@tokodemo.invalid",
        register_name="Register #2 - Seminyak iPad",
        cashiers=(("Komang", "Ayu"), ("Putu", "Arsana")),
        servers=(("Wayan", "Sudarsana"), ("Nyoman", "Suastika"), ("Ketut", "Widiani")),
    ),
    OutletProfile(
        outlet_code="BDG",
        outlet_name="Bandung Braga",
        kind="cafe",
        timezone="Asia/Jakarta",
        tax_name="PPN",
        tax_rate=Decimal(11),
        tax_inclusive=False,
        service_charge_rate=Decimal(0),
        opens_at=time(7, 0),
        order_window_minutes=14 * 60 + 30,  # last order 21:30
        service_seconds=(3 * 60, 20 * 60),
        # 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21
        hourly_weights=(8, 11, 9, 5, 4, 6, 6, 5, 7, 8, 6, 5, 5, 4, 2),
        phone="022-420-3344",
        address="Jl. Braga No. 21, Braga, Sumur Bandung, Kota Bandung 40111",
        contact_name="Asep Sunandar",
        email="braga@tokodemo.invalid",
        register_name="Register #3 - Braga iPad",
        cashiers=(("Neng", "Rosita"), ("Ujang", "Permana")),
        servers=(),
    ),
)
OUTLETS_BY_CODE: dict[str, OutletProfile] = {o.outlet_code: o for o in OUTLETS}


@dataclass(frozen=True)
class Component:
    sku: str
    quantity: int


@dataclass(frozen=True)
class Product:
    """One sellable row of GetProducts (a variant is its own row)."""

    sku: str
    name: str
    product_type: str  # the category shown in iSeller's web admin
    price: int  # whole rupiah; tax-exclusive or tax-inclusive as the selling outlet prices
    buying_price: int  # unit cost, whole rupiah (for composites: sum of the components)
    outlet_code: str  # the outlet that sells it
    track_inventory: bool
    vendor: str | None = None
    type: str = "standard"  # standard | variant | composite
    header: str | None = None  # variants: the shared header key (e.g. "KAOS")
    variant_name: str | None = None  # variants: e.g. "M"
    components: tuple[Component, ...] = ()  # composites
    modifier_groups: tuple[str, ...] = ()  # keys of MODIFIER_GROUPS
    taxable: bool = True


@dataclass(frozen=True)
class Modifier:
    key: str
    group: str
    title: str
    price: int  # added to the parent line's price, per unit; tax treatment of the outlet
    buying_price: int


@dataclass(frozen=True)
class ModifierGroup:
    key: str
    title: str
    outlet_code: str


def _variants(
    header: str,
    name: str,
    category: str,
    outlet: str,
    options: tuple[tuple[str, int, int], ...],
    **kw: object,
) -> tuple[Product, ...]:
    return tuple(
        Product(
            f"{header}-{option.upper()}",
            f"{name} - {option}",
            category,
            price,
            cost,
            outlet,
            True,
            type="variant",
            header=header,
            variant_name=option,
            **kw,  # type: ignore[arg-type]
        )
        for option, price, cost in options
    )


# Exclusive-price outlets price in multiples of 1,000, the inclusive one in multiples of 1,100,
# so the tax of an undiscounted unit is usually a whole number of rupiah.
_STANDARD: tuple[Product, ...] = (
    # JKT retail
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
    Product("JSA-001", "Jasa Giling Kopi", "Jasa", 10_000, 0, "JKT", False),
    Product("JSA-002", "Jasa Grafir Nama Tumbler", "Jasa", 35_000, 5_000, "JKT", False),
    # DPS restaurant
    Product("MKN-010", "Nasi Goreng Kampung", "Makanan", 55_000, 18_000, "DPS", False),
    Product("MKN-011", "Mie Goreng Jawa", "Makanan", 49_500, 16_000, "DPS", False),
    Product("MKN-012", "Ayam Betutu", "Makanan", 88_000, 35_000, "DPS", False),
    Product("MKN-013", "Sate Lilit (5 tusuk)", "Makanan", 66_000, 24_000, "DPS", False),
    Product("MKN-014", "Nasi Campur Bali", "Makanan", 71_500, 27_000, "DPS", False),
    Product("MKN-015", "Gado-gado", "Makanan", 44_000, 14_000, "DPS", False),
    Product("MKN-016", "Pisang Goreng Keju", "Makanan", 33_000, 9_000, "DPS", False),
    Product("MKN-017", "Bebek Goreng Crispy", "Makanan", 99_000, 40_000, "DPS", False),
    Product("MKN-018", "Lawar Ayam", "Makanan", 38_500, 12_000, "DPS", False),
    Product("MNM-020", "Es Teh Manis", "Minuman", 16_500, 3_000, "DPS", False),
    Product("MNM-021", "Es Kopi Susu Gula Aren", "Minuman", 33_000, 9_500, "DPS", False),
    Product("MNM-022", "Jus Alpukat", "Minuman", 38_500, 12_000, "DPS", False),
    Product("MNM-023", "Kelapa Muda", "Minuman", 27_500, 10_000, "DPS", False),
    Product("MNM-024", "Bir Bintang 330ml", "Minuman", 49_500, 24_000, "DPS", True),
    Product("MNM-025", "Air Mineral 600ml", "Minuman", 11_000, 3_500, "DPS", True),
    # BDG cafe
    Product("CAF-001", "Kopi Susu Braga", "Kopi", 28_000, 8_000, "BDG", False),
    Product("CAF-002", "Americano", "Kopi", 25_000, 6_000, "BDG", False),
    Product("CAF-004", "Kopi Tubruk", "Kopi", 18_000, 4_000, "BDG", False),
    Product("CAF-005", "Teh Tarik", "Non Kopi", 22_000, 5_000, "BDG", False),
    Product("CAF-006", "Matcha Latte", "Non Kopi", 35_000, 11_000, "BDG", False),
    Product("CAF-007", "Cokelat Panas", "Non Kopi", 30_000, 9_000, "BDG", False),
    Product("ROT-001", "Croissant Mentega", "Roti", 27_000, 11_000, "BDG", True),
    Product("ROT-002", "Roti Bakar Srikaya", "Roti", 24_000, 7_000, "BDG", False),
    Product("ROT-003", "Pisang Bolen", "Roti", 15_000, 6_000, "BDG", True),
    Product("SNK-001", "Batagor Kuah", "Makanan", 32_000, 10_000, "BDG", False),
    Product("SNK-002", "Cireng Rujak", "Makanan", 20_000, 5_000, "BDG", False),
    Product("SNK-003", "Nasi Goreng Sunda", "Makanan", 38_000, 12_000, "BDG", False),
)

_VARIANTS: tuple[Product, ...] = (
    *_variants(
        "KAOS",
        "Kaos Nusantara",
        "Merchandise",
        "JKT",
        (
            ("S", 120_000, 55_000),
            ("M", 120_000, 55_000),
            ("L", 125_000, 58_000),
            ("XL", 130_000, 61_000),
        ),
    ),
    *_variants(
        "TMB",
        "Tumbler Warna 350ml",
        "Merchandise",
        "JKT",
        (("Hitam", 110_000, 52_000), ("Putih", 110_000, 52_000), ("Hijau", 115_000, 54_000)),
    ),
    *_variants(
        "CAF-003",
        "Cafe Latte",
        "Kopi",
        "BDG",
        (("Panas", 32_000, 9_000), ("Dingin", 35_000, 10_000)),
        modifier_groups=("KOPI",),
    ),
)

_COMPOSITES: tuple[Product, ...] = (
    Product(
        "PKT-001",
        "Hampers Kopi Nusantara",
        "Paket",
        250_000,
        0,  # the sum of the components' costs (set below)
        "JKT",
        True,
        type="composite",
        components=(Component("KOP-001", 1), Component("TEH-001", 1), Component("MRC-002", 1)),
    ),
    Product(
        "PKT-002",
        "Paket Seduh Pemula",
        "Paket",
        310_000,
        0,
        "JKT",
        True,
        type="composite",
        components=(Component("ALT-002", 1), Component("KOP-002", 2)),
    ),
    Product(
        "PKT-010",
        "Paket Makan Siang Bali",
        "Paket",
        77_000,
        0,
        "DPS",
        False,
        type="composite",
        components=(Component("MKN-014", 1), Component("MNM-020", 1)),
    ),
    Product(
        "PKT-020",
        "Paket Sarapan Braga",
        "Paket",
        45_000,
        0,
        "BDG",
        True,
        type="composite",
        components=(Component("CAF-004", 1), Component("ROT-001", 1)),
    ),
)

MODIFIER_GROUPS: tuple[ModifierGroup, ...] = (
    ModifierGroup("PEDAS", "Tingkat Pedas", "DPS"),
    ModifierGroup("TAMBAHAN", "Tambahan", "DPS"),
    ModifierGroup("KOPI", "Tambahan Kopi", "BDG"),
)
MODIFIERS: tuple[Modifier, ...] = (
    Modifier("MOD-PDS-1", "PEDAS", "Tidak Pedas", 0, 0),
    Modifier("MOD-PDS-2", "PEDAS", "Extra Pedas", 0, 500),
    Modifier("MOD-TMB-1", "TAMBAHAN", "Telur Mata Sapi", 5_500, 2_000),
    Modifier("MOD-TMB-2", "TAMBAHAN", "Kerupuk Udang", 3_300, 1_000),
    Modifier("MOD-TMB-3", "TAMBAHAN", "Sambal Matah", 6_600, 1_500),
    Modifier("MOD-KOP-1", "KOPI", "Extra Shot", 6_000, 2_000),
    Modifier("MOD-KOP-2", "KOPI", "Susu Oat", 8_000, 3_500),
    Modifier("MOD-KOP-3", "KOPI", "Sirup Vanila", 5_000, 1_200),
)
MODIFIERS_BY_KEY: dict[str, Modifier] = {m.key: m for m in MODIFIERS}

_WITH_MODIFIERS = {
    "MKN-010": ("PEDAS", "TAMBAHAN"),
    "MKN-011": ("PEDAS", "TAMBAHAN"),
    "MKN-014": ("PEDAS",),
    "MKN-015": ("PEDAS",),
    "CAF-001": ("KOPI",),
    "CAF-002": ("KOPI",),
    "CAF-006": ("KOPI",),
}


_COSTS = {p.sku: p.buying_price for p in (*_STANDARD, *_VARIANTS)}


def _finish(product: Product) -> Product:
    """Modifier groups from `_WITH_MODIFIERS`; a composite costs the sum of its components."""
    changes: dict[str, object] = {}
    if product.sku in _WITH_MODIFIERS:
        changes["modifier_groups"] = _WITH_MODIFIERS[product.sku]
    if product.components:
        changes["buying_price"] = sum(_COSTS[c.sku] * c.quantity for c in product.components)
    return Product(**{**product.__dict__, **changes}) if changes else product


#: Sold at JKT a few times a week as orders of their own (`gift_cards`, I-46): a stored value,
#: not goods, so untracked, untaxed and without a cost.
GIFT_CARD = Product(
    "GC-100", "Gift Card Rp 100.000", "Gift Card", 100_000, 0, "JKT", False, taxable=False
)

PRODUCTS: tuple[Product, ...] = (
    *(_finish(p) for p in (*_STANDARD, *_VARIANTS, *_COMPOSITES)),
    GIFT_CARD,
)
PRODUCTS_BY_SKU: dict[str, Product] = {p.sku: p for p in PRODUCTS}


def till_catalogue(outlet_code: str) -> list[Product]:
    """The products an outlet's ordinary orders draw from (gift cards are sold apart)."""
    return [p for p in PRODUCTS if p.outlet_code == outlet_code and p is not GIFT_CARD]


@dataclass(frozen=True)
class PaymentMethod:
    name: str
    gateway: str  # one of the Transaction.gateway values of the API
    weight: int  # relative frequency at the till (0: never chosen at the till)
    mdr_percent: Decimal | None = None  # fee deducted by iSeller Pay before the payout


PAYMENT_METHODS: tuple[PaymentMethod, ...] = (
    PaymentMethod("Cash", "cash", 28),
    PaymentMethod("Debit BCA", "external_debit", 22),
    PaymentMethod("Kartu Kredit", "external_credit", 14),
    PaymentMethod("QRIS", "iseller_pay", 22, Decimal("0.7")),
    PaymentMethod("GoPay", "custom", 10),
    PaymentMethod("Gift Card", "gift_card", 4),
    # settles on-account orders days later; never chosen at the till
    PaymentMethod("Transfer Bank", "custom", 0),
)
PAYMENT_METHODS_BY_NAME: dict[str, PaymentMethod] = {m.name: m for m in PAYMENT_METHODS}
ON_ACCOUNT_SETTLEMENT_METHOD = "Transfer Bank"

CUSTOMER_NAMES: tuple[tuple[str, str, str, str], ...] = (
    # first name, last name, phone, home outlet
    ("Siti", "Rahmawati", "0812-1111-2001", "JKT"),
    ("Andi", "Pratama", "0812-1111-2002", "JKT"),
    ("Ni Luh", "Sari", "0812-1111-2003", "DPS"),
    ("Bayu", "Saputra", "0812-1111-2004", "DPS"),
    ("Citra", "Maharani", "0812-1111-2005", "JKT"),
    ("Hendra", "Gunawan", "0812-1111-2006", "BDG"),
    ("Intan", "Permata", "0812-1111-2007", "BDG"),
    ("Yoga", "Prasetyo", "0812-1111-2008", "JKT"),
    ("Dadang", "Suherman", "0812-1111-2009", "BDG"),
    ("Kadek", "Dwipayana", "0812-1111-2010", "DPS"),
    ("Lina", "Kusuma", "0812-1111-2011", "JKT"),
    ("PT Kopi", "Kantor Sejahtera", "021-555-0101", "JKT"),  # corporate, buys on account
)

SUPPLIERS: tuple[tuple[str, str], ...] = (
    ("SUP-01", "CV Kopi Gayo Lestari"),
    ("SUP-02", "PT Alat Seduh Indonesia"),
)
