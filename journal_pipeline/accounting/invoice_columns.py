"""The parts of a day's sales invoices computed for every order at once, from the frames.

`invoices.sales_invoices` builds the invoice of every order these columns give exactly as
`invoices.sales_invoice` would (its lines, its discount, how its total is fitted, its deposit)
and sends any other order to `sales_invoice`, which says why it is held or fits it its own
way: an order without an outlet, a line without a name, an unmatched service charge, an
unmapped payment method, amounts outside int64 arithmetic, a line percentage or quantity of
an unusual sign, or a fit of its total the columns do not search (`invoice_fits`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from journal_pipeline.accounting.invoice_fits import CentLines, fit_orders
from journal_pipeline.accounting.labels import line_description
from journal_pipeline.accounting.payments import AccountMemo
from journal_pipeline.accounting.sale_lines import text_or_none_all
from journal_pipeline.config import MerchantConfig

#: Largest magnitude the int64 products below take: 2**62 leaves room for a sum or two.
_LIMIT = float(2**62)


@dataclass(frozen=True)
class InvoiceParts:
    """What the columns give each order (row of the orders frame); only rows with ``fast``
    set are filled in: the other orders go through `invoices.sales_invoice`."""

    fast: np.ndarray  # bool
    outlet_codes: list[str | None]
    # the invoice's lines, the service charge's included: plain JSON by construction (integers
    # from int64 arrays, quantities and cents as `_json_decimal`/`json_cents` give them, text)
    lines: list[list[dict[str, Any]]]
    free_items: list[list[str]]  # "<quantity> × <name>" of its lines at no charge
    discount: list[int | str | None]  # discount_unit as JSON; None: no invoice discount
    rounding: list[int | str | None]  # the rate of its rounding line as JSON; None: no line
    deposit_account: list[str | None]
    deposit: list[int]
    split: np.ndarray  # bool: paid with more than one payment at the sale (read one by one)


def json_cents(cents: int) -> int | str:
    """`invoices.json_number` of an amount given in whole cents."""
    if cents % 100 == 0:
        return cents // 100
    return str(Decimal(cents).scaleb(-2).normalize())


def _json_decimal(value: Decimal) -> int | str:
    if value == value.to_integral_value():
        return int(value)
    return str(value.normalize())


def _half_up(numerator: np.ndarray, denominator: np.ndarray | int) -> np.ndarray:
    """numerator / denominator rounded half away from zero, exactly (denominator > 0)."""
    quotient, remainder = np.divmod(np.abs(numerator), denominator)
    quotient += (2 * remainder >= denominator).astype(np.int64)
    result: np.ndarray = np.where(numerator < 0, -quotient, quotient)
    return result


def invoice_parts(
    orders: pd.DataFrame,
    lines: pd.DataFrame,
    payments: pd.DataFrame,
    read: list[tuple[int, int, int] | None],
    skip: np.ndarray,
    config: MerchantConfig,
    day: date,
    memo: AccountMemo,
) -> InvoiceParts | None:
    """The parts of the invoice of every order that is not in ``skip`` (a bool per order)
    and whose service charge matched a reading (``read``: as `invoices._sales_invoice` takes
    it); None when the frames are not of the shape read here (then every order is read one by
    one). ``memo``: the clearing accounts of payment methods, shared with the orders read one
    by one."""
    n = len(orders)
    order_ids = orders["order_id"].to_numpy(dtype=object)
    if n == 0 or not pd.Index(order_ids).is_unique or "business_date" not in payments.columns:
        return None
    index = pd.Index(order_ids)
    codes = text_or_none_all(orders["outlet_code"].tolist())
    taxes = {code: config.tax_for(code) for code in set(codes)}
    order_tax = [taxes[code] for code in codes]
    inclusive = np.array([bool(v) for v in orders["tax_inclusive"].tolist()], dtype=bool)
    fast = ~np.asarray(skip, dtype=bool)
    fast &= np.array([c is not None for c in codes], dtype=bool)
    fast &= np.array([r is not None for r in read], dtype=bool)

    # the order's lines, each order's together in their order
    line_order = index.get_indexer(lines["order_id"].to_numpy(dtype=object))
    kept = np.flatnonzero(line_order >= 0)
    kept = kept[np.argsort(line_order[kept], kind="stable")]
    position = line_order[kept]

    def column(name: str) -> np.ndarray:
        values: np.ndarray = lines[name].to_numpy(dtype=np.int64)[kept]
        return values

    gross, line_discount = column("total_order_amount"), column("discount_amount")
    rate, line_tax = column("base_price"), column("tax_amount")
    order_discount = np.zeros(n, dtype=np.int64)
    np.add.at(order_discount, position, column("discount_order_amount"))
    skus = text_or_none_all(lines["sku"].to_numpy(dtype=object)[kept].tolist())
    names = text_or_none_all(lines["product_name"].to_numpy(dtype=object)[kept].tolist())
    variants = lines["variant_name"].to_numpy(dtype=object)[kept].tolist()
    quantities = lines["quantity"].to_numpy(dtype=object)[kept].tolist()
    free = gross <= line_discount
    # the line discount as a percentage in hundredths, when it is one (`invoices._percent`)
    usual = free | ((line_discount >= 0) & (gross > 0) & (np.abs(line_discount) < 10**14))
    fast[position[~usual]] = False
    scaled = np.where(usual & ~free, line_discount, 0) * 10_000
    whole = np.where(gross > 0, gross, 1)
    hundredths, left_over = np.divmod(scaled, whole)
    folded = ~free & (left_over != 0)
    hundredths[folded | free] = 0
    np.add.at(order_discount, position[folded], line_discount[folded])

    # each quantity once: its JSON and its exact ratio
    ratios: dict[Decimal, tuple[int | str, int, int] | None] = {}
    for quantity in set(quantities):
        if not isinstance(quantity, Decimal) or not quantity.is_finite():
            ratios[quantity] = None
            continue
        numerator, denominator = quantity.as_integer_ratio()
        ratios[quantity] = (_json_decimal(quantity), numerator, denominator)
    read_quantities = [ratios[q] for q in quantities]
    unread = np.array([r is None for r in read_quantities], dtype=bool)
    fast[position[unread]] = False
    q_numerator = np.array([r[1] if r else 0 for r in read_quantities], dtype=object)
    q_denominator = np.array([r[2] if r else 1 for r in read_quantities], dtype=object)
    numerators = np.abs(q_numerator.astype(float))
    big = (
        (numerators * np.abs(rate.astype(float)) * 10_000 >= _LIMIT)
        | (numerators >= _LIMIT)
        | (q_denominator.astype(float) * 100 >= _LIMIT)
    )
    fast[position[big & ~free]] = False
    q_numerator = np.where(big, 0, q_numerator).astype(np.int64)
    q_denominator = np.where(big, 1, q_denominator).astype(np.int64)

    invoice_lines: list[list[dict[str, Any]]] = [[] for _ in range(n)]
    free_items: list[list[str]] = [[] for _ in range(n)]
    descriptions: dict[tuple[Any, Any, Any], str | None] = {}
    taxed_lines = line_tax != 0
    for order, sku, name, variant, is_free, quantity, price, percent, taxed in zip(
        position.tolist(),
        skus,
        names,
        variants,
        free.tolist(),
        read_quantities,
        rate.tolist(),
        hundredths.tolist(),
        taxed_lines.tolist(),
        strict=True,
    ):
        if not fast[order]:
            continue
        shown = quantity[0] if quantity is not None else 0
        if is_free:
            free_items[order].append(f"{shown} × {name or sku or 'item without a name'}")
            continue
        if sku:
            attrs: dict[str, Any] = {"product_code": sku}
        elif name:
            attrs = {"product_name": name}
        else:  # neither: held by the invoice read one by one
            fast[order] = False
            continue
        key = (name, variant, sku)
        if key not in descriptions:
            descriptions[key] = line_description(name, variant, sku)
        attrs["description"] = descriptions[key]
        attrs["quantity"] = shown
        attrs["rate"] = price
        if percent:
            attrs["discount"] = json_cents(percent)
        tax = order_tax[order]
        if tax is not None and taxed:
            attrs["line_tax_name"] = tax.jurnal_name
        invoice_lines[order].append(attrs)

    # the service charge as its matched reading gives it
    charge_rate = np.zeros(n, dtype=np.int64)
    charge_taxed = np.zeros(n, dtype=bool)
    charged = np.zeros(n, dtype=bool)
    for order in np.flatnonzero(fast).tolist():
        stated, income, charge_tax = read[order]  # type: ignore[misc]
        if not stated:
            continue
        charged[order] = True
        charge_rate[order] = income + (charge_tax if inclusive[order] else 0)
        tax = order_tax[order]
        charge: dict[str, Any] = {
            "product_name": config.service_charge_product,
            "quantity": 1,
            "rate": int(charge_rate[order]),
        }
        if tax is not None and charge_tax != 0:
            charge_taxed[order] = True
            charge["line_tax_name"] = tax.jurnal_name
        invoice_lines[order].append(charge)
    fast &= np.array([bool(x) for x in invoice_lines], dtype=bool)

    # the invoice's arithmetic (`jurnal_arithmetic.fit_total`) in whole cents
    amount = _half_up(
        q_numerator * rate * (10_000 - hundredths), 100 * q_denominator
    )  # quantity × rate × (1 − discount%), in cents
    tax_ratio = {
        code: tax.rate.as_integer_ratio() if tax is not None else (0, 1)
        for code, tax in taxes.items()
    }
    p_of = np.array([tax_ratio[c][0] for c in codes], dtype=np.int64)
    q_of = np.array([tax_ratio[c][1] for c in codes], dtype=np.int64)
    has_tax = np.array([t is not None for t in order_tax], dtype=bool)
    priced = ~free & fast[position]
    chosen = np.flatnonzero(fast & charged)
    cent_lines = CentLines.of(
        order=np.concatenate([position[priced], chosen]),
        sequence=np.concatenate([np.flatnonzero(priced), np.full(len(chosen), len(kept))]),
        amount=np.concatenate([amount[priced], charge_rate[chosen] * 100]),
        taxed=np.concatenate(
            [(line_tax[priced] != 0) & has_tax[position[priced]], charge_taxed[chosen]]
        ),
        p=p_of,
        q=q_of,
    )
    discount = order_discount * 100
    shipping = orders["total_shipping_amount"].to_numpy(dtype=np.int64) * 100
    target = orders["total_amount"].to_numpy(dtype=np.int64) * 100
    fitted, extra, rounding = fit_orders(cent_lines, fast, discount, shipping, target, inclusive)
    fast &= fitted
    discounts = discount + extra
    rounding_json: list[int | str | None] = [None] * n
    discount_json: list[int | str | None] = [None] * n
    for order in np.flatnonzero(fast).tolist():
        if rounding[order]:
            rounding_json[order] = json_cents(int(rounding[order]))
        if discounts[order]:
            discount_json[order] = json_cents(int(discounts[order]))

    account, deposit, split = _deposits(payments, index, codes, fast, config, day, memo)
    return InvoiceParts(
        fast=fast,
        outlet_codes=codes,
        lines=invoice_lines,
        free_items=free_items,
        discount=discount_json,
        rounding=rounding_json,
        deposit_account=account,
        deposit=deposit,
        split=split,
    )


def _deposits(
    payments: pd.DataFrame,
    index: pd.Index,
    codes: list[str | None],
    fast: np.ndarray,
    config: MerchantConfig,
    day: date,
    memo: AccountMemo,
) -> tuple[list[str | None], list[int], np.ndarray]:
    """Each order's deposit account and amount when it was paid at the sale with one payment
    (`payments.settle_at_sale`); an order paid with several is marked ``split`` (its
    settlement is read one by one), one with an unmapped method loses ``fast``."""
    n = len(index)
    account: list[str | None] = [None] * n
    deposit = [0] * n
    split = np.zeros(n, dtype=bool)
    pay_order = index.get_indexer(payments["order_id"].to_numpy(dtype=object))
    at_sale = (
        (payments["type"].to_numpy(dtype=object) == "sale")
        & (payments["status"].to_numpy(dtype=object) == "success")
        & (payments["business_date"].to_numpy(dtype=object) == day)
        & (pay_order >= 0)
    )
    rows = np.flatnonzero(at_sale)
    counts = np.bincount(pay_order[rows], minlength=n)
    split[counts > 1] = True
    single = rows[counts[pay_order[rows]] == 1]
    names = text_or_none_all(payments["payment_type_name"].to_numpy(dtype=object)[single].tolist())
    gateways = text_or_none_all(payments["gateway"].to_numpy(dtype=object)[single].tolist())
    amounts = payments["amount"].to_numpy(dtype=np.int64)[single].tolist()
    for order, name, gateway, amount in zip(
        pay_order[single].tolist(), names, gateways, amounts, strict=True
    ):
        if not fast[order]:
            continue
        key = (name, gateway, codes[order])
        if key not in memo:
            memo[key] = config.payment_account(*key)
        found = memo[key]
        if found is None:
            fast[order] = False
            continue
        account[order] = found
        deposit[order] = int(amount)
    return account, deposit, split
