"""HTTP client of the Mekari Jurnal public API.

Configured by environment variables (constructor arguments override them):

- ``JURNAL_BASE_URL``       default ``https://api.mekari.com/public/jurnal/api/v1``;
- ``JURNAL_CLIENT_ID`` + ``JURNAL_CLIENT_SECRET``  MAG HMAC credentials (preferred), or
- ``JURNAL_API_KEY``        the legacy per-company ``apikey``.

The client retries what is worth retrying (5xx, timeouts, connection errors with exponential
backoff and jitter; 429 after ``Retry-After`` or at the next minute) up to ``max_attempts``
and then raises the typed errors of :mod:`journal_pipeline.jurnal.errors`. Creating a sales
invoice is idempotent: when Jurnal answers that its ``custom_id``/``transaction_no`` is
already used, the existing invoice is looked up and returned.

``calls``, ``latency_seconds``, ``retries`` and ``rate_limited`` count the HTTP traffic for
run metadata (``stats()``). Credentials never appear in an exception, a log line or a repr.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

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


@dataclass(frozen=True)
class JurnalSettings:
    """Where Jurnal is and how to authenticate; secrets are kept out of ``repr``."""

    base_url: str = DEFAULT_BASE_URL
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)

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
    """The outcome of one invoice of a batch: created (``record``) or refused (``errors``)."""

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
        **overrides: Any,
    ) -> JurnalClient:
        return cls(
            JurnalSettings.from_env(env, **overrides), session=session, max_attempts=max_attempts
        )

    def __repr__(self) -> str:
        return (
            f"JurnalClient(base_url={self._base_url!r}, auth={self.settings.auth_mode!r}, "
            f"client_id={self.settings.client_id!r})"
        )

    def close(self) -> None:
        self._session.close()

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
        """Counters for Dagster metadata."""
        return {
            "jurnal_calls": self.calls,
            "jurnal_latency_seconds": round(self.latency_seconds, 3),
            "jurnal_retries": self.retries,
            "jurnal_rate_limited": self.rate_limited,
            "jurnal_duplicates_resolved": self.duplicates_resolved,
        }

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
        """Every record of a paged list resource, page after page."""
        page = 1
        while True:
            data = self.get(resource, {**params, "page": page, "page_size": page_size})
            items = data.get(root_key) or []
            yield from items
            total_pages = data.get("total_pages")
            if total_pages is None or not items or page >= int(total_pages):
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
        """Create up to 100 invoices in one call; one ItemResult per invoice, in order."""
        if len(invoices) > MAX_BATCH_SIZE:
            raise ValueError(f"at most {MAX_BATCH_SIZE} invoices per batch, got {len(invoices)}")
        if not invoices:
            return []
        data = self.post(
            "sales_invoices/batch_create",
            {"sales_invoices": [{"sales_invoice": dict(inv)} for inv in invoices]},
        )
        rows = data.get("sales_invoices") or []
        if len(rows) != len(invoices):
            raise JurnalError(
                f"POST sales_invoices/batch_create: {len(rows)} results for "
                f"{len(invoices)} invoices",
                body=data,
            )
        results = []
        for index, row in enumerate(rows):
            item = row.get("sales_invoice") if isinstance(row, dict) else None
            item = item if isinstance(item, dict) else {}
            status = int(item.get("status") or 0)
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
