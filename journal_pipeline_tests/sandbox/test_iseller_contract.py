"""Field-by-field contract of the iSeller emulator against iSeller's *Public API v2* document.

Every request goes over real HTTP. For each endpoint the tests check that every field the
document's field tables (and sample responses) name is present, with the documented JSON type,
enumeration and date format ``YYYY-MM-DD HH:MM:SS``; and the envelope (``status``,
``error_message``, ``error_detail``, ``time``, ``count``, ``has_next_item``), the error
behaviour (HTTP 401 for a refused bearer, HTTP 200 with ``status: false`` otherwise), the token
answer, ``includes`` matching, ``time_zone`` conversion of filters and output, inclusive bounds
and paging. Where the document is ambiguous the emulator's choice is the one recorded in
docs/assumptions/iseller.md (I-n, cited next to the field).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from journal_sandbox.iseller_app import ISellerSandbox

CLIENT = {"client_id": "sandbox-iseller-client", "client_secret": "sandbox-iseller-secret"}
TIMEOUT = 10
NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)
ALL_INCLUDES = (
    "OrderDetails,Transactions,DiscountDetails,PromotionDetails,TrackInventory,MDR,"
    "ShippingDetail,UnfulfilledItems,ProfitDetails"
)
WINDOW = {"time_zone": 7, "created_after": "2026-11-14T00:00:00"}

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
TIMESPAN = re.compile(r"^\d{2}:\d{2}:\d{2}\.\d{7}$")


# -- type vocabulary ----------------------------------------------------------------------------


def _is(kind: str, value: Any) -> bool:
    match kind:
        case "null":
            return value is None
        case "string":
            return isinstance(value, str)
        case "guid":
            return isinstance(value, str) and bool(GUID.match(value))
        case "date":
            return isinstance(value, str) and bool(DATE.match(value))
        case "number":
            return isinstance(value, int | float) and not isinstance(value, bool)
        case "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        case "bool":
            return isinstance(value, bool)
        case "list":
            return isinstance(value, list)
        case "object":
            return isinstance(value, dict)
    raise AssertionError(f"unknown kind {kind}")


def check(item: Mapping[str, Any], spec: Mapping[str, str], where: str) -> None:
    """Every field of `spec` is in `item` with one of its kinds (``"string|null"``)."""
    assert isinstance(item, dict), f"{where}: not an object: {item!r}"
    missing = set(spec) - set(item)
    assert not missing, f"{where}: missing {sorted(missing)}"
    for name, kinds in spec.items():
        value = item[name]
        assert any(_is(k, value) for k in kinds.split("|")), (
            f"{where}.{name} = {value!r} is not {kinds}"
        )


def check_enum(items: list[dict[str, Any]], field: str, allowed: set[Any], where: str) -> None:
    seen = {item[field] for item in items}
    assert seen <= allowed, f"{where}.{field}: {sorted(map(str, seen - allowed))} not documented"


# -- the document's objects ---------------------------------------------------------------------

MONEY = "number"
ORDER = {
    "external_customer_id": "string|null",
    "order_id": "guid",
    "order_reference": "string",
    "channel": "string",
    "channel_detail": "string|null",
    "marketplace_account": "string|null",  # in the sample
    "order_date": "date",
    "closed_date": "date|null",
    "status": "string",
    "payment_status": "string",
    "fulfillment_status": "string",
    "notes": "string|null",
    "processing_method": "string|null",
    "cancel_date": "date|null",
    "cancel_reason": "string|null",
    "outlet_id": "guid",
    "outlet_name": "string",
    "outlet_code": "string",  # in the sample
    "register_id": "guid|null",
    "register_name": "string|null",
    "customer_id": "guid|null",
    "customer_first_name": "string|null",
    "customer_last_name": "string|null",
    "customer_phone_number": "string|null",
    "customer_email": "string|null",
    "server_id": "guid|null",
    "server_first_name": "string|null",
    "server_last_name": "string|null",
    "cashier_id": "guid|null",
    "cashier_first_name": "string|null",
    "cashier_last_name": "string|null",
    "currency": "string",
    "total_order_amount": MONEY,
    "discount_percentage": "number|null",
    "total_discount_amount": MONEY,
    "total_promotion_amount": MONEY,
    "subtotal": MONEY,
    "total_tax_amount": MONEY,
    "total_additional_final_amount": MONEY,
    "total_additional_subtotal_amount": MONEY,
    "total_additional_order_amount": MONEY,
    "rounding_amount": MONEY,
    "total_amount": MONEY,
    "buying_price": MONEY,
    "total_shipping_amount": MONEY,
    "total_weight": "integer",
    "total_bonus": MONEY,  # read by public client code (I-24)
    "tax_inclusive": "bool",
    "on_account": "bool",
    "remaining_on_account": MONEY,  # the table's "remaining_on_accoun" (I-24)
    "billing": "object|null",
    "shipping": "object|null",
    "device_location": "object|null",
    "order_type": "string|null",
    "modified_date": "date",  # I-12
}
ORDER_BLOCKS = {
    "order_details": "list",
    "promotions": "list",
    "discounts": "list",
    "transactions": "list",
}
ADDRESS = {
    "address_id": "guid|null",
    "contact_title": "string|null",
    "first_name": "string|null",
    "last_name": "string|null",
    "company": "string|null",
    "phone": "string|null",
    "address1": "string|null",
    "address2": "string|null",
    "country_code": "string|null",
    "country": "string|null",
    "state": "string|null",
    "city": "string|null",
    "zip": "string|null",
    "longitude": "number|null",
    "latitude": "number|null",
}
DEVICE_LOCATION = {"latitude": "string|null", "longitude": "string|null"}
ORDER_DETAIL = {
    "order_detail_id": "guid",
    "product_id": "guid",
    "product_name": "string",
    "product_generic_name": "string|null",
    "product_type": "string|null",
    "product_variant_id": "guid|null",
    "product_variant_name": "string|null",
    "product_modifier_id": "guid|null",
    "product_modifier_name": "string|null",
    "order_type": "string|null",
    "notes": "string|null",
    "vendor": "string|null",
    "sku": "string|null",
    "fulfilment_status": "string",
    "quantity": "integer",
    "base_price": MONEY,
    "discount_amount": MONEY,
    "discount_percentage": "number|null",
    "taxable": "bool",
    "tax_percentage": "number",
    "tax_amount": MONEY,
    "require_shipping": "bool",
    "weight": "number",
    "weight_quantity": "number|null",
    "promotions": "list",
    "discounts": "list",
    "track_inventory": "bool",
    "type": "string",
    "modifier_product_type": "string|null",
    "modifier_product_id": "guid|null",
    "modifier_product_sku": "string|null",  # typed Integer in the table; a SKU (I-43)
    "product_modifier_sku": "string|null",  # the changelog's name (I-43)
    "modifier_product_composites": "list",
    "product_composites": "list",
    "product_combos": "list",
    "units_used": "list",
    "serial_numbers": "list|null",  # null: no serial-number add-on (I-43)
    "cogs": "list",
    "server_name": "string|null",
    # line money read by public code (I-18)
    "total_order_amount": MONEY,
    "discount_order_amount": MONEY,
    "subtotal": MONEY,
    "additional_charge": MONEY,
}
# promotion_type and external_id: read by public client code (I-30, I-17)
PROMOTION = {
    "promotion_id": "guid",
    "promotion_name": "string",
    "promotion_amount": MONEY,
    "promotion_type": "string|null",
    "external_id": "string|null",
}
DISCOUNT = {"discount_name": "string", "discount_amount": MONEY, "external_id": "string|null"}
TRANSACTION = {
    "transaction_id": "guid",
    "transaction_date": "date",
    "channel": "string",
    "type": "string",
    "status": "string",
    "gateway": "string",
    "payment_type_id": "guid|null",
    "payment_type_name": "string",
    "currency": "string",
    "amount": MONEY,
    "mdr": "list|null",
    "bin_card": "string|null",
    # the GetTransactions sample
    "order_reference": "string",
    "order_id": "guid",
    "additional_info": "string|object|null",
}
MDR = {"payment_method_fee": MONEY, "total_amount_fee": MONEY}
INVENTORY_HISTORY = {
    "product_id": "guid",
    "product_sku": "string",
    "product_name": "string",
    "variant_name": "string|null",
    "quantity": "number",
}
STORE_INVENTORY = {
    "product_name": "string",
    "product_id": "string",
    "sku": "string",
    "stock": "number",
    "serial_numbers": "list|null",
}
COGS = {"product_id": "guid", "sku": "string", "quantity": "number", "buying_price": MONEY}
REFUND_DETAILS = {"product_id": "guid", "sku": "string", "cogs": "list", "quantity": "number"}
STORE_ORDER_REFUND = {
    "order_id": "guid",
    "order_reference": "string",
    "channel": "string",
    "order_date": "date",
    "refund_date": "date",
    "refund_amount": MONEY,
    "quantity": "number",  # changelog 27 August 2024
    "units_returned": "list",
    "refund_details": "list",
}
STORE_ORDER_FULFILLED = {
    "order_id": "guid",
    "order_reference": "string",
    "channel": "string",
    "order_date": "date",
    "fulfill_date": "date",
    "units_fulfilled": "list",
}
SUMMARY_MONEY = (
    "total_order_amount",
    "total_discount_amount",
    "total_promotion_amount",
    "total_additional_order_amount",
    "total_additional_subtotal_amount",
    "subtotal",
    "total_tax_amount",
    "total_additional_final_amount",
    "rounding_amount",
    "total_amount",
    "total_shipping_amount",
)
ORDER_SUMMARY = {
    "order_date": "date",
    "currency": "string",
    **dict.fromkeys(SUMMARY_MONEY, MONEY),
    "total_weight": "integer",
    "units_used": "list|null",
    "units_returned": "list|null",
    "units_fulfilled": "list|null",
    "units_hpp": "list|null",
}
STORE_UNIT_HPP = {
    "product_id": "guid",
    "product_name": "string",
    "sku": "string",
    "quantity": "number",
    "selling_price": MONEY,
    "buying_price": MONEY,
}
SUMMARY_GATEWAYS = (
    "cash",
    "external_debit",
    "external_credit",
    "gift_card",
    "iseller_pay",
    "points",
    "store_credit",
    "account_balance",
)
TRANSACTION_SUMMARY = {
    "order_date": "date",
    **dict.fromkeys(SUMMARY_GATEWAYS, MONEY),  # the sample's keys (I-38)
    "customs": "list",
}
CUSTOM_TRANSACTION = {"name": "string", "amount": MONEY}
STORE_PRODUCT = {
    "product_id": "guid",
    "product_header_id": "guid",
    "name": "string",
    "description": "string|null",
    "type": "string",
    "product_type": "string|null",
    "vendor": "string|null",
    "attribute": "list|null",
    "tags": "list|null",
    "barcode": "string|null",
    "sku": "string",
    "price": MONEY,
    "outlet_prices": "list|null",
    "taxable": "bool",
    "track_inventory": "bool",
    "allow_negative_stock": "bool",
    "sold_count": "number",
    "unit_of_measurement": "string|null",
    "buying_prices": "list",
    "buying_price": MONEY,
    "inventories": "list",
    "ingredients": "list|null",
    "variant_options": "list|null",
    "bundles": "list|null",
    "modifier_groups": "list|null",
    "images": "list|null",
    "need_scale": "bool",
    "is_active": "bool",
    "modified_date": "date",
}
PRODUCT_INVENTORY = {
    "outlet_id": "guid",
    "outlet_code": "string",
    "outlet_name": "string",
    "unit_in_stock": "number",
}
BUYING_PRICE = {"outlet_id": "guid", "buying_price": MONEY}
INGREDIENT = {"product_id": "string", "name": "string", "sku": "string", "quantity": "number"}
VARIANT = {"option": "string", "value": "string"}
OUTLET_PRICE = {"outlet_id": "string", "outlet_name": "string", "price": MONEY}
MODIFIER_GROUP = {
    "modifier_group_id": "guid",
    "title": "string",
    "modifiers": "list",
    "is_active": "bool",
}
MODIFIER = {
    "modifier_id": "guid",
    "modifier_group_id": "guid",
    "title": "string",
    "price": MONEY,
    "quantity": "integer",
}
STORE_INFO = {
    "store_name": "string",
    "phone": "string|null",
    "address": "string|null",
    "email": "string|null",
    "currency": "string",
    "image": "string|null",
    "active_outlets": "list",
    "active_payments": "list",
}
OUTLET = {
    "outlet_id": "guid",
    "outlet_code": "string",
    "outlet_name": "string",
    "phone": "string|null",
    "address": "string|null",
    "contact_name": "string|null",
    "email": "string|null",
    "image": "string|null",
}
PAYMENT_TYPE = {"name": "string", "is_active": "bool", "gateway": "string"}
REGISTER_SHIFT = {
    "register_name": "string",
    "register_id": "guid",
    "register_shift_id": "guid",
    "open_date": "date",
    "closed_date": "date|null",
}
ERP_OUTLET = {
    "id": "guid",
    "outlet_code": "string",
    "name": "string",
    "phone": "string|null",
    "address": "string|null",
    "email": "string|null",
    "is_active": "bool",
    "outlet_groups": "list|null",
}

GATEWAYS = {
    "cash",
    "external_debit",
    "external_credit",
    "gift_card",
    "points",
    "account_balance",
    "store_credit",
    "iseller_pay",
    "custom",
}
ENUMS_ORDER = {
    "channel": {"pos", "web", "marketplace", "food_delivery"},
    "status": {"draft", "reserved", "completed", "void"},
    "payment_status": {
        "paid",
        "partially_paid",
        "refunded",
        "partially_refunded",
        "voided",
        "pending",
    },
    "fulfillment_status": {"fulfilled", "partial", "none"},
    "order_type": {"dine_in", "take_away", "delivery", "pick_up", None},
    "channel_detail": {
        "tokopedia",
        "shopee",
        "lazada",
        "bilibili",
        "tiktok",
        "grabfood",
        "gofood",
        None,
    },
}
ENUMS_LINE = {
    "fulfilment_status": {"fulfilled", "none", "cancel"},
    "type": {"standard", "variant", "composite", "comboset"},
    "order_type": {"dine_in", "take_away", "delivery", "pick_up", None},
}
ENUMS_TRANSACTION = {
    "type": {"sale", "refund", "void"},
    "status": {"success", "error", "pending", "failure"},
    "gateway": GATEWAYS,
}


# -- fixtures -----------------------------------------------------------------------------------


@dataclass
class Clock:
    value: datetime

    def __call__(self) -> datetime:
        return self.value


class Api:
    def __init__(self, url: str):
        self.url = url
        self.token_answer = requests.post(
            f"{url}/oauth/token",
            data={"grant_type": "client_credentials", **CLIENT},
            timeout=TIMEOUT,
        ).json()
        self.token = self.token_answer["access_token"]

    def raw(self, path: str, method: str = "POST", **params: Any) -> requests.Response:
        return requests.request(
            method,
            f"{self.url}{path}",
            data=params or None,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=TIMEOUT,
        )

    def ok(self, path: str, method: str = "POST", **params: Any) -> dict[str, Any]:
        response = self.raw(path, method, **params)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("application/json")
        body = response.json()
        assert body["status"] is True and body["error_message"] is None, body
        assert TIMESPAN.match(body["time"]), body["time"]
        return body

    def pages(self, path: str, key: str, page_size: int = 1000, **params: Any) -> Iterator[dict]:
        page = 1
        while True:
            body = self.ok(path, page=page, page_size=page_size, **params)
            yield body
            if not body["has_next_item"]:
                return
            page += 1

    def all(self, path: str, key: str, page_size: int = 1000, **params: Any) -> list[dict]:
        return [item for body in self.pages(path, key, page_size, **params) for item in body[key]]


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """Ten business days at 40 orders per outlet per day: voids, refunds, on-account orders,
    split payments, QRIS (MDR), modifiers, variants and composites all occur."""
    sandbox = ISellerSandbox(
        tmp_path_factory.mktemp("iseller-contract"),
        orders_per_outlet_per_day=40,
        history_days=10,
        now=Clock(NOW),
    )
    server = sandbox.serve().start()
    try:
        api = Api(server.url)
        full = api.ok("/api/v2/GetOrders", page_size=1000, includes=ALL_INCLUDES, **WINDOW)
        assert not full["has_next_item"]
        yield SimpleNamespace(sandbox=sandbox, api=api, url=server.url, full=full)
    finally:
        server.stop()
        sandbox.close()


# -- authentication -----------------------------------------------------------------------------


def test_token_answer_has_the_documented_fields(sb: SimpleNamespace) -> None:
    answer = sb.api.token_answer
    check(
        answer,
        {
            "access_token": "string",
            "token_type": "string",
            "expires_in": "integer",
            "refresh_token": "string",
            "resource_url": "string",
        },
        "token",
    )
    assert answer["token_type"] == "bearer"
    assert answer["expires_in"] == 1209599
    assert answer["resource_url"] == sb.url
    refreshed = requests.post(
        f"{sb.url}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": answer["refresh_token"], **CLIENT},
        timeout=TIMEOUT,
    )
    assert refreshed.status_code == 200
    assert set(refreshed.json()) == set(answer)  # "the same as request access token result"
    as_json = requests.post(
        f"{sb.url}/oauth/token",
        json={"grant_type": "client_credentials", **CLIENT},
        timeout=TIMEOUT,
    )
    assert as_json.status_code == 200 and set(as_json.json()) == set(answer)


ENDPOINTS = [
    ("POST", "/api/v2/GetOrders"),
    ("POST", "/api/v2/GetOrderSummary"),
    ("POST", "/api/v2/GetTransactions"),
    ("POST", "/api/v2/GetTransactionSummary"),
    ("POST", "/api/v2/GetProducts"),
    ("POST", "/api/v2/GetRegisterShifts"),
    ("GET", "/api/v2/GetStoreInfo"),
    ("POST", "/api/v2/GetStoreInfo"),
    ("GET", "/api/v1/GetStoreInfo"),
    ("POST", "/api/v3/GetOutlets"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer "])
def test_a_refused_bearer_is_http_401(
    sb: SimpleNamespace, method: str, path: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = requests.request(
        method, f"{sb.url}{path}", data=WINDOW, headers=headers, timeout=TIMEOUT
    )
    assert response.status_code == 401
    assert "status" not in response.json()


@pytest.mark.parametrize(
    ("path", "params", "fragment"),
    [
        ("/api/v2/GetOrders", {"created_after": "2026-11-10T00:00:00"}, "time_zone"),
        ("/api/v2/GetOrders", {"time_zone": 7, "created_after": "yesterday"}, "created_after"),
        ("/api/v2/GetOrders", {**WINDOW, "sort": "Price"}, "sort"),
        ("/api/v2/GetOrders", {**WINDOW, "sort_direction": "UP"}, "sort_direction"),
        ("/api/v2/GetOrders", {**WINDOW, "page_size": "many"}, "page_size"),
        ("/api/v2/GetOrderSummary", {"created_after": "2026-11-10T00:00:00"}, "time_zone"),
        ("/api/v2/GetTransactions", {"time_zone": "seven"}, "time_zone"),
        ("/api/v2/GetTransactionSummary", {"time_zone": 7, "created_before": "x"}, "created"),
        ("/api/v2/GetProducts", {"track_inventory": "false"}, "required"),
        ("/api/v2/GetRegisterShifts", {"created_after": "2026-11-10T00:00:00"}, "time_zone"),
        ("/api/v3/GetOutlets", {"page": 0}, "page"),
    ],
)
def test_a_logical_error_is_http_200_with_status_false(
    sb: SimpleNamespace, path: str, params: dict[str, Any], fragment: str
) -> None:
    response = sb.api.raw(path, **params)
    assert response.status_code == 200
    body = response.json()
    check(body, {"status": "bool", "error_message": "string", "time": "string"}, path)
    assert body["status"] is False and fragment in body["error_message"]
    assert "error_detail" in body and (body["error_detail"] is None or body["error_detail"])
    assert TIMESPAN.match(body["time"])


def test_routes_match_case_insensitively(sb: SimpleNamespace) -> None:
    """The document's own sample posts to ``/api/v2/getregistershifts``."""
    body = sb.api.ok("/api/v2/getregistershifts", **WINDOW)
    assert body["register_shifts"]
    assert sb.api.ok("/API/V2/GETORDERS", **WINDOW)["orders"]


# -- GetOrders ----------------------------------------------------------------------------------


def test_get_orders_envelope(sb: SimpleNamespace) -> None:
    check(
        sb.full,
        {
            "count": "integer",
            "orders": "list",
            "refunded_orders": "list",
            "fulfillments": "list",
            "has_next_item": "bool",
            "error_message": "null",
            "status": "bool",
            "time": "string",
        },
        "GetOrders",
    )
    assert sb.full["count"] == len(sb.full["orders"]) > 100  # I-8
    bare = sb.api.ok("/api/v2/GetOrders", page_size=5, **WINDOW)
    assert not {"refunded_orders", "fulfillments"} & set(bare)  # TrackInventory only
    assert bare["has_next_item"] is True and bare["count"] == 5


def test_every_order_field(sb: SimpleNamespace) -> None:
    orders = sb.full["orders"]
    statuses = {(o["status"], o["payment_status"]) for o in orders}
    assert {("void", "voided"), ("completed", "paid"), ("completed", "pending")} <= statuses
    assert {"refunded", "partially_refunded"} & {o["payment_status"] for o in orders}
    for order in orders:
        check(order, {**ORDER, **ORDER_BLOCKS}, f"order {order['order_reference']}")
        for name in ("billing", "shipping"):
            if order[name] is not None:
                check(order[name], ADDRESS, name)
        if order["device_location"] is not None:
            check(order["device_location"], DEVICE_LOCATION, "device_location")
        for promotion in order["promotions"]:
            check(promotion, PROMOTION, "promotion")
        for discount in order["discounts"]:
            check(discount, DISCOUNT, "discount")
    for field, allowed in ENUMS_ORDER.items():
        check_enum(orders, field, allowed, "order")
    assert any(o["promotions"] for o in orders) and any(o["discounts"] for o in orders)


def test_every_order_detail_field(sb: SimpleNamespace) -> None:
    lines = [line for order in sb.full["orders"] for line in order["order_details"]]
    assert {"standard", "variant", "composite"} <= {line["type"] for line in lines}
    assert any(line["product_modifier_id"] for line in lines)
    for line in lines:
        check(line, ORDER_DETAIL, f"order_detail {line['order_detail_id']}")
        for promotion in line["promotions"]:
            check(promotion, PROMOTION, "line promotion")
        for discount in line["discounts"]:
            check(discount, DISCOUNT, "line discount")
        for name in ("product_composites", "modifier_product_composites", "product_combos"):
            for entry in line[name]:
                check(entry, INVENTORY_HISTORY, name)
        for unit in line["units_used"]:
            check(unit, STORE_INVENTORY, "units_used")
        for cogs in line["cogs"]:
            check(cogs, COGS, "cogs")
    for field, allowed in ENUMS_LINE.items():
        check_enum(lines, field, allowed, "order_detail")
    assert any(line["product_composites"] for line in lines)
    assert any(line["units_used"] for line in lines)
    assert any(line["discounts"] for line in lines)


def test_every_transaction_field_with_mdr(sb: SimpleNamespace) -> None:
    transactions = [t for order in sb.full["orders"] for t in order["transactions"]]
    assert {"sale", "refund", "void"} <= {t["type"] for t in transactions}
    for transaction in transactions:
        check(transaction, TRANSACTION, "transaction")
        assert isinstance(transaction["mdr"], list)  # MDR included
        for mdr in transaction["mdr"]:
            check(mdr, MDR, "mdr")
    for field, allowed in ENUMS_TRANSACTION.items():
        check_enum(transactions, field, allowed, "transaction")
    assert any(t["mdr"] for t in transactions)


def test_every_refund_and_fulfilment_field(sb: SimpleNamespace) -> None:
    refunds = sb.full["refunded_orders"]
    assert refunds
    for refund in refunds:
        check(refund, STORE_ORDER_REFUND, "refunded_orders")
        for unit in refund["units_returned"]:
            check(unit, STORE_INVENTORY, "units_returned")
        assert refund["refund_details"]
        for detail in refund["refund_details"]:
            check(detail, REFUND_DETAILS, "refund_details")
            for cogs in detail["cogs"]:
                check(cogs, COGS, "refund_details.cogs")
    fulfillments = sb.full["fulfillments"]
    assert fulfillments
    for entry in fulfillments:
        check(entry, STORE_ORDER_FULFILLED, "fulfillments")
        assert entry["units_fulfilled"]
        for unit in entry["units_fulfilled"]:
            check(unit, STORE_INVENTORY, "units_fulfilled")


def test_includes_are_case_insensitive_and_gate_their_blocks(sb: SimpleNamespace) -> None:
    params = {**WINDOW, "page_size": 20}
    bare = sb.api.ok("/api/v2/GetOrders", **params)["orders"]
    for order in bare:
        check(order, ORDER, "bare order")
        assert not set(ORDER_BLOCKS) & set(order)
    mixed = sb.api.ok(
        "/api/v2/GetOrders", includes=" orderDETAILS ,\ttransactions,mdr , TrackInventory", **params
    )
    assert "refunded_orders" in mixed and "fulfillments" in mixed
    for order in mixed["orders"]:
        assert isinstance(order["order_details"], list) and order["order_details"]
        assert not {"promotions", "discounts"} & set(order)
        for transaction in order["transactions"]:
            assert isinstance(transaction["mdr"], list)
    no_mdr = sb.api.ok("/api/v2/GetOrders", includes="transactions", **params)["orders"]
    assert all(t["mdr"] is None for o in no_mdr for t in o["transactions"])
    assert not any("order_details" in o for o in no_mdr)


def _dates(order: dict[str, Any]) -> list[str | None]:
    values = [order[n] for n in ("order_date", "closed_date", "modified_date", "cancel_date")]
    values += [t["transaction_date"] for t in order.get("transactions", [])]
    return values


def _plus(value: str | None, hours: int) -> str | None:
    if value is None:
        return None
    moved = datetime.strptime(value, "%Y-%m-%d %H:%M:%S") + timedelta(hours=hours)
    return moved.strftime("%Y-%m-%d %H:%M:%S")


def test_time_zone_converts_filters_and_output(sb: SimpleNamespace) -> None:
    utc = sb.api.all(
        "/api/v2/GetOrders",
        "orders",
        time_zone=0,
        created_after="2026-11-15T17:00:00",
        created_before="2026-11-16T16:59:59",
        includes="Transactions,TrackInventory",
    )
    wib = sb.api.all(
        "/api/v2/GetOrders",
        "orders",
        time_zone=7,
        created_after="2026-11-16T00:00:00",
        created_before="2026-11-16T23:59:59",
        includes="Transactions,TrackInventory",
    )
    assert utc and [o["order_id"] for o in utc] == [o["order_id"] for o in wib]
    for a, b in zip(utc, wib, strict=True):
        assert [_plus(v, 7) for v in _dates(a)] == _dates(b)
    shifts0 = sb.api.ok("/api/v2/GetRegisterShifts", time_zone=0, created_after="2026-11-16")
    shifts8 = sb.api.ok("/api/v2/GetRegisterShifts", time_zone=8, created_after="2026-11-16 08:00")
    assert [s["register_shift_id"] for s in shifts0["register_shifts"]] == [
        s["register_shift_id"] for s in shifts8["register_shifts"]
    ]
    for a, b in zip(shifts0["register_shifts"], shifts8["register_shifts"], strict=True):
        assert _plus(a["open_date"], 8) == b["open_date"]
        assert _plus(a["closed_date"], 8) == b["closed_date"]


def test_date_bounds_are_inclusive(sb: SimpleNamespace) -> None:
    order = sb.full["orders"][len(sb.full["orders"]) // 2]
    iso = order["order_date"].replace(" ", "T")
    hit = sb.api.ok(
        "/api/v2/GetOrders", time_zone=7, created_after=iso, created_before=iso, page_size=1000
    )
    assert order["order_id"] in {o["order_id"] for o in hit["orders"]}
    modified = order["modified_date"].replace(" ", "T")
    hit = sb.api.ok(
        "/api/v2/GetOrders",
        time_zone=7,
        created_after="2000-01-01",
        modified_after=modified,
        modified_before=modified,
        page_size=1000,
    )
    assert order["order_id"] in {o["order_id"] for o in hit["orders"]}
    transaction = order["transactions"][0] if order["transactions"] else None
    if transaction is not None:
        when = transaction["transaction_date"]
        hit = sb.api.ok(
            "/api/v2/GetTransactions",
            time_zone=7,
            created_after=when,
            created_before=when,
            page_size=1000,
        )
        assert transaction["transaction_id"] in {t["transaction_id"] for t in hit["transactions"]}


def test_paging_walks_every_order_once(sb: SimpleNamespace) -> None:
    params = {**WINDOW, "created_before": "2026-11-15T23:59:59"}
    whole = sb.api.ok("/api/v2/GetOrders", page_size=1000, **params)
    assert whole["has_next_item"] is False
    pages = list(sb.api.pages("/api/v2/GetOrders", "orders", page_size=7, **params))
    assert len(pages) > 2
    assert all(p["has_next_item"] for p in pages[:-1]) and not pages[-1]["has_next_item"]
    assert all(p["count"] == len(p["orders"]) for p in pages)
    walked = [o["order_id"] for p in pages for o in p["orders"]]
    assert walked == [o["order_id"] for o in whole["orders"]]
    past = sb.api.ok("/api/v2/GetOrders", page=len(pages) + 1, page_size=7, **params)
    assert past["orders"] == [] and past["has_next_item"] is False and past["count"] == 0
    walked_tx = sb.api.all("/api/v2/GetTransactions", "transactions", page_size=9, **params)
    whole_tx = sb.api.ok("/api/v2/GetTransactions", page_size=1000, **params)["transactions"]
    assert [t["transaction_id"] for t in walked_tx] == [t["transaction_id"] for t in whole_tx]


# -- the other v2 reads -------------------------------------------------------------------------


def test_get_order_summary_fields(sb: SimpleNamespace) -> None:
    plain = sb.api.ok("/api/v2/GetOrderSummary", **WINDOW)
    check(
        plain,
        {"count": "integer", "order_summaries": "list", "error_message": "null", "status": "bool"},
        "GetOrderSummary",
    )
    assert plain["count"] == len(plain["order_summaries"]) > 5
    for item in plain["order_summaries"]:
        check(item, ORDER_SUMMARY, "order_summaries")
        assert all(item[n] is None for n in ("units_used", "units_returned", "units_hpp"))
    tracked = sb.api.ok("/api/v2/GetOrderSummary", includes="trackinventory", **WINDOW)
    for item in tracked["order_summaries"]:
        check(item, ORDER_SUMMARY, "order_summaries")
        for name in ("units_used", "units_returned", "units_fulfilled"):
            assert isinstance(item[name], list)
            for unit in item[name]:
                check(unit, STORE_INVENTORY, name)
        assert item["units_hpp"]
        for hpp in item["units_hpp"]:
            check(hpp, STORE_UNIT_HPP, "units_hpp")
    # only time_zone is required
    assert sb.api.ok("/api/v2/GetOrderSummary", time_zone=7)["order_summaries"]


def test_get_transactions_fields(sb: SimpleNamespace) -> None:
    body = sb.api.ok("/api/v2/GetTransactions", page_size=1000, **WINDOW)
    check(
        body,
        {
            "count": "integer",
            "transactions": "list",
            "has_next_item": "bool",
            "error_message": "null",
            "status": "bool",
        },
        "GetTransactions",
    )
    assert body["count"] == len(body["transactions"]) > 100
    for transaction in body["transactions"]:
        check(transaction, TRANSACTION, "transactions")
        assert transaction["mdr"] is None  # the sample, without MDR
    for field, allowed in ENUMS_TRANSACTION.items():
        check_enum(body["transactions"], field, allowed, "transaction")
    with_mdr = sb.api.ok("/api/v2/GetTransactions", includes="MDR", page_size=50, **WINDOW)
    for transaction in with_mdr["transactions"]:
        assert isinstance(transaction["mdr"], list)
        for mdr in transaction["mdr"]:
            check(mdr, MDR, "mdr")
    assert sb.api.ok("/api/v2/GetTransactions", time_zone=7, page_size=5)["transactions"]


def test_get_transaction_summary_fields(sb: SimpleNamespace) -> None:
    body = sb.api.ok("/api/v2/GetTransactionSummary", **WINDOW)
    check(
        body,
        {
            "count": "integer",
            "transaction_summaries": "list",
            "error_message": "null",
            "status": "bool",
        },
        "GetTransactionSummary",
    )
    assert body["count"] == len(body["transaction_summaries"]) > 5
    customs = []
    for item in body["transaction_summaries"]:
        check(item, TRANSACTION_SUMMARY, "transaction_summaries")
        customs += item["customs"]
    assert customs
    for custom in customs:
        check(custom, CUSTOM_TRANSACTION, "customs")
    assert sb.api.ok("/api/v2/GetTransactionSummary", time_zone=7)["transaction_summaries"]


def test_get_products_fields(sb: SimpleNamespace) -> None:
    base = {"track_inventory": "false", "modified_after": "2020-01-01T00:00:00"}
    body = sb.api.ok(
        "/api/v2/GetProducts",
        page=1,
        page_size=500,
        includes="OutletPrice,Tags,ModifierGroups",
        **base,
    )
    check(
        body,
        {
            "products": "list",
            "has_next_item": "bool",
            "error_message": "null",
            "error_detail": "null",
            "status": "bool",
        },
        "GetProducts",
    )
    products = body["products"]
    assert {"standard", "variant", "composite"} <= {p["type"] for p in products}
    check_enum(
        products, "type", {"standard", "variant", "composite", "comboset", "composite_variant"}, ""
    )
    for product in products:
        check(product, STORE_PRODUCT, f"product {product['sku']}")
        for inventory in product["inventories"]:
            check(inventory, PRODUCT_INVENTORY, "inventories")
        for cost in product["buying_prices"]:
            check(cost, BUYING_PRICE, "buying_prices")
        for ingredient in product["ingredients"] or []:
            check(ingredient, INGREDIENT, "ingredients")
        for variant in product["variant_options"] or []:
            check(variant, VARIANT, "variant_options")
        assert isinstance(product["outlet_prices"], list) and isinstance(product["tags"], list)
        for price in product["outlet_prices"]:
            check(price, OUTLET_PRICE, "outlet_prices")
        assert isinstance(product["modifier_groups"], list)
        for group in product["modifier_groups"]:
            check(group, MODIFIER_GROUP, "modifier_groups")
            for modifier in group["modifiers"]:
                check(modifier, MODIFIER, "modifiers")
    assert any(p["modifier_groups"] for p in products)
    assert any(p["ingredients"] for p in products) and any(p["variant_options"] for p in products)
    paged = sb.api.ok("/api/v2/GetProducts", page=1, page_size=3, **base)
    assert len(paged["products"]) == 3 and paged["has_next_item"] is True


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v2/GetStoreInfo"),
        ("POST", "/api/v2/GetStoreInfo"),
        ("GET", "/api/v1/GetStoreInfo"),
    ],
)
def test_get_store_info_fields(sb: SimpleNamespace, method: str, path: str) -> None:
    body = sb.api.ok(path, method)
    check(
        body,
        {"store_info": "object", "error_message": "null", "status": "bool", "time": "string"},
        "GetStoreInfo",
    )
    info = body["store_info"]
    check(info, STORE_INFO, "store_info")
    assert info["active_outlets"] and info["active_payments"]
    for outlet in info["active_outlets"]:
        check(outlet, OUTLET, "active_outlets")
    for payment in info["active_payments"]:
        check(payment, PAYMENT_TYPE, "active_payments")
    check_enum(info["active_payments"], "gateway", GATEWAYS, "active_payments")


def test_get_register_shifts_fields(sb: SimpleNamespace) -> None:
    body = sb.api.ok("/api/v2/GetRegisterShifts", page_size=1000, **WINDOW)
    check(
        body,
        {
            "count": "integer",
            "register_shifts": "list",
            "error_message": "null",
            "status": "bool",
            "time": "string",
        },
        "GetRegisterShifts",
    )
    assert body["count"] == len(body["register_shifts"]) > 10
    for shift in body["register_shifts"]:
        check(shift, REGISTER_SHIFT, "register_shifts")
    # the document's parameter "modified_date" is read as modified_after (I-40)
    later = sb.api.ok("/api/v2/GetRegisterShifts", time_zone=7, modified_date="2026-11-19")
    assert 0 < later["count"] < body["count"]


def test_get_outlets_uses_pascal_case_outlets(sb: SimpleNamespace) -> None:
    response = requests.post(
        f"{sb.url}/api/v3/GetOutlets",
        json={"page": 1, "page_size": 200, "includes": "OutletGroups"},
        headers={"Authorization": f"Bearer {sb.api.token}"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    body = response.json()
    assert "Outlets" in body and "outlets" not in body
    check(
        body,
        {
            "Outlets": "list",
            "count": "integer",
            "has_next_item": "bool",
            "error_message": "null",
            "error_detail": "null",
            "status": "bool",
            "time": "string",
        },
        "GetOutlets",
    )
    assert len(body["Outlets"]) == 3
    for outlet in body["Outlets"]:
        check(outlet, ERP_OUTLET, "Outlets")
        assert isinstance(outlet["outlet_groups"], list)


def test_get_transactions_without_paging_parameters_answers_everything(
    sb: SimpleNamespace,
) -> None:
    """The document's sample sends only ``time_zone`` and ``created_after`` and gets
    ``count: 815``; its field table has no ``has_next_item``."""
    unpaged = sb.api.ok("/api/v2/GetTransactions", **WINDOW)
    walked = sb.api.all("/api/v2/GetTransactions", "transactions", page_size=100, **WINDOW)
    assert unpaged["count"] == len(unpaged["transactions"]) == len(walked) > 100
    assert unpaged["has_next_item"] is False
    assert len(sb.api.ok("/api/v2/GetTransactions", page=1, **WINDOW)["transactions"]) == 100


def test_get_orders_default_page_is_200(sb: SimpleNamespace) -> None:
    """The document's GetOrders sample, without paging parameters, answers ``count: 200``."""
    body = sb.api.ok("/api/v2/GetOrders", **WINDOW)
    assert body["count"] == len(body["orders"]) == 200 and body["has_next_item"] is True


def test_form_data_and_json_bodies_are_read_like_urlencoded(sb: SimpleNamespace) -> None:
    """Postman's body kinds: x-www-form-urlencoded (the samples), form-data and raw JSON."""
    params = {**WINDOW, "page_size": 5, "includes": "OrderDetails"}
    expected = sb.api.ok("/api/v2/GetOrders", **params)["orders"]
    headers = {"Authorization": f"Bearer {sb.api.token}"}
    multipart = requests.post(
        f"{sb.url}/api/v2/GetOrders",
        files={name: (None, str(value)) for name, value in params.items()},
        headers=headers,
        timeout=TIMEOUT,
    ).json()
    as_json = requests.post(
        f"{sb.url}/api/v2/GetOrders", json=params, headers=headers, timeout=TIMEOUT
    ).json()
    assert multipart["status"] is True and multipart["orders"] == expected
    assert as_json["status"] is True and as_json["orders"] == expected
    token = requests.post(
        f"{sb.url}/oauth/token",
        files={
            name: (None, value)
            for name, value in {"grant_type": "client_credentials", **CLIENT}.items()
        },
        timeout=TIMEOUT,
    )
    assert token.status_code == 200 and token.json()["token_type"] == "bearer"


def test_time_zone_converts_refund_and_fulfilment_dates(sb: SimpleNamespace) -> None:
    def page(time_zone: int) -> dict[str, Any]:
        return sb.api.ok(
            "/api/v2/GetOrders",
            time_zone=time_zone,
            created_after=f"2026-11-14T{time_zone:02d}:00:00",
            page_size=1000,
            includes="TrackInventory",
        )

    utc, wita = page(0), page(8)
    assert [o["order_id"] for o in utc["orders"]] == [o["order_id"] for o in wita["orders"]]
    assert utc["refunded_orders"] and utc["fulfillments"]
    for key, fields in (
        ("refunded_orders", ("order_date", "refund_date")),
        ("fulfillments", ("order_date", "fulfill_date")),
    ):
        for a, b in zip(utc[key], wita[key], strict=True):
            assert a["order_id"] == b["order_id"]
            assert [_plus(a[f], 8) for f in fields] == [b[f] for f in fields]


def test_authorization_code_flow(sb: SimpleNamespace) -> None:
    """Steps 1-3 of the document's Authentication section, the grant page answered at once."""
    callback = "https://your.website/oauth/callback"
    granted = requests.get(
        f"{sb.url}/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": CLIENT["client_id"],
            "redirect_uri": callback,
            "state": "xyz 1",
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert granted.status_code == 302
    location = granted.headers["Location"]
    assert location.startswith(f"{callback}?code=") and location.endswith("&state=xyz+1")
    code = location.split("code=")[1].split("&")[0]
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": callback,
        **CLIENT,
    }
    token = requests.post(f"{sb.url}/oauth/token", data=exchange, timeout=TIMEOUT)
    assert token.status_code == 200
    assert set(token.json()) == set(sb.api.token_answer)
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    info = requests.get(f"{sb.url}/api/v2/GetStoreInfo", headers=bearer, timeout=TIMEOUT)
    assert info.status_code == 200 and info.json()["status"] is True
    again = requests.post(f"{sb.url}/oauth/token", data=exchange, timeout=TIMEOUT)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"  # single use
    no_state = requests.get(
        f"{sb.url}/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": CLIENT["client_id"],
            "redirect_uri": callback,
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    other = {**exchange, "code": no_state.headers["Location"].split("code=")[1]}
    assert "state=" not in no_state.headers["Location"]
    wrong_uri = requests.post(
        f"{sb.url}/oauth/token",
        data={**other, "redirect_uri": "https://elsewhere.example/cb"},
        timeout=TIMEOUT,
    )
    assert wrong_uri.status_code == 400 and wrong_uri.json()["error"] == "invalid_grant"
    refused = requests.get(
        f"{sb.url}/oauth/authorize",
        params={"response_type": "code", "client_id": "someone-else", "redirect_uri": callback},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert refused.status_code == 400


def test_form_data_boundary_is_case_sensitive(sb: SimpleNamespace) -> None:
    boundary = "----PostmanBoundaryAbCdEf"
    fields = {"time_zone": "7", "created_after": "2026-11-18T00:00:00", "page_size": "2"}
    body = (
        "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields.items()
        )
        + f"--{boundary}--\r\n"
    )
    answer = requests.post(
        f"{sb.url}/api/v2/GetOrders",
        data=body.encode(),
        headers={
            "Authorization": f"Bearer {sb.api.token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
        timeout=TIMEOUT,
    ).json()
    assert answer["status"] is True and answer["count"] == 2
