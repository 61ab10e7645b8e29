"""Contract tests over HTTP for the iSeller reads beyond GetOrders and GetStoreInfo.

v2: GetProducts, GetTransactions, GetTransactionSummary, GetOrderSummary, GetRegisterShifts;
v3: GetOutlets, GetCustomers, GetTransfer, InventoryAdjustments. Also the later-day changes of
orders (refunds, on-account payments) as GetOrders shows them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from journal_sandbox.demo_merchant import DATE_FORMAT, PRODUCTS, parse_dt
from journal_sandbox.iseller_app import ISellerSandbox

CLIENT = {"client_id": "sandbox-iseller-client", "client_secret": "sandbox-iseller-secret"}
TIMEOUT = 10
NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)  # a Friday; 22:00 in Jakarta, 23:00 in Bali
V2 = ("GetProducts", "GetTransactions", "GetTransactionSummary", "GetOrderSummary")
V3 = ("GetOutlets", "GetCustomers", "GetTransfer", "InventoryAdjustments")


@dataclass
class Clock:
    value: datetime

    def __call__(self) -> datetime:
        return self.value


class Api:
    def __init__(self, url: str):
        self.url = url
        self.token = requests.post(
            f"{url}/oauth/token",
            data={"grant_type": "client_credentials", **CLIENT},
            timeout=TIMEOUT,
        ).json()["access_token"]

    def raw(self, path: str, **params: Any) -> requests.Response:
        return requests.post(
            f"{self.url}{path}",
            data=params,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=TIMEOUT,
        )

    def __call__(self, path: str, **params: Any) -> dict[str, Any]:
        response = self.raw(path, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def ok(self, path: str, **params: Any) -> dict[str, Any]:
        body = self(path, **params)
        assert body["status"] is True and body["error_message"] is None, body
        assert body["time"].startswith("00:00:")
        return body

    def all(self, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
        items, page = [], 1
        page_size = params.pop("page_size", 1000)
        while True:
            body = self.ok(path, page=page, page_size=page_size, **params)
            items.extend(body[key])
            if not body["has_next_item"]:
                return items
            page += 1


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """A sandbox with a week and a half of history at 40 orders per outlet per day."""
    clock = Clock(NOW)
    sandbox = ISellerSandbox(
        tmp_path_factory.mktemp("iseller-big"),
        orders_per_outlet_per_day=40,
        history_days=10,
        now=clock,
    )
    server = sandbox.serve().start()
    try:
        yield SimpleNamespace(sandbox=sandbox, api=Api(server.url), clock=clock)
    finally:
        server.stop()
        sandbox.close()


@pytest.fixture(scope="module")
def api(iseller_sandbox: SimpleNamespace) -> Api:
    return Api(iseller_sandbox.url)


# -- auth and errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [f"/api/v2/{n}" for n in (*V2, "GetRegisterShifts")] + [f"/api/v3/{n}" for n in V3]
)
def test_every_read_needs_a_bearer(iseller_sandbox: SimpleNamespace, path: str) -> None:
    response = requests.post(
        f"{iseller_sandbox.url}{path}",
        data={"time_zone": 0},
        headers={"Authorization": "Bearer nope"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 401
    assert response.json() == {"message": "Authorization has been denied for this request."}


@pytest.mark.parametrize(
    ("path", "params", "fragment"),
    [
        (
            "/api/v2/GetProducts",
            {"modified_after": "2026-01-01", "page": 1, "page_size": 5},
            "track_inventory",
        ),
        (
            "/api/v2/GetProducts",
            {"track_inventory": "false", "page": 1, "page_size": 5},
            "modified_after",
        ),
        (
            "/api/v2/GetProducts",
            {"track_inventory": "false", "modified_after": "2026-01-01", "page_size": 5},
            "page",
        ),
        (
            "/api/v2/GetProducts",
            {"track_inventory": "maybe", "modified_after": "2026-01-01", "page": 1, "page_size": 5},
            "track_inventory",
        ),
        ("/api/v2/GetTransactions", {"created_after": "2026-11-01"}, "time_zone"),
        ("/api/v2/GetTransactions", {"time_zone": 7, "page": 0}, "page"),
        ("/api/v2/GetTransactionSummary", {"time_zone": 7, "created_after": "x"}, "created_after"),
        ("/api/v2/GetOrderSummary", {"time_zone": 7, "sort": "Amount"}, "sort"),
        ("/api/v2/GetTransactionSummary", {"time_zone": 7, "sort_direction": "UP"}, "sort"),
        ("/api/v2/GetRegisterShifts", {"created_after": "2026-11-01"}, "time_zone"),
        ("/api/v3/GetTransfer", {"page": 0}, "page"),
        ("/api/v3/InventoryAdjustments", {"created_after": "soon"}, "created_after"),
    ],
)
def test_logical_errors_are_status_false(
    api: Api, path: str, params: dict[str, Any], fragment: str
) -> None:
    body = api(path, **params)
    assert body["status"] is False and fragment in body["error_message"]
    assert "error_detail" in body and "time" in body


# -- GetProducts --------------------------------------------------------------------------------


def test_get_products_shapes_includes_and_paging(
    api: Api, iseller_sandbox: SimpleNamespace
) -> None:
    base = {"track_inventory": "false", "modified_after": "2020-01-01T00:00:00"}
    everything = api.all(
        "/api/v2/GetProducts",
        "products",
        includes="OutletPrice, Tags,ModifierGroups",
        page_size=7,
        **base,
    )
    assert len(everything) == len(PRODUCTS) >= 50
    assert len({p["product_id"] for p in everything}) == len(everything)
    by_sku = {p["sku"]: p for p in everything}
    kaos = [p for p in everything if p["sku"].startswith("KAOS-")]
    assert len({p["product_header_id"] for p in kaos}) == 1 and len(kaos) == 4
    assert all(
        p["type"] == "variant" and p["variant_options"][0]["option"] == "Ukuran" for p in kaos
    )
    hampers = by_sku["PKT-001"]
    assert hampers["type"] == "composite"
    assert {i["sku"] for i in hampers["ingredients"]} == {"KOP-001", "TEH-001", "MRC-002"}
    assert hampers["buying_price"] == sum(
        by_sku[i["sku"]]["buying_price"] * i["quantity"] for i in hampers["ingredients"]
    )
    latte = by_sku["CAF-001"]
    (group,) = latte["modifier_groups"]
    assert group["title"] == "Tambahan Kopi" and len(group["modifiers"]) == 3
    assert latte["outlet_prices"][0]["price"] == latte["price"]
    assert latte["tags"] and by_sku["JSA-001"]["track_inventory"] is False
    beans = by_sku["KOP-001"]
    assert {i["outlet_code"] for i in beans["inventories"]} == {"JKT", "BDG", "DPS"}
    assert all(i["unit_in_stock"] >= 0 for i in beans["inventories"])
    assert beans["buying_prices"][0]["buying_price"] == beans["buying_price"] == 60_000
    bare = api.ok("/api/v2/GetProducts", page=1, page_size=500, **base)["products"]
    assert all(p["outlet_prices"] is None and p["modifier_groups"] is None for p in bare)
    assert all(p["tags"] is None for p in bare)
    tracked = api.ok(
        "/api/v2/GetProducts",
        page=1,
        page_size=500,
        **{**base, "track_inventory": "true"},
    )["products"]
    assert tracked and all(p["track_inventory"] for p in tracked)
    composites = api.ok("/api/v2/GetProducts", page=1, page_size=500, type="composite", **base)
    assert {p["sku"] for p in composites["products"]} == {
        "PKT-001",
        "PKT-002",
        "PKT-010",
        "PKT-020",
    }
    later = api.ok(
        "/api/v2/GetProducts",
        page=1,
        page_size=500,
        **{**base, "modified_after": "2030-01-01T00:00:00"},
    )
    assert (later["products"], later["has_next_item"]) == ([], False)
    json_body = requests.post(
        f"{api.url}/api/v2/GetProducts",
        json={
            "track_inventory": False,
            "modified_after": "2020-01-01T00:00:00",
            "page": 2,
            "page_size": 50,
        },
        headers={"Authorization": f"Bearer {api.token}"},
        timeout=TIMEOUT,
    ).json()
    assert json_body["status"] and len(json_body["products"]) == len(PRODUCTS) - 50


# -- GetOutlets (v3) ----------------------------------------------------------------------------


def test_get_outlets_v3(api: Api, iseller_sandbox: SimpleNamespace) -> None:
    response = requests.post(
        f"{api.url}/api/v3/GetOutlets",
        json={"page": 1, "page_size": 200, "includes": "OutletGroups"},
        headers={"Authorization": f"Bearer {api.token}"},
        timeout=TIMEOUT,
    )
    body = response.json()
    assert "outlets" not in body and body["error_detail"] is None
    outlets = body["Outlets"]
    assert [o["outlet_code"] for o in outlets] == ["JKT", "DPS", "BDG"]
    assert set(outlets[0]) == {
        "id",
        "outlet_code",
        "name",
        "phone",
        "address",
        "email",
        "is_active",
        "outlet_groups",
    }
    store = iseller_sandbox.sandbox.merchant.store_info()["active_outlets"]
    assert [o["id"] for o in outlets] == [o["outlet_id"] for o in store]
    assert outlets[1]["outlet_groups"][0]["name"] == "Bali"
    paged = api.ok("/api/v3/GetOutlets", page=2, page_size=2)
    assert [o["outlet_code"] for o in paged["Outlets"]] == ["BDG"]
    assert paged["has_next_item"] is False and paged["Outlets"][0]["outlet_groups"] is None


# -- GetTransactions and the summaries ----------------------------------------------------------


def test_get_transactions_match_the_orders(big: SimpleNamespace) -> None:
    api = big.api
    orders = api.all(
        "/api/v2/GetOrders",
        "orders",
        time_zone=0,
        created_after="2026-01-01",
        includes="Transactions,MDR",
    )
    expected = {t["transaction_id"]: t for o in orders for t in o["transactions"]}
    served = api.all(
        "/api/v2/GetTransactions",
        "transactions",
        time_zone=0,
        created_after="2026-01-01",
        includes="MDR",
        page_size=250,
    )
    assert {t["transaction_id"]: t for t in served} == expected
    assert [t["transaction_date"] for t in served] == sorted(t["transaction_date"] for t in served)
    assert {t["type"] for t in served} == {"sale", "void", "refund"}
    wib = api.ok(
        "/api/v2/GetTransactions",
        time_zone=7,
        created_after="2026-11-19T07:00:00",
        page_size=3,
        sort_direction="DESC",
    )
    first = wib["transactions"][0]
    assert first["mdr"] is None  # MDR not requested
    utc_date = expected[first["transaction_id"]]["transaction_date"]
    shift = datetime.strptime(first["transaction_date"], DATE_FORMAT) - datetime.strptime(
        utc_date, DATE_FORMAT
    )
    assert shift == timedelta(hours=7)
    jkt = big.sandbox.merchant.outlet_id("JKT")
    mine = api.all(
        "/api/v2/GetTransactions",
        "transactions",
        time_zone=0,
        created_after="2026-01-01",
        outlet_id=jkt,
    )
    jkt_orders = {o["order_id"] for o in orders if o["outlet_id"] == jkt}
    assert mine and {t["order_id"] for t in mine} <= jkt_orders


def test_transaction_summary_nets_sales_against_refunds_and_voids(big: SimpleNamespace) -> None:
    api = big.api
    window = {
        "time_zone": 0,
        "created_after": "2026-11-12",
        "created_before": "2026-11-18 23:59:59",
    }
    transactions = api.all("/api/v2/GetTransactions", "transactions", **window)
    expected: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for t in transactions:
        sign = 1 if t["type"] == "sale" else -1
        key = t["payment_type_name"] if t["gateway"] == "custom" else t["gateway"]
        expected[t["transaction_date"][:10] + " 00:00:00"][key] += sign * Decimal(str(t["amount"]))
    body = api.ok("/api/v2/GetTransactionSummary", **window)
    summaries = body["transaction_summaries"]
    assert body["count"] == len(summaries) == 7
    for item in summaries:
        assert set(item) == {
            "order_date",
            "cash",
            "external_debit",
            "external_credit",
            "gift_card",
            "iseller_pay",
            "points",
            "store_credit",
            "account_balance",
            "customs",
        }
        got = {k: Decimal(str(v)) for k, v in item.items() if k not in ("order_date", "customs")}
        got.update({c["name"]: Decimal(str(c["amount"])) for c in item["customs"]})
        want = expected[item["order_date"]]
        assert {k: v for k, v in got.items() if v} == {k: v for k, v in want.items() if v}
    wib = api.ok("/api/v2/GetTransactionSummary", **{**window, "time_zone": 7})
    assert wib["transaction_summaries"][0]["order_date"] == "2026-11-12 07:00:00"


def test_order_summary_rolls_up_completed_orders(big: SimpleNamespace) -> None:
    api = big.api
    window = {
        "time_zone": 0,
        "created_after": "2026-11-15",
        "created_before": "2026-11-16 23:59:59",
    }
    orders = api.all(
        "/api/v2/GetOrders", "orders", includes="OrderDetails,TrackInventory", **window
    )
    body = api.ok("/api/v2/GetOrderSummary", includes="TrackInventory", **window)
    assert body["count"] == 2
    for item in body["order_summaries"]:
        day = [
            o
            for o in orders
            if o["order_date"][:10] == item["order_date"][:10] and o["status"] == "completed"
        ]
        for name in (
            "total_amount",
            "total_order_amount",
            "subtotal",
            "total_tax_amount",
            "rounding_amount",
            "total_additional_subtotal_amount",
            "total_discount_amount",
            "total_promotion_amount",
        ):
            assert item[name] == pytest.approx(sum(o[name] for o in day)), name
        lines = [line for o in day for line in o["order_details"]]
        assert sum(u["stock"] for u in item["units_fulfilled"]) == sum(
            line["quantity"] for line in lines
        )
        assert sum(u["stock"] for u in item["units_used"]) == sum(
            u["stock"] for line in lines for u in line["units_used"]
        )
        assert item["currency"] == "IDR" and item["total_weight"] == 0
        cost = sum(h["quantity"] * h["buying_price"] for h in item["units_hpp"])
        assert cost == pytest.approx(
            sum(c["quantity"] * c["buying_price"] for line in lines for c in line["cogs"])
        )
        assert isinstance(item["units_returned"], list)
    plain = api.ok("/api/v2/GetOrderSummary", **window)["order_summaries"][0]
    assert [plain[k] for k in ("units_used", "units_returned", "units_fulfilled", "units_hpp")] == [
        None,
        None,
        None,
        None,
    ]


def test_register_shifts(api: Api, iseller_sandbox: SimpleNamespace) -> None:
    shifts = api.all(
        "/api/v2/GetRegisterShifts", "register_shifts", time_zone=7, created_after="2026-11-01"
    )
    assert set(shifts[0]) >= {
        "register_name",
        "register_id",
        "register_shift_id",
        "open_date",
        "closed_date",
    }
    assert [s["open_date"] for s in shifts] == sorted(s["open_date"] for s in shifts)
    open_now = [s for s in shifts if s["closed_date"] is None]
    # 22:00 in Jakarta and Bandung, 23:00 in Bali: all three registers are still open
    assert {s["register_name"] for s in open_now} == {
        "Register #1 - Kemang iPad",
        "Register #2 - Seminyak iPad",
        "Register #3 - Braga iPad",
    }
    for shift in shifts:
        if shift["closed_date"]:
            assert shift["closed_date"] > shift["open_date"]
    dps = iseller_sandbox.sandbox.merchant.outlet_id("DPS")
    bali = api.all(
        "/api/v2/GetRegisterShifts",
        "register_shifts",
        time_zone=8,
        created_after="2026-11-01",
        outlet_id=dps,
    )
    assert bali and all(s["register_name"].startswith("Register #2") for s in bali)
    closed = [s for s in bali if s["closed_date"]]
    assert all(s["closed_date"][11:] == "02:00:00" for s in closed)  # WITA, after midnight


# -- GetCustomers, GetTransfer, InventoryAdjustments (v3) ---------------------------------------


def test_get_customers_v3(api: Api, iseller_sandbox: SimpleNamespace) -> None:
    customers = api.all("/api/v3/GetCustomers", "customers", page_size=5)
    assert len(customers) == len(iseller_sandbox.sandbox.merchant.customers()) >= 10
    assert {c["customer_id"] for c in customers} == {
        c["customer_id"] for c in iseller_sandbox.sandbox.merchant.customers()
    }
    assert customers[0]["customer_addresses"] == [] and customers[0]["member_code"] == "MBR-0001"
    later = api.ok("/api/v3/GetCustomers", modified_after="2030-01-01")
    assert later["customers"] == [] and later["error_detail"] is None


def test_transfers_move_through_their_statuses(big: SimpleNamespace) -> None:
    api = big.api
    transfers = api.all("/api/v3/GetTransfer", "transfers")
    kinds = {(t["type"], t["from_outlet_code"], t["to_outlet_code"]) for t in transfers}
    assert kinds == {("out", "JKT", "BDG"), ("out", "JKT", "DPS"), ("in", None, "JKT")}
    for transfer in transfers:
        assert transfer["status"] in ("pending", "in_transfer", "completed", "cancelled")
        if transfer["type"] == "in":
            assert transfer["supplier_name"] and transfer["out_type"] is None
        else:
            assert transfer["out_type"] == "to_outlet"
        for item in transfer["items"]:
            if transfer["status"] == "completed":
                received = (
                    item["quantity_accepted"]
                    + item["quantity_rejected"]
                    + item["quantity_cancelled"]
                )
                assert received == item["quantity"]
            else:
                assert item["quantity_accepted"] is None
    completed = api.all("/api/v3/GetTransfer", "transfers", status="completed")
    assert completed and all(t["completed_date"] for t in completed)
    # follow the Monday transfer to Bali: pending, then in transfer, then received next day
    bali = next(t for t in transfers if t["to_outlet_code"] == "DPS" and t["status"] == "completed")
    moments = {
        "pending": parse_dt(bali["created_date"]),
        "in_transfer": parse_dt(bali["start_date"]),
        "completed": parse_dt(bali["completed_date"]),
    }
    seen = []
    for status, moment in moments.items():
        big.clock.value = moment
        try:
            (shown,) = [
                t
                for t in api.all("/api/v3/GetTransfer", "transfers", type="out")
                if t["transfer_id"] == bali["transfer_id"]
            ]
        finally:
            big.clock.value = NOW
        seen.append(shown["status"])
        assert shown["modified_date"] == fmt(moment)
        assert (shown["start_date"] is None) == (status == "pending")
    assert seen == ["pending", "in_transfer", "completed"]
    wita = api.all("/api/v3/GetTransfer", "transfers", time_zone=8, type="in")
    assert wita[0]["created_date"][11:] == "09:00:00"  # 08:00 WIB is 09:00 WITA


def fmt(moment: datetime) -> str:
    return moment.strftime(DATE_FORMAT)


def test_stock_takes(big: SimpleNamespace) -> None:
    api = big.api
    adjustments = api.all("/api/v3/InventoryAdjustments", "inventory_adjustments")
    assert {a["outlet_code"] for a in adjustments} == {"JKT", "DPS", "BDG"}
    for adjustment in adjustments:
        assert adjustment["action"] == "opname" and adjustment["status"] == "completed"
        assert parse_dt(adjustment["created_date"]).astimezone(UTC).weekday() in (0, 6)
        for item in adjustment["items"]:
            assert item["difference"] == item["actual_stock"] - item["system_stock"]
    assert any(i["difference"] for a in adjustments for i in a["items"])
    jkt = big.sandbox.merchant.outlet_id("JKT")
    only = api.all("/api/v3/InventoryAdjustments", "inventory_adjustments", outlet_id=jkt)
    assert only and {a["outlet_code"] for a in only} == {"JKT"}


# -- GetOrders: later-day changes ---------------------------------------------------------------


def test_refunds_show_in_track_inventory_and_move_modified_date(big: SimpleNamespace) -> None:
    api = big.api
    orders = api.all(
        "/api/v2/GetOrders",
        "orders",
        time_zone=0,
        created_after="2026-01-01",
        includes="OrderDetails,Transactions,TrackInventory",
    )
    refunded = [o for o in orders if o["payment_status"] in ("refunded", "partially_refunded")]
    assert {o["payment_status"] for o in refunded} == {"refunded", "partially_refunded"}
    body = api.ok(
        "/api/v2/GetOrders",
        time_zone=7,
        created_after="2026-01-01",
        page_size=1000,
        includes="TrackInventory",
        payment_status="partially_refunded",
    )
    assert {o["order_id"] for o in body["orders"]} == {
        o["order_id"] for o in refunded if o["payment_status"] == "partially_refunded"
    }
    for entry in body["refunded_orders"]:
        order = next(o for o in refunded if o["order_id"] == entry["order_id"])
        refund = next(t for t in order["transactions"] if t["type"] == "refund")
        assert entry["refund_amount"] == refund["amount"] < order["total_amount"]
        local = datetime.strptime(entry["refund_date"], DATE_FORMAT)
        assert local - datetime.strptime(refund["transaction_date"], DATE_FORMAT) == timedelta(
            hours=7
        )
        assert refund["transaction_date"] == order["modified_date"] > order["closed_date"]
        for detail in entry["refund_details"]:
            line = next(
                x
                for x in order["order_details"]
                if x["order_detail_id"] == detail["order_detail_id"]
            )
            assert 0 < detail["quantity"] <= line["quantity"]
    # a refund days later is found by a modified_* window on the refund day
    target = refunded[0]
    day = target["modified_date"][:10]
    again = api.all(
        "/api/v2/GetOrders",
        "orders",
        time_zone=0,
        created_after="2000-01-01",
        modified_after=f"{day}T00:00:00",
        modified_before=f"{day}T23:59:59",
    )
    assert target["order_id"] in {o["order_id"] for o in again}
    assert target["order_date"][:10] < day


def test_on_account_orders_are_paid_days_later(big: SimpleNamespace) -> None:
    api = big.api
    pending = api.all(
        "/api/v2/GetOrders",
        "orders",
        time_zone=0,
        created_after="2026-01-01",
        payment_status="pending",
        includes="Transactions",
    )
    assert pending
    for order in pending:
        assert order["on_account"] is True and order["transactions"] == []
        assert order["remaining_on_account"] == order["total_amount"]
    paid_later = [
        o
        for o in api.all(
            "/api/v2/GetOrders",
            "orders",
            time_zone=0,
            created_after="2026-01-01",
            payment_status="paid",
            includes="Transactions",
        )
        if o["on_account"]
    ]
    assert paid_later
    for order in paid_later:
        (sale,) = order["transactions"]
        assert sale["payment_type_name"] == "Transfer Bank"
        assert sale["transaction_date"] == order["modified_date"]
        assert parse_dt(order["modified_date"]) - parse_dt(order["closed_date"]) > timedelta(
            hours=6
        )
        assert order["remaining_on_account"] == 0


def test_full_volume_default(tmp_path: Path) -> None:
    sandbox = ISellerSandbox(tmp_path, now=lambda: NOW)
    try:
        assert sandbox.merchant.orders_per_outlet_per_day == 300
    finally:
        sandbox.close()
