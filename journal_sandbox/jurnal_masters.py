"""Jurnal emulator: accounts, taxes, terms, tags, payment methods and warehouses.

Mixed into :class:`journal_sandbox.jurnal_app.JurnalSandbox`; J-numbers refer to
``docs/assumptions/jurnal.md``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from journal_sandbox.http import Handler, Request, Response, Router
from journal_sandbox.jurnal_common import (
    UNPROCESSABLE,
    ZERO,
    ApiError,
    FieldErrors,
    amount_number,
    amount_str,
    clean_text,
    currency_format,
    iso_timestamp,
    jurnal_date,
    parse_amount,
    quantity_json,
    rate_str,
    report_amount,
    truthy,
)
from journal_sandbox.jurnal_reports import TRANSACTION_LABELS
from journal_sandbox.jurnal_store import (
    ACCOUNT_CATEGORIES,
    COMPANY_ID,
    COMPANY_NAME,
    DEBIT_NORMAL_CATEGORIES,
    SEED_ACCOUNTS,
    UNASSIGNED_WAREHOUSE,
    UNASSIGNED_WAREHOUSE_ID,
)

# The seeded chart (J-21): the emulator refers to these accounts by name.
SEEDED_ACCOUNT_NAMES = frozenset(seed.name for seed in SEED_ACCOUNTS)

# Transaction types whose stock movements a warehouse lists (J-39).
WAREHOUSE_TRANSACTION_TYPES = {"warehouse_transfer": 25, "stock_adjustment": 26}


class MastersMixin:
    """Reference records of the company; their look-ups are shared by every document."""

    store: Any

    def _routes_masters(self, r: Router) -> None:
        r.add("GET", r"accounts", self._list_accounts)
        r.add("POST", r"accounts", self._create_account)
        r.add("GET", r"accounts/(?P<id>\d+)", self._get_account)
        r.add("PATCH", r"accounts/(?P<id>\d+)", self._update_account)
        r.add("DELETE", r"accounts/(?P<id>\d+)", self._delete_account)
        r.add("GET", r"taxes", self._list_taxes)
        r.add("POST", r"taxes", self._create_tax)
        r.add("GET", r"taxes/(?P<id>\d+)", self._get_tax)
        r.add("PATCH", r"taxes/(?P<id>\d+)", self._update_tax)
        r.add("DELETE", r"taxes/(?P<id>\d+)", self._delete_simple("tax"))
        r.add("GET", r"terms", self._list_terms)
        r.add("POST", r"terms", self._create_term)
        r.add("GET", r"terms/(?P<id>\d+)", self._get_simple("term", "term"))
        r.add("DELETE", r"terms/(?P<id>\d+)", self._delete_simple("term"))
        r.add("GET", r"tags", self._list_tags)
        r.add("POST", r"tags", self._create_tag)
        r.add("GET", r"tags/(?P<id>\d+)", self._get_simple("tag", "tag"))
        r.add("PATCH", r"tags/(?P<id>\d+)", self._rename_simple("tag", "tag"))
        r.add("DELETE", r"tags/(?P<id>\d+)", self._delete_simple("tag"))
        r.add("GET", r"payment_methods", self._list_payment_methods)
        r.add("POST", r"payment_methods", self._create_payment_method)
        r.add("GET", r"payment_methods/(?P<id>\d+)", self._get_payment_method)
        r.add(
            "PATCH",
            r"payment_methods/(?P<id>\d+)",
            self._rename_simple("payment_method", "payment_method"),
        )
        r.add("DELETE", r"payment_methods/(?P<id>\d+)", self._delete_simple("payment_method"))
        r.add("GET", r"warehouses", self._list_warehouses)
        r.add("POST", r"warehouses", self._create_warehouse)
        r.add("GET", r"warehouses/(?P<id>-?\d+)", self._get_warehouse)
        r.add("PATCH", r"warehouses/(?P<id>\d+)", self._update_warehouse)
        r.add("DELETE", r"warehouses/(?P<id>\d+)", self._delete_warehouse)

    # --- generic -------------------------------------------------------------------------

    def _record_or_422(self, kind: str, record_id: object) -> dict[str, Any]:
        """J-23: a missing record answers 422 ``{"errors": "Unprocessable Entity"}``."""
        try:
            record = self.store.get(kind, int(str(record_id)))
        except ValueError:
            record = None
        if record is None:
            raise ApiError(422, dict(UNPROCESSABLE))
        return record

    def _get_simple(self, kind: str, root: str) -> Handler:
        def handler(request: Request) -> Response:
            return Response(200, {root: self._record_or_422(kind, request.params["id"])})

        return handler

    def _delete_simple(self, kind: str) -> Handler:
        def handler(request: Request) -> Response:
            record = self._record_or_422(kind, request.params["id"])
            self.store.delete(kind, record["id"])
            return Response(204)

        return handler

    def _rename_simple(self, kind: str, root: str) -> Handler:
        def handler(request: Request) -> Response:
            record = self._record_or_422(kind, request.params["id"])
            data = self._json_body(request, root)
            errors = FieldErrors()
            name = clean_text(data.get("name")) or record["name"]
            other = self.store.find(kind, name=name)
            if other is not None and other["id"] != record["id"]:
                errors.add("name", "has already been taken")
            errors.raise_if_any()
            record["name"] = name
            if "custom_id" in data:
                record["custom_id"] = clean_text(data.get("custom_id"))
            if "updated_at" in record:
                record["updated_at"] = iso_timestamp(self._now())
            self.store.update(kind, record, name=name, custom_id=record.get("custom_id"))
            return Response(200, {root: record})

        return handler

    def _unique_name(self, kind: str, name: str | None, errors: FieldErrors) -> None:
        if name is None:
            errors.add("name", "can't be blank")
        elif self.store.find(kind, name=name) is not None:
            errors.add("name", "has already been taken")

    # --- accounts ------------------------------------------------------------------------

    def _new_account(
        self,
        number: str,
        name: str,
        category_id: int,
        *,
        description: str | None = None,
        custom_id: str | None = None,
    ) -> dict[str, Any]:
        category, category_bahasa = ACCOUNT_CATEGORIES[category_id]
        account = {
            "id": self.store.next_id(),
            "name": name,
            "number": number,
            "description": description,
            "custom_id": custom_id,
            "lock": False,
            "system_or_product_link": False,
            "is_parent": False,
            "indent": 0,
            "currency_code": "IDR",
            "category": category,
            "category_bahasa": category_bahasa,
            "category_id": category_id,
            "parent_id": None,
            "parent": [],
            "children": None,
            "created_at": iso_timestamp(self._now()),
        }
        self.store.insert("account", account, name=name, code=number, custom_id=custom_id)
        return account

    def _account_balance(self, account: dict[str, Any], totals: dict) -> Decimal:
        debit, credit = totals.get(account["id"], (ZERO, ZERO))
        if account["category_id"] in DEBIT_NORMAL_CATEGORIES:
            return debit - credit
        return credit - debit

    def archive_account(self, name: str) -> None:
        """Archive an account as a user would in Jurnal's UI (no API call documents it)."""
        account = self.store.find("account", name=name)
        if account is None:
            raise KeyError(name)
        with self.store.transaction():
            self.store.update(
                "account",
                {**account, "archive": True},
                name=account["name"],
                code=account["number"],
                custom_id=account.get("custom_id"),
            )

    def _list_accounts(self, request: Request) -> Response:
        totals = self.store.ledger_totals()
        accounts = []
        # `include_archive` defaults to true: archived accounts are listed unless asked not to
        hide_archived = (request.query.get("include_archive") or "").lower() == "false"
        for account in self.store.all("account"):
            if hide_archived and account.get("archive"):
                continue
            balance = self._account_balance(account, totals)
            accounts.append(
                {
                    **account,
                    "balance": currency_format(balance),
                    "balance_amount": amount_number(balance),
                }
            )
        accounts.sort(key=lambda a: (a["number"], a["id"]))
        return Response(200, {"accounts": accounts, "total_count": len(accounts)})

    def _account_in_use(self, account: dict[str, Any]) -> str | None:
        """Why ``account`` cannot be renumbered, recategorised or deleted, if it cannot."""
        if account["name"] in SEEDED_ACCOUNT_NAMES:
            return "is a default account of the company"
        if account["id"] in self.store.ledger_totals():
            return "has transactions"
        for product in self.store.all("product"):
            for key in ("sell_account", "buy_account", "inventory_asset_account"):
                if (product.get(key) or {}).get("id") == account["id"]:
                    return f"is used by product {product['name']}"
        for tax in self.store.all("tax"):
            for key in ("sell_tax_account", "buy_tax_account"):
                if (tax.get(key) or {}).get("id") == account["id"]:
                    return f"is used by tax {tax['name']}"
        return None

    def _update_account(self, request: Request) -> Response:
        """J-40: ``PATCH accounts/{id}`` changes ``name``, ``number``, ``description`` and
        ``custom_id`` (name and number stay unique). The company's default accounts and
        accounts in use keep their name and number."""
        account = self._record_or_422("account", request.params["id"])
        data = self._json_body(request, "account")
        errors = FieldErrors()
        name = clean_text(data.get("name")) if "name" in data else account["name"]
        number = clean_text(data.get("number")) if "number" in data else account["number"]
        for key, value, column in (("name", name, "name"), ("number", number, "code")):
            if value is None:
                errors.add(key, "can't be blank")
                continue
            other = self.store.find("account", **{column: value})
            if other is not None and other["id"] != account["id"]:
                errors.add(key, "has already been taken")
        if (name, number) != (account["name"], account["number"]):
            reason = self._account_in_use(account)
            if reason is not None:
                errors.add("account", f"{reason}; its name and number cannot change")
        errors.raise_if_any()
        account["name"], account["number"] = name, number
        for key in ("description", "custom_id"):
            if key in data:
                account[key] = clean_text(data.get(key))
        account["updated_at"] = iso_timestamp(self._now())
        self.store.update(
            "account", account, name=name, code=number, custom_id=account.get("custom_id")
        )
        return Response(200, {"account": self._account_single(account)})

    def _delete_account(self, request: Request) -> Response:
        """J-40: 204, unless the account is a default of the company or in use (422)."""
        account = self._record_or_422("account", request.params["id"])
        reason = self._account_in_use(account)
        if reason is not None:
            raise ApiError(
                422,
                {
                    "account": [f"{reason} and cannot be deleted"],
                    "error_full_messages": [f"Account {reason} and cannot be deleted"],
                },
            )
        self.store.delete("account", account["id"])
        return Response(204)

    def _get_account(self, request: Request) -> Response:
        account = self._record_or_422("account", request.params["id"])
        return Response(200, {"account": self._account_single(account)})

    def _account_single(self, account: dict[str, Any]) -> dict[str, Any]:
        """One account as documented for ``GET accounts/{id}``: ``balance`` a string decimal
        with its ``balance_string`` twin, ``category``/``parent``/``company`` objects and the
        account's postings under ``transactions`` (J-40)."""
        balance = self._account_balance(account, self.store.ledger_totals())
        running = ZERO
        transactions = []
        for entry in self.store.ledger_entries(account_id=account["id"]):
            running += entry["debit"] - entry["credit"]
            transactions.append(
                {
                    "date": jurnal_date(date.fromisoformat(entry["transaction_date"])),
                    "person": {"id": None, "name": None, "type": None},
                    "transaction": {
                        "id": entry["transaction_id"],
                        "transaction_type": TRANSACTION_LABELS.get(
                            entry["transaction_type"], entry["transaction_type"]
                        ),
                        "transaction_no": entry["transaction_no"],
                        "memo": entry["description"],
                    },
                    "debit": report_amount(entry["debit"]),
                    "credit": report_amount(entry["credit"]),
                    "balance": report_amount(running),
                }
            )
        return {
            **account,
            "company_id": COMPANY_ID,
            "company": {"id": COMPANY_ID, "name": COMPANY_NAME},
            "opening_balance": None,
            "start_balance": None,
            "company_tax_id": None,
            "created_at": account.get("created_at"),
            "updated_at": account.get("updated_at") or account.get("created_at"),
            "deleted_at": None,
            "category": {"id": account["category_id"], "name": account["category"]},
            "parent": {"id": None, "name": None},
            "children": [],
            "balance": amount_str(balance),
            "balance_amount": amount_number(balance),
            "balance_string": currency_format(balance),
            "transactions": transactions,
        }

    def _create_account(self, request: Request) -> Response:
        """J-40: ``category_name`` (English or Indonesian) or ``category_id``; unique name and
        number."""
        data = self._json_body(request, "account")
        errors = FieldErrors()
        name = clean_text(data.get("name"))
        number = clean_text(data.get("number"))
        self._unique_name("account", name, errors)
        if number is None:
            errors.add("number", "can't be blank")
        elif self.store.find("account", code=number) is not None:
            errors.add("number", "has already been taken")
        category_id = None
        category_name = clean_text(data.get("category_name"))
        if data.get("category_id") not in (None, ""):
            try:
                category_id = int(data["category_id"])
            except (TypeError, ValueError):
                category_id = None
            if category_id not in ACCOUNT_CATEGORIES:
                errors.add("category_id", f"{data['category_id']} not exist")
        elif category_name:
            wanted = category_name.casefold()
            category_id = next(
                (
                    cid
                    for cid, names in ACCOUNT_CATEGORIES.items()
                    if wanted in (names[0].casefold(), names[1].casefold())
                ),
                None,
            )
            if category_id is None:
                errors.add("category_name", f"{category_name} not exist")
        else:
            errors.add("category_name", "can't be blank")
        errors.raise_if_any()
        assert name is not None and number is not None and category_id is not None
        with self.store.transaction():
            account = self._new_account(
                number,
                name,
                category_id,
                description=clean_text(data.get("description")),
                custom_id=clean_text(data.get("custom_id")),
            )
        return Response(201, {"account": self._account_single(account)})

    # --- taxes ---------------------------------------------------------------------------

    def _new_tax(
        self,
        name: str,
        rate: Decimal,
        sell: dict[str, Any] | None,
        buy: dict[str, Any] | None,
        *,
        witholding: bool,
        custom_id: str | None,
    ) -> dict[str, Any]:
        now = iso_timestamp(self._now())
        tax = {
            "id": self.store.next_id(),
            "name": name,
            "custom_id": custom_id,
            "created_at": now,
            "updated_at": now,
            "rate": rate_str(rate),
            "is_witholding": witholding,
            "use_witholding": witholding,
            "sell_tax_account": {
                "id": sell["id"] if sell else None,
                "name": sell["name"] if sell else None,
            },
            "buy_tax_account": {
                "id": buy["id"] if buy else None,
                "name": buy["name"] if buy else None,
            },
        }
        self.store.insert("tax", tax, name=name, custom_id=custom_id)
        return tax

    def _list_taxes(self, request: Request) -> Response:
        return self._page(request, "tax", "company_taxes", {"name": "name_key"})

    def _get_tax(self, request: Request) -> Response:
        return Response(200, {"company_tax": self._record_or_422("tax", request.params["id"])})

    def _create_tax(self, request: Request) -> Response:
        """Request root ``tax``, answer root ``company_tax`` (as documented; 200)."""
        data = self._json_body(request, "tax")
        errors = FieldErrors()
        name = clean_text(data.get("name"))
        self._unique_name("tax", name, errors)
        rate = parse_amount(data.get("rate"), "rate", errors)
        if rate is None:
            errors.add("rate", "can't be blank")
        elif not ZERO <= rate <= 100:
            errors.add("rate", "must be between 0 and 100")
        sell = self._named_account(data, "sell_tax_account_name", errors)
        buy = self._named_account(data, "buy_tax_account_name", errors)
        if sell is None and "sell_tax_account_name" not in errors.fields:
            errors.add("sell_tax_account_name", "can't be blank")
        errors.raise_if_any()
        assert name is not None and rate is not None
        with self.store.transaction():
            tax = self._new_tax(
                name,
                rate,
                sell,
                buy,
                witholding=truthy(data.get("is_witholding"), False),
                custom_id=clean_text(data.get("custom_id")),
            )
        return Response(200, {"company_tax": tax})

    def _update_tax(self, request: Request) -> Response:
        """J-41: ``PATCH taxes/{id}`` (root ``tax``) changes the sent fields; answer root
        ``company_tax``. Documents keep the tax as it was when they were posted."""
        tax = self._record_or_422("tax", request.params["id"])
        data = self._json_body(request, "tax")
        errors = FieldErrors()
        name = clean_text(data.get("name")) if "name" in data else tax["name"]
        other = self.store.find("tax", name=name) if name else None
        if name is None:
            errors.add("name", "can't be blank")
        elif other is not None and other["id"] != tax["id"]:
            errors.add("name", "has already been taken")
        rate = Decimal(tax["rate"])
        if "rate" in data:
            sent = parse_amount(data.get("rate"), "rate", errors)
            if sent is None or not ZERO <= sent <= 100:
                errors.add("rate", "must be between 0 and 100")
            else:
                rate = sent
        sell = self._named_account(data, "sell_tax_account_name", errors)
        buy = self._named_account(data, "buy_tax_account_name", errors)
        errors.raise_if_any()
        assert name is not None
        tax["name"], tax["rate"] = name, rate_str(rate)
        if sell is not None:
            tax["sell_tax_account"] = {"id": sell["id"], "name": sell["name"]}
        if buy is not None:
            tax["buy_tax_account"] = {"id": buy["id"], "name": buy["name"]}
        if "custom_id" in data:
            tax["custom_id"] = clean_text(data.get("custom_id"))
        if "is_witholding" in data:
            tax["is_witholding"] = tax["use_witholding"] = truthy(data["is_witholding"], False)
        tax["updated_at"] = iso_timestamp(self._now())
        self.store.update("tax", tax, name=name, custom_id=tax.get("custom_id"))
        return Response(200, {"company_tax": tax})

    def _named_account(
        self, data: dict[str, Any], key: str, errors: FieldErrors
    ) -> dict[str, Any] | None:
        """An account named in ``data[key]`` (None if not sent; J-11 error if unknown)."""
        name = clean_text(data.get(key))
        if name is None:
            return None
        account = self.store.find("account", name=name)
        if account is None:
            errors.add(key, f"{name} not exist")
        return account

    # --- terms ---------------------------------------------------------------------------

    def _new_term(self, name: str, days: int, *, default: bool = False) -> dict[str, Any]:
        term = {
            "id": self.store.next_id(),
            "name": name,
            "longetivity": days,
            "is_used?": False,
            "is_default?": default,
        }
        self.store.insert("term", term, name=name)
        return term

    def _list_terms(self, request: Request) -> Response:
        return self._page(request, "term", "terms", {"name": "name_key"})

    def _create_term(self, request: Request) -> Response:
        data = self._json_body(request, "term")
        errors = FieldErrors()
        name = clean_text(data.get("name"))
        self._unique_name("term", name, errors)
        days = parse_amount(data.get("longetivity"), "longetivity", errors)
        if days is None or days < 0 or days != int(days):
            errors.add("longetivity", "must be a whole number of days, 0 or more")
        errors.raise_if_any()
        assert name is not None and days is not None
        with self.store.transaction():
            term = self._new_term(name, int(days))
        return Response(201, {"term": term})

    # --- tags ----------------------------------------------------------------------------

    def _tags(self, names: list[str]) -> list[dict[str, Any]]:
        """J-26: tags by name, created on the fly."""
        tags: list[dict[str, Any]] = []
        for name in names:
            tag = self.store.find("tag", name=name)
            if tag is None:
                tag = {"id": self.store.next_id(), "name": name, "custom_id": None}
                self.store.insert("tag", tag, name=name)
            if all(t["id"] != tag["id"] for t in tags):
                tags.append({"id": tag["id"], "name": tag["name"]})
        return tags

    def _tag_names(self, data: dict[str, Any], errors: FieldErrors) -> list[str]:
        tags = data.get("tags") or []
        if isinstance(tags, str):
            tags = [tags]
        if not isinstance(tags, list):
            errors.add("tags", "must be a list of names")
            return []
        return [t for t in (clean_text(tag) for tag in tags) if t]

    def _list_tags(self, request: Request) -> Response:
        return self._page(request, "tag", "tags", {"name": "name_key"})

    def _create_tag(self, request: Request) -> Response:
        data = self._json_body(request, "tag")
        errors = FieldErrors()
        name = clean_text(data.get("name"))
        self._unique_name("tag", name, errors)
        errors.raise_if_any()
        assert name is not None
        custom_id = clean_text(data.get("custom_id"))
        with self.store.transaction():
            tag = {"id": self.store.next_id(), "name": name, "custom_id": custom_id}
            self.store.insert("tag", tag, name=name, custom_id=custom_id)
        return Response(201, {"tag": tag})

    # --- payment methods -----------------------------------------------------------------

    def _new_payment_method(self, name: str, custom_id: str | None) -> dict[str, Any]:
        now = iso_timestamp(self._now())
        method = {
            "id": self.store.next_id(),
            "name": name,
            "custom_id": custom_id,
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
        }
        self.store.insert("payment_method", method, name=name, custom_id=custom_id)
        return method

    def _list_payment_methods(self, request: Request) -> Response:
        """J-41: not paged; ``key`` filters by a case-insensitive part of the name."""
        key = (request.query.get("key") or "").strip().casefold()
        methods = [m for m in self.store.all("payment_method") if key in m["name"].casefold()]
        return Response(200, {"payment_methods": methods})

    def _get_payment_method(self, request: Request) -> Response:
        # Documented unwrapped (no root key).
        return Response(200, self._record_or_422("payment_method", request.params["id"]))

    def _create_payment_method(self, request: Request) -> Response:
        data = self._json_body(request, "payment_method")
        errors = FieldErrors()
        name = clean_text(data.get("name"))
        self._unique_name("payment_method", name, errors)
        errors.raise_if_any()
        assert name is not None
        with self.store.transaction():
            method = self._new_payment_method(name, clean_text(data.get("custom_id")))
        return Response(200, {"payment_method": method})

    def _resolve_payment_method(
        self, data: dict[str, Any], errors: FieldErrors, *, required: bool = True
    ) -> dict[str, Any] | None:
        """Documented rules: id and name must agree; id alone must exist; a name alone is
        created when missing; neither is an error."""
        method_id = data.get("payment_method_id")
        name = clean_text(data.get("payment_method_name"))
        by_id = None
        if method_id not in (None, ""):
            try:
                by_id = self.store.get("payment_method", int(str(method_id)))
            except ValueError:
                by_id = None
            if by_id is None:
                errors.add("payment_method_id", f"{method_id} not exist")
                return None
        if name:
            by_name = self.store.find("payment_method", name=name)
            if by_id is not None:
                if by_name is None or by_name["id"] != by_id["id"]:
                    errors.add("payment_method_name", f"{name} does not match payment_method_id")
                    return None
                return by_id
            return by_name or {"new": name}
        if by_id is None and required:
            errors.add("payment_method", "can't be blank")
        return by_id

    def _materialise_payment_method(self, method: dict[str, Any] | None) -> dict | None:
        if method is not None and "new" in method:
            return self._new_payment_method(method["new"], None)
        return method

    # --- warehouses ----------------------------------------------------------------------

    def _new_warehouse(self, data: dict[str, Any]) -> dict[str, Any]:
        now = iso_timestamp(self._now())
        name = clean_text(data.get("name"))
        code = clean_text(data.get("code"))
        custom_id = clean_text(data.get("custom_id"))
        warehouse = {
            "id": self.store.next_id(),
            "name": name,
            "code": code,
            "address": clean_text(data.get("address")) or "",
            "description": clean_text(data.get("description")) or "",
            "custom_id": custom_id,
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
            "deletable": True,
            "editable": True,
        }
        self.store.insert(
            "warehouse", warehouse, name=name, code=code, custom_id=custom_id, created_at=now
        )
        return warehouse

    def _warehouse_errors(
        self, data: dict[str, Any], current: dict[str, Any] | None
    ) -> FieldErrors:
        errors = FieldErrors()
        name = clean_text(data.get("name")) or (current or {}).get("name")
        code = clean_text(data.get("code"))
        if name is None:
            errors.add("name", "can't be blank")
        else:
            other = self.store.find("warehouse", name=name)
            if other is not None and (current is None or other["id"] != current["id"]):
                errors.add("name", "has already been taken")
        if code:
            other = self.store.find("warehouse", code=code)
            if other is not None and (current is None or other["id"] != current["id"]):
                errors.add("code", "has already been taken")
        return errors

    def _list_warehouses(self, request: Request) -> Response:
        return self._page(
            request,
            "warehouse",
            "warehouses",
            {"name": "name_key", "code": "code"},
            render=self._warehouse_detail,
        )

    def ensure_warehouse(self, name: str, code: str) -> dict[str, Any]:
        """The warehouse named ``name``, created with ``code`` if the company has none (the
        warehouses of a demo merchant's extra outlets, as its owner would create them)."""
        with self._lock:
            existing = self.store.find("warehouse", name=name)
            if existing is not None:
                return existing
            with self.store.transaction():
                return self._new_warehouse({"name": name, "code": code})

    def _create_warehouse(self, request: Request) -> Response:
        """J-39: unique name and code; answered 200 as documented."""
        data = self._json_body(request, "warehouse")
        self._warehouse_errors(data, None).raise_if_any()
        with self.store.transaction():
            warehouse = self._new_warehouse(data)
        return Response(200, {"warehouse": self._warehouse_detail(warehouse)})

    def _warehouse_detail(self, warehouse: dict[str, Any]) -> dict[str, Any]:
        inventory = []
        for level in self.store.stock_levels():
            if level["warehouse_id"] != warehouse["id"]:
                continue
            product = self.store.get("product", level["product_id"])
            if product is None:
                continue
            inventory.append(
                {
                    "id": product["id"],
                    "name": product["name"],
                    "code": product.get("product_code"),
                    "quantity": str(quantity_json(level["quantity"])),
                }
            )
        transactions: dict[tuple[str, int], dict[str, Any]] = {}
        for move in self.store.stock_moves(warehouse_id=warehouse["id"]):
            type_id = WAREHOUSE_TRANSACTION_TYPES.get(move["transaction_type"])
            if type_id is None:
                continue
            key = (move["transaction_type"], move["transaction_id"])
            document = self.store.get(move["transaction_type"], move["transaction_id"]) or {}
            day = document.get("transaction_date") or document.get("date")
            if isinstance(day, str) and len(day) == 10 and day[4] == "-":
                day = f"{day[8:10]}/{day[5:7]}/{day[0:4]}"  # transfers keep YYYY-MM-DD
            entry = transactions.setdefault(
                key,
                {
                    "date": day,
                    "transaction_date": day,
                    "transaction_no": document.get("transaction_no"),
                    "transaction_type_id": type_id,
                    "type_and_number": (
                        f"{'Warehouse Transfer' if type_id == 25 else 'Stock Adjustment'} "
                        f"#{document.get('transaction_no')}"
                    ),
                    "quantity": Decimal(0),
                    "total_item": 0,
                },
            )
            entry["quantity"] += move["quantity"]
            entry["total_item"] += 1
        rows = [{**t, "quantity": str(quantity_json(t["quantity"]))} for t in transactions.values()]
        used = bool(inventory) or bool(transactions)
        return {
            **warehouse,
            "deletable": not used,
            "warehouse_inventory": inventory,
            "transactions": rows,
        }

    def _get_warehouse(self, request: Request) -> Response:
        if int(request.params["id"]) == UNASSIGNED_WAREHOUSE_ID:
            unassigned = {
                "id": UNASSIGNED_WAREHOUSE_ID,
                "name": UNASSIGNED_WAREHOUSE,
                "code": None,
                "address": "",
                "description": "",
                "custom_id": None,
                "editable": False,
            }
            return Response(200, {"warehouse": self._warehouse_detail(unassigned)})
        warehouse = self._record_or_422("warehouse", request.params["id"])
        return Response(200, {"warehouse": self._warehouse_detail(warehouse)})

    def _update_warehouse(self, request: Request) -> Response:
        warehouse = self._record_or_422("warehouse", request.params["id"])
        data = self._json_body(request, "warehouse")
        self._warehouse_errors(data, warehouse).raise_if_any()
        for key in ("name", "code", "address", "description", "custom_id"):
            if key in data:
                warehouse[key] = clean_text(data.get(key)) or (
                    warehouse[key] if key == "name" else ""
                )
        warehouse["updated_at"] = iso_timestamp(self._now())
        self.store.update(
            "warehouse",
            warehouse,
            name=warehouse["name"],
            code=warehouse.get("code"),
            custom_id=warehouse.get("custom_id"),
            created_at=warehouse.get("created_at"),
        )
        return Response(200, {"warehouse": self._warehouse_detail(warehouse)})

    def _delete_warehouse(self, request: Request) -> Response:
        """J-39: a warehouse that holds stock or was used by a document cannot be deleted."""
        warehouse = self._record_or_422("warehouse", request.params["id"])
        if self.store.stock_moves(warehouse_id=warehouse["id"]):
            raise ApiError(
                422,
                {
                    "warehouse": ["is used by transactions and cannot be deleted"],
                    "error_full_messages": ["Warehouse is used by transactions"],
                },
            )
        self.store.delete("warehouse", warehouse["id"])
        return Response(204)
