"""Jurnal emulator: per-warehouse stock at moving-average cost, warehouse transfers and
stock adjustments.

Every stock movement (invoice line, sales return line, transfer, adjustment) goes through
:meth:`StockMixin._stock_move`, which keeps quantity and value per product and warehouse and
records the movement so that it can be undone when its document is deleted or rewritten.
J-numbers refer to ``docs/assumptions/jurnal.md``.

The knob ``stock_keys`` (J-60) sets how the answers show the keys a document was sent with:
``echoed`` (the default) shows ``custom_id`` and ``transaction_no`` on every answer;
``documented`` answers as the API document's examples do: no ``custom_id`` anywhere, a stock
adjustment's number only as ``entry.transaction_number`` (``"Stock In/Out#1001"``), a warehouse
transfer's ``transaction_no`` on its create and ``GET`` answers but not in the list.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from journal_sandbox.http import Request, Response, Router
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
    model_errors,
    parse_amount,
    q2,
    quantity_json,
    truthy,
)
from journal_sandbox.jurnal_store import (
    ACCOUNT_INVENTORY,
    ACCOUNT_INVENTORY_ADJUSTMENT,
    UNASSIGNED_WAREHOUSE,
    UNASSIGNED_WAREHOUSE_ID,
    LedgerLine,
)

UNASSIGNED = {"id": UNASSIGNED_WAREHOUSE_ID, "name": UNASSIGNED_WAREHOUSE, "code": None}
#: How stock documents' answers show their keys (J-60): ``echoed`` or ``documented``.
STOCK_KEYS = ("echoed", "documented")
ADJUSTMENT_TYPES = {"adjustment": True, "movement": False}  # transaction_type -> maintain_actual


def warehouse_ref(warehouse: dict[str, Any] | None) -> dict[str, Any]:
    if warehouse is None:
        return {"id": None, "name": None, "code": None}
    return {"id": warehouse["id"], "name": warehouse["name"], "code": warehouse.get("code")}


def quantity_text(quantity: Decimal) -> str:
    value = quantity_json(quantity)
    return str(value)


class StockMixin:
    """Stock levels and the documents that move stock without a sale."""

    store: Any
    stock_keys: str  # J-60: echoed or documented (set by JurnalSandbox)

    def _shown_transfer(self, transfer: dict[str, Any], listed: bool = False) -> dict[str, Any]:
        """A warehouse transfer as an answer shows it (J-60)."""
        if self.stock_keys != "documented":
            return transfer
        hidden = ("custom_id", "transaction_no") if listed else ("custom_id",)
        return {k: v for k, v in transfer.items() if k not in hidden}

    def _shown_adjustment(self, adjustment: dict[str, Any]) -> dict[str, Any]:
        """A stock adjustment as an answer shows it (J-60)."""
        if self.stock_keys != "documented":
            return adjustment
        return {k: v for k, v in adjustment.items() if k not in ("custom_id", "transaction_no")}

    def _routes_stock(self, r: Router) -> None:
        r.add("GET", r"warehouse_transfers", self._list_warehouse_transfers)
        r.add("POST", r"warehouse_transfers", self._create_warehouse_transfer)
        r.add("GET", r"warehouse_transfers/(?P<id>\d+)", self._get_warehouse_transfer)
        r.add("DELETE", r"warehouse_transfers/(?P<id>\d+)", self._delete_warehouse_transfer)
        r.add("GET", r"stock_adjustments", self._list_stock_adjustments)
        r.add("POST", r"stock_adjustments", self._create_stock_adjustment)
        r.add("GET", r"stock_adjustments/(?P<id>[^/]+)", self._get_stock_adjustment)
        r.add("PATCH", r"stock_adjustments/(?P<id>\d+)", self._update_stock_adjustment)
        r.add("DELETE", r"stock_adjustments/(?P<id>\d+)", self._delete_stock_adjustment)

    # --- moving-average stock (J-27, J-32) -----------------------------------------------

    def _unit_cost(self, product: dict[str, Any], warehouse_id: int) -> Decimal:
        """The cost of one unit leaving ``warehouse_id`` now (J-32)."""
        quantity, value, last_cost = self.store.stock_level(product["id"], warehouse_id)
        if quantity > 0:
            return value / quantity
        if last_cost:
            return last_cost
        levels = [lv for lv in self.store.stock_levels(product["id"]) if lv["quantity"] > 0]
        on_hand = sum((lv["quantity"] for lv in levels), ZERO)
        if on_hand > 0:
            return sum((lv["value"] for lv in levels), ZERO) / on_hand
        return Decimal(product.get("buy_price_per_unit") or 0)

    def _stock_move(
        self,
        product: dict[str, Any],
        warehouse_id: int,
        quantity: Decimal,
        *,
        transaction_type: str,
        transaction_id: int,
        tx_date: date | None,
        line_id: int | None = None,
        value: Decimal | None = None,
    ) -> Decimal:
        """Move ``quantity`` (negative: out) of a product; returns the signed value moved.

        Out: at the warehouse's moving-average cost (the last of it when the stock is gone,
        which lets the stock go negative); the last unit out takes the remaining value. In: at
        ``value`` when given, else at the current unit cost.
        """
        if quantity == 0:
            return ZERO
        on_hand, held, last_cost = self.store.stock_level(product["id"], warehouse_id)
        unit = self._unit_cost(product, warehouse_id)
        if quantity > 0:
            moved = q2(value) if value is not None else q2(unit * quantity)
        elif on_hand > 0 and on_hand + quantity == 0:
            moved = -held  # the last units take whatever value is left
        else:
            moved = -q2(unit * -quantity)
        new_quantity, new_value = on_hand + quantity, held + moved
        if new_quantity > 0:
            last_cost = new_value / new_quantity
        elif quantity > 0:
            last_cost = moved / quantity
        else:
            last_cost = unit
        self.store.set_stock_level(product["id"], warehouse_id, new_quantity, new_value, last_cost)
        self.store.add_stock_move(
            product["id"],
            warehouse_id,
            transaction_type,
            transaction_id,
            line_id,
            quantity,
            moved,
            None if tx_date is None else tx_date.isoformat(),
        )
        self._refresh_product_stock(product["id"])
        return moved

    def _undo_stock(self, transaction_type: str, transaction_id: int) -> None:
        """Take back every stock movement of a document (deleted or rewritten)."""
        touched = set()
        for move in self.store.stock_moves(transaction_type, transaction_id):
            on_hand, held, last_cost = self.store.stock_level(
                move["product_id"], move["warehouse_id"]
            )
            on_hand -= move["quantity"]
            held -= move["value"]
            if on_hand > 0:
                last_cost = held / on_hand
            self.store.set_stock_level(
                move["product_id"], move["warehouse_id"], on_hand, held, last_cost
            )
            touched.add(move["product_id"])
        self.store.delete_stock_moves(transaction_type, transaction_id)
        for product_id in touched:
            self._refresh_product_stock(product_id)

    def _refresh_product_stock(self, product_id: int) -> None:
        """The product's ``quantity`` and ``average_price`` over all warehouses."""
        product = self.store.get("product", product_id)
        if product is None:
            return
        levels = self.store.stock_levels(product_id)
        quantity = sum((lv["quantity"] for lv in levels), ZERO)
        value = sum((lv["value"] for lv in levels), ZERO)
        average = value / quantity if quantity > 0 else ZERO
        product["quantity"] = amount_str(quantity)
        product["average_price"] = amount_number(average)
        product["average_price_currency_format"] = currency_format(average)
        self.store.update(
            "product",
            product,
            name=product["name"],
            code=product.get("product_code"),
            custom_id=product.get("custom_id"),
            created_at=product.get("created_at"),
        )

    def _inventory_account(self, product: dict[str, Any]) -> dict[str, Any]:
        ref = product.get("inventory_asset_account") or {}
        account = self.store.get("account", ref["id"]) if ref.get("id") else None
        return account or self._account_by_name(ACCOUNT_INVENTORY)

    # --- look-ups ------------------------------------------------------------------------

    def _resolve_warehouse(
        self, data: dict[str, Any], errors: FieldErrors, prefix: str = ""
    ) -> dict | None:
        """A warehouse by ``<prefix>warehouse_id`` / ``_name`` / ``_code`` (J-11, J-25); id -1
        is the built-in Unassigned warehouse."""
        id_key, name_key, code_key = (f"{prefix}warehouse_{k}" for k in ("id", "name", "code"))
        name = clean_text(data.get(name_key))
        code = clean_text(data.get(code_key))
        by_id = None
        if data.get(id_key) not in (None, ""):
            try:
                wanted = int(data[id_key])
            except (TypeError, ValueError):
                wanted = None
            if wanted == UNASSIGNED_WAREHOUSE_ID:
                by_id = dict(UNASSIGNED)
            elif wanted is not None:
                by_id = self.store.get("warehouse", wanted)
            if by_id is None:
                errors.add(id_key, f"{data[id_key]} not exist")
                return None
        unassigned = name is not None and name.casefold() == UNASSIGNED_WAREHOUSE.casefold()
        by_name = dict(UNASSIGNED) if unassigned else None
        if name and by_name is None:
            by_name = self.store.find("warehouse", name=name)
        by_code = self.store.find("warehouse", code=code) if code else None
        if name and by_name is None:
            errors.add(name_key, f"{name} not exist")
        if code and by_code is None:
            errors.add(code_key, f"{code} not exist")
        chosen = [w for w in (by_id, by_name, by_code) if w is not None]
        if len({w["id"] for w in chosen}) > 1:
            errors.add(code_key, f"{code or data.get(id_key)} does not match warehouse {name}")
        return chosen[0] if chosen else None

    def _tracked_product(self, raw: dict[str, Any], errors: FieldErrors) -> dict | None:
        product = self._resolve_line_product(raw, errors)
        if product is not None and not product.get("track_inventory"):
            errors.add("product", f"{product['name']} does not track inventory")
            return None
        return product

    def _check_unique_number(self, kind: str, data: dict[str, Any]) -> None:
        """J-8 for other documents: ``transaction_no`` and ``custom_id`` unique per kind."""
        messages: dict[str, str] = {}
        existing_id = None
        for key, message in (
            ("custom_id", "(Custom id attribute had already been used.)"),
            ("transaction_no", "(Transaction number had already been used)"),
        ):
            value = clean_text(data.get(key))
            if value:
                found = self.store.find(kind, **{key: value})
                if found is not None:
                    messages[key] = message
                    existing_id = existing_id or found["id"]
        if messages:
            raise ApiError(422, model_errors(messages, existing_id))

    # --- warehouse transfers (J-33) ------------------------------------------------------

    def _list_warehouse_transfers(self, request: Request) -> Response:
        return self._page(
            request,
            "warehouse_transfer",
            "warehouse_transfers",
            {"transaction_date": "tx_date", "created_at": "created_at"},
            render=lambda transfer: self._shown_transfer(transfer, listed=True),
        )

    def _get_warehouse_transfer(self, request: Request) -> Response:
        transfer = self._record_or_422("warehouse_transfer", request.params["id"])
        return Response(200, {"warehouse_transfer": self._shown_transfer(transfer)})

    def _create_warehouse_transfer(self, request: Request) -> Response:
        data = self._json_body(request, "warehouse_transfer")
        with self.store.transaction():
            self._check_unique_number("warehouse_transfer", data)
            errors = FieldErrors()
            source = self._resolve_warehouse(data, errors, "from_")
            target = self._resolve_warehouse(data, errors, "to_")
            if source is None and "from_warehouse_name" not in errors.fields:
                errors.add("from_warehouse", "can't be blank")
            if target is None and "to_warehouse_name" not in errors.fields:
                errors.add("to_warehouse", "can't be blank")
            if source is not None and target is not None and source["id"] == target["id"]:
                errors.add("to_warehouse", "must be different from from_warehouse")
            day = self._request_date(data, "transaction_date", errors) or self._today()
            lines = []
            raw_lines = data.get("warehouse_transfer_lines_attributes")
            if not isinstance(raw_lines, list) or not raw_lines:
                errors.add("warehouse_transfer_lines_attributes", "can't be blank")
                raw_lines = []
            for raw in raw_lines:
                if not isinstance(raw, dict):
                    errors.add("warehouse_transfer_lines_attributes", "is not valid")
                    continue
                product = self._tracked_product(raw, errors)
                quantity = parse_amount(raw.get("quantity"), "quantity", errors)
                if quantity is None or quantity <= 0:
                    errors.add("quantity", "must be greater than 0")
                elif product is not None:
                    lines.append((product, quantity))
            errors.raise_if_any()
            assert source is not None and target is not None
            transfer_id = self.store.next_id()
            number = clean_text(data.get("transaction_no")) or self._next_transaction_no(
                "warehouse_transfer"
            )
            now = iso_timestamp(self._now())
            lines_out = []
            for product, quantity in lines:
                line_id = self.store.next_id()
                common = {
                    "transaction_type": "warehouse_transfer",
                    "transaction_id": transfer_id,
                    "tx_date": day,
                    "line_id": line_id,
                }
                moved = self._stock_move(product, source["id"], -quantity, **common)
                self._stock_move(product, target["id"], quantity, value=-moved, **common)
                lines_out.append(
                    {
                        "id": line_id,
                        "quantity": amount_str(quantity),
                        "product": {
                            "id": product["id"],
                            "name": product["name"],
                            "code": product.get("product_code"),
                        },
                    }
                )
            custom_id = clean_text(data.get("custom_id"))
            transfer = {
                "id": transfer_id,
                "transaction_no": number,
                "transaction_date": day.isoformat(),
                "memo": clean_text(data.get("memo")) or "",
                "custom_id": custom_id,
                "from_warehouse": warehouse_ref(source),
                "to_warehouse": warehouse_ref(target),
                "warehouse_transfer_line_attributes": lines_out,
                "created_at": now,
                "updated_at": now,
                "deletable": True,
                "editable": False,
            }
            self.store.insert(
                "warehouse_transfer",
                transfer,
                transaction_no=number,
                custom_id=custom_id,
                tx_date=day.isoformat(),
                created_at=now,
            )
        return Response(200, {"warehouse_transfer": self._shown_transfer(transfer)})

    def _delete_warehouse_transfer(self, request: Request) -> Response:
        transfer = self._record_or_422("warehouse_transfer", request.params["id"])
        with self.store.transaction():
            self._undo_stock("warehouse_transfer", transfer["id"])
            self.store.delete("warehouse_transfer", transfer["id"])
        return Response(204)

    # --- stock adjustments (J-34) --------------------------------------------------------

    def _list_stock_adjustments(self, request: Request) -> Response:
        return self._page(
            request,
            "stock_adjustment",
            "stock_adjustments",
            {"date": "tx_date", "created_at": "created_at"},
            sort_python={
                "type": lambda d: (d.get("adjustment_type") or "").casefold(),
                "account_id": lambda d: (d.get("account") or {}).get("id") or 0,
                "warehouse_id": lambda d: (d.get("warehouse") or {}).get("id") or 0,
                "tags_name": lambda d: d.get("tags_string") or "",
            },
            render=self._shown_adjustment,
            records=self._created_updated_filtered(request, "stock_adjustment"),
        )

    def _get_stock_adjustment(self, request: Request) -> Response:
        """By id, or by number: ``?search_by=transaction_no&transaction_type=adjustment|
        movement`` (both parameters together, as documented)."""
        search_by = request.query.get("search_by")
        transaction_type = request.query.get("transaction_type")
        if search_by is None and transaction_type is None:
            adjustment = self._record_or_422("stock_adjustment", request.params["id"])
            return Response(200, {"stock_adjustment": self._shown_adjustment(adjustment)})
        if search_by is None or transaction_type is None:
            missing = "search_by" if search_by is None else "transaction_type"
            raise ApiError(400, {"error_full_messages": [f"Please provide `{missing}` parameter."]})
        if search_by != "transaction_no" or transaction_type not in ADJUSTMENT_TYPES:
            raise ApiError(
                400,
                {
                    "error_full_messages": [
                        "search_by must be transaction_no and transaction_type "
                        "adjustment or movement"
                    ]
                },
            )
        number = unquote(request.params["id"])
        for adjustment in self.store.find_all("stock_adjustment", transaction_no=number):
            if adjustment["maintain_actual"] == ADJUSTMENT_TYPES[transaction_type]:
                return Response(200, {"stock_adjustment": self._shown_adjustment(adjustment)})
        raise ApiError(422, dict(UNPROCESSABLE))

    def _create_stock_adjustment(self, request: Request) -> Response:
        data = self._json_body(request, "stock_adjustment")
        with self.store.transaction():
            self._check_unique_number("stock_adjustment", data)
            adjustment = self._accept_stock_adjustment(data)
        return Response(201, {"stock_adjustment": self._shown_adjustment(adjustment)})

    def _update_stock_adjustment(self, request: Request) -> Response:
        """J-34: the sent fields replace the stored ones; sent lines replace all lines; the
        adjustment is re-posted as if new (a count re-reads the recorded quantity)."""
        adjustment = self._record_or_422("stock_adjustment", request.params["id"])
        patch = self._json_body(request, "stock_adjustment")
        stored = self.store.get_meta(f"body:stock_adjustment:{adjustment['id']}")
        merged = {**json.loads(stored or "{}"), **patch}
        if isinstance(merged.get("lines_attributes"), list):
            merged["lines_attributes"] = [
                {k: v for k, v in line.items() if k not in ("id", "system_quantity")}
                if isinstance(line, dict)
                else line
                for line in merged["lines_attributes"]
            ]
        merged.setdefault("transaction_no", adjustment["transaction_no"])
        with self.store.transaction():
            self._undo_stock("stock_adjustment", adjustment["id"])
            self.store.unpost("stock_adjustment", adjustment["id"])
            self.store.delete("stock_adjustment", adjustment["id"])
            self._check_unique_number("stock_adjustment", merged)
            updated = self._accept_stock_adjustment(merged, existing=adjustment)
        shown = self._shown_adjustment(updated)
        return Response(201, {"stock_adjustment": shown})  # as documented for this PATCH

    def _accept_stock_adjustment(
        self, data: dict[str, Any], existing: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        errors = FieldErrors()
        maintain_actual = truthy(data.get("maintain_actual"), False)
        warehouse = self._resolve_warehouse(data, errors) or dict(UNASSIGNED)
        day = (
            self._request_date(data, "date", errors)
            or self._request_date(data, "transaction_date", errors)
            or self._today()
        )
        account = self._named_account(data, "account_name", errors)
        if account is None and "account_name" not in errors.fields:
            account = self._account_by_name(ACCOUNT_INVENTORY_ADJUSTMENT)
        tag_names = self._tag_names(data, errors)
        parsed = []
        raw_lines = data.get("lines_attributes")
        if not isinstance(raw_lines, list) or not raw_lines:
            errors.add("lines_attributes", "can't be blank")
            raw_lines = []
        for raw in raw_lines:
            if not isinstance(raw, dict):
                errors.add("lines_attributes", "is not valid")
                continue
            product = self._tracked_product(raw, errors)
            key = "actual_quantity" if maintain_actual else "difference"
            number = parse_amount(raw.get(key), key, errors)
            if number is None:
                errors.add(key, "can't be blank")
            elif maintain_actual and number < 0:
                errors.add(key, "must be greater than or equal to 0")
            custom = truthy(raw.get("use_custom_average_price"), False)
            price = parse_amount(raw.get("average_price"), "average_price", errors)
            if custom and (price is None or price < 0):
                errors.add("average_price", "must be 0 or more with use_custom_average_price")
            if product is not None and number is not None:
                parsed.append((product, number, price if custom else None))
        errors.raise_if_any()
        assert account is not None
        adjustment_id = self.store.next_id() if existing is None else existing["id"]
        number_text = clean_text(data.get("transaction_no")) or self._next_transaction_no(
            "stock_adjustment"
        )
        lines_out = []
        postings: list[LedgerLine] = []
        for product, number, custom_price in parsed:
            recorded, _, _ = self.store.stock_level(product["id"], warehouse["id"])
            difference = number - recorded if maintain_actual else number
            actual = recorded + difference
            line_id = self.store.next_id()
            unit = (
                custom_price
                if custom_price is not None
                else self._unit_cost(product, warehouse["id"])
            )
            value = q2(unit * difference) if difference > 0 else None
            moved = self._stock_move(
                product,
                warehouse["id"],
                difference,
                transaction_type="stock_adjustment",
                transaction_id=adjustment_id,
                tx_date=day,
                line_id=line_id,
                value=value,
            )
            inventory = self._inventory_account(product)
            if moved > 0:
                postings += [
                    LedgerLine(inventory["id"], debit=moved, description=product["name"]),
                    LedgerLine(account["id"], credit=moved, description=product["name"]),
                ]
            elif moved < 0:
                postings += [
                    LedgerLine(account["id"], debit=-moved, description=product["name"]),
                    LedgerLine(inventory["id"], credit=-moved, description=product["name"]),
                ]
            lines_out.append(
                {
                    "id": line_id,
                    "product": {
                        "id": product["id"],
                        "name": product["name"],
                        "code": product.get("product_code"),
                    },
                    "recorded_quantity": quantity_json(recorded),
                    "actual_quantity": quantity_json(actual),
                    "difference": quantity_json(difference),
                    "average_price": amount_number(unit),
                    "recorded_quantity_company_quantity_format": quantity_text(recorded),
                    "actual_quantity_company_quantity_format": quantity_text(actual),
                    "difference_company_quantity_format": quantity_text(difference),
                    "average_price_currency_format": currency_format(unit),
                }
            )
        label = "Stock Adjustment" if maintain_actual else "Stock In/Out"
        tags = self._tags(tag_names)
        now = iso_timestamp(self._now())
        custom_id = clean_text(data.get("custom_id"))
        adjustment = {
            "id": adjustment_id,
            "transaction_no": number_text,
            "custom_id": custom_id,
            "memo": clean_text(data.get("memo")) or "",
            "date": day.strftime("%d/%m/%Y"),
            "adjustment_type": clean_text(data.get("stock_adjustment_type")) or "General",
            "maintain_actual": maintain_actual,
            "account": self._account_ref_category(account),
            "warehouse": warehouse_ref(warehouse),
            "stock_adjustment_lines_attributes": lines_out,
            "entry": {"transaction_number": f"{label}#{number_text}"},
            "tag": tags,
            "tags_string": ", ".join(t["name"] for t in tags),
            "created_at": now if existing is None else existing["created_at"],
            "updated_at": now,
            "editable": True,
            "deletable": True,
        }
        self.store.insert(
            "stock_adjustment",
            adjustment,
            transaction_no=number_text,
            custom_id=custom_id,
            tx_date=day.isoformat(),
            created_at=now,
        )
        self.store.post("stock_adjustment", adjustment_id, number_text, day.isoformat(), postings)
        self.store.set_meta(f"body:stock_adjustment:{adjustment_id}", json.dumps(data, default=str))
        return adjustment

    def _delete_stock_adjustment(self, request: Request) -> Response:
        adjustment = self._record_or_422("stock_adjustment", request.params["id"])
        with self.store.transaction():
            self._undo_stock("stock_adjustment", adjustment["id"])
            self.store.unpost("stock_adjustment", adjustment["id"])
            self.store.delete("stock_adjustment", adjustment["id"])
        return Response(204)
