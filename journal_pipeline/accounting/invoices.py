"""Per-order mode: one Jurnal sales invoice per completed order.

The invoice carries the order's lines by SKU (so Jurnal moves stock and books its cost of
sales), the outlet's tax, the order-level discount as an invoice discount, service charge as
a line of the service-charge product, and what the customer paid as a deposit to the payment
method's clearing account. Its keys are deterministic: ``custom_id`` is the iSeller order id
and ``transaction_no`` is the prefix plus the order reference, so a second run finds the
first invoice instead of creating another.

Before an invoice is built into the outbox its total is computed the way Jurnal computes it;
an order whose invoice would not come to the order's total is held, not posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd

from journal_pipeline.accounting.holds import Hold, order_hold
from journal_pipeline.accounting.jurnal_arithmetic import InvoiceLine, fit_total, invoice_totals
from journal_pipeline.accounting.money import format_idr, to_rupiah
from journal_pipeline.accounting.posting_rules import DaySales
from journal_pipeline.config import MerchantConfig

SALES_INVOICE = "sales_invoice"


@dataclass(frozen=True)
class Document:
    """A Jurnal document we intend to post, with its deterministic keys."""

    doc_key: str
    doc_type: str
    business_date: date
    outlet_code: str
    source_id: str
    source_reference: str
    transaction_no: str
    custom_id: str
    expected_total: int
    payload: dict


def transaction_no(config: MerchantConfig, order_reference: str) -> str:
    return f"{config.transaction_no_prefix}{order_reference.lstrip('#').strip()}"


def _percent(discount: int, gross: int) -> Decimal | None:
    """The line discount as a percentage Jurnal can hold exactly (≤ 2 places), else None."""
    if discount == 0 or gross == 0:
        return Decimal(0)
    percent = Decimal(discount) * 100 / Decimal(gross)
    if percent == percent.quantize(Decimal("0.01")):
        return percent.normalize()
    return None


def _number(value: Decimal | int) -> int | float | str:
    """JSON-friendly exact number: int when whole, else a decimal string."""
    as_decimal = Decimal(value)
    if as_decimal == as_decimal.to_integral_value():
        return int(as_decimal)
    return str(as_decimal.normalize())


def _deposit(payments: pd.DataFrame, config: MerchantConfig, outlet_code: str):
    """(account, amount) of the successful sale payments; None when they use several accounts."""
    accounts: dict[str, int] = {}
    for pay in payments.itertuples(index=False):
        if pay.type != "sale" or pay.status != "success":
            continue
        account = config.payment_account(pay.payment_type_name, pay.gateway, outlet_code)
        accounts[account] = accounts.get(account, 0) + pay.amount
    if not accounts:
        return None, 0
    if len(accounts) > 1:
        return None, None
    return next(iter(accounts.items()))


def sales_invoice(
    order, lines: pd.DataFrame, payments: pd.DataFrame, config: MerchantConfig, day: date
):
    """The invoice document of one order (already checked by the posting rules), or a Hold."""
    outlet = config.outlet(order.outlet_code)
    tax = config.tax_for(order.outlet_code)

    def hold(reason: str) -> tuple[None, Hold]:
        return None, order_hold(order, day, reason)

    invoice_lines: list[dict] = []
    model_lines: list[InvoiceLine] = []
    folded_discount = 0
    for line in lines.itertuples(index=False):
        taxed = tax is not None and line.tax_amount != 0
        percent = _percent(line.discount_amount, line.total_order_amount)
        if percent is None:  # not representable as a Jurnal line percentage
            folded_discount += line.discount_amount
            percent = Decimal(0)
        attrs = {
            "product_code": line.sku,
            "description": line.product_name
            if not line.variant_name
            else f"{line.product_name} ({line.variant_name})",
            "quantity": _number(line.quantity),
            "rate": line.base_price,
        }
        if percent:
            attrs["discount"] = _number(percent)
        if taxed:
            attrs["line_tax_name"] = tax.jurnal_name
        invoice_lines.append(attrs)
        model_lines.append(
            InvoiceLine(
                line.quantity, Decimal(line.base_price), percent, tax.rate if taxed else None
            )
        )

    charges = (
        order.total_additional_subtotal_amount
        + order.total_additional_order_amount
        + order.total_additional_final_amount
    )
    if charges:
        line_tax = int(lines["tax_amount"].sum()) if len(lines) else 0
        charge_tax = order.total_tax_amount - line_tax
        rate = charges + (charge_tax if order.tax_inclusive else 0)
        attrs = {"product_name": config.service_charge_product, "quantity": 1, "rate": rate}
        taxed = tax is not None and charge_tax != 0
        if taxed:
            attrs["line_tax_name"] = tax.jurnal_name
        invoice_lines.append(attrs)
        model_lines.append(
            InvoiceLine(Decimal(1), Decimal(rate), Decimal(0), tax.rate if taxed else None)
        )
    if not invoice_lines:
        return hold("the order has no lines to invoice. Check it in iSeller.")
    discount = Decimal(int(lines["discount_order_amount"].sum()) + folded_discount)
    fit = fit_total(
        model_lines,
        Decimal(order.total_amount),
        discount_value=discount,
        tax_inclusive=bool(order.tax_inclusive),
        shipping=Decimal(order.total_shipping_amount),
    )
    if fit is None:
        expected = invoice_totals(
            model_lines,
            discount_value=discount,
            tax_inclusive=bool(order.tax_inclusive),
            shipping=Decimal(order.total_shipping_amount),
        ).total
        return hold(
            f"Jurnal would compute {format_idr(to_rupiah(expected))} (exactly {expected}) for its "
            f"invoice but the order's total is {format_idr(order.total_amount)}, more than "
            "rounding apart. Correct the order's tax and discounts in iSeller or post it by hand."
        )
    discount += fit.extra_discount
    if fit.rounding:
        invoice_lines.append(
            {"product_name": config.rounding_product, "quantity": 1, "rate": _number(fit.rounding)}
        )

    account, paid = _deposit(payments, config, order.outlet_code)
    if paid is None:
        return hold(
            "it was paid with several payment methods that map to different accounts; split "
            "payments are posted as separate receive payments, which this version does not do "
            "yet. Post the payments by hand in Jurnal."
        )

    number = transaction_no(config, order.order_reference)
    body: dict = {
        "transaction_date": day.isoformat(),
        "due_date": day.isoformat(),
        "transaction_no": number,
        "custom_id": order.order_id,
        "reference_no": order.order_reference,
        "person_name": config.walk_in_customer,
        "memo": _memo(order),
        "tags": [order.outlet_code],
        "use_tax_inclusive": bool(order.tax_inclusive),
        "tax_after_discount": True,
        "transaction_lines_attributes": invoice_lines,
    }
    if outlet is not None and outlet.warehouse:
        body["warehouse_name"] = outlet.warehouse
    if config.term_name:
        body["term_name"] = config.term_name
    if discount:
        body["discount_type_name"] = "Value"
        body["discount_unit"] = _number(discount)
    if order.total_shipping_amount:
        body["shipping_price"] = order.total_shipping_amount
    if paid:
        body["deposit_to_name"] = account
        body["deposit"] = paid
    document = Document(
        doc_key=f"{SALES_INVOICE}:{order.order_id}",
        doc_type=SALES_INVOICE,
        business_date=day,
        outlet_code=order.outlet_code,
        source_id=order.order_id,
        source_reference=order.order_reference,
        transaction_no=number,
        custom_id=order.order_id,
        expected_total=order.total_amount,
        payload={SALES_INVOICE: body},
    )
    return document, None


def _memo(order) -> str:
    customer = f", customer {order.customer_name}" if order.customer_name else ""
    return f"iSeller order {order.order_reference}, outlet {order.outlet_code}{customer}"


def sales_invoices(sales: DaySales, config: MerchantConfig, skip: set[str] | None = None):
    """Invoice documents for the day's sales; orders in ``skip`` (already held) are left out."""
    frames = sales.frames
    skip = skip or set()
    lines_by_order = dict(tuple(frames.lines.groupby("order_id", sort=False)))
    pays_by_order = dict(tuple(frames.payments.groupby("order_id", sort=False)))
    documents: list[Document] = []
    holds: list[Hold] = []
    for order in frames.orders.itertuples(index=False):
        if order.order_id in skip:
            continue
        document, hold = sales_invoice(
            order,
            lines_by_order.get(order.order_id, frames.lines.iloc[0:0]),
            pays_by_order.get(order.order_id, frames.payments.iloc[0:0]),
            config,
            sales.day,
        )
        if hold is not None:
            holds.append(hold)
        else:
            documents.append(document)
    return documents, holds
