"""Fault injection in the iSeller emulator, over real HTTP: each kind, spec, env and helpers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from journal_sandbox.faults import FaultInjector
from journal_sandbox.iseller_app import FAULTS_ENV, ISellerSandbox

CLIENT = {"client_id": "sandbox-iseller-client", "client_secret": "sandbox-iseller-secret"}
NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)
TIMEOUT = 10


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Any]:
    started = []

    def run(**kwargs: Any) -> tuple[ISellerSandbox, str]:
        kwargs.setdefault("orders_per_outlet_per_day", 3)
        kwargs.setdefault("history_days", 1)
        kwargs.setdefault("now", lambda: NOW)
        sandbox = ISellerSandbox(tmp_path / f"state-{len(started)}", **kwargs)
        server = sandbox.serve().start()
        started.append((sandbox, server))
        return sandbox, server.url

    yield run
    for sandbox, server in started:
        server.stop()
        sandbox.close()


def token(url: str) -> str:
    response = requests.post(
        f"{url}/oauth/token", data={"grant_type": "client_credentials", **CLIENT}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def store_info(url: str, access_token: str, timeout: float = TIMEOUT) -> requests.Response:
    return requests.post(
        f"{url}/api/v2/GetStoreInfo",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=timeout,
    )


def count_tokens(sandbox: ISellerSandbox) -> int:
    with sandbox._lock:
        return sandbox._db.execute("SELECT COUNT(*) FROM tokens").fetchone()[0]


def test_default_faults_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(FAULTS_ENV, "GetOrders:error=0.25,status=502;*:latency=5")
    sandbox = ISellerSandbox(tmp_path, orders_per_outlet_per_day=1, now=lambda: NOW)
    try:
        (orders, anywhere) = sandbox.faults.rules
        assert (orders.endpoint, orders.error, orders.status) == ("GetOrders", 0.25, 502)
        assert (anywhere.endpoint, anywhere.latency) == ("*", 5)
    finally:
        sandbox.close()
    monkeypatch.delenv(FAULTS_ENV)
    quiet = ISellerSandbox(tmp_path, orders_per_outlet_per_day=1, now=lambda: NOW)
    try:
        assert quiet.faults.rules == []
        with pytest.raises(ValueError, match="fault rule"):
            ISellerSandbox(tmp_path, orders_per_outlet_per_day=1, faults="GetOrders:boom=1")
    finally:
        quiet.close()


def test_error_rate_answers_5xx_without_processing(start: Any) -> None:
    sandbox, url = start(faults="/oauth/token:error=1,status=502")
    response = requests.post(
        f"{url}/oauth/token", data={"grant_type": "client_credentials", **CLIENT}, timeout=TIMEOUT
    )
    assert response.status_code == 502
    assert response.json() == {"message": "An error has occurred."}
    assert count_tokens(sandbox) == 0
    assert sandbox.faults.injected["error"] == 1


def test_burst_of_429_then_recovery(start: Any) -> None:
    sandbox, url = start()
    access = token(url)
    sandbox.faults.rules = FaultInjector.from_spec("GetStoreInfo:burst429=1,burst_len=3").rules
    answers = [store_info(url, access) for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 429]
    assert answers[0].json() == {"message": "Too Many Requests"}
    sandbox.faults.rules = []
    assert store_info(url, access).status_code == 200


def test_timeout_holds_then_drops_the_connection(start: Any) -> None:
    _, url = start(faults="GetStoreInfo:timeout=1,timeout_s=0.3")
    access = token(url)
    began = time.monotonic()
    with pytest.raises(requests.ConnectionError):
        store_info(url, access)
    assert time.monotonic() - began >= 0.3
    with pytest.raises(requests.ReadTimeout):
        store_info(url, access, timeout=0.1)


def test_lost_response_commits_then_drops(start: Any) -> None:
    sandbox, url = start(faults="/oauth/token:lost=1")
    with pytest.raises(requests.ConnectionError):
        requests.post(
            f"{url}/oauth/token",
            data={"grant_type": "client_credentials", **CLIENT},
            timeout=TIMEOUT,
        )
    assert count_tokens(sandbox) == 2  # the access and refresh tokens were issued
    assert sandbox.faults.injected["lost"] == 1


def test_latency_sleeps_without_holding_the_lock(start: Any) -> None:
    seen: list[tuple[float, bool]] = []
    sandbox_ref: list[ISellerSandbox] = []

    def sleep(seconds: float) -> None:
        got: list[bool] = []

        def probe() -> None:
            acquired = sandbox_ref[0]._lock.acquire(timeout=2)
            got.append(acquired)
            if acquired:
                sandbox_ref[0]._lock.release()

        thread = threading.Thread(target=probe)
        thread.start()
        thread.join()
        seen.append((seconds, got[0]))

    injector = FaultInjector.from_spec("GetStoreInfo:latency=250", sleep=sleep)
    sandbox, url = start(faults=injector)
    sandbox_ref.append(sandbox)
    assert sandbox.faults is injector
    access = token(url)
    assert store_info(url, access).status_code == 200
    assert seen == [(0.25, True)]


def test_real_latency_delays_only_the_matching_endpoint(start: Any) -> None:
    sandbox, url = start(faults="GetStoreInfo:latency=300")
    access = token(url)
    slept: list[float] = []
    real_sleep = sandbox.faults.sleep

    def recorded(seconds: float) -> None:
        slept.append(seconds)
        real_sleep(seconds)

    sandbox.faults.sleep = recorded
    began = time.monotonic()
    assert store_info(url, access).status_code == 200
    assert time.monotonic() - began >= 0.3  # the delay is real
    assert slept == [0.3]
    assert token(url)
    assert slept == [0.3]  # the token endpoint was not delayed


def test_inject_fault_helper(start: Any) -> None:
    sandbox, url = start()
    access = token(url)
    sandbox.inject_fault("/api/v2/GetStoreInfo", status=503, times=2, body={"message": "down"})
    sandbox.inject_fault("/api/v2/GetStoreInfo", status=None)
    first, second = store_info(url, access), store_info(url, access)
    assert (first.status_code, first.json()) == (503, {"message": "down"})
    assert second.status_code == 503
    with pytest.raises(requests.ConnectionError):
        store_info(url, access)
    assert store_info(url, access).status_code == 200


def test_expire_access_tokens_helper(start: Any) -> None:
    sandbox, url = start()
    access = token(url)
    assert sandbox.expire_access_tokens() == 1
    assert store_info(url, access).status_code == 401
    assert store_info(url, token(url)).status_code == 200
