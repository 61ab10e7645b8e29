"""A refresh token iSeller rotated, kept for the next process (I-2).

Whether iSeller rotates refresh tokens (the one used is invalid once a new one is returned) is
not documented. When it does, the rotated token must outlive the process: every run starts
from ``ISELLER_REFRESH_TOKEN`` again, which iSeller then refuses. A `TokenKeeper` is where the
client keeps the newest one; ``defs.resources.ISellerResource`` gives one backed by the staging
database. What is kept is the token with a SHA-256 digest of the ``ISELLER_REFRESH_TOKEN`` its
chain started from, never that value itself: the kept token is used only while the variable
still holds that value, so a refresh token an operator sets by hand replaces it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Protocol

from journal_pipeline.iseller.settings import ISellerSettings

#: The staging mark a rotated refresh token is kept under (scope: `keeper_scope`).
REFRESH_TOKEN_MARK = "iseller_refresh_token"


class TokenKeeper(Protocol):
    """Durable storage of one text value, shared by every process of the pipeline."""

    def load(self) -> str | None: ...

    def save(self, value: str) -> None: ...


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def keeper_scope(settings: ISellerSettings) -> str:
    """The app a kept token belongs to: its token URL, store and client id, as one digest."""
    return _digest("\n".join((settings.token_url, settings.resource_url or "", settings.client_id)))


def kept_token(keeper: TokenKeeper | None, configured: str) -> str | None:
    """The refresh token kept for the chain that started from ``configured``; None when there
    is none, or it was rotated from another value (``ISELLER_REFRESH_TOKEN`` set anew)."""
    text = keeper.load() if keeper is not None else None
    try:
        record = json.loads(text) if text else None
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("rotated_from") != _digest(configured):
        return None
    token = record.get("refresh_token")
    return token if isinstance(token, str) and token else None


def keep_token(keeper: TokenKeeper, configured: str, token: str) -> None:
    """Keeps ``token``, the newest refresh token of the chain started from ``configured``."""
    keeper.save(json.dumps({"rotated_from": _digest(configured), "refresh_token": token}))
