"""Request signing for the Jurnal API.

MAG (Mekari API Gateway) HMAC-SHA256: each request carries

    Authorization: hmac username="<client id>", algorithm="hmac-sha256",
                   headers="date request-line", signature="<base64>"
    Date: <IMF-fixdate, GMT>

where the signature is base64(HMAC-SHA256(client secret, signing string)) over

    date: <the Date header>
    <METHOD> <path?query as sent> HTTP/1.1

Requests with a body also carry ``Digest: SHA-256=<base64(sha256(body))>`` (body validation).
The legacy flavour sends the company's API key in an ``apikey`` header instead, and the legacy
partner (OAuth app) flavour its access token as ``Authorization: Bearer <token>``.

No class shows its secret in ``repr``; ``redact_headers`` makes headers safe to log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from email.utils import formatdate

import requests
from requests.auth import AuthBase

REDACTED = "***"
SENSITIVE_HEADERS = frozenset({"authorization", "apikey", "x-api-key", "cookie"})


def http_date(timestamp: float) -> str:
    """IMF-fixdate in GMT, e.g. ``Tue, 24 Aug 2021 02:18:19 GMT``."""
    return formatdate(timestamp, usegmt=True)


def signing_string(date: str, method: str, path_with_query: str) -> str:
    return f"date: {date}\n{method.upper()} {path_with_query} HTTP/1.1"


def sign(secret: str, date: str, method: str, path_with_query: str) -> str:
    """The base64 HMAC-SHA256 signature of one request."""
    message = signing_string(date, method, path_with_query).encode("utf-8")
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def authorization_header(client_id: str, signature: str) -> str:
    return (
        f'hmac username="{client_id}", algorithm="hmac-sha256", '
        f'headers="date request-line", signature="{signature}"'
    )


def body_digest(body: bytes | str | None) -> str:
    if body is None:
        body = b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` safe to log: credentials replaced by ``***``."""
    return {k: (REDACTED if k.lower() in SENSITIVE_HEADERS else v) for k, v in headers.items()}


class JurnalHmacAuth(AuthBase):
    """Signs each prepared request for the Mekari API Gateway."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        clock: Callable[[], float] = time.time,
        send_digest: bool = True,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self._clock = clock
        self.send_digest = send_digest

    def __repr__(self) -> str:
        return f"JurnalHmacAuth(client_id={self.client_id!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, JurnalHmacAuth)
            and other.client_id == self.client_id
            and hmac.compare_digest(other._client_secret, self._client_secret)
        )

    def __hash__(self) -> int:
        return hash(("JurnalHmacAuth", self.client_id))

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        method = (request.method or "GET").upper()
        path_with_query = request.path_url  # exactly what goes on the request line
        date = http_date(self._clock())
        signature = sign(self._client_secret, date, method, path_with_query)
        request.headers["Date"] = date
        request.headers["Authorization"] = authorization_header(self.client_id, signature)
        if self.send_digest and request.body is not None:
            request.headers["Digest"] = body_digest(request.body)  # type: ignore[arg-type]
        return request


class _StaticCredentialAuth(AuthBase):
    """One header carrying a fixed credential; equal by value, shown without it."""

    header = ""

    def __init__(self, credential: str) -> None:
        self._credential = credential

    def _value(self) -> str:
        return self._credential

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and hmac.compare_digest(
            other._credential,  # type: ignore[attr-defined]
            self._credential,
        )

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers[self.header] = self._value()
        return request


class JurnalApiKeyAuth(_StaticCredentialAuth):
    """The legacy per-company API key (``apikey`` header)."""

    header = "apikey"


class JurnalBearerAuth(_StaticCredentialAuth):
    """The legacy partner app's access token (``Authorization: Bearer``), as Mekari's own
    Ruby client sends it on ``/partner/core/api/v1/``."""

    header = "Authorization"

    def _value(self) -> str:
        return f"Bearer {self._credential}"
