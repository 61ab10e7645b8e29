"""One iSeller access token per credential for the whole process.

Every step of every run makes its own `ISellerClient` (`defs.resources.ISellerResource`): with
a token of its own each, a backfill asked iSeller for a new token several times a day it ran.
`SharedTokenSource` keeps the token (and a refresh token iSeller rotated) per token URL and
credential in this process's memory, for every client made with the same settings, until the
expiry iSeller announced; a token the API refuses (401) is replaced for all of them. Access
tokens are not written anywhere: another process asks for its own. A rotated refresh token is
also given to the `TokenKeeper` of the client that received it (`auth`, `token_keeper`), so
another process starts from it.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from journal_pipeline.iseller.auth import TokenSource
from journal_pipeline.iseller.settings import ISellerSettings

Key = tuple[str, str, str, str, str]


@dataclass(frozen=True)
class _Held:
    access_token: str | None
    expires_at: float  # time.monotonic()
    refresh_token: str | None
    resource_url: str | None


_held: dict[Key, _Held] = {}
# One token request at a time in the process: a rotated refresh token is good for one use.
_lock = threading.Lock()


def _digest(value: str | None) -> str:
    return hashlib.sha256((value or "").encode()).hexdigest()


def _key(settings: ISellerSettings) -> Key:
    """The credential a token belongs to; secrets only as digests."""
    return (
        settings.token_url,
        settings.resource_url or "",
        settings.client_id,
        _digest(settings.client_secret),
        _digest(settings.refresh_token),
    )


class SharedTokenSource(TokenSource):
    """A `TokenSource` whose token is shared with the process's other clients of the same
    credential."""

    def token(self, *, renew_after: str | None = None) -> str:
        key = _key(self.settings)
        with _lock:
            held = _held.get(key)
            if held is not None:
                self._access_token = held.access_token
                self._expires_at = held.expires_at
                self._refresh_token = held.refresh_token
                self.resource_url = self.resource_url or held.resource_url
            try:
                token = super().token(renew_after=renew_after)
            except Exception:
                _held.pop(key, None)
                raise
            _held[key] = _Held(
                self._access_token, self._expires_at, self._refresh_token, self.resource_url
            )
            return token


def forget_tokens() -> None:
    """Drops every shared token (the next call of each client asks for a new one)."""
    with _lock:
        _held.clear()
