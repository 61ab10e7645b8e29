"""A local emulator of the Mekari Jurnal public API (jurnal.id), for development and tests.

It answers real HTTP (see :mod:`journal_pipeline.sandbox.http`) under the Mekari API Gateway
prefix ``/public/jurnal/api/v1/`` and the legacy ``/core/api/v1/`` prefix, authenticates with
MAG HMAC-SHA256 or a legacy ``apikey`` header, rate-limits per credential like the gateway,
and keeps one Indonesian company in SQLite (:mod:`journal_pipeline.sandbox.jurnal_store`).

Implemented resources: sales invoices (create, batch create, list, get), products (create,
list, get), customers (create, list), accounts, warehouses, taxes, terms, the active company
and a simple trial balance computed from the postings of the accepted invoices. Where the
public documentation is silent, the choices made are listed in ``docs/assumptions/jurnal.md``
(J-numbers in the comments below refer to it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from journal_pipeline.sandbox.http import Request, Response, Router, SandboxServer
from journal_pipeline.sandbox.jurnal_store import (
    ACCOUNT_CASH,
    ACCOUNT_CATEGORIES,
    ACCOUNT_COGS,
    ACCOUNT_EDC_CLEARING,
    ACCOUNT_GOPAY_CLEARING,
    ACCOUNT_INVENTORY,
    ACCOUNT_OTHER_EXPENSE,
    ACCOUNT_OTHER_INCOME,
    ACCOUNT_PB1_PAYABLE,
    ACCOUNT_PETTY_CASH,
    ACCOUNT_PREPAID_PPH23,
    ACCOUNT_QRIS_CLEARING,
    ACCOUNT_RECEIVABLE,
    ACCOUNT_SALES,
    ACCOUNT_SALES_DISCOUNT,
    ACCOUNT_SALES_RETURN,
    ACCOUNT_SERVICE_CHARGE_INCOME,
    ACCOUNT_VAT_IN,
    ACCOUNT_VAT_OUT,
    CATEGORY_CASH_AND_BANK,
    CATEGORY_INVENTORY,
    COMPANY_ID,
    COMPANY_NAME,
    CUSTOMER_WALK_IN,
    DEBIT_NORMAL_CATEGORIES,
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
    SEED_TERMS,
    TAX_PB1,
    TAX_PB1_RATE,
    TAX_PPN,
    TAX_PPN_RATE,
    TERM_COD,
    UNIT_DEFAULT,
    WAREHOUSE_BALI,
    WAREHOUSE_BALI_CODE,
    WAREHOUSE_JAKARTA,
    WAREHOUSE_JAKARTA_CODE,
    JurnalStore,
    LedgerLine,
)

__all__ = [
    "ACCOUNT_CASH",
    "ACCOUNT_COGS",
    "ACCOUNT_EDC_CLEARING",
    "ACCOUNT_GOPAY_CLEARING",
    "ACCOUNT_INVENTORY",
    "ACCOUNT_OTHER_EXPENSE",
    "ACCOUNT_OTHER_INCOME",
    "ACCOUNT_PB1_PAYABLE",
    "ACCOUNT_PETTY_CASH",
    "ACCOUNT_PREPAID_PPH23",
    "ACCOUNT_QRIS_CLEARING",
    "ACCOUNT_RECEIVABLE",
    "ACCOUNT_SALES",
    "ACCOUNT_SALES_DISCOUNT",
    "ACCOUNT_SALES_RETURN",
    "ACCOUNT_SERVICE_CHARGE_INCOME",
    "ACCOUNT_VAT_IN",
    "ACCOUNT_VAT_OUT",
    "CUSTOMER_WALK_IN",
    "DEFAULT_API_KEY",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "LEGACY_PREFIX",
    "MAG_PREFIX",
    "MAX_BATCH_SIZE",
    "PRODUCT_SERVICE_CHARGE",
    "PRODUCT_SERVICE_CHARGE_CODE",
    "TAX_PB1",
    "TAX_PPN",
    "TERM_COD",
    "WAREHOUSE_BALI",
    "WAREHOUSE_BALI_CODE",
    "WAREHOUSE_JAKARTA",
    "WAREHOUSE_JAKARTA_CODE",
    "JurnalSandbox",
]

MAG_PREFIX = "/public/jurnal/api/v1/"
LEGACY_PREFIX = "/core/api/v1/"
PREFIXES = (MAG_PREFIX, LEGACY_PREFIX)

DEFAULT_CLIENT_ID = "sandbox-jurnal-client"
DEFAULT_CLIENT_SECRET = "sandbox-jurnal-secret"
DEFAULT_API_KEY = "sandbox-jurnal-apikey"

CLOCK_SKEW_SECONDS = 300
MAX_BATCH_SIZE = 100
DEFAULT_PAGE_SIZE = 20  # J-9
MAX_PAGE_SIZE = 100  # J-9
FIRST_TRANSACTION_NO = 10001  # J-12

UNAUTHORIZED = {"message": "Unauthorized"}
INVALID_CREDENTIALS = {"message": "Invalid authentication credentials"}
RATE_LIMITED = {"message": "API rate limit exceeded"}
UNPROCESSABLE = {"errors": "Unprocessable Entity"}
UPSTREAM_RESET = (
    "upstream connect error or disconnect/reset before headers. "
    "reset reason: connection termination"
)

STATUS_OPEN = {"id": 1, "name": "Open", "name_bahasa": "Belum Dibayar"}
STATUS_PAID = {"id": 3, "name": "Paid", "name_bahasa": "Lunas"}
STATUS_PARTIAL = {"id": 4, "name": "Partial", "name_bahasa": "Terbayar Sebagian"}
DISCOUNT_TYPES = {
    "percent": {"id": 1, "name": "Percent", "name_bahasa": "Persen"},
    "value": {"id": 2, "name": "Value", "name_bahasa": "Nilai"},  # J-15
}
COMPANY_CURRENCY = {"code": "IDR", "symbol": "Rp."}
WIB = timezone(timedelta(hours=7))

CENT = Decimal("0.01")
ZERO = Decimal(0)
HUNDRED = Decimal(100)


# --- formatting ----------------------------------------------------------------------------


def q2(value: Decimal) -> Decimal:
    """Round to 0.01, half-up (J-5)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def amount_str(value: Decimal) -> str:
    """Jurnal's string decimals: ``"9720000.0"``, ``"12.5"``, ``"0.25"``."""
    text = f"{q2(value):f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0") or "0"
    return f"{whole}.{frac}"


def amount_number(value: Decimal) -> int | float:
    """Jurnal's JSON-number amounts (``"tax_amount": 972000``)."""
    value = q2(value)
    return int(value) if value == value.to_integral_value() else float(value)


def currency_format(value: Decimal) -> str:
    """Indonesian display form with Jurnal's two spaces: ``"Rp.  9.720.000,00"``."""
    value = q2(value)
    whole, frac = f"{abs(value):.2f}".split(".")
    text = f"Rp.  {int(whole):,}".replace(",", ".") + f",{frac}"
    return f"({text})" if value < 0 else text


def rate_str(value: Decimal) -> str:
    return amount_str(value)


def jurnal_date(day: date | None) -> str | None:
    return None if day is None else day.strftime("%d/%m/%Y")


def iso_timestamp(ts: float) -> str:
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y")


def parse_request_date(value: object) -> date | None:
    """Request dates: ``YYYY-MM-DD``, ``DD-MM-YYYY`` or ``DD/MM/YYYY``; None if unparsable."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def humanize(attribute: str) -> str:
    """Rails' ``human_attribute_name`` as seen in error_full_messages."""
    text = attribute.replace(".", "_")
    if text.endswith("_id"):
        text = text[:-3]
    text = text.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _truthy(value: object, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


# --- errors --------------------------------------------------------------------------------


class ApiError(Exception):
    """Stops a handler with a ready HTTP answer."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


class FieldErrors:
    """Collects ``{"field": ["message", ...]}`` validation errors (the documented 422 form)."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        messages = self.fields.setdefault(name, [])
        if message not in messages:
            messages.append(message)

    def __bool__(self) -> bool:
        return bool(self.fields)

    def body(self) -> dict[str, Any]:
        # J-7: error_full_messages is added to every 422 for uniform client handling.
        full = [f"{humanize(k)} {m}" for k, msgs in self.fields.items() for m in msgs]
        return {**self.fields, "error_full_messages": full}

    def raise_if_any(self) -> None:
        if self.fields:
            raise ApiError(422, self.body())


def model_errors(messages: dict[str, str], record_id: int | None) -> dict[str, Any]:
    """The record-validation 422 form: string messages, ``id`` and ``error_full_messages``."""
    return {
        **messages,
        "id": record_id,
        "error_full_messages": [f"{humanize(k)} {m}" for k, m in messages.items()],
    }


def parse_amount(value: object, name: str, errors: FieldErrors) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors.add(name, "is not a number")
        return None
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except InvalidOperation:
        errors.add(name, "is not a number")
        return None
    if not number.is_finite():
        errors.add(name, "is not a number")
        return None
    return number


# --- invoice arithmetic (J-5, J-6) ---------------------------------------------------------


@dataclass
class InvoiceLine:
    product: dict[str, Any]
    tax: dict[str, Any] | None
    quantity: Decimal
    rate: Decimal
    discount: Decimal
    description: str | None
    custom_id: str | None


@dataclass
class InvoiceTotals:
    gross: list[Decimal]
    amounts: list[Decimal]
    discount_shares: list[Decimal]
    taxes: list[Decimal]
    subtotal: Decimal
    discount_per_lines: Decimal
    lines_total: Decimal
    discount_price: Decimal
    tax_amount: Decimal
    shipping_price: Decimal
    witholding_amount: Decimal
    original_amount: Decimal
    deposit: Decimal
    remaining: Decimal


def allocate_cents(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` over ``weights`` pro rata at 0.01, largest remainder, summing exactly."""
    if not weights:
        return []
    cents = int(q2(total) * 100)
    units = [int(q2(w) * 100) for w in weights]
    weight_sum = sum(units)
    if weight_sum <= 0:
        shares = [0] * len(units)
        shares[0] = cents
        return [Decimal(s) / 100 for s in shares]
    sign = -1 if cents < 0 else 1
    magnitude = abs(cents)
    floors = [magnitude * u // weight_sum for u in units]
    remainders = [magnitude * u % weight_sum for u in units]
    left = magnitude - sum(floors)
    for index in sorted(range(len(units)), key=lambda i: (-remainders[i], i))[:left]:
        floors[index] += 1
    return [Decimal(sign * s) / 100 for s in floors]


def compute_invoice(
    lines: list[InvoiceLine],
    *,
    discount_type: str,
    discount_unit: Decimal,
    tax_after_discount: bool,
    tax_inclusive: bool,
    shipping_price: Decimal,
    witholding_type: str | None,
    witholding_value: Decimal,
    deposit: Decimal,
) -> InvoiceTotals:
    gross = [q2(line.quantity * line.rate) for line in lines]
    amounts = [q2(line.quantity * line.rate * (1 - line.discount / HUNDRED)) for line in lines]
    subtotal = sum(gross, ZERO)
    lines_total = sum(amounts, ZERO)
    if discount_type == "percent":
        discount_price = q2(lines_total * discount_unit / HUNDRED)
    else:
        discount_price = q2(discount_unit)
    shares = allocate_cents(discount_price, amounts)
    taxes: list[Decimal] = []
    for line, amount, share in zip(lines, amounts, shares, strict=True):
        if line.tax is None:
            taxes.append(ZERO)
            continue
        rate = Decimal(line.tax["rate"])
        base = amount - share if tax_after_discount else amount
        if tax_inclusive:
            taxes.append(q2(base * rate / (HUNDRED + rate)))
        else:
            taxes.append(q2(base * rate / HUNDRED))
    tax_amount = sum(taxes, ZERO)
    shipping_price = q2(shipping_price)
    original_amount = lines_total - discount_price + shipping_price
    if not tax_inclusive:
        original_amount += tax_amount
    witholding_amount = ZERO
    if witholding_type is not None:
        base = lines_total - discount_price - (tax_amount if tax_inclusive else ZERO)
        if witholding_type == "percent":
            witholding_amount = q2(base * witholding_value / HUNDRED)
        else:
            witholding_amount = q2(witholding_value)
    deposit = q2(deposit)
    return InvoiceTotals(
        gross=gross,
        amounts=amounts,
        discount_shares=shares,
        taxes=taxes,
        subtotal=subtotal,
        discount_per_lines=subtotal - lines_total,
        lines_total=lines_total,
        discount_price=discount_price,
        tax_amount=tax_amount,
        shipping_price=shipping_price,
        witholding_amount=witholding_amount,
        original_amount=original_amount,
        deposit=deposit,
        remaining=original_amount - witholding_amount - deposit,
    )


# --- rate limiting and fault injection -----------------------------------------------------


@dataclass
class _Bucket:
    minute_window: int = -1
    minute_count: int = 0
    hour_window: int = -1
    hour_count: int = 0


@dataclass
class _Fault:
    mode: str  # "status" | "drop" | "drop_after"
    status: int
    path_contains: str | None
    remaining: int


@dataclass
class _Auth:
    credential: str | None = None
    failure: Response | None = None


# --- the emulator --------------------------------------------------------------------------


@dataclass
class _Context:
    """Per-request facts the handlers need (prefix and host for paging links)."""

    prefix: str
    host: str
    extra: dict[str, Any] = field(default_factory=dict)


class JurnalSandbox:
    """The Jurnal emulator: ``app`` is the WSGI-like handler, ``serve`` makes a server."""

    def __init__(
        self,
        state_dir: Path,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        api_key: str = DEFAULT_API_KEY,
        rate_limit_per_minute: int = 30,
        rate_limit_per_hour: int = 1800,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.state_dir = Path(state_dir)
        self.client_id = client_id
        self._client_secret = client_secret
        self._api_key = api_key
        self.rate_limit_per_minute = rate_limit_per_minute
        self.rate_limit_per_hour = rate_limit_per_hour
        self.time_scale = float(time_scale)
        self.clock = clock
        self.store = JurnalStore(self.state_dir)
        self._lock = threading.RLock()
        self._buckets: dict[str, _Bucket] = {}
        self._faults: list[_Fault] = []
        self._router = Router()
        self._context = threading.local()
        self._register_routes()
        with self._lock:
            if self.store.get_meta("seeded") is None:
                self._seed()

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
        """
        if mode not in {"status", "drop", "drop_after"}:
            raise ValueError(f"unknown fault mode {mode!r}")
        with self._lock:
            self._faults.append(_Fault(mode, status, path_contains, times))

    def reset_rate_limits(self) -> None:
        with self._lock:
            self._buckets.clear()

    # --- the HTTP entry point ------------------------------------------------------------

    def app(self, request: Request) -> Response:
        prefix = next((p for p in PREFIXES if request.path.startswith(p)), None)
        if prefix is None:
            return Response(404, {"message": "no Route matched with those values"})
        relative = request.path[len(prefix) :].strip("/")
        if prefix == LEGACY_PREFIX and relative.endswith(".json"):
            relative = relative[: -len(".json")]
        with self._lock:
            auth = self._authenticate(request)
            if auth.failure is not None:
                return auth.failure
            assert auth.credential is not None
            limited, headers = self._rate_limit(auth.credential)
            if limited is not None:
                limited.headers.update(headers)
                return limited
            fault = self._take_fault(request.path)
            if fault is not None and fault.mode == "drop":
                return Response(drop_connection=True)
            if fault is not None and fault.mode == "status":
                body: Any = UPSTREAM_RESET if fault.status == 503 else {"message": "error"}
                return Response(fault.status, body, headers=headers)
            routed = replace(request, path=relative)
            self._context.value = _Context(prefix=prefix, host=request.header("host") or "")
            try:
                response = self._router.dispatch(routed)
            except ApiError as exc:
                response = Response(exc.status, exc.body)
            finally:
                self._context.value = None
            response.headers.update(headers)
            if fault is not None and fault.mode == "drop_after":
                return Response(drop_connection=True)
            return response

    # --- authentication (J-1, J-2) -------------------------------------------------------

    def _authenticate(self, request: Request) -> _Auth:
        authorization = request.header("authorization")
        if authorization and authorization.strip().lower().startswith("hmac "):
            return self._check_hmac(request, authorization.strip()[5:])
        api_key = request.header("apikey")
        if api_key is not None:
            if hmac.compare_digest(api_key.encode(), self._api_key.encode()):
                return _Auth(credential=f"apikey:{self._api_key}")
            return _Auth(failure=Response(403, dict(INVALID_CREDENTIALS)))
        return _Auth(failure=Response(401, dict(UNAUTHORIZED)))

    def _check_hmac(self, request: Request, params_text: str) -> _Auth:
        unauthorized = _Auth(failure=Response(401, dict(UNAUTHORIZED)))
        params = dict(re.findall(r'(\w+)\s*=\s*"([^"]*)"', params_text))
        username = params.get("username")
        signature = params.get("signature")
        signed_headers = (params.get("headers") or "").lower().split()
        if (
            username is None
            or signature is None
            or params.get("algorithm", "").lower() != "hmac-sha256"
            or "date" not in signed_headers
            or "request-line" not in signed_headers
            or not hmac.compare_digest(username.encode(), self.client_id.encode())
        ):
            return unauthorized
        date_value = request.header("date")
        if date_value is None:
            return unauthorized
        try:
            sent_at = parsedate_to_datetime(date_value)
        except (TypeError, ValueError):
            return unauthorized
        if sent_at.tzinfo is None:
            return unauthorized
        if abs(sent_at.timestamp() - self.clock()) > CLOCK_SKEW_SECONDS:
            return unauthorized
        parts = []
        for name in signed_headers:
            if name == "request-line":
                parts.append(f"{request.method} {request.raw_path} HTTP/1.1")
            else:
                value = request.header(name)
                if value is None:
                    return unauthorized
                parts.append(f"{name}: {value}")
        expected = base64.b64encode(
            hmac.new(
                self._client_secret.encode(), "\n".join(parts).encode(), hashlib.sha256
            ).digest()
        ).decode()
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            return unauthorized
        digest = request.header("digest")
        if digest is not None:
            algorithm, _, value = digest.partition("=")
            computed = base64.b64encode(hashlib.sha256(request.body).digest()).decode()
            if algorithm.strip().upper() != "SHA-256" or not hmac.compare_digest(
                value.strip().encode(), computed.encode()
            ):
                return unauthorized
        return _Auth(credential=f"hmac:{self.client_id}")

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
        return Response(429, dict(RATE_LIMITED), headers={"Retry-After": str(wait)}), headers

    def _take_fault(self, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.path_contains is None or fault.path_contains in path:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    # --- routes --------------------------------------------------------------------------

    def _register_routes(self) -> None:
        r = self._router
        r.add("GET", r"companies/active", self._get_company)
        r.add("GET", r"accounts", self._list_accounts)
        r.add("GET", r"warehouses", self._list_warehouses)
        r.add("GET", r"taxes", self._list_taxes)
        r.add("GET", r"terms", self._list_terms)
        r.add("GET", r"customers", self._list_customers)
        r.add("POST", r"customers", self._create_customer)
        r.add("GET", r"products", self._list_products)
        r.add("POST", r"products", self._create_product)
        r.add("GET", r"products/(?P<id>\d+)", self._get_product)
        r.add("GET", r"sales_invoices", self._list_sales_invoices)
        r.add("POST", r"sales_invoices", self._create_sales_invoice)
        r.add("POST", r"sales_invoices/batch_create", self._batch_create_sales_invoices)
        r.add("GET", r"sales_invoices/(?P<id>\d+)", self._get_sales_invoice)
        r.add("GET", r"trial_balance", self._trial_balance)

    @property
    def _ctx(self) -> _Context:
        return self._context.value  # type: ignore[no-any-return]

    def _now(self) -> float:
        return self.clock()

    def _today(self) -> date:
        return datetime.fromtimestamp(self._now(), WIB).date()

    def _json_body(self, request: Request, root: str) -> Any:
        try:
            data = request.json()
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, {"error_full_messages": ["Invalid JSON body"]}) from exc
        if not isinstance(data, dict) or not isinstance(data.get(root), dict | list):
            raise ApiError(400, {"error_full_messages": [f"Please provide `{root}` parameter."]})
        return data[root]

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
    ) -> Response:
        query = request.query
        page = _positive_int(query.get("page"), 1)
        page_size = min(_positive_int(query.get("page_size"), DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
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
        total = self.store.count(kind)
        total_pages = math.ceil(total / page_size) if total else 0
        offset = (page - 1) * page_size
        if sort_key in sort_python:
            key = sort_python[sort_key]
            records = sorted(self.store.all(kind), key=lambda d: (key(d), d["id"]))
            if descending:
                records.reverse()
            items = records[offset : offset + page_size]
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
                    "language": {"id": 2, "name": "Bahasa Indonesia"},
                    "company_email": "finance@sandbox.example",
                    "last_closing_the_book_date": "",
                    "company_billing_details": {
                        "id": COMPANY_ID,
                        "name": COMPANY_NAME,
                        "billing_package": "Sandbox",
                    },
                },
                "feature": {"warehouse": True, "use_po": True, "quote": True},
                "company_package": "Sandbox",
                "current_user": {
                    "full_name": "Sandbox API",
                    "email": "api@sandbox.example",
                    "roles": ["ultimate"],
                },
                "preferred_invoice_term": term_ref,
                "sale_shipping_account": self._account_ref(
                    self._account_by_name(DEFAULT_SALE_SHIPPING_ACCOUNT)
                ),
                "default_accounts": {
                    "default_sale_account": default(DEFAULT_SALE_ACCOUNT),
                    "sale_discount_account": default(DEFAULT_SALE_DISCOUNT_ACCOUNT),
                    "default_sales_return_account": default(DEFAULT_SALES_RETURN_ACCOUNT),
                    "sale_shipping_account": default(DEFAULT_SALE_SHIPPING_ACCOUNT),
                    "default_ar_account": default(DEFAULT_RECEIVABLE_ACCOUNT),
                    "default_buy_account": default(DEFAULT_BUY_ACCOUNT),
                },
                "currency": COMPANY_CURRENCY,
            },
        )

    def _list_accounts(self, request: Request) -> Response:
        totals = self.store.ledger_totals()
        accounts = []
        for account in self.store.all("account"):
            debit, credit = totals.get(account["id"], (ZERO, ZERO))
            if account["category_id"] in DEBIT_NORMAL_CATEGORIES:
                balance = debit - credit
            else:
                balance = credit - debit
            accounts.append(
                {
                    **account,
                    "balance": currency_format(balance),
                    "balance_amount": amount_number(balance),
                }
            )
        accounts.sort(key=lambda a: (a["number"], a["id"]))
        return Response(200, {"accounts": accounts, "total_count": len(accounts)})

    def _list_warehouses(self, request: Request) -> Response:
        return self._page(request, "warehouse", "warehouses", {"name": "name_key", "code": "code"})

    def _list_taxes(self, request: Request) -> Response:
        return self._page(request, "tax", "company_taxes", {"name": "name_key"})

    def _list_terms(self, request: Request) -> Response:
        return self._page(request, "term", "terms", {"name": "name_key"})

    # --- customers -----------------------------------------------------------------------

    def _list_customers(self, request: Request) -> Response:
        return self._page(
            request, "person", "customers", {"display_name": "name_key", "name": "name_key"}
        )

    def _create_customer(self, request: Request) -> Response:
        data = self._json_body(request, "customer")
        errors = FieldErrors()
        display_name = _text(data.get("display_name"))
        custom_id = _text(data.get("custom_id"))
        if display_name is None:
            errors.add("display_name", "can't be blank")
        elif self.store.find("person", name=display_name) is not None:
            errors.add("display_name", "has already been taken")
        if custom_id and self.store.find("person", custom_id=custom_id) is not None:
            errors.add("custom_id", "has already been taken")
        errors.raise_if_any()
        assert display_name is not None
        with self.store.transaction():
            person = self._new_person(display_name, data, custom_id)
        return Response(201, {"customer": person})

    def _new_person(
        self, display_name: str, data: dict[str, Any], custom_id: str | None
    ) -> dict[str, Any]:
        now = iso_timestamp(self._now())
        receivable = self._account_by_name(DEFAULT_RECEIVABLE_ACCOUNT)
        person = {
            "id": self.store.next_id(),
            "display_name": display_name,
            "title": _text(data.get("title")),
            "first_name": _text(data.get("first_name")),
            "middle_name": _text(data.get("middle_name")),
            "last_name": _text(data.get("last_name")),
            "associate_company": _text(data.get("associate_company")),
            "email": _text(data.get("email")) or "",
            "phone": _text(data.get("phone")) or "",
            "mobile": _text(data.get("mobile")),
            "fax": _text(data.get("fax")),
            "address": _text(data.get("address")),
            "billing_address": _text(data.get("billing_address")) or "",
            "tax_no": _text(data.get("tax_no")),
            "custom_id": custom_id,
            "source": _text(data.get("source")) or "apikey",
            "archive": False,
            "is_customer": True,
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
            "default_ar_account": self._account_ref(receivable),
        }
        self.store.insert("person", person, name=display_name, custom_id=custom_id, created_at=now)
        return person

    # --- products ------------------------------------------------------------------------

    def _list_products(self, request: Request) -> Response:
        def price(key: str) -> Callable[[dict[str, Any]], Any]:
            return lambda d: Decimal(d.get(key) or 0)

        return self._page(
            request,
            "product",
            "products",
            {"product_code": "code", "name": "name_key"},
            sort_python={
                "sell_price_per_unit": price("sell_price_per_unit"),
                "buy_price_per_unit": price("buy_price_per_unit"),
                "quantity_inventory": price("quantity"),
            },
        )

    def _get_product(self, request: Request) -> Response:
        product = self.store.get("product", int(request.params["id"]))
        if product is None:
            raise ApiError(422, dict(UNPROCESSABLE))
        return Response(200, {"product": product})

    def _resolve_account(
        self,
        data: dict[str, Any],
        prefix: str,
        errors: FieldErrors,
        default: str | None,
        category_id: int | None = None,
    ) -> dict[str, Any] | None:
        """An account by ``<prefix>_id`` / ``_name`` / ``_number``; sent ones must agree."""
        found: list[tuple[str, dict[str, Any] | None, str]] = []
        if data.get(f"{prefix}_id") not in (None, ""):
            try:
                by_id = self.store.get("account", int(data[f"{prefix}_id"]))
            except (TypeError, ValueError):
                by_id = None
            found.append((f"{prefix}_id", by_id, str(data[f"{prefix}_id"])))
        if _text(data.get(f"{prefix}_name")):
            name = _text(data.get(f"{prefix}_name"))
            found.append((f"{prefix}_name", self.store.find("account", name=name), str(name)))
        if _text(data.get(f"{prefix}_number")):
            number = _text(data.get(f"{prefix}_number"))
            found.append((f"{prefix}_number", self.store.find("account", code=number), str(number)))
        if not found:
            return self._account_by_name(default) if default else None
        account = None
        for key, record, sent in found:
            if record is None:
                errors.add(key, f"{sent} not exist")
            elif account is not None and record["id"] != account["id"]:
                errors.add(key, f"{sent} does not match {found[0][2]}")
            else:
                account = account or record
        if (
            account is not None
            and category_id is not None
            and account["category_id"] != category_id
        ):
            category = ACCOUNT_CATEGORIES[category_id][0]
            errors.add(found[0][0], f"{found[0][2]} is not a {category} account")
        return account

    def _create_product(self, request: Request) -> Response:
        data = self._json_body(request, "product")
        errors = FieldErrors()
        name = _text(data.get("name"))
        code = _text(data.get("product_code"))
        custom_id = _text(data.get("custom_id"))
        if name is None:
            errors.add("name", "can't be blank")
        elif self.store.find("product", name=name) is not None:
            errors.add("name", "has already been taken")  # J-16
        if code and self.store.find("product", code=code) is not None:
            errors.add("product_code", "has already been taken")
        if custom_id and self.store.find("product", custom_id=custom_id) is not None:
            errors.add("custom_id", "has already been taken")
        sell_account = self._resolve_account(data, "sell_account", errors, DEFAULT_SALE_ACCOUNT)
        buy_account = self._resolve_account(data, "buy_account", errors, DEFAULT_BUY_ACCOUNT)
        track = _truthy(data.get("track_inventory"), False)
        inventory_account = None
        if track:
            sent = any(
                data.get(f"inventory_asset_account_{suffix}") not in (None, "")
                for suffix in ("id", "name", "number")
            )
            if sent:
                inventory_account = self._resolve_account(
                    data, "inventory_asset_account", errors, None, CATEGORY_INVENTORY
                )
            else:
                errors.add("inventory_asset_account", "can't be blank")
        sell_tax = self._resolve_tax_id(data.get("sell_tax_id"), "sell_tax_id", errors)
        buy_tax = self._resolve_tax_id(data.get("buy_tax_id"), "buy_tax_id", errors)
        sell_price = parse_amount(data.get("sell_price_per_unit"), "sell_price_per_unit", errors)
        buy_price = parse_amount(data.get("buy_price_per_unit"), "buy_price_per_unit", errors)
        errors.raise_if_any()
        assert name is not None
        with self.store.transaction():
            product = self._new_product(
                name=name,
                code=code,
                custom_id=custom_id,
                description=_text(data.get("description")),
                unit_name=_text(data.get("unit_name")) or UNIT_DEFAULT,
                sell_account=sell_account,
                buy_account=buy_account,
                inventory_account=inventory_account,
                track_inventory=track,
                sell_price=sell_price or ZERO,
                buy_price=buy_price or ZERO,
                sell_tax=sell_tax,
                buy_tax=buy_tax,
                is_sold=_truthy(data.get("is_sold"), True),
                is_bought=_truthy(data.get("is_bought"), True),
                source=_text(data.get("source")),
            )
        return Response(201, {"product": product})

    def _resolve_tax_id(
        self, value: object, key: str, errors: FieldErrors
    ) -> dict[str, Any] | None:
        if value in (None, ""):
            return None
        try:
            tax = self.store.get("tax", int(str(value)))
        except ValueError:
            tax = None
        if tax is None:
            errors.add(key, f"{value} not exist")
        return tax

    def _unit(self, name: str) -> dict[str, Any]:
        unit = self.store.find("unit", name=name)
        if unit is None:
            unit = {"id": self.store.next_id(), "name": name}
            self.store.insert("unit", unit, name=name)
        return unit

    @staticmethod
    def _tax_ref(tax: dict[str, Any] | None) -> dict[str, Any] | None:
        if tax is None:
            return None
        return {
            "id": tax["id"],
            "name": tax["name"],
            "rate": tax["rate"],
            "is_compound": False,
            "is_witholding": False,
        }

    def _new_product(
        self,
        *,
        name: str,
        code: str | None,
        custom_id: str | None,
        description: str | None,
        unit_name: str,
        sell_account: dict[str, Any] | None,
        buy_account: dict[str, Any] | None,
        inventory_account: dict[str, Any] | None,
        track_inventory: bool,
        sell_price: Decimal,
        buy_price: Decimal,
        sell_tax: dict[str, Any] | None = None,
        buy_tax: dict[str, Any] | None = None,
        is_sold: bool = True,
        is_bought: bool = True,
        source: str | None = None,
    ) -> dict[str, Any]:
        now_ts = self._now()
        now = iso_timestamp(now_ts)
        product = {
            "id": self.store.next_id(),
            "name": name,
            "product_code": code,
            "source": source or "apikey",
            "description": description,
            "init_date": datetime.fromtimestamp(now_ts, WIB).date().isoformat(),
            "init_quantity": "0.0",
            "active": True,
            "archive": False,
            "is_bought": is_bought,
            "is_sold": is_sold,
            "custom_id": custom_id,
            "track_inventory": track_inventory,
            "is_bundle": False,
            "quantity": "0.0",
            "unit": self._unit(unit_name),
            "company": {"id": COMPANY_ID, "name": COMPANY_NAME},
            "taxable_buy": buy_tax is not None,
            "taxable_sell": sell_tax is not None,
            "buy_price_per_unit": amount_str(buy_price),
            "buy_price_per_unit_currency_format": currency_format(buy_price),
            "buy_tax_id": None if buy_tax is None else buy_tax["id"],
            "buy_tax": self._tax_ref(buy_tax),
            "buy_account": self._account_ref(buy_account) if buy_account else None,
            "sell_price_per_unit": amount_str(sell_price),
            "sell_price_per_unit_currency_format": currency_format(sell_price),
            "sell_tax_id": None if sell_tax is None else sell_tax["id"],
            "sell_tax": self._tax_ref(sell_tax),
            "sell_account": self._account_ref(sell_account) if sell_account else None,
            "inventory_asset_account": (
                self._account_ref(inventory_account) if inventory_account else None
            ),
            "average_price": 0,
            "average_price_currency_format": currency_format(ZERO),
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
            "deletable": True,
            "editable": True,
            "company_currency": COMPANY_CURRENCY,
        }
        self.store.insert(
            "product", product, name=name, code=code, custom_id=custom_id, created_at=now
        )
        return product

    # --- sales invoices ------------------------------------------------------------------

    def _list_sales_invoices(self, request: Request) -> Response:
        def decimal_of(key: str) -> Callable[[dict[str, Any]], Any]:
            return lambda d: Decimal(d.get(key) or 0)

        return self._page(
            request,
            "sales_invoice",
            "sales_invoices",
            {
                "created_at": "created_at",
                "transaction_date": "tx_date",
                "get_number": "transaction_no",
            },
            sort_python={
                "original_amount": decimal_of("original_amount"),
                "remaining": decimal_of("remaining"),
                "people_display_name": lambda d: (d["person"]["display_name"] or "").casefold(),
                "transaction_status_name": lambda d: d["transaction_status"]["name"],
                "person_id": lambda d: d["person"]["id"],
                "tags_name": lambda d: d.get("tags_string") or "",
            },
            rejected_sort_keys=frozenset({"id", "transaction_no"}),
        )

    def _get_sales_invoice(self, request: Request) -> Response:
        invoice = self.store.get("sales_invoice", int(request.params["id"]))
        if invoice is None:
            raise ApiError(422, dict(UNPROCESSABLE))
        return Response(200, {"sales_invoice": invoice})

    def _create_sales_invoice(self, request: Request) -> Response:
        data = self._json_body(request, "sales_invoice")
        if not isinstance(data, dict):
            errors = FieldErrors()
            errors.add("sales_invoice", "is not valid")
            errors.raise_if_any()
        invoice = self._accept_invoice(data)
        return Response(201, {"sales_invoice": invoice})

    def _batch_create_sales_invoices(self, request: Request) -> Response:
        items = self._json_body(request, "sales_invoices")
        if not isinstance(items, list) or not items:
            raise ApiError(
                422,
                {
                    "sales_invoices": ["can't be blank"],
                    "error_full_messages": ["Sales invoices can't be blank"],
                },
            )
        if len(items) > MAX_BATCH_SIZE:  # J-13
            message = f"maximum {MAX_BATCH_SIZE} sales invoices per batch, got {len(items)}"
            raise ApiError(
                422,
                {"sales_invoices": [message], "error_full_messages": [f"Sales invoices {message}"]},
            )
        results = []
        all_created = True
        for item in items:
            data = item.get("sales_invoice") if isinstance(item, dict) else None
            if not isinstance(data, dict):
                all_created = False
                results.append(
                    {
                        "sales_invoice": {
                            "status": 422,
                            "body": item,
                            "content": {"sales_invoice": ["can't be blank"]},
                        }
                    }
                )
                continue
            try:
                invoice = self._accept_invoice(data)
            except ApiError as exc:
                all_created = False
                results.append(
                    {
                        "sales_invoice": {
                            "status": exc.status,
                            "body": {**data, "source": data.get("source") or "apikey"},
                            "content": _listify_errors(exc.body),
                        }
                    }
                )
                continue
            results.append({"sales_invoice": {"status": 201, "content": invoice}})
        return Response(201 if all_created else 200, {"sales_invoices": results})

    def _accept_invoice(self, data: dict[str, Any]) -> dict[str, Any]:
        """Validate, compute, store and post one invoice; ApiError(422) when refused."""
        with self.store.transaction():
            self._check_invoice_duplicates(data)
            parsed = self._resolve_invoice(data)
            totals = compute_invoice(
                parsed["lines"],
                discount_type=parsed["discount_type"],
                discount_unit=parsed["discount_unit"],
                tax_after_discount=parsed["tax_after_discount"],
                tax_inclusive=parsed["tax_inclusive"],
                shipping_price=parsed["shipping_price"],
                witholding_type=parsed["witholding_type"],
                witholding_value=parsed["witholding_value"],
                deposit=parsed["deposit"],
            )
            self._check_invoice_totals(parsed, totals)
            return self._store_invoice(data, parsed, totals)

    def _check_invoice_duplicates(self, data: dict[str, Any]) -> None:
        """J-8: per-company uniqueness of custom_id and transaction_no among invoices."""
        messages: dict[str, str] = {}
        existing_id = None
        custom_id = _text(data.get("custom_id"))
        transaction_no = _text(data.get("transaction_no"))
        if custom_id:
            existing = self.store.find("sales_invoice", custom_id=custom_id)
            if existing is not None:
                messages["custom_id"] = "(Custom id attribute had already been used.)"
                existing_id = existing["id"]
        if transaction_no:
            existing = self.store.find("sales_invoice", transaction_no=transaction_no)
            if existing is not None:
                messages["transaction_no"] = "(Transaction number had already been used)"
                existing_id = existing_id or existing["id"]
        if messages:
            raise ApiError(422, model_errors(messages, existing_id))

    def _resolve_invoice(self, data: dict[str, Any]) -> dict[str, Any]:
        errors = FieldErrors()
        parsed: dict[str, Any] = {}

        person_name = _text(data.get("person_name"))
        parsed["person"] = None
        if person_name is None:
            errors.add("person_name", "can't be blank")
        else:
            parsed["person"] = self.store.find("person", name=person_name)
            if parsed["person"] is None:
                errors.add("person_name", f"{person_name} not exist")  # J-11

        transaction_date = self._request_date(data, "transaction_date", errors) or self._today()
        parsed["transaction_date"] = transaction_date

        term_name = _text(data.get("term_name"))
        parsed["term"] = self.store.find("term", name=term_name or DEFAULT_INVOICE_TERM)
        if parsed["term"] is None:
            errors.add("term_name", f"{term_name} not exist")
        due_date = self._request_date(data, "due_date", errors)
        if due_date is None and parsed["term"] is not None:
            due_date = transaction_date + timedelta(days=int(parsed["term"]["longetivity"]))
        parsed["due_date"] = due_date or transaction_date
        parsed["shipping_date"] = self._request_date(data, "shipping_date", errors)

        parsed["warehouse"] = self._resolve_warehouse(data, errors)

        deposit = parse_amount(data.get("deposit"), "deposit", errors) or ZERO
        parsed["deposit"] = deposit
        parsed["deposit_to"] = None
        deposit_to_name = _text(data.get("deposit_to_name"))
        if deposit_to_name:
            account = self.store.find("account", name=deposit_to_name)
            if account is None:
                errors.add("deposit_to_name", f"{deposit_to_name} not exist")
            elif account["category_id"] != CATEGORY_CASH_AND_BANK:  # J-14
                errors.add("deposit_to_name", f"{deposit_to_name} is not a Cash & Bank account")
            parsed["deposit_to"] = account
        elif deposit:
            errors.add("deposit_to_name", "can't be blank")
        if deposit < 0:
            errors.add("deposit", "must be greater than or equal to 0")

        discount_type_name = _text(data.get("discount_type_name")) or "Percent"
        parsed["discount_type"] = discount_type_name.lower()
        if parsed["discount_type"] not in DISCOUNT_TYPES:
            errors.add("discount_type_name", "can only be Percent or Value")
        parsed["discount_unit"] = (
            parse_amount(data.get("discount_unit"), "discount_unit", errors) or ZERO
        )

        witholding_type = _text(data.get("witholding_type"))
        witholding_value = parse_amount(data.get("witholding_value"), "witholding_value", errors)
        parsed["witholding_type"] = None
        parsed["witholding_value"] = witholding_value or ZERO
        parsed["witholding_account"] = None
        if witholding_value:
            parsed["witholding_type"] = (witholding_type or "percent").lower()
            if parsed["witholding_type"] not in DISCOUNT_TYPES:
                errors.add("witholding_type", "can only be Percent or Value")
            account_name = _text(data.get("witholding_account_name"))
            if account_name is None:
                errors.add("witholding_account_name", "can't be blank")
            else:
                parsed["witholding_account"] = self.store.find("account", name=account_name)
                if parsed["witholding_account"] is None:
                    errors.add("witholding_account_name", f"{account_name} not exist")

        parsed["shipping_price"] = (
            parse_amount(data.get("shipping_price"), "shipping_price", errors) or ZERO
        )
        parsed["tax_after_discount"] = _truthy(data.get("tax_after_discount"), True)
        parsed["tax_inclusive"] = _truthy(data.get("use_tax_inclusive"), False)

        tags = data.get("tags") or []
        if isinstance(tags, str):
            tags = [tags]
        if not isinstance(tags, list):
            errors.add("tags", "must be a list of names")
            tags = []
        parsed["tag_names"] = [t for t in (_text(tag) for tag in tags) if t]

        raw_lines = data.get("transaction_lines_attributes")
        parsed["lines"] = []
        if not isinstance(raw_lines, list) or not raw_lines:
            errors.add("transaction_lines_attributes", "can't be blank")
        else:
            for raw in raw_lines:
                line = self._resolve_line(raw, errors)
                if line is not None:
                    parsed["lines"].append(line)
        errors.raise_if_any()
        return parsed

    def _request_date(self, data: dict[str, Any], key: str, errors: FieldErrors) -> date | None:
        value = data.get(key)
        if value in (None, ""):
            return None
        parsed = parse_request_date(value)
        if parsed is None:
            errors.add(key, f"{value} is not a valid date")
        return parsed

    def _resolve_warehouse(self, data: dict[str, Any], errors: FieldErrors) -> dict | None:
        name = _text(data.get("warehouse_name"))
        code = _text(data.get("warehouse_code"))
        by_id = None
        if data.get("warehouse_id") not in (None, ""):
            try:
                by_id = self.store.get("warehouse", int(data["warehouse_id"]))
            except (TypeError, ValueError):
                by_id = None
            if by_id is None:
                errors.add("warehouse_id", f"{data['warehouse_id']} not exist")
                return None
        by_name = self.store.find("warehouse", name=name) if name else None
        by_code = self.store.find("warehouse", code=code) if code else None
        if name and by_name is None:
            errors.add("warehouse_name", f"{name} not exist")
        if code and by_code is None:
            errors.add("warehouse_code", f"{code} not exist")
        chosen = [w for w in (by_id, by_name, by_code) if w is not None]
        if len({w["id"] for w in chosen}) > 1:
            errors.add("warehouse_code", f"{code} does not match warehouse {name}")
        return chosen[0] if chosen else None

    def _resolve_line(self, raw: object, errors: FieldErrors) -> InvoiceLine | None:
        if not isinstance(raw, dict):
            errors.add("transaction_lines_attributes", "is not valid")
            return None
        if raw.get("id") not in (None, ""):
            errors.add("transaction_lines_attributes.id", "must not be sent on create")
        product = self._resolve_line_product(raw, errors)
        tax = self._resolve_line_tax(raw, errors)
        quantity = parse_amount(raw.get("quantity"), "quantity", errors)
        quantity = Decimal(1) if quantity is None else quantity
        discount = parse_amount(raw.get("discount"), "discount", errors) or ZERO
        if not ZERO <= discount <= HUNDRED:
            errors.add("discount", "must be between 0 and 100")
        rate = parse_amount(raw.get("rate"), "rate", errors)
        amount = parse_amount(raw.get("amount"), "amount", errors)
        if rate is None:  # J-17
            if amount is not None and quantity:
                factor = 1 - discount / HUNDRED
                rate = amount / quantity / factor if factor else ZERO
            elif product is not None:
                rate = Decimal(product.get("sell_price_per_unit") or 0)
            else:
                rate = ZERO
        if product is None:
            return None
        description = _text(raw.get("description"))
        if description is None:
            description = product.get("description")
        return InvoiceLine(
            product=product,
            tax=tax,
            quantity=quantity,
            rate=rate,
            discount=discount,
            description=description,
            custom_id=_text(raw.get("custom_id")),
        )

    def _resolve_line_product(self, raw: dict[str, Any], errors: FieldErrors) -> dict | None:
        product_id = raw.get("product_id")
        product_custom_id = _text(raw.get("product_custom_id"))
        if product_id not in (None, "") or product_custom_id:
            by_id = None
            if product_id not in (None, ""):
                try:
                    by_id = self.store.get("product", int(product_id))
                except (TypeError, ValueError):
                    by_id = None
                if by_id is None:
                    errors.add("product_id", f"{product_id} not exist")
                    return None
            if product_custom_id:
                by_custom = self.store.find("product", custom_id=product_custom_id)
                if by_custom is None:
                    errors.add("product_custom_id", f"{product_custom_id} not exist")
                    return None
                if by_id is not None and by_id["id"] != by_custom["id"]:
                    errors.add("product_custom_id", "does not match product_id")
                    return None
                return by_custom
            return by_id
        name = _text(raw.get("product_name"))
        code = _text(raw.get("product_code"))
        if not name and not code:
            errors.add("product", "can't be blank")
            return None
        by_name = self.store.find("product", name=name) if name else None
        by_code = self.store.find("product", code=code) if code else None
        if name and by_name is None:
            errors.add("product_name", f"{name} not exist")
        if code and by_code is None:
            errors.add("product_code", f"{code} not exist")
        if by_name is not None and by_code is not None and by_name["id"] != by_code["id"]:
            errors.add("product_code", f"{code} does not match product {name}")
            return None
        if (name and by_name is None) or (code and by_code is None):
            return None
        return by_name or by_code

    def _resolve_line_tax(self, raw: dict[str, Any], errors: FieldErrors) -> dict | None:
        tax_id = raw.get("line_tax_id")
        tax_name = _text(raw.get("line_tax_name"))
        by_id = None
        if tax_id not in (None, ""):
            try:
                by_id = self.store.get("tax", int(tax_id))
            except (TypeError, ValueError):
                by_id = None
            if by_id is None:
                errors.add("line_tax_id", f"{tax_id} not exist")
                return None
        if tax_name:
            by_name = self.store.find("tax", name=tax_name)
            if by_name is None:
                errors.add("line_tax_name", f"{tax_name} not exist")
                return None
            if by_id is not None and by_id["id"] != by_name["id"]:
                errors.add("line_tax_name", f"{tax_name} does not match line_tax_id {tax_id}")
                return None
            return by_name
        return by_id

    def _check_invoice_totals(self, parsed: dict[str, Any], totals: InvoiceTotals) -> None:
        messages: dict[str, str] = {}
        if any(amount <= 0 for amount in totals.amounts):
            messages["transaction_lines.amount"] = "(Must be greater than 0)"
        if parsed["discount_unit"] < 0:
            messages["discount_unit"] = "(Value must be greater than 0.)"
        if totals.discount_price > totals.lines_total:
            messages["discount_price"] = "(Value must be less than the subtotal.)"
        if parsed["shipping_price"] < 0:
            messages["shipping_price"] = "(Value must be greater than 0.)"
        if totals.original_amount < 0:
            messages["original_amount"] = "(Value must be greater than 0.)"
        if totals.witholding_amount > totals.original_amount:
            messages["witholding_value"] = (
                "can't be added if transaction amount is less than witholding"
            )
        elif totals.deposit > totals.original_amount - totals.witholding_amount:
            messages["amount_receive"] = (
                "(Value received cannot be greater than remaining balance.)"
            )
        if messages:
            raise ApiError(422, model_errors(messages, None))

    def _next_transaction_no(self, kind: str) -> str:
        while True:
            candidate = str(self.store.next_counter(f"{kind}_no", FIRST_TRANSACTION_NO))
            if self.store.find(kind, transaction_no=candidate) is None:
                return candidate

    def _tags(self, names: list[str]) -> list[dict[str, Any]]:
        tags = []
        for name in names:
            tag = self.store.find("tag", name=name)
            if tag is None:
                tag = {"id": self.store.next_id(), "name": name}
                self.store.insert("tag", tag, name=name)
            if all(t["id"] != tag["id"] for t in tags):
                tags.append(tag)
        return tags

    def _store_invoice(
        self, data: dict[str, Any], parsed: dict[str, Any], totals: InvoiceTotals
    ) -> dict[str, Any]:
        invoice_id = self.store.next_id()
        transaction_no = _text(data.get("transaction_no")) or self._next_transaction_no(
            "sales_invoice"
        )
        custom_id = _text(data.get("custom_id"))
        now = iso_timestamp(self._now())
        tags = self._tags(parsed["tag_names"])
        person = parsed["person"]
        warehouse = parsed["warehouse"]
        inclusive = parsed["tax_inclusive"]

        lines_out = []
        for line, amount, tax in zip(parsed["lines"], totals.amounts, totals.taxes, strict=True):
            product = line.product
            lines_out.append(
                {
                    "id": self.store.next_id(),
                    "custom_id": line.custom_id,
                    "description": line.description,
                    "amount": amount_str(amount),
                    "discount": amount_str(line.discount),
                    "rate": amount_str(line.rate),
                    "tax": None,
                    "line_tax": {
                        "id": line.tax["id"] if line.tax else None,
                        "name": line.tax["name"] if line.tax else None,
                        "rate": line.tax["rate"] if line.tax else None,
                    },
                    "line_tax_amount": amount_str(tax),
                    "amount_currency_format": currency_format(amount),
                    "rate_currency_format": currency_format(line.rate),
                    "has_return_line": False,
                    "quantity": _quantity_json(line.quantity),
                    "unit": product.get("unit"),
                    "product": {
                        "id": product["id"],
                        "name": product["name"],
                        "code": product.get("product_code"),
                        "product_custom_id": product.get("custom_id"),
                        "archive": product.get("archive", False),
                        "quantity": _quantity_json(Decimal(product.get("quantity") or 0)),
                        "track_inventory": product.get("track_inventory", False),
                    },
                }
            )

        tax_groups: dict[int, tuple[dict[str, Any], Decimal]] = {}
        for line, tax in zip(parsed["lines"], totals.taxes, strict=True):
            if line.tax is None:
                continue
            _, running = tax_groups.get(line.tax["id"], (line.tax, ZERO))
            tax_groups[line.tax["id"]] = (line.tax, running + tax)
        tax_details = [
            {
                "name": f"{t['name']} {t['rate']}%",
                "tax_amount": amount_number(value),
                "tax_amount_currency_format": currency_format(value),
            }
            for t, value in tax_groups.values()
        ]

        payments = []
        if totals.deposit > 0:
            payment = {
                "id": self.store.next_id(),
                "transaction_no": self._next_transaction_no("receive_payment"),
                "transaction_date": jurnal_date(parsed["transaction_date"]),
                "transaction_type": {"id": 2, "name": "Receive Payment"},
                "deposit_to": self._account_ref_category(parsed["deposit_to"]),
                "total": amount_number(totals.deposit),
                "records": [
                    {
                        "transaction_id": invoice_id,
                        "transaction_no": transaction_no,
                        "amount": amount_str(totals.deposit),
                    }
                ],
                "created_at": now,
            }
            self.store.insert(
                "receive_payment",
                payment,
                transaction_no=payment["transaction_no"],
                tx_date=parsed["transaction_date"].isoformat(),
                created_at=now,
            )
            payments.append({k: payment[k] for k in ("id", "transaction_no", "transaction_date")})

        if totals.remaining == 0:
            status = STATUS_PAID
        elif totals.deposit > 0:
            status = STATUS_PARTIAL
        else:
            status = STATUS_OPEN

        money = {
            "remaining": totals.remaining,
            "original_amount": totals.original_amount,
            "shipping_price": totals.shipping_price,
            "tax_amount": totals.tax_amount,
            "witholding_amount": totals.witholding_amount,
            "discount_price": totals.discount_price,
            "amount_receive": totals.deposit,
            "subtotal": totals.subtotal,
            "deposit": totals.deposit,
            "discount_per_lines": totals.discount_per_lines,
            "payment_received_amount": ZERO,
        }
        term = parsed["term"]
        invoice: dict[str, Any] = {
            "id": invoice_id,
            "transaction_no": transaction_no,
            "selected_po_id": None,
            "selected_pq_id": None,
            "token": secrets.token_urlsafe(16)[:22],
            "email": _text(data.get("email")) or "",
            "source": _text(data.get("source")) or "apikey",  # J-18
            "address": _text(data.get("address")) or "",
            "message": _text(data.get("message")) or "",
            "memo": _text(data.get("memo")) or "",
            "shipping_address": _text(data.get("shipping_address")) or "",
            "is_shipped": _truthy(data.get("is_shipped"), False),
            "ship_via": _text(data.get("ship_via")),
            "reference_no": _text(data.get("reference_no")) or "",
            "tracking_no": _text(data.get("tracking_no")),
            "tax_after_discount": parsed["tax_after_discount"],
            "use_tax_inclusive": inclusive,
            "witholding_value": amount_str(parsed["witholding_value"]),
            "witholding_type": parsed["witholding_type"],
            "status": "approved",
            "custom_id": custom_id,
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
            "deletable": True,
            "editable": True,
            "audited_by": None,
            "transaction_date": jurnal_date(parsed["transaction_date"]),
            "due_date": jurnal_date(parsed["due_date"]),
            "shipping_date": jurnal_date(parsed["shipping_date"]),
            "has_deliveries": False,
            "transaction_status": dict(status),
            "transaction_lines_attributes": lines_out,
            "payments": payments,
            "sales_returns": [],
            "sales_deliveries": [],
            "credit_memos": [],
            "sales_quote": {"id": None, "transaction_no": None},
            "person": {
                k: person.get(k)
                for k in (
                    "id",
                    "display_name",
                    "title",
                    "first_name",
                    "middle_name",
                    "last_name",
                    "tax_no",
                    "email",
                    "address",
                    "billing_address",
                    "phone",
                    "fax",
                )
            },
            "discount_type": dict(DISCOUNT_TYPES[parsed["discount_type"]]),
            "discount_unit": amount_str(parsed["discount_unit"]),
            "warehouse": {
                "id": warehouse["id"] if warehouse else None,
                "name": warehouse["name"] if warehouse else None,
                "code": warehouse["code"] if warehouse else None,
            },
            "deposit_to": self._account_ref_category(parsed["deposit_to"]),
            "term": {k: term[k] for k in ("id", "name", "longetivity")},
            "tags": tags,
            "tags_string": ", ".join(t["name"] for t in tags),
            "has_payments": bool(payments),
            "earliest_payment_date": payments[0]["transaction_date"] if payments else "",
            "tax": {"id": None, "name": None, "rate": None},
            "tax_details": tax_details,
            "attachments": [],
            "is_reconciled": False,
            "witholding_account": self._account_ref_category(parsed["witholding_account"]),
            "currency_code": "IDR",
            "currency_rate": 1,
            "company_currency": COMPANY_CURRENCY,
        }
        for key, value in money.items():
            if key == "witholding_amount":
                invoice[key] = amount_number(value)
            else:
                invoice[key] = amount_str(value)
            invoice[f"{key}_currency_format"] = currency_format(value)

        self.store.insert(
            "sales_invoice",
            invoice,
            transaction_no=transaction_no,
            custom_id=custom_id,
            tx_date=parsed["transaction_date"].isoformat(),
            created_at=now,
        )
        self._post_invoice(invoice, parsed, totals)
        self._move_stock(parsed["lines"])
        return invoice

    def _post_invoice(
        self, invoice: dict[str, Any], parsed: dict[str, Any], totals: InvoiceTotals
    ) -> None:
        """J-19: the postings of an invoice and of its deposit."""
        receivable = self._account_by_name(DEFAULT_RECEIVABLE_ACCOUNT)
        lines = [
            LedgerLine(
                receivable["id"],
                debit=totals.original_amount - totals.witholding_amount,
                description="Invoice receivable",
            ),
            LedgerLine(
                self._account_by_name(DEFAULT_SALE_DISCOUNT_ACCOUNT)["id"],
                debit=totals.discount_price,
                description="Invoice discount",
            ),
        ]
        if totals.witholding_amount:
            lines.append(
                LedgerLine(
                    parsed["witholding_account"]["id"],
                    debit=totals.witholding_amount,
                    description="Witholding",
                )
            )
        revenue: dict[int, Decimal] = {}
        tax_credit: dict[int, Decimal] = {}
        default_sale = self._account_by_name(DEFAULT_SALE_ACCOUNT)
        for line, amount, tax in zip(parsed["lines"], totals.amounts, totals.taxes, strict=True):
            account = line.product.get("sell_account") or default_sale
            net = amount - tax if parsed["tax_inclusive"] else amount
            revenue[account["id"]] = revenue.get(account["id"], ZERO) + net
            if line.tax is not None:
                tax_account = line.tax["sell_tax_account"]["id"]
                tax_credit[tax_account] = tax_credit.get(tax_account, ZERO) + tax
        lines += [LedgerLine(a, credit=v, description="Sales") for a, v in revenue.items()]
        lines += [LedgerLine(a, credit=v, description="Tax") for a, v in tax_credit.items()]
        lines.append(
            LedgerLine(
                self._account_by_name(DEFAULT_SALE_SHIPPING_ACCOUNT)["id"],
                credit=totals.shipping_price,
                description="Shipping",
            )
        )
        tx_date = parsed["transaction_date"].isoformat()
        self.store.post("sales_invoice", invoice["id"], invoice["transaction_no"], tx_date, lines)
        for payment in invoice["payments"]:
            self.store.post(
                "receive_payment",
                payment["id"],
                payment["transaction_no"],
                tx_date,
                [
                    LedgerLine(parsed["deposit_to"]["id"], debit=totals.deposit),
                    LedgerLine(receivable["id"], credit=totals.deposit),
                ],
            )

    def _move_stock(self, lines: list[InvoiceLine]) -> None:
        for line in lines:
            if not line.product.get("track_inventory"):
                continue
            product = self.store.get("product", line.product["id"])
            if product is None:
                continue
            product["quantity"] = amount_str(Decimal(product.get("quantity") or 0) - line.quantity)
            self.store.update(
                "product",
                product,
                name=product["name"],
                code=product.get("product_code"),
                custom_id=product.get("custom_id"),
                created_at=product.get("created_at"),
            )

    # --- trial balance (J-20) ------------------------------------------------------------

    def _trial_balance(self, request: Request) -> Response:
        totals = self.store.ledger_totals()
        rows = []
        total_debit = total_credit = ZERO
        for account in sorted(self.store.all("account"), key=lambda a: a["number"]):
            if account["id"] not in totals:
                continue
            debit, credit = totals[account["id"]]
            net = debit - credit
            row_debit, row_credit = (net, ZERO) if net >= 0 else (ZERO, -net)
            total_debit += row_debit
            total_credit += row_credit
            rows.append(
                {
                    "account_id": account["id"],
                    "account_name": account["name"],
                    "account_number": account["number"],
                    "category": account["category"],
                    "debit": amount_str(row_debit),
                    "credit": amount_str(row_credit),
                }
            )
        today = jurnal_date(self._today())
        return Response(
            200,
            {
                "trial_balance": {
                    "header": {"report_date": f"- {today}", "currency": "(in IDR)"},
                    "accounts": rows,
                    "total_debit": amount_str(total_debit),
                    "total_credit": amount_str(total_credit),
                }
            },
        )

    # --- seed ----------------------------------------------------------------------------

    def _seed(self) -> None:
        now = iso_timestamp(self._now())
        with self.store.transaction():
            for seed in SEED_ACCOUNTS:
                category, category_bahasa = ACCOUNT_CATEGORIES[seed.category_id]
                account = {
                    "id": self.store.next_id(),
                    "name": seed.name,
                    "number": seed.number,
                    "description": None,
                    "custom_id": None,
                    "lock": False,
                    "system_or_product_link": False,
                    "is_parent": False,
                    "indent": 0,
                    "currency_code": "IDR",
                    "category": category,
                    "category_bahasa": category_bahasa,
                    "category_id": seed.category_id,
                    "parent_id": None,
                    "parent": [],
                    "children": None,
                }
                self.store.insert("account", account, name=seed.name, code=seed.number)
            for name, rate, sell_name, buy_name in (
                (TAX_PPN, TAX_PPN_RATE, ACCOUNT_VAT_OUT, ACCOUNT_VAT_IN),
                (TAX_PB1, TAX_PB1_RATE, ACCOUNT_PB1_PAYABLE, None),
            ):
                sell = self._account_by_name(sell_name)
                buy = self._account_by_name(buy_name) if buy_name else None
                tax = {
                    "id": self.store.next_id(),
                    "name": name,
                    "custom_id": None,
                    "rate": rate_str(rate),
                    "is_witholding": False,
                    "sell_tax_account": {"id": sell["id"], "name": sell["name"]},
                    "buy_tax_account": {
                        "id": buy["id"] if buy else None,
                        "name": buy["name"] if buy else None,
                    },
                }
                self.store.insert("tax", tax, name=name)
            for name, code in (
                (WAREHOUSE_JAKARTA, WAREHOUSE_JAKARTA_CODE),
                (WAREHOUSE_BALI, WAREHOUSE_BALI_CODE),
            ):
                warehouse = {
                    "id": self.store.next_id(),
                    "name": name,
                    "code": code,
                    "address": "",
                    "description": "",
                    "custom_id": None,
                    "created_at": now,
                    "updated_at": now,
                    "deleted_at": None,
                    "deletable": True,
                    "editable": True,
                    "warehouse_inventory": [],
                    "transactions": [],
                }
                self.store.insert("warehouse", warehouse, name=name, code=code, created_at=now)
            for name, days in SEED_TERMS:
                term = {
                    "id": self.store.next_id(),
                    "name": name,
                    "longetivity": days,
                    "is_used?": False,
                    "is_default?": name == DEFAULT_INVOICE_TERM,
                }
                self.store.insert("term", term, name=name)
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


def _positive_int(value: str | None, default: int) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return default
    return number if number >= 1 else default


def _quantity_json(quantity: Decimal) -> int | float:
    return int(quantity) if quantity == quantity.to_integral_value() else float(quantity)


def _listify_errors(body: Any) -> Any:
    """Batch item ``content``: every field message as a list (the batch examples' form)."""
    if not isinstance(body, dict):
        return body
    content: dict[str, Any] = {}
    for key, value in body.items():
        if key in {"id", "error_full_messages"}:
            if key == "id" and value is None:
                continue
            content[key] = value
        elif isinstance(value, list):
            content[key] = value
        else:
            content[key] = [value]
    return content
