"""The merchant config file: outlets, account mapping, posting mode. Loaded and validated once.

The file is YAML, named by ``JOURNAL_PIPELINE_CONFIG`` (the sandboxes ship the demo merchant's:
``journal-pipeline sandbox --print-env`` points at it). Every account role resolves per outlet
first, then merchant-wide; a role that resolves to nothing holds the record with a reason
instead of guessing.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from journal_pipeline.config_history import MappingPeriod, merged_methods, periods_on
from journal_pipeline.config_settlement import ReconciliationConfig, SettlementConfig
from journal_pipeline.environment import CONFIG_ENV, README_SECTION, TRY_LOCALLY

ACCOUNT_ROLES = (
    "sales",
    "sales_discount",
    "sales_return",  # revenue given back by refunds and voids (else `sales`)
    "service_charge",
    "shipping_income",
    "rounding",
    "receivable",
    "cogs",
    "inventory",
    "inventory_adjustment",  # stock takes: counted less system stock, at cost
    "goods_received",  # supplier receipts: stock received, not yet billed by the supplier
    "opening_stock",  # `stock init`: the opening stock brought into Jurnal
    "payment_fees",  # MDR: the fee a card scheme, bank or iSeller Pay keeps from a payment
    "platform_fees",  # a marketplace's or delivery platform's fees (else `payment_fees`)
    "cash_over_short",  # counted cash at shift close less the cash the till expected
    "gift_card_liability",  # gift cards sold and not yet redeemed
    "store_credit_liability",  # store credit given (refunds onto it) and not yet spent
    "loyalty_points",  # points redeemed as payment: a discount, promotion or points liability
    "customer_balance_liability",  # customers' prepaid balances (gateway account_balance)
)


def _problem(err: Any) -> str:
    """``field: message``, naming the value given when it is a plain one (a mode, a name)."""
    where = ".".join(str(p) for p in err["loc"])
    message = str(err["msg"]).removeprefix("Value error, ")
    if not where:  # the whole config's (a model validator's): the message names its fields
        return message
    given = err.get("input")
    if isinstance(given, str | int | float) and err.get("type") != "extra_forbidden":
        return f"{where}: {given!r} is not accepted: {message}"
    return f"{where}: {message}"


def _known_account_roles(accounts: dict[str, str]) -> dict[str, str]:
    """An account role the pipeline does not book would be ignored: refuse it by name."""
    unknown = sorted(set(accounts) - set(ACCOUNT_ROLES))
    if unknown:
        raise ValueError(
            f"unknown account role(s) {', '.join(unknown)}; the roles booked are: "
            f"{', '.join(ACCOUNT_ROLES)}"
        )
    return accounts


class ConfigError(ValueError):
    """The config file is missing or invalid; the message names the file and the field."""


def _check_timezone(value: str | None) -> str | None:
    if value is None:
        return None  # an outlet's: the merchant's zone (MerchantConfig.timezone cannot be null)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name, e.g. Asia/Jakarta)"
        ) from exc
    return value


class TaxConfig(BaseModel):
    """A sales tax as Jurnal knows it (the line tax name) and the liability account."""

    model_config = ConfigDict(extra="forbid")
    jurnal_name: str
    rate: Decimal = Field(gt=0, lt=100, description="percent of the price charged (and Jurnal's)")
    account: str
    stated_rate: Decimal | None = Field(
        None,
        gt=0,
        lt=100,
        description="the percentage iSeller states on the lines when it is not the rate charged "
        "on the price: PPN 12% on a tax base of 11/12 (DPP nilai lain) states 12 and charges 11 "
        "(rate: 11, stated_rate: 12)",
    )

    @property
    def iseller_rate(self) -> Decimal:
        """The percentage iSeller's lines state for this tax."""
        return self.stated_rate if self.stated_rate is not None else self.rate


class OutletConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    timezone: str | None = Field(
        None, description="IANA time zone of the outlet's business day; unset: the merchant's"
    )
    cutoff_hour: int = Field(0, ge=0, le=12)
    warehouse: str | None = None
    tax: str | None = None  # key into MerchantConfig.taxes
    service_charge_taxed: bool = Field(
        True,
        description="whether the outlet's tax applies to its service charge (I-20: it does); "
        "false for an outlet whose service charge carries no tax. The accounting uses it to "
        "tell apart the readings of a tax-inclusive order's service charge "
        "(accounting/service_charge.py)",
    )
    accounts: dict[str, str] = Field(default_factory=dict)
    payment_methods: dict[str, str] = Field(default_factory=dict)

    _tz = field_validator("timezone")(staticmethod(_check_timezone))

    @field_validator("accounts")
    @classmethod
    def _known_roles(cls, accounts: dict[str, str]) -> dict[str, str]:
        return _known_account_roles(accounts)


class StockConfig(BaseModel):
    """Inventory in Jurnal: tracked products, stock documents and the stock comparison."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool = Field(
        True,
        description="create products iSeller tracks as Jurnal inventory products and post "
        "transfers, supplier receipts and stock takes; false keeps every product untracked "
        "and posts no stock document",
    )
    unit_name: str = Field("Pcs", description="Jurnal unit of a product iSeller gives none")
    comparison_days: int = Field(
        14,
        ge=0,
        description="how many days back the stock comparison is made: iSeller reports "
        "current stock only, so an older day is rebuilt from every movement since",
    )


class GiftCardConfig(BaseModel):
    """Which sale lines are gift cards: a liability until redeemed, never revenue."""

    model_config = ConfigDict(extra="forbid")
    skus: list[str] = Field(default_factory=list, description="SKUs of gift-card products")
    product_types: list[str] = Field(
        default_factory=lambda: ["Gift Card"],
        description="iSeller product types (the category of its web admin) of gift cards",
    )

    def matches(self, sku: object, product_type: object) -> bool:
        """Whether a line or product of this SKU or product type is a gift card (any case)."""
        skus = {s.strip().casefold() for s in self.skus}
        types = {t.strip().casefold() for t in self.product_types}
        return (isinstance(sku, str) and sku.strip().casefold() in skus) or (
            isinstance(product_type, str) and product_type.strip().casefold() in types
        )


class AutomationConfig(BaseModel):
    """How much the sensors may ask for at once."""

    model_config = ConfigDict(extra="forbid")
    max_catch_up_runs: int = Field(
        7,
        ge=1,
        description="runs a sensor requests per tick when many days are due (a fresh install, "
        "a statement covering weeks); the rest follow on the next ticks",
    )


class MerchantConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "merchant"
    timezone: str = "Asia/Jakarta"
    start_date: date = date(2026, 1, 1)
    lock_date: date | None = Field(
        None,
        description="the books are closed up to and including this date: nothing is dated "
        "on or before it; a correction of a locked day is dated the first open day",
    )
    posting_mode: Literal["per_order", "daily_summary"] = Field(
        "per_order",
        description="per_order: one Jurnal sales invoice per completed order; daily_summary: "
        "one summary invoice per outlet and business day, posted once the day is over",
    )
    posting_mode_since: date | None = Field(
        None,
        description="first business date posted in posting_mode; earlier days keep the other "
        "mode (a day already in Jurnal keeps the mode it was posted in either way)",
    )
    transaction_no_prefix: str = "ISL/"
    walk_in_customer: str = "Pelanggan Umum"
    service_charge_product: str = "Service Charge"
    rounding_product: str = "Pembulatan"
    term_name: str | None = None
    rounding_tolerance: int = Field(
        1,
        ge=0,
        description="largest |difference| in rupiah an order may have between its "
        "parts and its total before it is held",
    )
    accounts: dict[str, str] = Field(default_factory=dict)
    taxes: dict[str, TaxConfig] = Field(default_factory=dict)
    payment_methods: dict[str, str] = Field(default_factory=dict)
    outlets: dict[str, OutletConfig] = Field(default_factory=dict)
    stock: StockConfig = Field(default_factory=lambda: StockConfig.model_validate({}))
    # payment method name (or gateway) → how its takings reach the bank; a method without one
    # (gift cards, a bank transfer straight to the bank account) is not settled
    settlements: dict[str, SettlementConfig] = Field(default_factory=dict)
    reconciliation: ReconciliationConfig = Field(
        default_factory=lambda: ReconciliationConfig.model_validate({})
    )
    gift_cards: GiftCardConfig = Field(default_factory=lambda: GiftCardConfig.model_validate({}))
    automation: AutomationConfig = Field(
        default_factory=lambda: AutomationConfig.model_validate({})
    )
    # what the mapping was before it changed, per date (`config_history`, `on`)
    mapping_history: list[MappingPeriod] = Field(default_factory=list)
    _root: MerchantConfig | None = PrivateAttr(default=None)
    _by_periods: dict[tuple[date, ...], MerchantConfig] = PrivateAttr(default_factory=dict)

    _tz = field_validator("timezone")(staticmethod(_check_timezone))

    @field_validator("accounts")
    @classmethod
    def _known_roles(cls, accounts: dict[str, str]) -> dict[str, str]:
        return _known_account_roles(accounts)

    @field_validator("outlets")
    @classmethod
    def _outlet_taxes_exist(cls, outlets: dict[str, OutletConfig], info) -> dict[str, OutletConfig]:
        if "taxes" not in info.data:
            return outlets  # the taxes were refused already: their own error says why
        taxes = info.data["taxes"]
        for code, outlet in outlets.items():
            if outlet.tax is not None and outlet.tax not in taxes:
                raise ValueError(f"outlet {code}: tax {outlet.tax!r} is not defined under taxes")
        return outlets

    @model_validator(mode="after")
    def _history_fits(self) -> MerchantConfig:
        untils = [p.until for p in self.mapping_history]
        if len(set(untils)) != len(untils):
            raise ValueError("mapping_history: two entries end on the same day; merge them")
        for period in self.mapping_history:
            unknown = sorted(set(period.outlets) - set(self.outlets))
            if unknown:
                raise ValueError(
                    f"mapping_history (until {period.until}): outlet {', '.join(unknown)} is "
                    "not under outlets"
                )
            for code, earlier in period.outlets.items():
                if earlier.tax is not None and earlier.tax not in self.taxes:
                    raise ValueError(
                        f"mapping_history (until {period.until}): outlet {code}: tax "
                        f"{earlier.tax!r} is not defined under taxes; keep every tax of the "
                        "history there, with its own Jurnal name and rate"
                    )
        return self

    @model_validator(mode="after")
    def _keys_differ_by_more_than_case(self) -> MerchantConfig:
        # outlets and payment methods are looked up whatever the case: "JKT" and "jkt" would be
        # one outlet, and one of the two entries silently ignored
        tables: list[tuple[str, dict[str, Any]]] = [
            ("outlets", self.outlets),
            ("payment_methods", self.payment_methods),
            ("settlements", self.settlements),
        ]
        tables += [
            (f"outlets.{code}.payment_methods", o.payment_methods)
            for code, o in self.outlets.items()
        ]
        for where, table in tables:
            seen: dict[str, str] = {}
            for key in table:
                other = seen.setdefault(key.casefold(), key)
                if other != key:
                    raise ValueError(
                        f"{where}: {other!r} and {key!r} differ only by case and name the same "
                        f"{'outlet' if where == 'outlets' else 'payment method'} (iSeller's "
                        "names are matched whatever the case); keep one of them"
                    )
        return self

    @model_validator(mode="after")
    def _statement_names_name_something(self) -> MerchantConfig:
        # a word read as naming nothing would leave its lines to the amount rules unnoticed
        methods = [m.casefold() for m in (*self.settlements, *self.payment_methods)]
        for word, named in self.reconciliation.statement_names.items():
            said = f" {named.casefold()} "
            if not word.strip() or not (
                any(f" {code.casefold()} " in said for code in self.outlets)
                or any(f" {method} " in said for method in methods)
            ):
                raise ValueError(
                    f"reconciliation.statement_names: {word!r}: {named!r} names no outlet "
                    "under outlets and no payment method under settlements; write the outlet "
                    "code and or the method the bank's word stands for (e.g. 'JKT Debit BCA')"
                )
        return self

    @model_validator(mode="after")
    def _one_tax_per_jurnal_name(self) -> MerchantConfig:
        # documents name a tax by its Jurnal name, and a Jurnal tax has one rate and account
        seen: dict[str, tuple[str, TaxConfig]] = {}
        for key, tax in self.taxes.items():
            other = seen.setdefault(tax.jurnal_name.casefold(), (key, tax))
            if other[0] != key and (other[1].rate, other[1].account) != (tax.rate, tax.account):
                raise ValueError(
                    f"taxes {other[0]} and {key} both name Jurnal's tax {tax.jurnal_name!r} "
                    "with another rate or account, and a Jurnal tax has one of each. A new rate "
                    "is a new tax in Jurnal (e.g. 'PPN 12%'): name it under its own key, and "
                    "say under mapping_history until when an outlet had the old one"
                )
        return self

    @property
    def current(self) -> MerchantConfig:
        """The config as written (today's mapping), also from a day's mapped copy (`on`)."""
        return self._root or self

    def on(self, day: date) -> MerchantConfig:
        """The config with the mapping of ``day`` (`config_history`): the current mapping,
        with what ``mapping_history`` says it was then. Without a history: the config."""
        root = self.current
        if not root.mapping_history:
            return root
        periods = periods_on(root.mapping_history, day)
        key = tuple(p.until for p in periods)
        if key not in root._by_periods:
            root._by_periods[key] = root._mapped(periods)
        return root._by_periods[key]

    def _mapped(self, periods: list[MappingPeriod]) -> MerchantConfig:
        accounts, methods = dict(self.accounts), dict(self.payment_methods)
        outlets, settlements = dict(self.outlets), dict(self.settlements)
        for period in periods:  # the entry nearest the day last: it wins
            accounts.update(period.accounts)
            methods = merged_methods(methods, period.payment_methods)
            settlements = merged_methods(settlements, period.settlements)
            for code, earlier in period.outlets.items():
                outlet = outlets[code]
                update: dict[str, Any] = {
                    "accounts": {**outlet.accounts, **earlier.accounts},
                    "payment_methods": merged_methods(
                        outlet.payment_methods, earlier.payment_methods
                    ),
                }
                if earlier.names_tax:
                    update["tax"] = earlier.tax
                outlets[code] = outlet.model_copy(update=update)
        mapped = self.model_copy(
            update={
                "accounts": accounts,
                "payment_methods": methods,
                "settlements": settlements,
                "outlets": outlets,
                "mapping_history": [],
            }
        )
        mapped.__dict__.pop("_outlets_upper", None)  # cached from the outlets copied over
        mapped._root, mapped._by_periods = self, {}
        return mapped

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def _outlets_upper(self) -> dict[str, OutletConfig]:
        return {code.upper(): outlet for code, outlet in self.outlets.items()}

    def outlet(self, code: str | None) -> OutletConfig | None:
        return self._outlets_upper.get((code or "").upper())

    def outlet_zone(self, code: str | None) -> tuple[str, int]:
        outlet = self.outlet(code)
        if outlet is None:
            return self.timezone, 0
        return outlet.timezone or self.timezone, outlet.cutoff_hour

    def mode_of(self, day: date) -> str:
        """The posting mode the config gives ``day`` (`posting_mode_since`)."""
        if self.posting_mode_since is None or day >= self.posting_mode_since:
            return self.posting_mode
        return "per_order" if self.posting_mode == "daily_summary" else "daily_summary"

    def zones(self) -> list[tuple[str, int]]:
        zones = {self.outlet_zone(code) for code in self.outlets}
        zones.add((self.timezone, 0))
        return sorted(zones)

    def account(self, role: str, outlet_code: str | None) -> str | None:
        outlet = self.outlet(outlet_code)
        if outlet is not None and role in outlet.accounts:
            return outlet.accounts[role]
        return self.accounts.get(role)

    def payment_account(
        self, method: str | None, gateway: str | None, outlet_code: str | None
    ) -> str | None:
        """Clearing account of a payment method: by name, then by gateway; outlet first."""
        outlet = self.outlet(outlet_code)
        tables = [outlet.payment_methods] if outlet is not None else []
        tables.append(self.payment_methods)
        keys = [k.casefold() for k in (method, gateway) if k]
        for table in tables:
            folded = {name.casefold(): account for name, account in table.items()}
            for key in keys:
                if key in folded:
                    return folded[key]
        return None

    def all_settlements(self) -> list[SettlementConfig]:
        """Every settlement rule, now and in the mapping's history (the bank accounts whose
        statements the reconciliation reads, the longest lag it waits for)."""
        root = self.current
        earlier = [rule for p in root.mapping_history for rule in p.settlements.values()]
        return [*root.settlements.values(), *earlier]

    def settlement(self, method: str | None, gateway: str | None) -> SettlementConfig | None:
        """How a payment method's takings reach the bank: by name, then by gateway."""
        folded = {name.casefold(): rule for name, rule in self.settlements.items()}
        for key in (method, gateway):
            if key and key.casefold() in folded:
                return folded[key.casefold()]
        return None

    def tax_for(self, outlet_code: str | None, sale_day: date | None = None) -> TaxConfig | None:
        """The outlet's tax; given ``sale_day``, the one of a sale of that day (its history's,
        `config_history`), whichever day the document for it is made on."""
        outlet = (self if sale_day is None else self.on(sale_day)).outlet(outlet_code)
        if outlet is None or outlet.tax is None:
            return None
        return self.taxes[outlet.tax]


def load_config(path: str | os.PathLike[str] | None = None) -> MerchantConfig:
    """Read and validate the config file (the argument, else $JOURNAL_PIPELINE_CONFIG)."""
    given = path or os.environ.get(CONFIG_ENV, "").strip()
    if not given:
        raise ConfigError(
            f"Not set: {CONFIG_ENV}, the path of the merchant config YAML (see {README_SECTION}). "
            f"To try the demo merchant on the local sandboxes: {TRY_LOCALLY}"
        )
    chosen = Path(given)
    try:
        data = yaml.safe_load(chosen.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"config file {chosen} not found; set {CONFIG_ENV} to the merchant config YAML"
        ) from exc
    except OSError as exc:  # a directory, no permission to read it
        raise ConfigError(
            f"config file {chosen} cannot be read ({exc.strerror or type(exc).__name__}); set "
            f"{CONFIG_ENV} to the merchant config YAML file, readable by this user"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(
            f"config file {chosen} is not UTF-8 text; save it as UTF-8 (e.g. with `iconv -f "
            f"latin1 -t utf-8`), or set {CONFIG_ENV} to the merchant config YAML"
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {chosen} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not data.get("outlets"):
        what = "names no outlets"
        if not data:
            what = "is empty"
        elif not isinstance(data, dict):
            what = "is not a YAML mapping"
        raise ConfigError(
            f"config file {chosen} {what}: a merchant config maps at least one outlet, with its "
            "accounts and payment methods (`journal-pipeline mapping init` writes one; the demo "
            f"merchant's is journal_sandbox/demo_config.yaml); set {CONFIG_ENV} to it"
        )
    try:
        return MerchantConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_problem(err) for err in exc.errors())
        raise ConfigError(f"config file {chosen} is invalid: {problems}") from exc
