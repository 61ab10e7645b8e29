"""Jurnal emulator: sales invoices (create, batch create, list, get, update, delete).

An accepted invoice posts its ledger lines (receivable, revenue per product sell account, tax,
discount, withholding, shipping, and for tracked products and the tracked components of a
bundle COGS against inventory at the warehouse's moving-average cost) and records its deposit
as a receive payment. Mixed into
:class:`journal_sandbox.jurnal_app.JurnalSandbox`; J-numbers refer to
``docs/assumptions/jurnal.md``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from journal_sandbox.http import Request, Response, Router
from journal_sandbox.jurnal_common import (
    COMPANY_CURRENCY,
    DISCOUNT_TYPES,
    FIRST_TRANSACTION_NO,
    HUNDRED,
    STATUS_OPEN,
    STATUS_PAID,
    STATUS_PARTIAL,
    UNPROCESSABLE,
    ZERO,
    ApiError,
    FieldErrors,
    InvoiceLine,
    InvoiceTotals,
    amount_number,
    amount_str,
    clean_text,
    compute_invoice,
    currency_format,
    iso_timestamp,
    jurnal_date,
    model_errors,
    parse_amount,
    parse_request_date,
    quantity_json,
    truthy,
)
from journal_sandbox.jurnal_store import (
    ACCOUNT_COGS,
    CATEGORY_CASH_AND_BANK,
    DEFAULT_INVOICE_TERM,
    DEFAULT_RECEIVABLE_ACCOUNT,
    DEFAULT_SALE_ACCOUNT,
    DEFAULT_SALE_DISCOUNT_ACCOUNT,
    DEFAULT_SALE_SHIPPING_ACCOUNT,
    UNASSIGNED_WAREHOUSE_ID,
    LedgerLine,
)

PERSON_FIELDS = (
    "id",
    "display_name",
    "title",
    "first_name",
    "middle_name",
    "last_name",
    "tax_no",
    "email",
    "address",
    "billing_address",
    "phone",
    "fax",
)


class InvoicesMixin:
    """Sales invoices and their postings."""

    store: Any

    def _routes_invoices(self, r: Router) -> None:
        r.add("GET", r"sales_invoices", self._list_sales_invoices)
        r.add("POST", r"sales_invoices", self._create_sales_invoice)
        r.add("POST", r"sales_invoices/batch_create", self._batch_create_sales_invoices)
        r.add("GET", r"sales_invoices/(?P<id>\d+)", self._get_sales_invoice)
        r.add("PATCH", r"sales_invoices/(?P<id>\d+)", self._update_sales_invoice)
        r.add("PUT", r"sales_invoices/(?P<id>\d+)", self._update_sales_invoice)
        r.add("DELETE", r"sales_invoices/(?P<id>\d+)", self._delete_sales_invoice)
        r.add(
            "GET",
            r"sales_invoices/(?P<id>\d+)/receive_payments",
            self._list_invoice_payments,
        )

    # --- sales invoices ------------------------------------------------------------------

    def _list_sales_invoices(self, request: Request) -> Response:
        def decimal_of(key: str) -> Callable[[dict[str, Any]], Any]:
            return lambda d: Decimal(d.get(key) or 0)

        return self._page(
            request,
            "sales_invoice",
            "sales_invoices",
            {
                "created_at": "created_at",
                "transaction_date": "tx_date",
                "get_number": "transaction_no",
            },
            sort_python={
                "original_amount": decimal_of("original_amount"),
                "remaining": decimal_of("remaining"),
                "people_display_name": lambda d: (d["person"]["display_name"] or "").casefold(),
                "transaction_status_name": lambda d: d["transaction_status"]["name"],
                "person_id": lambda d: d["person"]["id"],
                "tags_name": lambda d: d.get("tags_string") or "",
                # Documented keys without an emulated counterpart (no expenses on invoices;
                # one sales-account category): they keep the id order.
                "total_expense_amount": lambda d: 0,
                "transaction_lines_account_category": lambda d: 0,
            },
            rejected_sort_keys=frozenset({"id", "transaction_no"}),
        )

    def _get_sales_invoice(self, request: Request) -> Response:
        invoice = self._record_or_422("sales_invoice", request.params["id"])
        return Response(200, {"sales_invoice": invoice})

    def _create_sales_invoice(self, request: Request) -> Response:
        invoice = self._accept_invoice(self._json_body(request, "sales_invoice"))
        return Response(201, {"sales_invoice": invoice})

    def _batch_create_sales_invoices(self, request: Request) -> Response:
        return self._batch(request, "sales_invoices", "sales_invoice", self._accept_invoice)

    def _accept_invoice(
        self, data: dict[str, Any], existing: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Validate, compute, store and post one invoice; ApiError(422) when refused.

        ``existing``: the invoice being rewritten by an update (keeps its id and creation).
        """
        if not isinstance(data, dict):
            raise ApiError(422, FieldErrors.single("sales_invoice", "is not valid"))
        with self.store.transaction():
            self._check_invoice_duplicates(data, None if existing is None else existing["id"])
            parsed = self._resolve_invoice(data)
            totals = compute_invoice(
                parsed["lines"],
                discount_type=parsed["discount_type"],
                discount_unit=parsed["discount_unit"],
                tax_after_discount=parsed["tax_after_discount"],
                tax_inclusive=parsed["tax_inclusive"],
                shipping_price=parsed["shipping_price"],
                witholding_type=parsed["witholding_type"],
                witholding_value=parsed["witholding_value"],
                deposit=parsed["deposit"],
            )
            self._check_invoice_totals(parsed, totals)
            invoice = self._store_invoice(data, parsed, totals, existing)
            self.store.set_meta(f"body:sales_invoice:{invoice['id']}", json.dumps(data))
            return invoice

    def _invoice_locked(self, invoice: dict[str, Any], action: str) -> ApiError | None:
        """J-35: an invoice with payments received after creation or with returns is
        locked; one with only its deposit payment can be updated but not deleted."""
        deposit_ids = {p["id"] for p in invoice["payments"] if p.get("deposit")}
        later_payments = [p for p in invoice["payments"] if p["id"] not in deposit_ids]
        blocked = bool(invoice["sales_returns"]) or bool(later_payments)
        if action == "delete":
            blocked = blocked or bool(invoice["payments"])
        if not blocked:
            return None
        what = "payments or returns" if action == "delete" else "payments or returns after creation"
        return ApiError(
            422,
            {
                **UNPROCESSABLE,
                "error_full_messages": [
                    f"Invoice {invoice['transaction_no']} has {what}; "
                    f"delete them before you {action} it"
                ],
            },
        )

    def _update_sales_invoice(self, request: Request) -> Response:
        """J-35: the sent fields replace the stored ones; sent lines replace all lines."""
        invoice = self._record_or_422("sales_invoice", request.params["id"])
        patch = self._json_body(request, "sales_invoice")
        locked = self._invoice_locked(invoice, "update")
        if locked is not None:
            raise locked
        stored = self.store.get_meta(f"body:sales_invoice:{invoice['id']}")
        original = json.loads(stored) if stored else self._request_from_invoice(invoice)
        merged = {**original, **patch}
        if "transaction_lines_attributes" in patch:
            known = {line["id"] for line in invoice["transaction_lines_attributes"]}
            lines = patch["transaction_lines_attributes"]
            if isinstance(lines, list):
                stripped = []
                for line in lines:
                    if isinstance(line, dict) and line.get("id") not in (None, ""):
                        if int(line["id"]) not in known:
                            raise ApiError(
                                422,
                                FieldErrors.single(
                                    "transaction_lines_attributes.id",
                                    f"{line['id']} is not a line of this invoice",
                                ),
                            )
                        line = {k: v for k, v in line.items() if k != "id"}
                    stripped.append(line)
                merged["transaction_lines_attributes"] = stripped
        if not clean_text(merged.get("transaction_no")):
            merged["transaction_no"] = invoice["transaction_no"]
        with self.store.transaction():
            self._undo_invoice(invoice)
            updated = self._accept_invoice(merged, existing=invoice)
        return Response(200, {"sales_invoice": updated})

    @staticmethod
    def _request_from_invoice(invoice: dict[str, Any]) -> dict[str, Any]:
        """A create request equivalent to a stored invoice (for state without its request)."""
        deposit = Decimal(invoice.get("deposit") or 0)
        body: dict[str, Any] = {
            "transaction_no": invoice["transaction_no"],
            "custom_id": invoice.get("custom_id"),
            "transaction_date": invoice["transaction_date"],
            "due_date": invoice["due_date"],
            "person_name": invoice["person"]["display_name"],
            "term_name": (invoice.get("term") or {}).get("name"),
            "warehouse_id": (invoice.get("warehouse") or {}).get("id"),
            "memo": invoice.get("memo"),
            "message": invoice.get("message"),
            "reference_no": invoice.get("reference_no"),
            "source": invoice.get("source"),
            "tags": [t["name"] for t in invoice.get("tags", [])],
            "discount_type_name": invoice["discount_type"]["name"],
            "discount_unit": invoice["discount_unit"],
            "use_tax_inclusive": invoice["use_tax_inclusive"],
            "tax_after_discount": invoice["tax_after_discount"],
            "shipping_price": invoice.get("shipping_price"),
            "transaction_lines_attributes": [
                {
                    "product_id": line["product"]["id"],
                    "description": line.get("description"),
                    "quantity": line["quantity"],
                    "rate": line["rate"],
                    "discount": line["discount"],
                    "line_tax_id": (line.get("line_tax") or {}).get("id"),
                }
                for line in invoice["transaction_lines_attributes"]
            ],
        }
        if deposit:
            body["deposit"] = str(deposit)
            body["deposit_to_name"] = (invoice.get("deposit_to") or {}).get("name")
        return body

    def _delete_sales_invoice(self, request: Request) -> Response:
        invoice = self._record_or_422("sales_invoice", request.params["id"])
        locked = self._invoice_locked(invoice, "delete")
        if locked is not None:
            raise locked
        with self.store.transaction():
            self._undo_invoice(invoice)
            self.store.set_meta(f"body:sales_invoice:{invoice['id']}", "{}")
        return Response(204)

    def _undo_invoice(self, invoice: dict[str, Any]) -> None:
        """Remove an invoice with its postings, stock movements and deposit payment."""
        for payment in invoice["payments"]:
            self.store.unpost("receive_payment", payment["id"])
            self.store.delete("receive_payment", payment["id"])
        self.store.unpost("sales_invoice", invoice["id"])
        self._undo_stock("sales_invoice", invoice["id"])
        self.store.delete("sales_invoice", invoice["id"])

    def _list_invoice_payments(self, request: Request) -> Response:
        invoice = self._record_or_422("sales_invoice", request.params["id"])
        payments = [
            p
            for p in (self.store.get("receive_payment", ref["id"]) for ref in invoice["payments"])
            if p is not None
        ]
        return self._page(request, "receive_payment", "receive_payments", {}, records=payments)

    def _check_invoice_duplicates(self, data: dict[str, Any], own_id: int | None) -> None:
        """J-8: per-company uniqueness of custom_id and transaction_no among invoices."""
        messages: dict[str, str] = {}
        existing_id = None
        custom_id = clean_text(data.get("custom_id"))
        transaction_no = clean_text(data.get("transaction_no"))
        if custom_id:
            existing = self.store.find("sales_invoice", custom_id=custom_id)
            if existing is not None and existing["id"] != own_id:
                messages["custom_id"] = "(Custom id attribute had already been used.)"
                existing_id = existing["id"]
        if transaction_no:
            existing = self.store.find("sales_invoice", transaction_no=transaction_no)
            if existing is not None and existing["id"] != own_id:
                messages["transaction_no"] = "(Transaction number had already been used)"
                existing_id = existing_id or existing["id"]
        if messages:
            raise ApiError(422, model_errors(messages, existing_id))

    def _resolve_invoice(self, data: dict[str, Any]) -> dict[str, Any]:
        errors = FieldErrors()
        parsed: dict[str, Any] = {}

        person_name = clean_text(data.get("person_name"))
        parsed["person"] = None
        if person_name is None:
            errors.add("person_name", "can't be blank")
        else:
            parsed["person"] = self.store.find("person", name=person_name)
            if parsed["person"] is None:
                errors.add("person_name", f"{person_name} not exist")  # J-11

        transaction_date = self._request_date(data, "transaction_date", errors) or self._today()
        parsed["transaction_date"] = transaction_date

        term_name = clean_text(data.get("term_name"))
        parsed["term"] = self.store.find("term", name=term_name or DEFAULT_INVOICE_TERM)
        if parsed["term"] is None:
            errors.add("term_name", f"{term_name} not exist")
        due_date = self._request_date(data, "due_date", errors)
        if due_date is None and parsed["term"] is not None:
            due_date = transaction_date + timedelta(days=int(parsed["term"]["longetivity"]))
        parsed["due_date"] = due_date or transaction_date
        parsed["shipping_date"] = self._request_date(data, "shipping_date", errors)

        parsed["warehouse"] = self._resolve_warehouse(data, errors)

        deposit = parse_amount(data.get("deposit"), "deposit", errors) or ZERO
        parsed["deposit"] = deposit
        parsed["deposit_to"] = None
        deposit_to_name = clean_text(data.get("deposit_to_name"))
        if deposit_to_name:
            account = self.store.find("account", name=deposit_to_name)
            if account is None:
                errors.add("deposit_to_name", f"{deposit_to_name} not exist")
            elif account["category_id"] != CATEGORY_CASH_AND_BANK:  # J-14
                errors.add("deposit_to_name", f"{deposit_to_name} is not a Cash & Bank account")
            parsed["deposit_to"] = account
        elif deposit:
            errors.add("deposit_to_name", "can't be blank")
        if deposit < 0:
            errors.add("deposit", "must be greater than or equal to 0")

        discount_type_name = clean_text(data.get("discount_type_name")) or "Percent"
        parsed["discount_type"] = discount_type_name.lower()
        if parsed["discount_type"] not in DISCOUNT_TYPES:
            errors.add("discount_type_name", "can only be Percent or Value")
        parsed["discount_unit"] = (
            parse_amount(data.get("discount_unit"), "discount_unit", errors) or ZERO
        )

        witholding_type = clean_text(data.get("witholding_type"))
        witholding_value = parse_amount(data.get("witholding_value"), "witholding_value", errors)
        parsed["witholding_type"] = None
        parsed["witholding_value"] = witholding_value or ZERO
        parsed["witholding_account"] = None
        if witholding_value:
            parsed["witholding_type"] = (witholding_type or "percent").lower()
            if parsed["witholding_type"] not in DISCOUNT_TYPES:
                errors.add("witholding_type", "can only be Percent or Value")
            account_name = clean_text(data.get("witholding_account_name"))
            if account_name is None:
                errors.add("witholding_account_name", "can't be blank")
            else:
                parsed["witholding_account"] = self.store.find("account", name=account_name)
                if parsed["witholding_account"] is None:
                    errors.add("witholding_account_name", f"{account_name} not exist")

        parsed["shipping_price"] = (
            parse_amount(data.get("shipping_price"), "shipping_price", errors) or ZERO
        )
        parsed["tax_after_discount"] = truthy(data.get("tax_after_discount"), True)
        parsed["tax_inclusive"] = truthy(data.get("use_tax_inclusive"), False)

        tags = data.get("tags") or []
        if isinstance(tags, str):
            tags = [tags]
        if not isinstance(tags, list):
            errors.add("tags", "must be a list of names")
            tags = []
        parsed["tag_names"] = [t for t in (clean_text(tag) for tag in tags) if t]

        raw_lines = data.get("transaction_lines_attributes")
        parsed["lines"] = []
        if not isinstance(raw_lines, list) or not raw_lines:
            errors.add("transaction_lines_attributes", "can't be blank")
        else:
            for raw in raw_lines:
                line = self._resolve_line(raw, errors)
                if line is not None:
                    parsed["lines"].append(line)
        errors.raise_if_any()
        return parsed

    def _request_date(self, data: dict[str, Any], key: str, errors: FieldErrors) -> date | None:
        value = data.get(key)
        if value in (None, ""):
            return None
        parsed = parse_request_date(value)
        if parsed is None:
            errors.add(key, f"{value} is not a valid date")
        return parsed

    def _resolve_line(self, raw: object, errors: FieldErrors) -> InvoiceLine | None:
        if not isinstance(raw, dict):
            errors.add("transaction_lines_attributes", "is not valid")
            return None
        if raw.get("id") not in (None, ""):
            errors.add("transaction_lines_attributes.id", "must not be sent on create")
        product = self._resolve_line_product(raw, errors)
        tax = self._resolve_line_tax(raw, errors)
        # J-46: a line number that is not a number is reported under the association's
        # Rails key ("transaction_lines.<attribute>") with "transaction_lines": is not valid.
        numbers = FieldErrors()
        quantity = parse_amount(raw.get("quantity"), "transaction_lines.quantity", numbers)
        quantity = Decimal(1) if quantity is None else quantity
        discount = parse_amount(raw.get("discount"), "transaction_lines.discount", numbers) or ZERO
        rate = parse_amount(raw.get("rate"), "transaction_lines.rate", numbers)
        amount = parse_amount(raw.get("amount"), "transaction_lines.amount", numbers)
        if numbers:
            errors.add("transaction_lines", "is not valid")
            for name, messages in numbers.fields.items():
                for message in messages:
                    errors.add(name, message)
        if rate is None:  # J-17
            if amount is not None and quantity:
                factor = 1 - discount / HUNDRED
                rate = amount / quantity / factor if factor else ZERO
            elif product is not None:
                rate = Decimal(product.get("sell_price_per_unit") or 0)
            else:
                rate = ZERO
        if product is None:
            return None
        description = clean_text(raw.get("description"))
        if description is None:
            description = product.get("description")
        return InvoiceLine(
            product=product,
            tax=tax,
            quantity=quantity,
            rate=rate,
            discount=discount,
            description=description,
            custom_id=clean_text(raw.get("custom_id")),
        )

    def _resolve_line_product(self, raw: dict[str, Any], errors: FieldErrors) -> dict | None:
        product_id = raw.get("product_id")
        product_custom_id = clean_text(raw.get("product_custom_id"))
        if product_id not in (None, "") or product_custom_id:
            by_id = None
            if product_id not in (None, ""):
                try:
                    by_id = self.store.get("product", int(product_id))
                except (TypeError, ValueError):
                    by_id = None
                if by_id is None:
                    errors.add("product_id", f"{product_id} not exist")
                    return None
            if product_custom_id:
                by_custom = self.store.find("product", custom_id=product_custom_id)
                if by_custom is None:
                    errors.add("product_custom_id", f"{product_custom_id} not exist")
                    return None
                if by_id is not None and by_id["id"] != by_custom["id"]:
                    errors.add("product_custom_id", "does not match product_id")
                    return None
                return by_custom
            return by_id
        name = clean_text(raw.get("product_name"))
        code = clean_text(raw.get("product_code"))
        if not name and not code:
            errors.add("product", "can't be blank")
            return None
        by_name = self.store.find("product", name=name) if name else None
        by_code = self.store.find("product", code=code) if code else None
        if name and by_name is None:
            errors.add("product_name", f"{name} not exist")
        if code and by_code is None:
            errors.add("product_code", f"{code} not exist")
        if by_name is not None and by_code is not None and by_name["id"] != by_code["id"]:
            errors.add("product_code", f"{code} does not match product {name}")
            return None
        if (name and by_name is None) or (code and by_code is None):
            return None
        return by_name or by_code

    def _resolve_line_tax(self, raw: dict[str, Any], errors: FieldErrors) -> dict | None:
        tax_id = raw.get("line_tax_id")
        tax_name = clean_text(raw.get("line_tax_name"))
        by_id = None
        if tax_id not in (None, ""):
            try:
                by_id = self.store.get("tax", int(tax_id))
            except (TypeError, ValueError):
                by_id = None
            if by_id is None:
                errors.add("line_tax_id", f"{tax_id} not exist")
                return None
        if tax_name:
            by_name = self.store.find("tax", name=tax_name)
            if by_name is None:
                errors.add("line_tax_name", f"{tax_name} not exist")
                return None
            if by_id is not None and by_id["id"] != by_name["id"]:
                errors.add("line_tax_name", f"{tax_name} does not match line_tax_id {tax_id}")
                return None
            return by_name
        return by_id

    def _check_invoice_totals(self, parsed: dict[str, Any], totals: InvoiceTotals) -> None:
        """J-6, J-46: the record validations, keyed and worded like Jurnal's recorded answer
        (``create_invalid_response.json`` of Mekari's Ruby client), in its key order."""
        messages: dict[str, str] = {}
        must_be_positive = "(Value must be greater than 0.)"
        discounted = totals.lines_total - totals.discount_price
        if parsed["discount_unit"] < 0 or discounted < 0:
            messages["discount_unit"] = must_be_positive
        if totals.discount_price < 0 or discounted < 0:
            messages["discount_price"] = must_be_positive
        if totals.remaining < 0:
            messages["remaining"] = must_be_positive
        if totals.original_amount < 0:
            messages["original_amount"] = must_be_positive
        bad_amount = any(amount <= 0 for amount in totals.amounts)
        bad_discount = any(line.discount < 0 for line in parsed["lines"])
        if bad_amount or bad_discount:
            messages["transaction_lines"] = "is not valid"
        if totals.tax_amount < 0:
            messages["tax_amount"] = "Negative Tax Value Only Permitted For Witholding Tax"
        if bad_amount:
            messages["transaction_lines.amount"] = "(Must be greater than 0)"
        if bad_discount:
            messages["transaction_lines.discount"] = "(Value must be greater than or equal to 0.)"
        if totals.deposit > totals.original_amount - totals.witholding_amount:
            messages["amount_receive"] = (
                "(Value received cannot be greater than remaining balance.)"
            )
        if totals.witholding_amount > totals.original_amount:
            messages["witholding_value"] = (
                "can't be added if transaction amount is less than witholding"
            )
        if parsed["shipping_price"] < 0:
            messages["shipping_price"] = must_be_positive
        if messages:
            raise ApiError(422, model_errors(messages, None))

    def _next_transaction_no(self, kind: str) -> str:
        while True:
            candidate = str(self.store.next_counter(f"{kind}_no", FIRST_TRANSACTION_NO))
            if self.store.find(kind, transaction_no=candidate) is None:
                return candidate

    def _store_invoice(
        self,
        data: dict[str, Any],
        parsed: dict[str, Any],
        totals: InvoiceTotals,
        existing: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        invoice_id = self.store.next_id() if existing is None else existing["id"]
        transaction_no = clean_text(data.get("transaction_no")) or self._next_transaction_no(
            "sales_invoice"
        )
        custom_id = clean_text(data.get("custom_id"))
        now = iso_timestamp(self._now())
        created_at = now if existing is None else existing["created_at"]
        tags = self._tags(parsed["tag_names"])
        person = parsed["person"]
        warehouse = parsed["warehouse"]
        inclusive = parsed["tax_inclusive"]

        lines_out = []
        for line, amount, tax in zip(parsed["lines"], totals.amounts, totals.taxes, strict=True):
            product = line.product
            lines_out.append(
                {
                    "id": self.store.next_id(),
                    "custom_id": line.custom_id,
                    "description": line.description,
                    "amount": amount_str(amount),
                    "discount": amount_str(line.discount),
                    "rate": amount_str(line.rate),
                    "tax": None,
                    "line_tax": {
                        "id": line.tax["id"] if line.tax else None,
                        "name": line.tax["name"] if line.tax else None,
                        "rate": line.tax["rate"] if line.tax else None,
                    },
                    "line_tax_amount": amount_str(tax),
                    "amount_currency_format": currency_format(amount),
                    "rate_currency_format": currency_format(line.rate),
                    "has_return_line": False,
                    "quantity": quantity_json(line.quantity),
                    "unit": product.get("unit"),
                    "product": {
                        "id": product["id"],
                        "name": product["name"],
                        "code": product.get("product_code"),
                        "product_custom_id": product.get("custom_id"),
                        "archive": product.get("archive", False),
                        "quantity": quantity_json(Decimal(product.get("quantity") or 0)),
                        "quantity_string": amount_str(Decimal(product.get("quantity") or 0)),
                        "track_inventory": product.get("track_inventory", False),
                    },
                }
            )

        tax_groups: dict[int, tuple[dict[str, Any], Decimal]] = {}
        for line, tax in zip(parsed["lines"], totals.taxes, strict=True):
            if line.tax is None:
                continue
            _, running = tax_groups.get(line.tax["id"], (line.tax, ZERO))
            tax_groups[line.tax["id"]] = (line.tax, running + tax)
        tax_details = [
            {
                "name": f"{t['name']} {t['rate']}%",
                "tax_amount": amount_number(value),
                "tax_amount_currency_format": currency_format(value),
            }
            for t, value in tax_groups.values()
        ]

        money = {
            "remaining": totals.original_amount - totals.witholding_amount,
            "original_amount": totals.original_amount,
            "shipping_price": totals.shipping_price,
            "tax_amount": totals.tax_amount,
            "witholding_amount": totals.witholding_amount,
            "discount_price": totals.discount_price,
            "amount_receive": ZERO,
            "subtotal": totals.subtotal,
            "deposit": ZERO,
            "discount_per_lines": totals.discount_per_lines,
            "payment_received_amount": ZERO,
        }
        term = parsed["term"]
        invoice: dict[str, Any] = {
            "id": invoice_id,
            "transaction_no": transaction_no,
            "selected_po_id": None,
            "selected_pq_id": None,
            "token": secrets.token_urlsafe(16)[:22] if existing is None else existing["token"],
            "email": clean_text(data.get("email")) or "",
            "source": clean_text(data.get("source")) or "apikey",  # J-18
            "address": clean_text(data.get("address")) or "",
            "message": clean_text(data.get("message")) or "",
            "memo": clean_text(data.get("memo")) or "",
            "shipping_address": clean_text(data.get("shipping_address")) or "",
            "is_shipped": truthy(data.get("is_shipped"), False),
            "ship_via": clean_text(data.get("ship_via")),
            "reference_no": clean_text(data.get("reference_no")) or "",
            "tracking_no": clean_text(data.get("tracking_no")),
            "tax_after_discount": parsed["tax_after_discount"],
            "use_tax_inclusive": inclusive,
            "witholding_value": amount_str(parsed["witholding_value"]),
            "witholding_type": parsed["witholding_type"],
            "status": "approved",
            "custom_id": custom_id,
            "created_at": created_at,
            "updated_at": now,
            "deleted_at": None,
            "deletable": True,
            "editable": True,
            "audited_by": None,
            "transaction_date": jurnal_date(parsed["transaction_date"]),
            "due_date": jurnal_date(parsed["due_date"]),
            "shipping_date": jurnal_date(parsed["shipping_date"]),
            "has_deliveries": False,
            "transaction_status": dict(STATUS_OPEN),
            "transaction_lines_attributes": lines_out,
            "payments": [],
            "sales_returns": [],
            "sales_deliveries": [],
            "credit_memos": [],
            "sales_quote": {"id": None, "transaction_no": None},
            "person": {k: person.get(k) for k in PERSON_FIELDS},
            "discount_type": dict(DISCOUNT_TYPES[parsed["discount_type"]]),
            "discount_unit": amount_str(parsed["discount_unit"]),
            "warehouse": {
                "id": warehouse["id"] if warehouse else None,
                "name": warehouse["name"] if warehouse else None,
                "code": warehouse["code"] if warehouse else None,
            },
            "deposit_to": self._account_ref_category(parsed["deposit_to"]),
            "term": {k: term[k] for k in ("id", "name", "longetivity")},
            "tags": tags,
            "tags_string": ", ".join(t["name"] for t in tags),
            "has_payments": False,
            "email_previews": {"times_sent": 0, "sent_to_list": []},
            "earliest_payment_date": "",
            "tax": {"id": None, "name": None, "rate": None},
            "tax_details": tax_details,
            "attachments": [],
            "is_reconciled": False,
            "witholding_account": self._account_ref_category(parsed["witholding_account"]),
            "currency_code": "IDR",
            "currency_rate": 1,
            "company_currency": COMPANY_CURRENCY,
        }
        for key, value in money.items():
            if key == "witholding_amount":
                invoice[key] = amount_number(value)
            else:
                invoice[key] = amount_str(value)
            invoice[f"{key}_currency_format"] = currency_format(value)

        self._save_invoice(invoice)
        self._post_invoice(invoice, parsed, totals)
        if totals.deposit > 0:
            self._record_payment(
                {
                    "transaction_date": parsed["transaction_date"],
                    "deposit_to": parsed["deposit_to"],
                    "person": invoice["person"],
                    "payment_method": None,
                    "records": [(invoice, totals.deposit)],
                    "memo": "",
                    "custom_id": None,
                    "tag_names": [],
                    "is_draft": False,
                },
                deposit=True,
            )
            invoice = self.store.get("sales_invoice", invoice_id)
        return invoice

    def _save_invoice(self, invoice: dict[str, Any], *, insert: bool | None = None) -> None:
        day = parse_request_date(invoice["transaction_date"])
        keys = {
            "transaction_no": invoice["transaction_no"],
            "custom_id": invoice.get("custom_id"),
            "tx_date": None if day is None else day.isoformat(),
            "created_at": invoice["created_at"],
        }
        if insert is None:
            insert = self.store.get("sales_invoice", invoice["id"]) is None
        if insert:
            self.store.insert("sales_invoice", invoice, **keys)
        else:
            self.store.update("sales_invoice", invoice, **keys)

    def _refresh_invoice(self, invoice: dict[str, Any]) -> None:
        """J-22, J-36: balance, status and locks from the invoice's payments and returns."""
        for entry in invoice["payments"]:
            if "amount" not in entry:  # state written before payments carried their amount
                payment = self.store.get("receive_payment", entry["id"]) or {"records": []}
                entry["amount"] = amount_str(
                    sum(
                        (
                            Decimal(r["amount"])
                            for r in payment["records"]
                            if r.get("transaction_id") == invoice["id"]
                        ),
                        ZERO,
                    )
                )
                entry.setdefault("deposit", True)
        paid = sum((Decimal(p["amount"]) for p in invoice["payments"]), ZERO)
        deposit = sum((Decimal(p["amount"]) for p in invoice["payments"] if p["deposit"]), ZERO)
        returned = sum((Decimal(r["amount"]) for r in invoice["sales_returns"]), ZERO)
        due = Decimal(invoice["original_amount"]) - Decimal(str(invoice["witholding_amount"]))
        remaining = max(ZERO, due - paid - returned)
        money = {
            "remaining": remaining,
            "deposit": deposit,
            "amount_receive": deposit,
            "payment_received_amount": paid - deposit,
        }
        for key, value in money.items():
            invoice[key] = amount_str(value)
            invoice[f"{key}_currency_format"] = currency_format(value)
        if remaining == 0:
            status = STATUS_PAID
        elif paid > 0 or returned > 0:
            status = STATUS_PARTIAL
        else:
            status = STATUS_OPEN
        invoice["transaction_status"] = dict(status)
        invoice["has_payments"] = bool(invoice["payments"])
        dates = [parse_request_date(p["transaction_date"]) for p in invoice["payments"]]
        earliest = min((d for d in dates if d is not None), default=None)
        invoice["earliest_payment_date"] = jurnal_date(earliest) or ""
        locked = bool(invoice["sales_returns"]) or any(
            not p["deposit"] for p in invoice["payments"]
        )
        invoice["deletable"] = not invoice["payments"] and not invoice["sales_returns"]
        invoice["editable"] = not locked
        for line in invoice["transaction_lines_attributes"]:
            line["has_return_line"] = any(
                line["id"] in r.get("line_ids", ()) for r in invoice["sales_returns"]
            )
        invoice["updated_at"] = iso_timestamp(self._now())
        self._save_invoice(invoice, insert=False)

    # --- bundles (J-51) -------------------------------------------------------------------

    def _stocked_units(
        self, product: dict[str, Any], quantity: Decimal
    ) -> list[tuple[dict[str, Any], Decimal]]:
        """What ``quantity`` of a product moves in stock: a bundle's tracked components (its
        own stock never moves), a tracked product itself, an untracked one nothing."""
        if product.get("is_bundle"):
            units = []
            for part in product.get("product_bundles") or []:
                component = self.store.get("product", part["product_id"])
                if component is not None and component.get("track_inventory"):
                    units.append((component, quantity * Decimal(str(part["quantity"]))))
            return units
        return [(product, quantity)] if product.get("track_inventory") else []

    def _post_invoice(
        self, invoice: dict[str, Any], parsed: dict[str, Any], totals: InvoiceTotals
    ) -> None:
        """J-19, J-32: the postings of an invoice, with COGS of its tracked products."""
        receivable = self._account_by_name(DEFAULT_RECEIVABLE_ACCOUNT)
        lines = [
            LedgerLine(
                receivable["id"],
                debit=totals.original_amount - totals.witholding_amount,
                description="Invoice receivable",
            ),
            LedgerLine(
                self._account_by_name(DEFAULT_SALE_DISCOUNT_ACCOUNT)["id"],
                debit=totals.discount_price,
                description="Invoice discount",
            ),
        ]
        if totals.witholding_amount:
            lines.append(
                LedgerLine(
                    parsed["witholding_account"]["id"],
                    debit=totals.witholding_amount,
                    description="Witholding",
                )
            )
        revenue: dict[int, Decimal] = {}
        tax_credit: dict[int, Decimal] = {}
        default_sale = self._account_by_name(DEFAULT_SALE_ACCOUNT)
        cogs_default = self._account_by_name(ACCOUNT_COGS)
        warehouse = parsed["warehouse"]
        warehouse_id = warehouse["id"] if warehouse else UNASSIGNED_WAREHOUSE_ID
        day = parsed["transaction_date"]
        line_facts = []
        for line, out, amount, share, tax in zip(
            parsed["lines"],
            invoice["transaction_lines_attributes"],
            totals.amounts,
            totals.discount_shares,
            totals.taxes,
            strict=True,
        ):
            account = line.product.get("sell_account") or default_sale
            net = amount - tax if parsed["tax_inclusive"] else amount
            revenue[account["id"]] = revenue.get(account["id"], ZERO) + net
            tax_account = None
            if line.tax is not None:
                tax_account = line.tax["sell_tax_account"]["id"]
                tax_credit[tax_account] = tax_credit.get(tax_account, ZERO) + tax
            line_facts.append(
                {
                    "line_id": out["id"],
                    "quantity": str(line.quantity),
                    "amount": str(amount),
                    "share": str(share),
                    "tax": str(tax),
                    "tax_account_id": tax_account,
                }
            )
            for product, quantity in self._stocked_units(line.product, line.quantity):
                moved = self._stock_move(
                    product,
                    warehouse_id,
                    -quantity,
                    transaction_type="sales_invoice",
                    transaction_id=invoice["id"],
                    tx_date=day,
                    line_id=out["id"],
                )
                cost_account = (product.get("buy_account") or {}).get("id") or cogs_default["id"]
                inventory = self._inventory_account(product)
                lines += [
                    LedgerLine(cost_account, debit=-moved, description=f"COGS {product['name']}"),
                    LedgerLine(inventory["id"], credit=-moved, description=product["name"]),
                ]
        lines += [LedgerLine(a, credit=v, description="Sales") for a, v in revenue.items()]
        lines += [LedgerLine(a, credit=v, description="Tax") for a, v in tax_credit.items()]
        lines.append(
            LedgerLine(
                self._account_by_name(DEFAULT_SALE_SHIPPING_ACCOUNT)["id"],
                credit=totals.shipping_price,
                description="Shipping",
            )
        )
        self.store.post(
            "sales_invoice", invoice["id"], invoice["transaction_no"], day.isoformat(), lines
        )
        self.store.set_meta(f"lines:sales_invoice:{invoice['id']}", json.dumps(line_facts))
