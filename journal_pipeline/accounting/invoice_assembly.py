"""The day's invoice documents in the orders' order, assembled in one pass.

An order `invoice_columns.invoice_parts` gives (``fast``) gets its sales invoice built here
from the columns, as `invoices._sales_invoice` would build it; any other order gets what
`_sales_invoice` gave it, read one by one. Every value an invoice built here takes from
outside the parts' typed lines is checked once over the day: when all are plain JSON, no
document walks its own payload (`Document.of_checked_fields`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import pandas as pd

from journal_pipeline.accounting.customers import display_name
from journal_pipeline.accounting.documents import SALES_INVOICE, Document
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.accounting.invoice_columns import InvoiceParts
from journal_pipeline.accounting.payments import Settlement, split_payment_documents
from journal_pipeline.accounting.posting_rules import DatedPayment
from journal_pipeline.accounting.sale_lines import text_or_none_all
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.missing import non_json_values

#: What `invoices._sales_invoice` gives an order: its documents, or why it is held.
Built = tuple[list[Document], None] | tuple[None, Hold]


def invoice_memo(
    reference: str, outlet_code: str, customer: str | None, free_items: list[str]
) -> str:
    """``iSeller order #JKT-000101, outlet JKT[, customer Made Wirawan][; free of charge: …]``;
    ``customer``: the customer's name as `text_or_none` reads it (None: no customer part)."""
    named = f", customer {customer}" if customer else ""
    free = f"; free of charge: {', '.join(free_items)}" if free_items else ""
    return f"iSeller order {reference}, outlet {outlet_code}{named}{free}"


_PLAIN_TYPES = {str, int, bool, type(None)}


def _plain_columns(columns: list[list[Any]]) -> bool:
    """Whether every value of the columns (lists of single values) is one JSON carries
    exactly (`non_json_values`): at once by their types when all are text, integers, booleans
    or None, else value by value."""
    return not any(
        not set(map(type, column)) <= _PLAIN_TYPES and any(non_json_values(column))
        for column in columns
    )


def day_invoices(
    orders: pd.DataFrame,
    parts: InvoiceParts | None,
    settlements: Mapping[int, Settlement],
    pays_by_order: Mapping[str, list[DatedPayment]],
    one_by_one: Mapping[int, Built],
    config: MerchantConfig,
    day: date,
) -> tuple[list[Document], list[Hold]]:
    """The documents and holds of the day's orders (rows of ``orders``), in their order: the
    fast orders of ``parts`` built from it (``settlements``: those of the orders paid at the
    sale with several payments), the orders of ``one_by_one`` as it gives them; any other
    order (skipped) gives nothing."""
    documents: list[Document] = []
    holds: list[Hold] = []

    def take(built: Built) -> None:
        order_documents, hold = built
        if hold is not None:
            holds.append(hold)
        elif order_documents is not None:
            documents.extend(order_documents)

    if parts is None:
        for position in sorted(one_by_one):
            take(one_by_one[position])
        return documents, holds

    accounts, deposits = list(parts.deposit_account), list(parts.deposit)
    for position, settlement in settlements.items():
        accounts[position], deposits[position] = settlement.deposit_account, settlement.deposit
    warehouses = {
        code: outlet.warehouse if (outlet := config.outlet(code)) is not None else None
        for code in set(parts.outlet_codes)
    }
    order_ids = orders["order_id"].tolist()
    references = orders["order_reference"].tolist()
    shipping = orders["total_shipping_amount"].tolist()
    constants = [config.term_name, config.walk_in_customer, config.rounding_product]
    money = [shipping, parts.discount, parts.rounding, accounts, deposits, parts.deduction]
    checked = _plain_columns([order_ids, references, *money, list(warehouses.values()), constants])
    make: Callable[[dict[str, Any]], Document] = (
        Document.of_checked_fields if checked else lambda fields: Document(**fields)
    )
    iso, prefix, term = day.isoformat(), config.transaction_no_prefix, config.term_name
    walk_in, rounding_product = config.walk_in_customer, config.rounding_product
    names = orders["customer_name"].tolist()
    built = parts.fast.tolist()
    persons = [  # `invoice_person`
        (display_name(ident, name) if ident is not None else walk_in) if fast else ""
        for fast, ident, name in zip(
            built, text_or_none_all(orders["customer_id"].tolist()), names, strict=True
        )
    ]
    memos = [
        invoice_memo(reference, code, customer, free_items) if fast and code is not None else ""
        for fast, reference, code, customer, free_items in zip(
            built,
            references,
            parts.outlet_codes,
            text_or_none_all(names),
            parts.free_items,
            strict=True,
        )
    ]
    columns = zip(
        built,
        order_ids,
        references,
        parts.outlet_codes,
        persons,
        memos,
        orders["tax_inclusive"].tolist(),
        parts.lines,
        parts.rounding,
        parts.discount,
        shipping,
        accounts,
        deposits,
        orders["total_amount"].tolist(),
        parts.deduction,
        parts.deduction_account,
        strict=True,
    )
    for position, (
        fast,
        order_id,
        reference,
        code,
        person,
        memo,
        inclusive,
        lines,
        rounding,
        discount,
        shipping_price,
        account,
        deposit,
        total,
        deduction,
        deduction_account,
    ) in enumerate(columns):
        if not fast:
            if position in one_by_one:
                take(one_by_one[position])
            continue
        if rounding is not None:
            lines = [*lines, {"product_name": rounding_product, "quantity": 1, "rate": rounding}]
        number = f"{prefix}{reference.lstrip('#').strip()}"  # `documents.transaction_no`
        body: dict[str, Any] = {
            "transaction_date": iso,
            "due_date": iso,
            "transaction_no": number,
            "custom_id": order_id,
            "reference_no": reference,
            "person_name": person,
            "memo": memo,
            "tags": [code],
            "use_tax_inclusive": bool(inclusive),
            "tax_after_discount": True,
            "transaction_lines_attributes": lines,
        }
        warehouse = warehouses[code]
        if warehouse:
            body["warehouse_name"] = warehouse
        if term:
            body["term_name"] = term
        if discount is not None:
            body["discount_type_name"] = "Value"
            body["discount_unit"] = discount
        if shipping_price:
            body["shipping_price"] = shipping_price
        if deduction:  # the till's rounding down (`order_fit`)
            body["witholding_type"] = "value"
            body["witholding_value"] = deduction
            body["witholding_account_name"] = deduction_account
        if deposit:
            body["deposit_to_name"] = account
            body["deposit"] = deposit
        documents.append(
            make(
                {
                    "doc_key": f"{SALES_INVOICE}:{order_id}",
                    "doc_type": SALES_INVOICE,
                    "business_date": day,
                    "outlet_code": code,
                    "source_id": order_id,
                    "source_reference": reference,
                    "transaction_no": number,
                    "custom_id": order_id,
                    "expected_total": total,
                    "payload": {SALES_INVOICE: body},
                }
            )
        )
        settled = settlements.get(position)
        if settled is not None:
            order_payments = pays_by_order.get(order_id, [])
            documents.extend(split_payment_documents(settled, order_payments, config, day))
    return documents, holds
