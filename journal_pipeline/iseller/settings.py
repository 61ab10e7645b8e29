"""Where the iSeller client's configuration comes from: ``ISELLER_*`` variables, overridable.

- ``ISELLER_TOKEN_URL``: the OAuth token endpoint (default ``https://isellershop.com/oauth/token``);
- ``ISELLER_RESOURCE_URL``: the store's API base URL; when unset, the ``resource_url`` of the
  token response is used;
- ``ISELLER_CLIENT_ID`` / ``ISELLER_CLIENT_SECRET``: the app credentials;
- ``ISELLER_REFRESH_TOKEN``: when set, tokens are obtained with the ``refresh_token`` grant
  instead of ``client_credentials``.

The secrets are left out of the repr, so settings can be logged or shown in an error. Values
are trimmed of surrounding whitespace wherever the settings are built.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from journal_pipeline.iseller.errors import ISellerConfigError

DEFAULT_TOKEN_URL = "https://isellershop.com/oauth/token"


@dataclass(frozen=True, kw_only=True)
class ISellerSettings:
    token_url: str = DEFAULT_TOKEN_URL
    resource_url: str | None = None
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> ISellerSettings:
        """Settings from ``ISELLER_*`` variables; keyword arguments take precedence.

        A missing credential is named (never its value) so a misconfigured run fails at once.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {
            "token_url": _trimmed(env.get("ISELLER_TOKEN_URL")) or DEFAULT_TOKEN_URL,
            "resource_url": _trimmed(env.get("ISELLER_RESOURCE_URL")),
            "client_id": _trimmed(env.get("ISELLER_CLIENT_ID")) or "",
            "client_secret": _trimmed(env.get("ISELLER_CLIENT_SECRET")) or "",
            "refresh_token": _trimmed(env.get("ISELLER_REFRESH_TOKEN")),
        }
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown iSeller settings: {', '.join(sorted(unknown))}")
        values.update({k: v for k, v in overrides.items() if v is not None})
        missing = [
            name
            for name, key in (
                ("ISELLER_CLIENT_ID", "client_id"),
                ("ISELLER_CLIENT_SECRET", "client_secret"),
            )
            if not values[key]
        ]
        if missing:
            raise ISellerConfigError(f"iSeller settings missing: {', '.join(missing)}")
        return cls(**values)

    def __post_init__(self) -> None:
        # however the settings are built (`from_env` for the commands, the run's resource from
        # its EnvVars), a value pasted with a space or a newline around it is the value
        object.__setattr__(self, "token_url", _trimmed(self.token_url) or DEFAULT_TOKEN_URL)
        for name in ("resource_url", "refresh_token"):
            object.__setattr__(self, name, _trimmed(getattr(self, name)))
        for name in ("client_id", "client_secret"):
            object.__setattr__(self, name, _trimmed(getattr(self, name)) or "")


def _trimmed(value: str | None) -> str | None:
    """A setting's text without the spaces and newlines around it; None when nothing is left."""
    return (value or "").strip() or None
