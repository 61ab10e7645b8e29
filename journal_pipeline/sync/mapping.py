"""Reading what `mapping init` and `check` need from iSeller and Jurnal (the choices and
problems themselves are pure: `accounting/mapping*.py`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting.mapping import charged_rate, company_accounts, implied_rate
from journal_pipeline.accounting.mapping_yaml import MerchantFacts

LOOKBACK_DAYS = 30  # payment methods "seen lately"
Progress = Callable[[str], None]


def recent_payments(iseller: Any, now: datetime) -> list[dict[str, Any]]:
    """GetTransactions of the last 30 days (successful sales only are of interest)."""
    found: list[dict[str, Any]] = iseller.get_transactions(
        created_after=now - timedelta(days=LOOKBACK_DAYS), created_before=now, includes=()
    )
    return found


def methods_seen(transactions: Sequence[Mapping[str, Any]]) -> list[tuple[str, str | None]]:
    """(method name, gateway) of every payment method in the transactions."""
    seen = {
        (str(t["payment_type_name"]), t.get("gateway"))
        for t in transactions
        if t.get("payment_type_name")
    }
    return sorted(seen, key=lambda m: m[0])


def _outlet_tax_rates(
    iseller: Any, transactions: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Decimal | None], dict[str, Decimal]]:
    """Outlet code → the tax percent of the price most lines of its orders charged, from the
    orders of the day before the latest payment (a day of trading, not 30); and outlet code →
    the percent those lines state, where it is another (PPN 12% on a tax base of 11/12)."""
    dates = [str(t.get("transaction_date") or "") for t in transactions]
    latest = max((d for d in dates if d), default=None)
    if latest is None:
        return {}, {}
    end = datetime.fromisoformat(latest[:19]).replace(tzinfo=UTC)  # the client's dates are UTC
    orders = iseller.get_orders(created_after=end - timedelta(days=1), created_before=end).orders
    rates: dict[str, Counter[Decimal]] = {}
    implied: dict[tuple[str, Decimal], list[Decimal]] = {}
    for order in orders:
        code = str(order.get("outlet_code"))
        counter = rates.setdefault(code, Counter())
        for line in order.get("order_details") or []:
            rate = line.get("tax_percentage")
            stated = Decimal(str(rate)).normalize() if rate else Decimal(0)
            counter[stated] += 1
            share = implied_rate(line, bool(order.get("tax_inclusive")))
            if share is not None:
                implied.setdefault((code, stated), []).append(share)
    charged: dict[str, Decimal | None] = {}
    stated_rates: dict[str, Decimal] = {}
    for code, counter in rates.items():
        if not counter:
            continue
        stated = counter.most_common(1)[0][0]
        charged[code] = charged_rate(stated, implied.get((code, stated), []))
        if charged[code] != stated:
            stated_rates[code] = stated
    return charged, stated_rates


def read_facts(
    iseller: Any, jurnal: Any, now: datetime, start_date: date, progress: Progress
) -> MerchantFacts:
    """Everything `mapping init` chooses from (the iSeller client's dates are UTC)."""
    progress("iSeller: store, outlets and payment types")
    store = iseller.get_store_info()
    outlets = iseller.get_outlets()
    progress(f"iSeller: payments of the last {LOOKBACK_DAYS} days")
    transactions = recent_payments(iseller, now)
    payments = [(str(p["name"]), p.get("gateway")) for p in store.get("active_payments") or []]
    payments += [m for m in methods_seen(transactions) if m[0] not in {p[0] for p in payments}]
    progress("iSeller: taxes of recent orders")
    rates, stated_rates = _outlet_tax_rates(iseller, transactions)
    progress("iSeller: products")
    products = iseller.get_products()
    gift_cards = sorted(
        str(p["sku"])
        for p in products
        if p.get("sku") and str(p.get("product_type") or "").casefold() == "gift card"
    )
    progress("Jurnal: accounts, warehouses, taxes, company settings")
    facts = MerchantFacts(
        store=store,
        outlets=[o for o in outlets if o.get("is_active", True)],
        payments=payments,
        outlet_tax_rates=rates,
        outlet_stated_rates=stated_rates,
        gift_card_skus=gift_cards,
        accounts=jurnal.list_accounts(),
        warehouses=jurnal.list_warehouses(),
        taxes=jurnal.list_taxes(),
        start_date=start_date,
        company_accounts=company_accounts(jurnal.get("companies/active")),
    )
    if not transactions:
        facts.notes.append(
            f"iSeller reported no payment in the last {LOOKBACK_DAYS} days: outlet taxes and "
            "methods come from the store settings only"
        )
    return facts
