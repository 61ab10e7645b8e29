"""An order's invoice fitted to the order's total: `jurnal_arithmetic.fit_total`, and the till's
rounding down deducted (Pemotongan) on the rounding account."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np

from journal_pipeline.accounting.jurnal_arithmetic import (
    Fit,
    InvoiceLine,
    fit_total,
    invoice_totals,
)
from journal_pipeline.core.money import to_rupiah
from journal_pipeline.core.orders import OrderRow


def rounded_down_by(order: OrderRow, expected: Decimal) -> int:
    """How much the till rounded the order's amount due down (Jurnal's total of its lines,
    ``expected``, above ``total_amount`` by the rounding, under either sign reading of
    ``rounding_amount``, I-31, within `rounding_reach`); 0 otherwise."""
    rounding = abs(order.rounding_amount)
    excess = to_rupiah(expected) - order.total_amount
    near = abs(excess - rounding) <= int(rounding_reach(rounding))
    return rounding if rounding and excess > 0 and near else 0


def rounding_reach(rounding: Any) -> Any:
    """How far from a till's rounding (its size, rupiah; an int or a numpy array) Jurnal's
    excess over the order's total may be and still be that rounding down: Rp 100 for a
    rounding above Rp 100, else half of it, so a rounding up is never read as one down."""
    return np.where(rounding > 100, 100, rounding // 2)


def fitted(
    model: list[InvoiceLine],
    discount: Decimal,
    order: OrderRow,
    rounding_account: str | None,
    drift: Decimal = Decimal(0),
) -> tuple[Fit | None, int, Decimal]:
    """How the invoice's total is fitted to the order's (`jurnal_arithmetic.fit_total`), the
    till's rounding down deducted on the rounding account (the deduction, else 0), and
    Jurnal's unfitted total; ``drift``: how far our own line percentages may move the lines'
    amounts (`discount_placement`).

    The rounding down is a deduction (Pemotongan) whatever its size, not invoice discount:
    Jurnal would tax the lines after a discount, so its tax would be iSeller's less the tax
    on the rounding, and the rounding would land on the discount account."""
    inclusive, shipping = bool(order.tax_inclusive), Decimal(order.total_shipping_amount)
    expected = invoice_totals(
        model, discount_value=discount, tax_inclusive=inclusive, shipping=shipping
    ).total
    deduction = rounded_down_by(order, expected) if rounding_account else 0
    if deduction:
        # the invoice is for the amount due, the rounding a deduction on the rounding account
        fit = fit_total(
            model,
            Decimal(order.total_amount + deduction),
            discount_value=discount,
            tax_inclusive=inclusive,
            shipping=shipping,
            max_gap=Decimal(100) + drift,
        )
        if fit is not None:
            return fit, deduction, expected
    fit = fit_total(
        model,
        Decimal(order.total_amount),
        discount_value=discount,
        tax_inclusive=inclusive,
        shipping=shipping,
        max_gap=Decimal(100) + drift,
        # the till's own rounding up (either sign reading, I-31) goes on the rounding line
        max_shortfall=Decimal(100 + abs(order.rounding_amount)) + drift,
    )
    return fit, 0, expected


def fitted_tax(model: list[InvoiceLine], discount: Decimal, fit: Fit, order: OrderRow) -> Decimal:
    """Jurnal's tax of the fitted invoice (its rounding line and extra discount included)."""
    lines = [*model, InvoiceLine(Decimal(1), fit.rounding)] if fit.rounding else model
    return invoice_totals(
        lines,
        discount_value=discount + fit.extra_discount,
        tax_inclusive=bool(order.tax_inclusive),
        shipping=Decimal(order.total_shipping_amount),
    ).tax
