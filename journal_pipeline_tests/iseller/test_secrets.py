"""No iSeller client secret, access token or refresh token ever reaches a log line, an exception
(text, repr, pickle) or the metadata counters, on any error path, with debug logging on."""

from __future__ import annotations

import logging
import pickle
import socket
import uuid
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests
from urllib3.util import Retry

from journal_pipeline.iseller.client import ISellerClient, build_session
from journal_pipeline.iseller.errors import (
    ISellerApiError,
    ISellerAuthError,
    ISellerError,
    ISellerHttpError,
)
from journal_sandbox.iseller_app import ISellerSandbox


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_no_secret_on_any_error_path(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    secret = "iseller-secret-canary-" + uuid.uuid4().hex
    caplog.set_level(logging.DEBUG)
    issued: list[str] = []

    def session() -> requests.Session:
        s = build_session(
            Retry(
                total=1,
                connect=1,
                read=1,
                status=1,
                backoff_factor=0,
                status_forcelist=(429, 500, 502, 503, 504),
                allowed_methods=frozenset({"GET", "POST"}),
                raise_on_status=False,
                respect_retry_after_header=False,
            )
        )

        def remember(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            if response.url.endswith("/oauth/token") and response.status_code == 200:
                body = response.json()
                issued.extend(body[k] for k in ("access_token", "refresh_token") if body.get(k))

        s.hooks["response"].append(remember)
        return s

    errors: list[ISellerError] = []
    clients: list[ISellerClient] = []

    def expect(error_type: type[ISellerError], call: Any) -> ISellerError:
        with pytest.raises(error_type) as caught:
            call()
        errors.append(caught.value)
        return caught.value

    now = datetime(2026, 11, 20, 15, tzinfo=UTC)
    for ttl in (3600, 0):
        sandbox = ISellerSandbox(
            tmp_path / f"iseller-{ttl}",
            orders_per_outlet_per_day=2,
            history_days=1,
            now=lambda: now,
            client_secret=secret,
            token_ttl_seconds=ttl,
        )
        server = sandbox.serve().start()
        env = {
            "ISELLER_TOKEN_URL": f"{server.url}/oauth/token",
            "ISELLER_CLIENT_ID": sandbox.client_id,
            "ISELLER_CLIENT_SECRET": secret,
        }

        def client(env: dict[str, str] = env, **overrides: str) -> ISellerClient:
            made = ISellerClient.from_env({**env, **overrides}, session=session())
            clients.append(made)
            return made

        try:
            if ttl == 0:  # every token is born expired: 401, new token, 401
                expect(ISellerAuthError, client().get_store_info)
                continue
            wrong = client(ISELLER_CLIENT_SECRET=secret + "-wrong")
            expect(ISellerAuthError, wrong.get_store_info)  # 400 invalid_client
            stale = client(ISELLER_REFRESH_TOKEN="refresh-" + secret)
            expect(ISellerAuthError, stale.get_store_info)  # 400 invalid_grant
            good = client()
            assert good.get_store_info()
            # GetOrders without created_after: status:false
            expect(ISellerApiError, partial(good._call, "GetOrders", {"time_zone": "0"}))
            for kind in ("error", "burst429", "timeout", "lost"):
                sandbox.faults.once("/api/v2/GetTransactions", kind, times=2, status=503)
                with pytest.raises(ISellerHttpError) as caught:
                    good.get_transactions(created_after=datetime(2026, 1, 1, tzinfo=UTC))
                errors.append(caught.value)
            nowhere = client(ISELLER_TOKEN_URL=f"http://127.0.0.1:{free_port()}/oauth/token")
            expect(ISellerHttpError, nowhere.get_store_info)
        finally:
            server.stop()
            sandbox.close()

    assert len(issued) >= 3
    canaries = [secret, "refresh-" + secret, *issued]
    texts = [caplog.text]
    for error in errors:
        texts += [str(error), repr(error), repr(error.__dict__)]
        texts.append(repr(pickle.loads(pickle.dumps(error)).__dict__))
    for made in clients:
        texts += [repr(made), repr(made.settings), repr(made.stats())]
    assert "***" in caplog.text  # credentials were logged redacted
    for text in texts:
        for canary in canaries:
            assert canary not in text
