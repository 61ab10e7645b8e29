"""Where Jurnal is, which credential to use and the rate limits, from ``JURNAL_*`` variables.

- ``JURNAL_CLIENT_ID`` + ``JURNAL_CLIENT_SECRET``  MAG HMAC credentials (preferred), or
- ``JURNAL_API_KEY``        the legacy per-company ``apikey``, or
- ``JURNAL_ACCESS_TOKEN``   a legacy partner (OAuth app) access token, sent as a bearer token;
- ``JURNAL_BASE_URL``       default: where the credential's flavour is served (the gateway's
  ``https://api.mekari.com/public/jurnal/api/v1`` for HMAC, ``https://api.jurnal.id/core/api/v1``
  for an API key, ``https://api.jurnal.id/partner/core/api/v1`` for a partner token);
- ``JURNAL_RATE_LIMIT_PER_MINUTE``/``_PER_HOUR``/``_MARGIN``/``_WINDOW_SCALE`` for the limiter.

Kept apart from the HTTP code so that the Dagster resource can build and show the settings
without a session. Secrets stay out of ``repr``, and a malformed number names its variable,
never its value. Values are trimmed of surrounding whitespace wherever the settings are built.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from requests.auth import AuthBase

from journal_pipeline.jurnal.auth import JurnalApiKeyAuth, JurnalBearerAuth, JurnalHmacAuth
from journal_pipeline.jurnal.errors import JurnalConfigError
from journal_pipeline.jurnal.rate_limit import (
    DEFAULT_PER_HOUR,
    DEFAULT_PER_MINUTE,
    MemoryRateLimiter,
    RateLimiter,
    credential_key,
)
from journal_pipeline.jurnal.rate_limit_sql import SqlRateLimiter

DEFAULT_BASE_URL = "https://api.mekari.com/public/jurnal/api/v1"
LEGACY_BASE_URL = "https://api.jurnal.id/core/api/v1"
PARTNER_BASE_URL = "https://api.jurnal.id/partner/core/api/v1"
#: Where each credential flavour is served, when JURNAL_BASE_URL does not say.
BASE_URL_BY_MODE = {"hmac": DEFAULT_BASE_URL, "apikey": LEGACY_BASE_URL, "bearer": PARTNER_BASE_URL}
#: The Mekari API Gateway's path: it signs with HMAC and refuses a bearer token.
GATEWAY_PATH = "/public/jurnal/"

ENV_BASE_URL = "JURNAL_BASE_URL"
ENV_CLIENT_ID = "JURNAL_CLIENT_ID"
ENV_CLIENT_SECRET = "JURNAL_CLIENT_SECRET"
ENV_API_KEY = "JURNAL_API_KEY"
ENV_ACCESS_TOKEN = "JURNAL_ACCESS_TOKEN"
ENV_RATE_PER_MINUTE = "JURNAL_RATE_LIMIT_PER_MINUTE"
ENV_RATE_PER_HOUR = "JURNAL_RATE_LIMIT_PER_HOUR"
ENV_RATE_MARGIN = "JURNAL_RATE_LIMIT_MARGIN"
ENV_RATE_WINDOW_SCALE = "JURNAL_RATE_LIMIT_WINDOW_SCALE"


def _trimmed(value: str | None) -> str | None:
    """A setting's text without the spaces and newlines around it; None when nothing is left."""
    return (value or "").strip() or None


def _number(text: str, kind: type) -> Any:
    try:
        return kind(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class JurnalSettings:
    """Where Jurnal is and how to authenticate; secrets are kept out of ``repr``."""

    base_url: str = ""  # empty: the credential flavour's own URL (BASE_URL_BY_MODE)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    rate_limit_per_minute: int = DEFAULT_PER_MINUTE
    rate_limit_per_hour: int = DEFAULT_PER_HOUR
    rate_limit_margin: float = 0.0
    rate_window_scale: float = 1.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> JurnalSettings:
        """Settings from ``env`` (default ``os.environ``); non-None ``overrides`` win."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {
            "base_url": (env.get(ENV_BASE_URL) or "").strip(),
            "client_id": (env.get(ENV_CLIENT_ID) or "").strip() or None,
            "client_secret": (env.get(ENV_CLIENT_SECRET) or "").strip() or None,
            "api_key": (env.get(ENV_API_KEY) or "").strip() or None,
            "access_token": (env.get(ENV_ACCESS_TOKEN) or "").strip() or None,
        }
        for key, name, kind in (
            ("rate_limit_per_minute", ENV_RATE_PER_MINUTE, int),
            ("rate_limit_per_hour", ENV_RATE_PER_HOUR, int),
            ("rate_limit_margin", ENV_RATE_MARGIN, float),
            ("rate_window_scale", ENV_RATE_WINDOW_SCALE, float),
        ):
            text = (env.get(name) or "").strip()
            if text:
                number = _number(text, kind)
                if number is None:  # raised here, so the value is not chained into the error
                    raise JurnalConfigError(f"{name} must be a number")
                values[key] = number
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def __post_init__(self) -> None:
        # however the settings are built (`from_env` for the commands, the run's resource from
        # its EnvVars), a value pasted with a space or a newline around it is the value
        object.__setattr__(self, "base_url", (self.base_url or "").strip())
        for name in ("client_id", "client_secret", "api_key", "access_token"):
            object.__setattr__(self, name, _trimmed(getattr(self, name)))
        if not self.base_url:
            chosen = BASE_URL_BY_MODE.get(self.auth_mode or "", DEFAULT_BASE_URL)
            object.__setattr__(self, "base_url", chosen)

    @property
    def auth_mode(self) -> str | None:
        """``"hmac"`` when the client id and secret are set, else ``"apikey"``, else
        ``"bearer"`` (a partner access token), else None."""
        if self.client_id and self.client_secret:
            return "hmac"
        if self.api_key:
            return "apikey"
        if self.access_token:
            return "bearer"
        return None

    def describe(self) -> str:
        """Which credential goes where, without its secret (for progress lines)."""
        kind = {
            "hmac": f"HMAC client {self.client_id}",
            "apikey": "company API key",
            "bearer": "partner app token",
        }.get(self.auth_mode or "", "no credential")
        return f"{kind} at {self.base_url}"

    def credential_key(self) -> str:
        """The SHA-256 naming this credential in the shared rate-limit state."""
        identity = {"hmac": self.client_id, "apikey": self.api_key}.get(
            self.auth_mode or "", self.access_token
        )
        return credential_key(self.base_url, self.auth_mode, identity)

    def rate_limiter(self, database: Any = None, **kwargs: Any) -> RateLimiter:
        """The limiter of this credential: shared through ``database`` (a SQLAlchemy URL or
        engine, e.g. the staging database), or this process only when ``database`` is None."""
        options: dict[str, Any] = {
            "per_minute": self.rate_limit_per_minute,
            "per_hour": self.rate_limit_per_hour,
            "safety_margin": self.rate_limit_margin,
            "window_scale": self.rate_window_scale,
        }
        options.update(kwargs)
        if database is None:
            return MemoryRateLimiter(**options)
        return SqlRateLimiter(database, self.credential_key(), **options)

    def auth(self) -> AuthBase:
        """The ``requests`` auth that signs (HMAC) or keys (legacy) every request."""
        if self.auth_mode == "hmac":
            assert self.client_id is not None and self.client_secret is not None
            return JurnalHmacAuth(self.client_id, self.client_secret)
        if self.auth_mode == "apikey":
            assert self.api_key is not None
            return JurnalApiKeyAuth(self.api_key)
        if self.auth_mode == "bearer":
            assert self.access_token is not None
            if GATEWAY_PATH in self.base_url:
                raise JurnalConfigError(
                    f"{ENV_ACCESS_TOKEN} is a partner app's token, which the Mekari API "
                    f"Gateway ({self.base_url}) does not take: set {ENV_BASE_URL} to "
                    f"{PARTNER_BASE_URL} (or leave it unset), or use {ENV_CLIENT_ID} and "
                    f"{ENV_CLIENT_SECRET}"
                )
            return JurnalBearerAuth(self.access_token)
        raise JurnalConfigError(
            f"Jurnal credentials missing: set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} "
            f"(Mekari API Gateway HMAC), or {ENV_API_KEY} (legacy API key), or "
            f"{ENV_ACCESS_TOKEN} (legacy partner app token)"
        )
