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

from datetime import date
from decimal import Decimal

from journal_pipeline.accounting.documents import SALES_INVOICE, Document, transaction_no
from journal_pipeline.accounting.holds import Hold, order_hold
from journal_pipeline.accounting.jurnal_arithmetic import InvoiceLine, fit_total, invoice_totals
from journal_pipeline.accounting.payments import settle_at_sale, split_payment_documents
from journal_pipeline.accounting.posting_rules import (
    DaySales,
    payments_at_sale,
    records_by_order,
)
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.money import format_idr, to_rupiah


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


def sales_invoice(order, lines: list, payments: list, config: MerchantConfig, day: date):
    """The invoice document of one order (already checked by the posting rules), or a Hold."""
    outlet = config.outlet(order.outlet_code)
    tax = config.tax_for(order.outlet_code)

    def hold(reason: str) -> tuple[None, Hold]:
        return None, order_hold(order, day, reason)

    invoice_lines: list[dict] = []
    model_lines: list[InvoiceLine] = []
    folded_discount = 0
    free_items = []
    for line in lines:
        if line.total_order_amount <= line.discount_amount:
            # Jurnal refuses a line whose amount is not above zero: a free item (a modifier
            # at no charge, a 100% line discount) is named in the memo instead.
            free_items.append(f"{_number(line.quantity)} × {line.product_name or line.sku}")
            continue
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
        line_tax = sum(line.tax_amount for line in lines)
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
    discount = Decimal(sum(line.discount_order_amount for line in lines) + folded_discount)
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

    settlement = settle_at_sale(payments_at_sale(payments, day), config, order.outlet_code)
    if settlement.unmapped:
        return hold("a payment method has no account mapping (see payment_methods).")

    number = transaction_no(config, order.order_reference)
    body: dict = {
        "transaction_date": day.isoformat(),
        "due_date": day.isoformat(),
        "transaction_no": number,
        "custom_id": order.order_id,
        "reference_no": order.order_reference,
        "person_name": config.walk_in_customer,
        "memo": _memo(order, free_items),
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
    if settlement.deposit:
        body["deposit_to_name"] = settlement.deposit_account
        body["deposit"] = settlement.deposit
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
    return [document, *split_payment_documents(settlement, payments, config, day)], None


def _memo(order, free_items: list[str]) -> str:
    customer = f", customer {order.customer_name}" if order.customer_name else ""
    free = f"; free of charge: {', '.join(free_items)}" if free_items else ""
    return f"iSeller order {order.order_reference}, outlet {order.outlet_code}{customer}{free}"


def sales_invoices(sales: DaySales, config: MerchantConfig, skip: set[str] | None = None):
    """Invoice documents for the day's sales; orders in ``skip`` (already held) are left out."""
    frames = sales.frames
    skip = skip or set()
    lines_by_order = records_by_order(frames.lines)
    pays_by_order = records_by_order(frames.payments)
    documents: list[Document] = []
    holds: list[Hold] = []
    for order in frames.orders.itertuples(index=False):
        if order.order_id in skip:
            continue
        order_documents, hold = sales_invoice(
            order,
            lines_by_order.get(order.order_id, []),
            pays_by_order.get(order.order_id, []),
            config,
            sales.day,
        )
        if hold is not None:
            holds.append(hold)
        else:
            documents.extend(order_documents)
    return documents, holds
