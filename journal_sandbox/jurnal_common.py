"""Shared pieces of the Jurnal emulator: Jurnal's number/date formats, errors, invoice arithmetic.

Everything here is free of state; the resource modules (``jurnal_*.py``) and the emulator
(:mod:`journal_sandbox.jurnal_app`) import from it. J-numbers refer to
``docs/assumptions/jurnal.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

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
STATUS_CLOSED = {"id": 2, "name": "Closed", "name_bahasa": "Selesai"}
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


def report_amount(value: Decimal) -> str:
    """Report cells: ``" 1.000,00"``, negatives in brackets ``"( 1.000,00)"``."""
    value = q2(value)
    whole, frac = f"{abs(value):.2f}".split(".")
    text = f" {int(whole):,}".replace(",", ".") + f",{frac}"
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


def truthy(value: object, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def clean_text(value: object) -> str | None:
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

    @classmethod
    def single(cls, name: str, message: str) -> dict[str, Any]:
        """The 422 body of one field error."""
        errors = cls()
        errors.add(name, message)
        return errors.body()

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


def positive_int(value: str | None, default: int) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return default
    return number if number >= 1 else default


def quantity_json(quantity: Decimal) -> int | float:
    return int(quantity) if quantity == quantity.to_integral_value() else float(quantity)


def listify_errors(body: Any) -> Any:
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
