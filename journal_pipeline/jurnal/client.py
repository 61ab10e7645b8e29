"""The client of the Mekari Jurnal public API: the one object the pipeline uses.

It is assembled from layers, each in its module:

- :mod:`~journal_pipeline.jurnal.settings`: where Jurnal is and the credential (``JURNAL_*``);
- :mod:`~journal_pipeline.jurnal.transport`: HTTP, retries (tenacity), the shared rate limiter
  (:mod:`~journal_pipeline.jurnal.rate_limit`), counters and redacted debug logs;
- :mod:`~journal_pipeline.jurnal.idempotent`: ``create``/``batch_create`` that resolve
  "already used" answers to the existing record, and the look-ups behind them;
- :mod:`~journal_pipeline.jurnal.endpoints`: one thin method per Jurnal call.

This module adds construction from the environment, the lifecycle and the metadata counters
(``calls``, ``latency_seconds``, ``retries``, ``rate_limited``, ``duplicates_resolved``,
``rate_wait_seconds``). Credentials never appear in an exception, a log line, a repr or the
counters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from journal_pipeline.jurnal.endpoints import JurnalEndpoints
from journal_pipeline.jurnal.idempotent import MAX_BATCH_SIZE, ItemResult
from journal_pipeline.jurnal.rate_limit import RateLimiter
from journal_pipeline.jurnal.rate_limit_sql import SqlRateLimiter
from journal_pipeline.jurnal.settings import DEFAULT_BASE_URL, JurnalSettings
from journal_pipeline.jurnal.transport import MAX_PAGE_SIZE

__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_BATCH_SIZE",
    "MAX_PAGE_SIZE",
    "ItemResult",
    "JurnalClient",
    "JurnalSettings",
]


class JurnalClient(JurnalEndpoints):
    """A thin, retrying, idempotent-where-it-matters client of the Jurnal API.

    ``JurnalClient(settings, session=None, max_attempts=5, *, timeout, backoff_base,
    backoff_cap, sleep, limiter)``; with a ``limiter`` every request first takes a slot of the
    credential's shared budget.
    """

    _owns_limiter = False

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        session: requests.Session | None = None,
        max_attempts: int = 5,
        limiter: RateLimiter | None = None,
        staging_url: Any = None,
        client_options: Mapping[str, Any] | None = None,
        **overrides: Any,
    ) -> JurnalClient:
        """A client configured from ``JURNAL_*`` variables (``overrides`` win).

        With ``staging_url`` (a SQLAlchemy URL or engine) and no ``limiter``, requests are
        limited by a :class:`SqlRateLimiter` in that database, shared with every process that
        uses the same credential; the limits come from the settings
        (``JURNAL_RATE_LIMIT_PER_MINUTE``/``_PER_HOUR``/``_MARGIN``/``_WINDOW_SCALE``).
        """
        settings = JurnalSettings.from_env(env, **overrides)
        owned = limiter is None and staging_url is not None
        if owned:
            limiter = settings.rate_limiter(staging_url)
        client = cls(
            settings,
            session=session,
            max_attempts=max_attempts,
            limiter=limiter,
            **dict(client_options or {}),
        )
        client._owns_limiter = owned
        return client

    def __repr__(self) -> str:
        return (
            f"JurnalClient(base_url={self._base_url!r}, auth={self.settings.auth_mode!r}, "
            f"client_id={self.settings.client_id!r})"
        )

    def close(self) -> None:
        """Close the session, and the limiter's database connections when it made them."""
        super().close()
        if self._owns_limiter and isinstance(self.limiter, SqlRateLimiter):
            self.limiter.close()

    def __enter__(self) -> JurnalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stats(self) -> dict[str, float | int]:
        """Counters for Dagster metadata (no credential, token or signature ever)."""
        return {
            "jurnal_calls": self.calls,
            "jurnal_latency_seconds": round(self.latency_seconds, 3),
            "jurnal_retries": self.retries,
            "jurnal_rate_limited": self.rate_limited,
            "jurnal_duplicates_resolved": self.duplicates_resolved,
            "jurnal_rate_wait_seconds": round(self.rate_wait_seconds, 3),
        }

    def metadata(self) -> dict[str, float | int]:
        """The same counters under short names: calls, latency, retries, rate_limited, ..."""
        return {key.removeprefix("jurnal_"): value for key, value in self.stats().items()}
