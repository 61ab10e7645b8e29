"""The iSeller client against the emulator on loopback."""

from __future__ import annotations

import logging
import pickle
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from urllib3.util import Retry

from journal_pipeline.iseller.client import (
    ISellerClient,
    ISellerSettings,
    OrderBatch,
    build_session,
)
from journal_pipeline.iseller.errors import (
    ISellerApiError,
    ISellerAuthError,
    ISellerConfigError,
    ISellerHttpError,
)
from journal_sandbox.demo_merchant import parse_dt
from journal_sandbox.iseller_app import ISellerSandbox

ALL_INCLUDES = (
    "OrderDetails",
    "Transactions",
    "DiscountDetails",
    "PromotionDetails",
    "TrackInventory",
    "MDR",
    "ProfitDetails",
)
SECRET = "s3cr3t-Do-Not-Leak-7f3a9c"
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Clock:
    value: datetime

    def __call__(self) -> datetime:
        return self.value

    def advance(self, **delta: float) -> None:
        self.value += timedelta(**delta)


def fast_session() -> requests.Session:
    """Retries like the default session, without backoff sleeps."""
    return build_session(
        Retry(
            total=4,
            connect=2,
            read=2,
            status=2,
            backoff_factor=0,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=frozenset({"GET", "POST"}),
            raise_on_status=False,
        )
    )


@pytest.fixture
def client(iseller_sandbox: SimpleNamespace) -> Iterator[ISellerClient]:
    with ISellerClient.from_env(iseller_sandbox.env) as c:
        yield c


@pytest.fixture
def own_sandbox(tmp_path: Path) -> Iterator[Any]:
    """Start a private sandbox (own state, own clock); stopped at the end of the test."""
    started = []

    def start(**kwargs: Any) -> tuple[ISellerSandbox, dict[str, str]]:
        kwargs.setdefault("orders_per_outlet_per_day", 4)
        kwargs.setdefault("history_days", 1)
        kwargs.setdefault("now", lambda: datetime(2026, 11, 20, 15, tzinfo=UTC))
        kwargs.setdefault("dialect", "")  # the documented reading unless a test asks
        sandbox = ISellerSandbox(tmp_path / f"state-{len(started)}", **kwargs)
        server = sandbox.serve().start()
        started.append((sandbox, server))
        env = {
            "ISELLER_TOKEN_URL": f"{server.url}/oauth/token",
            "ISELLER_CLIENT_ID": sandbox.client_id,
            "ISELLER_CLIENT_SECRET": kwargs.get("client_secret", "sandbox-iseller-secret"),
        }
        return sandbox, env

    yield start
    for sandbox, server in started:
        server.stop()
        sandbox.close()


# -- settings -----------------------------------------------------------------------------------


def test_settings_from_env_and_overrides() -> None:
    env = {
        "ISELLER_CLIENT_ID": "abc",
        "ISELLER_CLIENT_SECRET": SECRET,
        "ISELLER_REFRESH_TOKEN": "refresh-" + SECRET,
    }
    settings = ISellerSettings.from_env(env)
    assert settings.token_url == "https://isellershop.com/oauth/token"
    assert settings.resource_url is None
    assert (settings.client_id, settings.client_secret) == ("abc", SECRET)
    assert settings.refresh_token == "refresh-" + SECRET
    assert SECRET not in repr(settings)
    overridden = ISellerSettings.from_env(env, resource_url="http://example.invalid")
    assert overridden.resource_url == "http://example.invalid"
    with pytest.raises(ISellerConfigError, match="ISELLER_CLIENT_SECRET"):
        ISellerSettings.from_env({"ISELLER_CLIENT_ID": "abc"})


def test_from_env_reads_os_environ(
    iseller_sandbox: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in iseller_sandbox.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ISELLER_RESOURCE_URL", raising=False)
    monkeypatch.delenv("ISELLER_REFRESH_TOKEN", raising=False)
    client = ISellerClient.from_env()
    assert client.get_store_info()["store_name"] == "Toko Demo Nusantara"
    assert client.resource_url == iseller_sandbox.url


# -- reads --------------------------------------------------------------------------------------


def test_get_store_info(client: ISellerClient, iseller_sandbox: SimpleNamespace) -> None:
    info = client.get_store_info()
    assert info == iseller_sandbox.sandbox.merchant.store_info()
    assert client.calls == 2  # token + call


def test_get_orders_returns_the_generator_truth(
    client: ISellerClient, iseller_sandbox: SimpleNamespace
) -> None:
    batch = client.get_orders(created_after=LONG_AGO, includes=ALL_INCLUDES, page_size=500)
    assert isinstance(batch, OrderBatch)
    truth = sorted(
        iseller_sandbox.sandbox.merchant.orders_until(iseller_sandbox.now),
        key=lambda o: (o["order_date"], o["order_id"]),
    )
    assert batch.orders == truth
    order_ids = {o["order_id"] for o in batch.orders}
    assert all(refund["order_id"] in order_ids for refund in batch.refunded_orders)
    order = batch.orders[0]
    assert isinstance(order["total_amount"], Decimal)
    assert isinstance(order["order_details"][0]["tax_amount"], Decimal)
    # time_zone=0: dates are UTC, exactly as stored
    assert order["order_date"] == truth[0]["order_date"]


@pytest.mark.parametrize("page_base", [1, 0])
def test_iter_orders_pages_and_counts_calls(own_sandbox: Any, page_base: int) -> None:
    sandbox, env = own_sandbox(dialect=f"page_base={page_base}")
    client = ISellerClient.from_env(env)
    total = len(sandbox.served_orders())
    assert total > 5
    orders = list(client.iter_orders(created_after=LONG_AGO, page_size=5))
    assert len(orders) == len({o["order_id"] for o in orders}) == total
    # token, the pages, and the page-0 probe a 1-based server refuses (a 0-based one serves
    # its first page at 0: the probe costs nothing when there is a second page)
    assert client.calls == 1 + -(-total // 5) + (1 if page_base == 1 else 0)
    assert client.latency > 0 and client.latency_seconds == client.latency
    assert client.stats()["iseller_calls"] == client.calls
    again = client.calls
    assert len(list(client.iter_orders(created_after=LONG_AGO, page_size=5))) == total
    assert client.calls == again + -(-total // 5)  # the base is remembered


def test_windows_are_sent_in_utc(client: ISellerClient, iseller_sandbox: SimpleNamespace) -> None:
    wib = timezone(timedelta(hours=7))
    start = datetime(2026, 11, 19, 7, tzinfo=wib)  # 2026-11-19 00:00 UTC
    end = datetime(2026, 11, 20, 6, 59, 59, tzinfo=wib)
    orders = list(client.iter_orders(created_after=start, created_before=end, includes=()))
    assert orders
    assert all("2026-11-19 00:00:00" <= o["order_date"] <= "2026-11-19 23:59:59" for o in orders)
    assert all("order_details" not in o for o in orders)
    modified = list(
        client.iter_orders(
            modified_after=start,
            outlet_id=iseller_sandbox.sandbox.merchant.outlet_id("DPS"),
        )
    )
    assert modified and {o["outlet_code"] for o in modified} == {"DPS"}
    assert all(parse_dt(o["modified_date"]) >= start for o in modified)
    with pytest.raises(ValueError, match="timezone-aware"):
        list(client.iter_orders(created_after=datetime(2026, 11, 19)))


def test_status_false_raises_api_error(client: ISellerClient) -> None:
    with pytest.raises(ISellerApiError) as caught:
        client._call("GetOrders", {"time_zone": "0"})  # no created_after: the API refuses
    assert caught.value.endpoint == "GetOrders"
    assert "created_after" in (caught.value.error_message or "")
    assert "created_after" in str(caught.value)
    assert client._tokens.access_token and client._tokens.access_token not in str(caught.value)
    clone = pickle.loads(pickle.dumps(caught.value))
    assert (str(clone), clone.error_message) == (str(caught.value), caught.value.error_message)


# -- tokens -------------------------------------------------------------------------------------


def test_refresh_token_grant_from_env(own_sandbox: Any) -> None:
    _, env = own_sandbox()
    first = requests.post(
        env["ISELLER_TOKEN_URL"],
        data={
            "grant_type": "client_credentials",
            "client_id": env["ISELLER_CLIENT_ID"],
            "client_secret": env["ISELLER_CLIENT_SECRET"],
        },
        timeout=10,
    ).json()
    client = ISellerClient.from_env({**env, "ISELLER_REFRESH_TOKEN": first["refresh_token"]})
    assert client.get_store_info()["currency"] == "IDR"
    # a refresh token the server never issued proves the refresh grant is the one used
    stale = ISellerClient.from_env({**env, "ISELLER_REFRESH_TOKEN": "never-issued"})
    with pytest.raises(ISellerAuthError) as caught:
        stale.get_store_info()
    assert caught.value.error == "invalid_grant"
    assert "never-issued" not in str(caught.value)


def test_expired_token_triggers_one_reauthentication(own_sandbox: Any) -> None:
    clock = Clock(datetime(2026, 11, 20, 15, tzinfo=UTC))
    _, env = own_sandbox(now=clock, token_ttl_seconds=3600)
    client = ISellerClient.from_env(env)
    client.get_store_info()
    first_token = client._tokens.access_token
    clock.advance(hours=2)  # the server's clock: the client still believes the token valid
    client.get_store_info()
    assert client.calls == 5  # token, call, call (401), token, call
    assert client._tokens.access_token != first_token
    client.get_store_info()
    assert client.calls == 6


def test_token_refused_twice_raises_auth_error(own_sandbox: Any) -> None:
    _, env = own_sandbox(token_ttl_seconds=0)  # every token is born expired
    client = ISellerClient.from_env(env)
    with pytest.raises(ISellerAuthError, match="HTTP 401"):
        client.get_store_info()
    assert client.calls == 4  # token, call (401), token, call (401)


def test_secrets_never_leak(own_sandbox: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    _, env = own_sandbox(client_secret=SECRET)
    wrong = "wrong-" + SECRET
    bad = ISellerClient.from_env({**env, "ISELLER_CLIENT_SECRET": wrong}, session=fast_session())
    with pytest.raises(ISellerAuthError) as caught:
        bad.get_store_info()
    assert caught.value.status_code == 400 and caught.value.error == "invalid_client"

    good = ISellerClient.from_env(env)
    with pytest.raises(ISellerApiError) as api_error:
        good._call("GetOrders", {"time_zone": "0"})
    access_token = good._tokens.access_token
    refresh_token = good._tokens.refresh_token
    assert access_token and refresh_token

    unreachable = ISellerClient.from_env(
        {**env, "ISELLER_TOKEN_URL": f"http://127.0.0.1:{free_port()}/oauth/token"},
        session=fast_session(),
    )
    with pytest.raises(ISellerHttpError) as transport:
        unreachable.get_store_info()

    texts = [
        str(caught.value),
        repr(caught.value),
        str(api_error.value),
        repr(api_error.value),
        str(transport.value),
        repr(bad),
        repr(good),
        repr(good.settings),
        caplog.text,
    ]
    for text in texts:
        for secret in (SECRET, access_token, refresh_token):
            assert secret not in text
    assert "invalid_client" in str(caught.value)


# -- transport ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_retries_server_errors_and_dropped_connections(own_sandbox: Any) -> None:
    sandbox, env = own_sandbox()
    client = ISellerClient.from_env(env, session=fast_session())
    sandbox.inject_fault("/oauth/token", status=503)
    sandbox.inject_fault("/api/v2/GetStoreInfo", status=502)
    sandbox.inject_fault("/api/v2/GetOrders", status=None)  # connection dropped, no answer
    assert client.get_store_info()["store_name"] == "Toko Demo Nusantara"
    assert client.get_orders(created_after=LONG_AGO).orders
    sandbox.inject_fault("/api/v2/GetStoreInfo", status=503, times=5)
    with pytest.raises(ISellerHttpError) as caught:
        client.get_store_info()
    assert (caught.value.status_code, caught.value.endpoint) == (503, "GetStoreInfo")


def test_default_session_retries_post() -> None:
    adapter = build_session().get_adapter("https://isellershop.com")
    retry = adapter.max_retries
    assert "POST" in retry.allowed_methods
    assert 503 in retry.status_forcelist
    assert retry.backoff_factor > 0
