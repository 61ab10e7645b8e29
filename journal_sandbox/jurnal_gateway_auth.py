"""How the Jurnal emulator knows who is calling: the three documented credential styles.

- Mekari API Gateway HMAC (``Authorization: hmac username=..., signature=...``) on every prefix;
- the legacy company API key (``apikey`` header) on every prefix;
- the legacy partner (OAuth app) access token, ``Authorization: Bearer <token>`` or an
  ``access_token`` query parameter, on the legacy prefixes ``/core/api/v1/`` and
  ``/partner/core/api/v1/`` only: the gateway signs with HMAC and refuses a bearer token.

Each refusal keeps the gateway's ``{"message": "..."}`` form and says what failed, never a
credential's value (J-1, J-2, J-47 and J-53 in ``docs/assumptions/jurnal.md``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from journal_sandbox.http import Request, Response
from journal_sandbox.jurnal_common import CLOCK_SKEW_SECONDS, INVALID_CREDENTIALS, UNAUTHORIZED

# J-47: the gateway's hmac-auth wording, then what failed (never a credential's value).
HMAC_NOT_VERIFIED = "HMAC signature cannot be verified"
HMAC_NO_MATCH = "HMAC signature does not match"
DATE_HEADERS = ("date", "x-date")


@dataclass
class Authenticated:
    """Who called (``credential``, the rate limit's key) or the answer refusing the call."""

    credential: str | None = None
    failure: Response | None = None


def _refused(message: str, reason: str | None = None) -> Authenticated:
    """A 401 of the gateway: ``{"message": "<message>, <reason>"}``."""
    text = message if reason is None else f"{message}, {reason}"
    return Authenticated(failure=Response(401, {"message": text}))


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


@dataclass
class GatewayCredentials:
    """The credentials one emulated company accepts, and the clock its HMAC dates go by."""

    client_id: str
    client_secret: str
    api_key: str
    access_token: str
    clock: Callable[[], float]

    def authenticate(self, request: Request, gateway: bool) -> Authenticated:
        """``gateway``: the request came in on the MAG prefix (no bearer tokens there)."""
        authorization = (request.header("authorization") or "").strip()
        if authorization.lower().startswith("hmac "):
            return self._check_hmac(request, authorization[5:])
        api_key = request.header("apikey")
        if api_key is not None:
            if _same(api_key, self.api_key):
                return Authenticated(credential=f"apikey:{self.api_key}")
            return Authenticated(failure=Response(403, dict(INVALID_CREDENTIALS)))
        bearer = authorization[7:].strip() if authorization.lower().startswith("bearer ") else None
        token = bearer if bearer is not None else request.query.get("access_token")
        if token is not None and not gateway:
            return self._check_token(token)
        if authorization:
            return _refused(HMAC_NOT_VERIFIED, "the Authorization header is not an hmac credential")
        return Authenticated(failure=Response(401, dict(UNAUTHORIZED)))

    def _check_token(self, token: str) -> Authenticated:
        """J-53: the partner app's access token, as a bearer header or a query parameter."""
        if token and _same(token, self.access_token):
            return Authenticated(credential=f"bearer:{self.access_token}")
        return Authenticated(failure=Response(401, {"message": "Invalid access token"}))

    def _check_hmac(self, request: Request, params_text: str) -> Authenticated:
        """J-47: MAG HMAC; each refusal says what failed, never echoing a credential."""
        params = {k.lower(): v for k, v in re.findall(r'(\w+)\s*=\s*"([^"]*)"', params_text)}
        username = params.get("username")
        signature = params.get("signature")
        if not username or not signature:
            return _refused(
                HMAC_NOT_VERIFIED, "the hmac Authorization header needs username and signature"
            )
        if params.get("algorithm", "").lower() != "hmac-sha256":
            return _refused(HMAC_NOT_VERIFIED, "the algorithm must be hmac-sha256")
        signed_headers = (params.get("headers") or "").lower().split()
        signed_dates = [name for name in DATE_HEADERS if name in signed_headers]
        if "request-line" not in signed_headers or not signed_dates:
            return _refused(
                HMAC_NOT_VERIFIED,
                "the signed headers must include request-line and date or x-date",
            )
        if not _same(username, self.client_id):
            return _refused(HMAC_NOT_VERIFIED, "unknown client id")
        for name in signed_headers:
            if name != "request-line" and request.header(name) is None:
                shown = name if re.fullmatch(r"[a-z0-9-]{1,64}", name) else "a signed header"
                return _refused(HMAC_NOT_VERIFIED, f"signed header {shown} is missing")
        stale = self._stale_date(request, signed_dates)
        if stale is not None:
            return stale
        parts = []
        for name in signed_headers:
            if name == "request-line":
                parts.append(f"{request.method} {request.raw_path} HTTP/1.1")
            else:
                parts.append(f"{name}: {request.header(name)}")
        expected = base64.b64encode(
            hmac.new(
                self.client_secret.encode(), "\n".join(parts).encode(), hashlib.sha256
            ).digest()
        ).decode()
        if not _same(expected, signature):
            return _refused(HMAC_NO_MATCH)
        digest = request.header("digest")
        if digest is not None:
            algorithm, _, value = digest.partition("=")
            computed = base64.b64encode(hashlib.sha256(request.body).digest()).decode()
            if algorithm.strip().upper() != "SHA-256" or not _same(value.strip(), computed):
                return _refused(HMAC_NO_MATCH, "the Digest header does not match the body")
        return Authenticated(credential=f"hmac:{self.client_id}")

    def _stale_date(self, request: Request, signed_dates: list[str]) -> Authenticated | None:
        """J-2: every signed date must parse and lie within the clock skew."""
        for name in signed_dates:
            try:
                sent_at = parsedate_to_datetime(request.header(name) or "")
            except (TypeError, ValueError):
                sent_at = None
            if sent_at is None or sent_at.tzinfo is None:
                return _refused(
                    HMAC_NOT_VERIFIED,
                    "a valid date or x-date header is required for HMAC Authentication",
                )
            if abs(sent_at.timestamp() - self.clock()) > CLOCK_SKEW_SECONDS:
                return _refused(
                    HMAC_NOT_VERIFIED,
                    f"the {name} header is more than {CLOCK_SKEW_SECONDS} seconds "
                    "off the server clock",
                )
        return None
