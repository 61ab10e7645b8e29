"""The journal lines of a day's sales built for every order at once, in arrays.

`posting_rules.journal_lines` sends here every order whose lines the arrays can build exactly
as `posting_rules.sale_entry` would, and the others (any order a rule might hold) to
`sale_entry`, which says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from journal_pipeline.accounting.cost_of_sales import SOLD_TEXT, TRACKED, UNTRACKED
from journal_pipeline.accounting.day_sales import (
    DaySales,
)
from journal_pipeline.accounting.service_charge import (
    charge_readings,
    rates_of,
)
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.missing import text_or_none
from journal_pipeline.core.money import format_idr

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


def text_or_none_all(values: Sequence[object]) -> list[str | None]:
    """`text_or_none` of each value (text stripped without the call for plain text)."""
    return [
        None if v is None else (v.strip() or None) if v.__class__ is str else text_or_none(v)
        for v in values
    ]


def _objects(values: list[Any]) -> np.ndarray:
    """A one-dimensional object array of ``values`` (whatever they are)."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def sale_lines(
    sales: DaySales, config: MerchantConfig
) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
    """The journal lines of every order `sale_entry` would post as it is (columns of
    `JOURNAL_COLUMNS`, plus ``_position``: the order's row), and which orders those are;
    the others (``~eligible``) are for `sale_entry`. None when the frames are not of the
    shape read here (then every order goes through `sale_entry`)."""
    frames = sales.frames
    orders, lines, pays = frames.orders, frames.lines, frames.payments
    n = len(orders)
    if n == 0 or "business_date" not in pays.columns or not orders["order_id"].is_unique:
        return None
    day = sales.day
    order_ids = orders["order_id"].to_numpy(dtype=object)
    index = pd.Index(order_ids)
    codes = orders["outlet_code"].to_numpy(dtype=object)
    known_outlets = {
        code: (None if pd.isna(code) else code) for code in pd.unique(codes)
    }  # NaN-safe keys
    # what the config says of each outlet, looked up once per outlet and spread to its orders
    outlets = list(known_outlets.values())
    slot = {code: i for i, code in enumerate(known_outlets)}
    outlet_slot = np.array([slot[c] for c in codes], dtype=np.int64)

    def per_order(values: list[Any]) -> np.ndarray:
        spread: np.ndarray = _objects(values)[outlet_slot]
        return spread

    eligible = per_order([config.outlet(c) is not None for c in outlets]).astype(bool)

    def account_of(role: str) -> np.ndarray:
        return per_order([config.account(role, c) for c in outlets])

    outlet_taxes = [config.tax_for(c) for c in outlets]
    has_tax = per_order([t is not None for t in outlet_taxes]).astype(bool)
    tax_rates = per_order([t.rate if t is not None else Decimal(0) for t in outlet_taxes])
    inclusive = np.array([bool(v) for v in orders["tax_inclusive"].tolist()], dtype=bool)
    total = orders["total_amount"].to_numpy(dtype=np.int64)

    blocks: list[dict[str, Any]] = []

    def block(
        major: int,
        position: np.ndarray,
        rank: np.ndarray,
        role: np.ndarray | str,
        account: np.ndarray,
        debit: np.ndarray,
        credit: np.ndarray,
        text: np.ndarray | str,
        *,
        cogs: bool = False,
    ) -> None:
        count = len(position)
        blocks.append(
            {
                "major": np.full(count, major, dtype=np.int64),
                "position": position,
                "rank": rank,
                "role": np.full(count, role, dtype=object) if isinstance(role, str) else role,
                "account": account,
                "debit": debit.astype(np.int64),
                "credit": credit.astype(np.int64),
                "text": np.full(count, text, dtype=object) if isinstance(text, str) else text,
                "cogs": np.full(count, cogs, dtype=bool),
            }
        )

    # payments made at the sale, each a debit to its method's clearing account
    pay_position = index.get_indexer(pays["order_id"].to_numpy(dtype=object))
    at_sale = (
        (pays["type"].to_numpy(dtype=object) == "sale")
        & (pays["status"].to_numpy(dtype=object) == "success")
        & (pays["business_date"].to_numpy(dtype=object) == day)
        & (pay_position >= 0)
    )
    paid = np.zeros(n, dtype=np.int64)
    if at_sale.any():
        chosen = pays[at_sale]
        position = pay_position[at_sale]
        names = text_or_none_all(chosen["payment_type_name"].tolist())
        gateways = text_or_none_all(chosen["gateway"].tolist())
        found: dict[tuple[Any, Any, Any], str | None] = {}
        accounts = []
        for name, gateway, code in zip(names, gateways, codes[position], strict=True):
            key = (name, gateway, code)
            if key not in found:
                found[key] = config.payment_account(name, gateway, known_outlets[code])
            accounts.append(found[key])
        methods = [name or gateway for name, gateway in zip(names, gateways, strict=True)]
        unmapped = np.array(
            [a is None or m is None for a, m in zip(accounts, methods, strict=True)], dtype=bool
        )
        eligible[position[unmapped]] = False
        amount = chosen["amount"].to_numpy(dtype=np.int64)
        np.add.at(paid, position, amount)
        block(
            0,
            position,
            np.flatnonzero(at_sale),
            np.array([f"payment:{m}" for m in methods], dtype=object),
            np.array(accounts, dtype=object),
            amount,
            np.zeros(len(amount), dtype=np.int64),
            np.array([f"{m} payment" for m in methods], dtype=object),
        )
    unpaid = total - paid
    eligible &= unpaid >= 0
    everyone = np.arange(n)
    zero = np.zeros(n, dtype=np.int64)
    receivable = account_of("receivable")
    block(1, everyone, zero, "receivable", receivable, unpaid, zero, "unpaid on account")

    # each line: its sale (or a gift card's liability) and its share of the order's discount
    line_position = index.get_indexer(lines["order_id"].to_numpy(dtype=object))
    if (line_position < 0).any():
        return None
    line_count = len(lines)
    if line_count:
        tax_amount = lines["tax_amount"].to_numpy(dtype=np.int64)
        line_rate = tax_rates[line_position]
        percentages = lines["tax_percentage"].to_numpy(dtype=object)
        checked = (tax_amount != 0) & has_tax[line_position]
        mistaxed = np.zeros(line_count, dtype=bool)
        mistaxed[checked] = [
            p != r for p, r in zip(percentages[checked], line_rate[checked], strict=True)
        ]
        eligible[line_position[mistaxed]] = False
        line_inclusive = inclusive[line_position]
        order_share = lines["discount_order_amount"].to_numpy(dtype=np.int64)
        try:
            contained = rates_of(order_share, line_rate, contained=True)
        except OverflowError:
            return None
        discount = np.where(
            line_inclusive & (order_share != 0), order_share - contained, order_share
        )
        net = lines["subtotal"].to_numpy(dtype=np.int64) - np.where(line_inclusive, tax_amount, 0)
        names = [
            product or sku or f"line {number}"
            for product, sku, number in zip(
                text_or_none_all(lines["product_name"].tolist()),
                text_or_none_all(lines["sku"].tolist()),
                lines["line_no"].tolist(),
                strict=True,
            )
        ]
        types = (
            lines["product_type"].tolist()
            if "product_type" in lines.columns
            else [None] * line_count
        )
        kinds: dict[tuple[Any, Any], bool] = {}
        sold_as = []
        for sku, kind in zip(lines["sku"].tolist(), types, strict=True):
            if (sku, kind) not in kinds:
                kinds[sku, kind] = config.gift_cards.matches(sku, kind)
            sold_as.append("gift_card_liability" if kinds[sku, kind] else "sales")
        sold_as_array = np.array(sold_as, dtype=object)
        sales_account = account_of("sales")[line_position]
        gift_account = account_of("gift_card_liability")[line_position]
        sold_account = np.where(sold_as_array == "sales", sales_account, gift_account)
        rank = np.arange(line_count) * 2
        no_line = np.zeros(line_count, dtype=np.int64)
        quantities = lines["quantity"].tolist()
        block(
            2,
            line_position,
            rank,
            sold_as_array,
            sold_account,
            no_line,
            net + discount,
            np.array(
                [f"{q} × {name}" for q, name in zip(quantities, names, strict=True)],
                dtype=object,
            ),
        )
        block(
            2,
            line_position,
            rank + 1,
            "sales_discount",
            account_of("sales_discount")[line_position],
            discount,
            no_line,
            np.array([f"order discount on {name}" for name in names], dtype=object),
        )
    eligible &= ~((orders["total_tax_amount"].to_numpy(dtype=np.int64) != 0) & ~has_tax)

    # the service charge as the reading its amounts matched gives it, shipping, rounding
    charges = sales.charges
    if charges is None or not np.array_equal(charges["order_id"].to_numpy(dtype=object), order_ids):
        charges = charge_readings(orders, lines, config)
    eligible &= charges["matched"].to_numpy(dtype=bool)
    stated = charges["stated_charge"].to_numpy(dtype=np.int64)
    charge = charges["charge"].to_numpy(dtype=np.int64)
    charge_tax = charges["charge_tax"].to_numpy(dtype=np.int64)
    tax_total = charges["line_tax"].to_numpy(dtype=np.int64) + charge_tax
    rounding = charges["rounding"].to_numpy(dtype=np.int64)
    taxed = tax_total != 0
    eligible &= ~(taxed & ~has_tax)
    tax_roles = per_order([f"tax:{t.jurnal_name}" if t is not None else None for t in outlet_taxes])
    tax_accounts = per_order([t.account if t is not None else None for t in outlet_taxes])
    tax_texts = per_order(
        [f"{t.jurnal_name} {t.rate}%" if t is not None else None for t in outlet_taxes]
    )
    block(
        3, everyone, zero, tax_roles, tax_accounts, zero, np.where(taxed, tax_total, 0), tax_texts
    )
    texts = np.full(n, "service charge", dtype=object)
    restated = np.flatnonzero(charge != stated)
    texts[restated] = [
        f"service charge (iSeller states {format_idr(int(stated[i]))}, its tax of "
        f"{format_idr(int(charge_tax[i]))} included)"
        for i in restated
    ]
    block(4, everyone, zero, "service_charge", account_of("service_charge"), zero, charge, texts)
    shipping = orders["total_shipping_amount"].to_numpy(dtype=np.int64)
    block(
        5,
        everyone,
        zero,
        "shipping_income",
        account_of("shipping_income"),
        zero,
        shipping,
        "shipping",
    )
    rounding_account = account_of("rounding")
    block(
        6,
        everyone,
        zero,
        "rounding",
        rounding_account,
        np.where(rounding < 0, -rounding, 0),
        np.where(rounding > 0, rounding, 0),
        "rounding",
    )

    # what the parts leave of the total, within the tolerance: the sub-rupiah difference
    difference = np.zeros(n, dtype=np.int64)
    for b in blocks:
        np.add.at(difference, b["position"], b["debit"] - b["credit"])
    eligible &= np.abs(difference) <= config.rounding_tolerance
    block(
        7,
        everyone,
        zero,
        "rounding",
        rounding_account,
        np.where(difference < 0, -difference, 0),
        np.where(difference > 0, difference, 0),
        "sub-rupiah difference",
    )
    # every role with an amount needs its account
    for b in blocks:
        amounts = (b["debit"] != 0) | (b["credit"] != 0)
        missing = amounts & (b["account"] == None)  # noqa: E711 (elementwise)
        eligible[b["position"][missing]] = False

    # the estimate of the cost of sales, when iSeller states one (left out without accounts)
    if line_count:
        cost = np.zeros(n, dtype=np.int64)
        stock = np.zeros(n, dtype=np.int64)
        np.add.at(cost, line_position, lines["cost"].to_numpy(dtype=np.int64))
        np.add.at(stock, line_position, lines["stock_cost"].to_numpy(dtype=np.int64))
        cogs_account, inventory_account = account_of("cogs"), account_of("inventory")
        booked = (cost != 0) & np.array(
            [
                a is not None and b is not None
                for a, b in zip(cogs_account, inventory_account, strict=True)
            ],
            dtype=bool,
        )
        for step, (part, part_cost) in enumerate(((TRACKED, stock), (UNTRACKED, cost - stock))):
            amount = np.where(booked, part_cost, 0)
            rank_of = np.full(n, 2 * step, dtype=np.int64)
            block(
                0, everyone, rank_of, "cogs", cogs_account, amount, zero, SOLD_TEXT[part], cogs=True
            )
            block(
                0,
                everyone,
                rank_of + 1,
                "inventory",
                inventory_account,
                zero,
                amount,
                f"stock out: {part}",
                cogs=True,
            )

    position = np.concatenate([b["position"] for b in blocks])
    debit = np.concatenate([b["debit"] for b in blocks])
    credit = np.concatenate([b["credit"] for b in blocks])
    keep = ((debit != 0) | (credit != 0)) & eligible[position]
    block_no = np.concatenate([b["major"] for b in blocks])
    rank = np.concatenate([b["rank"] for b in blocks])
    cogs_flag = np.concatenate([b["cogs"] for b in blocks])
    # an order's sale entry, then its cost entry; within each, the order sale_entry adds them
    sequence = np.lexsort((rank[keep], block_no[keep], cogs_flag[keep], position[keep]))
    chosen = np.flatnonzero(keep)[sequence]
    position, cogs_flag = position[chosen], cogs_flag[chosen]
    count = len(chosen)
    starts = np.ones(count, dtype=bool)
    if count:
        starts[1:] = (position[1:] != position[:-1]) | (cogs_flag[1:] != cogs_flag[:-1])
    first = np.maximum.accumulate(np.where(starts, np.arange(count), 0))
    references = orders["order_reference"].to_numpy(dtype=object)
    sale_ids = np.array([f"sale:{i}" for i in order_ids], dtype=object)
    cogs_ids = np.array([f"cogs:{i}" for i in order_ids], dtype=object)
    columns = {
        "entry_id": np.where(cogs_flag, cogs_ids[position], sale_ids[position]),
        "business_date": np.full(count, day, dtype=object),
        "outlet_code": codes[position],
        "source_type": np.full(count, "order", dtype=object),
        "source_id": order_ids[position],
        "source_reference": references[position],
        "line_no": np.arange(count) - first + 1,
        "account_role": np.concatenate([b["role"] for b in blocks])[chosen],
        "account_name": np.concatenate([b["account"] for b in blocks])[chosen],
        "debit": debit[chosen],
        "credit": credit[chosen],
        "description": np.concatenate([b["text"] for b in blocks])[chosen],
        "is_estimate": cogs_flag,
        "_position": position,
    }
    return columns, eligible
