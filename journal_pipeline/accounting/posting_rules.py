"""Posting rules: completed iSeller orders of one business day → balanced journal lines.

One sale entry per completed order, dated by the business date of its closed date:

    Dr payment clearing (per method)      what the customer paid, per payment method
    Dr receivable                         any unpaid rest (on-account orders)
    Dr sales_discount                     order-level discounts and promotions, excl. tax
    Cr sales                              line amounts net of line discounts, excl. tax
    Cr gift_card_liability                gift-card lines instead of sales (`config.gift_cards`)
    Cr tax:<name>                         tax collected (PPN / PB1), a liability
    Cr service_charge, shipping_income    additional charges and shipping
    Dr/Cr rounding                        iSeller's rounding and sub-rupiah differences

and, when iSeller reports a cost, a separate estimate entry Dr cogs / Cr inventory (Jurnal
books its own cost of sales from the invoice; ours is for comparison).

Policy: line discounts are net in the line price; order-level discounts and promotions are
contra-revenue. Orders whose accounts cannot be resolved are held with a reason, never
guessed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from journal_pipeline.accounting.cost_of_sales import SOLD_TEXT, TRACKED, UNTRACKED, split_cost
from journal_pipeline.accounting.day_sales import (
    DatedPayment,
    DaySales,
    dated_payments,
    outlet_business_date,
    records_by_order,
    sales_of_day,
    with_business_dates,
)
from journal_pipeline.accounting.holds import Hold, order_hold
from journal_pipeline.accounting.labels import item_name, payment_method
from journal_pipeline.accounting.service_charge import (
    charge_readings,
    rates_of,
    read_service_charge,
)
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.missing import text_or_none
from journal_pipeline.core.money import format_idr, to_rupiah
from journal_pipeline.core.orders import LineRow, OrderRow

__all__ = [
    "JOURNAL_COLUMNS",
    "DatedPayment",
    "DaySales",
    "dated_payments",
    "journal_lines",
    "outlet_business_date",
    "records_by_order",
    "sales_of_day",
    "with_business_dates",
]

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

FIX_HINT = "Add it to the config file (JOURNAL_PIPELINE_CONFIG), then run the day again."


class _Entry:
    """Collects the lines of one journal entry; accounts are resolved or the order is held."""

    def __init__(self, entry_id: str, order: OrderRow, day: date, config: MerchantConfig):
        self.entry_id = entry_id
        self.order = order
        self.day = day
        self.config = config
        self.lines: list[dict[str, Any]] = []
        self.problems: list[str] = []

    def add(
        self,
        role: str,
        account: str | None,
        debit: int,
        credit: int,
        text: str,
        *,
        is_estimate: bool = False,
    ) -> None:
        if debit == 0 and credit == 0:
            return
        if account is None:
            self.problems.append(role)
        self.lines.append(
            {
                "entry_id": self.entry_id,
                "business_date": self.day,
                "outlet_code": self.order.outlet_code,
                "source_type": "order",
                "source_id": self.order.order_id,
                "source_reference": self.order.order_reference,
                "line_no": len(self.lines) + 1,
                "account_role": role,
                "account_name": account,
                "debit": debit,
                "credit": credit,
                "description": text,
                "is_estimate": is_estimate,
            }
        )

    def role(
        self,
        role: str,
        debit: int = 0,
        credit: int = 0,
        text: str = "",
        *,
        is_estimate: bool = False,
    ) -> None:
        account = self.config.account(role, self.order.outlet_code)
        text = text or role.replace("_", " ")
        self.add(role, account, debit, credit, text, is_estimate=is_estimate)

    @property
    def debit(self) -> int:
        return sum(line["debit"] for line in self.lines)

    @property
    def credit(self) -> int:
        return sum(line["credit"] for line in self.lines)


def is_gift_card_line(line: LineRow, config: MerchantConfig) -> bool:
    """A line selling a gift card (by SKU or iSeller product type, `config.gift_cards`)."""
    return config.gift_cards.matches(line.sku, getattr(line, "product_type", None))


def payments_at_sale(payments: list[DatedPayment], day: date) -> list[DatedPayment]:
    """Successful sale payments of an order made on its sale's business date.

    Later payments (on-account orders) settle the receivable on their own business date.
    """
    return [
        p for p in payments if p.type == "sale" and p.status == "success" and p.business_date == day
    ]


def _excluding_tax(amount: int, rate: Decimal, inclusive: bool) -> int:
    """The part of ``amount`` that is not tax (the whole amount when prices exclude tax)."""
    if not inclusive or amount == 0:
        return amount
    return amount - to_rupiah(Decimal(amount) * rate / (100 + rate))


def sale_entry(
    order: OrderRow,
    lines: list[LineRow],
    payments: list[DatedPayment],
    config: MerchantConfig,
    day: date,
) -> tuple[list[dict[str, Any]], None] | tuple[None, Hold]:
    """Journal lines of one completed order, or a Hold saying why it cannot be posted."""
    if config.outlet(order.outlet_code) is None:
        outlet_name = text_or_none(order.outlet_name)
        named = f" ({outlet_name})" if outlet_name else ""
        return None, order_hold(
            order,
            day,
            f"outlet {order.outlet_code!r}{named} is not in the config. "
            f"Add it under outlets with its time zone and Jurnal warehouse. {FIX_HINT}",
        )
    tax = config.tax_for(order.outlet_code)
    entry = _Entry(f"sale:{order.order_id}", order, day, config)

    paid = 0
    for pay in payments_at_sale(payments, day):
        method = payment_method(pay.payment_type_name, pay.gateway)
        account = config.payment_account(
            text_or_none(pay.payment_type_name), text_or_none(pay.gateway), order.outlet_code
        )
        if account is None or method is None:
            return None, order_hold(
                order,
                day,
                f"payment method {text_or_none(pay.payment_type_name)!r} (gateway "
                f"{text_or_none(pay.gateway)}) has no account mapping. Add it under "
                f"payment_methods. {FIX_HINT}",
            )
        entry.add(f"payment:{method}", account, pay.amount, 0, f"{method} payment")
        paid += pay.amount
    unpaid = order.total_amount - paid
    if unpaid < 0:
        return None, order_hold(
            order,
            day,
            f"payments of {format_idr(paid)} exceed the order total of "
            f"{format_idr(order.total_amount)}. Check the order in iSeller.",
        )
    entry.role("receivable", debit=unpaid, text="unpaid on account")

    rate = tax.rate if tax is not None else Decimal(0)
    inclusive = bool(order.tax_inclusive)
    line_tax_total = 0
    for line in lines:
        name = item_name(line.product_name, line.sku) or f"line {line.line_no}"
        if line.tax_amount and tax is not None and line.tax_percentage != tax.rate:
            return None, order_hold(
                order,
                day,
                f"line {name} is taxed at {line.tax_percentage}% but outlet "
                f"{order.outlet_code} is configured for {tax.jurnal_name} {tax.rate}%. "
                f"Fix the outlet's tax in the config or the product's tax in iSeller.",
            )
        line_tax_total += line.tax_amount
        order_discount = _excluding_tax(line.discount_order_amount, rate, inclusive)
        net = line.subtotal - (line.tax_amount if inclusive else 0)
        # a gift card sold is owed to its holder until redeemed (accounting/mdr.py), not revenue
        sold_as = "gift_card_liability" if is_gift_card_line(line, config) else "sales"
        entry.role(sold_as, credit=net + order_discount, text=f"{line.quantity} × {name}")
        entry.role("sales_discount", debit=order_discount, text=f"order discount on {name}")
    if order.total_tax_amount and tax is None:
        return None, order_hold(
            order,
            day,
            f"the order carries tax of {format_idr(order.total_tax_amount)} but "
            f"outlet {order.outlet_code} has no tax configured. Set its tax. {FIX_HINT}",
        )
    reading = read_service_charge(order, lines, config)
    if reading.matched is None:
        return None, order_hold(order, day, reading.reason())
    charge = reading.matched
    if charge.tax:
        if tax is None:
            return None, order_hold(
                order,
                day,
                f"the order carries tax of {format_idr(charge.tax)} but outlet "
                f"{order.outlet_code} has no tax configured. Set its tax. {FIX_HINT}",
            )
        entry.add(
            f"tax:{tax.jurnal_name}",
            tax.account,
            0,
            charge.tax,
            f"{tax.jurnal_name} {tax.rate}%",
        )
    charge_text = "service charge"
    if charge.charge != charge.stated_charge:
        charge_text += (
            f" (iSeller states {format_idr(charge.stated_charge)}, its tax of "
            f"{format_idr(charge.charge_tax)} included)"
        )
    entry.role("service_charge", credit=charge.charge, text=charge_text)
    entry.role("shipping_income", credit=order.total_shipping_amount, text="shipping")
    # total_amount − amount due, whichever sign iSeller stated it with (I-31)
    if charge.rounding > 0:
        entry.role("rounding", credit=charge.rounding, text="rounding")
    elif charge.rounding < 0:
        entry.role("rounding", debit=-charge.rounding, text="rounding")

    difference = entry.debit - entry.credit
    parts = order.total_amount - difference
    if abs(difference) > config.rounding_tolerance:
        return None, order_hold(
            order,
            day,
            f"its parts add up to {format_idr(parts)} but its total is "
            f"{format_idr(order.total_amount)} (difference {format_idr(difference)}). "
            "The order's amounts are inconsistent; check it in iSeller.",
        )
    if difference > 0:
        entry.role("rounding", credit=difference, text="sub-rupiah difference")
    elif difference < 0:
        entry.role("rounding", debit=-difference, text="sub-rupiah difference")

    if entry.problems:
        roles = ", ".join(sorted(set(entry.problems)))
        return None, order_hold(
            order,
            day,
            f"account role(s) {roles} have no Jurnal account for outlet "
            f"{order.outlet_code}. Add them under accounts. {FIX_HINT}",
        )
    cost = sum(line.cost for line in lines)
    if cost:
        cogs = _Entry(f"cogs:{order.order_id}", order, day, config)
        for part, amount in split_cost(cost, sum(line.stock_cost for line in lines)):
            cogs.role("cogs", debit=amount, text=SOLD_TEXT[part], is_estimate=True)
            cogs.role("inventory", credit=amount, text=f"stock out: {part}", is_estimate=True)
        if not cogs.problems:
            entry.lines.extend(cogs.lines)
    return entry.lines, None


def journal_lines(sales: DaySales, config: MerchantConfig) -> tuple[pd.DataFrame, list[Hold]]:
    """Balanced journal lines for every sale of the day, and the orders held back.

    The lines of every sale are built at once, in arrays (`_sale_lines`); an order that any
    rule might hold (or whose values the arrays do not read) goes through `sale_entry`, which
    says why. The lines are those `sale_entry` gives each order, in the same order."""
    frames = sales.frames
    fast = _sale_lines(sales, config)
    if fast is None:
        fast_columns: dict[str, np.ndarray] | None = None
        slow_positions = np.arange(len(frames.orders))
    else:
        fast_columns, eligible = fast
        slow_positions = np.flatnonzero(~eligible)
    slow_orders = frames.orders.iloc[slow_positions]
    rows: list[dict[str, Any]] = []
    positions: list[int] = []
    holds: list[Hold] = []
    if len(slow_orders):
        slow_ids = set(slow_orders["order_id"])
        lines_by_order = records_by_order(frames.lines[frames.lines["order_id"].isin(slow_ids)])
        pays_by_order = records_by_order(
            frames.payments[frames.payments["order_id"].isin(slow_ids)]
        )
        for position, order in zip(
            slow_positions, slow_orders.itertuples(index=False), strict=True
        ):
            entry, hold = sale_entry(
                order,
                lines_by_order.get(order.order_id, []),
                pays_by_order.get(order.order_id, []),
                config,
                sales.day,
            )
            if hold is not None:
                holds.append(hold)
            elif entry is not None:
                rows.extend(entry)
                positions.extend([int(position)] * len(entry))
    if fast_columns is None or not len(fast_columns["debit"]):
        return journal_frame(rows), holds
    if not rows:
        return _journal_frame_of(fast_columns), holds
    slow = {c: np.array([r[c] for r in rows], dtype=object) for c in JOURNAL_COLUMNS}
    merged = {c: np.concatenate([fast_columns[c].astype(object), slow[c]]) for c in JOURNAL_COLUMNS}
    # each order's lines stay together, in the orders' order (within an order, its own order)
    order_of = np.concatenate([fast_columns["_position"], np.array(positions, dtype=np.int64)])
    within = np.arange(len(order_of))
    sequence = np.lexsort((within, order_of))
    return _journal_frame_of({c: merged[c][sequence] for c in JOURNAL_COLUMNS}), holds


_TYPED = ("line_no", "debit", "credit", "is_estimate")


def _journal_frame_of(columns: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """`journal_frame` of lines given as columns (each column's type inferred as from rows)."""
    frame = pd.DataFrame(
        {
            c: columns[c] if c in _TYPED else np.asarray(columns[c], dtype=object)
            for c in JOURNAL_COLUMNS
        },
        columns=list(JOURNAL_COLUMNS),
    )
    return frame.astype(
        {"line_no": "int64", "debit": "int64", "credit": "int64", "is_estimate": "bool"}
    )


def _text_or_none_all(values: Sequence[object]) -> list[str | None]:
    """`text_or_none` of each value (text stripped without the call for plain text)."""
    return [
        (v.strip() or None) if isinstance(v, str) and v.__class__ is str else text_or_none(v)
        for v in values
    ]


def _sale_lines(
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
    outlet_of = {code: config.outlet(c) for code, c in known_outlets.items()}
    tax_of = {code: config.tax_for(c) for code, c in known_outlets.items()}
    eligible = np.array([outlet_of[c] is not None for c in codes], dtype=bool)

    def account_of(role: str) -> np.ndarray:
        found = {code: config.account(role, c) for code, c in known_outlets.items()}
        return np.array([found[c] for c in codes], dtype=object)

    taxes = [tax_of[c] for c in codes]
    has_tax = np.array([t is not None for t in taxes], dtype=bool)
    tax_rates = np.array([t.rate if t is not None else Decimal(0) for t in taxes], dtype=object)
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
        names = _text_or_none_all(chosen["payment_type_name"].tolist())
        gateways = _text_or_none_all(chosen["gateway"].tolist())
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
                _text_or_none_all(lines["product_name"].tolist()),
                _text_or_none_all(lines["sku"].tolist()),
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
    tax_roles = np.array(
        [f"tax:{t.jurnal_name}" if t is not None else None for t in taxes], dtype=object
    )
    tax_accounts = np.array([t.account if t is not None else None for t in taxes], dtype=object)
    tax_texts = np.array(
        [f"{t.jurnal_name} {t.rate}%" if t is not None else None for t in taxes], dtype=object
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
        missing = amounts & np.array([a is None for a in b["account"]], dtype=bool)
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


def journal_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Canonical journal lines as a frame with the journal's columns, amounts as integers."""
    frame = pd.DataFrame(rows, columns=list(JOURNAL_COLUMNS))
    return frame.astype({"debit": "int64", "credit": "int64"})


def unbalanced_entries(lines: pd.DataFrame) -> pd.DataFrame:
    """Entries whose debits differ from their credits (must be empty)."""
    sums = lines.groupby("entry_id")[["debit", "credit"]].sum()
    return sums[sums["debit"] != sums["credit"]].reset_index()


def summary(
    lines: pd.DataFrame, holds: list[Hold], readings: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Counts and totals for Dagster metadata.

    ``readings`` (`DaySales.readings`) gives ``readings``: how many of the sales in ``lines``
    matched each reading of their service charge (`service_charge.py`), and how many read
    their rounding or cost other than as documented, e.g. ``{"gross": 290,
    "not_applicable": 600, "rounding:subtracted": 310, "cogs:total": 890}`` (the service-charge
    readings alone add up to the sales); None when not given.
    """
    by_role = lines.groupby("account_role")[["debit", "credit"]].sum() if len(lines) else None
    posted = (
        set(lines.loc[lines["entry_id"].str.startswith("sale:"), "source_id"])
        if len(lines)
        else set()
    )
    counts = Counter(
        word
        for order_id, reading in (readings or {}).items()
        if order_id in posted
        for word in reading.split()
    )
    return {
        "entries": int(lines["entry_id"].nunique()) if len(lines) else 0,
        "journal_lines": len(lines),
        "total_debit": int(lines["debit"].sum()) if len(lines) else 0,
        "total_credit": int(lines["credit"].sum()) if len(lines) else 0,
        "held": len(holds),
        "by_role": {}
        if by_role is None
        else {
            role: {"debit": int(r.debit), "credit": int(r.credit)} for role, r in by_role.iterrows()
        },
        "readings": None if readings is None else dict(sorted(counts.items())),
    }


def not_yet_posted_events(sales: DaySales) -> list[Hold]:
    """Refunds and voids after a sale was posted: held with the manual step, never dropped."""
    holds: list[Hold] = []
    for refund in sales.refunds.itertuples(index=False):
        method = payment_method(refund.payment_type_name, refund.gateway) or "method not named"
        holds.append(
            Hold(
                "payment",
                refund.transaction_id,
                refund.order_reference,
                refund.outlet_code,
                sales.day,
                f"Refund of {format_idr(int(refund.amount))} ({method}) on order "
                f"{refund.order_reference} (outlet {refund.outlet_code}, {sales.day.isoformat()}): "
                "sales returns are not posted by this version. Record the return in Jurnal by "
                "hand against the order's invoice.",
                "sales_return",
            )
        )
    for order in sales.voided_later.itertuples(index=False):
        holds.append(
            order_hold(
                order,
                sales.day,
                f"voided on {sales.day.isoformat()} after its sale on {order.business_date}; "
                "reversals are not posted by this version. If its invoice is in Jurnal, reverse "
                "it there by hand with a sales return or credit memo.",
                doc_type="reversal",
            )
        )
    return holds
