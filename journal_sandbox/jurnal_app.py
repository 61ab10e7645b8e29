"""A local emulator of the Mekari Jurnal public API (jurnal.id), for development and tests.

It answers real HTTP (see :mod:`journal_sandbox.http`) under the Mekari API Gateway
prefix ``/public/jurnal/api/v1/`` and the legacy ``/core/api/v1/`` and
``/partner/core/api/v1/`` prefixes, authenticates with MAG HMAC-SHA256, a legacy ``apikey``
header or a partner app's access token (:mod:`journal_sandbox.jurnal_gateway_auth`),
rate-limits per credential like the gateway, injects faults on request
(:mod:`journal_sandbox.faults`) and keeps one Indonesian company in SQLite
(:mod:`journal_sandbox.jurnal_store`) with a double-entry ledger and per-warehouse
moving-average stock.

The resources live in small modules mixed into :class:`JurnalSandbox`: catalog (customers,
products), masters (taxes, terms, tags, payment methods, warehouses, accounts), invoices,
payments (receive payments, sales returns), entries (journal entries, bank deposits,
transfers and withdrawals), stock (warehouse transfers, stock adjustments) and reports
(trial balance, profit and loss, general ledger, warehouse stock quantity, bank
statements). Where the public documentation is silent, the choices made are listed in
``docs/assumptions/jurnal.md`` (J-numbers in the comments refer to it).
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from journal_sandbox.faults import FaultInjector
from journal_sandbox.http import Request, Response, Router, SandboxServer
from journal_sandbox.jurnal_catalog import CatalogMixin
from journal_sandbox.jurnal_common import (
    COMPANY_CURRENCY,
    DEFAULT_PAGE_SIZE,
    MAX_BATCH_SIZE,
    MAX_PAGE_SIZE,
    RATE_LIMITED,
    UNPROCESSABLE,
    UPSTREAM_RESET,
    WIB,
    ZERO,
    ApiError,
    iso_timestamp,
    jurnal_date,
    listify_errors,
    parse_request_date,
    positive_int,
)
from journal_sandbox.jurnal_company import CURRENCY_FORMATS, CompanyMixin
from journal_sandbox.jurnal_entries import TRANSFER_BATCHES, EntriesMixin
from journal_sandbox.jurnal_gateway_auth import GatewayCredentials
from journal_sandbox.jurnal_inventory_summary import InventorySummaryMixin
from journal_sandbox.jurnal_invoices import InvoicesMixin
from journal_sandbox.jurnal_masters import MastersMixin
from journal_sandbox.jurnal_payments import RETURN_KEYS, PaymentsMixin
from journal_sandbox.jurnal_quota import QUOTA_REFUSALS, QUOTA_SCOPES, ROOT_PATHS, QuotaMixin
from journal_sandbox.jurnal_reports import ReportsMixin
from journal_sandbox.jurnal_stock import STOCK_KEYS, StockMixin
from journal_sandbox.jurnal_store import (
    ACCOUNT_BANK,
    ACCOUNT_CASH,
    ACCOUNT_COGS,
    ACCOUNT_CREDIT_CARD_CLEARING,
    ACCOUNT_EDC_CLEARING,
    ACCOUNT_GIFT_CARD_CLEARING,
    ACCOUNT_GIFT_CARD_LIABILITY,
    ACCOUNT_GOPAY_CLEARING,
    ACCOUNT_INVENTORY,
    ACCOUNT_INVENTORY_ADJUSTMENT,
    ACCOUNT_OTHER_EXPENSE,
    ACCOUNT_OTHER_INCOME,
    ACCOUNT_OVO_CLEARING,
    ACCOUNT_PB1_PAYABLE,
    ACCOUNT_PETTY_CASH,
    ACCOUNT_PREPAID_PPH23,
    ACCOUNT_QRIS_CLEARING,
    ACCOUNT_RECEIVABLE,
    ACCOUNT_ROUNDING,
    ACCOUNT_SALES,
    ACCOUNT_SALES_DISCOUNT,
    ACCOUNT_SALES_RETURN,
    ACCOUNT_SERVICE_CHARGE_INCOME,
    ACCOUNT_VAT_IN,
    ACCOUNT_VAT_OUT,
    COMPANY_ID,
    COMPANY_NAME,
    CUSTOMER_WALK_IN,
    DEFAULT_BUY_ACCOUNT,
    DEFAULT_INVOICE_TERM,
    DEFAULT_RECEIVABLE_ACCOUNT,
    DEFAULT_SALE_ACCOUNT,
    DEFAULT_SALE_DISCOUNT_ACCOUNT,
    DEFAULT_SALE_SHIPPING_ACCOUNT,
    DEFAULT_SALES_RETURN_ACCOUNT,
    PRODUCT_SERVICE_CHARGE,
    PRODUCT_SERVICE_CHARGE_CODE,
    SEED_ACCOUNTS,
    SEED_PAYMENT_METHODS,
    SEED_TERMS,
    SEED_WAREHOUSES,
    TAX_PB1,
    TAX_PB1_RATE,
    TAX_PPN,
    TAX_PPN_RATE,
    TERM_COD,
    UNIT_DEFAULT,
    WAREHOUSE_BALI,
    WAREHOUSE_BALI_CODE,
    WAREHOUSE_BANDUNG,
    WAREHOUSE_BANDUNG_CODE,
    WAREHOUSE_JAKARTA,
    WAREHOUSE_JAKARTA_CODE,
    JurnalStore,
)

__all__ = [
    "ACCOUNT_BANK",
    "ACCOUNT_CASH",
    "ACCOUNT_COGS",
    "ACCOUNT_CREDIT_CARD_CLEARING",
    "ACCOUNT_EDC_CLEARING",
    "ACCOUNT_GIFT_CARD_CLEARING",
    "ACCOUNT_GIFT_CARD_LIABILITY",
    "ACCOUNT_GOPAY_CLEARING",
    "ACCOUNT_INVENTORY",
    "ACCOUNT_INVENTORY_ADJUSTMENT",
    "ACCOUNT_OTHER_EXPENSE",
    "ACCOUNT_OTHER_INCOME",
    "ACCOUNT_OVO_CLEARING",
    "ACCOUNT_PB1_PAYABLE",
    "ACCOUNT_PETTY_CASH",
    "ACCOUNT_PREPAID_PPH23",
    "ACCOUNT_QRIS_CLEARING",
    "ACCOUNT_RECEIVABLE",
    "ACCOUNT_ROUNDING",
    "ACCOUNT_SALES",
    "ACCOUNT_SALES_DISCOUNT",
    "ACCOUNT_SALES_RETURN",
    "ACCOUNT_SERVICE_CHARGE_INCOME",
    "ACCOUNT_VAT_IN",
    "ACCOUNT_VAT_OUT",
    "CUSTOMER_WALK_IN",
    "DEFAULT_ACCESS_TOKEN",
    "DEFAULT_API_KEY",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "ENV_FAULTS",
    "LEGACY_PREFIX",
    "MAG_PREFIX",
    "MAX_BATCH_SIZE",
    "PARTNER_PREFIX",
    "PRODUCT_SERVICE_CHARGE",
    "PRODUCT_SERVICE_CHARGE_CODE",
    "TAX_PB1",
    "TAX_PPN",
    "TERM_COD",
    "WAREHOUSE_BALI",
    "WAREHOUSE_BALI_CODE",
    "WAREHOUSE_BANDUNG",
    "WAREHOUSE_BANDUNG_CODE",
    "WAREHOUSE_JAKARTA",
    "WAREHOUSE_JAKARTA_CODE",
    "JurnalSandbox",
]

MAG_PREFIX = "/public/jurnal/api/v1/"
LEGACY_PREFIX = "/core/api/v1/"
PARTNER_PREFIX = "/partner/core/api/v1/"  # the legacy partner (OAuth app) flavour, J-53
PREFIXES = (MAG_PREFIX, LEGACY_PREFIX, PARTNER_PREFIX)
#: Each prefix's API root (the transaction quota lives there, J-58), routed as ``root/…``.
ROOTS = {prefix.removesuffix("api/v1/"): prefix for prefix in PREFIXES}
#: Sandbox only, read-only, no credential: the traffic each credential sent (`traffic`).
STATS_PATH = "/_sandbox/stats"
#: The legacy hosts' health check (J-54): answered without a credential, outside the limit.
HEALTH_CHECK_PATHS = frozenset(
    f"/{root}ping/health_check{suffix}"
    for root in ("core/", "partner/core/")
    for suffix in ("", ".json")
)
HEALTH_CHECK_BODY = "I am alive!\n"

DEFAULT_CLIENT_ID = "sandbox-jurnal-client"
DEFAULT_CLIENT_SECRET = "sandbox-jurnal-secret"
DEFAULT_API_KEY = "sandbox-jurnal-apikey"
DEFAULT_ACCESS_TOKEN = "sandbox-jurnal-access-token"
ENV_FAULTS = "SANDBOX_JURNAL_FAULTS"
#: How bank statement rows are written (J-44): plain (default), report or iso.
ENV_STATEMENT_STYLE = "SANDBOX_JURNAL_STATEMENT_STYLE"
STATEMENT_STYLES = ("plain", "report", "iso")
#: How stock documents' answers show their keys (J-60): echoed (default) or documented.
ENV_STOCK_KEYS = "SANDBOX_JURNAL_STOCK_KEYS"
#: What sales returns do with their keys (J-37): echoed (default) or documented (ignored).
ENV_RETURN_KEYS = "SANDBOX_JURNAL_RETURN_KEYS"
#: How bank_transfers/batch_create answers (J-45): per_item (default) or documented (echo).
ENV_TRANSFER_BATCH = "SANDBOX_JURNAL_TRANSFER_BATCH"
#: The monthly transaction quota (J-58): a number, unset for none.
ENV_INVOICE_QUOTA = "SANDBOX_JURNAL_INVOICE_QUOTA"
CLOCK_SKEW_SECONDS = 300

# --- rate limiting and fault injection -----------------------------------------------------


@dataclass
class _Bucket:
    minute_window: int = -1
    minute_count: int = 0
    hour_window: int = -1
    hour_count: int = 0


TIMELINE_LIMIT = 200_000


@dataclass
class _Traffic:
    """What one credential sent: every authenticated request, those refused with a 429 by the
    rate limit, the requests by method and first path segment, and the emulator's clock (its
    scaled seconds) at the first and the last request."""

    requests: int = 0
    rate_limited: int = 0
    routes: dict[str, int] = field(default_factory=dict)
    first_at: float | None = None
    last_at: float | None = None
    # (at, method, refused with a 429) of the latest requests, bounded for a long-running sandbox
    timeline: deque[tuple[float, str, bool]] = field(
        default_factory=lambda: deque(maxlen=TIMELINE_LIMIT)
    )

    def as_dict(self, time_scale: float, timeline: bool) -> dict[str, Any]:
        counts = {
            "requests": self.requests,
            "rate_limited": self.rate_limited,
            "routes": dict(sorted(self.routes.items())),
            "first_at": self.first_at,
            "last_at": self.last_at,
            "time_scale": time_scale,
        }
        return {**counts, "timeline": list(self.timeline)} if timeline else counts


# --- the emulator --------------------------------------------------------------------------


@dataclass
class _Context:
    """Per-request facts the handlers need (prefix and host for paging links)."""

    prefix: str
    host: str
    extra: dict[str, Any] = field(default_factory=dict)


class JurnalSandbox(
    CatalogMixin,
    MastersMixin,
    InvoicesMixin,
    PaymentsMixin,
    EntriesMixin,
    StockMixin,
    ReportsMixin,
    InventorySummaryMixin,
    QuotaMixin,
    CompanyMixin,
):
    """The Jurnal emulator: ``app`` is the WSGI-like handler, ``serve`` makes a server."""

    def __init__(
        self,
        state_dir: Path,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        api_key: str = DEFAULT_API_KEY,
        access_token: str = DEFAULT_ACCESS_TOKEN,
        rate_limit_per_minute: int = 30,
        rate_limit_per_hour: int = 1800,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.time,
        faults: FaultInjector | None = None,
        statement_style: str | None = None,
        closing_date: date | None = None,
        invoice_quota: int | None = None,
        quota_scope: str = "sales_invoices",
        quota_refusal: str = "item",
        currency_code: str = "IDR",
        stock_keys: str | None = None,
        return_keys: str | None = None,
        transfer_batch: str | None = None,
    ) -> None:
        """Open (or seed) the company kept in ``state_dir``.

        ``client_id``/``client_secret``: the MAG HMAC credential accepted;
        ``api_key``: the legacy ``apikey`` accepted;
        ``access_token``: the legacy partner app's token accepted (bearer or query parameter);
        ``rate_limit_per_minute``/``rate_limit_per_hour``: requests per credential before 429
        (Jurnal's published 30 and 1,800);
        ``time_scale``: speed of the rate-limit clock (60 makes a minute last one second);
        ``clock``: seconds since the epoch (tests);
        ``faults``: the fault injector; default from the ``SANDBOX_JURNAL_FAULTS`` spec
        (``ENDPOINT:key=value,...;...``, see :mod:`journal_sandbox.faults`);
        ``statement_style``: how bank statement rows are written (`STATEMENT_STYLES`, J-44);
        default from ``SANDBOX_JURNAL_STATEMENT_STYLE``, else ``plain``;
        ``closing_date``: the books closed ("tutup buku") up to that day, J-57 (settable later
        as ``closing_date``);
        ``invoice_quota``: transactions a month before new ones are refused, J-58 (settable
        later); default from ``SANDBOX_JURNAL_INVOICE_QUOTA``, else no limit;
        ``quota_scope``: what the quota counts, ``sales_invoices`` or every ``transactions``
        document; ``quota_refusal``: a document without room refused alone (``item``) or
        the whole request that does not fit (``request``);
        ``currency_code``: the company's currency (``companies/get_currency``);
        ``stock_keys``: how stock adjustments' and warehouse transfers' answers show the
        ``custom_id`` and number they were sent with (`STOCK_KEYS`, J-60; settable later);
        default from ``SANDBOX_JURNAL_STOCK_KEYS``, else ``echoed``;
        ``return_keys``: whether sales returns keep the ``custom_id`` and ``transaction_no``
        they are sent with (``echoed``) or ignore them as the documented request has neither
        (``documented``: ``custom_id`` null, an automatic number) (`RETURN_KEYS`, J-37;
        settable later); default from ``SANDBOX_JURNAL_RETURN_KEYS``, else ``echoed``;
        ``transfer_batch``: how ``bank_transfers/batch_create`` answers, each item's status
        and record (``per_item``) or the items echoed as sent (``documented``)
        (`TRANSFER_BATCHES`, J-45; settable later); default from
        ``SANDBOX_JURNAL_TRANSFER_BATCH``, else ``per_item``.
        """
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.state_dir = Path(state_dir)
        self.client_id = client_id
        self._credentials = GatewayCredentials(
            client_id, client_secret, api_key, access_token, clock=lambda: self.clock()
        )
        self.rate_limit_per_minute = rate_limit_per_minute
        self.rate_limit_per_hour = rate_limit_per_hour
        self.time_scale = float(time_scale)
        self.clock = clock
        self.store = JurnalStore(self.state_dir)
        self.store.on_insert = self._count_quota
        self._lock = threading.RLock()
        self._buckets: dict[str, _Bucket] = {}
        self._traffic: dict[str, _Traffic] = {}
        style = statement_style or os.environ.get(ENV_STATEMENT_STYLE) or "plain"
        if style not in STATEMENT_STYLES:
            raise ValueError(
                f"statement_style is one of {', '.join(STATEMENT_STYLES)}, not {style!r}"
            )
        self.statement_style = style
        keys = stock_keys or os.environ.get(ENV_STOCK_KEYS) or "echoed"
        if keys not in STOCK_KEYS:
            raise ValueError(f"stock_keys is one of {', '.join(STOCK_KEYS)}, not {keys!r}")
        self.stock_keys = keys
        self.return_keys = _choice(
            "return_keys", return_keys, ENV_RETURN_KEYS, RETURN_KEYS, "echoed"
        )
        self.transfer_batch = _choice(
            "transfer_batch", transfer_batch, ENV_TRANSFER_BATCH, TRANSFER_BATCHES, "per_item"
        )
        self.closing_date = closing_date
        if quota_scope not in QUOTA_SCOPES:
            raise ValueError(
                f"quota_scope is one of {', '.join(QUOTA_SCOPES)}, not {quota_scope!r}"
            )
        self.quota_scope = quota_scope
        if quota_refusal not in QUOTA_REFUSALS:
            raise ValueError(
                f"quota_refusal is one of {', '.join(QUOTA_REFUSALS)}, not {quota_refusal!r}"
            )
        self.quota_refusal = quota_refusal
        if currency_code not in CURRENCY_FORMATS:
            raise ValueError(f"currency_code is one of {', '.join(CURRENCY_FORMATS)}")
        self.currency_code = currency_code
        self.invoice_quota = invoice_quota if invoice_quota is not None else _quota_from_env()
        self.faults = (
            faults if faults is not None else FaultInjector.from_spec(os.environ.get(ENV_FAULTS))
        )
        self._router = Router()
        self._context = threading.local()
        self._register_routes()
        with self._lock:
            if self.store.get_meta("seeded") is None:
                self._seed()
            self._seed_missing()

    def __repr__(self) -> str:
        return f"JurnalSandbox(state_dir={str(self.state_dir)!r}, client_id={self.client_id!r})"

    # --- serving -------------------------------------------------------------------------

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
        """A server for this emulator (not started)."""
        return SandboxServer(self.app, host=host, port=port)

    def close(self) -> None:
        self.store.close()

    def inject_fault(
        self,
        mode: str = "status",
        *,
        status: int = 503,
        path_contains: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next matching authenticated requests fail, for resilience tests.

        ``status``: answer ``status`` without processing (503 answers like the gateway's
        upstream reset); ``drop``: close the connection without processing; ``drop_after``:
        process the request, then close the connection instead of answering (lost response).
        A thin wrapper over ``self.faults.once``.
        """
        kinds = {"status": "error", "drop": "timeout", "drop_after": "lost"}
        if mode not in kinds:
            raise ValueError(f"unknown fault mode {mode!r}")
        self.faults.once(path_contains or "", kinds[mode], times=times, status=status)

    def reset_rate_limits(self) -> None:
        with self._lock:
            self._buckets.clear()

    def traffic(self, *, timeline: bool = False) -> dict[str, dict[str, Any]]:
        """Per credential (``hmac:<client id>``, ``apikey`` or ``bearer``: never a secret):
        requests, 429s of the rate limit, requests by route, the scaled clock at the first and
        last request, and with ``timeline`` every request as (scaled clock, method, refused
        with a 429)."""
        with self._lock:
            return {
                name if name.startswith("hmac:") else name.split(":", 1)[0]: t.as_dict(
                    self.time_scale, timeline
                )
                for name, t in self._traffic.items()
            }

    def _stats(self, request: Request) -> Response:
        """``GET /_sandbox/stats``: `traffic` (a sandbox-only, read-only route)."""
        return Response(200, {"credentials": self.traffic(), "clock": self._scaled_now()})

    def _scaled_now(self) -> float:
        return self.clock() * self.time_scale

    def _count(self, credential: str, relative: str, method: str, limited: bool) -> None:
        traffic = self._traffic.setdefault(credential, _Traffic())
        now = self._scaled_now()
        traffic.requests += 1
        traffic.rate_limited += limited
        route = f"{method} {relative.split('/', 1)[0] or '/'}"
        traffic.routes[route] = traffic.routes.get(route, 0) + 1
        traffic.first_at = now if traffic.first_at is None else traffic.first_at
        traffic.last_at = now
        traffic.timeline.append((now, method, limited))

    # --- the HTTP entry point ------------------------------------------------------------

    def app(self, request: Request) -> Response:
        if request.method == "GET" and request.path.rstrip("/") == STATS_PATH:
            return self._stats(request)
        if request.method == "GET" and request.path in HEALTH_CHECK_PATHS:
            return Response(200, HEALTH_CHECK_BODY)
        prefix = next((p for p in PREFIXES if request.path.startswith(p)), None)
        if prefix is not None:
            relative = request.path[len(prefix) :].strip("/")
        else:
            root = next((r for r in ROOTS if request.path.startswith(r)), None)
            rest = request.path[len(root) :].strip("/") if root else ""
            if root is None or rest.removesuffix(".json") not in ROOT_PATHS:
                return Response(404, {"message": "no Route matched with those values"})
            prefix, relative = ROOTS[root], "root/" + rest.removesuffix(".json")
        if prefix != MAG_PREFIX and relative.endswith(".json"):
            relative = relative[: -len(".json")]
        with self._lock:
            auth = self._credentials.authenticate(request, gateway=prefix == MAG_PREFIX)
            if auth.failure is not None:
                return auth.failure
            assert auth.credential is not None
            limited, headers = self._rate_limit(auth.credential)
            self._count(auth.credential, relative, request.method, limited is not None)
            if limited is not None:
                return limited
        # J-31: faults apply after authentication and rate limiting; latency and timeouts
        # sleep here, outside the emulator lock, so other requests go on meanwhile.
        answer, lose = self.faults.before(
            request,
            error_response=lambda status: self._injected_error(status, headers),
            rate_limited_response=lambda: self._injected_rate_limit(headers),
        )
        if answer is not None:
            return answer
        routed = replace(request, path=relative)
        with self._lock:
            self._context.value = _Context(prefix=prefix, host=request.header("host") or "")
            try:
                response = self._router.dispatch(routed)
            except ApiError as exc:
                response = Response(exc.status, exc.body)
            finally:
                self._context.value = None
        if lose:
            return Response(drop_connection=True)
        response.headers.update(headers)
        return response

    def _injected_error(self, status: int, headers: dict[str, str]) -> Response:
        """An injected server error: 503 like the gateway's upstream reset (plain text)."""
        if status == 503:
            return Response(503, UPSTREAM_RESET, headers=dict(headers))
        if status == 429:
            return self._injected_rate_limit(headers)
        body = (
            {"message": "An unexpected error occurred"} if status >= 500 else {"message": "error"}
        )
        return Response(status, body, headers=dict(headers))

    def _injected_rate_limit(self, headers: dict[str, str]) -> Response:
        """An injected 429, indistinguishable from the real one (body, headers, Retry-After)."""
        now = self.clock() * self.time_scale
        wait = max(1, math.ceil(((int(now // 60) + 1) * 60 - now) / self.time_scale))
        refused = {**headers, "x-ratelimit-remaining-minute": "0", "Retry-After": str(wait)}
        return Response(429, dict(RATE_LIMITED), headers=refused)

    # --- rate limiting (J-3, J-4) --------------------------------------------------------

    def _rate_limit(self, credential: str) -> tuple[Response | None, dict[str, str]]:
        now = self.clock() * self.time_scale
        minute, hour = int(now // 60), int(now // 3600)
        bucket = self._buckets.setdefault(credential, _Bucket())
        if bucket.minute_window != minute:
            bucket.minute_window, bucket.minute_count = minute, 0
        if bucket.hour_window != hour:
            bucket.hour_window, bucket.hour_count = hour, 0
        over_minute = bucket.minute_count >= self.rate_limit_per_minute
        over_hour = bucket.hour_count >= self.rate_limit_per_hour
        if not (over_minute or over_hour):
            bucket.minute_count += 1
            bucket.hour_count += 1
        headers = {
            "x-ratelimit-limit-minute": str(self.rate_limit_per_minute),
            "x-ratelimit-remaining-minute": str(
                max(0, self.rate_limit_per_minute - bucket.minute_count)
            ),
            "x-ratelimit-limit-hour": str(self.rate_limit_per_hour),
            "x-ratelimit-remaining-hour": str(max(0, self.rate_limit_per_hour - bucket.hour_count)),
        }
        if not (over_minute or over_hour):
            return None, headers
        window_end = (hour + 1) * 3600 if over_hour else (minute + 1) * 60
        wait = max(1, math.ceil((window_end - now) / self.time_scale))
        refused = {**headers, "Retry-After": str(wait)}
        return Response(429, dict(RATE_LIMITED), headers=refused), headers

    # --- routes --------------------------------------------------------------------------

    def _register_routes(self) -> None:
        r = self._router
        r.add("GET", r"companies/active", self._get_company)
        self._routes_catalog(r)
        self._routes_masters(r)
        self._routes_invoices(r)
        self._routes_payments(r)
        self._routes_entries(r)
        self._routes_stock(r)
        self._routes_reports(r)
        self._routes_inventory_summary(r)
        self._routes_quota(r)
        self._routes_company(r)

    @property
    def _ctx(self) -> _Context:
        return self._context.value  # type: ignore[no-any-return]

    def _now(self) -> float:
        return self.clock()

    def _today(self) -> date:
        return datetime.fromtimestamp(self._now(), WIB).date()

    def _json_body(self, request: Request, root: str, *, many: bool = False) -> Any:
        """``body[root]``: an object (a list for batches); else 400 as documented."""
        try:
            data = request.json()
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, {"error_full_messages": ["Invalid JSON body"]}) from exc
        expected = list if many else dict
        if not isinstance(data, dict) or not isinstance(data.get(root), expected):
            raise ApiError(400, {"error_full_messages": [f"Please provide `{root}` parameter."]})
        if not many:
            self._refuse_closed_books(data[root])
            if request.method == "POST":
                self._refuse_over_quota(root)
        return data[root]

    def _refuse_closed_books(self, data: dict[str, Any]) -> None:
        """J-57: nothing is dated on or before the day the books were closed."""
        if self.closing_date is None:
            return
        day = parse_request_date(data.get("transaction_date"))
        if day is not None and day <= self.closing_date:
            closed = jurnal_date(self.closing_date)
            message = f"can't be on or before the closing date ({closed})"
            raise ApiError(
                422,
                {
                    "transaction_date": [message],
                    "error_full_messages": [f"Transaction date {message}"],
                },
            )

    # --- batch create (J-13) -------------------------------------------------------------

    def _batch(
        self,
        request: Request,
        plural: str,
        singular: str,
        accept: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> Response:
        """``{"<plural>": [{"<singular>": {...}}, ...]}``: items accepted one by one (J-13).

        The answer is 200 with each item's status, except ``sales_invoices/batch_create``,
        which answers 201 when every item was created (as documented). A refused item echoes
        the request under ``body`` (``{"<singular>": {..., "source"}}``); a duplicate item is
        409, another refusal 422."""
        items = self._json_body(request, plural, many=True)
        label = plural.replace("_", " ").capitalize()
        if not isinstance(items, list) or not items:
            raise ApiError(
                422,
                {plural: ["can't be blank"], "error_full_messages": [f"{label} can't be blank"]},
            )
        if len(items) > MAX_BATCH_SIZE:
            words = plural.replace("_", " ")
            message = f"maximum {MAX_BATCH_SIZE} {words} per batch, got {len(items)}"
            raise ApiError(422, {plural: [message], "error_full_messages": [f"{label} {message}"]})
        if self.quota_refusal == "request":
            self._refuse_over_quota(singular, len(items))
        with self.store.transaction():  # one commit for the batch; each item a savepoint
            results = [self._batch_item(item, singular, accept) for item in items]
        all_created = all(result[singular]["status"] == 201 for result in results)
        created_status = 201 if all_created and plural == "sales_invoices" else 200
        return Response(created_status, {plural: results})

    def _batch_item(
        self, item: Any, singular: str, accept: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any]:
        """One item's answer; a refused item leaves nothing of its own behind."""
        data = item.get(singular) if isinstance(item, dict) else None
        if not isinstance(data, dict):
            return {
                singular: {"status": 422, "body": item, "content": {singular: ["can't be blank"]}}
            }
        try:
            self._refuse_closed_books(data)
            if self.quota_refusal == "item":
                self._refuse_over_quota(singular)
            with self.store.savepoint():
                record = accept(data)
        except ApiError as exc:
            body = {singular: {**data, "source": data.get("source") or "apikey"}}
            content = listify_errors(exc.body)
            status = 409 if exc.status == 422 and _only_duplicates(content) else exc.status
            return {singular: {"status": status, "body": body, "content": content}}
        return {singular: {"status": 201, "content": record}}

    # --- paging (J-9, J-10) --------------------------------------------------------------

    def _page(
        self,
        request: Request,
        kind: str,
        root_key: str,
        sort_columns: dict[str, str],
        sort_python: dict[str, Callable[[dict[str, Any]], Any]] | None = None,
        rejected_sort_keys: frozenset[str] = frozenset(),
        render: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        records: list[dict[str, Any]] | None = None,
    ) -> Response:
        """One page of ``kind`` (or of the given ``records``, already filtered) (J-9, J-10)."""
        query = request.query
        page = positive_int(query.get("page"), 1)
        page_size = min(positive_int(query.get("page_size"), DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
        sort_key = (query.get("sort_key") or "").strip() or None
        descending = (query.get("sort_order") or "asc").strip().lower() == "desc"
        sort_python = sort_python or {}
        if sort_key is not None and (
            sort_key in rejected_sort_keys
            or (sort_key not in sort_columns and sort_key not in sort_python)
        ):
            raise ApiError(
                422,
                {
                    **UNPROCESSABLE,
                    "error_full_messages": [f"sort_key {sort_key} is not supported"],
                },
            )
        if records is not None:
            sort_python = {
                **{key: _column_getter(column) for key, column in sort_columns.items()},
                **sort_python,
            }
            if sort_key is None:
                sort_key = "__id__"
                sort_python["__id__"] = lambda d: d["id"]
        total = self.store.count(kind) if records is None else len(records)
        total_pages = math.ceil(total / page_size) if total else 0
        offset = (page - 1) * page_size
        if sort_key in sort_python:
            key = sort_python[sort_key]
            pool = self.store.all(kind) if records is None else records
            ordered = sorted(pool, key=lambda d: (key(d), d["id"]))
            if descending:
                ordered.reverse()
            items = ordered[offset : offset + page_size]
        else:
            column = sort_columns.get(sort_key, "id") if sort_key else "id"
            items = self.store.page(
                kind, order_column=column, descending=descending, offset=offset, limit=page_size
            )
        if render is not None:
            items = [render(item) for item in items]
        body: dict[str, Any] = {
            root_key: items,
            "total_count": total,
            "current_page": page,
            "total_pages": total_pages,
        }
        links: dict[str, str] = {}
        if page < total_pages:
            links["next_link"] = self._link(request, page + 1)
        if page > 1 and total_pages:
            links["prev_link"] = self._link(request, min(page - 1, total_pages))
        if links:
            body["links"] = links
        return Response(200, body)

    def _created_updated_filtered(self, request: Request, kind: str) -> list[dict] | None:
        """The records of ``kind`` within the documented ``created_start_date`` /
        ``created_end_date`` / ``updated_start_date`` / ``updated_end_date`` filters
        (``dd/mm/yyyy`` or ``dd-mm-yyyy``, inclusive, WIB calendar days); None without any."""
        bounds: dict[str, date] = {}
        errors: dict[str, list[str]] = {}
        for name in FILTER_DATES:
            raw = (request.query.get(name) or "").strip()
            if not raw:
                continue
            for pattern in ("%d/%m/%Y", "%d-%m-%Y"):
                try:
                    bounds[name] = datetime.strptime(raw, pattern).date()
                    break
                except ValueError:
                    continue
            else:
                errors[name] = [f"{raw} is not a valid date, use dd/mm/yyyy or dd-mm-yyyy"]
        if errors:
            raise ApiError(
                422,
                {
                    **errors,
                    "error_full_messages": [
                        f"{name.replace('_', ' ').capitalize()} {messages[0]}"
                        for name, messages in errors.items()
                    ],
                },
            )
        if not bounds:
            return None

        def day(stamp: object) -> date | None:
            if not isinstance(stamp, str) or not stamp:
                return None
            moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            return moment.astimezone(WIB).date()

        kept = []
        for record in self.store.all(kind):
            created = day(record.get("created_at"))
            updated = day(record.get("updated_at")) or created
            checks = (
                ("created_start_date", created, 1),
                ("created_end_date", created, -1),
                ("updated_start_date", updated, 1),
                ("updated_end_date", updated, -1),
            )
            if all(
                name not in bounds
                or (value is not None and (value - bounds[name]).days * sign >= 0)
                for name, value, sign in checks
            ):
                kept.append(record)
        return kept

    def _link(self, request: Request, page: int) -> str:
        params = {k: v for k, v in request.query.items() if k != "page"}
        query = urlencode({"page": page, **params})
        return f"http://{self._ctx.host}{self._ctx.prefix}{request.path}?{query}"

    # --- company, accounts, warehouses, taxes, terms -------------------------------------

    def _account_ref(self, account: dict[str, Any] | None) -> dict[str, Any]:
        if account is None:
            return {"id": None, "name": None, "number": None}
        return {"id": account["id"], "name": account["name"], "number": account["number"]}

    def _account_ref_category(self, account: dict[str, Any] | None) -> dict[str, Any]:
        if account is None:
            return {
                "id": None,
                "name": None,
                "number": None,
                "category": {"id": None, "name": None},
            }
        return {
            **self._account_ref(account),
            "category": {"id": account["category_id"], "name": account["category"]},
        }

    def _account_by_name(self, name: str) -> dict[str, Any]:
        account = self.store.find("account", name=name)
        assert account is not None, name
        return account

    def _get_company(self, request: Request) -> Response:
        def default(name: str) -> dict[str, Any]:
            account = self._account_by_name(name)
            return {
                **self._account_ref(account),
                "category_id": account["category_id"],
                "custom_id": None,
            }

        def optional(name: str) -> dict[str, Any] | None:
            return default(name) if self.store.find("account", name=name) else None

        term = self.store.find("term", name=DEFAULT_INVOICE_TERM) or {}
        term_ref = {k: term.get(k) for k in ("id", "name", "longetivity")}
        return Response(
            200,
            {
                "company": {
                    "id": COMPANY_ID,
                    "name": COMPANY_NAME,
                    "logo": "",
                    "company_tax_number": "01.234.567.8-901.000",
                    "address": "Jl. Kemang Raya No. 1, Jakarta Selatan",
                    "shipping_address": "Jl. Kemang Raya No. 1, Jakarta Selatan",
                    "phone": "021-7190000",
                    "fax": "",
                    "language": {"id": 2, "name": "Bahasa Indonesia"},
                    "company_email": "finance@sandbox.example",
                    "last_closing_the_book_date": (
                        jurnal_date(self.closing_date) if self.closing_date else ""
                    ),
                    "company_billing_details": {
                        "id": COMPANY_ID,
                        "name": COMPANY_NAME,
                        "expired_day": 365,
                        "billing_package": "Sandbox",
                        "jurnal_touch_devices": 0,
                    },
                },
                "feature": {
                    "use_po": True,
                    "warehouse": True,
                    "quote": True,
                    "print_receipt": False,
                    "draft_cash_transaction": False,
                    "enable_overpayment": False,
                    "use_screen_sharing": False,
                    "use_new_bank_recon": True,
                    "additional_settings": [],
                },
                "company_package": "Sandbox",
                "draft_cash_transaction_feature": False,
                "current_user": {
                    "full_name": "Sandbox API",
                    "email": "api@sandbox.example",
                    "roles": ["ultimate"],
                },
                "preferred_invoice_term": term_ref,
                "preferred_purchase_term": term_ref,
                "sale_shipping_account": self._account_ref(
                    self._account_by_name(DEFAULT_SALE_SHIPPING_ACCOUNT)
                ),
                "purchase_shipping_account": {"id": None, "name": None, "number": None},
                "default_accounts": {
                    "default_sale_account": default(DEFAULT_SALE_ACCOUNT),
                    "sale_discount_account": default(DEFAULT_SALE_DISCOUNT_ACCOUNT),
                    "default_sales_return_account": default(DEFAULT_SALES_RETURN_ACCOUNT),
                    "sale_shipping_account": default(DEFAULT_SALE_SHIPPING_ACCOUNT),
                    "default_ar_account": default(DEFAULT_RECEIVABLE_ACCOUNT),
                    "default_buy_account": default(DEFAULT_BUY_ACCOUNT),
                    "default_prepayment_account": optional("Biaya Dibayar Di Muka"),
                    "default_unbilled_sales_account": None,
                    "default_unbilled_ar_account": optional("Piutang Belum Ditagih"),
                    "default_cost_of_good_sold": default(DEFAULT_BUY_ACCOUNT),
                    "purchase_shipping_account": None,
                    "default_unearned_revenue_account": optional("Pendapatan Diterima Di Muka"),
                    "default_unbilled_ap_account": optional("Hutang Belum Ditagih"),
                    "default_account_receiveable": default(DEFAULT_RECEIVABLE_ACCOUNT),
                    "default_account_payable": optional("Hutang Usaha"),
                    "default_inventory_account": optional("Persediaan Barang"),
                    "default_stock_adj_account_general": optional("Penyesuaian Persediaan"),
                    "default_stock_adj_account_waste": None,
                    "default_stock_adj_account_production": None,
                    "default_opening_balance_equity": optional("Ekuitas Saldo Awal"),
                    "default_sale_tax_account": optional("PPN Keluaran"),
                    "default_purchase_tax_account": optional("PPN Masukan"),
                    "default_fixed_asset_account": optional("Aset Tetap - Peralatan Outlet"),
                },
                "currency": {
                    **COMPANY_CURRENCY,
                    "code": self.currency_code,
                    "symbol": CURRENCY_FORMATS[self.currency_code]["symbol"],
                },
            },
        )

    # --- seed ----------------------------------------------------------------------------

    def _seed(self) -> None:
        with self.store.transaction():
            for seed in SEED_ACCOUNTS:
                self._new_account(seed.number, seed.name, seed.category_id)
            for name, rate, sell_name, buy_name in (
                (TAX_PPN, TAX_PPN_RATE, ACCOUNT_VAT_OUT, ACCOUNT_VAT_IN),
                (TAX_PB1, TAX_PB1_RATE, ACCOUNT_PB1_PAYABLE, None),
            ):
                sell = self._account_by_name(sell_name)
                buy = self._account_by_name(buy_name) if buy_name else None
                self._new_tax(name, rate, sell, buy, witholding=False, custom_id=None)
            for name, code in SEED_WAREHOUSES:
                self._new_warehouse({"name": name, "code": code})
            for name, days in SEED_TERMS:
                self._new_term(name, days, default=name == DEFAULT_INVOICE_TERM)
            for name in SEED_PAYMENT_METHODS:
                self._new_payment_method(name, None)
            self._unit(UNIT_DEFAULT)
            self._new_person(CUSTOMER_WALK_IN, {"source": "system"}, None)
            self._new_product(
                name=PRODUCT_SERVICE_CHARGE,
                code=PRODUCT_SERVICE_CHARGE_CODE,
                custom_id=None,
                description="Service charge",
                unit_name=UNIT_DEFAULT,
                sell_account=self._account_by_name(ACCOUNT_SERVICE_CHARGE_INCOME),
                buy_account=None,
                inventory_account=None,
                track_inventory=False,
                sell_price=ZERO,
                buy_price=ZERO,
                is_bought=False,
                source="system",
            )
            self.store.set_meta("seeded", iso_timestamp(self._now()))

    def _seed_missing(self) -> None:
        """J-21: seed records added to the default company later appear in older state too."""
        with self.store.transaction():
            for seed in SEED_ACCOUNTS:
                known = self.store.find("account", name=seed.name) or self.store.find(
                    "account", code=seed.number
                )
                if known is None:
                    self._new_account(seed.number, seed.name, seed.category_id)
            for name, code in SEED_WAREHOUSES:
                known = self.store.find("warehouse", name=name) or self.store.find(
                    "warehouse", code=code
                )
                if known is None:
                    self._new_warehouse({"name": name, "code": code})
            if self.store.get_meta("seeded:payment_methods") is None:
                for name in SEED_PAYMENT_METHODS:
                    if self.store.find("payment_method", name=name) is None:
                        self._new_payment_method(name, None)
                self.store.set_meta("seeded:payment_methods", "1")


FILTER_DATES = ("created_start_date", "created_end_date", "updated_start_date", "updated_end_date")


def _choice(name: str, given: str | None, env: str, allowed: tuple[str, ...], default: str) -> str:
    """A knob's value: as given, else from the environment variable ``env``, else the default;
    anything else is refused naming the values allowed."""
    value = given or os.environ.get(env) or default
    if value not in allowed:
        raise ValueError(f"{name} is one of {', '.join(allowed)}, not {value!r}")
    return value


def _quota_from_env() -> int | None:
    text = os.environ.get(ENV_INVOICE_QUOTA, "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"{ENV_INVOICE_QUOTA} is a whole number of transactions, not {text!r}")
    return int(text)


def _only_duplicates(content: dict[str, Any]) -> bool:
    """True when every field message of a refusal says the value is already used (J-8)."""
    messages = [
        str(message)
        for key, value in content.items()
        if key not in ("id", "error_full_messages")
        for message in (value if isinstance(value, list) else [value])
    ]
    return bool(messages) and all(
        "already been used" in m or "already been taken" in m for m in messages
    )


def _column_getter(column: str) -> Callable[[dict[str, Any]], Any]:
    """Sorting in Python by what an indexed column would hold."""
    keys = {
        "name_key": ("name", "display_name"),
        "code": ("code", "product_code"),
        "created_at": ("created_at",),
        "transaction_no": ("transaction_no",),
        "tx_date": ("transaction_date", "date"),
        "id": ("id",),
    }.get(column, (column,))

    def get(doc: dict[str, Any]) -> Any:
        for key in keys:
            if doc.get(key) is not None:
                value = doc[key]
                if key in ("transaction_date", "date") and isinstance(value, str):
                    day, _, rest = value.partition("/")
                    month, _, year = rest.partition("/")
                    return f"{year}-{month}-{day}"
                return str(value).casefold() if isinstance(value, str) else value
        return ""

    return get
