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
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from journal_pipeline.accounting.business_day import sold_on
from journal_pipeline.accounting.cost_of_sales import SOLD_TEXT, split_cost
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
from journal_pipeline.accounting.sale_lines import JOURNAL_COLUMNS, sale_lines
from journal_pipeline.accounting.service_charge import (
    read_service_charge,
)
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.cycle_collection import cycle_collection_paused
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
    return config.gift_cards.matches(line.sku, line.product_type)


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


def below_zero(line: LineRow, name: str) -> str | None:
    """Why a line below zero (goods taken back, or a discount rung up as an item) cannot be
    sold on an invoice, else None: Jurnal refuses an invoice line whose amount is not above
    zero, and a return must name the invoice it returns."""
    if line.quantity < 0:
        return (
            f"line {name} has quantity {line.quantity}: goods taken back within a sale (an "
            "exchange). Jurnal takes no invoice line below Rp 1, and a return must name the "
            "invoice it returns. Refund the goods on the order they were sold with in iSeller, "
            "or post this order by hand in Jurnal."
        )
    if line.total_order_amount < 0 or line.subtotal < 0:
        return (
            f"line {name} is priced below zero ({format_idr(line.subtotal)}), a discount rung "
            "up as an item. Jurnal takes no invoice line below Rp 1. Give it as an order or "
            "line discount in iSeller, or post this order by hand in Jurnal."
        )
    return None


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
    tax = config.tax_for(order.outlet_code, sold_on(order, day))  # as iSeller taxed the sale
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
        below = below_zero(line, name)
        if below is not None:
            return None, order_hold(order, day, below)
        if line.tax_amount and tax is not None and line.tax_percentage != tax.iseller_rate:
            return None, order_hold(
                order,
                day,
                f"line {name} is taxed at {line.tax_percentage}% but outlet "
                f"{order.outlet_code} is configured for {tax.jurnal_name} "
                f"{tax.iseller_rate}%. If the rate changed, the new one is a new tax in "
                "Jurnal and under taxes: make it the outlet's tax and say until when the "
                "outlet had the old one under mapping_history (README: A mapping that "
                "changes from a date); else fix the product's tax in iSeller.",
            )
        line_tax_total += line.tax_amount
        # an untaxed line's share of the order discount holds no tax to take out
        order_discount = _excluding_tax(
            line.discount_order_amount, rate, inclusive and bool(line.tax_amount)
        )
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


@cycle_collection_paused()
def journal_lines(sales: DaySales, config: MerchantConfig) -> tuple[pd.DataFrame, list[Hold]]:
    """Balanced journal lines for every sale of the day, and the orders held back.

    The lines of every sale are built at once, in arrays (`_sale_lines`); an order that any
    rule might hold (or whose values the arrays do not read) goes through `sale_entry`, which
    says why. The lines are those `sale_entry` gives each order, in the same order."""
    frames = sales.frames
    fast = sale_lines(sales, config)
    if fast is None:
        fast_columns: dict[str, Any] | None = None
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


def _journal_frame_of(columns: Mapping[str, Any]) -> pd.DataFrame:
    """`journal_frame` of lines given as columns (each column's type inferred as from rows;
    a column `sale_lines` gives as text already is taken as it is)."""
    frame = pd.DataFrame(
        {
            c: columns[c]
            if c in _TYPED or isinstance(columns[c], pd.api.extensions.ExtensionArray)
            else np.asarray(columns[c], dtype=object)
            for c in JOURNAL_COLUMNS
        },
        columns=list(JOURNAL_COLUMNS),
    )
    return frame.astype(
        {"line_no": "int64", "debit": "int64", "credit": "int64", "is_estimate": "bool"}
    )


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
        "held": sum(not hold.nothing_to_post for hold in holds),
        "nothing_to_post": sum(hold.nothing_to_post for hold in holds),
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
