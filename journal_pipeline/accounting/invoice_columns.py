"""The parts of a day's sales invoices computed for every order at once, from the frames.

`invoices.sales_invoices` builds the invoice of every order these columns give exactly as
`invoices.sales_invoice` would (its lines, its discount, how its total is fitted, its deposit;
`invoice_assembly`) and sends any other order to `sales_invoice`, which says why it is held
or fits it its own way: an order without an outlet, a line without a name, an unmatched
service charge, an unmapped payment method, amounts outside int64 arithmetic, a line
percentage or quantity of an unusual sign, or a fit of its total the columns do not search
(`invoice_fits`).

Each distinct value (a quantity, a SKU, a payment method) is read once, and each distinct
invoice line is built once, as a template each of its lines copies.
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
from journal_pipeline.accounting.order_fit import rounding_reach
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
    deduction: list[int]  # the till's rounding down, deducted (witholding_value); 0: none
    deduction_account: list[str | None]  # the outlet's rounding account


def json_cents(cents: int) -> int | str:
    """`invoices.json_number` of an amount given in whole cents (int64): the rupiah when
    whole, else the amount with its one or two decimals, as the normalized Decimal prints it."""
    rupiah, part = divmod(abs(cents), 100)
    if part == 0:
        return cents // 100
    return f"{'-' if cents < 0 else ''}{rupiah}.{part:02d}".rstrip("0")


def _json_decimal(value: Decimal) -> int | str:
    if value == value.to_integral_value():
        return int(value)
    return str(value.normalize())


def _json_cents_where(cents: np.ndarray, given: np.ndarray) -> list[int | str | None]:
    """`json_cents` of each amount where ``given``, else None."""
    return [
        json_cents(amount) if is_given else None
        for amount, is_given in zip(cents.tolist(), given.tolist(), strict=True)
    ]


def _quantities(
    values: np.ndarray,
) -> tuple[np.ndarray, list[int | str], list[tuple[int, int] | None]]:
    """A code for each quantity, and for each code its JSON and its exact ratio (None: not a
    finite Decimal, so not read here); code 0: missing. Each distinct quantity is read once."""
    codes, uniques = pd.factorize(values)
    shown: list[int | str] = [0]
    ratios: list[tuple[int, int] | None] = [None]
    for value in uniques.tolist():
        finite = isinstance(value, Decimal) and value.is_finite()
        shown.append(_json_decimal(value) if finite else 0)
        ratios.append(value.as_integer_ratio() if finite else None)
    return codes + 1, shown, ratios


def _copied(
    templates: list[dict[str, Any]], shapes: np.ndarray, owners: np.ndarray, n: int
) -> list[list[dict[str, Any]]]:
    """The lines of each of ``n`` invoices: a copy of the template of each shape, in the
    invoice of its owner, in their order."""
    arranged = np.argsort(owners, kind="stable")
    copies = [templates[shape].copy() for shape in shapes[arranged].tolist()]
    ends = np.cumsum(np.bincount(owners, minlength=n)).tolist()
    return [copies[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]


def _text_codes(values: np.ndarray) -> tuple[np.ndarray, list[str | None]]:
    """A code for each value and the `text_or_none` of each code (0: missing): the text of
    each distinct value is read once. Values that are not all text are read one by one first
    (a number and its float are one value to a hash table, yet print apart)."""
    codes, uniques = pd.factorize(values)
    if not all(type(value) is str for value in uniques):
        texts = np.empty(len(values), dtype=object)
        texts[:] = text_or_none_all(values.tolist())
        codes, uniques = pd.factorize(texts)
    return codes + 1, [None, *text_or_none_all(uniques.tolist())]


def _off_pro_rata(
    position: np.ndarray, goods: np.ndarray, amount: np.ndarray, share: np.ndarray, n: int
) -> np.ndarray:
    """Per line: whether its order's discount is not shared over the order's ``goods`` lines
    pro rata by ``amount``, a rupiah a line apart at most (`discount_placement.shared_by_amount`;
    in floats, exact enough against a tolerance of a rupiah times the order's amount)."""
    amount = np.where(goods, amount, 0).astype(float)
    share = np.where(goods, share, 0).astype(float)
    whole = np.bincount(position, amount, minlength=n)[position]
    shared = np.bincount(position, share, minlength=n)[position]
    off: np.ndarray = goods & (whole > 0) & (np.abs(share * whole - shared * amount) > whole)
    return off


def _shapes(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A code for each distinct row of the integer ``columns`` (0, 1, … in the order they
    first appear) and the first row of each code."""
    shape, size = np.zeros(len(columns[0]), dtype=np.int64), 1
    for column in columns:
        codes, uniques = pd.factorize(column)
        if size * len(uniques) >= _LIMIT:  # numbered afresh before the key leaves int64
            shape, distinct = pd.factorize(shape)
            size = len(distinct)
        shape, size = shape * len(uniques) + codes, size * max(len(uniques), 1)
    shape = pd.factorize(shape)[0]
    _, first = np.unique(shape, return_index=True)
    return shape, first


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
    index = pd.Index(orders["order_id"].to_numpy(dtype=object))
    if n == 0 or not index.is_unique or "business_date" not in payments.columns:
        return None
    # each order's outlet (0: none) and what the outlet gives it: its code, its tax
    outlet, outlet_codes = _text_codes(orders["outlet_code"].to_numpy(dtype=object))
    codes: list[str | None] = np.array(outlet_codes, dtype=object)[outlet].tolist()
    outlet_taxes = [config.tax_for(code, day) for code in outlet_codes]
    tax_names = sorted({tax.jurnal_name for tax in outlet_taxes if tax is not None})
    tax_code = {name: code for code, name in enumerate(tax_names, start=1)}
    order_tax_code = np.array(  # 0: untaxed, else 1 + its place in tax_names
        [tax_code[tax.jurnal_name] if tax is not None else 0 for tax in outlet_taxes],
        dtype=np.int64,
    )[outlet]
    inclusive = orders["tax_inclusive"].to_numpy(dtype=object).astype(bool)
    fast = ~np.asarray(skip, dtype=bool) & (outlet != 0)
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
    share = column("discount_order_amount")
    np.add.at(order_discount, position, share)
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

    quantity, shown, ratios = _quantities(lines["quantity"].to_numpy(dtype=object)[kept])
    fast[position[np.array([r is None for r in ratios], dtype=bool)[quantity]]] = False
    q_numerator = np.array([r[0] if r else 0 for r in ratios], dtype=object)[quantity]
    q_denominator = np.array([r[1] if r else 1 for r in ratios], dtype=object)[quantity]
    numerators = np.abs(q_numerator.astype(float))
    big = (
        (numerators * np.abs(rate.astype(float)) * 10_000 >= _LIMIT)
        | (numerators >= _LIMIT)
        | (q_denominator.astype(float) * 100 >= _LIMIT)
    )
    fast[position[big & ~free]] = False
    q_numerator = np.where(big, 0, q_numerator).astype(np.int64)
    q_denominator = np.where(big, 1, q_denominator).astype(np.int64)

    sku, skus = _text_codes(lines["sku"].to_numpy(dtype=object)[kept])
    name, names = _text_codes(lines["product_name"].to_numpy(dtype=object)[kept])
    variant, variants = _text_codes(lines["variant_name"].to_numpy(dtype=object)[kept])
    # a priced line with neither SKU nor name: held by the invoice read one by one
    fast[position[~free & (sku == 0) & (name == 0)]] = False
    free_items: list[list[str]] = [[] for _ in range(n)]
    free_rows = np.flatnonzero(free & fast[position])
    for order, q, sku_text, name_text in zip(
        position[free_rows].tolist(),
        quantity[free_rows].tolist(),
        [skus[code] for code in sku[free_rows].tolist()],
        [names[code] for code in name[free_rows].tolist()],
        strict=True,
    ):
        free_items[order].append(f"{shown[q]} × {name_text or sku_text or 'item without a name'}")

    # the invoice lines: one dict per distinct line, copied for each line it stands for
    # (a copy costs less than building it, and each invoice keeps dicts of its own)
    taxed_lines = line_tax != 0
    rows = np.flatnonzero(~free & fast[position])
    shape, first = _shapes(
        sku[rows],
        name[rows],
        variant[rows],
        quantity[rows],
        rate[rows],
        hundredths[rows],
        np.where(taxed_lines[rows], order_tax_code[position[rows]], 0),
    )
    templates: list[dict[str, Any]] = []
    for row in rows[first].tolist():
        sku_text, name_text = skus[sku[row]], names[name[row]]
        attrs: dict[str, Any] = (
            {"product_code": sku_text} if sku_text else {"product_name": name_text}
        )
        attrs["description"] = line_description(name_text, variants[variant[row]], sku_text)
        attrs["quantity"] = shown[quantity[row]]
        attrs["rate"] = int(rate[row])
        if hundredths[row]:
            attrs["discount"] = json_cents(int(hundredths[row]))
        if taxed_lines[row] and order_tax_code[position[row]]:
            attrs["line_tax_name"] = tax_names[order_tax_code[position[row]] - 1]
        templates.append(attrs)

    # the service charge as its matched reading gives it: a line after the order's lines
    stated, income, charge_tax = np.array([r or (0, 0, 0) for r in read], dtype=np.int64).T
    charged = fast & (stated != 0)
    charge_rate = np.where(charged, income + np.where(inclusive, charge_tax, 0), 0)
    charge_taxed = charged & (order_tax_code > 0) & (charge_tax != 0)
    # an invoice discount over lines of different tax: read one by one, which places it
    # where Jurnal's tax stays iSeller's (`discount_placement`)
    line_taxed = ~free & taxed_lines & (order_tax_code[position] > 0)
    taxed_count = np.bincount(position[line_taxed], minlength=n) + charge_taxed
    untaxed_count = np.bincount(position[~free & ~line_taxed], minlength=n) + (
        charged & ~charge_taxed
    )
    fast &= (order_discount == 0) | (taxed_count == 0) | (untaxed_count == 0)
    # a discount iSeller did not share pro rata over the lines (a promotion on one item): read
    # one by one, which carries each line's share in the line (`discount_placement`)
    fast[position[_off_pro_rata(position, ~free, gross - line_discount, share, n)]] = False
    charged &= fast
    charges = np.flatnonzero(charged)
    charge_tax_code = np.where(charge_taxed, order_tax_code, 0)[charges]
    charge_shape, charge_first = _shapes(charge_rate[charges], charge_tax_code)
    charge_shape += len(templates)
    for price, code in zip(
        charge_rate[charges][charge_first].tolist(),
        charge_tax_code[charge_first].tolist(),
        strict=True,
    ):
        charge: dict[str, Any] = {
            "product_name": config.service_charge_product,
            "quantity": 1,
            "rate": price,
        }
        if code:
            charge["line_tax_name"] = tax_names[code - 1]
        templates.append(charge)

    invoice_lines = _copied(
        templates,
        np.concatenate([shape, charge_shape]),
        np.concatenate([position[rows], charges]),  # each order's lines, then its charge
        n,
    )
    fast &= np.array([bool(order_lines) for order_lines in invoice_lines], dtype=bool)

    # the invoice's arithmetic (`jurnal_arithmetic.fit_total`) in whole cents
    amount = _half_up(
        q_numerator * rate * (10_000 - hundredths), 100 * q_denominator
    )  # quantity × rate × (1 − discount%), in cents
    p_of, q_of = np.array(
        [tax.rate.as_integer_ratio() if tax is not None else (0, 1) for tax in outlet_taxes],
        dtype=np.int64,
    )[outlet].T
    has_tax = order_tax_code > 0
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
    # the till's rounding down, deducted on the outlet's rounding account (`order_fit`): the
    # invoice fitted to the amount due, the rounding line and extra discount within
    # `order_fit.rounding_reach`, so a rounding up is not one
    till = np.abs(orders["rounding_amount"].to_numpy(dtype=np.int64))
    rounding_accounts = [config.account("rounding", code) for code in outlet_codes]
    account_of = np.array([a is not None for a in rounding_accounts], dtype=bool)[outlet]
    reach = rounding_reach(till) * 100  # in cents
    tried = fast & (till > 0) & account_of
    kept, kept_extra, kept_line = fit_orders(
        cent_lines, tried, discount, shipping, target + till * 100, inclusive
    )
    deducted = kept & (np.abs(kept_line) <= reach) & (kept_extra <= reach) & (kept_line >= 0)
    fitted, extra, rounding = fit_orders(
        cent_lines, fast & ~deducted, discount, shipping, target, inclusive
    )
    fitted |= deducted
    extra, rounding = np.where(deducted, kept_extra, extra), np.where(deducted, kept_line, rounding)
    fast &= fitted
    discounts = discount + extra
    rounding_json = _json_cents_where(rounding, fast & (rounding != 0))
    discount_json = _json_cents_where(discounts, fast & (discounts != 0))

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
        deduction=np.where(deducted & fast, till, 0).tolist(),
        deduction_account=np.array(rounding_accounts, dtype=object)[outlet].tolist(),
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
    single = single[fast[pay_order[single]]]  # paid with one payment, still built here
    owner = pay_order[single]
    name, names = _text_codes(payments["payment_type_name"].to_numpy(dtype=object)[single])
    gateway, gateways = _text_codes(payments["gateway"].to_numpy(dtype=object)[single])
    outlet = pd.factorize(np.array(codes, dtype=object))[0][owner]
    method, first = _shapes(name, gateway, outlet)
    found = np.empty(len(first), dtype=object)  # each method's account (None: unmapped)
    for at, row in enumerate(first.tolist()):
        key = (names[name[row]], gateways[gateway[row]], codes[owner[row]])
        if key not in memo:
            memo[key] = config.payment_account(*key)
        found[at] = memo[key]
    mapped = np.array([account is not None for account in found], dtype=bool)[method]
    fast[owner[~mapped]] = False
    accounts = np.empty(n, dtype=object)  # None where not given
    accounts[owner[mapped]] = found[method[mapped]]
    deposits = np.zeros(n, dtype=np.int64)
    deposits[owner[mapped]] = payments["amount"].to_numpy(dtype=np.int64)[single[mapped]]
    return accounts.tolist(), deposits.tolist(), split
