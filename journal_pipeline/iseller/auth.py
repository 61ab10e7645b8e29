"""The OAuth 2.0 access token of the iSeller client.

The token is fetched on first use (``client_credentials`` grant, or ``refresh_token`` when a
refresh token is configured), kept until shortly before the expiry the token endpoint announced
and fetched again afterwards. A 401 from the API means the server dropped the token early (a
restart, a clock ahead of ours): one new token and one retry of the call, no more, so wrong
credentials fail fast. The token answer also tells the store's API base URL when it is not
configured.

A refresh token the token endpoint answers with in place of the one sent (iSeller rotating
refresh tokens, I-2) is used from then on and kept by the `TokenKeeper` given
(`token_keeper`), so the next process starts from it rather than from ``ISELLER_REFRESH_TOKEN``.
A refresh grant refused with ``invalid_grant`` tries the next of: the token this process
holds, the kept one (read again: another process may have rotated it since), the configured
one; when every one is refused, the :class:`ISellerAuthError` says what to do.

Only a refusal of the credentials is an :class:`ISellerAuthError`: a 401 or 403, or a 400 whose
OAuth ``error`` is ``invalid_client``, ``invalid_grant`` or ``unauthorized_client``. A token
endpoint that fails (5xx, 408, 429, a time-out, a broken connection, an answer that is not
JSON or has no token) is an outage, not wrong credentials: after the session's retries it is an
:class:`ISellerHttpError` saying iSeller is not answering, which the next run retries. Any other
refusal (404, ``unsupported_grant_type``...) is an :class:`ISellerConfigError` naming
``ISELLER_TOKEN_URL``.

Credentials never appear in exception text, log lines or reprs.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping

import requests

from journal_pipeline.iseller.errors import (
    ISellerAuthError,
    ISellerConfigError,
    ISellerHttpError,
    redact,
)
from journal_pipeline.iseller.settings import ISellerSettings
from journal_pipeline.iseller.token_keeper import TokenKeeper, keep_token, kept_token
from journal_pipeline.iseller.transport import Transport, logger

#: A token is renewed this long before the expiry the token endpoint announced.
TOKEN_EXPIRY_MARGIN_SECONDS = 60.0
#: OAuth 2.0 ``error`` codes (RFC 6749 section 5.2) that refuse the client or its grant.
CREDENTIAL_ERRORS = frozenset({"invalid_client", "invalid_grant", "unauthorized_client"})
#: Token endpoint answers that say the server is failing or busy, not that we are wrong.
TRANSIENT_STATUSES = frozenset({408, 429})
TOKEN_ENDPOINT = "oauth/token"


class TokenSource:
    """One access token shared by every call of a client; thread-safe.

    `access_token` and `refresh_token` are exposed for diagnostics and tests: never log them.
    """

    def __init__(
        self, settings: ISellerSettings, transport: Transport, keeper: TokenKeeper | None = None
    ):
        """``keeper``: where a rotated refresh token is kept for later processes."""
        self.settings = settings
        self._transport = transport
        self._keeper = keeper
        self._seen: set[str] = set()  # every refresh token sent or received, for `secrets`
        self._lock = threading.RLock()
        self._access_token: str | None = None
        self._expires_at = 0.0  # time.monotonic()
        self._refresh_token: str | None = settings.refresh_token
        self.resource_url = settings.resource_url.rstrip("/") if settings.resource_url else None

    def __repr__(self) -> str:
        return f"TokenSource(token_url={self.settings.token_url!r})"

    @property
    def access_token(self) -> str | None:
        return self._access_token

    @property
    def refresh_token(self) -> str | None:
        return self._refresh_token

    def secrets(self) -> list[str | None]:
        """Every credential known now, for :func:`~journal_pipeline.iseller.errors.redact`."""
        return [
            self.settings.client_secret,
            self.settings.refresh_token,
            self._refresh_token,
            self._access_token,
            *self._seen,
        ]

    def token(self, *, renew_after: str | None = None) -> str:
        """A valid access token; renewed if expired or equal to `renew_after` (refused)."""
        with self._lock:
            current = self._access_token
            if (
                current is not None
                and current != renew_after
                and time.monotonic() < self._expires_at
            ):
                return current
            return self._authenticate()

    def send(
        self, endpoint: str, data: Mapping[str, str], *, version: str = "v2"
    ) -> requests.Response:
        """POST to ``/api/{version}/{endpoint}`` with the token; on a 401, one new token and
        one retry. A token refused again (401) or a 403 is an :class:`ISellerAuthError`."""
        refused: str | None = None
        for attempt in (1, 2):
            token = self.token(renew_after=refused)
            url = f"{self.resource_url}/api/{version}/{endpoint}"
            response = self._transport.send(
                url, endpoint=endpoint, data=data, headers={"Authorization": f"Bearer {token}"}
            )
            if response.status_code == 401 and attempt == 1:
                logger.info("iSeller %s answered 401; authenticating again", endpoint)
                refused = token
                continue
            if response.status_code in (401, 403):
                raise ISellerAuthError(
                    f"iSeller {endpoint} refused the access token: HTTP {response.status_code}",
                    status_code=response.status_code,
                )
            break
        return response

    def _authenticate(self) -> str:
        settings = self.settings
        client = {"client_id": settings.client_id, "client_secret": settings.client_secret}
        self._access_token = None
        used: str | None = None
        if self._refresh_token and settings.refresh_token:
            grant = "refresh_token"
            response, used = self._refresh(client)
        else:
            grant = "client_credentials"
            response = self._post({"grant_type": grant, **client})
            if response.status_code != 200:
                raise self._refusal(response, grant)
        try:
            payload = self._transport.parse(response, TOKEN_ENDPOINT)
        except ISellerHttpError:
            raise _not_answering(
                "its token endpoint answered HTTP 200 with a body that is not a JSON object", 200
            ) from None
        refresh_token = payload.get("refresh_token")
        if isinstance(refresh_token, str) and refresh_token:
            self._seen.add(refresh_token)
            self._refresh_token = refresh_token
            if used is not None and refresh_token != used:
                self._keep(refresh_token)
        elif used is not None:
            self._refresh_token = used
        access_token = payload.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise _not_answering(
                "its token endpoint answered HTTP 200 without an access_token", 200
            )
        try:
            expires_in = float(payload.get("expires_in") or 0)
        except (TypeError, ValueError):
            expires_in = 0.0  # no usable lifetime: used for this call, fetched again next time
        self._access_token = access_token
        self._expires_at = time.monotonic() + max(
            0.0, expires_in - min(TOKEN_EXPIRY_MARGIN_SECONDS, expires_in / 2)
        )
        if self.resource_url is None:
            resource_url = payload.get("resource_url")
            if not isinstance(resource_url, str) or not resource_url:
                raise ISellerConfigError(
                    "iSeller token response has no resource_url; set ISELLER_RESOURCE_URL"
                )
            self.resource_url = resource_url.rstrip("/")
        logger.info(
            "iSeller access token obtained (%s grant, expires in %ss, resource %s)",
            grant,
            int(expires_in),
            self.resource_url,
        )
        return access_token

    def _post(self, data: Mapping[str, str]) -> requests.Response:
        try:
            return self._transport.send(self.settings.token_url, endpoint=TOKEN_ENDPOINT, data=data)
        except ISellerHttpError as exc:  # a time-out or broken connection, after the retries
            raise _not_answering("its token request failed", None, detail=str(exc)) from None

    def _refresh(self, client: Mapping[str, str]) -> tuple[requests.Response, str]:
        """The 200 answer of the first refresh token iSeller accepts, and that token."""
        refused: ISellerAuthError | None = None
        for candidate in self._refresh_tokens():
            self._seen.add(candidate)
            data = {"grant_type": "refresh_token", "refresh_token": candidate, **client}
            response = self._post(data)
            if response.status_code == 200:
                return response, candidate
            error = self._refusal(response, "refresh_token")
            if not isinstance(error, ISellerAuthError) or error.error != "invalid_grant":
                raise error
            refused = error
        assert refused is not None  # the configured token is always tried
        raise ISellerAuthError(
            f"{refused}: the refresh token was refused. iSeller may have rotated it in an "
            "earlier run (each refresh token good for one use) without the new one being "
            "kept. Authorise the app in iSeller again and set ISELLER_REFRESH_TOKEN to the "
            "new refresh token",
            status_code=refused.status_code,
            error=refused.error,
        )

    def _refresh_tokens(self) -> Iterator[str]:
        """The refresh tokens to try, best first: the one this process holds (rotated here),
        the one kept by an earlier process (read when reached), the configured one."""
        configured = self.settings.refresh_token or ""
        tried: list[str] = []
        held = self._refresh_token
        if held and held != configured:
            tried.append(held)
            yield held
        kept = kept_token(self._keeper, configured)
        if kept and kept not in tried:
            tried.append(kept)
            logger.info("iSeller refresh token: using the one kept from an earlier run (I-2)")
            yield kept
        if configured not in tried:
            yield configured

    def _keep(self, token: str) -> None:
        """Keeps a rotated refresh token for later processes; a failure is logged, not raised
        (this run has its access token; the next may be refused and says so)."""
        if self._keeper is None:
            logger.warning(
                "iSeller returned a new refresh token; it is used by this process only, and "
                "a later one starting from ISELLER_REFRESH_TOKEN may be refused"
            )
            return
        try:
            keep_token(self._keeper, self.settings.refresh_token or "", token)
        except Exception as exc:
            logger.warning(
                "iSeller returned a new refresh token that could not be kept (%s); a later "
                "process starting from ISELLER_REFRESH_TOKEN may be refused",
                redact(f"{type(exc).__name__}: {exc}", self.secrets()),
            )
            return
        logger.info("iSeller returned a new refresh token; kept for the next runs")

    def _refusal(self, response: requests.Response, grant: str) -> Exception:
        """The error of a token request answered with another status than 200: refused
        credentials, an outage, or a token URL that is not an OAuth token endpoint."""
        status = response.status_code
        body, is_json = _json_body(response)
        error = body.get("error") if isinstance(body, dict) else None
        code = redact(str(error), self.secrets()) if error else None
        if status in (401, 403) or (status == 400 and code in CREDENTIAL_ERRORS):
            return ISellerAuthError(
                f"iSeller token request ({grant} grant, client_id {self.settings.client_id!r}) "
                f"refused: HTTP {status}" + (f", error {code!r}" if code else ""),
                status_code=status,
                error=code,
            )
        if status >= 500 or status in TRANSIENT_STATUSES:
            return _not_answering(f"its token endpoint answered HTTP {status}", status)
        if status in (404, 405) or (is_json and code):
            return ISellerConfigError(
                f"iSeller token request ({grant} grant) refused: HTTP {status}"
                + (f", error {code!r}" if code else "")
                + "; check ISELLER_TOKEN_URL (the store's OAuth token endpoint)"
            )
        return _not_answering(
            f"its token endpoint answered HTTP {status} with a body that is not an OAuth error",
            status,
        )


def _json_body(response: requests.Response) -> tuple[object, bool]:
    """The decoded JSON body of an answer and whether it was JSON at all."""
    try:
        return json.loads(response.content.decode("utf-8-sig")), True
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, False


def _not_answering(what: str, status_code: int | None, *, detail: str = "") -> ISellerHttpError:
    """The transient error of a token endpoint that fails: an outage, which the next run
    retries, never a reason to check the credentials. `detail` (already free of credentials)
    comes last, so a shortened message still says what happened."""
    return ISellerHttpError(
        f"iSeller is not answering: {what}; the next run retries"
        + (f" ({detail})" if detail else ""),
        endpoint=TOKEN_ENDPOINT,
        status_code=status_code,
    )
