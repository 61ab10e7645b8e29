"""Per-order mode: one Jurnal sales invoice per completed order.

The invoice carries the order's lines by SKU (so Jurnal moves stock and books its cost of
sales), the outlet's tax, the order-level discount as an invoice discount, service charge as
a line of the service-charge product (its amount and tax as the reading of the order's service
charge gives them, `service_charge.py`, so the invoice is the same whichever way iSeller stated
the charge), and what the customer paid as a deposit to the payment method's clearing account.
Its keys are deterministic: ``custom_id`` is the iSeller order id and ``transaction_no`` is the
prefix plus the order reference, so a second run finds the first invoice instead of creating
another.

Before an invoice is built into the outbox its total is computed the way Jurnal computes it;
an order whose invoice would not come to the order's total is held, not posted.

Missing values leave their part out: a line without a variant reads just the product name;
a line without a SKU names its product by name (no ``product_code`` key); an order without
a customer has no customer in its memo. The invoice's person is the order's customer, by the
display name `customers.py` gives it, or the config's walk-in customer for an order without a
customer id. A line with neither SKU nor product name is held.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from journal_pipeline.accounting.business_day import sold_on
from journal_pipeline.accounting.customers import invoice_person
from journal_pipeline.accounting.discount_placement import nearer_in_lines
from journal_pipeline.accounting.documents import SALES_INVOICE, Document, transaction_no
from journal_pipeline.accounting.holds import Hold, order_hold
from journal_pipeline.accounting.invoice_assembly import Built, day_invoices, invoice_memo
from journal_pipeline.accounting.invoice_columns import invoice_parts
from journal_pipeline.accounting.jurnal_arithmetic import InvoiceLine
from journal_pipeline.accounting.labels import item_name, line_description
from journal_pipeline.accounting.mapping import DPP_NILAI_LAIN
from journal_pipeline.accounting.order_fit import fitted
from journal_pipeline.accounting.payments import (
    AccountMemo,
    Settlement,
    settle_at_sale,
    split_payment_documents,
)
from journal_pipeline.accounting.posting_rules import (
    DatedPayment,
    DaySales,
    payments_at_sale,
    records_by_order,
)
from journal_pipeline.accounting.service_charge import charge_readings, read_service_charge
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.cycle_collection import cycle_collection_paused
from journal_pipeline.core.missing import text_or_none
from journal_pipeline.core.money import format_idr, to_rupiah
from journal_pipeline.core.orders import LineRow, OrderRow


def _percent(discount: int, gross: int) -> Decimal | None:
    """The line discount as a percentage Jurnal can hold exactly (≤ 2 places), else None."""
    if discount == 0 or gross == 0:
        return Decimal(0)
    percent = Decimal(discount) * 100 / Decimal(gross)
    if percent == percent.quantize(Decimal("0.01")):
        return percent.normalize()
    return None


def json_number(value: Decimal | int) -> int | str:
    """JSON-friendly exact number: int when whole, else a decimal string."""
    as_decimal = Decimal(value)
    if as_decimal == as_decimal.to_integral_value():
        return int(as_decimal)
    return str(as_decimal.normalize())


def is_free(line: LineRow) -> bool:
    """A line at no charge (a free modifier, a 100% line discount): Jurnal refuses a line whose
    amount is not above zero, so the invoice names it in its memo instead of a line."""
    return line.total_order_amount <= line.discount_amount


def free_lines(lines: pd.DataFrame) -> pd.Series:
    """`is_free` of every row of the frames' ``lines`` at once (a missing amount: not free)."""
    gross = pd.to_numeric(lines["total_order_amount"], errors="coerce")
    off = pd.to_numeric(lines["discount_amount"], errors="coerce")
    return (gross <= off).fillna(False).astype(bool)


def line_product(line: LineRow) -> dict[str, str] | None:
    """How an invoice line names its Jurnal product: by SKU (``product_code``), else by
    product name; None when the line has neither."""
    sku = text_or_none(line.sku)
    if sku:
        return {"product_code": sku}
    name = text_or_none(line.product_name)
    if name:
        return {"product_name": name}
    return None


def _on_a_tax_base_of_11_12(lines: list[LineRow], tax: Any, inclusive: bool) -> str | None:
    """The fix when the lines' tax is the outlet's rate on 11/12 of their price (PPN 12% on a
    tax base of 11/12, DPP nilai lain) while Jurnal's tax charges the whole rate; else None."""
    if tax is None or tax.stated_rate is not None:
        return None
    taxed = sum(line.tax_amount for line in lines)
    net = sum(line.subtotal - (line.tax_amount if inclusive else 0) for line in lines)
    if taxed <= 0 or net <= 0:
        return None
    on_base = (tax.rate * DPP_NILAI_LAIN).quantize(Decimal("0.01"))
    if abs(Decimal(taxed) * 100 / Decimal(net) - on_base) > Decimal("0.05"):
        return None
    return (
        f"Its lines' tax is {tax.rate}% of 11/12 of their price ({on_base.normalize():f}% of "
        f"it: PPN on a tax base of 11/12, DPP nilai lain) while {tax.jurnal_name} charges "
        f"{tax.rate}%: give the tax rate: {on_base.normalize():f} (a Jurnal tax of that rate) "
        f"and stated_rate: {tax.rate} in the config (README, taxes), then run the day again."
    )


def _rounded_down(rounding: int, excess: int) -> str | None:
    """The fix when the excess of Jurnal's total is the till's rounding down of the amount due
    (either sign reading of ``rounding_amount``, I-31) and no rounding account is mapped to
    deduct it on, else None."""
    if not rounding or excess <= 0 or abs(excess - abs(rounding)) > 100:
        return None
    return (
        f"The till rounded the amount due down by {format_idr(abs(rounding))} "
        "(rounding_amount), more than an invoice discount may take without changing the tax, "
        "and the invoice deducts it (Pemotongan) on the rounding account, which the config "
        "does not map. Map the rounding role under accounts (README, accounts), then run the "
        "day again."
    )


def sales_invoice(
    order: OrderRow,
    lines: list[LineRow],
    payments: list[DatedPayment],
    config: MerchantConfig,
    day: date,
) -> tuple[list[Document], None] | tuple[None, Hold]:
    """The invoice document of one order (already checked by the posting rules) and the
    receive payments of a split payment, or a Hold."""
    return _sales_invoice(order, lines, payments, config, day, None, None)


#: What an invoice takes of the reading of an order's service charge (`service_charge.py`):
#: the charge as stated, its income and its tax.
_Charge = tuple[int, int, int]


def _sales_invoice(
    order: OrderRow,
    lines: list[LineRow],
    payments: list[DatedPayment],
    config: MerchantConfig,
    day: date,
    charge_read: _Charge | None,
    memo: AccountMemo | None,
) -> tuple[list[Document], None] | tuple[None, Hold]:
    """`sales_invoice`; ``charge_read``: the order's service charge as its matched reading
    gives it (`service_charge.charge_readings`), None to read it here; ``memo``: the clearing
    accounts of the day's payment methods found so far (`payments.settle_at_sale`)."""
    outlet_code = text_or_none(order.outlet_code)
    outlet = config.outlet(outlet_code)
    tax = config.tax_for(outlet_code, sold_on(order, day))  # as iSeller taxed the sale

    def hold(reason: str) -> tuple[None, Hold]:
        return None, order_hold(order, day, reason)

    if outlet_code is None:
        return hold("the order names no outlet. Check it in iSeller.")

    invoice_lines: list[dict[str, Any]] = []
    model_lines: list[InvoiceLine] = []
    folded_discount = 0
    free_items = []
    goods: list[LineRow] = []  # the priced lines, in the invoice's order
    for line in lines:
        if is_free(line):
            name = item_name(line.product_name, line.sku) or "item without a name"
            free_items.append(f"{json_number(line.quantity)} × {name}")
            continue
        product = line_product(line)
        if product is None:
            return hold(
                f"line {line.line_no} has neither a SKU nor a product name, so Jurnal cannot "
                "tell which product it is. Name the product (or give it a SKU) in iSeller."
            )
        taxed_as = tax if tax is not None and line.tax_amount != 0 else None
        percent = _percent(line.discount_amount, line.total_order_amount)
        if percent is None:  # not representable as a Jurnal line percentage
            folded_discount += line.discount_amount
            percent = Decimal(0)
        attrs: dict[str, Any] = {
            **product,
            "description": line_description(line.product_name, line.variant_name, line.sku),
            "quantity": json_number(line.quantity),
            "rate": line.base_price,
        }
        if percent:
            attrs["discount"] = json_number(percent)
        if taxed_as is not None:
            attrs["line_tax_name"] = taxed_as.jurnal_name
        invoice_lines.append(attrs)
        goods.append(line)
        model_lines.append(
            InvoiceLine(
                line.quantity,
                Decimal(line.base_price),
                percent,
                taxed_as.rate if taxed_as is not None else None,
            )
        )

    if charge_read is None:
        reading = read_service_charge(order, lines, config)
        if reading.matched is None:
            return hold(reading.reason())
        matched = reading.matched
        charge_read = (matched.stated_charge, matched.charge, matched.charge_tax)
    stated_charge, charge_income, charge_tax = charge_read
    if stated_charge:
        # the charge as the reading the order matched gives it (service_charge.py): its income
        # and its tax, priced with that tax when the invoice is tax-inclusive, whichever way
        # iSeller stated it
        rate = charge_income + (charge_tax if order.tax_inclusive else 0)
        charge: dict[str, Any] = {
            "product_name": config.service_charge_product,
            "quantity": 1,
            "rate": rate,
        }
        charge_tax_config = tax if tax is not None and charge_tax != 0 else None
        if charge_tax_config is not None:
            charge["line_tax_name"] = charge_tax_config.jurnal_name
        invoice_lines.append(charge)
        model_lines.append(
            InvoiceLine(
                Decimal(1),
                Decimal(rate),
                Decimal(0),
                charge_tax_config.rate if charge_tax_config is not None else None,
            )
        )
    if not invoice_lines and free_items and not order.total_amount:
        # nothing owed, nothing earned: no invoice, but a row in the outbox all the same, as the
        # record that the order was built (`StagingStore.completed_orders_without_documents`)
        return None, order_hold(
            order,
            day,
            f"every line is at no charge ({', '.join(free_items)}): nothing is owed and "
            "nothing earned, and Jurnal takes no invoice line of Rp 0, so there is no invoice "
            "to post. Goods tracked in stock leave it by the order's own stock adjustment "
            "(free goods, number <invoice no>/G). Nothing to do.",
            nothing_to_post=True,
        )
    if not invoice_lines:
        return hold(
            f"the order has no lines to invoice ({', '.join(free_items) or 'none'} at no "
            f"charge) but its total is {format_idr(order.total_amount)}. Check it in iSeller."
            if order.total_amount
            else "the order has no lines to invoice. Check it in iSeller."
        )
    discount = Decimal(sum(line.discount_order_amount for line in lines) + folded_discount)
    rounding_account = config.account("rounding", outlet_code)
    fit, deduction, expected = fitted(model_lines, discount, order, rounding_account)
    iseller_tax = Decimal(sum(line.tax_amount for line in lines) + charge_tax)
    placed = nearer_in_lines(
        goods, model_lines, discount, fit, order, rounding_account, iseller_tax
    )
    if placed is not None:  # the discount inside the lines' own: Jurnal's tax is iSeller's
        in_lines, fit, deduction = placed
        discount, model_lines = Decimal(0), in_lines.model
        for attrs, percent in zip(invoice_lines, in_lines.percents, strict=False):
            attrs.pop("discount", None)
            if percent:
                attrs["discount"] = json_number(percent)
    if fit is None:
        return hold(
            f"Jurnal would compute {format_idr(to_rupiah(expected))} (exactly {expected}) for its "
            f"invoice but the order's total is {format_idr(order.total_amount)}, more than "
            "rounding apart. "
            + (
                _on_a_tax_base_of_11_12(lines, tax, bool(order.tax_inclusive))
                or (
                    None
                    if rounding_account
                    else _rounded_down(
                        order.rounding_amount, to_rupiah(expected) - order.total_amount
                    )
                )
                or "Correct the order's tax and discounts in iSeller or post it by hand."
            )
        )
    discount += fit.extra_discount
    if fit.rounding:
        invoice_lines.append(
            {
                "product_name": config.rounding_product,
                "quantity": 1,
                "rate": json_number(fit.rounding),
            }
        )

    settlement = settle_at_sale(payments_at_sale(payments, day), config, outlet_code, memo=memo)
    if settlement.unmapped:
        return hold("a payment method has no account mapping (see payment_methods).")

    number = transaction_no(config, order.order_reference)
    body: dict[str, Any] = {
        "transaction_date": day.isoformat(),
        "due_date": day.isoformat(),
        "transaction_no": number,
        "custom_id": order.order_id,
        "reference_no": order.order_reference,
        "person_name": invoice_person(
            order.customer_id, order.customer_name, config.walk_in_customer
        ),
        "memo": _memo(order.order_reference, outlet_code, order.customer_name, free_items),
        "tags": [outlet_code],
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
        body["discount_unit"] = json_number(discount)
    if order.total_shipping_amount:
        body["shipping_price"] = order.total_shipping_amount
    if deduction:
        body["witholding_type"] = "value"
        body["witholding_value"] = deduction
        body["witholding_account_name"] = rounding_account
    if settlement.deposit:
        body["deposit_to_name"] = settlement.deposit_account
        body["deposit"] = settlement.deposit
    document = Document(
        doc_key=f"{SALES_INVOICE}:{order.order_id}",
        doc_type=SALES_INVOICE,
        business_date=day,
        outlet_code=outlet_code,
        source_id=order.order_id,
        source_reference=order.order_reference,
        transaction_no=number,
        custom_id=order.order_id,
        expected_total=order.total_amount,
        payload={SALES_INVOICE: body},
    )
    return [document, *split_payment_documents(settlement, payments, config, day)], None


def _memo(reference: str, outlet_code: str, customer_name: object, free_items: list[str]) -> str:
    """`invoice_assembly.invoice_memo`: an order without a customer has no customer part."""
    return invoice_memo(reference, outlet_code, text_or_none(customer_name), free_items)


@cycle_collection_paused()
def sales_invoices(
    sales: DaySales, config: MerchantConfig, skip: set[str] | None = None
) -> tuple[list[Document], list[Hold]]:
    """Invoice documents for the day's sales; orders in ``skip`` (already held) are left out.

    The parts of every invoice are computed at once, from the frames (`invoice_columns`);
    an order they do not give exactly (one that might be held, or whose total needs a longer
    search to fit) goes through `_sales_invoice`, which says why. Either way each order gives
    what `sales_invoice` gives it, in the orders' order."""
    frames = sales.frames
    orders = frames.orders
    skip = skip or set()
    charges = sales.charges
    if charges is None or not np.array_equal(
        charges["order_id"].to_numpy(dtype=object), orders["order_id"].to_numpy(dtype=object)
    ):
        charges = charge_readings(orders, frames.lines, config.on(sales.day))
    read = [
        (int(stated), int(income), int(tax)) if matched else None  # unmatched: read again, held
        for matched, stated, income, tax in zip(
            charges["matched"].tolist(),
            charges["stated_charge"].tolist(),
            charges["charge"].tolist(),
            charges["charge_tax"].tolist(),
            strict=True,
        )
    ]
    order_ids = orders["order_id"].tolist()
    skipped = np.array([order_id in skip for order_id in order_ids], dtype=bool)
    memo: AccountMemo = {}
    parts = invoice_parts(
        orders, frames.lines, frames.payments, read, skipped, config, sales.day, memo
    )
    fast = np.zeros(len(order_ids), dtype=bool) if parts is None else parts.fast
    split = np.zeros(len(order_ids), dtype=bool) if parts is None else parts.split & fast
    paid = set(orders["order_id"].to_numpy(dtype=object)[split | (~fast & ~skipped)].tolist())
    pays_by_order = records_by_order(frames.payments[frames.payments["order_id"].isin(paid)])
    settlements: dict[int, Settlement] = {}
    for position in np.flatnonzero(split).tolist():
        settlement = settle_at_sale(
            payments_at_sale(pays_by_order.get(order_ids[position], []), sales.day),
            config,
            parts.outlet_codes[position] if parts is not None else None,
            memo=memo,
        )
        if settlement.unmapped:  # held: read one by one, which says why
            fast[position] = False
        else:
            settlements[position] = settlement

    one_by_one: dict[int, Built] = {}
    slow = np.flatnonzero(~fast & ~skipped)
    if len(slow):
        slow_orders = orders.iloc[slow]
        slow_ids = set(slow_orders["order_id"].tolist())
        lines_by_order = records_by_order(frames.lines[frames.lines["order_id"].isin(slow_ids)])
        for position, order in zip(slow.tolist(), slow_orders.itertuples(index=False), strict=True):
            one_by_one[position] = _sales_invoice(
                order,
                lines_by_order.get(order.order_id, []),
                pays_by_order.get(order.order_id, []),
                config,
                sales.day,
                read[position],
                memo,
            )
    return day_invoices(orders, parts, settlements, pays_by_order, one_by_one, config, sales.day)
