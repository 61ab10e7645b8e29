"""The Jurnal emulator on loopback, for tests.

``jurnal_sandbox`` (session scope) starts one `JurnalSandbox` with ``time_scale=60`` (a
rate-limit "minute" lasts one real second) on a free port and yields a handle with ``.url``
(the base URL including ``/public/jurnal/api/v1``), ``.legacy_url`` (``/core/api/v1``),
``.sandbox``, ``.server``, ``.env`` (the ``JURNAL_*`` variables of a client pointed at it) and
``.api_key``. ``running_jurnal_sandbox`` starts a private one (fresh state) for tests that
need exact ledgers, counters or restarts. ``signed`` sends one request signed by hand
(hmac/hashlib), so the emulator is checked independently of the client.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.jurnal.settings import JurnalSettings
from journal_sandbox.http import SandboxServer
from journal_sandbox.jurnal_app import (
    CUSTOMER_WALK_IN,
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_API_KEY,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    LEGACY_PREFIX,
    MAG_PREFIX,
    PARTNER_PREFIX,
    PRODUCT_SERVICE_CHARGE,
    TERM_COD,
    WAREHOUSE_JAKARTA_CODE,
    JurnalSandbox,
)


@dataclass
class JurnalSandboxHandle:
    sandbox: JurnalSandbox
    server: SandboxServer
    url: str
    legacy_url: str
    env: dict[str, str] = field(default_factory=dict)
    api_key: str = DEFAULT_API_KEY
    access_token: str = DEFAULT_ACCESS_TOKEN
    partner_url: str = ""

    def client(self, **kwargs: Any) -> JurnalClient:
        """A client of this sandbox (HMAC); keyword arguments go to `JurnalClient`."""
        return JurnalClient(JurnalSettings.from_env(self.env), **kwargs)


@contextmanager
def running_jurnal_sandbox(state_dir: Path, **kwargs: Any) -> Iterator[JurnalSandboxHandle]:
    """A started `JurnalSandbox` over ``state_dir``; stopped (state kept) on exit."""
    kwargs.setdefault("time_scale", 60.0)
    sandbox = JurnalSandbox(state_dir, **kwargs)
    server = sandbox.serve().start()
    url = f"{server.url}{MAG_PREFIX.rstrip('/')}"
    env = {
        "JURNAL_BASE_URL": url,
        "JURNAL_CLIENT_ID": kwargs.get("client_id", DEFAULT_CLIENT_ID),
        "JURNAL_CLIENT_SECRET": kwargs.get("client_secret", DEFAULT_CLIENT_SECRET),
        # the client's limiter keeps the sandbox's clock: a command or subprocess given this
        # env after a sync otherwise counts the sync's requests against a real minute and waits
        "JURNAL_RATE_LIMIT_WINDOW_SCALE": str(sandbox.time_scale),
    }
    try:
        yield JurnalSandboxHandle(
            sandbox=sandbox,
            server=server,
            url=url,
            legacy_url=f"{server.url}{LEGACY_PREFIX.rstrip('/')}",
            env=env,
            api_key=kwargs.get("api_key", DEFAULT_API_KEY),
            access_token=kwargs.get("access_token", DEFAULT_ACCESS_TOKEN),
            partner_url=f"{server.url}{PARTNER_PREFIX.rstrip('/')}",
        )
    finally:
        server.stop()
        sandbox.close()


@pytest.fixture(scope="session")
def jurnal_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JurnalSandboxHandle]:
    with running_jurnal_sandbox(tmp_path_factory.mktemp("jurnal-sandbox")) as handle:
        yield handle


def unique(prefix: str = "T") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def signature(secret: str, date: str, method: str, path_with_query: str) -> str:
    message = f"date: {date}\n{method} {path_with_query} HTTP/1.1"
    return base64.b64encode(
        hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    ).decode()


def signed(
    method: str,
    url: str,
    body: Any = None,
    *,
    client_id: str = DEFAULT_CLIENT_ID,
    secret: str = DEFAULT_CLIENT_SECRET,
    date: str | None = None,
    date_offset: int | None = None,
    signed_path: str | None = None,
    headers: dict[str, str] | None = None,
    retry_rate_limit: bool = True,
) -> requests.Response:
    """One request signed by hand; 429s are waited out unless ``retry_rate_limit`` is off."""
    data = None if body is None else json.dumps(body).encode()
    for _ in range(10):
        sent_date = date or formatdate(time.time(), usegmt=True)
        if date_offset is not None:  # whole seconds, rounded away from now
            now = time.time()
            moment = math.ceil(now) if date_offset > 0 else math.floor(now)
            sent_date = formatdate(moment + date_offset, usegmt=True)
        split = urlsplit(url)
        path = signed_path or (split.path + (f"?{split.query}" if split.query else ""))
        all_headers = {
            "Date": sent_date,
            "Authorization": (
                f'hmac username="{client_id}", algorithm="hmac-sha256", '
                f'headers="date request-line", '
                f'signature="{signature(secret, sent_date, method, path)}"'
            ),
            "Content-Type": "application/json",
            **(headers or {}),
        }
        response = requests.request(method, url, data=data, headers=all_headers, timeout=10)
        if response.status_code != 429 or not retry_rate_limit:
            return response
        time.sleep(float(response.headers["Retry-After"]))
    return response


def invoice_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "transaction_date": "2026-11-20",
        "person_name": CUSTOMER_WALK_IN,
        "term_name": TERM_COD,
        "warehouse_code": WAREHOUSE_JAKARTA_CODE,
        "custom_id": unique("ORD"),
        "transaction_lines_attributes": [
            {"product_name": PRODUCT_SERVICE_CHARGE, "quantity": 1, "rate": 10000}
        ],
    }
    body.update(overrides)
    return body
