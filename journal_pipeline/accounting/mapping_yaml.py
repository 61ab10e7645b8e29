"""The merchant config `journal-pipeline mapping init` writes: YAML in the demo config's shape,
each choice commented with why, what could not be decided written as ``TODO: …``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting.mapping import (
    OPTIONAL_ROLES,
    ROLE_RULES,
    Choice,
    choose_account,
    choose_bank_account,
    choose_payment_account,
    choose_tax,
    choose_warehouse,
    choose_zone,
    settles,
    tax_account,
)
from journal_pipeline.config import StockConfig

DEFAULT_ZONE = "Asia/Jakarta"


@dataclass
class MerchantFacts:
    """What iSeller and Jurnal say about a merchant, read by `sync/mapping.py`."""

    store: Mapping[str, Any]  # GetStoreInfo store_info
    outlets: list[Mapping[str, Any]]  # GetOutlets (with outlet_groups)
    payments: list[tuple[str, str | None]]  # (method, gateway): active and seen lately
    outlet_tax_rates: dict[str, Decimal | None]  # outlet code → tax % of its recent orders
    gift_card_skus: list[str]
    accounts: list[Mapping[str, Any]]
    warehouses: list[Mapping[str, Any]]
    taxes: list[Mapping[str, Any]]
    start_date: date
    notes: list[str] = field(default_factory=list)
    # role → account Jurnal's company settings book it to (`mapping.company_accounts`)
    company_accounts: dict[str, str] = field(default_factory=dict)
    # outlet code → the tax % its lines state where it is not the % charged (DPP nilai lain)
    outlet_stated_rates: dict[str, Decimal] = field(default_factory=dict)


def _scalar(value: Any) -> str:
    """A YAML scalar (JSON strings are valid YAML)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | Decimal):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _line(indent: int, key: str, choice: Choice) -> str:
    mark = "  # TODO " if choice.undecided else "  # "
    return f"{' ' * indent}{_scalar(key)}: {_scalar(choice.value)}{mark}{choice.why}"


def _role_line(role: str, choice: Choice) -> str:
    """An account role's line; an optional role with no account found is left commented out,
    saying what is booked instead."""
    instead = OPTIONAL_ROLES.get(role)
    if instead is None or not choice.undecided:
        return _line(2, role, choice)
    return f"  # {role}: <account>  # optional, none found: {instead} ({choice.why})"


def _zone(facts: MerchantFacts) -> Choice:
    return choose_zone([facts.store.get("address")], DEFAULT_ZONE)


def render_config(facts: MerchantFacts) -> str:
    """The config file's text."""
    zone = _zone(facts)
    name = facts.store.get("store_name") or "merchant"
    out = [
        "# Merchant config written by `journal-pipeline mapping init` from what iSeller and",
        "# Jurnal hold. Each choice says why; a value starting with TODO: could not be decided",
        "# and `journal-pipeline check` refuses the file until it is replaced.",
        f"name: {_scalar(name)}",
        _line(0, "timezone", zone),
        f"start_date: {facts.start_date.isoformat()}  # first business date the pipeline may post",
        "posting_mode: per_order  # one Jurnal sales invoice per completed order",
        "# posting_mode: daily_summary  # or one summary invoice per outlet and business day",
        "# posting_mode_since: YYYY-MM-DD  # the first day of the mode; earlier days keep theirs",
        'transaction_no_prefix: "ISL/"  # Jurnal invoice number = prefix + iSeller order reference',
        "walk_in_customer: Pelanggan Umum  # Jurnal customer of orders without one",
        "service_charge_product: Service Charge",
        "rounding_product: Pembulatan",
        "",
        "accounts:  # account role → Jurnal account (matched by category and name)",
    ]
    out += [
        _role_line(role, choose_account(role, facts.accounts, facts.company_accounts))
        for role in ROLE_RULES
    ]
    stock = StockConfig.model_validate({})
    out += [
        "",
        "stock:",
        f"  enabled: {_scalar(stock.enabled)}  # tracked products, transfers, receipts, "
        "stock takes",
        f"  unit_name: {_scalar(stock.unit_name)}  # unit of a product iSeller gives none",
        f"  comparison_days: {stock.comparison_days}  # days back the stock comparison is made",
    ]
    out += _taxes(facts)
    out += _payments(facts)
    out += [
        "",
        "gift_cards:  # sold as a liability (gift_card_liability), not revenue",
        f"  skus: {json.dumps(facts.gift_card_skus, ensure_ascii=False)}"
        "  # iSeller products whose type is Gift Card",
        '  product_types: ["Gift Card"]',
        "",
        "reconciliation:",
        "  overdue_after_days: 3  # a settlement this many of the bank's open days late is overdue",
        "  match_window_days: 3  # a receipt matches within this many days of its expected date",
        "  statement_folder: null  # folder where bank statement CSVs are dropped, if any",
        "  holiday_calendar: ID  # settlements skip Indonesia's holidays and cuti bersama",
        "  extra_holidays: []  # further days the bank credits nothing",
        "  bank_open_on: []  # days the calendar closes but the bank credits settlements",
    ]
    out += _outlets(facts, zone.value)
    out += [f"# note: {note}" for note in facts.notes]
    return "\n".join(out) + "\n"


def _tax_key(facts: MerchantFacts, code: str) -> tuple[str | None, Mapping[str, Any] | None, str]:
    stated = facts.outlet_stated_rates.get(code)
    return choose_tax(facts.outlet_tax_rates.get(code), facts.taxes, stated)


def _taxes(facts: MerchantFacts) -> list[str]:
    used: dict[str, Mapping[str, Any]] = {}
    stated: dict[str, Decimal] = {}
    for outlet in facts.outlets:
        code = str(outlet.get("outlet_code"))
        key, tax, _ = _tax_key(facts, code)
        if key and tax is not None:
            used[key] = tax
            if code in facts.outlet_stated_rates:
                stated[key] = facts.outlet_stated_rates[code]
    lines = ["", "taxes:  # the sales taxes the outlets charge, as Jurnal names them"]
    if not used:
        return [*lines[:1], "taxes: {}  # no outlet charged a tax Jurnal knows"]
    for key, tax in sorted(used.items()):
        account = tax_account(tax)
        lines += [
            f"  {_scalar(key)}:",
            f"    jurnal_name: {_scalar(tax['name'])}",
            f"    rate: {Decimal(str(tax['rate'])).normalize()}",
            *(
                [f"    stated_rate: {stated[key]}  # iSeller's lines state it (DPP nilai lain)"]
                if key in stated
                else []
            ),
            _line(
                4,
                "account",
                Choice(account, "the tax's sales account in Jurnal")
                if account
                else Choice(f"TODO: the liability account of {key}", "Jurnal names none"),
            ),
        ]
    return lines


def _payments(facts: MerchantFacts) -> list[str]:
    bank = choose_bank_account(facts.accounts)
    lines = [
        "",
        "payment_methods:  # iSeller payment method → Cash & Bank account it is deposited into",
    ]
    settled: list[str] = []
    for method, gateway in facts.payments:
        clearing = choose_payment_account(method, gateway, facts.accounts)
        lines.append(_line(2, method, clearing))
        if settles(method, gateway, clearing, bank):
            settled.append(method)
    lines += ["", "settlements:  # how each method's takings reach the bank (reconciliation)"]
    if not settled:
        lines[-1] = "settlements: {}  # no method settles later"
    for method in settled:
        lines.append(
            f"  {_scalar(method)}:  # lag 1 day, no MDR assumed: check the acquirer's terms"
        )
        lines.append(_line(4, "bank_account", bank))
        lines.append("    lag_days: 1")
    return lines


def _outlets(facts: MerchantFacts, default_zone: str) -> list[str]:
    lines = ["", "outlets:"]
    for outlet in sorted(facts.outlets, key=lambda o: str(o.get("outlet_code"))):
        code = str(outlet.get("outlet_code"))
        groups = [g.get("name") for g in outlet.get("outlet_groups") or []]
        key, _, why = _tax_key(facts, code)
        lines += [
            f"  {_scalar(code)}:",
            f"    name: {_scalar(outlet.get('name') or outlet.get('outlet_name') or code)}",
            _line(4, "timezone", choose_zone([*groups, outlet.get("address")], default_zone)),
            "    cutoff_hour: 0  # set the closing hour if the outlet trades after midnight",
            _line(4, "warehouse", choose_warehouse(code, outlet.get("name"), facts.warehouses)),
            f"    tax: {_scalar(key)}  # {why}",
        ]
    return lines
