"""HTTP client of the Mekari Jurnal public API.

Configured by environment variables (constructor arguments override them):

- ``JURNAL_BASE_URL``       default ``https://api.mekari.com/public/jurnal/api/v1``;
- ``JURNAL_CLIENT_ID`` + ``JURNAL_CLIENT_SECRET``  MAG HMAC credentials (preferred), or
- ``JURNAL_API_KEY``        the legacy per-company ``apikey``.

The client retries what is worth retrying (5xx, timeouts, connection errors with exponential
backoff and jitter; 429 after ``Retry-After`` or at the next minute) up to ``max_attempts``
and then raises the typed errors of :mod:`journal_pipeline.jurnal.errors`. With a
``limiter`` (:mod:`journal_pipeline.jurnal.rate_limit`), every request first takes a slot of
the credential's shared budget (30 a minute, 1,800 an hour), so that every process using the
credential together stays under Jurnal's limit.

Creating is idempotent: every document carries a deterministic ``custom_id`` and/or
``transaction_no``; when Jurnal answers that it is already used (a retry after a lost answer,
a re-run), the existing record is looked up and returned instead of a second copy
(:meth:`JurnalClient.create`, :meth:`JurnalClient.batch_create`, ``create_sales_invoice``).

``calls``, ``latency_seconds``, ``retries``, ``rate_limited``, ``duplicates_resolved`` and
``rate_wait_seconds`` count the traffic for run metadata (``stats()``/``metadata()``).
Credentials never appear in an exception, a log line, a repr or the counters.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from requests.auth import AuthBase

from journal_pipeline.jurnal.auth import JurnalApiKeyAuth, JurnalHmacAuth, redact_headers
from journal_pipeline.jurnal.errors import (
    JurnalConfigError,
    JurnalDuplicateError,
    JurnalError,
    JurnalRateLimited,
    JurnalRetryableError,
    JurnalValidationError,
    duplicated_fields,
    error_from_response,
    is_duplicate,
    parse_validation_body,
)
from journal_pipeline.jurnal.rate_limit import (
    DEFAULT_PER_HOUR,
    DEFAULT_PER_MINUTE,
    MemoryRateLimiter,
    RateLimiter,
    SqlRateLimiter,
    credential_key,
)
from journal_pipeline.jurnal.resources import (
    RESOURCES,
    ResourceSpec,
    same_document,
    spec_for,
)

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.mekari.com/public/jurnal/api/v1"
CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 60.0
MAX_BATCH_SIZE = 100
MAX_PAGE_SIZE = 100
USER_AGENT = "journal-pipeline"

ENV_BASE_URL = "JURNAL_BASE_URL"
ENV_CLIENT_ID = "JURNAL_CLIENT_ID"
ENV_CLIENT_SECRET = "JURNAL_CLIENT_SECRET"
ENV_API_KEY = "JURNAL_API_KEY"
ENV_RATE_PER_MINUTE = "JURNAL_RATE_LIMIT_PER_MINUTE"
ENV_RATE_PER_HOUR = "JURNAL_RATE_LIMIT_PER_HOUR"
ENV_RATE_MARGIN = "JURNAL_RATE_LIMIT_MARGIN"
ENV_RATE_WINDOW_SCALE = "JURNAL_RATE_LIMIT_WINDOW_SCALE"


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _number(text: str, kind: type) -> Any:
    try:
        return kind(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class JurnalSettings:
    """Where Jurnal is and how to authenticate; secrets are kept out of ``repr``."""

    base_url: str = DEFAULT_BASE_URL
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    rate_limit_per_minute: int = DEFAULT_PER_MINUTE
    rate_limit_per_hour: int = DEFAULT_PER_HOUR
    rate_limit_margin: float = 0.0
    rate_window_scale: float = 1.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> JurnalSettings:
        """Settings from ``env`` (default ``os.environ``); non-None ``overrides`` win."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {
            "base_url": (env.get(ENV_BASE_URL) or "").strip() or DEFAULT_BASE_URL,
            "client_id": (env.get(ENV_CLIENT_ID) or "").strip() or None,
            "client_secret": (env.get(ENV_CLIENT_SECRET) or "").strip() or None,
            "api_key": (env.get(ENV_API_KEY) or "").strip() or None,
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

    @property
    def auth_mode(self) -> str | None:
        """``"hmac"`` when the client id and secret are set, else ``"apikey"``, else None."""
        if self.client_id and self.client_secret:
            return "hmac"
        if self.api_key:
            return "apikey"
        return None

    def credential_key(self) -> str:
        """The SHA-256 naming this credential in the shared rate-limit state."""
        identity = self.client_id if self.auth_mode == "hmac" else self.api_key
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
        if self.auth_mode == "hmac":
            assert self.client_id is not None and self.client_secret is not None
            return JurnalHmacAuth(self.client_id, self.client_secret)
        if self.auth_mode == "apikey":
            assert self.api_key is not None
            return JurnalApiKeyAuth(self.api_key)
        raise JurnalConfigError(
            f"Jurnal credentials missing: set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} "
            f"(Mekari API Gateway HMAC), or {ENV_API_KEY} (legacy API key)"
        )


@dataclass(frozen=True)
class ItemResult:
    """The outcome of one item of a batch.

    - created: ``record`` set, ``duplicate`` False;
    - already in Jurnal (a retried or repeated batch): ``duplicate`` True, ``existing_id`` the
      record Jurnal named or found, ``record`` set once looked up (``batch_create``) or None
      (``batch_create_sales_invoices``, or when the record there is another document);
    - refused: ``record`` None, ``errors`` maps each field to Jurnal's messages.
    """

    index: int
    status: int
    record: dict[str, Any] | None
    errors: dict[str, list[str]] | None
    duplicate: bool = False
    existing_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.record is not None


def _json_default(value: object) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")


def _retry_after_seconds(value: str | None, now: float) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


def _shorten(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class JurnalClient:
    """A thin, retrying, idempotent-where-it-matters client of the Jurnal API."""

    def __init__(
        self,
        settings: JurnalSettings,
        session: requests.Session | None = None,
        max_attempts: int = 5,
        *,
        timeout: tuple[float, float] = (CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS),
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        limiter: RateLimiter | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.settings = settings
        self._auth = settings.auth()
        self._base_url = settings.base_url.rstrip("/")
        self._session = session if session is not None else requests.Session()
        self._session.headers.setdefault("User-Agent", USER_AGENT)
        self.max_attempts = max_attempts
        self.timeout = timeout
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._sleep = sleep
        self.limiter = limiter
        self._owns_limiter = False
        #: How many records (newest first) a batch's duplicates are looked for among.
        self.duplicate_scan_limit = 1000
        self.rate_wait_seconds = 0.0
        self.calls = 0
        self.latency_seconds = 0.0
        self.retries = 0
        self.rate_limited = 0
        self.duplicates_resolved = 0

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
        self._session.close()
        if self._owns_limiter and isinstance(self.limiter, SqlRateLimiter):
            self.limiter.close()

    def __enter__(self) -> JurnalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def latency(self) -> float:
        """Total seconds spent waiting for Jurnal (alias of ``latency_seconds``)."""
        return self.latency_seconds

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

    # --- transport -----------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self._request("GET", path, params=params)

    def post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._request("POST", path, body=body)

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self._base_url}/{path.lstrip('/')}"

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        url = self._url(path)
        url_path = urlsplit(url).path
        data = None
        headers = {"Accept": "application/json"}
        if body is not None:
            data = json.dumps(body, default=_json_default, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
        for attempt in range(1, self.max_attempts + 1):
            error = self._attempt(method, url, url_path, params, data, headers, attempt)
            if not isinstance(error, JurnalError):
                return error
            retryable = isinstance(error, JurnalRetryableError | JurnalRateLimited)
            if not retryable or attempt == self.max_attempts:
                raise error
            delay = self._delay(error, attempt)
            self.retries += 1
            logger.info(
                "Jurnal %s %s: %s; retrying in %.1fs (attempt %d of %d)",
                method,
                url_path,
                type(error).__name__,
                delay,
                attempt + 1,
                self.max_attempts,
            )
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self,
        method: str,
        url: str,
        url_path: str,
        params: Mapping[str, Any] | None,
        data: bytes | None,
        headers: dict[str, str],
        attempt: int,
    ) -> Any:
        """The decoded body of a 2xx answer, or the JurnalError to act on."""
        slot = self.limiter.acquire() if self.limiter is not None else None
        if slot is not None:
            self.rate_wait_seconds += slot.waited
        started = time.monotonic()
        try:
            response = self._session.request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                auth=self._auth,
                timeout=self.timeout,
            )
        except requests.Timeout as exc:
            return JurnalRetryableError(
                f"{method} {url_path}: timed out ({type(exc).__name__})",
                method=method,
                path=url_path,
            )
        except requests.RequestException as exc:
            return JurnalRetryableError(
                f"{method} {url_path}: connection failed ({type(exc).__name__}: "
                f"{_shorten(str(exc))})",
                method=method,
                path=url_path,
            )
        finally:
            elapsed = time.monotonic() - started
            self.calls += 1
            self.latency_seconds += elapsed
            if slot is not None:
                assert self.limiter is not None
                self.limiter.release(slot)
        if self.limiter is not None:
            self.limiter.observe(response.status_code, response.headers)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "Jurnal %s %s -> %s in %.3fs (attempt %d) request headers %s",
                method,
                response.request.path_url,
                response.status_code,
                elapsed,
                attempt,
                redact_headers(response.request.headers),
            )
        try:
            decoded: Any = response.json() if response.content else None
        except ValueError:
            decoded = response.text
        if 200 <= response.status_code < 300:
            return decoded if decoded is not None else {}
        retry_after = None
        if response.status_code == 429:
            self.rate_limited += 1
            retry_after = _retry_after_seconds(response.headers.get("Retry-After"), time.time())
        return error_from_response(
            response.status_code,
            decoded,
            method=method,
            path=url_path,
            retry_after=retry_after,
        )

    def _delay(self, error: JurnalError, attempt: int) -> float:
        if isinstance(error, JurnalRateLimited) and self.limiter is not None:
            return 0.0  # the limiter holds every client of the credential until Jurnal resets
        if isinstance(error, JurnalRateLimited):
            # Without Retry-After, wait for the per-minute window to reset.
            wait = error.retry_after
            if wait is None:
                wait = 60.0 - (time.time() % 60.0)
            return wait + random.uniform(0.0, 0.1 * max(wait, 1.0))
        backoff = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return backoff * random.uniform(0.5, 1.5)

    # --- lists ---------------------------------------------------------------------------

    def iter_list(
        self, resource: str, root_key: str, page_size: int = MAX_PAGE_SIZE, **params: Any
    ) -> Iterator[dict[str, Any]]:
        """Every record of a paged list resource, page after page.

        Follows ``total_pages``; without it, goes on while ``links.next_link`` is given or a
        page comes back full. An empty page always ends the list.
        """
        page = 1
        while True:
            data = self.get(resource, {**params, "page": page, "page_size": page_size})
            items = data.get(root_key) or []
            yield from items
            if not items:
                return
            total_pages = data.get("total_pages")
            if total_pages is not None:
                if page >= int(total_pages):
                    return
            elif not (data.get("links") or {}).get("next_link") and len(items) < page_size:
                return
            page += 1

    def list_accounts(self) -> list[dict[str, Any]]:
        return list(self.get("accounts").get("accounts") or [])

    def list_warehouses(self) -> list[dict[str, Any]]:
        return list(self.iter_list("warehouses", "warehouses"))

    def list_products(self) -> list[dict[str, Any]]:
        return list(self.iter_list("products", "products"))

    def list_taxes(self) -> list[dict[str, Any]]:
        return list(self.iter_list("taxes", "company_taxes"))

    # --- products ------------------------------------------------------------------------

    def find_product(
        self, *, product_code: str | None = None, name: str | None = None
    ) -> dict[str, Any] | None:
        """A product by code (exact, then case-insensitive) or by name (case-insensitive)."""
        if product_code is None and name is None:
            raise ValueError("give product_code or name")
        products = self.list_products()
        if product_code is not None:
            for product in products:
                if str(product.get("product_code") or "") == product_code:
                    return product
            for product in products:
                if str(product.get("product_code") or "").casefold() == product_code.casefold():
                    return product
            return None
        assert name is not None
        wanted = " ".join(name.split()).casefold()
        for product in products:
            if " ".join(str(product.get("name") or "").split()).casefold() == wanted:
                return product
        return None

    def create_product(self, product: Mapping[str, Any]) -> dict[str, Any]:
        """Create a product; if its ``product_code`` is taken, return the existing product."""
        try:
            return self.post("products", {"product": dict(product)})["product"]
        except JurnalValidationError as exc:
            code = product.get("product_code")
            if not code or "product_code" not in duplicated_fields(exc.fields):
                raise
            existing = self.find_product(product_code=str(code))
            if existing is None:
                raise
            self.duplicates_resolved += 1
            return existing

    # --- sales invoices ------------------------------------------------------------------

    def get_sales_invoice(self, invoice_id: int) -> dict[str, Any] | None:
        """The invoice with this id, or None when Jurnal does not know it."""
        try:
            return self.get(f"sales_invoices/{int(invoice_id)}")["sales_invoice"]
        except JurnalValidationError as exc:
            if exc.status in (404, 422):
                return None
            raise
        except JurnalError as exc:
            if exc.status == 404:
                return None
            raise

    def find_sales_invoice(
        self,
        *,
        custom_id: str | None = None,
        transaction_no: str | None = None,
        max_pages: int | None = None,
    ) -> dict[str, Any] | None:
        """The newest invoice matching every given key, scanning the list newest first."""
        if custom_id is None and transaction_no is None:
            raise ValueError("give custom_id or transaction_no")

        def matches(invoice: Mapping[str, Any]) -> bool:
            if custom_id is not None and str(invoice.get("custom_id") or "") != str(custom_id):
                return False
            return transaction_no is None or str(invoice.get("transaction_no") or "") == str(
                transaction_no
            )

        invoices = self.iter_list(
            "sales_invoices", "sales_invoices", sort_key="created_at", sort_order="desc"
        )
        for seen, invoice in enumerate(invoices, start=1):
            if matches(invoice):
                return invoice
            if max_pages is not None and seen >= max_pages * MAX_PAGE_SIZE:
                break
        return None

    def _existing_invoice(
        self, invoice: Mapping[str, Any], existing_id: int | None
    ) -> dict[str, Any] | None:
        """The already-created invoice this request duplicates, if it really is the same one."""
        custom_id = invoice.get("custom_id")
        transaction_no = invoice.get("transaction_no")
        candidate = self.get_sales_invoice(existing_id) if existing_id is not None else None
        if custom_id:
            if candidate is None or str(candidate.get("custom_id") or "") != str(custom_id):
                candidate = self.find_sales_invoice(custom_id=str(custom_id))
            return candidate
        if transaction_no:
            if candidate is None or str(candidate.get("transaction_no") or "") != str(
                transaction_no
            ):
                candidate = self.find_sales_invoice(transaction_no=str(transaction_no))
            return candidate
        return None

    def create_sales_invoice(self, invoice: Mapping[str, Any]) -> dict[str, Any]:
        """Create an invoice, idempotently.

        When Jurnal says the ``custom_id`` (or, without one, the ``transaction_no``) is
        already used, the existing invoice is returned instead. A ``transaction_no`` taken by
        an invoice with a different ``custom_id`` is a real conflict and raises
        :class:`JurnalDuplicateError`.
        """
        try:
            return self.post("sales_invoices", {"sales_invoice": dict(invoice)})["sales_invoice"]
        except JurnalDuplicateError as exc:
            existing = self._existing_invoice(invoice, exc.existing_id)
            if existing is None:
                raise
            self.duplicates_resolved += 1
            return existing

    def batch_create_sales_invoices(self, invoices: list[Mapping[str, Any]]) -> list[ItemResult]:
        """Create up to 100 invoices in one call; one ItemResult per invoice, in order.

        Duplicates are reported (``duplicate``, ``existing_id``), not looked up: the outbox
        checks them against its own records. :meth:`batch_create` resolves them instead.
        """
        if len(invoices) > MAX_BATCH_SIZE:
            raise ValueError(f"at most {MAX_BATCH_SIZE} invoices per batch, got {len(invoices)}")
        if not invoices:
            return []
        return self._batch_post(spec_for("sales_invoices"), list(invoices), offset=0)

    # --- any resource: idempotent create, batches, look-ups ------------------------------

    def batch_create(
        self,
        resource: str,
        root_key: str | None,
        items: list[Mapping[str, Any]],
        *,
        resolve_duplicates: bool = True,
    ) -> list[ItemResult]:
        """Create ``items`` through ``POST <resource>/batch_create``, 100 per call.

        One :class:`ItemResult` per item, in order. An item Jurnal refuses as already existing
        (a retried batch whose first answer was lost, a re-run) is looked up by its identity
        (``custom_id``, else ``transaction_no``; products by ``product_code``) and returned as
        ``record`` with ``duplicate=True``; when the existing record is a different document
        (the same ``transaction_no`` under another ``custom_id``), ``record`` stays None.
        """
        spec = spec_for(resource, root_key)
        results: list[ItemResult] = []
        for start in range(0, len(items), MAX_BATCH_SIZE):
            chunk = list(items[start : start + MAX_BATCH_SIZE])
            chunk_results = self._batch_post(spec, chunk, offset=start)
            if resolve_duplicates:
                chunk_results = self._resolve_duplicates(spec, chunk, chunk_results, start)
            results.extend(chunk_results)
        return results

    def batch_create_receive_payments(self, items: list[Mapping[str, Any]]) -> list[ItemResult]:
        return self.batch_create("receive_payments", "receive_payment", items)

    def batch_create_journal_entries(self, items: list[Mapping[str, Any]]) -> list[ItemResult]:
        return self.batch_create("journal_entries", "journal_entry", items)

    def batch_create_products(self, items: list[Mapping[str, Any]]) -> list[ItemResult]:
        return self.batch_create("products", "product", items)

    def batch_create_customers(self, items: list[Mapping[str, Any]]) -> list[ItemResult]:
        return self.batch_create("customers", "customer", items)

    def create(
        self,
        resource: str,
        root_key: str | None,
        body: Mapping[str, Any],
        *,
        lookup: Callable[[Mapping[str, Any], int | None], dict[str, Any] | None] | None = None,
    ) -> dict[str, Any]:
        """Create one record idempotently and return it.

        On a duplicate answer (including the retry of a request whose answer was lost),
        ``lookup(body, existing_id)`` (default: by the identity of the resource) finds the
        record already there, which is returned instead; no lookup result raises the
        :class:`JurnalDuplicateError`.
        """
        spec = spec_for(resource, root_key)
        try:
            data = self.post(spec.path, {spec.root: dict(body)})
        except JurnalDuplicateError as exc:
            finder = lookup or (
                lambda b, existing_id: self.existing_record(spec.path, b, existing_id)
            )
            existing = finder(body, exc.existing_id)
            if existing is None:
                raise
            self.duplicates_resolved += 1
            return existing
        record = spec.unwrap(data)
        if record is None:
            raise JurnalError(f"POST {spec.path}: answer without {spec.root!r}", body=data)
        return record

    def create_receive_payment(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.create("receive_payments", "receive_payment", body)

    def create_journal_entry(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.create("journal_entries", "journal_entry", body)

    def create_customer(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.create("customers", "customer", body)

    def create_stock_adjustment(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.create(
            "stock_adjustments",
            "stock_adjustment",
            body,
            lookup=lambda b, existing_id: self._existing_stock_adjustment(b, existing_id),
        )

    def get_record(self, resource: str, record_id: int) -> dict[str, Any] | None:
        """``GET <resource>/<id>``, or None when Jurnal does not know the id (404/422)."""
        spec = spec_for(resource, None if resource in RESOURCES else "record")
        try:
            data = self.get(f"{spec.path}/{int(record_id)}")
        except JurnalError as exc:
            if exc.status in (404, 422):
                return None
            raise
        return spec.unwrap(data) if spec.root != "record" else data

    def iter_newest_first(self, resource: str, list_key: str | None = None) -> Iterator[dict]:
        """Every record of a list, newest first (sorted by Jurnal when it can, else by
        reading the id-ordered pages from the last one)."""
        spec = spec_for(resource, None if resource in RESOURCES else "record")
        key = list_key or spec.path
        if spec.newest_first:
            yield from self.iter_list(spec.path, key, **spec.newest_first)
            return
        first = self.get(spec.path, {"page": 1, "page_size": MAX_PAGE_SIZE})
        total_pages = int(first.get("total_pages") or 1)
        for page in range(total_pages, 1, -1):
            data = self.get(spec.path, {"page": page, "page_size": MAX_PAGE_SIZE})
            yield from reversed(data.get(key) or [])
        yield from reversed(first.get(key) or [])

    def find(
        self, resource: str, *, max_records: int | None = None, **match: Any
    ) -> dict[str, Any] | None:
        """The newest record whose fields equal every ``match`` value (compared as text)."""
        wanted = {k: str(v) for k, v in match.items() if v is not None}
        if not wanted:
            raise ValueError("give at least one field to match")
        for seen, record in enumerate(self.iter_newest_first(resource), start=1):
            if all(str(record.get(k)) == v for k, v in wanted.items()):
                return record
            if max_records is not None and seen >= max_records:
                break
        return None

    def find_receive_payment(
        self, *, custom_id: str | None = None, transaction_no: str | None = None
    ) -> dict[str, Any] | None:
        return self.find("receive_payments", custom_id=custom_id, transaction_no=transaction_no)

    def find_journal_entry(
        self, *, custom_id: str | None = None, transaction_no: str | None = None
    ) -> dict[str, Any] | None:
        return self.find("journal_entries", custom_id=custom_id, transaction_no=transaction_no)

    def find_customer(
        self, *, custom_id: str | None = None, display_name: str | None = None
    ) -> dict[str, Any] | None:
        return self.find("customers", custom_id=custom_id, display_name=display_name)

    def find_stock_adjustment(
        self, transaction_no: str, transaction_type: str = "adjustment"
    ) -> dict[str, Any] | None:
        """The documented look-up by number (``transaction_type`` adjustment or movement)."""
        if transaction_type not in ("adjustment", "movement"):
            raise ValueError("transaction_type is 'adjustment' or 'movement'")
        try:
            data = self.get(
                f"stock_adjustments/{quote(str(transaction_no), safe='')}",
                {"search_by": "transaction_no", "transaction_type": transaction_type},
            )
        except JurnalError as exc:
            if exc.status in (404, 422):
                return None
            raise
        return spec_for("stock_adjustments").unwrap(data)

    def existing_record(
        self, resource: str, body: Mapping[str, Any], existing_id: int | None = None
    ) -> dict[str, Any] | None:
        """The record already in Jurnal that *is* the document ``body`` describes, or None."""
        spec = spec_for(resource, None if resource in RESOURCES else "record")
        identity = spec.identity(body)
        if identity is None:
            return None
        if existing_id is not None:
            candidate = self.get_record(spec.path, existing_id)
            if candidate is not None and same_document(spec, body, candidate):
                return candidate
        key, value = identity
        if spec.path == "sales_invoices":
            return self.find_sales_invoice(**{key: value})
        if spec.path == "products" and key == "product_code":
            return self.find_product(product_code=value)
        if spec.path == "stock_adjustments" and key == "transaction_no":
            return self._existing_stock_adjustment(body, None)
        return self.find(spec.path, **{key: value})

    def _existing_stock_adjustment(
        self, body: Mapping[str, Any], existing_id: int | None
    ) -> dict[str, Any] | None:
        spec = spec_for("stock_adjustments")
        if existing_id is not None:
            candidate = self.get_record(spec.path, existing_id)
            if candidate is not None and same_document(spec, body, candidate):
                return candidate
        number = body.get("transaction_no")
        if number:
            # a stock count (maintain_actual) is an "adjustment", stock in/out a "movement"
            kind = "adjustment" if _truthy(body.get("maintain_actual")) else "movement"
            found = self.find_stock_adjustment(str(number), kind)
            if found is not None and same_document(spec, body, found):
                return found
        identity = spec.identity(body)
        if identity is not None and identity[0] == "custom_id":
            return self.find(spec.path, custom_id=identity[1])
        return None

    def _batch_post(
        self, spec: ResourceSpec, items: list[Mapping[str, Any]], *, offset: int
    ) -> list[ItemResult]:
        if not items:
            return []
        path = f"{spec.path}/batch_create"
        data = self.post(path, {spec.path: [{spec.root: dict(item)} for item in items]})
        rows = data.get(spec.path) if isinstance(data, dict) else None
        rows = rows if isinstance(rows, list) else []
        if len(rows) != len(items):
            raise JurnalError(f"POST {path}: {len(rows)} results for {len(items)} items", body=data)
        results = []
        for index, row in enumerate(rows, start=offset):
            item = row.get(spec.root) if isinstance(row, dict) else None
            item = item if isinstance(item, dict) else {}
            try:
                status = int(item.get("status") or 0)
            except (TypeError, ValueError):
                status = 0
            content = item.get("content")
            if 200 <= status < 300 and isinstance(content, dict) and content.get("id") is not None:
                results.append(ItemResult(index, status, content, None))
                continue
            fields, full, record_id = parse_validation_body(content)
            errors = fields or {"error": full or [f"HTTP {status}"]}
            duplicate = is_duplicate(fields)
            results.append(
                ItemResult(index, status, None, errors, duplicate, record_id if duplicate else None)
            )
        return results

    def _resolve_duplicates(
        self,
        spec: ResourceSpec,
        items: list[Mapping[str, Any]],
        results: list[ItemResult],
        offset: int,
    ) -> list[ItemResult]:
        """Replace each duplicate result by the existing record, when it is the same document.

        Reads the list newest first once for all of them (a lost batch is the newest records),
        then falls back to the ids Jurnal named.
        """
        pending = {
            r.index: items[r.index - offset]
            for r in results
            if r.duplicate and r.record is None and spec.identity(items[r.index - offset])
        }
        if not pending:
            return results
        found: dict[int, dict[str, Any]] = {}
        wanted = {index: spec.identity(body) for index, body in pending.items()}
        by_identity: dict[tuple[str, str], list[int]] = {}
        for index, identity in wanted.items():
            assert identity is not None
            by_identity.setdefault(identity, []).append(index)
        named = {r.index: r.existing_id for r in results if r.index in pending and r.existing_id}
        read: set[int] = set()

        def read_named(indexes: Iterable[int]) -> None:
            for index in indexes:
                if index in found or index not in named or index in read:
                    continue
                read.add(index)
                record = self.get_record(spec.path, int(named[index]))  # type: ignore[arg-type]
                if record is not None and same_document(spec, pending[index], record):
                    found[index] = record

        if len(named) <= 2:  # reading them directly is cheaper than a list page
            read_named(list(named))
        remaining = {wanted[i] for i in pending if i not in found}
        if remaining:
            keys = {identity[0] for identity in remaining if identity is not None}
            for seen, record in enumerate(self.iter_newest_first(spec.path), start=1):
                for key in keys:
                    value = record.get(key)
                    if value is None and key == "product_code":
                        value = record.get("code")
                    identity = (key, str(value)) if value is not None else None
                    if identity in remaining:
                        for index in by_identity[identity]:
                            found.setdefault(index, record)
                        remaining.discard(identity)
                if not remaining or seen >= self.duplicate_scan_limit:
                    break
        read_named([i for i in pending if i not in found])
        resolved = []
        for result in results:
            record = found.get(result.index)
            if record is None:
                resolved.append(result)
                continue
            self.duplicates_resolved += 1
            existing_id = record.get("id")
            resolved.append(
                ItemResult(
                    result.index,
                    result.status,
                    record,
                    result.errors,
                    True,
                    int(existing_id) if existing_id is not None else result.existing_id,
                )
            )
        return resolved
