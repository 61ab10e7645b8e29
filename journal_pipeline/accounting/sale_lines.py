"""The journal lines of a day's sales built for every order at once, in arrays.

`posting_rules.journal_lines` sends here every order whose lines the arrays can build exactly
as `posting_rules.sale_entry` would, and the others (any order a rule might hold) to
`sale_entry`, which says why.

What the config says is looked up once per outlet, payment method or product, not per row
(`object_arrays`); texts are made only for the lines posted (`line_blocks`).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from journal_pipeline.accounting.cost_of_sales import SOLD_TEXT, TRACKED, UNTRACKED
from journal_pipeline.accounting.day_sales import DaySales
from journal_pipeline.accounting.line_blocks import Coded, LineBlock, LineBlocks, Texts
from journal_pipeline.accounting.object_arrays import (
    distinct_numbers,
    distinct_values,
    objects,
    repeated,
    spread_column,
    stripped_texts,
    text_or_none_all,
    truthy,
)
from journal_pipeline.accounting.service_charge import charge_readings, rates_at
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.money import format_idr

__all__ = ["JOURNAL_COLUMNS", "sale_lines", "text_or_none_all"]

JOURNAL_COLUMNS = (
    "entry_id",
    "business_date",
    "outlet_code",
    "source_type",
    "source_id",
    "source_reference",
    "line_no",
    "account_role",
    "account_name",
    "debit",
    "credit",
    "description",
    "is_estimate",
)


class _Outlets:
    """What the config says of each outlet, looked up once per outlet and spread to its
    orders (``slot``: each order's outlet among ``codes``)."""

    def __init__(self, codes: np.ndarray, config: MerchantConfig):
        self.slot, found = distinct_values(codes)
        self.codes: list[Any] = [None if pd.isna(c) else c for c in found]  # NaN-safe keys
        self.config = config

    def __len__(self) -> int:
        return len(self.codes)

    def per_order(self, values: Sequence[Any]) -> np.ndarray:
        """``values`` (one per outlet) spread to the orders."""
        spread: np.ndarray = objects(values)[self.slot]
        return spread

    def flag(self, values: Sequence[bool]) -> np.ndarray:
        flags: np.ndarray = np.array(values, dtype=bool)[self.slot]
        return flags

    def coded(self, values: list[Any]) -> Coded:
        """``values`` (one per outlet) as each order's."""
        return Coded(values, self.slot)

    def account(self, role: str) -> tuple[Coded, np.ndarray]:
        """Each order's account of ``role``, and whether it has none."""
        accounts = [self.config.account(role, c) for c in self.codes]
        return self.coded(accounts), self.flag([a is None for a in accounts])


def sale_lines(sales: DaySales, config: MerchantConfig) -> tuple[dict[str, Any], np.ndarray] | None:
    """The journal lines of every order `sale_entry` would post as it is (columns of
    `JOURNAL_COLUMNS`, plus ``_position``: the order's row), and which orders those are;
    the others (``~eligible``) are for `sale_entry`. None when the frames are not of the
    shape read here (then every order goes through `sale_entry`)."""
    frames = sales.frames
    orders, lines, pays = frames.orders, frames.lines, frames.payments
    n = len(orders)
    line_position, pay_position = frames.line_orders, frames.payment_orders
    if n == 0 or "business_date" not in pays.columns or line_position is None:
        return None  # no orders, payments not dated, or an order id twice
    if pay_position is None or (line_position < 0).any():
        return None
    order_ids = orders["order_id"].to_numpy(dtype=object)
    codes = orders["outlet_code"].to_numpy(dtype=object)
    outlets = _Outlets(codes, config)
    eligible = outlets.flag([config.outlet(c) is not None for c in outlets.codes])
    outlet_taxes = [config.tax_for(c, sales.day) for c in outlets.codes]
    has_tax = outlets.flag([t is not None for t in outlet_taxes])
    blocks = LineBlocks()
    everyone = np.arange(n)
    zero = np.zeros(n, dtype=np.int64)

    def of_each_order(
        step: int,
        role: str | Coded,
        account: tuple[Coded, np.ndarray],
        debit: np.ndarray,
        credit: np.ndarray,
        text: Texts,
    ) -> None:
        """A line of every order (``account``: each order's, and whether it has none)."""
        blocks.add(LineBlock(step, everyone, zero, role, *account, debit, credit, text, cogs=False))

    paid = _payment_lines(blocks, sales, pay_position, outlets, eligible)
    unpaid = orders["total_amount"].to_numpy(dtype=np.int64) - paid
    eligible &= unpaid >= 0
    of_each_order(1, "receivable", outlets.account("receivable"), unpaid, zero, "unpaid on account")
    if len(lines):
        try:
            _item_lines(blocks, sales, line_position, outlets, outlet_taxes, eligible)
        except OverflowError:  # amounts too large for the vectorised tax
            return None
        eligible[line_position[_below_zero(lines)]] = False  # held (`posting_rules.below_zero`)
    eligible &= ~((orders["total_tax_amount"].to_numpy(dtype=np.int64) != 0) & ~has_tax)

    # the service charge as the reading its amounts matched gives it, shipping, rounding
    charges = sales.charges
    if charges is None or not np.array_equal(charges["order_id"].to_numpy(dtype=object), order_ids):
        charges = charge_readings(orders, lines, config.on(sales.day), line_orders=line_position)
    eligible &= charges["matched"].to_numpy(dtype=bool)
    stated = charges["stated_charge"].to_numpy(dtype=np.int64)
    charge = charges["charge"].to_numpy(dtype=np.int64)
    charge_tax = charges["charge_tax"].to_numpy(dtype=np.int64)
    tax_total = charges["line_tax"].to_numpy(dtype=np.int64) + charge_tax
    rounding = charges["rounding"].to_numpy(dtype=np.int64)
    taxed = tax_total != 0
    eligible &= ~(taxed & ~has_tax)
    of_each_order(
        3,
        outlets.coded([f"tax:{t.jurnal_name}" if t is not None else None for t in outlet_taxes]),
        (
            outlets.coded([t.account if t is not None else None for t in outlet_taxes]),
            outlets.flag([t is None or t.account is None for t in outlet_taxes]),
        ),
        zero,
        np.where(taxed, tax_total, 0),
        outlets.per_order(
            [f"{t.jurnal_name} {t.rate}%" if t is not None else None for t in outlet_taxes]
        ),
    )
    texts = repeated("service charge", n)
    restated = np.flatnonzero(charge != stated)
    texts[restated] = [
        f"service charge (iSeller states {format_idr(int(stated[i]))}, its tax of "
        f"{format_idr(int(charge_tax[i]))} included)"
        for i in restated
    ]
    of_each_order(4, "service_charge", outlets.account("service_charge"), zero, charge, texts)
    shipping = orders["total_shipping_amount"].to_numpy(dtype=np.int64)
    of_each_order(
        5, "shipping_income", outlets.account("shipping_income"), zero, shipping, "shipping"
    )
    rounding_account = outlets.account("rounding")
    # iSeller's rounding, a credit when positive (total_amount − amount due)
    of_each_order(
        6,
        "rounding",
        rounding_account,
        np.where(rounding < 0, -rounding, 0),
        np.where(rounding > 0, rounding, 0),
        "rounding",
    )
    # what the parts leave of the total, within the tolerance: the sub-rupiah difference
    difference = blocks.balance(n)
    eligible &= np.abs(difference) <= config.rounding_tolerance
    of_each_order(
        7,
        "rounding",
        rounding_account,
        np.where(difference < 0, -difference, 0),
        np.where(difference > 0, difference, 0),
        "sub-rupiah difference",
    )
    # every role with an amount needs its account
    eligible[blocks.unresolved_orders()] = False
    if len(lines):
        _cost_lines(blocks, lines, line_position, outlets, n)
    return _columns(blocks.ordered(eligible), sales, order_ids, codes), eligible


def _payment_lines(
    blocks: LineBlocks,
    sales: DaySales,
    pay_position: np.ndarray,
    outlets: _Outlets,
    eligible: np.ndarray,
) -> np.ndarray:
    """Payments made at the sale, each a debit to its method's clearing account (an order
    with a method without one is not ``eligible``; ``pay_position``: each payment's order's
    row, -1 for none). Returns what each order paid."""
    pays = sales.frames.payments
    paid = np.zeros(len(eligible), dtype=np.int64)
    at_sale = np.flatnonzero(
        (pays["type"].to_numpy(dtype=object) == "sale")
        & (pays["status"].to_numpy(dtype=object) == "success")
        & (pays["business_date"].to_numpy(dtype=object) == sales.day)
        & (pay_position >= 0)
    )
    if not len(at_sale):
        return paid
    position = pay_position[at_sale]
    name_codes, names = stripped_texts(pays["payment_type_name"].to_numpy(dtype=object)[at_sale])
    gateway_codes, gateways = stripped_texts(pays["gateway"].to_numpy(dtype=object)[at_sale])
    # the account and method of each (name, gateway, outlet), looked up once
    key = (name_codes * len(gateways) + gateway_codes) * len(outlets) + outlets.slot[position]
    which, keys = distinct_numbers(key)
    accounts, methods = [], []
    for k in keys:
        rest, slot = divmod(k, len(outlets))
        name, gateway = names[rest // len(gateways)], gateways[rest % len(gateways)]
        accounts.append(outlets.config.payment_account(name, gateway, outlets.codes[slot]))
        methods.append(name or gateway)
    no_account = np.array([a is None for a in accounts], dtype=bool)[which]
    unmapped = no_account | np.array([m is None for m in methods], dtype=bool)[which]
    eligible[position[unmapped]] = False
    amount = pays["amount"].to_numpy(dtype=np.int64)[at_sale]
    np.add.at(paid, position, amount)
    blocks.add(
        LineBlock(
            0,
            position,
            at_sale,
            Coded([f"payment:{m}" for m in methods], which),
            Coded(accounts, which),
            no_account,
            amount,
            np.zeros(len(amount), dtype=np.int64),
            objects([f"{m} payment" for m in methods])[which],
            cogs=False,
        )
    )
    return paid


def _below_zero(lines: pd.DataFrame) -> np.ndarray:
    """Lines below zero: a negative quantity or amount. A negative quantity makes the gross
    amount negative, or nothing (at no charge), or is at a negative price: only those lines'
    quantities are read."""
    price = lines["base_price"].to_numpy(dtype=np.int64)
    gross = lines["total_order_amount"].to_numpy(dtype=np.int64)
    negative: np.ndarray = (gross < 0) | (lines["subtotal"].to_numpy(dtype=np.int64) < 0)
    suspect = np.flatnonzero((gross == 0) | (price < 0))
    quantities = lines["quantity"].to_numpy(dtype=object)[suspect]
    negative[suspect[np.array([q < 0 for q in quantities], dtype=bool)]] = True
    return negative


def _item_lines(
    blocks: LineBlocks,
    sales: DaySales,
    line_position: np.ndarray,
    outlets: _Outlets,
    outlet_taxes: list[Any],
    eligible: np.ndarray,
) -> None:
    """Each line: its sale (or a gift card's liability) and its share of the order's
    discount. An order with a line taxed at another rate than its outlet's is not
    ``eligible``."""
    orders, lines = sales.frames.orders, sales.frames.lines
    count = len(lines)
    rates = [t.rate if t is not None else Decimal(0) for t in outlet_taxes]
    line_slot = outlets.slot[line_position]
    tax_amount = lines["tax_amount"].to_numpy(dtype=np.int64)
    checked = np.flatnonzero(
        (tax_amount != 0) & np.array([t is not None for t in outlet_taxes])[line_slot]
    )
    stated = [t.iseller_rate if t is not None else Decimal(0) for t in outlet_taxes]
    eligible[line_position[checked[_mistaxed(lines, checked, line_slot, stated)]]] = False
    line_inclusive = truthy(orders["tax_inclusive"].to_numpy(dtype=object))[line_position]
    order_share = lines["discount_order_amount"].to_numpy(dtype=np.int64)
    contained = rates_at(order_share, rates, line_slot, contained=True)
    # an untaxed line's share of the order discount holds no tax to take out
    taxed_share = line_inclusive & (order_share != 0) & (tax_amount != 0)
    discount = np.where(taxed_share, order_share - contained, order_share)
    net = lines["subtotal"].to_numpy(dtype=np.int64) - np.where(line_inclusive, tax_amount, 0)
    names = _item_names(lines)
    quantities = lines["quantity"].to_numpy(dtype=object)
    gift = _gift_cards(lines, outlets.config)
    sales_account, no_sales = outlets.account("sales")
    gift_account, no_gift = outlets.account("gift_card_liability")
    discount_account, no_discount = outlets.account("sales_discount")
    on = line_position
    rank = np.arange(count) * 2
    no_line = np.zeros(count, dtype=np.int64)
    blocks.add(
        LineBlock(
            2,
            line_position,
            rank,
            Coded(["sales", "gift_card_liability"], gift.astype(np.int64)),
            Coded(
                [*sales_account.values, *gift_account.values],
                np.where(gift, gift_account.codes[on] + len(outlets), sales_account.codes[on]),
            ),
            np.where(gift, no_gift[on], no_sales[on]),
            no_line,
            net + discount,
            # {q!s}: what formatting a Decimal without a spec gives (PEP 3101), in half the time
            lambda kept: [
                f"{q!s} × {name}"
                for q, name in zip(quantities[kept].tolist(), names[kept].tolist(), strict=True)
            ],
            cogs=False,
        )
    )
    blocks.add(
        LineBlock(
            2,
            line_position,
            rank + 1,
            "sales_discount",
            discount_account.take(on),
            no_discount[on],
            discount,
            no_line,
            lambda kept: [f"order discount on {name}" for name in names[kept].tolist()],
            cogs=False,
        )
    )


def _mistaxed(
    lines: pd.DataFrame, checked: np.ndarray, line_slot: np.ndarray, rates: list[Decimal]
) -> np.ndarray:
    """Which ``checked`` lines state another tax percentage than their outlet's tax states
    (``rates``: `TaxConfig.iseller_rate` per outlet slot), compared once per (percentage,
    outlet): equal Decimals compare alike."""
    percentages = lines["tax_percentage"].to_numpy(dtype=object)[checked]
    codes, found = pd.factorize(percentages)
    slots = line_slot[checked]
    differs = np.zeros(len(checked), dtype=bool)
    missing = codes < 0  # None or NaN: compared as they are
    differs[missing] = [
        p != rates[s] for p, s in zip(percentages[missing], slots[missing], strict=True)
    ]
    which, pairs = distinct_numbers(codes * len(rates) + slots)
    per_pair = [p >= 0 and found[p // len(rates)] != rates[p % len(rates)] for p in pairs]
    return np.where(missing, differs, np.array(per_pair, dtype=bool)[which])


def _item_names(lines: pd.DataFrame) -> np.ndarray:
    """Each line's name: its product's, else its SKU, else ``line <n>``."""
    product_codes, products = stripped_texts(lines["product_name"].to_numpy(dtype=object))
    sku_codes, skus = stripped_texts(lines["sku"].to_numpy(dtype=object))
    which, pairs = distinct_numbers(product_codes * len(skus) + sku_codes)
    names: np.ndarray = objects([products[p // len(skus)] or skus[p % len(skus)] for p in pairs])[
        which
    ]
    nameless = np.flatnonzero(names == None)  # noqa: E711 (elementwise)
    names[nameless] = [f"line {no}" for no in lines["line_no"].to_numpy()[nameless].tolist()]
    return names


def _gift_cards(lines: pd.DataFrame, config: MerchantConfig) -> np.ndarray:
    """Which lines sell a gift card, asked once per (SKU, product type)."""
    sku_codes, skus = distinct_values(lines["sku"].to_numpy(dtype=object))
    if "product_type" in lines.columns:
        type_codes, types = distinct_values(lines["product_type"].to_numpy(dtype=object))
    else:
        type_codes, types = np.zeros(len(lines), dtype=np.int64), [None]
    which, pairs = distinct_numbers(sku_codes * len(types) + type_codes)
    found = [config.gift_cards.matches(skus[p // len(types)], types[p % len(types)]) for p in pairs]
    gift: np.ndarray = np.array(found, dtype=bool)[which]
    return gift


def _cost_lines(
    blocks: LineBlocks, lines: pd.DataFrame, line_position: np.ndarray, outlets: _Outlets, n: int
) -> None:
    """The estimate of the cost of sales, when iSeller states one (left out without
    accounts)."""
    cost = np.zeros(n, dtype=np.int64)
    stock = np.zeros(n, dtype=np.int64)
    np.add.at(cost, line_position, lines["cost"].to_numpy(dtype=np.int64))
    np.add.at(stock, line_position, lines["stock_cost"].to_numpy(dtype=np.int64))
    cogs_account, no_cogs = outlets.account("cogs")
    inventory_account, no_inventory = outlets.account("inventory")
    booked = (cost != 0) & ~no_cogs & ~no_inventory
    everyone = np.arange(n)
    zero = np.zeros(n, dtype=np.int64)
    for step, (part, part_cost) in enumerate(((TRACKED, stock), (UNTRACKED, cost - stock))):
        amount = np.where(booked, part_cost, 0)
        rank = np.full(n, 2 * step, dtype=np.int64)
        blocks.add(
            LineBlock(
                0,
                everyone,
                rank,
                "cogs",
                cogs_account,
                no_cogs,
                amount,
                zero,
                SOLD_TEXT[part],
                cogs=True,
            )
        )
        blocks.add(
            LineBlock(
                0,
                everyone,
                rank + 1,
                "inventory",
                inventory_account,
                no_inventory,
                zero,
                amount,
                f"stock out: {part}",
                cogs=True,
            )
        )


def _columns(
    lines: dict[str, Any], sales: DaySales, order_ids: np.ndarray, codes: np.ndarray
) -> dict[str, Any]:
    """The `JOURNAL_COLUMNS` of the lines `LineBlocks.ordered` gives (plus ``_position``).
    What an entry's lines share is made once per entry and spread to its lines."""
    position, cogs = lines["position"], lines["cogs"]
    count = len(position)
    starts = np.ones(count, dtype=bool)
    if count:
        starts[1:] = (position[1:] != position[:-1]) | (cogs[1:] != cogs[:-1])
    first = np.maximum.accumulate(np.where(starts, np.arange(count), 0))
    entry = np.cumsum(starts) - 1  # each line's entry
    of_entry = position[starts]  # each entry's order
    entry_ids = objects(
        [
            f"cogs:{order_id}" if c else f"sale:{order_id}"
            for order_id, c in zip(order_ids[of_entry].tolist(), cogs[starts].tolist(), strict=True)
        ]
    )
    references = sales.frames.orders["order_reference"].to_numpy(dtype=object)
    return {
        "entry_id": spread_column(entry_ids, entry),
        "business_date": repeated(sales.day, count),
        "outlet_code": spread_column(codes[of_entry], entry),
        "source_type": spread_column(objects(["order"]), np.zeros(count, dtype=np.int64)),
        "source_id": spread_column(order_ids[of_entry], entry),
        "source_reference": spread_column(references[of_entry], entry),
        "line_no": np.arange(count) - first + 1,
        "account_role": lines["role"],
        "account_name": lines["account"],
        "debit": lines["debit"],
        "credit": lines["credit"],
        "description": lines["text"],
        "is_estimate": cogs,
        "_position": position,
    }
