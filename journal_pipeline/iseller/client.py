"""HTTP client for iSeller's Public API v2 and the ERP API v3 reads (OAuth 2.0).

Reads: GetStoreInfo, GetOrders, GetProducts, GetTransactions, GetTransactionSummary,
GetOrderSummary, GetRegisterShifts (v2); GetOutlets, GetCustomers, GetTransfer,
InventoryAdjustments (v3). Paged reads go from page 1 while ``has_next_item`` is true
(:meth:`ISellerClient.iter_pages`); ``journal_pipeline.iseller.parse`` turns the answers into
frames.

Configuration comes from the environment (arguments override):

- ``ISELLER_TOKEN_URL``: the OAuth token endpoint (default ``https://isellershop.com/oauth/token``);
- ``ISELLER_RESOURCE_URL``: the store's API base URL; when unset, the ``resource_url`` of the
  token response is used;
- ``ISELLER_CLIENT_ID`` / ``ISELLER_CLIENT_SECRET``: the app credentials;
- ``ISELLER_REFRESH_TOKEN``: when set, tokens are obtained with the ``refresh_token`` grant
  instead of ``client_credentials``.

The token is fetched on first use, kept until it expires and fetched again afterwards; an HTTP
401 triggers one re-authentication and one retry of the call. Server errors, 429s, timeouts
and broken connections are retried with exponential backoff and jitter by the session (every
call here is a read, so POST is retried too). JSON is parsed with ``Decimal`` floats so money
stays exact. Dates are sent in UTC with ``time_zone=0`` (the summaries accept another whole-hour
offset), so every date string returned is UTC.

Credentials never appear in exception text, log lines or reprs.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from journal_pipeline.iseller.errors import (
    REDACTED,
    ISellerApiError,
    ISellerAuthError,
    ISellerConfigError,
    ISellerHttpError,
    redact,
)

logger = logging.getLogger(__name__)

DEFAULT_TOKEN_URL = "https://isellershop.com/oauth/token"
_SENSITIVE_HEADERS = frozenset({"authorization", "cookie"})
_SENSITIVE_FIELDS = frozenset({"client_secret", "refresh_token", "access_token", "code"})
DEFAULT_INCLUDES: tuple[str, ...] = (
    "OrderDetails",
    "Transactions",
    "DiscountDetails",
    "PromotionDetails",
    "TrackInventory",
)
CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 60.0
#: A token is renewed this long before the expiry the token endpoint announced.
TOKEN_EXPIRY_MARGIN_SECONDS = 60.0
PARAM_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"


@dataclass(frozen=True, kw_only=True)
class ISellerSettings:
    token_url: str = DEFAULT_TOKEN_URL
    resource_url: str | None = None
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> ISellerSettings:
        """Settings from ``ISELLER_*`` variables; keyword arguments take precedence."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {
            "token_url": env.get("ISELLER_TOKEN_URL") or DEFAULT_TOKEN_URL,
            "resource_url": env.get("ISELLER_RESOURCE_URL") or None,
            "client_id": env.get("ISELLER_CLIENT_ID") or "",
            "client_secret": env.get("ISELLER_CLIENT_SECRET") or "",
            "refresh_token": env.get("ISELLER_REFRESH_TOKEN") or None,
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


@dataclass
class OrderBatch:
    """Every page of a GetOrders query gathered together."""

    orders: list[dict[str, Any]]
    refunded_orders: list[dict[str, Any]]


def build_session(retry: Retry | None = None) -> requests.Session:
    """A session that retries connection errors and 5xx answers with backoff, POST included."""
    if retry is None:
        retry = Retry(
            total=5,
            connect=3,
            read=3,
            status=3,
            backoff_factor=0.5,
            backoff_max=30,
            backoff_jitter=0.5,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET", "POST"}),
            raise_on_status=False,
            respect_retry_after_header=True,
        )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _utc_param(name: str, value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return value.astimezone(UTC).strftime(PARAM_DATE_FORMAT)


#: The lower bound that means "everything" for filters iSeller requires.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

#: Alternative spellings of list keys seen in iSeller's documents and live answers.
_LIST_KEY_ALIASES = {
    "Outlets": ("Outlets", "outlets"),
    "order_summaries": ("order_summaries", "order_summary"),
    "transaction_summaries": ("transaction_summaries", "transaction_summary"),
}


def _items(payload: Mapping[str, Any], list_key: str) -> list[dict[str, Any]]:
    for key in _LIST_KEY_ALIASES.get(list_key, (list_key,)):
        value = payload.get(key)
        if isinstance(value, list):
            return value
    return []


def _includes_param(includes: Iterable[str]) -> dict[str, str]:
    if isinstance(includes, str):
        includes = [includes]
    names = [i.strip() for i in includes if i.strip()]
    return {"includes": ",".join(names)} if names else {}


def _add_filters(params: dict[str, str], **filters: str | None) -> None:
    """Add the optional filters that were given (iSeller reads an empty one as a value)."""
    params.update({name: value for name, value in filters.items() if value})


def _window_params(
    created_after: datetime | None,
    created_before: datetime | None,
    modified_after: datetime | None,
    modified_before: datetime | None,
    *,
    time_zone: int = 0,
    required: bool = True,
) -> dict[str, str]:
    """``time_zone`` and the bounds given, in that offset; a lower bound is required unless
    ``required`` is False. Bounds must be timezone-aware."""
    if required and created_after is None and modified_after is None:
        raise ValueError(
            "give created_after or modified_after (the client reads windows with a lower bound)"
        )
    offset = timezone(timedelta(hours=time_zone))
    params = {"time_zone": str(time_zone)}
    for name, value in (
        ("created_after", created_after),
        ("created_before", created_before),
        ("modified_after", modified_after),
        ("modified_before", modified_before),
    ):
        if value is not None:
            _utc_param(name, value)  # checks the zone
            params[name] = value.astimezone(offset).strftime(PARAM_DATE_FORMAT)
    return params


class ISellerClient:
    """Reads a store's data from iSeller. Thread-safe; one token shared by all calls.

    `calls` counts HTTP requests (token requests included) and `latency` adds up their
    wall-clock time in seconds, for run metadata.
    """

    def __init__(self, settings: ISellerSettings, session: requests.Session | None = None):
        self.settings = settings
        self._session = session if session is not None else build_session()
        self._lock = threading.RLock()
        self._access_token: str | None = None
        self._token_expires_at = 0.0  # time.monotonic()
        self._refresh_token: str | None = settings.refresh_token
        self._resource_url = settings.resource_url.rstrip("/") if settings.resource_url else None
        self.calls = 0
        self.latency = 0.0  # seconds, all requests together

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        session: requests.Session | None = None,
        **overrides: Any,
    ) -> ISellerClient:
        return cls(ISellerSettings.from_env(env, **overrides), session=session)

    def __repr__(self) -> str:
        return (
            f"ISellerClient(token_url={self.settings.token_url!r}, "
            f"resource_url={self._resource_url!r}, client_id={self.settings.client_id!r})"
        )

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> ISellerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def resource_url(self) -> str | None:
        """The store's API base URL (known once configured or after the first token)."""
        return self._resource_url

    @property
    def latency_seconds(self) -> float:
        return self.latency

    def stats(self) -> dict[str, float | int]:
        return {"iseller_calls": self.calls, "iseller_latency_seconds": round(self.latency, 3)}

    # -- API ----------------------------------------------------------------------------------

    def get_store_info(self) -> dict[str, Any]:
        """The ``store_info`` object: store, active outlets, active payment types."""
        payload = self._call("GetStoreInfo", {})
        return payload["store_info"]

    def iter_orders(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
        includes: Iterable[str] = DEFAULT_INCLUDES,
        page_size: int = 100,
        outlet_id: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The raw order dicts of every page. Bounds are inclusive and must be tz-aware."""
        for payload in self._order_pages(
            created_after=created_after,
            created_before=created_before,
            modified_after=modified_after,
            modified_before=modified_before,
            includes=includes,
            page_size=page_size,
            outlet_id=outlet_id,
        ):
            yield from payload.get("orders") or []

    def get_orders(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
        includes: Iterable[str] = DEFAULT_INCLUDES,
        page_size: int = 100,
        outlet_id: str | None = None,
    ) -> OrderBatch:
        """Every page of GetOrders gathered: the orders and the refunded orders."""
        orders: list[dict[str, Any]] = []
        refunds: list[dict[str, Any]] = []
        seen_refunds: set[str] = set()
        for payload in self._order_pages(
            created_after=created_after,
            created_before=created_before,
            modified_after=modified_after,
            modified_before=modified_before,
            includes=includes,
            page_size=page_size,
            outlet_id=outlet_id,
        ):
            orders.extend(payload.get("orders") or [])
            for refund in payload.get("refunded_orders") or []:
                key = json.dumps(refund, sort_keys=True, default=str)
                if key not in seen_refunds:
                    seen_refunds.add(key)
                    refunds.append(refund)
        return OrderBatch(orders=orders, refunded_orders=refunds)

    def _order_pages(
        self,
        *,
        created_after: datetime | None,
        created_before: datetime | None,
        modified_after: datetime | None,
        modified_before: datetime | None,
        includes: Iterable[str],
        page_size: int,
        outlet_id: str | None,
    ) -> Iterator[dict[str, Any]]:
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        params: dict[str, str] = {"time_zone": "0"}
        for name, value in (
            ("created_after", created_after),
            ("created_before", created_before),
            ("modified_after", modified_after),
            ("modified_before", modified_before),
        ):
            if value is not None:
                params[name] = _utc_param(name, value)
        by_modified = modified_after is not None or modified_before is not None
        params["sort"] = "ModifiedDate" if by_modified else "CreatedDate"
        params["sort_direction"] = "ASC"
        params["page_size"] = str(page_size)
        if isinstance(includes, str):
            includes = [includes]
        include_list = [i.strip() for i in includes if i.strip()]
        if include_list:
            params["includes"] = ",".join(include_list)
        _add_filters(params, outlet_id=outlet_id)
        page = 1  # iSeller pages are 1-based (docs/assumptions/iseller.md)
        while True:
            payload = self._call("GetOrders", {**params, "page": str(page)})
            yield payload
            if not payload.get("has_next_item") or not payload.get("orders"):
                return
            page += 1

    # -- every read endpoint ------------------------------------------------------------------

    def iter_pages(
        self,
        endpoint: str,
        params: Mapping[str, str] | None = None,
        *,
        list_key: str,
        version: str = "v2",
        page_size: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """Every page (the whole answer) of a paged read, from page 1 while ``has_next_item``.

        Stops at a page without items too, so a server that keeps saying ``has_next_item``
        cannot loop forever.
        """
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        base = {**dict(params or {}), "page_size": str(page_size)}
        page = 1
        while True:
            payload = self._call(endpoint, {**base, "page": str(page)}, version=version)
            yield payload
            if not payload.get("has_next_item") or not _items(payload, list_key):
                return
            page += 1

    def iter_items(
        self,
        endpoint: str,
        params: Mapping[str, str] | None = None,
        *,
        list_key: str,
        version: str = "v2",
        page_size: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """The items of every page of a paged read (see :meth:`iter_pages`)."""
        for payload in self.iter_pages(
            endpoint, params, list_key=list_key, version=version, page_size=page_size
        ):
            yield from _items(payload, list_key)

    def get_outlets(self, *, includes: Iterable[str] = ("OutletGroups",)) -> list[dict[str, Any]]:
        """``/api/v3/GetOutlets``: every outlet (list key ``Outlets``; ``outlets`` accepted)."""
        params = _includes_param(includes)
        return list(self.iter_items("GetOutlets", params, list_key="Outlets", version="v3"))

    def get_products(
        self,
        *,
        modified_after: datetime = EPOCH,
        track_inventory: bool = False,
        includes: Iterable[str] = (),
        product_type: str | None = None,
        page_size: int = 500,
    ) -> list[dict[str, Any]]:
        """``/api/v2/GetProducts`` with its required parameters (track_inventory,
        modified_after, page, page_size); every product modified since ``modified_after``."""
        params = {
            "track_inventory": "true" if track_inventory else "false",
            "modified_after": _utc_param("modified_after", modified_after),
            **_includes_param(includes),
        }
        if product_type:
            params["product_type"] = product_type
        return list(
            self.iter_items("GetProducts", params, list_key="products", page_size=page_size)
        )

    def get_transactions(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
        outlet_id: str | None = None,
        includes: Iterable[str] = ("MDR",),
        page_size: int = 100,
    ) -> list[dict[str, Any]]:
        """``/api/v2/GetTransactions``: payments, refunds and voids in a UTC window."""
        params = _window_params(created_after, created_before, modified_after, modified_before)
        params.update(_includes_param(includes))
        _add_filters(params, outlet_id=outlet_id)
        return list(
            self.iter_items("GetTransactions", params, list_key="transactions", page_size=page_size)
        )

    def get_transaction_summary(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        outlet_id: str | None = None,
        time_zone: int = 0,
    ) -> list[dict[str, Any]]:
        """``/api/v2/GetTransactionSummary``: totals per day and gateway (days in
        ``time_zone``, whole hours; bounds are sent in that offset)."""
        params = _window_params(created_after, created_before, None, None, time_zone=time_zone)
        _add_filters(params, outlet_id=outlet_id)
        payload = self._call("GetTransactionSummary", params)
        return _items(payload, "transaction_summaries")

    def get_order_summary(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        outlet_id: str | None = None,
        includes: Iterable[str] = ("TrackInventory",),
        time_zone: int = 0,
    ) -> list[dict[str, Any]]:
        """``/api/v2/GetOrderSummary``: completed orders' money per day (``order_summaries``;
        ``order_summary`` accepted)."""
        params = _window_params(created_after, created_before, None, None, time_zone=time_zone)
        params.update(_includes_param(includes))
        _add_filters(params, outlet_id=outlet_id)
        payload = self._call("GetOrderSummary", params)
        return _items(payload, "order_summaries")

    def get_register_shifts(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
        outlet_id: str | None = None,
        register_id: str | None = None,
        page_size: int = 100,
    ) -> list[dict[str, Any]]:
        """``/api/v2/GetRegisterShifts``: shifts opened (created_*) or changed in a window."""
        params = _window_params(
            created_after, created_before, modified_after, modified_before, required=False
        )
        _add_filters(params, outlet_id=outlet_id, register_id=register_id)
        return list(
            self.iter_items(
                "GetRegisterShifts", params, list_key="register_shifts", page_size=page_size
            )
        )

    def get_customers(
        self,
        *,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
        page_size: int = 100,
    ) -> list[dict[str, Any]]:
        """``/api/v3/GetCustomers``: the customer master (changed in the window, if given)."""
        params = _window_params(None, None, modified_after, modified_before, required=False)
        return list(
            self.iter_items(
                "GetCustomers", params, list_key="customers", version="v3", page_size=page_size
            )
        )

    def get_transfers(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
        status: str | None = None,
        type: str | None = None,
        outlet_id: str | None = None,
        page_size: int = 100,
    ) -> list[dict[str, Any]]:
        """``/api/v3/GetTransfer``: stock transfers between outlets and from suppliers."""
        params = _window_params(
            created_after, created_before, modified_after, modified_before, required=False
        )
        _add_filters(params, status=status, type=type, outlet_id=outlet_id)
        return list(
            self.iter_items(
                "GetTransfer", params, list_key="transfers", version="v3", page_size=page_size
            )
        )

    def get_inventory_adjustments(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
        status: str | None = None,
        outlet_id: str | None = None,
        page_size: int = 100,
    ) -> list[dict[str, Any]]:
        """``/api/v3/InventoryAdjustments``: stock takes (opname) and their differences."""
        params = _window_params(
            created_after, created_before, modified_after, modified_before, required=False
        )
        _add_filters(params, status=status, outlet_id=outlet_id)
        return list(
            self.iter_items(
                "InventoryAdjustments",
                params,
                list_key="inventory_adjustments",
                version="v3",
                page_size=page_size,
            )
        )

    # -- transport ----------------------------------------------------------------------------

    def _secrets(self) -> list[str | None]:
        return [
            self.settings.client_secret,
            self.settings.refresh_token,
            self._refresh_token,
            self._access_token,
        ]

    def _send(
        self,
        url: str,
        *,
        endpoint: str,
        data: Mapping[str, str],
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        started = time.perf_counter()
        try:
            response = self._session.post(
                url,
                data=dict(data),
                headers={"Accept": "application/json", **(headers or {})},
                timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS),
            )
        except requests.RequestException as exc:
            message = redact(f"iSeller {endpoint}: {type(exc).__name__}: {exc}", self._secrets())
            raise ISellerHttpError(message, endpoint=endpoint) from None
        finally:
            elapsed = time.perf_counter() - started
            with self._lock:
                self.calls += 1
                self.latency += elapsed
        if logger.isEnabledFor(logging.DEBUG):
            sent = {
                name: (REDACTED if name.lower() in _SENSITIVE_HEADERS else value)
                for name, value in response.request.headers.items()
            }
            fields = {
                name: (REDACTED if name in _SENSITIVE_FIELDS else value)
                for name, value in data.items()
            }
            logger.debug(
                "iSeller %s -> HTTP %s in %.3fs; fields %s; headers %s",
                endpoint,
                response.status_code,
                elapsed,
                fields,
                sent,
            )
        return response

    def _parse(self, response: requests.Response, endpoint: str) -> dict[str, Any]:
        try:
            payload = json.loads(response.content.decode("utf-8-sig"), parse_float=Decimal)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ISellerHttpError(
                f"iSeller {endpoint} answered HTTP {response.status_code} with a body that is "
                "not JSON",
                endpoint=endpoint,
                status_code=response.status_code,
            ) from None
        if isinstance(payload, list) and len(payload) == 1 and isinstance(payload[0], dict):
            payload = payload[0]  # the document's GetOrders sample wraps the answer in an array
        if not isinstance(payload, dict):
            raise ISellerHttpError(
                f"iSeller {endpoint} answered with a JSON {type(payload).__name__}, not an object",
                endpoint=endpoint,
                status_code=response.status_code,
            )
        return payload

    def _redacted(self, value: Any) -> str | None:
        if value is None:
            return None
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        return redact(text, self._secrets())

    # -- tokens -------------------------------------------------------------------------------

    def _token(self, *, renew_after: str | None = None) -> str:
        """A valid access token; renewed if expired or equal to `renew_after` (refused)."""
        with self._lock:
            current = self._access_token
            if (
                current is not None
                and current != renew_after
                and time.monotonic() < self._token_expires_at
            ):
                return current
            return self._authenticate()

    def _authenticate(self) -> str:
        settings = self.settings
        if self._refresh_token and settings.refresh_token:
            grant = "refresh_token"
            data = {
                "grant_type": grant,
                "refresh_token": self._refresh_token,
                "client_id": settings.client_id,
                "client_secret": settings.client_secret,
            }
        else:
            grant = "client_credentials"
            data = {
                "grant_type": grant,
                "client_id": settings.client_id,
                "client_secret": settings.client_secret,
            }
        self._access_token = None
        response = self._send(settings.token_url, endpoint="oauth/token", data=data)
        if response.status_code != 200:
            error = None
            try:
                body = json.loads(response.content.decode("utf-8-sig"))
                if isinstance(body, dict):
                    error = body.get("error")
            except (UnicodeDecodeError, json.JSONDecodeError):
                pass
            error_text = redact(str(error), self._secrets()) if error else None
            raise ISellerAuthError(
                f"iSeller token request ({grant} grant, client_id {settings.client_id!r}) "
                f"refused: HTTP {response.status_code}"
                + (f", error {error_text!r}" if error_text else ""),
                status_code=response.status_code,
                error=error_text,
            )
        payload = self._parse(response, "oauth/token")
        access_token = payload.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise ISellerAuthError("iSeller token response has no access_token")
        expires_in = float(payload.get("expires_in") or 0)
        self._access_token = access_token
        self._token_expires_at = time.monotonic() + max(
            0.0, expires_in - min(TOKEN_EXPIRY_MARGIN_SECONDS, expires_in / 2)
        )
        refresh_token = payload.get("refresh_token")
        if isinstance(refresh_token, str) and refresh_token:
            self._refresh_token = refresh_token
        if self._resource_url is None:
            resource_url = payload.get("resource_url")
            if not isinstance(resource_url, str) or not resource_url:
                raise ISellerConfigError(
                    "iSeller token response has no resource_url; set ISELLER_RESOURCE_URL"
                )
            self._resource_url = resource_url.rstrip("/")
        logger.info(
            "iSeller access token obtained (%s grant, expires in %ss, resource %s)",
            grant,
            int(expires_in),
            self._resource_url,
        )
        return access_token

    # -- calls --------------------------------------------------------------------------------

    def _call(
        self, endpoint: str, data: Mapping[str, str], *, version: str = "v2"
    ) -> dict[str, Any]:
        refused: str | None = None
        for attempt in (1, 2):
            token = self._token(renew_after=refused)
            url = f"{self._resource_url}/api/{version}/{endpoint}"
            response = self._send(
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
        if response.status_code != 200:
            raise ISellerHttpError(
                f"iSeller {endpoint} answered HTTP {response.status_code}",
                endpoint=endpoint,
                status_code=response.status_code,
            )
        payload = self._parse(response, endpoint)
        if payload.get("status") is not True:
            raise ISellerApiError(
                self._redacted(payload.get("error_message")),
                self._redacted(payload.get("error_detail")),
                endpoint,
            )
        return payload
