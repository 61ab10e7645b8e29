"""A local iSeller: the OAuth token endpoint and the Public API v2 reads the pipeline uses.

Serves the demo merchant of `demo_merchant` over real HTTP (see `sandbox/http.py`):

- ``POST /oauth/token``: grants ``client_credentials`` and ``refresh_token``;
- ``GET|POST /api/v2/GetStoreInfo``;
- ``POST /api/v2/GetOrders``: filters, sorting, paging, ``includes`` and ``time_zone``
  conversion as iSeller documents them.

State lives in SQLite under `state_dir`: the issued tokens and the orders served so far. Orders
are taken from the generator as the clock passes their closing (or voiding) time, so a restart
with the same directory serves the same orders and accepts the same tokens. Deleting the
directory resets the sandbox. Shapes the iSeller documents leave open are listed in
docs/assumptions/iseller.md.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
import time as _time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from journal_pipeline.sandbox.demo_merchant import (
    DATE_FORMAT,
    OUTLETS_BY_CODE,
    DemoMerchant,
    fmt_dt,
    parse_dt,
)
from journal_pipeline.sandbox.http import Request, Response, Router, SandboxServer

STATE_FILE = "iseller.sqlite3"

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

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

UNAUTHORIZED_MESSAGE = "Authorization has been denied for this request."

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
    body TEXT NOT NULL             -- the order, UTC dates, every detail block
);
CREATE INDEX IF NOT EXISTS orders_order_date ON orders (order_date);
CREATE INDEX IF NOT EXISTS orders_modified_date ON orders (modified_date);
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


def _shift(value: str | None, offset_hours: int) -> str | None:
    if value is None or offset_hours == 0:
        return value
    return (parse_dt(value) + timedelta(hours=offset_hours)).strftime(DATE_FORMAT)


def parse_includes(value: str | None) -> frozenset[str]:
    """``includes`` as a set of lower-cased names (comma-separated, case and spaces ignored)."""
    if not value:
        return frozenset()
    return frozenset(part.replace(" ", "").lower() for part in value.split(",") if part.strip())


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


def _timespan(seconds: float) -> str:
    """A duration as a .NET TimeSpan string, e.g. ``00:00:00.0123456``."""
    ticks = round(seconds * 10_000_000)
    whole, fraction = divmod(ticks, 10_000_000)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{fraction:07d}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# The sandbox
# ---------------------------------------------------------------------------------------------


class ISellerSandbox:
    """The iSeller emulator. `app` is the HTTP handler; `serve` wraps it in a server."""

    def __init__(
        self,
        state_dir: Path,
        *,
        seed: int = 7,
        orders_per_outlet_per_day: int = 40,
        history_days: int = 14,
        now: Callable[[], datetime] | None = None,
        client_id: str = "sandbox-iseller-client",
        client_secret: str = "sandbox-iseller-secret",
        token_ttl_seconds: int = 1209599,
    ):
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._clock = now or (lambda: datetime.now(UTC))
        self.client_id = client_id
        self._client_secret = client_secret
        self.token_ttl_seconds = token_ttl_seconds
        self._lock = threading.RLock()
        self._faults: dict[str, deque[Response]] = {}
        self._base_url: str | None = None
        self._db = sqlite3.connect(
            self.state_dir / STATE_FILE, check_same_thread=False, isolation_level=None
        )
        self._db.executescript(_SCHEMA)
        start_date = self._load_or_store_config(seed, orders_per_outlet_per_day, history_days)
        self.merchant = DemoMerchant(
            seed=seed, orders_per_outlet_per_day=orders_per_outlet_per_day, start_date=start_date
        )

        self.router = Router()
        self.router.add("POST", "/oauth/token", self._token)
        for method in ("GET", "POST"):
            self.router.add(method, "/api/v[12]/GetStoreInfo", self._get_store_info)
        self.router.add("POST", "/api/v2/GetOrders", self._get_orders)

    # -- public -------------------------------------------------------------------------------

    def now(self) -> datetime:
        value = self._clock()
        if value.tzinfo is None:
            raise ValueError("the sandbox clock must return timezone-aware datetimes")
        return value.astimezone(UTC)

    def app(self, request: Request) -> Response:
        fault = self._next_fault(request.path)
        if fault is not None:
            return fault
        return self.router.dispatch(request)

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
        """Answer the next `times` requests to `path` with `status` (None: drop the connection)."""
        if status is None:
            response = Response(drop_connection=True)
        else:
            response = Response(status, body if body is not None else {"message": "fault"})
        with self._lock:
            queue = self._faults.setdefault(path, deque())
            queue.extend(copy.deepcopy(response) for _ in range(times))

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

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _load_or_store_config(self, seed: int, orders_per_day: int, history_days: int) -> date:
        with self._lock:
            stored_seed = self._meta("seed")
            if stored_seed is None:
                start = DemoMerchant.start_date_for(self.now(), history_days)
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
            return datetime.fromisoformat(self._meta("start_date") or "").date()

    def _materialize(self, now: datetime) -> None:
        """Record every order whose state changed (closed or voided) up to `now`."""
        raw = self._meta("materialized_until")
        watermark = parse_dt(raw) if raw else None
        if watermark is not None and now <= watermark:
            return
        rows = []
        for outlet_code, day in self.merchant.business_dates(now):
            if watermark is not None:
                zone = OUTLETS_BY_CODE[outlet_code].zone
                if day < watermark.astimezone(zone).date() - timedelta(days=1):
                    continue
            for order in self.merchant.orders_for_day(outlet_code, day):
                changed = any(
                    (watermark is None or change > watermark) and change <= now
                    for change in order.state_changes()
                )
                shown = order.as_of(now) if changed else None
                if shown is None:
                    continue
                rows.append(
                    (
                        shown["order_id"],
                        shown["outlet_id"],
                        shown["customer_id"],
                        shown["payment_status"],
                        shown["fulfillment_status"],
                        shown["order_date"],
                        shown["modified_date"],
                        json.dumps(json_numbers(shown)),
                    )
                )
        self._db.execute("BEGIN")
        try:
            self._db.executemany(
                "INSERT INTO orders (order_id, outlet_id, customer_id, payment_status, "
                "fulfillment_status, order_date, modified_date, body) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(order_id) DO UPDATE SET "
                "payment_status = excluded.payment_status, "
                "fulfillment_status = excluded.fulfillment_status, "
                "modified_date = excluded.modified_date, body = excluded.body",
                rows,
            )
            self._set_meta("materialized_until", now.strftime(DATE_FORMAT))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _next_fault(self, path: str) -> Response | None:
        with self._lock:
            queue = self._faults.get(path)
            if queue:
                return queue.popleft()
        return None

    # -- requests -----------------------------------------------------------------------------

    @staticmethod
    def _params(request: Request) -> dict[str, str]:
        """Query string plus body (form-urlencoded or JSON), values as strings."""
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
        elif body:
            params.update(request.form())
        return params

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
        if grant_type not in ("client_credentials", "refresh_token"):
            error = "invalid_request" if not grant_type else "unsupported_grant_type"
            return Response(400, {"error": error})
        if not (
            hmac.compare_digest(params.get("client_id", ""), self.client_id)
            and hmac.compare_digest(params.get("client_secret", ""), self._client_secret)
        ):
            return Response(400, {"error": "invalid_client"})
        now = self.now()
        with self._lock:
            if grant_type == "refresh_token":
                refresh_token = params.get("refresh_token", "")
                row = self._db.execute(
                    "SELECT client_id FROM tokens WHERE token_hash = ? AND kind = 'refresh'",
                    (_hash(refresh_token),),
                ).fetchone()
                if row is None or row[0] != self.client_id:
                    return Response(400, {"error": "invalid_grant"})
            else:
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

    def _resource_url(self, request: Request) -> str:
        host = request.header("host")
        if host:
            return f"http://{host}"
        return self._base_url or "http://127.0.0.1"

    # -- /api/v2/GetStoreInfo -----------------------------------------------------------------

    def _get_store_info(self, request: Request) -> Response:
        started = _time.perf_counter()
        if not self._authorized(request):
            return self._unauthorized()
        return Response(
            200,
            {
                "store_info": self.merchant.store_info(),
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
        try:
            body = self._query_orders(self._params(request))
        except _ApiError as exc:
            body = {
                "error_message": exc.message,
                "error_detail": exc.detail,
                "status": False,
            }
        body["time"] = _timespan(_time.perf_counter() - started)
        return Response(200, body)

    def _query_orders(self, params: dict[str, str]) -> dict[str, Any]:
        time_zone = _parse_time_zone(params.get("time_zone"))
        bounds = {
            name: _parse_filter_date(name, params.get(name), time_zone)
            for name in ("created_after", "created_before", "modified_after", "modified_before")
        }
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
        page = _parse_int("page", params.get("page"), default=1, minimum=1)
        page_size = _parse_int(
            "page_size",
            params.get("page_size"),
            default=DEFAULT_PAGE_SIZE,
            minimum=1,
            maximum=MAX_PAGE_SIZE,
        )
        includes = parse_includes(params.get("includes"))

        where: list[str] = []
        args: list[Any] = []
        for name, column, op in (
            ("created_after", "order_date", ">="),
            ("created_before", "order_date", "<="),
            ("modified_after", "modified_date", ">="),
            ("modified_before", "modified_date", "<="),
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
                f"SELECT body FROM orders {where_sql} "
                f"ORDER BY {sort_column} {direction}, order_id {direction} LIMIT ? OFFSET ?",
                [*args, page_size, (page - 1) * page_size],
            ).fetchall()
        orders = [render_order(json.loads(body), includes, time_zone) for (body,) in rows]
        result: dict[str, Any] = {"count": len(orders), "orders": orders}
        if "trackinventory" in includes:
            result["refunded_orders"] = []
            result["fulfillments"] = []
        result.update(
            has_next_item=(page - 1) * page_size + len(orders) < total,
            error_message=None,
            status=True,
        )
        return result


# ---------------------------------------------------------------------------------------------
# Parameter parsing
# ---------------------------------------------------------------------------------------------


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
