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
from journal_pipeline.jurnal.errors import (
    JurnalDuplicateError,
    JurnalQuotaExhausted,
    JurnalValidationError,
)
from journal_pipeline.jurnal.idempotent import MAX_BATCH_SIZE, ItemResult, Lookup, LostLookup
from journal_pipeline.jurnal.master_data import MasterData
from journal_pipeline.jurnal.rate_limit import RateLimiter
from journal_pipeline.jurnal.rate_limit_sql import SqlRateLimiter
from journal_pipeline.jurnal.resources import ResourceSpec, spec_for
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
    #: Reference lists shared with the other clients of a many-day command
    #: (`journal_pipeline.jurnal.master_data`); None: every list is read from Jurnal.
    master_data: MasterData | None = None

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

    # --- reference lists, shared while `master_data` is set -------------------------------

    def _listed(self, resource: str, fetch: Any) -> list[dict[str, Any]]:
        if self.master_data is None:
            return list(fetch())
        return self.master_data.listing(resource, fetch)

    def list_accounts(self) -> list[dict[str, Any]]:
        return self._listed("accounts", super().list_accounts)

    def list_warehouses(self) -> list[dict[str, Any]]:
        return self._listed("warehouses", super().list_warehouses)

    def list_products(self) -> list[dict[str, Any]]:
        return self._listed("products", super().list_products)

    def list_taxes(self) -> list[dict[str, Any]]:
        return self._listed("taxes", super().list_taxes)

    def list_customers(self) -> list[dict[str, Any]]:
        return self._listed("customers", super().list_customers)

    # --- writes: what they create is learnt, what Jurnal refuses drops the lists ---------

    def create(
        self,
        resource: str,
        root_key: str | None,
        body: Mapping[str, Any],
        *,
        lookup: Lookup | None = None,
        lookup_if_lost: LostLookup | None = None,
    ) -> dict[str, Any]:
        record = super().create(
            resource, root_key, body, lookup=lookup, lookup_if_lost=lookup_if_lost
        )
        self._learn(spec_for(resource, root_key).path, [record], [body])
        return record

    def create_product(self, product: Mapping[str, Any]) -> dict[str, Any]:
        record = super().create_product(product)
        self._learn("products", [record], [product])
        return record

    def batch_create(
        self,
        resource: str,
        root_key: str | None,
        items: list[Mapping[str, Any]],
        *,
        resolve_duplicates: bool = True,
    ) -> list[ItemResult]:
        results = super().batch_create(
            resource, root_key, items, resolve_duplicates=resolve_duplicates
        )
        made = [r for r in results if r.record is not None]
        self._learn(
            spec_for(resource, root_key).path,
            [r.record for r in made if r.record is not None],
            [items[r.index] for r in made],
        )
        return results

    def _batch_post(
        self, spec: ResourceSpec, items: list[Mapping[str, Any]], *, offset: int
    ) -> list[ItemResult]:
        results = super()._batch_post(spec, items, offset=offset)
        # an answer that does not say what became of an item (J-45) says nothing of the lists
        if self.master_data is not None and any(
            r.record is None and not r.duplicate and not r.unknown for r in results
        ):
            self.master_data.forget()
        return results

    def update_product(self, product_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
        record = super().update_product(product_id, body)
        self._learn("products", [record], [{**body, "id": product_id}])
        return record

    def update_customer(self, customer_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
        record = super().update_customer(customer_id, body)
        self._learn("customers", [record], [{**body, "id": customer_id}])
        return record

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return super()._request(method, path, params=params, body=body)
        except JurnalValidationError as exc:
            # a refused write may name master data Jurnal does not have (any more): read the
            # lists again; a duplicate is the record already there, a quota refusal says
            # nothing of the lists
            kept = isinstance(exc, JurnalDuplicateError | JurnalQuotaExhausted)
            if method != "GET" and self.master_data is not None and not kept:
                self.master_data.forget()
            raise

    def _learn(
        self,
        resource: str,
        records: list[Mapping[str, Any]],
        sent: list[Mapping[str, Any]],
    ) -> None:
        if self.master_data is not None and records:
            self.master_data.learn(resource, records, sent)

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
