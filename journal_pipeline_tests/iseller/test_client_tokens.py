"""One iSeller access token for every client a process makes with the same credentials
(`iseller.client_tokens`), against the iSeller sandbox over HTTP behind a server that logs the
requests it passes on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from journal_pipeline.defs.resources import ISellerResource
from journal_pipeline.iseller.client import ISellerClient, ISellerSettings
from journal_pipeline.iseller.client_tokens import forget_tokens
from journal_sandbox.http import Request, Response, SandboxServer
from journal_sandbox.iseller_app import ISellerSandbox

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def iseller(tmp_path) -> Iterator[SimpleNamespace]:
    sandbox = ISellerSandbox(
        tmp_path / "iseller",
        orders_per_outlet_per_day=2,
        history_days=1,
        now=lambda: NOW,
        faults="",
        dialect="",
    )
    log: list[str] = []

    def logged(request: Request) -> Response:
        log.append(f"{request.method} {request.path}")
        return sandbox.app(request)

    server = SandboxServer(logged).start()
    sandbox._base_url = server.url  # the token's resource URL: API calls are logged too
    forget_tokens()
    try:
        yield SimpleNamespace(sandbox=sandbox, url=server.url, log=log)
    finally:
        server.stop()
        sandbox.close()
        forget_tokens()


def _resource(iseller: SimpleNamespace) -> ISellerResource:
    return ISellerResource(
        client_id="sandbox-iseller-client",
        client_secret="sandbox-iseller-secret",
        token_url=f"{iseller.url}/oauth/token",
    )


def _tokens(iseller: SimpleNamespace) -> int:
    return iseller.log.count("POST /oauth/token")


def _read(client: ISellerClient) -> None:
    client.get_orders(created_after=NOW - timedelta(days=1), created_before=NOW)


def test_clients_of_the_same_credentials_share_one_token(iseller):
    for _ in range(3):  # as the steps of a run, and the runs of a backfill, make them
        _read(_resource(iseller).client())

    assert _tokens(iseller) == 1
    assert iseller.log.count("POST /api/v2/GetOrders") >= 3


def test_a_token_the_api_refuses_is_replaced_for_every_client(iseller):
    _read(_resource(iseller).client())
    iseller.sandbox.expire_access_tokens()  # e.g. iSeller restarted
    _read(_resource(iseller).client())  # a 401, a new token, the call again
    _read(_resource(iseller).client())  # the new token

    assert _tokens(iseller) == 2


def test_other_credentials_get_their_own_token(iseller):
    _read(_resource(iseller).client())
    wrong = _resource(iseller).model_copy(update={"client_secret": "not-the-secret"})
    with pytest.raises(Exception, match="refused"):
        _read(wrong.client())

    assert _tokens(iseller) == 2


def test_a_client_made_without_shared_tokens_asks_for_its_own(iseller):
    settings = ISellerSettings(
        token_url=f"{iseller.url}/oauth/token",
        resource_url=None,
        client_id="sandbox-iseller-client",
        client_secret="sandbox-iseller-secret",
        refresh_token=None,
    )
    _read(ISellerClient(settings))
    _read(ISellerClient(settings))

    assert _tokens(iseller) == 2
