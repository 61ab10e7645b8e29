"""The iSeller emulator over real HTTP: OAuth, GetStoreInfo, GetOrders."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from journal_sandbox.demo_merchant import DATE_FORMAT, parse_dt
from journal_sandbox.iseller_app import ISellerSandbox, render_order

CLIENT = {"client_id": "sandbox-iseller-client", "client_secret": "sandbox-iseller-secret"}
ALL_INCLUDES = "OrderDetails,Transactions,DiscountDetails,PromotionDetails,TrackInventory,MDR"
TIMEOUT = 10


@dataclass
class Clock:
    value: datetime

    def __call__(self) -> datetime:
        return self.value

    def advance(self, **delta: float) -> None:
        self.value += timedelta(**delta)


def get_token(url: str, **extra: str) -> dict[str, Any]:
    response = requests.post(
        f"{url}/oauth/token",
        data={"grant_type": "client_credentials", **CLIENT, **extra},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return response.json()


def get_orders(url: str, token: str, **params: Any) -> dict[str, Any]:
    response = requests.post(
        f"{url}/api/v2/GetOrders",
        data=params,
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return response.json()


def all_pages(url: str, token: str, **params: Any) -> list[dict[str, Any]]:
    orders, page = [], 1
    while True:
        body = get_orders(url, token, page=page, **params)
        assert body["status"] is True, body
        orders.extend(body["orders"])
        if not body["has_next_item"]:
            return orders
        page += 1


@pytest.fixture(scope="module")
def sb(iseller_sandbox: SimpleNamespace) -> SimpleNamespace:
    token = get_token(iseller_sandbox.url)["access_token"]
    return SimpleNamespace(
        url=iseller_sandbox.url,
        sandbox=iseller_sandbox.sandbox,
        now=iseller_sandbox.now,
        token=token,
    )


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Any]:
    """Start extra sandboxes (own state dir); all are stopped at the end of the test."""
    started = []

    def start(state_dir: Path | None = None, **kwargs: Any) -> tuple[ISellerSandbox, str]:
        kwargs.setdefault("orders_per_outlet_per_day", 6)
        kwargs.setdefault("history_days", 2)
        kwargs.setdefault("faults", "")
        sandbox = ISellerSandbox(state_dir or tmp_path / f"state-{len(started)}", **kwargs)
        server = sandbox.serve().start()
        started.append((sandbox, server))
        return sandbox, server.url

    def stop(sandbox: ISellerSandbox) -> None:
        for index, (candidate, server) in enumerate(started):
            if candidate is sandbox:
                server.stop()
                candidate.close()
                del started[index]
                return

    start.stop = stop  # type: ignore[attr-defined]
    yield start
    for sandbox, server in started:
        server.stop()
        sandbox.close()


# -- OAuth ------------------------------------------------------------------------------------


def test_client_credentials_token_form_and_json(sb: SimpleNamespace) -> None:
    form = get_token(sb.url)
    assert set(form) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "resource_url",
    }
    assert form["token_type"] == "bearer"
    assert form["expires_in"] == 1209599
    assert form["resource_url"] == sb.url
    as_json = requests.post(
        f"{sb.url}/oauth/token",
        json={"grant_type": "client_credentials", **CLIENT},
        timeout=TIMEOUT,
    )
    assert as_json.status_code == 200
    assert as_json.json()["access_token"] != form["access_token"]


def test_refresh_token_grant(sb: SimpleNamespace) -> None:
    first = get_token(sb.url)
    refreshed = requests.post(
        f"{sb.url}/oauth/token",
        json={"grant_type": "refresh_token", "refresh_token": first["refresh_token"], **CLIENT},
        timeout=TIMEOUT,
    ).json()
    assert refreshed["access_token"] not in (first["access_token"], None)
    assert refreshed["refresh_token"] == first["refresh_token"]
    assert refreshed["resource_url"] == sb.url
    body = get_orders(sb.url, refreshed["access_token"], time_zone=0, created_after="2026-11-19")
    assert body["status"] is True


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            {"grant_type": "client_credentials", **CLIENT, "client_secret": "wrong"},
            "invalid_client",
        ),
        (
            {"grant_type": "client_credentials", "client_id": "someone", "client_secret": "x"},
            "invalid_client",
        ),
        ({"grant_type": "refresh_token", "refresh_token": "not-issued", **CLIENT}, "invalid_grant"),
        ({"grant_type": "password", **CLIENT}, "unsupported_grant_type"),
        (CLIENT, "invalid_request"),
    ],
)
def test_token_errors(sb: SimpleNamespace, data: dict[str, str], error: str) -> None:
    response = requests.post(f"{sb.url}/oauth/token", data=data, timeout=TIMEOUT)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert "access_token" not in response.json()


def test_client_credentials_as_http_basic(sb: SimpleNamespace) -> None:
    """RFC 6749 §2.3.1: the client may authenticate with HTTP Basic instead of the body."""
    basic = requests.auth.HTTPBasicAuth(CLIENT["client_id"], CLIENT["client_secret"])
    granted = requests.post(
        f"{sb.url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=basic,
        timeout=TIMEOUT,
    )
    assert granted.status_code == 200, granted.text
    token = granted.json()["access_token"]
    assert get_orders(sb.url, token, time_zone=7, created_after="2026-11-20")["status"] is True
    wrong = requests.auth.HTTPBasicAuth(CLIENT["client_id"], "not-the-secret")
    refused = requests.post(
        f"{sb.url}/oauth/token", data={"grant_type": "client_credentials"}, auth=wrong, timeout=10
    )
    assert (refused.status_code, refused.json()) == (400, {"error": "invalid_client"})
    disagreeing = requests.post(
        f"{sb.url}/oauth/token",
        data={"grant_type": "client_credentials", **CLIENT, "client_secret": "other"},
        auth=basic,
        timeout=TIMEOUT,
    )
    assert (disagreeing.status_code, disagreeing.json()) == (400, {"error": "invalid_request"})
    garbled = requests.post(
        f"{sb.url}/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic %%%"},
        timeout=TIMEOUT,
    )
    assert garbled.json() == {"error": "invalid_request"}


@pytest.mark.parametrize("path", ["/api/v2/GetOrders", "/api/v2/GetStoreInfo", "/api/v1/version"])
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic abc", "Bearer "])
def test_api_requires_a_valid_bearer(
    sb: SimpleNamespace, path: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = requests.post(
        f"{sb.url}{path}",
        data={"time_zone": 0, "created_after": "2026-11-01T00:00:00"},
        headers=headers,
        timeout=TIMEOUT,
    )
    assert response.status_code == 401
    assert "orders" not in response.json()


def test_expired_token_is_refused(running: Any) -> None:
    clock = Clock(datetime(2026, 11, 20, 12, tzinfo=UTC))
    _, url = running(now=clock, token_ttl_seconds=60)
    token = get_token(url)
    assert token["expires_in"] == 60
    assert get_orders(url, token["access_token"], time_zone=7, created_after="2026-11-20")["status"]
    clock.advance(seconds=61)
    response = requests.post(
        f"{url}/api/v2/GetStoreInfo",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 401


def answered(sb: SimpleNamespace, method: str, path: str) -> dict[str, Any]:
    """A successful answer to a call with the session's token, envelope checked."""
    response = requests.request(
        method, f"{sb.url}{path}", headers={"Authorization": f"Bearer {sb.token}"}, timeout=TIMEOUT
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["error_message"]) == (True, None)
    assert body["time"].startswith("00:00:")
    return body


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_documents_first_call_answers_with_a_token(sb: SimpleNamespace, method: str) -> None:
    assert answered(sb, method, "/api/v1/version")["version"] == "2.0"


# -- GetStoreInfo -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_get_store_info(sb: SimpleNamespace, method: str) -> None:
    info = answered(sb, method, "/api/v2/GetStoreInfo")["store_info"]
    assert set(info) == {
        "store_name",
        "phone",
        "address",
        "email",
        "currency",
        "image",
        "active_outlets",
        "active_payments",
    }
    assert (info["store_name"], info["currency"]) == ("Toko Demo Nusantara", "IDR")
    for outlet in info["active_outlets"]:
        assert set(outlet) == {
            "outlet_id",
            "outlet_code",
            "outlet_name",
            "phone",
            "address",
            "contact_name",
            "email",
            "image",
        }
    assert {(o["outlet_code"], o["outlet_name"]) for o in info["active_outlets"]} == {
        ("JKT", "Jakarta Kemang"),
        ("DPS", "Bali Seminyak"),
        ("BDG", "Bandung Braga"),
    }
    assert info["active_payments"][0] == {"name": "Cash", "is_active": True, "gateway": "cash"}


# -- GetOrders ----------------------------------------------------------------------------------


def test_orders_match_the_generator(sb: SimpleNamespace) -> None:
    served = all_pages(
        sb.url,
        sb.token,
        time_zone=0,
        created_after="2026-01-01T00:00:00",
        includes=ALL_INCLUDES,
        page_size=1000,
    )
    truth = sorted(
        sb.sandbox.merchant.orders_until(sb.now), key=lambda o: (o["order_date"], o["order_id"])
    )
    assert len(served) == len(truth) > 40
    # JSON numbers parsed as floats compare equal to the generator's whole-rupiah Decimals
    assert served == [render_order(o) for o in truth]
    assert all(parse_dt(o["closed_date"]) <= sb.now for o in served)
    raw = requests.post(
        f"{sb.url}/api/v2/GetOrders",
        data={"time_zone": 0, "created_after": "2026-01-01", "page_size": 1},
        headers={"Authorization": f"Bearer {sb.token}"},
        timeout=TIMEOUT,
    ).text
    total = served[0]["total_amount"]
    assert f'"total_amount": {total:.1f}' in raw  # money as JSON numbers, e.g. 55000.0


def test_paging_page_size_5(sb: SimpleNamespace) -> None:
    params = {"time_zone": 7, "created_after": "2026-11-01T00:00:00", "page_size": 5}
    total = len(sb.sandbox.served_orders())
    seen: list[str] = []
    page = 1
    while True:
        body = get_orders(sb.url, sb.token, page=page, **params)
        assert body["count"] == len(body["orders"])
        seen.extend(o["order_id"] for o in body["orders"])
        if not body["has_next_item"]:
            break
        assert body["count"] == 5
        page += 1
    assert page == -(-total // 5) > 5
    assert len(seen) == len(set(seen)) == total
    beyond = get_orders(sb.url, sb.token, page=page + 1, **params)
    assert (beyond["count"], beyond["orders"], beyond["has_next_item"]) == (0, [], False)


def test_exactly_one_page(sb: SimpleNamespace) -> None:
    total = len(sb.sandbox.served_orders())
    params = {"time_zone": 0, "created_after": "2026-11-01T00:00:00"}
    exact = get_orders(sb.url, sb.token, page=1, page_size=total, **params)
    assert (exact["count"], exact["has_next_item"]) == (total, False)
    short = get_orders(sb.url, sb.token, page=1, page_size=total - 1, **params)
    assert (short["count"], short["has_next_item"]) == (total - 1, True)


def test_empty_window(sb: SimpleNamespace) -> None:
    body = get_orders(
        sb.url,
        sb.token,
        time_zone=7,
        created_after="2020-01-01T00:00:00",
        created_before="2020-01-31 23:59:59",
    )
    assert body == {
        "count": 0,
        "orders": [],
        "has_next_item": False,
        "error_message": None,
        "status": True,
        "time": body["time"],
    }


def test_time_zone_converts_output_and_filters(sb: SimpleNamespace) -> None:
    utc = get_orders(
        sb.url,
        sb.token,
        time_zone=0,
        created_after="2026-11-19T00:00:00",
        page_size=3,
        includes="Transactions",
    )
    wib = get_orders(
        sb.url,
        sb.token,
        time_zone=7,
        created_after="2026-11-19T07:00:00",
        page_size=3,
        includes="Transactions",
    )
    assert [o["order_id"] for o in utc["orders"]] == [o["order_id"] for o in wib["orders"]]
    for a, b in zip(utc["orders"], wib["orders"], strict=True):
        for name in ("order_date", "closed_date", "modified_date"):
            shift = datetime.strptime(b[name], DATE_FORMAT) - datetime.strptime(
                a[name], DATE_FORMAT
            )
            assert shift == timedelta(hours=7)
        ta, tb = a["transactions"][0]["transaction_date"], b["transactions"][0]["transaction_date"]
        assert datetime.strptime(tb, DATE_FORMAT) - datetime.strptime(ta, DATE_FORMAT) == timedelta(
            hours=7
        )
    # the filter is read in the requested offset: 07:00 at +7 is 00:00 UTC
    first = utc["orders"][0]["order_date"]
    assert first >= "2026-11-19 00:00:00"
    assert (
        get_orders(
            sb.url, sb.token, time_zone=-5, created_after="2026-11-18T19:00:00", page_size=1
        )["orders"][0]["order_id"]
        == utc["orders"][0]["order_id"]
    )


def test_created_window_is_inclusive(sb: SimpleNamespace) -> None:
    order = get_orders(sb.url, sb.token, time_zone=0, created_after="2026-11-18", page_size=1)[
        "orders"
    ][0]
    moment = order["order_date"].replace(" ", "T")
    body = get_orders(sb.url, sb.token, time_zone=0, created_after=moment, created_before=moment)
    assert [o["order_id"] for o in body["orders"]] == [order["order_id"]]


def test_includes_on_and_off(sb: SimpleNamespace) -> None:
    params = {"time_zone": 0, "created_after": "2026-11-18", "page_size": 50}
    bare = get_orders(sb.url, sb.token, **params)
    for order in bare["orders"]:
        assert not {"order_details", "transactions", "discounts", "promotions"} & set(order)
        assert order["modified_date"] is not None
    assert "refunded_orders" not in bare
    full = get_orders(
        sb.url,
        sb.token,
        includes=" orderdetails, TRANSACTIONS ,DiscountDetails,promotionDetails,TrackInventory",
        **params,
    )
    fulfilled = [o for o in full["orders"] if o["fulfillment_status"] == "fulfilled"]
    assert [f["order_id"] for f in full["fulfillments"]] == [o["order_id"] for o in fulfilled]
    for entry, order in zip(full["fulfillments"], fulfilled, strict=True):
        assert entry["fulfill_date"] == order["closed_date"]
        assert sum(u["stock"] for u in entry["units_fulfilled"]) == sum(
            line["quantity"] for line in order["order_details"]
        )
    refunded = {
        o["order_id"]
        for o in full["orders"]
        if o["payment_status"] in ("refunded", "partially_refunded")
    }
    assert {r["order_id"] for r in full["refunded_orders"]} == refunded
    for order in full["orders"]:
        assert order["order_details"]
        assert order["transactions"] or order["payment_status"] == "pending"
        assert isinstance(order["discounts"], list) and isinstance(order["promotions"], list)
        line = order["order_details"][0]
        assert {"discounts", "promotions", "track_inventory", "units_used", "cogs"} <= set(line)
        for transaction in order["transactions"]:
            assert transaction["mdr"] is None  # MDR not requested
    only_lines = get_orders(sb.url, sb.token, includes="OrderDetails", **params)["orders"][0]
    assert "order_details" in only_lines and "transactions" not in only_lines
    assert not {"discounts", "promotions", "track_inventory", "units_used"} & set(
        only_lines["order_details"][0]
    )
    with_mdr = get_orders(sb.url, sb.token, includes="Transactions,MDR", **params)["orders"]
    for order in with_mdr:
        for sale in order["transactions"]:
            if sale["gateway"] == "iseller_pay" and sale["type"] == "sale":
                (mdr,) = sale["mdr"]
                assert mdr["payment_method_fee"] + mdr["total_amount_fee"] == sale["amount"]
            else:
                assert sale["mdr"] == []


def test_filters_and_sorting(sb: SimpleNamespace) -> None:
    truth = sb.sandbox.served_orders()
    jkt = sb.sandbox.merchant.outlet_id("JKT")
    params = {"time_zone": 0, "created_after": "2026-01-01", "page_size": 1000}
    by_outlet = get_orders(sb.url, sb.token, outlet_id=jkt.upper(), **params)["orders"]
    assert {o["outlet_code"] for o in by_outlet} == {"JKT"}
    assert len(by_outlet) == sum(o["outlet_id"] == jkt for o in truth)
    one = truth[3]
    assert [
        o["order_id"]
        for o in get_orders(sb.url, sb.token, order_id=one["order_id"], **params)["orders"]
    ] == [one["order_id"]]
    voided = get_orders(sb.url, sb.token, payment_status="voided", **params)["orders"]
    assert len(voided) == sum(o["payment_status"] == "voided" for o in truth)
    desc = get_orders(sb.url, sb.token, sort="ModifiedDate", sort_direction="DESC", **params)[
        "orders"
    ]
    assert [o["modified_date"] for o in desc] == sorted(
        (o["modified_date"] for o in truth), reverse=True
    )
    by_modified = get_orders(
        sb.url,
        sb.token,
        time_zone=0,
        created_after="2000-01-01",
        modified_after="2026-11-20T00:00:00",
        modified_before="2026-11-20 23:59:59",
    )["orders"]
    assert by_modified and all(o["modified_date"].startswith("2026-11-20") for o in by_modified)


def test_json_body_and_space_separated_dates(sb: SimpleNamespace) -> None:
    response = requests.post(
        f"{sb.url}/api/v2/GetOrders",
        json={"time_zone": 7, "created_after": "2026-11-19 00:00:00", "page": 1, "page_size": 2},
        headers={"Authorization": f"Bearer {sb.token}"},
        timeout=TIMEOUT,
    )
    body = response.json()
    assert body["status"] is True and body["count"] == 2


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"created_after": "2026-11-19T00:00:00"}, "time_zone"),
        ({"time_zone": "seven", "created_after": "2026-11-19T00:00:00"}, "time_zone"),
        ({"time_zone": 7}, "created_after"),
        ({"time_zone": 7, "created_before": "2026-11-19T00:00:00"}, "created_after"),
        ({"time_zone": 7, "created_after": "2026-13-01T00:00:00"}, "created_after"),
        ({"time_zone": 7, "created_after": "20/11/2026"}, "created_after"),
        ({"time_zone": 7, "modified_after": "2026-11-19T00:00:00+07:00"}, "modified_after"),
        ({"time_zone": 7, "created_after": "2026-11-19", "sort": "Total"}, "sort"),
        ({"time_zone": 7, "created_after": "2026-11-19", "sort_direction": "UP"}, "sort_direction"),
        ({"time_zone": 7, "created_after": "2026-11-19", "page": 0}, "page"),
        ({"time_zone": 7, "created_after": "2026-11-19", "page_size": 0}, "page_size"),
        ({"time_zone": 7, "created_after": "2026-11-19", "page_size": 5000}, "page_size"),
    ],
)
def test_status_false_errors(sb: SimpleNamespace, params: dict[str, Any], fragment: str) -> None:
    body = get_orders(sb.url, sb.token, **params)
    assert body["status"] is False
    assert fragment in body["error_message"]
    assert "error_detail" in body and "time" in body
    assert "orders" not in body


# -- state --------------------------------------------------------------------------------------


def test_state_persists_across_restart(running: Any, tmp_path: Path) -> None:
    state = tmp_path / "persisted"
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)
    first, url = running(state, now=lambda: now)
    token = get_token(url)["access_token"]
    before = all_pages(url, token, time_zone=0, created_after="2026-01-01", includes=ALL_INCLUDES)
    running.stop(first)

    _, url = running(state, now=lambda: now)
    after = all_pages(url, token, time_zone=0, created_after="2026-01-01", includes=ALL_INCLUDES)
    assert after == before and len(before) > 10

    with pytest.raises(ValueError, match="seed=7"):
        ISellerSandbox(state, seed=8, orders_per_outlet_per_day=6, now=lambda: now)


def test_orders_appear_as_time_passes(running: Any) -> None:
    clock = Clock(datetime(2026, 11, 18, 2, tzinfo=UTC))  # 09:00 in Jakarta
    sandbox, url = running(now=clock, orders_per_outlet_per_day=40, history_days=1)
    token = get_token(url)["access_token"]
    params = {"time_zone": 0, "created_after": "2026-01-01", "page_size": 1000}
    seen: set[str] = set()
    for _ in range(6):
        orders = get_orders(url, token, **params)["orders"]
        ids = {o["order_id"] for o in orders}
        assert seen <= ids
        assert all(parse_dt(o["closed_date"]) <= clock.value for o in orders)
        assert ids == {o["order_id"] for o in sandbox.merchant.orders_until(clock.value)}
        seen = ids
        clock.advance(hours=3, minutes=7)
    assert len(seen) > 60


def test_a_void_shows_up_as_a_modification(running: Any) -> None:
    clock = Clock(datetime(2026, 11, 18, tzinfo=UTC))
    sandbox, url = running(now=clock, orders_per_outlet_per_day=40, history_days=3)
    voided = next(
        order
        for code, day in sandbox.merchant.business_dates(clock.value)
        for order in sandbox.merchant.orders_for_day(code, day)
        if order.cancel_date is not None and order.cancel_date < clock.value
    )
    clock.value = voided.cancel_date - timedelta(seconds=1)
    token = get_token(url)["access_token"]
    params = {"time_zone": 0, "order_id": voided.order_id, "includes": "Transactions"}
    (before,) = get_orders(url, token, created_after="2026-01-01", **params)["orders"]
    assert (before["status"], before["payment_status"]) == ("completed", "paid")
    assert before["modified_date"] == before["closed_date"]

    clock.advance(seconds=1)
    since = (clock.value - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")
    (after,) = get_orders(url, token, created_after="2000-01-01", modified_after=since, **params)[
        "orders"
    ]
    assert (after["status"], after["payment_status"]) == ("void", "voided")
    assert after["cancel_date"] == after["modified_date"] > before["modified_date"]
    assert [t["type"] for t in after["transactions"]] == ["sale", "void"]


def test_start_date_knob_is_remembered(tmp_path: Path) -> None:
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)
    first = ISellerSandbox(
        tmp_path,
        orders_per_outlet_per_day=5,
        start_date=date(2026, 11, 18),
        now=lambda: now,
        faults="",
    )
    try:
        assert first.merchant.start_date == date(2026, 11, 18)
        assert {o["order_date"][:10] for o in first.served_orders()} >= {"2026-11-18"}
        assert min(o["order_date"] for o in first.served_orders()) >= "2026-11-17 23:00:00"
    finally:
        first.close()
    again = ISellerSandbox(
        tmp_path, orders_per_outlet_per_day=5, history_days=1, now=lambda: now, faults=""
    )
    try:
        assert again.merchant.start_date == date(2026, 11, 18)  # the state decides
    finally:
        again.close()
    with pytest.raises(ValueError, match="starts on 2026-11-18"):
        ISellerSandbox(
            tmp_path, orders_per_outlet_per_day=5, start_date=date(2026, 11, 1), now=lambda: now
        )


def test_state_of_another_layout_is_refused(tmp_path: Path) -> None:
    old = sqlite3.connect(tmp_path / "iseller.sqlite3")
    old.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    old.execute("INSERT INTO meta VALUES ('seed', '7')")
    old.commit()
    old.close()
    with pytest.raises(ValueError, match="--reset"):
        ISellerSandbox(tmp_path, now=lambda: datetime(2026, 11, 20, tzinfo=UTC))
