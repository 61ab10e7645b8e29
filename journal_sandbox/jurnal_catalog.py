"""Jurnal emulator: customers and products (create, batch create, list, get).

Mixed into :class:`journal_sandbox.jurnal_app.JurnalSandbox`; J-numbers refer to
``docs/assumptions/jurnal.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from journal_sandbox.http import Request, Response, Router
from journal_sandbox.jurnal_common import (
    COMPANY_CURRENCY,
    WIB,
    ZERO,
    ApiError,
    FieldErrors,
    amount_number,
    amount_str,
    clean_text,
    currency_format,
    iso_timestamp,
    parse_amount,
    quantity_json,
    truthy,
)
from journal_sandbox.jurnal_store import (
    ACCOUNT_CATEGORIES,
    ACCOUNT_PAYABLE,
    CATEGORY_INVENTORY,
    COMPANY_ID,
    COMPANY_NAME,
    DEFAULT_BUY_ACCOUNT,
    DEFAULT_RECEIVABLE_ACCOUNT,
    DEFAULT_SALE_ACCOUNT,
    UNIT_DEFAULT,
)

# Customer fields a PATCH does not overwrite (J-30).
PERSON_FIXED_KEYS = frozenset(
    {"id", "created_at", "default_ar_account", "default_ap_account", "source", "deleted_at"}
)


# J-50: Jurnal documents no length of a display name; a Rails string column holds 255
# characters. The batch schema types ``email`` with ``format: email``.
DISPLAY_NAME_MAX = 255
EMAIL_FORMAT = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check_customer_fields(data: dict[str, Any], errors: FieldErrors) -> None:
    """The customer's name length and e-mail format; the messages never echo the value."""
    display_name = clean_text(data.get("display_name"))
    if display_name is not None and len(display_name) > DISPLAY_NAME_MAX:
        errors.add("display_name", f"is too long (maximum is {DISPLAY_NAME_MAX} characters)")
    email = clean_text(data.get("email"))
    if email is not None and not EMAIL_FORMAT.match(email):
        errors.add("email", "is invalid")


class CatalogMixin:
    """Customers and products: the parties and items documents refer to."""

    store: Any

    def _routes_catalog(self, r: Router) -> None:
        r.add("GET", r"customers", self._list_customers)
        r.add("POST", r"customers", self._create_customer)
        r.add("POST", r"customers/batch_create", self._batch_create_customers)
        r.add("GET", r"customers/(?P<id>\d+)", self._get_customer)
        r.add("PATCH", r"customers/(?P<id>\d+)", self._update_customer)
        r.add("DELETE", r"customers/(?P<id>\d+)", self._delete_customer)
        r.add("GET", r"products", self._list_products)
        r.add("POST", r"products", self._create_product)
        r.add("POST", r"products/batch_create", self._batch_create_products)
        r.add("GET", r"products/(?P<id>\d+)", self._get_product)
        r.add("PATCH", r"products/(?P<id>\d+)", self._update_product)
        r.add("DELETE", r"products/(?P<id>\d+)", self._delete_product)

    # --- customers -----------------------------------------------------------------------

    def _customer_balances(self) -> dict[int, Decimal]:
        """What each customer still owes: the ``remaining`` of their invoices (J-30)."""
        return self.store.invoice_balances()

    def _customer_out(
        self, person: dict[str, Any], balances: dict[int, Decimal] | None = None
    ) -> dict[str, Any]:
        """A customer in the documented answer shape; the derived fields are computed."""
        if balances is None:
            balances = self.store.invoice_balances(person["id"])
        balance = balances.get(person["id"], ZERO)
        used = person["id"] in balances
        try:
            opening = Decimal(str(person.get("opening_balance") or 0))
        except ArithmeticError:
            opening = ZERO
        payable = self.store.find("account", name=ACCOUNT_PAYABLE)
        return {
            "other_detail": None,
            "start_balance": None,
            "default_ap_account": self._account_ref(payable),
            **person,
            "opening_balance": amount_str(opening),
            "opening_balance_currency_format": currency_format(opening),
            "balance": amount_number(balance),
            "balance_currency_format": currency_format(balance),
            "disable_max_credit_limit": True,
            "max_credit_limit": None,
            "max_credit_limit_currency_format": None,
            "default_term": {"id": None, "name": None, "longetivity": None},
            "has_transactions": used,
            "has_close_the_book": False,
            "deletable": not used,
            "editable": True,
        }

    def _list_customers(self, request: Request) -> Response:
        balances = self._customer_balances()

        def text(key: str) -> Callable[[dict[str, Any]], Any]:
            return lambda d: (d.get(key) or "").casefold()

        return self._page(
            request,
            "person",
            "customers",
            {"display_name": "name_key", "name": "name_key"},
            sort_python={
                "billing_address": text("billing_address"),
                "email": text("email"),
                "phone": text("phone"),
                "balance_customer": lambda d: balances.get(d["id"], ZERO),
            },
            render=lambda person: self._customer_out(person, balances),
        )

    def _get_customer(self, request: Request) -> Response:
        person = self._record_or_422("person", request.params["id"])
        return Response(200, {"customer": self._customer_out(person)})

    def _create_customer(self, request: Request) -> Response:
        person = self._accept_customer(self._json_body(request, "customer"))
        return Response(201, {"customer": person})

    def _delete_customer(self, request: Request) -> Response:
        """J-30: a customer with invoices cannot be deleted (422); otherwise 204."""
        person = self._record_or_422("person", request.params["id"])
        if person["id"] in self.store.invoice_balances(person["id"]):
            raise ApiError(
                422,
                {
                    "customer": ["has transactions and cannot be deleted"],
                    "error_full_messages": ["Customer has transactions and cannot be deleted"],
                },
            )
        self.store.delete("person", person["id"])
        return Response(204)

    def _batch_create_customers(self, request: Request) -> Response:
        return self._batch(request, "customers", "customer", self._accept_customer)

    def _update_customer(self, request: Request) -> Response:
        """J-30: the sent fields replace the stored ones (``display_name`` stays unique)."""
        person = self._record_or_422("person", request.params["id"])
        data = self._json_body(request, "customer")
        errors = FieldErrors()
        # the PATCH schema requires the name and both default accounts (by name or id)
        if clean_text(data.get("display_name")) is None:
            errors.add("display_name", "can't be blank")
        for side in ("ar", "ap"):
            if all(
                data.get(f"default_{side}_account_{key}") in (None, "") for key in ("name", "id")
            ):
                errors.add(f"default_{side}_account", "can't be blank")
        display_name = clean_text(data.get("display_name")) or person["display_name"]
        other = self.store.find("person", name=display_name)
        if other is not None and other["id"] != person["id"]:
            errors.add("display_name", "has already been taken")
        custom_id = clean_text(data.get("custom_id")) if "custom_id" in data else None
        if custom_id:
            other = self.store.find("person", custom_id=custom_id)
            if other is not None and other["id"] != person["id"]:
                errors.add("custom_id", "has already been taken")
        _check_customer_fields({**data, "display_name": display_name}, errors)
        errors.raise_if_any()
        for key, value in data.items():
            if key in person and key not in PERSON_FIXED_KEYS:
                person[key] = clean_text(value) if isinstance(value, str) else value
        person["display_name"] = display_name
        person["updated_at"] = iso_timestamp(self._now())
        self.store.update(
            "person",
            person,
            name=display_name,
            custom_id=person.get("custom_id"),
            created_at=person["created_at"],
        )
        return Response(200, {"customer": self._customer_out(person)})

    def _accept_customer(self, data: dict[str, Any]) -> dict[str, Any]:
        errors = FieldErrors()
        display_name = clean_text(data.get("display_name"))
        custom_id = clean_text(data.get("custom_id"))
        if display_name is None:
            errors.add("display_name", "can't be blank")
        elif self.store.find("person", name=display_name) is not None:
            errors.add("display_name", "has already been taken")
        if custom_id and self.store.find("person", custom_id=custom_id) is not None:
            errors.add("custom_id", "has already been taken")
        _check_customer_fields(data, errors)
        receivable = self._resolve_account(
            data, "default_ar_account", errors, DEFAULT_RECEIVABLE_ACCOUNT, 1
        )
        payable = self._resolve_account(data, "default_ap_account", errors, ACCOUNT_PAYABLE, 8)
        errors.raise_if_any()
        assert display_name is not None
        with self.store.transaction():
            person = self._new_person(display_name, data, custom_id)
            person["default_ar_account"] = self._account_ref(receivable)
            person["default_ap_account"] = self._account_ref(payable)
            self.store.update(
                "person",
                person,
                name=display_name,
                custom_id=custom_id,
                created_at=person["created_at"],
            )
            return self._customer_out(person)

    def _new_person(
        self, display_name: str, data: dict[str, Any], custom_id: str | None
    ) -> dict[str, Any]:
        now = iso_timestamp(self._now())
        receivable = self._account_by_name(DEFAULT_RECEIVABLE_ACCOUNT)
        person = {
            "id": self.store.next_id(),
            "display_name": display_name,
            "title": clean_text(data.get("title")),
            "first_name": clean_text(data.get("first_name")),
            "middle_name": clean_text(data.get("middle_name")),
            "last_name": clean_text(data.get("last_name")),
            "associate_company": clean_text(data.get("associate_company")),
            "email": clean_text(data.get("email")) or "",
            "phone": clean_text(data.get("phone")) or "",
            "mobile": clean_text(data.get("mobile")),
            "fax": clean_text(data.get("fax")),
            "address": clean_text(data.get("address")),
            "billing_address": clean_text(data.get("billing_address")) or "",
            "tax_no": clean_text(data.get("tax_no")),
            "custom_id": custom_id,
            "source": clean_text(data.get("source")) or "apikey",
            "archive": False,
            "is_customer": True,
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
            "default_ar_account": self._account_ref(receivable),
            "default_ap_account": self._account_ref(
                self.store.find("account", name=ACCOUNT_PAYABLE)
            ),
            "other_detail": clean_text(data.get("other_detail")),
            "opening_balance": data.get("opening_balance"),
            "start_balance": clean_text(data.get("start_balance")),
        }
        self.store.insert("person", person, name=display_name, custom_id=custom_id, created_at=now)
        return person

    # --- products ------------------------------------------------------------------------

    def _list_products(self, request: Request) -> Response:
        def price(key: str) -> Callable[[dict[str, Any]], Any]:
            return lambda d: Decimal(d.get(key) or 0)

        sold = self._quantities_sold()
        return self._page(
            request,
            "product",
            "products",
            {"product_code": "code", "name": "name_key"},
            sort_python={
                "sell_price_per_unit": price("sell_price_per_unit"),
                "buy_price_per_unit": price("buy_price_per_unit"),
                "quantity_inventory": price("quantity"),
                "last_avg_price": lambda d: Decimal(str(d.get("average_price") or 0)),
                "last_buy_price": price("buy_price_per_unit"),
                "product_categories_name": lambda d: "",  # categories are not emulated
            },
            render=lambda product: self._product_out(product, sold),
            records=self._created_updated_filtered(request, "product"),
        )

    def _get_product(self, request: Request) -> Response:
        product = self._record_or_422("product", request.params["id"])
        return Response(200, {"product": self._product_out(product)})

    def _quantities_sold(self) -> dict[int, Decimal]:
        """Units of each product on sales invoices."""
        return self.store.quantities_sold()

    def _product_out(
        self, product: dict[str, Any], sold: dict[int, Decimal] | None = None
    ) -> dict[str, Any]:
        """A product in the documented answer shape (J-16): references without a record are
        objects of nulls; a bundle lists its components (J-51); categories, images and
        purchases are not emulated."""
        if sold is None:
            sold = self.store.quantities_sold(product["id"])
        quantity_sold = sold.get(product["id"], ZERO)
        null_account = {"id": None, "name": None, "number": None}
        null_tax = {
            "id": None,
            "name": None,
            "rate": None,
            "is_compound": None,
            "is_witholding": None,
        }
        used = product["id"] in sold or bool(self.store.stock_moves_of_product(product["id"]))
        return {
            **product,
            "is_system": False,
            "is_import": False,
            "last_created_inventory": "",
            "last_created_inventory_format_date": "",
            "last_updated_inventory": "",
            "last_updated_inventory_format_date": "",
            "image": {"name": None, "url": None, "mini_url": None},
            "has_purchase": False,
            "has_sales": product["id"] in sold,
            "has_transaction_before_last_close_the_book": False,
            "product_categories": None,
            "product_categories_string": "",
            "init_price": "0.0",
            "init_price_currency_format": currency_format(ZERO),
            "bundle_info": bool(product.get("is_bundle")),
            "is_bundle": bool(product.get("is_bundle")),
            "product_bundles": product.get("product_bundles") or [],
            "bundle_costs": [],
            "total_bundle_cost": "0.0",
            "total_bundle_cost_currency_format": currency_format(ZERO),
            "parent_product_bundles": [],
            "total_quantity_in_transaction": {
                "total_quantity_in_sales": quantity_json(quantity_sold),
                "total_quantity_in_purchases": 0,
            },
            "buy_tax": product.get("buy_tax") or null_tax,
            "sell_tax": product.get("sell_tax") or null_tax,
            "buy_account": product.get("buy_account") or null_account,
            "sell_account": product.get("sell_account") or null_account,
            "inventory_asset_account": product.get("inventory_asset_account") or null_account,
            "deletable": not used,
        }

    def _delete_product(self, request: Request) -> Response:
        """J-16: a product on an invoice or with stock movements cannot be deleted (422)."""
        product = self._record_or_422("product", request.params["id"])
        on_invoices = product["id"] in self.store.quantities_sold(product["id"])
        if on_invoices or self.store.stock_moves_of_product(product["id"]):
            raise ApiError(
                422,
                {
                    "product": ["has transactions and cannot be deleted"],
                    "error_full_messages": ["Product has transactions and cannot be deleted"],
                },
            )
        self.store.delete("product", product["id"])
        self.store.set_meta(f"body:product:{product['id']}", "")
        return Response(204)

    def _resolve_account(
        self,
        data: dict[str, Any],
        prefix: str,
        errors: FieldErrors,
        default: str | None,
        category_id: int | None = None,
    ) -> dict[str, Any] | None:
        """An account by ``<prefix>_id`` / ``_name`` / ``_number``; sent ones must agree."""
        found: list[tuple[str, dict[str, Any] | None, str]] = []
        if data.get(f"{prefix}_id") not in (None, ""):
            try:
                by_id = self.store.get("account", int(data[f"{prefix}_id"]))
            except (TypeError, ValueError):
                by_id = None
            found.append((f"{prefix}_id", by_id, str(data[f"{prefix}_id"])))
        if clean_text(data.get(f"{prefix}_name")):
            name = clean_text(data.get(f"{prefix}_name"))
            found.append((f"{prefix}_name", self.store.find("account", name=name), str(name)))
        if clean_text(data.get(f"{prefix}_number")):
            number = clean_text(data.get(f"{prefix}_number"))
            found.append((f"{prefix}_number", self.store.find("account", code=number), str(number)))
        if not found:
            return self._account_by_name(default) if default else None
        account = None
        for key, record, sent in found:
            if record is None:
                errors.add(key, f"{sent} not exist")
            elif account is not None and record["id"] != account["id"]:
                errors.add(key, f"{sent} does not match {found[0][2]}")
            else:
                account = account or record
        if (
            account is not None
            and category_id is not None
            and account["category_id"] != category_id
        ):
            category = ACCOUNT_CATEGORIES[category_id][0]
            errors.add(found[0][0], f"{found[0][2]} is not a {category} account")
        return account

    def _create_product(self, request: Request) -> Response:
        product = self._accept_product(self._json_body(request, "product"))
        return Response(201, {"product": self._product_out(product)})

    def _batch_create_products(self, request: Request) -> Response:
        return self._batch(
            request,
            "products",
            "product",
            lambda data: self._product_out(self._accept_product(data)),
        )

    def _update_product(self, request: Request) -> Response:
        """J-16: the sent fields replace the stored ones; stock and history are kept."""
        product = self._record_or_422("product", request.params["id"])
        patch = self._json_body(request, "product")
        if clean_text(patch.get("name")) is None:  # the PATCH schema requires it
            missing = FieldErrors()
            missing.add("name", "can't be blank")
            missing.raise_if_any()
        original = json.loads(self.store.get_meta(f"body:product:{product['id']}") or "{}")
        if not original:
            original = {"name": product["name"], "product_code": product.get("product_code")}
        merged = {**original, **patch}
        updated = self._accept_product(merged, existing=product)
        return Response(200, {"product": self._product_out(updated)})

    def _accept_product(
        self, data: dict[str, Any], existing: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        errors = FieldErrors()
        name = clean_text(data.get("name"))
        code = clean_text(data.get("product_code"))
        custom_id = clean_text(data.get("custom_id"))
        own_id = None if existing is None else existing["id"]

        def taken(**key: Any) -> bool:
            found = self.store.find("product", **key)
            return found is not None and found["id"] != own_id

        if name is None:
            errors.add("name", "can't be blank")
        elif taken(name=name):
            errors.add("name", "has already been taken")  # J-16
        if code is None and existing is None:
            errors.add("product_code", "can't be blank")  # J-16: required to create
        elif code and taken(code=code):
            errors.add("product_code", "has already been taken")
        if custom_id and taken(custom_id=custom_id):
            errors.add("custom_id", "has already been taken")
        sell_account = self._resolve_account(data, "sell_account", errors, DEFAULT_SALE_ACCOUNT)
        buy_account = self._resolve_account(data, "buy_account", errors, DEFAULT_BUY_ACCOUNT)
        track = truthy(data.get("track_inventory"), False)
        inventory_account = None
        if track:
            sent = any(
                data.get(f"inventory_asset_account_{suffix}") not in (None, "")
                for suffix in ("id", "name", "number")
            )
            if sent:
                inventory_account = self._resolve_account(
                    data, "inventory_asset_account", errors, None, CATEGORY_INVENTORY
                )
            else:
                errors.add("inventory_asset_account", "can't be blank")
        elif existing is not None and self.store.stock_levels(existing["id"]):
            errors.add("track_inventory", "can't be turned off once stock has moved")
        sell_tax = self._resolve_tax_id(data.get("sell_tax_id"), "sell_tax_id", errors)
        buy_tax = self._resolve_tax_id(data.get("buy_tax_id"), "buy_tax_id", errors)
        bundles = self._resolve_bundle(data, own_id, errors)
        sell_price = parse_amount(data.get("sell_price_per_unit"), "sell_price_per_unit", errors)
        buy_price = parse_amount(data.get("buy_price_per_unit"), "buy_price_per_unit", errors)
        errors.raise_if_any()
        assert name is not None
        with self.store.transaction():
            product = self._new_product(
                name=name,
                code=code,
                custom_id=custom_id,
                description=clean_text(data.get("description")),
                unit_name=clean_text(data.get("unit_name")) or UNIT_DEFAULT,
                sell_account=sell_account,
                buy_account=buy_account,
                inventory_account=inventory_account,
                track_inventory=track,
                sell_price=sell_price or ZERO,
                buy_price=buy_price or ZERO,
                sell_tax=sell_tax,
                buy_tax=buy_tax,
                is_sold=truthy(data.get("is_sold"), True),
                is_bought=truthy(data.get("is_bought"), True),
                source=clean_text(data.get("source")),
                existing=existing,
                bundles=bundles,
            )
            self.store.set_meta(f"body:product:{product['id']}", json.dumps(data, default=str))
            return product

    def _resolve_bundle(
        self, data: dict[str, Any], own_id: int | None, errors: FieldErrors
    ) -> list[dict[str, Any]]:
        """J-51: ``product_bundles_attributes`` ``[{product_id | product_code | product_name,
        quantity ≥ 1}]`` of tracked products (not bundles, not the product itself) make the
        product a bundle; ``bundle_costs_attributes`` are ignored."""
        raw_parts = data.get("product_bundles_attributes")
        if raw_parts in (None, "", []):
            return []
        if not isinstance(raw_parts, list):
            errors.add("product_bundles_attributes", "is not valid")
            return []
        parts = []
        for raw in raw_parts:
            if not isinstance(raw, dict):
                errors.add("product_bundles_attributes", "is not valid")
                continue
            component = self._resolve_line_product(raw, errors)
            quantity = parse_amount(raw.get("quantity"), "quantity", errors)
            if quantity is None or quantity < 1:
                errors.add(
                    "product_bundles_attributes.quantity", "must be greater than or equal to 1"
                )
            if component is None:
                continue
            if component["id"] == own_id or component.get("is_bundle"):
                errors.add(
                    "product_bundles_attributes.product",
                    f"{component['name']} cannot be a component of this bundle",
                )
            elif not component.get("track_inventory"):
                errors.add(
                    "product_bundles_attributes.product",
                    f"{component['name']} does not track inventory",
                )
            elif quantity is not None and quantity >= 1:
                parts.append(
                    {
                        "id": self.store.next_id(),
                        "product_id": component["id"],
                        "product_name": component["name"],
                        "quantity": amount_str(quantity),
                        "price": "0.0",
                        "price_currency_format": currency_format(ZERO),
                        "amount": "0.0",
                        "amount_currency_format": currency_format(ZERO),
                    }
                )
        return parts

    def _resolve_tax_id(
        self, value: object, key: str, errors: FieldErrors
    ) -> dict[str, Any] | None:
        if value in (None, ""):
            return None
        try:
            tax = self.store.get("tax", int(str(value)))
        except ValueError:
            tax = None
        if tax is None:
            errors.add(key, f"{value} not exist")
        return tax

    def _unit(self, name: str) -> dict[str, Any]:
        unit = self.store.find("unit", name=name)
        if unit is None:
            unit = {"id": self.store.next_id(), "name": name}
            self.store.insert("unit", unit, name=name)
        return unit

    @staticmethod
    def _tax_ref(tax: dict[str, Any] | None) -> dict[str, Any] | None:
        if tax is None:
            return None
        return {
            "id": tax["id"],
            "name": tax["name"],
            "rate": tax["rate"],
            "is_compound": False,
            "is_witholding": False,
        }

    def _new_product(
        self,
        *,
        name: str,
        code: str | None,
        custom_id: str | None,
        description: str | None,
        unit_name: str,
        sell_account: dict[str, Any] | None,
        buy_account: dict[str, Any] | None,
        inventory_account: dict[str, Any] | None,
        track_inventory: bool,
        sell_price: Decimal,
        buy_price: Decimal,
        sell_tax: dict[str, Any] | None = None,
        buy_tax: dict[str, Any] | None = None,
        is_sold: bool = True,
        is_bought: bool = True,
        source: str | None = None,
        existing: dict[str, Any] | None = None,
        bundles: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        now_ts = self._now()
        now = iso_timestamp(now_ts)
        product = {
            "id": self.store.next_id() if existing is None else existing["id"],
            "name": name,
            "product_code": code,
            "source": source or "apikey",
            "description": description,
            "init_date": datetime.fromtimestamp(now_ts, WIB).date().isoformat(),
            "init_quantity": "0.0",
            "active": True,
            "archive": False,
            "is_bought": is_bought,
            "is_sold": is_sold,
            "custom_id": custom_id,
            "track_inventory": track_inventory,
            "is_bundle": bool(bundles),
            "product_bundles": bundles or [],
            "quantity": "0.0",
            "unit": self._unit(unit_name),
            "company": {"id": COMPANY_ID, "name": COMPANY_NAME},
            "taxable_buy": buy_tax is not None,
            "taxable_sell": sell_tax is not None,
            "buy_price_per_unit": amount_str(buy_price),
            "buy_price_per_unit_currency_format": currency_format(buy_price),
            "buy_tax_id": None if buy_tax is None else buy_tax["id"],
            "buy_tax": self._tax_ref(buy_tax),
            "buy_account": self._account_ref(buy_account) if buy_account else None,
            "sell_price_per_unit": amount_str(sell_price),
            "sell_price_per_unit_currency_format": currency_format(sell_price),
            "sell_tax_id": None if sell_tax is None else sell_tax["id"],
            "sell_tax": self._tax_ref(sell_tax),
            "sell_account": self._account_ref(sell_account) if sell_account else None,
            "inventory_asset_account": (
                self._account_ref(inventory_account) if inventory_account else None
            ),
            "average_price": 0,
            "average_price_currency_format": currency_format(ZERO),
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
            "deletable": True,
            "editable": True,
            "company_currency": COMPANY_CURRENCY,
        }
        if existing is None:
            self.store.insert(
                "product", product, name=name, code=code, custom_id=custom_id, created_at=now
            )
            return product
        for key in ("created_at", "init_date", "quantity", "average_price"):
            product[key] = existing.get(key)
        product["average_price_currency_format"] = existing.get("average_price_currency_format")
        self.store.update(
            "product",
            product,
            name=name,
            code=code,
            custom_id=custom_id,
            created_at=product["created_at"],
        )
        return product
