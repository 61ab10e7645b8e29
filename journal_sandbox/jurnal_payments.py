"""Jurnal emulator: receive payments and sales returns, the documents that settle invoices.

Mixed into :class:`journal_sandbox.jurnal_app.JurnalSandbox`; J-numbers refer to
``docs/assumptions/jurnal.md``.
"""

from __future__ import annotations

import json
import secrets
from decimal import Decimal
from typing import Any

from journal_sandbox.http import Request, Response, Router
from journal_sandbox.jurnal_common import (
    STATUS_CLOSED,
    ZERO,
    ApiError,
    FieldErrors,
    allocate_cents,
    amount_number,
    amount_str,
    clean_text,
    currency_format,
    iso_timestamp,
    jurnal_date,
    model_errors,
    parse_amount,
    q2,
    quantity_json,
    truthy,
)
from journal_sandbox.jurnal_stock import warehouse_ref
from journal_sandbox.jurnal_store import (
    ACCOUNT_COGS,
    CATEGORY_CASH_AND_BANK,
    DEFAULT_RECEIVABLE_ACCOUNT,
    DEFAULT_SALE_DISCOUNT_ACCOUNT,
    DEFAULT_SALES_RETURN_ACCOUNT,
    UNASSIGNED_WAREHOUSE_ID,
    LedgerLine,
)

OVERPAID = "(Value received cannot be greater than remaining balance.)"
#: What becomes of the ``custom_id`` and ``transaction_no`` a sales return is sent with (J-37):
#: ``echoed`` (kept, unique, shown on every answer) or ``documented`` (ignored, as the documented
#: request has neither: every answer shows ``custom_id`` null and an automatic number).
RETURN_KEYS = ("echoed", "documented")
IGNORED_RETURN_KEYS = ("custom_id", "transaction_no")


class PaymentsMixin:
    """Receive payments against invoices and sales returns of invoice lines."""

    store: Any
    return_keys: str  # J-37: echoed or documented (set by JurnalSandbox)

    def _routes_payments(self, r: Router) -> None:
        r.add("GET", r"receive_payments", self._list_receive_payments)
        r.add("POST", r"receive_payments", self._create_receive_payment)
        r.add("POST", r"receive_payments/batch_create", self._batch_create_receive_payments)
        r.add("GET", r"receive_payments/(?P<id>\d+)", self._get_receive_payment)
        r.add("PATCH", r"receive_payments/(?P<id>\d+)", self._update_receive_payment)
        r.add("DELETE", r"receive_payments/(?P<id>\d+)", self._delete_receive_payment)
        r.add("GET", r"sales_returns", self._list_sales_returns)
        r.add("POST", r"sales_returns", self._create_sales_return)
        r.add("GET", r"sales_returns/(?P<id>\d+)", self._get_sales_return)
        r.add("PATCH", r"sales_returns/(?P<id>\d+)", self._update_sales_return)
        r.add("DELETE", r"sales_returns/(?P<id>\d+)", self._delete_sales_return)

    # --- receive payments (J-36) ---------------------------------------------------------

    def _list_receive_payments(self, request: Request) -> Response:
        return self._page(
            request,
            "receive_payment",
            "receive_payments",
            {"transaction_date": "tx_date", "created_at": "created_at"},
        )

    def _get_receive_payment(self, request: Request) -> Response:
        payment = self._record_or_422("receive_payment", request.params["id"])
        return Response(200, {"receive_payment": payment})

    def _create_receive_payment(self, request: Request) -> Response:
        payment = self._accept_receive_payment(self._json_body(request, "receive_payment"))
        return Response(201, {"receive_payment": payment})

    def _batch_create_receive_payments(self, request: Request) -> Response:
        return self._batch(
            request, "receive_payments", "receive_payment", self._accept_receive_payment
        )

    def _cash_account(self, data: dict[str, Any], key: str, errors: FieldErrors) -> dict | None:
        """J-14: a ``*_name`` account of category Cash & Bank, required."""
        account = self._named_account(data, key, errors)
        if account is None and key not in errors.fields:
            errors.add(key, "can't be blank")
        elif account is not None and account["category_id"] != CATEGORY_CASH_AND_BANK:
            errors.add(key, f"{account['name']} is not a Cash & Bank account")
        return account

    def _accept_receive_payment(
        self,
        data: dict[str, Any],
        existing: dict[str, Any] | None = None,
        deposit: bool = False,
    ) -> dict[str, Any]:
        with self.store.transaction():
            self._check_unique_number("receive_payment", data)
            errors = FieldErrors()
            day = self._request_date(data, "transaction_date", errors) or self._today()
            deposit_to = self._cash_account(data, "deposit_to_name", errors)
            method = self._resolve_payment_method(data, errors, required=not deposit)
            if parse_amount(data.get("witholding_value"), "witholding_value", errors):
                errors.add("witholding_value", "is not supported on receive payments (J-36)")
            records: list[tuple[dict[str, Any], Decimal]] = []
            raw_records = data.get("records_attributes")
            if not isinstance(raw_records, list) or not raw_records:
                errors.add("records_attributes", "can't be blank")
                raw_records = []
            for raw in raw_records:
                if not isinstance(raw, dict):
                    errors.add("records_attributes", "is not valid")
                    continue
                invoice = self._record_invoice(raw, errors)
                amount = parse_amount(raw.get("amount"), "records_attributes.amount", errors)
                if amount is None or amount <= 0:
                    errors.add("records_attributes.amount", "must be greater than 0")
                elif invoice is not None:
                    records.append((invoice, q2(amount)))
            people = {invoice["person"]["id"] for invoice, _ in records}
            if len(people) > 1:
                errors.add("records_attributes", "invoices must belong to one customer")
            seen = [invoice["id"] for invoice, _ in records]
            if len(seen) != len(set(seen)):
                errors.add("records_attributes", "an invoice can be paid once per payment")
            errors.raise_if_any()
            for invoice, amount in records:
                if amount > Decimal(invoice["remaining"]):
                    raise ApiError(422, model_errors({"amount_receive": OVERPAID}, None))
            spec = {
                "transaction_date": day,
                "transaction_no": clean_text(data.get("transaction_no")),
                "deposit_to": deposit_to,
                "person": records[0][0]["person"],
                "payment_method": self._materialise_payment_method(method),
                "records": records,
                "memo": clean_text(data.get("memo")) or "",
                "custom_id": clean_text(data.get("custom_id")),
                "tag_names": self._tag_names(data, errors),
                "is_draft": truthy(data.get("is_draft"), False),
            }
            payment = self._record_payment(spec, deposit=deposit, existing=existing)
            self.store.set_meta(
                f"body:receive_payment:{payment['id']}", json.dumps(data, default=str)
            )
            return payment

    def _record_invoice(self, raw: dict[str, Any], errors: FieldErrors) -> dict | None:
        """The invoice a payment record names by ``transaction_no`` or ``transaction_id``."""
        number = clean_text(raw.get("transaction_no"))
        by_number = by_id = None
        if number:
            by_number = self.store.find("sales_invoice", transaction_no=number)
            if by_number is None:
                errors.add("records_attributes.transaction_no", f"{number} not exist")
                return None
        if raw.get("transaction_id") not in (None, ""):
            try:
                by_id = self.store.get("sales_invoice", int(raw["transaction_id"]))
            except (TypeError, ValueError):
                by_id = None
            if by_id is None:
                errors.add(
                    "records_attributes.transaction_id", f"{raw['transaction_id']} not exist"
                )
                return None
        if by_number is not None and by_id is not None and by_number["id"] != by_id["id"]:
            errors.add(
                "records_attributes.transaction_no", f"{number} does not match transaction_id"
            )
            return None
        if by_number is None and by_id is None:
            errors.add("records_attributes.transaction_no", "can't be blank")
        return by_number or by_id

    def _record_payment(
        self,
        spec: dict[str, Any],
        *,
        deposit: bool = False,
        existing: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store and post a receive payment and update its invoices (J-19, J-36).

        ``existing``: the payment being rewritten by an update (keeps its id and creation).
        """
        payment_id = self.store.next_id() if existing is None else existing["id"]
        number = spec.get("transaction_no") or self._next_transaction_no("receive_payment")
        day = spec["transaction_date"]
        total = sum((amount for _, amount in spec["records"]), ZERO)
        records_out = []
        for invoice, amount in spec["records"]:
            balance_due = Decimal(invoice["remaining"]) - amount
            total_due = Decimal(invoice["original_amount"])
            records_out.append(
                {
                    "id": self.store.next_id(),
                    "transaction_id": invoice["id"],
                    "amount": amount_str(amount),
                    "amount_currency_format": currency_format(amount),
                    "description": "",
                    "transaction_type_id": 1,
                    "transaction_type": "Invoice",
                    "transaction_no": invoice["transaction_no"],
                    "transaction_due_date": invoice["due_date"],
                    "transaction_total": amount_number(total_due),
                    "transaction_total_currency_format": currency_format(total_due),
                    "transaction_balance_due": amount_number(balance_due),
                    "transaction_balance_due_currency_format": currency_format(balance_due),
                }
            )
        person = spec["person"]
        method = spec["payment_method"]
        tags = self._tags(spec["tag_names"])
        now = iso_timestamp(self._now())
        payment = {
            "id": payment_id,
            "transaction_no": number,
            "token": (existing or {}).get("token") or secrets.token_urlsafe(16)[:22],
            "status": "approved",
            "memo": spec["memo"],
            "custom_id": spec["custom_id"],
            "source": "apikey",
            "transaction_date": jurnal_date(day),
            "person": {
                "id": person.get("id"),
                "name": person.get("display_name"),
                "email": person.get("email"),
                "address": person.get("address"),
                "phone": person.get("phone"),
                "fax": person.get("fax"),
            },
            "transaction_type": {"id": 2, "name": "Receive Payment"},
            "transaction_status": {**STATUS_CLOSED, "created_at": now, "updated_at": now},
            "payment_method": {
                "id": method["id"] if method else None,
                "name": method["name"] if method else None,
            },
            "deposit_to": self._account_ref_category(spec["deposit_to"]),
            "is_draft": spec["is_draft"],
            "witholding": {
                "witholding_account_name": None,
                "witholding_account_number": None,
                "account_id": None,
                "value": "0.0",
                "type": "percent",
                "amount": 0,
                "amount_currency_format": currency_format(ZERO),
                "category": {"id": None, "name": None},
            },
            "total": amount_number(total),
            "total_currency_format": currency_format(total),
            "records": records_out,
            "attachments": [],
            "tags": tags,
            "tags_string": ", ".join(t["name"] for t in tags),
            "created_at": now if existing is None else existing["created_at"],
            "updated_at": now,
            "deleted_at": None,
            "deletable": True,
            "editable": True,
            "is_reconciled": False,
            "comments_size": 0,
            "currency_code": "IDR",
            "currency_rate": 1,
        }
        self.store.insert(
            "receive_payment",
            payment,
            transaction_no=number,
            custom_id=spec["custom_id"],
            tx_date=day.isoformat(),
            created_at=now,
        )
        if spec["is_draft"]:
            return payment
        receivable = self._account_by_name(DEFAULT_RECEIVABLE_ACCOUNT)
        self.store.post(
            "receive_payment",
            payment_id,
            number,
            day.isoformat(),
            [
                LedgerLine(spec["deposit_to"]["id"], debit=total, description="Payment received"),
                LedgerLine(receivable["id"], credit=total, description="Payment received"),
            ],
        )
        for invoice, amount in spec["records"]:
            current = self.store.get("sales_invoice", invoice["id"])
            current["payments"].append(
                {
                    "id": payment_id,
                    "transaction_no": number,
                    "transaction_date": jurnal_date(day),
                    "amount": amount_str(amount),
                    "deposit": deposit,
                }
            )
            self._refresh_invoice(current)
        return payment

    def _delete_receive_payment(self, request: Request) -> Response:
        """J-36: deleting a payment reopens its invoices (a deposit too)."""
        payment = self._record_or_422("receive_payment", request.params["id"])
        with self.store.transaction():
            self._undo_payment(payment)
        return Response(204)

    def _undo_payment(self, payment: dict[str, Any]) -> bool:
        """Remove a payment, its postings and its effect on invoices; True if a deposit."""
        deposit = False
        self.store.unpost("receive_payment", payment["id"])
        self.store.delete("receive_payment", payment["id"])
        for record in payment["records"]:
            invoice = self.store.get("sales_invoice", record["transaction_id"])
            if invoice is None:
                continue
            mine = [p for p in invoice["payments"] if p["id"] == payment["id"]]
            deposit = deposit or any(p.get("deposit") for p in mine)
            invoice["payments"] = [p for p in invoice["payments"] if p["id"] != payment["id"]]
            self._refresh_invoice(invoice)
        return deposit

    def _update_receive_payment(self, request: Request) -> Response:
        """J-36: the sent fields replace the stored ones; sent records replace all records."""
        payment = self._record_or_422("receive_payment", request.params["id"])
        patch = self._json_body(request, "receive_payment")
        stored = self.store.get_meta(f"body:receive_payment:{payment['id']}")
        original = json.loads(stored) if stored else self._request_from_payment(payment)
        merged = {**original, **patch}
        if isinstance(merged.get("records_attributes"), list):
            merged["records_attributes"] = [
                {k: v for k, v in r.items() if k != "id"} if isinstance(r, dict) else r
                for r in merged["records_attributes"]
            ]
        if not clean_text(merged.get("transaction_no")):
            merged["transaction_no"] = payment["transaction_no"]
        with self.store.transaction():
            deposit = self._undo_payment(payment)
            updated = self._accept_receive_payment(merged, existing=payment, deposit=deposit)
        return Response(200, {"receive_payment": updated})

    @staticmethod
    def _request_from_payment(payment: dict[str, Any]) -> dict[str, Any]:
        """A create request equivalent to a stored payment."""
        return {
            "transaction_no": payment["transaction_no"],
            "transaction_date": payment["transaction_date"],
            "custom_id": payment.get("custom_id"),
            "memo": payment.get("memo"),
            "deposit_to_name": payment["deposit_to"]["name"],
            "payment_method_id": payment["payment_method"]["id"],
            "is_draft": payment.get("is_draft", False),
            "tags": [t["name"] for t in payment.get("tags") or []],
            "records_attributes": [
                {"transaction_id": r["transaction_id"], "amount": r["amount"]}
                for r in payment["records"]
            ],
        }

    # --- sales returns (J-37) ------------------------------------------------------------

    def _list_sales_returns(self, request: Request) -> Response:
        return self._page(
            request,
            "sales_return",
            "sales_returns",
            {"transaction_date": "tx_date", "created_at": "created_at"},
        )

    def _get_sales_return(self, request: Request) -> Response:
        sales_return = self._record_or_422("sales_return", request.params["id"])
        return Response(200, {"sales_return": sales_return})

    def _create_sales_return(self, request: Request) -> Response:
        data = self._json_body(request, "sales_return")
        if self.return_keys == "documented":  # J-37: not documented, so not kept
            data = {k: v for k, v in data.items() if k not in IGNORED_RETURN_KEYS}
        with self.store.transaction():
            self._check_unique_number("sales_return", data)
            sales_return = self._accept_sales_return(data)
        return Response(201, {"sales_return": sales_return})

    def _returned_quantities(self, invoice: dict[str, Any]) -> dict[int, Decimal]:
        returned: dict[int, Decimal] = {}
        for ref in invoice["sales_returns"]:
            document = self.store.get("sales_return", ref["id"]) or {}
            for line in document.get("transaction_return_lines_attributes", []):
                key = line["transaction_line_id"]
                returned[key] = returned.get(key, ZERO) + Decimal(str(line["return_quantity"]))
        return returned

    def _invoice_line_facts(self, invoice: dict[str, Any]) -> dict[int, dict[str, Any]]:
        """Per invoice line: amount, discount share, tax and tax account, as posted."""
        stored = self.store.get_meta(f"lines:sales_invoice:{invoice['id']}")
        if stored:
            return {fact["line_id"]: fact for fact in json.loads(stored)}
        # State written before the facts were kept: share the discount by line amount.
        lines = invoice["transaction_lines_attributes"]
        amounts = [Decimal(line["amount"]) for line in lines]
        shares = allocate_cents(Decimal(invoice.get("discount_price") or 0), amounts)
        facts = {}
        for line, amount, share in zip(lines, amounts, shares, strict=True):
            tax_id = (line.get("line_tax") or {}).get("id")
            tax = self.store.get("tax", tax_id) if tax_id else None
            facts[line["id"]] = {
                "line_id": line["id"],
                "amount": str(amount),
                "share": str(share),
                "tax": line.get("line_tax_amount") or "0",
                "tax_account_id": tax["sell_tax_account"]["id"] if tax else None,
            }
        return facts

    def _return_invoice(self, data: dict[str, Any], errors: FieldErrors) -> dict | None:
        by_id = by_no = None
        number = clean_text(data.get("invoice_no"))
        if data.get("invoice_id") not in (None, ""):
            try:
                by_id = self.store.get("sales_invoice", int(data["invoice_id"]))
            except (TypeError, ValueError):
                by_id = None
            if by_id is None:
                errors.add("invoice_id", f"{data['invoice_id']} not exist")
        if number:
            by_no = self.store.find("sales_invoice", transaction_no=number)
            if by_no is None:
                errors.add("invoice_no", f"{number} not exist")
        if by_id is not None and by_no is not None and by_id["id"] != by_no["id"]:
            errors.add("invoice_no", f"{number} does not match invoice_id")
            return None
        if by_id is None and by_no is None and not errors:
            errors.add("invoice", "can't be blank")
        return by_id or by_no

    def _return_line(
        self, raw: dict[str, Any], invoice: dict[str, Any], errors: FieldErrors
    ) -> dict | None:
        """The invoice line a return line names, by ``transaction_line_id`` or product."""
        lines = invoice["transaction_lines_attributes"]
        if raw.get("transaction_line_id") not in (None, ""):
            try:
                wanted = int(raw["transaction_line_id"])
            except (TypeError, ValueError):
                wanted = None
            line = next((ln for ln in lines if ln["id"] == wanted), None)
            if line is None:
                errors.add("transaction_line_id", f"{raw['transaction_line_id']} not exist")
                return None
            has_product = any(raw.get(k) not in (None, "") for k in ("product_id", "product_name"))
            if has_product:
                product = self._resolve_line_product(raw, errors)
                if product is not None and product["id"] != line["product"]["id"]:
                    errors.add("product", "does not match transaction_line_id")
                    return None
            return line
        product = self._resolve_line_product(raw, errors)
        if product is None:
            return None
        line = next((ln for ln in lines if ln["product"]["id"] == product["id"]), None)
        if line is None:
            errors.add(
                "product", f"{product['name']} is not on invoice {invoice['transaction_no']}"
            )
        return line

    def _undo_sales_return(self, sales_return: dict[str, Any]) -> None:
        self._undo_stock("sales_return", sales_return["id"])
        self.store.unpost("sales_return", sales_return["id"])
        self.store.delete("sales_return", sales_return["id"])
        invoice = self.store.get("sales_invoice", sales_return["invoice_id"])
        if invoice is not None:
            invoice["sales_returns"] = [
                r for r in invoice["sales_returns"] if r["id"] != sales_return["id"]
            ]
            self._refresh_invoice(invoice)

    def _update_sales_return(self, request: Request) -> Response:
        """J-37: only ``return_quantity`` of existing lines (by their ``id``) may change; new
        lines may be added for invoice lines not returned by this return yet."""
        sales_return = self._record_or_422("sales_return", request.params["id"])
        patch = self._json_body(request, "sales_return")
        lines = {
            line["id"]: {
                "transaction_line_id": line["transaction_line_id"],
                "return_quantity": line["return_quantity"],
            }
            for line in sales_return["transaction_return_lines_attributes"]
        }
        added = []
        errors = FieldErrors()
        sent = patch.get("transaction_return_lines_attributes") or []
        if not isinstance(sent, list):
            errors.add("transaction_return_lines_attributes", "is not valid")
            sent = []
        used = {line["transaction_line_id"] for line in lines.values()}
        for raw in sent:
            if not isinstance(raw, dict):
                errors.add("transaction_return_lines_attributes", "is not valid")
            elif raw.get("id") not in (None, ""):
                try:
                    line_id = int(raw["id"])
                except (TypeError, ValueError):
                    line_id = None
                if line_id not in lines:
                    errors.add("transaction_return_lines_attributes.id", f"{raw['id']} not exist")
                else:
                    lines[line_id]["return_quantity"] = raw.get("return_quantity")
            elif raw.get("transaction_line_id") in used:
                errors.add(
                    "transaction_line_id", f"{raw['transaction_line_id']} is already returned"
                )
            else:
                added.append({k: v for k, v in raw.items() if k != "id"})
        errors.raise_if_any()
        merged = {
            "invoice_id": sales_return["invoice_id"],
            "transaction_no": sales_return["transaction_no"],
            "custom_id": sales_return.get("custom_id"),
            "transaction_date": patch.get("transaction_date") or sales_return["transaction_date"],
            "warehouse_id": sales_return["warehouse"]["id"],
            "memo": patch.get("memo", sales_return.get("memo")),
            "message": patch.get("message", sales_return.get("message")),
            "tags": patch.get("tags", [t["name"] for t in sales_return.get("tags") or []]),
            "transaction_return_lines_attributes": [*lines.values(), *added],
        }
        with self.store.transaction():
            self._undo_sales_return(sales_return)
            updated = self._accept_sales_return(merged, existing=sales_return)
        return Response(200, {"sales_return": updated})

    def _accept_sales_return(
        self, data: dict[str, Any], existing: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        errors = FieldErrors()
        invoice = self._return_invoice(data, errors)
        day = self._request_date(data, "transaction_date", errors) or self._today()
        errors.raise_if_any()
        assert invoice is not None
        warehouse = self._resolve_warehouse(data, errors)
        if warehouse is None and invoice["warehouse"]["id"] is not None:
            warehouse = self.store.get("warehouse", invoice["warehouse"]["id"])
        warehouse_id = warehouse["id"] if warehouse else UNASSIGNED_WAREHOUSE_ID
        facts = self._invoice_line_facts(invoice)
        already = self._returned_quantities(invoice)
        wanted: list[tuple[dict[str, Any], Decimal]] = []
        raw_lines = data.get("transaction_return_lines_attributes")
        if not isinstance(raw_lines, list) or not raw_lines:
            errors.add("transaction_return_lines_attributes", "can't be blank")
            raw_lines = []
        for raw in raw_lines:
            if not isinstance(raw, dict):
                errors.add("transaction_return_lines_attributes", "is not valid")
                continue
            line = self._return_line(raw, invoice, errors)
            quantity = parse_amount(raw.get("return_quantity"), "return_quantity", errors)
            if quantity is None:
                errors.add("return_quantity", "can't be blank")
            elif quantity < 0:
                errors.add("return_quantity", "must be greater than or equal to 0")
            elif line is not None:
                left = Decimal(str(line["quantity"])) - already.get(line["id"], ZERO)
                left -= sum((q for ln, q in wanted if ln["id"] == line["id"]), ZERO)
                if quantity > left:
                    errors.add("return_quantity", f"can't be more than {quantity_json(left)}")
                else:
                    wanted.append((line, quantity))
        errors.raise_if_any()

        return_id = self.store.next_id() if existing is None else existing["id"]
        number = clean_text(data.get("transaction_no")) or self._next_transaction_no("sales_return")
        inclusive = invoice["use_tax_inclusive"]
        receivable = self._account_by_name(DEFAULT_RECEIVABLE_ACCOUNT)
        returns_account = self._account_by_name(DEFAULT_SALES_RETURN_ACCOUNT)
        discount_account = self._account_by_name(DEFAULT_SALE_DISCOUNT_ACCOUNT)
        postings: list[LedgerLine] = []
        lines_out = []
        gross = discount = tax_total = total = ZERO
        for line, quantity in wanted:
            fact = facts[line["id"]]
            ratio = quantity / Decimal(str(line["quantity"]))
            line_amount = q2(Decimal(fact.get("amount", line["amount"])) * ratio)
            share = q2(Decimal(fact.get("share", "0")) * ratio)
            tax = q2(Decimal(fact.get("tax", "0")) * ratio)
            net = line_amount - tax if inclusive else line_amount
            owed = line_amount - share + (ZERO if inclusive else tax)
            gross, discount, tax_total, total = (
                gross + line_amount,
                discount + share,
                tax_total + tax,
                total + owed,
            )
            postings.append(LedgerLine(returns_account["id"], debit=net, description="Return"))
            if tax and fact.get("tax_account_id"):
                postings.append(LedgerLine(fact["tax_account_id"], debit=tax, description="Tax"))
            postings.append(
                LedgerLine(discount_account["id"], credit=share, description="Discount")
            )
            product = self.store.get("product", line["product"]["id"])
            line_id = self.store.next_id()
            stocked = product is not None and (
                product.get("track_inventory") or product.get("is_bundle")
            )
            if stocked and quantity:
                # a bundle's stock is its components' (J-51): each comes back on its own
                moves = self.store.stock_moves("sales_invoice", invoice["id"], line_id=line["id"])
                for component, units in self._stocked_units(product, quantity):
                    back = self._stock_move(
                        component,
                        warehouse_id,
                        units,
                        transaction_type="sales_return",
                        transaction_id=return_id,
                        tx_date=day,
                        line_id=line_id,
                        value=_cost_when_sold(moves, component["id"], units),
                    )
                    cost = (component.get("buy_account") or {}).get("id") or self._account_by_name(
                        ACCOUNT_COGS
                    )["id"]
                    postings += [
                        LedgerLine(self._inventory_account(component)["id"], debit=back),
                        LedgerLine(cost, credit=back, description=f"COGS {component['name']}"),
                    ]
            lines_out.append(
                {
                    "id": line_id,
                    "transaction_line_id": line["id"],
                    "return_quantity": quantity_json(quantity),
                    "line_return_amount": amount_number(line_amount),
                    "line_return_amount_currency_format": currency_format(line_amount),
                    "transaction_line": {
                        "product": {
                            "id": line["product"]["id"],
                            "product_code": line["product"]["code"],
                            "name": line["product"]["name"],
                        },
                        "description": line["description"],
                        "quantity": line["quantity"],
                        "rate": line["rate"],
                        "amount": line["amount"],
                        "tax": None,
                        "line_tax": line["line_tax"],
                        "discount": line["discount"],
                        "unit": (line.get("unit") or {}).get("name"),
                        "amount_currency_format": line["amount_currency_format"],
                        "rate_currency_format": line["rate_currency_format"],
                    },
                }
            )
        postings.append(LedgerLine(receivable["id"], credit=total, description="Sales return"))
        self.store.post("sales_return", return_id, number, day.isoformat(), postings)

        now = iso_timestamp(self._now())
        custom_id = clean_text(data.get("custom_id"))
        tags = self._tags(self._tag_names(data, errors))
        sales_return = {
            "id": return_id,
            "transaction_no": number,
            "token": invoice["token"],
            "message": clean_text(data.get("message")) or "",
            "email": invoice.get("email"),
            "memo": clean_text(data.get("memo")) or "",
            "custom_id": custom_id,
            "status": "approved",
            "transaction_status": {**STATUS_CLOSED, "created_at": now, "updated_at": now},
            "address": invoice.get("address"),
            "shipping_address": invoice.get("shipping_address"),
            "shipping_date": invoice.get("shipping_date"),
            "audited_by": None,
            "deleted_at": None,
            "deletable": True,
            "editable": True,
            "transaction_date": jurnal_date(day),
            "due_date": invoice["due_date"],
            "invoice_no": invoice["transaction_no"],
            "invoice_date": invoice["transaction_date"],
            "invoice_id": invoice["id"],
            "invoice_tax_after_discount": invoice["tax_after_discount"],
            "invoice_has_discount_lines": Decimal(invoice["discount_per_lines"]) > 0,
            "has_discount_in_invoice": Decimal(invoice["discount_price"]) > 0,
            "returned_tax": amount_number(tax_total),
            "returned_tax_currency_format": currency_format(tax_total),
            "discount_lines": amount_number(ZERO),
            "discount_lines_currency_format": currency_format(ZERO),
            "discount_whole": amount_number(discount),
            "discount_whole_currency_format": currency_format(discount),
            "return_amount": amount_number(total),
            "return_amount_currency_format": currency_format(total),
            "returned_witholding_amount": 0,
            "returned_witholding_amount_currency_format": currency_format(ZERO),
            "transaction_type": {"id": 12, "name": "Sales Return"},
            "transaction_return_lines_attributes": lines_out,
            "person": {
                "name": invoice["person"].get("display_name"),
                **invoice["person"],
            },
            "warehouse": warehouse_ref(warehouse),
            "is_reconciled": False,
            "attachments": [],
            "tags": tags,
            "tags_string": ", ".join(t["name"] for t in tags),
            "created_at": now if existing is None else existing["created_at"],
            "updated_at": now,
            "currency_code": "IDR",
            "currency_rate": 1,
        }
        self.store.insert(
            "sales_return",
            sales_return,
            transaction_no=number,
            custom_id=custom_id,
            tx_date=day.isoformat(),
            created_at=now,
        )
        current = self.store.get("sales_invoice", invoice["id"])
        current["sales_returns"].append(
            {
                "id": return_id,
                "transaction_no": number,
                "transaction_date": jurnal_date(day),
                "amount": amount_str(total),
                "line_ids": [line["id"] for line, _ in wanted],
            }
        )
        self._refresh_invoice(current)
        return sales_return

    def _delete_sales_return(self, request: Request) -> Response:
        sales_return = self._record_or_422("sales_return", request.params["id"])
        with self.store.transaction():
            self._undo_sales_return(sales_return)
        return Response(204)


def _cost_when_sold(moves: list[dict[str, Any]], product_id: int, units: Decimal) -> Decimal | None:
    """The value of ``units`` of a product at the unit cost at which it left on the invoice
    line (its recorded stock moves), or None when none left there (the current cost then)."""
    mine = [m for m in moves if m["product_id"] == product_id]
    sold = sum((m["quantity"] for m in mine), ZERO)
    if not sold:
        return None
    return q2(sum((m["value"] for m in mine), ZERO) / sold * units)
