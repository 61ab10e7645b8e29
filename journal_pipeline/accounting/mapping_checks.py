"""What `journal-pipeline check` refuses in a config, given what Jurnal and iSeller hold.

Pure: one line per problem, each naming the config field and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting.customers import same_name
from journal_pipeline.accounting.mapping import (
    CASH_BANK_ROLES,
    JURNAL_SETTINGS,
    ROLE_RULES,
    TAX_ACCOUNT_CATEGORIES,
    TODO,
    category_id,
    company_accounts,
    tax_account,
)
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.jurnal_dates import jurnal_day

#: The roles a sale is booked to (`posting_rules.sale_entry` and its cost of sales), and what
#: each carries: a sale needing one its outlet cannot resolve is held, never posted elsewhere.
SALE_ROLES = {
    "sales": "a sale's revenue",
    "sales_discount": "order discounts",
    "receivable": "what a sale leaves unpaid (on account, partly paid)",
    "service_charge": "service charges",
    "shipping_income": "shipping charged to customers",
    "rounding": "cash rounding and sub-rupiah differences",
    "cogs": "the cost of the goods sold",
    "inventory": "the stock the goods sold leave",
}


#: Roles only a sale that charges or gives them needs: a shop without them can leave them out.
WHEN_CHARGED_ROLES = ("sales_discount", "service_charge", "shipping_income")
#: Roles every sale needs.
REQUIRED_ROLES = tuple(role for role in SALE_ROLES if role not in WHEN_CHARGED_ROLES)


def missing_role_problems(
    config: MerchantConfig, roles: tuple[str, ...] = REQUIRED_ROLES
) -> list[str]:
    """Each of ``roles`` that the config leaves unset, merchant-wide and for the outlets
    without their own (the history's mappings only say what an account was)."""
    problems = []
    for role in roles:
        carries = SALE_ROLES[role]
        if role in config.accounts:
            continue
        without = sorted(code for code, o in config.outlets.items() if role not in o.accounts)
        if not without:
            continue
        where = f", nor under outlets.<code>.accounts for {', '.join(without)}"
        if len(without) == len(config.outlets):
            where = ""
        problems.append(
            f"accounts.{role}: not set{where}; it books {carries}, and a sale needing it is "
            f"held. Add `{role}: <Jurnal account>` under accounts (`journal-pipeline mapping "
            "init` writes one matched by category and name)"
        )
    return problems


def todo_paths(data: object, path: str = "") -> list[str]:
    """Where the raw config still holds a ``TODO:`` value (dotted paths)."""
    if isinstance(data, Mapping):
        return [p for k, v in data.items() for p in todo_paths(v, f"{path}.{k}" if path else k)]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in todo_paths(v, f"{path}[{i}]")]
    if isinstance(data, str) and data.strip().startswith(TODO):
        return [path]
    return []


def _categories(accounts: Iterable[Mapping[str, Any]]) -> dict[str, int | None]:
    return {str(a.get("name")).casefold(): category_id(a) for a in accounts if a.get("name")}


def _account_problem(
    field: str, name: str, fitting: tuple[int, ...], known: dict[str, int | None]
) -> str | None:
    if name.strip().startswith(TODO):
        return None  # reported once, as a TODO
    if name.casefold() not in known:
        return (
            f"{field}: Jurnal has no account {name!r} (or it is archived); create it in Jurnal, "
            "unarchive it, or name an existing one"
        )
    found = known[name.casefold()]
    if found not in fitting:
        return (
            f"{field}: Jurnal account {name!r} is of category {found}, not "
            f"{' or '.join(map(str, fitting))}; name an account of a fitting category"
        )
    return None


def account_problems(config: MerchantConfig, accounts: list[Mapping[str, Any]]) -> list[str]:
    """Every account the config names exists in Jurnal with a category fitting its use."""
    known = _categories(accounts)
    found: list[str | None] = []
    scopes = [("accounts", config.accounts, config.payment_methods)]
    scopes += [
        (f"outlets.{code}.accounts", outlet.accounts, outlet.payment_methods)
        for code, outlet in config.outlets.items()
    ]
    for number, period in enumerate(config.mapping_history):
        where = f"mapping_history[{number}]"
        scopes.append((f"{where}.accounts", period.accounts, period.payment_methods))
        scopes += [
            (f"{where}.outlets.{code}.accounts", outlet.accounts, outlet.payment_methods)
            for code, outlet in period.outlets.items()
        ]
    for prefix, roles, methods in scopes:
        for role, name in roles.items():
            rule = ROLE_RULES.get(role)
            fitting = rule.categories if rule else tuple(sorted({c for c in known.values() if c}))
            found.append(_account_problem(f"{prefix}.{role}", name, fitting, known))
        method_prefix = prefix.replace("accounts", "payment_methods")
        for method, name in methods.items():
            found.append(
                _account_problem(f"{method_prefix}.{method}", name, CASH_BANK_ROLES, known)
            )
    settlements = [("settlements", config.settlements)]
    settlements += [
        (f"mapping_history[{number}].settlements", period.settlements)
        for number, period in enumerate(config.mapping_history)
    ]
    for prefix, rules in settlements:
        for method, settlement in rules.items():
            field = f"{prefix}.{method}.bank_account"
            found.append(_account_problem(field, settlement.bank_account, CASH_BANK_ROLES, known))
    for key, tax in config.taxes.items():
        field = f"taxes.{key}.account"
        found.append(_account_problem(field, tax.account, TAX_ACCOUNT_CATEGORIES, known))
    return [line for line in found if line]


def warehouse_problems(
    config: MerchantConfig, outlet_codes: Iterable[str], warehouses: list[Mapping[str, Any]]
) -> list[str]:
    """Every iSeller outlet is in the config with a warehouse Jurnal has."""
    names = {str(w.get("name")).casefold() for w in warehouses}
    problems = []
    for code in sorted(outlet_codes):
        outlet = config.outlet(code)
        if outlet is None:
            problems.append(
                f"outlets.{code}: iSeller outlet {code} is not in the config; add it with its "
                "time zone and warehouse (`journal-pipeline mapping init` writes one)"
            )
        elif not outlet.warehouse:
            problems.append(f"outlets.{code}.warehouse: not set; name its Jurnal warehouse")
        elif outlet.warehouse.casefold() not in names and not outlet.warehouse.startswith(TODO):
            problems.append(
                f"outlets.{code}.warehouse: Jurnal has no warehouse {outlet.warehouse!r}; "
                "create it in Jurnal (Inventory → Warehouses) or name an existing one"
            )
    return problems


def method_problems(
    config: MerchantConfig, methods_seen: Iterable[tuple[str, str | None]]
) -> list[str]:
    """Every payment method iSeller took lately has a clearing account, for some outlet."""
    scopes = [None, *config.outlets]
    problems = []
    for method, gateway in sorted(set(methods_seen), key=lambda m: (m[0], m[1] or "")):
        if not any(config.payment_account(method, gateway, scope) for scope in scopes):
            problems.append(
                f"payment_methods.{method}: iSeller took payments by {method!r} (gateway "
                f"{gateway}) and the config maps it to no account; add `{method}: <Jurnal "
                "Cash & Bank account>` under payment_methods"
            )
    return problems


def unused_method_names(
    config: MerchantConfig, methods_seen: Iterable[tuple[str, str | None]], days: int
) -> list[str]:
    """The payment_methods and settlements entries that match no method or gateway iSeller
    took in the last ``days`` days: not a problem (a method may be unused for a while), but a
    misspelt name is never used, and its payments go unmapped."""
    seen = sorted(set(methods_seen), key=lambda m: (m[0], m[1] or ""))
    names = {name.casefold() for pair in seen for name in pair if name}
    tables: list[tuple[str, Mapping[str, object]]] = [
        ("payment_methods", config.payment_methods),
        ("settlements", config.settlements),
    ]
    tables += [
        (f"outlets.{code}.payment_methods", outlet.payment_methods)
        for code, outlet in config.outlets.items()
    ]
    shown = ", ".join(method for method, _ in seen) or "none"
    return [
        f"{prefix}.{key}: no iSeller payment of the last {days} days was made by {key!r} "
        f"(methods seen: {shown}); check the spelling if it is in use"
        for prefix, table in tables
        for key in table
        if key.casefold() not in names
    ]


def closed_books_problems(config: MerchantConfig, company: Mapping[str, Any]) -> list[str]:
    """Jurnal's books closed ("tutup buku") after the config's ``lock_date``: documents of those
    days would be refused one by one, where a ``lock_date`` dates corrections on the first open
    day and holds the rest with the reason (``accounting/periods.py``)."""
    inner = company.get("company")
    body: Mapping[str, Any] = inner if isinstance(inner, Mapping) else company
    closed = jurnal_day(body.get("last_closing_the_book_date"))
    if closed is None or (config.lock_date is not None and config.lock_date >= closed):
        return []
    now = f"is {config.lock_date.isoformat()}" if config.lock_date else "is not set"
    return [
        f"lock_date: Jurnal's books are closed up to {closed.isoformat()} but lock_date {now}; "
        f"set `lock_date: {closed.isoformat()}` so that nothing is dated in the closed period "
        "(Jurnal would refuse it)"
    ]


def company_setting_problems(config: MerchantConfig, company: Mapping[str, Any]) -> list[str]:
    """A role Jurnal books to its own company setting (invoice discounts, shipping, sales
    returns) mapped elsewhere: Jurnal's ledger and the pipeline's journal would disagree on
    that account. Outlet overrides of these roles count too: Jurnal has one setting."""
    settings = company_accounts(company)
    scopes = [("accounts", config.accounts)]
    scopes += [(f"outlets.{code}.accounts", o.accounts) for code, o in config.outlets.items()]
    problems = []
    for prefix, roles in scopes:
        for role, jurnal_name in settings.items():
            mapped = roles.get(role)
            if not mapped or mapped.strip().startswith(TODO):
                continue
            if mapped.casefold() != jurnal_name.casefold():
                key, what = JURNAL_SETTINGS[role]
                problems.append(
                    f"{prefix}.{role}: Jurnal books {what} to {jurnal_name!r} (its company "
                    f"setting {key}), not {mapped!r}; name {jurnal_name!r} here, or change the "
                    "setting in Jurnal, so that Jurnal's ledger and the journal agree"
                )
    return problems


def receivable_findings(
    config: MerchantConfig, customers: Iterable[Mapping[str, Any]]
) -> tuple[list[str], list[str]]:
    """(problems, notes) of the receivable: Jurnal books the receivable of every invoice to
    its customer's default A/R account and a sales return credits it (J-19), while the journal
    books the config's ``receivable``. A walk-in customer keeping another account leaves a
    balance on both after every refund of a sale without a customer; an outlet's own
    ``receivable`` is one Jurnal never books."""
    name = config.walk_in_customer
    receivable = config.account("receivable", None)
    problems = [
        f"outlets.{code}.accounts.receivable: Jurnal books an invoice's receivable to its "
        f"customer's own receivable account, whatever the outlet, not {own!r}; remove this "
        f"override so the journal books {receivable!r} as Jurnal does"
        for code, outlet in sorted(config.outlets.items())
        if (own := outlet.accounts.get("receivable"))
        and receivable
        and own.casefold() != receivable.casefold()
    ]
    found = next((c for c in customers if same_name(c.get("display_name"), name)), None)
    if found is None:
        made = f", its receivable {receivable!r}" if receivable else ""
        return problems, [
            f"walk_in_customer: Jurnal has no customer {name!r}; the first sync creates it{made}"
        ]
    account = found.get("default_ar_account")
    held = account.get("name") if isinstance(account, Mapping) else None
    if not receivable or not held or str(held).casefold() == receivable.casefold():
        return problems, []
    problems.append(
        f"walk_in_customer: Jurnal's customer {name!r} keeps its receivable in {held!r}, not "
        f"{receivable!r} (accounts.receivable): Jurnal books the receivable of every sale "
        "without a customer there and its returns credit it, while the journal books "
        f"{receivable!r}. Set that customer's receivable account to {receivable!r} in Jurnal "
        f"(Contacts → {name} → Account mapping), or name {held!r} in accounts.receivable"
    )
    return problems, []


def tax_problems(config: MerchantConfig, taxes: list[Mapping[str, Any]]) -> list[str]:
    """Each configured tax is one Jurnal has, at the same rate, booked to the same account:
    Jurnal computes an invoice line's tax at its own tax's rate and books it to that tax's
    sell account, whatever the config says."""
    known = {str(t.get("name")).casefold(): t for t in taxes if t.get("name")}
    problems = []
    for key, tax in config.taxes.items():
        jurnal = known.get(tax.jurnal_name.casefold())
        if jurnal is None:
            names = ", ".join(sorted(str(t.get("name")) for t in taxes)) or "none"
            problems.append(
                f"taxes.{key}.jurnal_name: Jurnal has no tax {tax.jurnal_name!r} (it has: "
                f"{names}); create it in Jurnal or name an existing one"
            )
            continue
        rate = _rate(jurnal.get("rate"))
        if rate is not None and rate != tax.rate.normalize():
            problems.append(
                f"taxes.{key}.rate: {tax.rate} but Jurnal's tax {tax.jurnal_name!r} is "
                f"{rate}%; Jurnal computes the tax at its own rate: make them the same"
            )
        booked = tax_account(jurnal)
        if booked and booked.casefold() != tax.account.casefold():
            problems.append(
                f"taxes.{key}.account: Jurnal books tax {tax.jurnal_name!r} to {booked!r} (the "
                f"tax's sell account), not {tax.account!r}; name {booked!r} here, or change the "
                "tax in Jurnal, so that Jurnal's ledger and the journal agree"
            )
    return problems


def _rate(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)).normalize()
    except ArithmeticError:
        return None


def currency_problems(answer: Mapping[str, Any] | None) -> list[str]:
    """iSeller's amounts are rupiah: the Jurnal company must keep its books in IDR
    (``companies/get_currency``; None: Jurnal did not say)."""
    inner = (answer or {}).get("company_currency")
    code = inner.get("code") if isinstance(inner, Mapping) else None
    if not code or str(code).upper() == "IDR":
        return []
    return [
        f"Jurnal: the company keeps its books in {code}, and iSeller's amounts are rupiah; "
        "connect the Jurnal company whose currency is IDR"
    ]
