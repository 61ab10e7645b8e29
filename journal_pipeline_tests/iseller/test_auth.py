"""The token endpoint: an outage is a transient error, only refused credentials an auth error.

Every case runs against the iSeller emulator on loopback, its faults injected on
``/oauth/token`` (journal_sandbox/faults.py).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from urllib3.util import Retry

from journal_pipeline.iseller.client import ISellerClient, build_session
from journal_pipeline.iseller.errors import (
    ISellerAuthError,
    ISellerConfigError,
    ISellerError,
    ISellerHttpError,
)
from journal_pipeline_tests.iseller_fixtures import ISellerSandboxHandle, running_iseller_sandbox

TOKEN = "/oauth/token"


def fast_session() -> requests.Session:
    """The default session's policy (5xx and 429 retried, POST included), two retries of a
    status and no backoff sleeps."""
    return build_session(
        Retry(
            total=4,
            connect=2,
            read=2,
            status=2,
            backoff_factor=0,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET", "POST"}),
            raise_on_status=False,
            respect_retry_after_header=False,
        )
    )


@pytest.fixture
def iseller(tmp_path: Path) -> Iterator[ISellerSandboxHandle]:
    with running_iseller_sandbox(
        tmp_path / "iseller",
        orders_per_outlet_per_day=2,
        history_days=1,
        now=lambda: datetime(2026, 11, 20, 15, tzinfo=UTC),
    ) as handle:
        yield handle


def _client(iseller: ISellerSandboxHandle, **env: str) -> ISellerClient:
    return ISellerClient.from_env({**iseller.env, **env}, session=fast_session())


def _outage(client: ISellerClient) -> ISellerHttpError:
    """The error of a first call while the token endpoint fails; asserts it is no auth error."""
    with pytest.raises(ISellerError) as caught:
        client.get_store_info()
    error = caught.value
    assert not isinstance(error, ISellerAuthError), error
    assert isinstance(error, ISellerHttpError), error
    assert str(error).startswith("iSeller is not answering: "), error
    assert "the next run retries" in str(error)
    assert "ISELLER_CLIENT" not in str(error) and "credential" not in str(error)
    assert error.endpoint == "oauth/token"
    return error


def test_a_503_on_the_token_endpoint_is_retried_then_the_call_goes_on(
    iseller: ISellerSandboxHandle,
) -> None:
    client = _client(iseller)
    iseller.sandbox.inject_fault(TOKEN, status=503, times=2)
    assert client.get_store_info()["currency"] == "IDR"
    assert iseller.sandbox.faults.injected["error"] == 2  # both 503s met, then a token
    assert client.calls == 2  # the token request (its retries inside) and GetStoreInfo


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_a_token_endpoint_that_keeps_failing_is_an_outage(
    iseller: ISellerSandboxHandle, status: int
) -> None:
    client = _client(iseller)
    iseller.sandbox.inject_fault(TOKEN, status=status, times=3)  # the first try and 2 retries
    error = _outage(client)
    assert error.status_code == status
    assert f"HTTP {status}" in str(error)
    assert iseller.sandbox.faults.injected["error"] == 3  # retried like every call, given up
    # survives Dagster's pickling with its class and attributes
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is ISellerHttpError and copy.status_code == status
    # when iSeller answers again, the same client goes on
    assert client.get_store_info()["currency"] == "IDR"


def test_a_token_request_that_times_out_is_an_outage(iseller: ISellerSandboxHandle) -> None:
    client = _client(iseller)
    iseller.sandbox.inject_fault(TOKEN, status=None, times=3)  # dropped without an answer
    error = _outage(client)
    assert error.status_code is None
    assert iseller.sandbox.faults.injected["timeout"] == 3  # retried, then given up


def test_an_unreachable_token_endpoint_is_an_outage(iseller: ISellerSandboxHandle) -> None:
    iseller.server.stop()
    client = _client(iseller)
    _outage(client)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, "<html><body>Under maintenance</body></html>"),  # a proxy's page, answered 200
        (502, "<html><body>Bad gateway</body></html>"),
        (400, "<html><body>Bad request</body></html>"),  # a gateway's page, no OAuth error
        (200, {"token_type": "bearer"}),  # JSON without an access token
    ],
)
def test_an_answer_that_is_no_token_is_an_outage(
    iseller: ISellerSandboxHandle, status: int, body: Any
) -> None:
    client = _client(iseller)
    iseller.sandbox.inject_fault(TOKEN, status=status, times=3, body=body)
    error = _outage(client)
    assert error.status_code == status


def test_wrong_credentials_are_an_auth_error(iseller: ISellerSandboxHandle) -> None:
    client = _client(iseller, ISELLER_CLIENT_SECRET="not-the-secret")
    with pytest.raises(ISellerAuthError) as caught:
        client.get_store_info()
    assert (caught.value.status_code, caught.value.error) == (400, "invalid_client")
    assert "not-the-secret" not in str(caught.value)


def test_a_refresh_token_refused_is_an_auth_error(iseller: ISellerSandboxHandle) -> None:
    client = _client(iseller, ISELLER_REFRESH_TOKEN="never-issued")
    with pytest.raises(ISellerAuthError) as caught:
        client.get_store_info()
    assert caught.value.error == "invalid_grant"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"error": "invalid_client"}),
        (403, "Forbidden"),  # refused, whatever the body says
        (400, {"error": "unauthorized_client"}),
    ],
)
def test_a_refusal_of_the_client_is_an_auth_error(
    iseller: ISellerSandboxHandle, status: int, body: Any
) -> None:
    client = _client(iseller)
    iseller.sandbox.inject_fault(TOKEN, status=status, body=body)
    with pytest.raises(ISellerAuthError) as caught:
        client.get_store_info()
    assert caught.value.status_code == status
    assert iseller.sandbox.faults.injected["error"] == 1  # a refusal is not retried


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, "Not Found"),  # ISELLER_TOKEN_URL points elsewhere
        (400, {"error": "unsupported_grant_type"}),
    ],
)
def test_a_token_url_that_is_no_token_endpoint_is_a_config_error(
    iseller: ISellerSandboxHandle, status: int, body: Any
) -> None:
    client = _client(iseller)
    iseller.sandbox.inject_fault(TOKEN, status=status, body=body)
    with pytest.raises(ISellerConfigError, match="check ISELLER_TOKEN_URL"):
        client.get_store_info()
