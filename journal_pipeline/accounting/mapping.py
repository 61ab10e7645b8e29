"""Which Jurnal account, warehouse, tax and time zone fits each part of a merchant's config.

Pure: the facts read from iSeller and Jurnal come in as plain rows, the choices go out as
`Choice` values that say why (a comment in the written config). What cannot be decided is a
`Choice` whose value starts with ``TODO:`` — `mapping_checks.todo_paths` refuses it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

TODO = "TODO:"

# Jurnal account category ids (reference jurnal-api.md §2 "Account category ids").
RECEIVABLE, CURRENT_ASSET, CASH_BANK, INVENTORY = 1, 2, 3, 4
PAYABLE, CURRENT_LIABILITY, EQUITY = 8, 10, 12
INCOME, OTHER_INCOME, COST_OF_SALES, EXPENSE, OTHER_EXPENSE = 13, 14, 15, 16, 17


@dataclass(frozen=True)
class RoleRule:
    categories: tuple[int, ...]  # the categories an account of this role may have
    names: tuple[str, ...]  # name fragments, best first


ROLE_RULES: dict[str, RoleRule] = {
    "sales": RoleRule((INCOME, OTHER_INCOME), ("penjualan", "sales", "pendapatan")),
    "sales_discount": RoleRule(
        (INCOME, EXPENSE, OTHER_EXPENSE), ("diskon penjualan", "sales discount", "diskon")
    ),
    "sales_return": RoleRule(
        (INCOME, EXPENSE, OTHER_EXPENSE), ("retur penjualan", "sales return", "retur")
    ),
    "service_charge": RoleRule((INCOME, OTHER_INCOME), ("service charge", "layanan")),
    "shipping_income": RoleRule(
        (INCOME, OTHER_INCOME), ("ongkos kirim", "pengiriman", "shipping", "pendapatan lain")
    ),
    "rounding": RoleRule(
        (INCOME, OTHER_INCOME, EXPENSE, OTHER_EXPENSE), ("pembulatan", "rounding")
    ),
    "receivable": RoleRule((RECEIVABLE,), ("piutang usaha", "accounts receivable", "piutang")),
    "cogs": RoleRule(
        (COST_OF_SALES, EXPENSE), ("beban pokok", "harga pokok", "cost of goods", "cost of sales")
    ),
    "inventory": RoleRule((INVENTORY,), ("persediaan", "inventory")),
    "inventory_adjustment": RoleRule(
        (COST_OF_SALES, EXPENSE, OTHER_EXPENSE),
        ("penyesuaian persediaan", "inventory adjustment", "selisih persediaan"),
    ),
    "goods_received": RoleRule(
        (PAYABLE, CURRENT_LIABILITY), ("hutang belum ditagih", "unbilled", "belum ditagih")
    ),
    "opening_stock": RoleRule((EQUITY,), ("ekuitas saldo awal", "opening balance", "saldo awal")),
    "payment_fees": RoleRule(
        (COST_OF_SALES, EXPENSE, OTHER_EXPENSE),
        ("mdr", "merchant discount", "biaya transaksi", "bank charge", "administrasi bank"),
    ),
    "platform_fees": RoleRule(
        (COST_OF_SALES, EXPENSE, OTHER_EXPENSE),
        ("komisi marketplace", "komisi", "commission", "marketplace", "platform"),
    ),
    "cash_over_short": RoleRule(
        (OTHER_INCOME, EXPENSE, OTHER_EXPENSE),
        ("selisih kas", "cash over", "beban lain", "other expense"),
    ),
    "gift_card_liability": RoleRule(
        (CURRENT_LIABILITY, PAYABLE), ("gift card", "voucher", "kartu hadiah")
    ),
    "store_credit_liability": RoleRule(
        (CURRENT_LIABILITY, PAYABLE),
        ("store credit", "saldo pelanggan", "deposit pelanggan", "titipan pelanggan"),
    ),
    "loyalty_points": RoleRule(
        (INCOME, EXPENSE, OTHER_EXPENSE, CURRENT_LIABILITY),
        ("poin", "point", "loyalty", "reward"),
    ),
    "customer_balance_liability": RoleRule(
        (CURRENT_LIABILITY, PAYABLE),
        ("saldo pelanggan", "deposit pelanggan", "uang muka pelanggan", "customer deposit"),
    ),
}
#: Roles a config may leave out, and what is done without them.
OPTIONAL_ROLES = {
    "platform_fees": "booked to payment_fees",
    "store_credit_liability": "a payment by or refund onto store credit is held until it is set",
    "loyalty_points": "payments by points stay on their payment method's clearing account",
    "customer_balance_liability": "payments from a customer's balance stay on their payment "
    "method's clearing account",
}
CASH_BANK_ROLES = (CASH_BANK,)  # payment clearing and settlement bank accounts
TAX_ACCOUNT_CATEGORIES = (CURRENT_LIABILITY, PAYABLE)

# A payment gateway's other names in an account name, when the method's own name is not in
# any (e.g. "Debit BCA" paid through an EDC lands in "Kliring EDC").
GATEWAY_WORDS: dict[str, tuple[str, ...]] = {
    "cash": ("kas", "cash"),
    "external_debit": ("edc", "debit"),
    "external_credit": ("kartu kredit", "credit card", "edc"),
    "iseller_pay": ("qris", "iseller pay"),
    "gift_card": ("gift card", "voucher"),
}
BANK_WORDS = ("rekening", "bank")
CLEARING_WORDS = ("kliring", "clearing")

# Indonesian time zones by region named in an outlet group or an address.
ZONE_WORDS: dict[str, tuple[str, ...]] = {
    "Asia/Makassar": (
        "bali",
        "nusa tenggara",
        "ntb",
        "ntt",
        "lombok",
        "sulawesi",
        "makassar",
        "kalimantan selatan",
        "kalimantan timur",
        "kalimantan utara",
        "balikpapan",
        "banjarmasin",
        "samarinda",
        "manado",
    ),
    "Asia/Jayapura": ("papua", "maluku", "ambon", "jayapura", "sorong"),
    "Asia/Pontianak": ("kalimantan barat", "kalimantan tengah", "pontianak", "palangka"),
}


@dataclass(frozen=True)
class Choice:
    """A value for the config and the reason, written beside it as a comment."""

    value: Any
    why: str

    @property
    def undecided(self) -> bool:
        return isinstance(self.value, str) and self.value.startswith(TODO)


def _fold(text: object) -> str:
    return " ".join(str(text or "").casefold().split())


def _name(account: Mapping[str, Any]) -> str:
    return str(account.get("name") or "")


def category_id(account: Mapping[str, Any]) -> int | None:
    """The category id of a Jurnal account row (``category_id`` or ``category.id``)."""
    raw = account.get("category_id")
    if raw is None and isinstance(account.get("category"), Mapping):
        raw = account["category"].get("id")
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def _best(candidates: list[Mapping[str, Any]], words: Iterable[str]) -> tuple[str, str] | None:
    """(account name, the word that chose it): an exact name first, then the first word any
    name contains, the shortest such name (fewest extra words)."""
    for word in words:
        exact = [a for a in candidates if _fold(_name(a)) == word]
        if exact:
            return _name(exact[0]), word
        containing = sorted(
            (a for a in candidates if word in _fold(_name(a))), key=lambda a: len(_name(a))
        )
        if containing:
            return _name(containing[0]), word
    return None


#: Roles whose account Jurnal takes from its company settings (Pengaturan → Pemetaan Akun,
#: ``companies/active`` ``default_accounts``), not from the document: role → (setting, what).
JURNAL_SETTINGS = {
    "sales_discount": ("sale_discount_account", "invoice discounts"),
    "shipping_income": ("sale_shipping_account", "shipping charged on invoices"),
    "sales_return": ("default_sales_return_account", "sales returns"),
}


def company_accounts(company: Mapping[str, Any]) -> dict[str, str]:
    """Role → the account Jurnal's company settings book it to (`JURNAL_SETTINGS`), from
    ``GET companies/active`` (``default_accounts``, else the same key at the top)."""
    defaults = company.get("default_accounts")
    defaults = defaults if isinstance(defaults, Mapping) else {}
    found = {}
    for role, (key, _) in JURNAL_SETTINGS.items():
        account = defaults.get(key) or company.get(key)
        name = account.get("name") if isinstance(account, Mapping) else None
        if name:
            found[role] = str(name)
    return found


def choose_account(
    role: str, accounts: list[Mapping[str, Any]], settings: Mapping[str, str] | None = None
) -> Choice:
    """The Jurnal account of an account role: Jurnal's own company setting where Jurnal
    decides it (``settings``, `company_accounts`), else by category and name."""
    if settings and role in settings:
        key, what = JURNAL_SETTINGS[role]
        return Choice(settings[role], f"Jurnal books {what} there (company setting {key})")
    rule = ROLE_RULES[role]
    fitting = [a for a in accounts if category_id(a) in rule.categories]
    found = _best(fitting, rule.names)
    if found is None:
        return Choice(
            f"{TODO} name the Jurnal account for {role}",
            f"no account of category {'/'.join(map(str, rule.categories))} is named like "
            f"{' / '.join(repr(n) for n in rule.names[:3])}",
        )
    name, word = found
    return Choice(name, f"category {category_id(_account(accounts, name))}, name has {word!r}")


def _account(accounts: list[Mapping[str, Any]], name: str) -> Mapping[str, Any]:
    return next(a for a in accounts if _name(a) == name)


def choose_payment_account(
    method: str, gateway: str | None, accounts: list[Mapping[str, Any]]
) -> Choice:
    """The Cash & Bank account a payment method's takings are deposited into."""
    cash_bank = [a for a in accounts if category_id(a) in CASH_BANK_ROLES]
    words = [_fold(method), *GATEWAY_WORDS.get(_fold(gateway), ())]
    words += [w for w in re.split(r"\W+", _fold(method)) if len(w) > 2]
    found = _best(cash_bank, words)
    if found is None:
        return Choice(
            f"{TODO} name the Cash & Bank account that receives {method}",
            f"no Cash & Bank account is named like {method!r} (gateway {gateway})",
        )
    return Choice(found[0], f"Cash & Bank, name has {found[1]!r}")


def choose_bank_account(accounts: list[Mapping[str, Any]]) -> Choice:
    """The bank account settlements reach: a Cash & Bank account named like a bank account
    that is not a clearing account."""
    banks = [
        a
        for a in accounts
        if category_id(a) in CASH_BANK_ROLES
        and not any(w in _fold(_name(a)) for w in CLEARING_WORDS)
    ]
    found = _best(banks, BANK_WORDS)
    if found is None:
        return Choice(f"{TODO} name the bank account settlements reach", "no bank account found")
    return Choice(found[0], f"Cash & Bank, not a clearing account, name has {found[1]!r}")


def settles(method: str, gateway: str | None, clearing: Choice, bank: Choice) -> bool:
    """Whether a method's takings travel to the bank later (a settlement): not when they are
    deposited straight into the bank account, nor for gift cards (no money moves)."""
    return _fold(gateway) != "gift_card" and clearing.value != bank.value


def choose_warehouse(code: str, name: str | None, warehouses: list[Mapping[str, Any]]) -> Choice:
    """The Jurnal warehouse of an outlet: by code, then by the outlet's name, then by its
    first word (the city)."""
    for warehouse in warehouses:
        if _fold(warehouse.get("code")) == _fold(code):
            return Choice(str(warehouse["name"]), f"warehouse code {code}")
    words = [_fold(name)] + ([_fold(name).split()[0]] if _fold(name) else [])
    for word in filter(None, words):
        hits = [w for w in warehouses if word in _fold(w.get("name"))]
        if len(hits) == 1:
            return Choice(str(hits[0]["name"]), f"warehouse name has {word!r}")
    return Choice(
        f"{TODO} name the Jurnal warehouse of outlet {code}",
        f"no warehouse has code {code} or a name like {name!r}",
    )


def choose_zone(texts: Iterable[str | None], default: str) -> Choice:
    """An outlet's time zone from its outlet groups and address, else the merchant's."""
    for text in texts:
        folded = _fold(text)
        for zone, words in ZONE_WORDS.items():
            word = next((w for w in words if re.search(rf"\b{w}\b", folded)), None)
            if word:
                return Choice(zone, f"{text!r} is in {zone}")
    return Choice(default, "nothing in its groups or address says otherwise: merchant's zone")


def choose_tax(
    rate: Decimal | None, taxes: list[Mapping[str, Any]], stated: Decimal | None = None
) -> tuple[str | None, Mapping[str, Any] | None, str]:
    """(config key, Jurnal tax, why) of the tax an outlet charges at `rate` percent; of two
    or more at that rate, the one whose name says the percent its lines state (``stated``:
    "PPN 12% DPP 11/12" beside the older "PPN", both at 11%)."""
    if rate is None or rate == 0:
        return None, None, "its recent orders carry no tax"
    fitting = [t for t in taxes if _rate(t) == rate and not t.get("is_witholding")]
    if len(fitting) > 1 and stated is not None:
        named = [t for t in fitting if f"{stated.normalize():f}" in str(t.get("name") or "")]
        fitting = named if len(named) == 1 else fitting
    if len(fitting) != 1:
        return None, None, f"{len(fitting)} Jurnal taxes have rate {rate}%"
    tax = fitting[0]
    return str(tax["name"]), tax, f"its orders charge {rate}%, Jurnal tax {tax['name']}"


DPP_NILAI_LAIN = Decimal(11) / Decimal(12)  # PPN's tax base from 2025 for most goods


def charged_rate(stated: Decimal, implied: list[Decimal]) -> Decimal:
    """The percent of the price an outlet's lines stating ``stated`` charged: ``stated`` on a
    tax base of 11/12 (PPN 12% → 11) when their tax amounts (``implied``: each line's tax over
    its net, in percent) say so by their median, else ``stated``."""
    if not implied or not stated:
        return stated
    ordered = sorted(implied)
    median = ordered[len(ordered) // 2]
    on_base = (stated * DPP_NILAI_LAIN).quantize(Decimal("0.01"))
    whole = on_base == on_base.to_integral_value()  # 12 → 11; a rate no tax has is not read
    if whole and abs(median - on_base) < Decimal("0.05") and abs(median - stated) > Decimal("0.5"):
        return on_base.normalize()
    return stated


def implied_rate(line: Mapping[str, Any], inclusive: bool) -> Decimal | None:
    """A line's tax over its net, in percent (None without tax)."""
    try:
        tax = Decimal(str(line.get("tax_amount") or 0))
        subtotal = Decimal(str(line.get("subtotal") or 0))
    except ArithmeticError:
        return None
    net = subtotal - tax if inclusive else subtotal
    if tax <= 0 or net <= 0:
        return None
    return (tax * 100 / net).quantize(Decimal("0.01"))


def _rate(tax: Mapping[str, Any]) -> Decimal | None:
    try:
        return Decimal(str(tax.get("rate"))).normalize()
    except ArithmeticError:
        return None


def tax_account(tax: Mapping[str, Any]) -> str | None:
    """The liability account a Jurnal tax books sales tax to."""
    account = tax.get("sell_tax_account")
    if isinstance(account, Mapping) and account.get("name"):
        return str(account["name"])
    return None
