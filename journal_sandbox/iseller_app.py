"""A local iSeller: the OAuth token endpoint and every API read the pipeline uses.

Serves the demo merchant of `demo_merchant` over real HTTP (see `sandbox/http.py`):

- ``GET /oauth/authorize`` (granted at once, redirects with a ``code``) and ``POST /oauth/token``:
  grants ``authorization_code``, ``client_credentials`` and ``refresh_token``, expiry honoured;
- ``GET|POST /api/v2/GetStoreInfo`` (also on ``/api/v1``);
- ``POST /api/v2/GetOrders``: filters (dates, outlet, order, customer, ``payment_status``,
  ``fulfillment_status``), sorting, paging from 1 (or 0 under the ``page_base=0`` dialect)
  with ``has_next_item`` (under ``next_flag=orders_only`` the other paged reads answer
  without it), every ``includes`` (``TrackInventory`` adds ``refunded_orders``,
  ``MDR`` the fees) and ``time_zone`` conversion of filters and output, as iSeller documents
  them; the dialect (`dialect`) may leave out items at exactly a ``*_before`` bound and send
  numbers and dates in other forms, or write dates in the store's offset whatever was asked;
- ``POST /api/v2/GetProducts``, ``GetTransactions``, ``GetTransactionSummary``,
  ``GetOrderSummary``, ``GetRegisterShifts``;
- ``POST /api/v3/GetOutlets``, ``GetCustomers``, ``GetTransfer``, ``InventoryAdjustments``
  (`iseller_erp`, where their shapes are documented).

A refused bearer gets HTTP 401; any other refusal is HTTP 200 with ``status: false``. Every
request first passes the `FaultInjector` (`faults`; default spec from
``SANDBOX_ISELLER_FAULTS``). Refresh tokens do not rotate (I-2) unless asked
(`rotate_refresh_tokens`, ``SANDBOX_ISELLER_ROTATE_REFRESH_TOKENS=1``): then each refresh grant
answers with a new refresh token and the one used is refused from then on.

State lives in SQLite under `state_dir`: the issued tokens, and the orders and transactions
served so far. Orders are taken from the generator as the clock passes each of their changes
(closing, void, payment on account, refund), so a restart with the same directory serves the
same orders and accepts the same tokens. Deleting the directory resets the sandbox. Shapes the
iSeller documents leave open are listed in docs/assumptions/iseller.md.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
import time as _time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email import policy as email_policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

from journal_sandbox import order_summary
from journal_sandbox.demo_merchant import (
    CASH_ROUNDING,
    DATE_FORMAT,
    DEFAULT_ORDERS_PER_OUTLET_PER_DAY,
    MAX_CHANGE_LAG_DAYS,
    OUTLETS_BY_CODE,
    DemoMerchant,
    fmt_dt,
    outlet_profile,
    parse_dt,
)
from journal_sandbox.dialect import DIALECT_ENV, Dialect, serve_order
from journal_sandbox.dialect_money import state_payment
from journal_sandbox.dialect_shapes import list_discounts, list_set
from journal_sandbox.dialect_shifts import serve_shift, shift_params
from journal_sandbox.dialect_text import state_text, written_offset
from journal_sandbox.faults import FaultInjector
from journal_sandbox.http import Request, Response, Router, SandboxServer
from journal_sandbox.iseller_stock_levels import STOCK_MOVES_FILE, StockLedger, stock_ledger
from journal_sandbox.tamper import OrderTamper

STATE_FILE = "iseller.sqlite3"
SCHEMA_VERSION = "4"

#: Every ``includes`` value of GetOrders, lower-cased.
KNOWN_INCLUDES = frozenset(
    {
        "orderdetails",
        "transactions",
        "discountdetails",
        "promotiondetails",
        "trackinventory",
        "mdr",
        "shippingdetail",
        "unfulfilleditems",
        "profitdetails",
    }
)
ALL_INCLUDES = KNOWN_INCLUDES

#: Gateways with their own key in GetTransactionSummary (`custom` ones go to ``customs``).
SUMMARY_GATEWAYS = (
    "cash",
    "external_debit",
    "external_credit",
    "gift_card",
    "iseller_pay",
    "points",
    "store_credit",
    "account_balance",
)

DEFAULT_PAGE_SIZE = 100
#: Lifetime of an authorization code issued by ``/oauth/authorize``.
AUTHORIZATION_CODE_TTL = timedelta(minutes=10)
#: GetOrders' default page: the document's sample asks without paging parameters and gets
#: ``count: 200`` where the same window holds 815 payments (its GetTransactions sample).
DEFAULT_ORDERS_PAGE_SIZE = 200
MAX_PAGE_SIZE = 1000

UNAUTHORIZED_MESSAGE = "Authorization has been denied for this request."
#: Body of an injected 5xx answer (the ASP.NET default error body).
SERVER_ERROR_MESSAGE = "An error has occurred."
#: Body of an injected 429 answer; iSeller documents no rate limit (assumption I-29).
TOO_MANY_REQUESTS_MESSAGE = "Too Many Requests"
#: Environment variable holding the default fault spec (see `sandbox/faults.py`).
FAULTS_ENV = "SANDBOX_ISELLER_FAULTS"
#: Environment variable: ``1`` (or ``true``, ``yes``) rotates refresh tokens (assumption I-2).
ROTATE_REFRESH_TOKENS_ENV = "SANDBOX_ISELLER_ROTATE_REFRESH_TOKENS"
CASH_ROUNDING_ENV = "SANDBOX_ISELLER_CASH_ROUNDING"
#: Environment variable: ``1`` (or ``true``, ``yes``) puts each outlet's promotion on one item.
ITEM_PROMOTIONS_ENV = "SANDBOX_ISELLER_ITEM_PROMOTIONS"


def _flag(name: str) -> bool:
    """Whether the environment variable ``name`` says yes (``1``, ``true``, ``yes``)."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


def _cash_rounding_from_env() -> int:
    """The till's cash rounding (`SANDBOX_ISELLER_CASH_ROUNDING`, rupiah), else the demo's."""
    text = os.environ.get(CASH_ROUNDING_ENV, "").strip()
    if not text:
        return CASH_ROUNDING
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{CASH_ROUNDING_ENV} is a whole number of rupiah >= 1, not {text!r}")
    return int(text)


_ORDER_DATE_FIELDS = ("order_date", "closed_date", "modified_date", "cancel_date")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,            -- access | refresh
    client_id TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT                -- NULL: does not expire (refresh tokens)
);
CREATE TABLE IF NOT EXISTS orders (
    order_id TEXT PRIMARY KEY,
    outlet_id TEXT NOT NULL,
    customer_id TEXT,
    payment_status TEXT NOT NULL,
    fulfillment_status TEXT NOT NULL,
    order_date TEXT NOT NULL,      -- UTC, YYYY-MM-DD HH:MM:SS
    modified_date TEXT NOT NULL,   -- UTC
    body TEXT NOT NULL,            -- the order, UTC dates, every detail block
    refunds TEXT NOT NULL          -- its refunded_orders[] entries (JSON list), UTC dates
);
CREATE TABLE IF NOT EXISTS transactions (
    transaction_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    outlet_id TEXT NOT NULL,
    transaction_date TEXT NOT NULL, -- UTC
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS transactions_date ON transactions (transaction_date);
-- a page of GetOrders walks one of these in its sort order, without sorting the whole window
DROP INDEX IF EXISTS orders_order_date;
DROP INDEX IF EXISTS orders_modified_date;
CREATE INDEX IF NOT EXISTS orders_order_date_id ON orders (order_date, order_id);
CREATE INDEX IF NOT EXISTS orders_modified_date_id ON orders (modified_date, order_id);
"""


class _ApiError(Exception):
    """A request the API answers with HTTP 200 and ``status: false``."""

    def __init__(self, message: str, detail: str | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def json_numbers(value: Any) -> Any:
    """Decimals to JSON numbers (floats; whole rupiah are exact), recursively."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: json_numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_numbers(v) for v in value]
    return value


def _decimal_as_float(value: Any) -> float:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _dumps(value: Any) -> str:
    """JSON with Decimals as numbers (as `json_numbers`), without a copy."""
    return json.dumps(value, default=_decimal_as_float)


def _shift(value: str | None, offset_hours: int) -> str | None:
    if value is None or offset_hours == 0:
        return value
    return (parse_dt(value) + timedelta(hours=offset_hours)).strftime(DATE_FORMAT)


def parse_includes(value: str | None) -> frozenset[str]:
    """``includes`` as a set of lower-cased names (comma-separated, case and spaces ignored)."""
    if not value:
        return frozenset()
    return frozenset("".join(part.split()).lower() for part in value.split(",") if part.strip())


def render_order(
    order: dict[str, Any], includes: Iterable[str] = ALL_INCLUDES, time_zone: int = 0
) -> dict[str, Any]:
    """An order (UTC dates, every block) as GetOrders returns it for `includes` and `time_zone`.

    `includes` are lower-cased names (see `parse_includes`).
    """
    wanted = frozenset(includes)
    out = copy.deepcopy(order)
    for name in _ORDER_DATE_FIELDS:
        out[name] = _shift(out.get(name), time_zone)
    if "orderdetails" not in wanted:
        out.pop("order_details", None)
    if "transactions" not in wanted:
        out.pop("transactions", None)
    if "discountdetails" not in wanted:
        out.pop("discounts", None)
    if "promotiondetails" not in wanted:
        out.pop("promotions", None)
    for line in out.get("order_details") or []:
        if "discountdetails" not in wanted:
            line.pop("discounts", None)
        if "promotiondetails" not in wanted:
            line.pop("promotions", None)
        if "trackinventory" not in wanted:
            line.pop("track_inventory", None)
            line.pop("units_used", None)
    for transaction in out.get("transactions") or []:
        transaction["transaction_date"] = _shift(transaction.get("transaction_date"), time_zone)
        if "mdr" not in wanted:
            transaction["mdr"] = None
    return out


def render_refund(entry: dict[str, Any], time_zone: int = 0) -> dict[str, Any]:
    """A ``refunded_orders[]`` entry (UTC dates) as GetOrders returns it for `time_zone`."""
    out = copy.deepcopy(entry)
    for name in ("order_date", "refund_date"):
        out[name] = _shift(out.get(name), time_zone)
    return out


def render_fulfillment(order: dict[str, Any], time_zone: int = 0) -> dict[str, Any]:
    """The ``fulfillments[]`` entry (StoreOrderFulfilled) of a fulfilled order (UTC dates, every
    block) as GetOrders returns it for `time_zone`.

    A till order is fulfilled when it is closed: ``fulfill_date`` is its ``closed_date`` and
    ``units_fulfilled`` is every line's quantity per product.
    """
    units: dict[str, dict[str, Any]] = {}
    for line in order.get("order_details") or []:
        _add_units(
            units,
            {
                "product_name": line["product_name"],
                "product_id": line["product_id"],
                "sku": line["sku"],
                "stock": line["quantity"],
                "serial_numbers": None,
            },
        )
    return {
        "order_id": order["order_id"],
        "order_reference": order["order_reference"],
        "channel": order["channel"],
        "order_date": _shift(order["order_date"], time_zone),
        "fulfill_date": _shift(order["closed_date"], time_zone),
        "units_fulfilled": json_numbers(list(units.values())),
    }


def _timespan(seconds: float) -> str:
    """A duration as a .NET TimeSpan string, e.g. ``00:00:00.0123456``."""
    ticks = round(seconds * 10_000_000)
    whole, fraction = divmod(ticks, 10_000_000)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{fraction:07d}"


API_VERSION = "2.0"  # what `/api/v1/version` answers (I-47)


def _api_path(path: str) -> str:
    """A route pattern matching `path` case-insensitively (the document's own GetRegisterShifts
    sample calls ``/api/v2/getregistershifts``)."""
    return f"(?i:{path})"


def _client_credentials(request: Request, params: dict[str, str]) -> tuple[str, str] | None:
    """(client id, secret) from the body, or from HTTP Basic as RFC 6749 §2.3.1 lets a client
    send them (I-3); None when the two disagree or the Basic header is unreadable."""
    scheme, _, value = (request.header("authorization") or "").strip().partition(" ")
    body = (params.get("client_id", ""), params.get("client_secret", ""))
    if scheme.lower() != "basic":
        return body
    try:
        pair = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    client_id, colon, secret = pair.partition(":")
    if not colon:
        return None
    basic = (unquote_plus(client_id), unquote_plus(secret))
    return None if any(body) and body != basic else basic


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# The sandbox
# ---------------------------------------------------------------------------------------------


class ISellerSandbox:
    """The iSeller emulator. `app` is the HTTP handler; `serve` wraps it in a server.

    Knobs (a state directory remembers the seed, the order rate and the start date; other
    values need a fresh state):

    - `seed`: seed of the demo merchant; the same seed gives the same store and orders.
    - `orders_per_outlet_per_day`: mean orders per outlet per business day (±20%), default 300.
    - `history_days`: business days of history before today, on a fresh state (default 14).
    - `start_date`: first business day of the history; overrides `history_days`.
    - `faults`: a `FaultInjector` or a spec string (`sandbox/faults.py`), e.g.
      ``GetOrders:error=0.1,latency=200;*:burst429=0.01``; default ``SANDBOX_ISELLER_FAULTS``.
    - `dialect`: a `Dialect` or a spec string (`sandbox/dialect.py`), the reading of what the
      document leaves open, e.g. ``loose,page_base=0``; default ``SANDBOX_ISELLER_DIALECT``.
    - `token_ttl_seconds`: lifetime of access tokens (``expires_in``), default 1209599 (~14 d).
    - `rotate_refresh_tokens`: each refresh grant returns a new refresh token and invalidates
      the one used (the reading of I-2 the document leaves open); default
      ``SANDBOX_ISELLER_ROTATE_REFRESH_TOKENS``, else no rotation.
    - `tax_changes`: outlet code → (first business day, new tax rate %): the outlet's orders
      from that day on are taxed at the new rate (a rate change, as PPN 11% → 12%).
    - `cash_rounding`: the multiple a cash-only order's amount due is rounded to, half up
      (I-31), default ``SANDBOX_ISELLER_CASH_ROUNDING``, else 100; 500 or 1,000 as some tills
      round, so that orders are rounded down (and up) by more than Rp 100.
    - `item_promotions`: each outlet's promotion is taken off the order's largest line alone
      and listed in that line's ``promotions[]`` (a promotion on one item), not shared over
      the order; default ``SANDBOX_ISELLER_ITEM_PROMOTIONS``, else order-level.
    - `bank_holidays`: weekdays the demo bank credits nothing: settlements due then arrive on
      the next open day (`bank_feed`).
    - `now`: the clock (tests); `client_id` / `client_secret`: the accepted credentials.
    - `tamper` (an attribute, `journal_sandbox.tamper.OrderTamper`): GetOrders serves changed
      orders (``sandbox.tamper.orders({order_id: fn})``) or a raw body with HTTP 200
      (``sandbox.tamper.raw_answer(b"<html>...")``) until ``sandbox.tamper.clear()``.
    """

    def __init__(
        self,
        state_dir: Path,
        *,
        seed: int = 7,
        orders_per_outlet_per_day: int = DEFAULT_ORDERS_PER_OUTLET_PER_DAY,
        history_days: int = 14,
        start_date: date | None = None,
        now: Callable[[], datetime] | None = None,
        client_id: str = "sandbox-iseller-client",
        client_secret: str = "sandbox-iseller-secret",
        token_ttl_seconds: int = 1209599,
        faults: FaultInjector | str | None = None,
        dialect: Dialect | str | None = None,
        outlet_count: int = len(OUTLETS_BY_CODE),
        tax_changes: dict[str, tuple[date, Decimal]] | None = None,
        bank_holidays: Iterable[date] = (),
        rotate_refresh_tokens: bool | None = None,
        cash_rounding: int | None = None,
        item_promotions: bool | None = None,
    ):
        """``outlet_count`` beyond three adds copies of the demo outlets (`demo_outlets`)."""
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._clock = now or (lambda: datetime.now(UTC))
        self.client_id = client_id
        self._client_secret = client_secret
        if token_ttl_seconds < 0:
            raise ValueError("token_ttl_seconds must be >= 0 (0: every token is born expired)")
        self.token_ttl_seconds = token_ttl_seconds
        if rotate_refresh_tokens is None:
            rotate_refresh_tokens = _flag(ROTATE_REFRESH_TOKENS_ENV)
        self.rotate_refresh_tokens = rotate_refresh_tokens
        if faults is None or isinstance(faults, str):
            spec = os.environ.get(FAULTS_ENV) if faults is None else faults
            faults = FaultInjector.from_spec(spec, seed=seed)
        self.faults = faults
        if dialect is None or isinstance(dialect, str):
            spec = os.environ.get(DIALECT_ENV) if dialect is None else dialect
            dialect = Dialect.from_spec(spec)
        self.dialect = dialect
        self._summary_parts = order_summary.SummaryParts()  # GetOrderSummary's decoded orders
        self._fault_bodies: dict[str, Any] = {}
        self.tamper = OrderTamper()
        self._lock = threading.RLock()
        self._base_url: str | None = None
        self._db = sqlite3.connect(
            self.state_dir / STATE_FILE, check_same_thread=False, isolation_level=None
        )
        self._check_schema()
        start_date = self._load_or_store_config(
            seed, orders_per_outlet_per_day, history_days, start_date
        )
        self.merchant = DemoMerchant(
            seed=seed,
            orders_per_outlet_per_day=orders_per_outlet_per_day,
            start_date=start_date,
            outlet_count=outlet_count,
            tax_changes=tax_changes,
            bank_holidays=bank_holidays,
            cash_rounding=cash_rounding or _cash_rounding_from_env(),
            item_promotions=(
                _flag(ITEM_PROMOTIONS_ENV) if item_promotions is None else item_promotions
            ),
        )

        self.router = Router()
        self.router.add("POST", "/oauth/token", self._token)
        self.router.add("GET", "/oauth/authorize", self._authorize)
        for method in ("GET", "POST"):
            self.router.add(method, _api_path("/api/v[12]/GetStoreInfo"), self._get_store_info)
            self.router.add(method, _api_path("/api/v1/version"), self._get_version)
        self.router.add("POST", _api_path("/api/v2/GetOrders"), self._get_orders)
        # GetProducts answers carry ``error_detail`` (an integrator's notes); the other v2
        # samples end with error_message, status and time.
        self.router.add(
            "POST",
            _api_path("/api/v2/GetProducts"),
            self._endpoint(self._query_products, error_detail=True),
        )
        v2 = {
            "GetTransactions": self._query_transactions,
            "GetTransactionSummary": self._query_transaction_summary,
            "GetOrderSummary": self._query_order_summary,
            "GetRegisterShifts": self._query_register_shifts,
        }
        for name, query in v2.items():
            self.router.add("POST", _api_path(f"/api/v2/{name}"), self._endpoint(query))
        from journal_sandbox.iseller_erp import erp_endpoints

        for name, query in erp_endpoints(self).items():
            self.router.add(
                "POST",
                _api_path(f"/api/v3/{name}"),
                self._endpoint(query, error_detail=True, v2=False),
            )

    # -- public -------------------------------------------------------------------------------

    def now(self) -> datetime:
        value = self._clock()
        if value.tzinfo is None:
            raise ValueError("the sandbox clock must return timezone-aware datetimes")
        return value.astimezone(UTC)

    def app(self, request: Request) -> Response:
        """Answer one request; injected faults come first (no lock is held while they sleep)."""
        answer, lost = self.faults.before(
            request,
            error_response=lambda status: self._fault_response(request.path, status),
            rate_limited_response=lambda: Response(429, {"message": TOO_MANY_REQUESTS_MESSAGE}),
        )
        if answer is not None:
            return answer
        response = self.router.dispatch(request)
        if lost:  # processed (tokens issued, state materialised), then the answer is lost
            return Response(drop_connection=True)
        return response

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
        """An HTTP server for this sandbox, bound but not started (call ``.start()``)."""
        server = SandboxServer(self.app, host, port)
        self._base_url = server.url
        return server

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def inject_fault(
        self, path: str, *, status: int | None = 503, times: int = 1, body: Any = None
    ) -> None:
        """Answer the next `times` requests whose path contains `path` with `status`.

        ``status=None`` drops the connection without an answer (before processing). `body`
        replaces the default error body for this path.
        """
        if status is None:
            self.faults.once(path, "timeout", times=times)
            return
        if body is not None:
            with self._lock:
                self._fault_bodies[path] = copy.deepcopy(body)
        self.faults.once(path, "error", times=times, status=status)

    def expire_access_tokens(self) -> int:
        """Make every access token issued so far expired; returns how many there were."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE tokens SET expires_at = ? WHERE kind = 'access'",
                (fmt_dt(self.now() - timedelta(seconds=1)),),
            )
            return cursor.rowcount

    def served_orders(self) -> list[dict[str, Any]]:
        """Every order served so far (UTC dates, every block, money as Decimal)."""
        with self._lock:
            self._materialize(self.now())
            rows = self._db.execute("SELECT body FROM orders ORDER BY order_date, order_id")
            return [json.loads(body, parse_float=Decimal) for (body,) in rows]

    # -- state --------------------------------------------------------------------------------

    def _check_schema(self) -> None:
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        if "meta" in tables and self._meta("schema") != SCHEMA_VERSION:
            self._db.close()
            raise ValueError(
                f"the iSeller sandbox state in {self.state_dir} was written by another version; "
                "delete the state directory (or start with --reset)"
            )
        self._db.executescript(_SCHEMA)
        self._set_meta("schema", SCHEMA_VERSION)

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _load_or_store_config(
        self, seed: int, orders_per_day: int, history_days: int, start_date: date | None
    ) -> date:
        if history_days < 0:
            raise ValueError("history_days must be >= 0")
        with self._lock:
            stored_seed = self._meta("seed")
            if stored_seed is None:
                start = start_date or DemoMerchant.start_date_for(self.now(), history_days)
                self._set_meta("seed", str(seed))
                self._set_meta("orders_per_outlet_per_day", str(orders_per_day))
                self._set_meta("start_date", start.isoformat())
                return start
            stored_rate = self._meta("orders_per_outlet_per_day")
            if stored_seed != str(seed) or stored_rate != str(orders_per_day):
                raise ValueError(
                    f"the iSeller sandbox state in {self.state_dir} was created with "
                    f"seed={stored_seed}, orders_per_outlet_per_day={stored_rate}; "
                    "delete the state directory to start over with other settings"
                )
            stored_start = datetime.fromisoformat(self._meta("start_date") or "").date()
            if start_date is not None and start_date != stored_start:
                raise ValueError(
                    f"the iSeller sandbox state in {self.state_dir} starts on {stored_start}; "
                    "delete the state directory to start over with another start date"
                )
            return stored_start

    def _materialize(self, now: datetime) -> None:
        """Record every order whose state changed (closed or voided) up to `now`."""
        raw = self._meta("materialized_until")
        watermark = parse_dt(raw) if raw else None
        if watermark is not None and now <= watermark:
            return
        rows = []
        transactions = []
        for outlet_code, day in self.merchant.business_dates(now):
            if watermark is not None:
                zone = outlet_profile(outlet_code).zone
                oldest = watermark.astimezone(zone).date() - timedelta(days=MAX_CHANGE_LAG_DAYS)
                if day < oldest:
                    continue
            for order in self.merchant.orders_changed(outlet_code, day, watermark, now):
                state = order.state_at(now)
                if state is None:
                    continue
                shown = state.order
                transactions.extend(
                    (
                        t["transaction_id"],
                        shown["order_id"],
                        shown["outlet_id"],
                        t["transaction_date"],
                        _dumps(t),
                    )
                    for t in shown["transactions"]
                )
                rows.append(
                    (
                        shown["order_id"],
                        shown["outlet_id"],
                        shown["customer_id"],
                        shown["payment_status"],
                        shown["fulfillment_status"],
                        shown["order_date"],
                        shown["modified_date"],
                        _dumps(shown),
                        _dumps(list(state.refunds)),
                    )
                )
        self._db.execute("BEGIN")
        try:
            self._db.executemany(
                "INSERT INTO orders (order_id, outlet_id, customer_id, payment_status, "
                "fulfillment_status, order_date, modified_date, body, refunds) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(order_id) DO UPDATE SET "
                "payment_status = excluded.payment_status, "
                "fulfillment_status = excluded.fulfillment_status, "
                "modified_date = excluded.modified_date, body = excluded.body, "
                "refunds = excluded.refunds",
                rows,
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO transactions "
                "(transaction_id, order_id, outlet_id, transaction_date, body) "
                "VALUES (?, ?, ?, ?, ?)",
                transactions,
            )
            self._set_meta("materialized_until", now.strftime(DATE_FORMAT))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _fault_response(self, path: str, status: int) -> Response:
        with self._lock:
            body = next((b for p, b in self._fault_bodies.items() if p in path), None)
        if body is None:
            body = {"message": SERVER_ERROR_MESSAGE}
        return Response(status, copy.deepcopy(body))

    # -- requests -----------------------------------------------------------------------------

    def _params(self, request: Request) -> dict[str, str]:
        """Query string plus body (form-urlencoded or JSON), values as strings, under the
        names and page numbering the endpoints read (`_dialect_params`)."""
        params = dict(request.query)
        body = request.body.strip()
        content_type = (request.header("content-type") or "").lower()
        if "application/json" in content_type or body.startswith(b"{"):
            try:
                data = json.loads(body.decode("utf-8")) if body else {}
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise _ApiError("The request body is not valid JSON.", str(exc)) from None
            if not isinstance(data, dict):
                raise _ApiError("The request body must be a JSON object.")
            for key, value in data.items():
                if value is None:
                    continue
                if isinstance(value, bool):
                    params[key] = "true" if value else "false"
                elif isinstance(value, list):
                    params[key] = ",".join(str(v) for v in value)
                else:
                    params[key] = str(value)
        elif "multipart/form-data" in content_type:
            params.update(_multipart_fields(request.header("content-type") or "", request.body))
        elif body:
            params.update(request.form())
        return _dialect_params(params, self.dialect)

    def _authorized(self, request: Request) -> bool:
        header = request.header("authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        with self._lock:
            row = self._db.execute(
                "SELECT expires_at FROM tokens WHERE token_hash = ? AND kind = 'access'",
                (_hash(token.strip()),),
            ).fetchone()
        return row is not None and self.now() < parse_dt(row[0])

    @staticmethod
    def _unauthorized() -> Response:
        return Response(
            401, {"message": UNAUTHORIZED_MESSAGE}, headers={"WWW-Authenticate": "Bearer"}
        )

    # -- /oauth/token -------------------------------------------------------------------------

    def _token(self, request: Request) -> Response:
        try:
            params = self._params(request)
        except _ApiError as exc:
            return Response(400, {"error": "invalid_request", "error_description": exc.message})
        grant_type = params.get("grant_type", "")
        if grant_type not in ("authorization_code", "client_credentials", "refresh_token"):
            error = "invalid_request" if not grant_type else "unsupported_grant_type"
            return Response(400, {"error": error})
        client = _client_credentials(request, params)
        if client is None:
            return Response(400, {"error": "invalid_request"})
        if not (
            hmac.compare_digest(client[0], self.client_id)
            and hmac.compare_digest(client[1], self._client_secret)
        ):
            return Response(400, {"error": "invalid_client"})
        now = self.now()
        with self._lock:
            if grant_type == "authorization_code":
                code_hash = _hash(f"{params.get('code', '')}\n{params.get('redirect_uri', '')}")
                rows = self._db.execute(
                    "DELETE FROM tokens WHERE token_hash = ? AND kind = 'code' "
                    "RETURNING client_id, expires_at",
                    (code_hash,),
                ).fetchall()
                row = rows[0] if rows else None
                if row is None or row[0] != self.client_id or now >= parse_dt(row[1]):
                    return Response(400, {"error": "invalid_grant"})
            if grant_type == "refresh_token":
                refresh_token = params.get("refresh_token", "")
                row = self._db.execute(
                    "SELECT client_id FROM tokens WHERE token_hash = ? AND kind = 'refresh'",
                    (_hash(refresh_token),),
                ).fetchone()
                if row is None or row[0] != self.client_id:
                    return Response(400, {"error": "invalid_grant"})
                if self.rotate_refresh_tokens:  # the one used is spent
                    self._db.execute(
                        "DELETE FROM tokens WHERE token_hash = ? AND kind = 'refresh'",
                        (_hash(refresh_token),),
                    )
            if grant_type != "refresh_token" or self.rotate_refresh_tokens:  # a new one
                refresh_token = secrets.token_urlsafe(32)
                self._db.execute(
                    "INSERT INTO tokens (token_hash, kind, client_id, issued_at, expires_at) "
                    "VALUES (?, 'refresh', ?, ?, NULL)",
                    (_hash(refresh_token), self.client_id, fmt_dt(now)),
                )
            access_token = secrets.token_urlsafe(48)
            self._db.execute(
                "INSERT INTO tokens (token_hash, kind, client_id, issued_at, expires_at) "
                "VALUES (?, 'access', ?, ?, ?)",
                (
                    _hash(access_token),
                    self.client_id,
                    fmt_dt(now),
                    fmt_dt(now + timedelta(seconds=self.token_ttl_seconds)),
                ),
            )
        return Response(
            200,
            {
                "access_token": access_token,
                "token_type": "bearer",
                "expires_in": self.token_ttl_seconds,
                "refresh_token": refresh_token,
                "resource_url": self._resource_url(request),
            },
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    def _authorize(self, request: Request) -> Response:
        """``GET /oauth/authorize``: the merchant's grant page, granted at once.

        Redirects (302) to ``redirect_uri`` with a single-use ``code`` (valid
        `AUTHORIZATION_CODE_TTL`) and the ``state`` given. A request that cannot be redirected
        (unknown ``client_id``, ``redirect_uri`` not absolute) is answered 400; a wrong
        ``response_type`` is redirected with ``error=unsupported_response_type``.
        """
        params = request.query
        redirect_uri = params.get("redirect_uri") or params.get("redirect_id") or ""
        target = urlsplit(redirect_uri)
        if params.get("client_id") != self.client_id:
            return Response(400, {"error": "invalid_client"})
        if target.scheme not in ("http", "https") or not target.netloc:
            return Response(400, {"error": "invalid_request", "error_description": "redirect_uri"})
        answer: dict[str, str] = {}
        if params.get("response_type") != "code":
            answer["error"] = "unsupported_response_type"
        else:
            code = secrets.token_hex(32)
            now = self.now()
            with self._lock:
                self._db.execute(
                    "INSERT INTO tokens (token_hash, kind, client_id, issued_at, expires_at) "
                    "VALUES (?, 'code', ?, ?, ?)",
                    (
                        _hash(f"{code}\n{redirect_uri}"),
                        self.client_id,
                        fmt_dt(now),
                        fmt_dt(now + AUTHORIZATION_CODE_TTL),
                    ),
                )
            answer["code"] = code
        if "state" in params:
            answer["state"] = params["state"]
        query = "&".join(part for part in (target.query, urlencode(answer)) if part)
        location = urlunsplit((target.scheme, target.netloc, target.path, query, ""))
        return Response(302, None, headers={"Location": location, "Cache-Control": "no-store"})

    def _resource_url(self, request: Request) -> str:
        host = request.header("host")
        if host:
            return f"http://{host}"
        return self._base_url or "http://127.0.0.1"

    def _endpoint(
        self,
        query: Callable[[dict[str, str]], dict[str, Any]],
        *,
        error_detail: bool = False,
        v2: bool = True,
    ) -> Callable[[Request], Response]:
        """A handler: bearer check, parameters, HTTP 200 with ``status`` true or false
        (with ``error_detail: null`` on success when `error_detail`); a v2 answer in the
        dialect's envelope. Every paged read but GetOrders (`_get_orders`) comes here: under
        ``next_flag=orders_only`` its answer has no ``has_next_item``."""

        def handle(request: Request) -> Response:
            started = _time.perf_counter()
            if not self._authorized(request):
                return self._unauthorized()
            try:
                body = json_numbers(query(self._params(request)))
                if self.dialect.next_flag == "orders_only":
                    body.pop("has_next_item", None)
                body.update(error_message=None, status=True)
                if error_detail:
                    body["error_detail"] = None
            except _ApiError as exc:
                body = {"error_message": exc.message, "error_detail": exc.detail, "status": False}
            body["time"] = _timespan(_time.perf_counter() - started)
            return Response(200, self._enveloped(body) if v2 else body)

        return handle

    def _enveloped(self, body: Any) -> Any:
        """A v2 answer as the dialect sends it (I-6): the object, or the object in an array."""
        return [body] if self.dialect.envelope == "array" and isinstance(body, dict) else body

    def materialized(self) -> datetime:
        """Bring the stored orders up to the clock; returns the clock."""
        now = self.now()
        with self._lock:
            self._materialize(now)
        return now

    def query_db(self, sql: str, args: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, list(args)).fetchall()

    # -- /api/v2/GetProducts --------------------------------------------------------------------

    def _query_products(self, params: dict[str, str]) -> dict[str, Any]:
        for name in ("track_inventory", "modified_after", "page", "page_size"):
            if not (params.get(name) or "").strip():
                raise _ApiError(
                    f"{name} is required.",
                    "GetProducts requires track_inventory, modified_after, page and page_size.",
                )
        tracked = _parse_bool("track_inventory", params["track_inventory"])
        modified_after = _parse_filter_date("modified_after", params["modified_after"], 0)
        page, page_size = _paging(params)
        includes = parse_includes(params.get("includes"))
        products = [list_set(p, self.dialect) for p in self.merchant.products(includes)]
        products = [p for p in products if p["modified_date"] >= (modified_after or "")]
        if tracked:
            products = [p for p in products if p["track_inventory"]]
        for name in ("product_header_id", "type"):
            value = (params.get(name) or "").strip().lower()
            if value:
                products = [p for p in products if str(p[name]).lower() == value]
        wanted_types = {v.strip().lower() for v in (params.get("product_type") or "").split(",")}
        wanted_types.discard("")
        if wanted_types:
            products = [p for p in products if (p["product_type"] or "").lower() in wanted_types]
        tag = (params.get("tags") or "").strip().lower()
        if tag:
            products = [p for p in products if tag in {t.lower() for t in p["_tags"]}]
        shown = products[(page - 1) * page_size : page * page_size]
        self._stock_levels(shown)
        for product in shown:
            if "tags" not in includes:
                product["tags"] = None
            del product["_tags"]
        return {
            "products": shown,
            "has_next_item": page * page_size < len(products),
        }

    @property
    def stock_ledger(self) -> StockLedger:
        """The merchant's stock ledger; order days' movements are saved in the state
        directory, so a restart does not generate every order again."""
        return stock_ledger(self.merchant, self.state_dir / STOCK_MOVES_FILE)

    def _stock_levels(self, products: list[dict[str, Any]]) -> None:
        """``inventories[].unit_in_stock``: the stock ledger's level at the clock, in whole
        units (I-37, `iseller_stock_levels`)."""
        if not any(product["inventories"] for product in products):
            return
        levels = self.stock_ledger.levels(self.now())
        for product in products:
            for inventory in product["inventories"]:
                inventory["unit_in_stock"] = levels[(inventory["outlet_code"], product["sku"])]

    # -- /api/v2/GetTransactions ----------------------------------------------------------------

    @property
    def _before(self) -> str:
        """The SQL comparison of a ``*_before`` bound: ``<=`` (inclusive, I-10) or ``<``
        (the dialect ``bounds=exclusive_end``)."""
        return "<" if self.dialect.bounds == "exclusive_end" else "<="

    def _window(
        self, params: dict[str, str], column: str, *, required: bool = False
    ) -> tuple[int, list[str], list[Any]]:
        """(time_zone, SQL conditions, args) of the created_/modified_ bounds on `column`.

        Every bound is optional, as the document's parameter tables of GetTransactions and
        GetTransactionSummary say (only ``time_zone`` is required there)."""
        time_zone = _parse_time_zone(params.get("time_zone"))
        bounds = {
            name: _parse_filter_date(name, params.get(name), time_zone)
            for name in ("created_after", "created_before", "modified_after", "modified_before")
        }
        if required and bounds["created_after"] is None and bounds["modified_after"] is None:
            raise _ApiError(
                "Either created_after or modified_after is required.",
                "a lower date bound is required: created_after or modified_after.",
            )
        where, args = [], []
        for name, value in bounds.items():
            if value is not None:
                where.append(f"{column} {'>=' if name.endswith('after') else self._before} ?")
                args.append(value)
        outlet_id = (params.get("outlet_id") or "").strip().lower()
        if outlet_id:
            where.append("outlet_id = ?")
            args.append(outlet_id)
        return time_zone, where, args

    def _query_transactions(self, params: dict[str, str]) -> dict[str, Any]:
        time_zone, where, args = self._window(params, "transaction_date")
        time_zone = written_offset(self.dialect, time_zone)  # of the output, from here on
        _sort_column(params)
        direction = _sort_direction(params)
        page, page_size = _paging(params)
        includes = parse_includes(params.get("includes"))
        if self.dialect.void_shape == "status_only":  # a void is the order's status only (I-23)
            where.append("json_extract(body, '$.type') != 'void'")
        where_sql = f"WHERE {' AND '.join(where)}" if where else ""
        self.materialized()
        total = self.query_db(f"SELECT COUNT(*) FROM transactions {where_sql}", args)[0][0]
        if not any((params.get(name) or "").strip() for name in ("page", "page_size")):
            # Unpaged, as the document's sample (no paging parameters, count 815).
            page, page_size = 1, max(total, 1)
        rows = self.query_db(
            f"SELECT body FROM transactions {where_sql} ORDER BY transaction_date {direction}, "
            f"transaction_id {direction} LIMIT ? OFFSET ?",
            [*args, page_size, (page - 1) * page_size],
        )
        transactions = []
        for (body,) in rows:
            transaction = json.loads(body)
            transaction["transaction_date"] = _shift(transaction["transaction_date"], time_zone)
            if "mdr" not in includes:
                transaction["mdr"] = None
            transactions.append(state_payment(transaction, self.dialect))
        return {
            "count": len(transactions),
            "transactions": state_text(transactions, self.dialect),
            "has_next_item": (page - 1) * page_size + len(transactions) < total,
        }

    # -- /api/v2/GetTransactionSummary ----------------------------------------------------------

    def _query_transaction_summary(self, params: dict[str, str]) -> dict[str, Any]:
        """Payments per UTC day of ``transaction_date`` and method (I-38): sales add, refunds
        and voids subtract. Every dialect states the payments alike (a void on its
        ``cancel_date`` also under ``void_shape=status_only``, whatever a refund's sign)."""
        time_zone, where, args = self._window(params, "transaction_date")
        time_zone = written_offset(self.dialect, time_zone)  # of the labels, from here on
        _summary_paging(params)
        where_sql = f"WHERE {' AND '.join(where)}" if where else ""
        self.materialized()
        rows = self.query_db(
            f"SELECT transaction_date, body FROM transactions {where_sql} "
            "ORDER BY transaction_date",
            args,
        )
        buckets: dict[str, dict[str, Any]] = {}
        labels: dict[str, str] = {}  # a UTC day's label, worked out once per call
        for transaction_date, body in rows:
            transaction = json.loads(body, parse_float=Decimal)
            utc_day = transaction_date[:10]
            label = labels.get(utc_day)
            if label is None:
                label = labels[utc_day] = _shift(utc_day + " 00:00:00", time_zone) or ""
            bucket = buckets.get(label)
            if bucket is None:
                bucket = buckets[label] = {
                    "customs": {},
                    **dict.fromkeys(SUMMARY_GATEWAYS, Decimal(0)),
                }
            sign = 1 if transaction["type"] == "sale" else -1
            amount = sign * Decimal(transaction["amount"])
            if transaction["gateway"] == "custom":
                name = transaction["payment_type_name"]
                bucket["customs"][name] = bucket["customs"].get(name, Decimal(0)) + amount
            else:
                bucket[transaction["gateway"]] += amount
        summaries = [
            {
                "order_date": day,
                **{gateway: bucket[gateway] for gateway in SUMMARY_GATEWAYS},
                "customs": [
                    {"name": name, "amount": amount}
                    for name, amount in sorted(bucket["customs"].items())
                ],
            }
            for day, bucket in sorted(buckets.items())
        ]
        return {
            "count": len(summaries),
            "transaction_summaries": state_text(json_numbers(summaries), self.dialect),
        }

    # -- /api/v2/GetOrderSummary ----------------------------------------------------------------

    def _query_order_summary(self, params: dict[str, str]) -> dict[str, Any]:
        """Completed orders per UTC day of ``order_date`` (I-39), their money summed as the
        dialect states it (`dialect_money.state_money`), as GetOrders serves them."""
        time_zone = _parse_time_zone(params.get("time_zone"))
        where, args = self._order_summary_where(params, time_zone)
        time_zone = written_offset(self.dialect, time_zone)  # of the labels, from here on
        _summary_paging(params)
        track = "trackinventory" in parse_includes(params.get("includes"))
        self.materialized()
        rows = self.query_db(
            "SELECT order_id, body, refunds FROM orders "
            "WHERE json_extract(body, '$.status') = 'completed' "
            + (f"AND {' AND '.join(where)} " if where else "")
            + "ORDER BY order_date",
            args,
        )
        summaries = order_summary.summaries(
            self._summary_parts.parts(rows, self.dialect),
            lambda utc_day: _shift(utc_day + " 00:00:00", time_zone) or "",
            track,
        )
        return {"count": len(summaries), "order_summaries": state_text(summaries, self.dialect)}

    def _order_summary_where(
        self, params: dict[str, str], time_zone: int
    ) -> tuple[list[str], list[Any]]:
        bounds = {
            name: _parse_filter_date(name, params.get(name), time_zone)
            for name in ("created_after", "created_before", "modified_after", "modified_before")
        }
        where, args = [], []
        for name, column in (
            ("created_after", "order_date >= ?"),
            ("created_before", f"order_date {self._before} ?"),
            ("modified_after", "modified_date >= ?"),
            ("modified_before", f"modified_date {self._before} ?"),
        ):
            if bounds[name] is not None:
                where.append(column)
                args.append(bounds[name])
        for name in ("outlet_id", "customer_id", "fulfillment_status"):
            value = (params.get(name) or "").strip().lower()
            if value:
                where.append(f"{name} = ?")
                args.append(value)
        return where, args

    # -- /api/v2/GetRegisterShifts --------------------------------------------------------------

    def _query_register_shifts(self, params: dict[str, str]) -> dict[str, Any]:
        time_zone = _parse_time_zone(params.get("time_zone"))
        params = shift_params(params, self.dialect)  # modified_date, as the dialect reads it
        bounds = {
            name: _parse_filter_date(name, params.get(name), time_zone)
            for name in ("created_after", "created_before", "modified_after", "modified_before")
        }
        sort_key = "open_date" if _sort_column(params) == "order_date" else "modified_date"
        direction = _sort_direction(params)
        page, page_size = _paging(params)
        now = self.now()
        exclusive = self.dialect.bounds == "exclusive_end"
        shifts = []
        for shift in self.merchant.register_shifts(now):
            if bounds["created_after"] and shift["open_date"] < bounds["created_after"]:
                continue
            if _beyond(shift["open_date"], bounds["created_before"], exclusive):
                continue
            if bounds["modified_after"] and shift["modified_date"] < bounds["modified_after"]:
                continue
            if _beyond(shift["modified_date"], bounds["modified_before"], exclusive):
                continue
            if (params.get("outlet_id") or "").strip().lower() not in ("", shift["outlet_id"]):
                continue
            if (params.get("register_id") or "").strip().lower() not in ("", shift["register_id"]):
                continue
            shifts.append(shift)
        shifts.sort(
            key=lambda s: (s[sort_key], s["register_shift_id"]), reverse=direction == "DESC"
        )
        page_items = shifts[(page - 1) * page_size : page * page_size]
        out = []
        for shift in page_items:
            written = {
                **shift,
                "open_date": _shift(shift["open_date"], time_zone),
                "closed_date": _shift(shift["closed_date"], time_zone),
            }
            out.append(serve_shift(written, self.dialect))
        return {
            "count": len(out),
            "register_shifts": out,
            "has_next_item": page * page_size < len(shifts),
        }

    # -- /api/v2/GetStoreInfo -----------------------------------------------------------------

    def _get_store_info(self, request: Request) -> Response:
        started = _time.perf_counter()
        if not self._authorized(request):
            return self._unauthorized()
        return Response(
            200,
            self._enveloped(
                {
                    "store_info": self.merchant.store_info(),
                    "error_message": None,
                    "status": True,
                    "time": _timespan(_time.perf_counter() - started),
                }
            ),
        )

    def _get_version(self, request: Request) -> Response:
        """I-47: the document's example first call; the answer's shape is not documented."""
        started = _time.perf_counter()
        if not self._authorized(request):
            return self._unauthorized()
        return Response(
            200,
            {
                "version": API_VERSION,
                "error_message": None,
                "status": True,
                "time": _timespan(_time.perf_counter() - started),
            },
        )

    # -- /api/v2/GetOrders --------------------------------------------------------------------

    def _get_orders(self, request: Request) -> Response:
        started = _time.perf_counter()
        if not self._authorized(request):
            return self._unauthorized()
        raw = self.tamper.take_raw()
        if raw is not None:
            return Response(200, raw)
        try:
            body = self._query_orders(self._params(request))
        except _ApiError as exc:
            body = {
                "error_message": exc.message,
                "error_detail": exc.detail,
                "status": False,
            }
        body["time"] = _timespan(_time.perf_counter() - started)
        return Response(200, self._enveloped(body))

    def _query_orders(self, params: dict[str, str]) -> dict[str, Any]:
        time_zone = _parse_time_zone(params.get("time_zone"))
        bounds = {
            name: _parse_filter_date(name, params.get(name), time_zone)
            for name in ("created_after", "created_before", "modified_after", "modified_before")
        }
        if bounds["created_after"] is None and self.dialect.order_bound == "created":
            raise _ApiError("created_after is required.", "GetOrders needs created_after.")
        if bounds["created_after"] is None and bounds["modified_after"] is None:
            raise _ApiError(
                "Either created_after or modified_after is required.",
                "GetOrders needs a lower date bound: created_after or modified_after.",
            )
        sort = (params.get("sort") or "CreatedDate").strip()
        sort_column = {"createddate": "order_date", "modifieddate": "modified_date"}.get(
            sort.lower()
        )
        if sort_column is None:
            raise _ApiError(
                f"Invalid sort '{sort}'. Possible values are CreatedDate, ModifiedDate."
            )
        direction = (params.get("sort_direction") or "ASC").strip().upper()
        if direction not in ("ASC", "DESC"):
            raise _ApiError(f"Invalid sort_direction '{direction}'. Possible values are ASC, DESC.")
        page, page_size = _paging(params, default_page_size=DEFAULT_ORDERS_PAGE_SIZE)
        includes = parse_includes(params.get("includes"))
        time_zone = written_offset(self.dialect, time_zone)  # of the output, from here on

        where: list[str] = []
        args: list[Any] = []
        for name, column, op in (
            ("created_after", "order_date", ">="),
            ("created_before", "order_date", self._before),
            ("modified_after", "modified_date", ">="),
            ("modified_before", "modified_date", self._before),
        ):
            if bounds[name] is not None:
                where.append(f"{column} {op} ?")
                args.append(bounds[name])
        for name in ("outlet_id", "order_id", "customer_id"):
            value = (params.get(name) or "").strip()
            if value:
                where.append(f"{name} = ?")
                args.append(value.lower())
        for name in ("payment_status", "fulfillment_status"):
            value = (params.get(name) or "").strip()
            if value:
                where.append(f"{name} = ?")
                args.append(value.lower())
        where_sql = f"WHERE {' AND '.join(where)}" if where else ""

        with self._lock:
            self._materialize(self.now())
            total = self._db.execute(f"SELECT COUNT(*) FROM orders {where_sql}", args).fetchone()[0]
            rows = self._db.execute(
                f"SELECT body, refunds FROM orders {where_sql} "
                f"ORDER BY {sort_column} {direction}, order_id {direction} LIMIT ? OFFSET ?",
                [*args, page_size, (page - 1) * page_size],
            ).fetchall()
        stored = [json.loads(body) for body, _ in rows]
        orders = [
            serve_order(
                render_order(list_discounts(order, self.dialect), includes, time_zone),
                self.dialect,
            )
            for order in stored
        ]
        orders = self.tamper.apply(orders)
        result: dict[str, Any] = {"count": len(orders), "orders": orders}
        if "trackinventory" in includes:
            result["refunded_orders"] = state_text(
                [
                    render_refund(entry, time_zone)
                    for _, refunds in rows
                    for entry in json.loads(refunds)
                ],
                self.dialect,
            )
            result["fulfillments"] = state_text(
                [
                    render_fulfillment(order, time_zone)
                    for order in stored
                    if order["fulfillment_status"] == "fulfilled"
                ],
                self.dialect,
            )
        result.update(
            has_next_item=(page - 1) * page_size + len(orders) < total,
            error_message=None,
            status=True,
        )
        return result


# ---------------------------------------------------------------------------------------------
# Parameter parsing
# ---------------------------------------------------------------------------------------------


def _multipart_fields(content_type: str, body: bytes) -> dict[str, str]:
    """The text fields of a ``multipart/form-data`` body (Postman's "form-data")."""
    message = BytesParser(policy=email_policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body
    )
    if not message.is_multipart():
        raise _ApiError("The multipart request body could not be read.")
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            payload = part.get_payload(decode=True) or b""
            fields[str(name)] = payload.decode(part.get_content_charset() or "utf-8")
    return fields


def _parse_time_zone(value: str | None) -> int:
    if value is None or not value.strip():
        raise _ApiError(
            "time_zone is required.", "time_zone is the UTC offset in whole hours, e.g. 7."
        )
    try:
        offset = int(value.strip())
    except ValueError:
        raise _ApiError(
            f"Invalid time_zone '{value}'.", "time_zone is the UTC offset in whole hours, e.g. 7."
        ) from None
    if not -12 <= offset <= 14:
        raise _ApiError(f"Invalid time_zone '{value}'.", "time_zone must be between -12 and 14.")
    return offset


def _parse_filter_date(name: str, value: str | None, time_zone: int) -> str | None:
    """A filter datetime in the request's offset, as the stored UTC string."""
    if value is None or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is not None:
        raise _ApiError(
            f"Invalid {name} '{value}'.",
            f"{name} must be an ISO 8601 date time without time zone, e.g. 2017-11-20T10:00:00.",
        )
    return (parsed - timedelta(hours=time_zone)).strftime(DATE_FORMAT)


def _beyond(moment: str, bound: str | None, exclusive: bool) -> bool:
    """Whether `moment` is past a ``*_before`` bound (at the bound too when `exclusive`)."""
    if not bound:
        return False
    return moment >= bound if exclusive else moment > bound


def _parse_int(
    name: str, value: str | None, *, default: int, minimum: int, maximum: int | None = None
) -> int:
    if value is None or not value.strip():
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise _ApiError(f"Invalid {name} '{value}'.") from None
    if number < minimum or (maximum is not None and number > maximum):
        limit = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise _ApiError(f"Invalid {name} '{value}'.", f"{name} must be {limit}.")
    return number


def _add_units(totals: dict[str, dict[str, Any]], unit: dict[str, Any]) -> None:
    """Add a StoreInventoryModel to per-product totals (stock summed)."""
    entry = totals.setdefault(
        unit["product_id"],
        {
            "product_name": unit["product_name"],
            "product_id": unit["product_id"],
            "sku": unit["sku"],
            "stock": Decimal(0),
            "serial_numbers": None,
        },
    )
    entry["stock"] += Decimal(unit["stock"])


def _parse_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise _ApiError(f"Invalid {name} '{value}'.", f"{name} must be true or false.")


def _paging(
    params: dict[str, str], *, default_page_size: int = DEFAULT_PAGE_SIZE
) -> tuple[int, int]:
    """(page number, page_size): the page counted from 1 whatever the dialect's base, as
    `_dialect_params` left it (the first page when not given)."""
    page = _parse_int("page", params.get("page"), default=1, minimum=1)
    page_size = _parse_int(
        "page_size",
        params.get("page_size"),
        default=default_page_size,
        minimum=1,
        maximum=MAX_PAGE_SIZE,
    )
    return page, page_size


def _dialect_params(params: dict[str, str], dialect: Dialect) -> dict[str, str]:
    """`params` under the names and page numbering the endpoints read, whatever the dialect:

    - ``timezone_param=both``: ``timezone`` is read as ``time_zone``;
    - ``fulfilment=both``: ``fulfilment_status`` is read as ``fulfillment_status``;
    - ``page_base=0``: ``page`` counts from 0 (a negative page is refused) and is handed on
      counted from 1, so ``page=0`` is the first page everywhere. With ``page_base=1`` it is
      handed on as sent (``page=0`` is refused by `_paging`).

    An alias given with its documented name must agree with it (else ``status: false``).
    """
    if dialect.timezone_param == "both":
        _alias(params, "timezone", "time_zone")
    if dialect.fulfilment == "both":
        _alias(params, "fulfilment_status", "fulfillment_status")
    raw = params.get("page")
    if dialect.page_base == 0 and raw is not None and raw.strip():
        try:
            page = int(raw.strip())
        except ValueError:
            raise _ApiError(f"Invalid page '{raw}'.", "page must be >= 0.") from None
        if page < 0:
            raise _ApiError(f"Invalid page '{raw}'.", "page must be >= 0.")
        params["page"] = str(page + 1)
    return params


def _alias(params: dict[str, str], alias: str, name: str) -> None:
    """Read ``params[alias]`` as ``params[name]``; both given, they must agree."""
    value = params.pop(alias, None)
    given = params.get(name)
    if value is None or not value.strip():
        if given is None and value is not None:
            params[name] = value
        return
    if given is None or not given.strip():
        params[name] = value
    elif not _agree(given, value):
        raise _ApiError(
            f"{name} '{given}' and {alias} '{value}' disagree.",
            f"{alias} is read as {name}: give one of them, or the same value in both.",
        )


def _agree(first: str, second: str) -> bool:
    """The same value: equal ignoring case and spaces, or the same whole number."""
    a, b = first.strip().lower(), second.strip().lower()
    if a == b:
        return True
    try:
        return int(a) == int(b)
    except ValueError:
        return False


def _summary_paging(params: dict[str, str]) -> None:
    """Check the sort and paging parameters the summaries accept; a summary is not paged."""
    _sort_column(params)
    _sort_direction(params)
    _paging(params)


def _sort_column(params: dict[str, str]) -> str:
    sort = (params.get("sort") or "CreatedDate").strip()
    column = {"createddate": "order_date", "modifieddate": "modified_date"}.get(sort.lower())
    if column is None:
        raise _ApiError(f"Invalid sort '{sort}'. Possible values are CreatedDate, ModifiedDate.")
    return column


def _sort_direction(params: dict[str, str]) -> str:
    direction = (params.get("sort_direction") or "ASC").strip().upper()
    if direction not in ("ASC", "DESC"):
        raise _ApiError(f"Invalid sort_direction '{direction}'. Possible values are ASC, DESC.")
    return direction
