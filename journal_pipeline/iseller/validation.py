"""Every iSeller order is checked on its own as it comes in, before anything reads its values.

One order whose quantity is ``"abc"``, whose price is written ``"12.500,00"``, whose closed date
is ``"31/12/2026"`` or NaN, or whose ``order_details`` is an object must not stop the day: the
order is *held at the edge* and every other order of the day goes on. `order_problems` lists
what is wrong with one raw order (empty: it is fit to read); each problem names the field, the
value and the fix, in words a finance user can act on.

A held order is staged as a *held envelope* (`held_order`) in place of the raw order: the few
fields staging needs (id, reference, outlet, status, a date that places it in a day) in a form
that cannot break anything, the problems, where it was read (endpoint, page, item) and the order as
received (long texts cut). Nothing reads an envelope as an order (`is_held`:
``journal_pipeline.iseller.frames.order_frames`` skips it); the day's build turns it into a hold
on the order's sales invoice (`journal_pipeline.sync.day.build_journal`), so the outbox, the
status report and the failed-records sensor show it like any other held record. Its
``modified_date`` is empty, so the order as iSeller sends it once fixed at the source replaces
it in staging, and the next build posts it (the hold gives way to the invoice, same key).

An order without an id is staged under ``unidentified-<digest of its content>`` and named by
its place in the answer (``GetOrders page 2, item 5``); once iSeller sends it with its id the
envelope is no longer read (`superseded`) and its hold is withdrawn.

What is held, and why (docs/assumptions/iseller.md, "Orders checked at the edge"):

- no ``order_id``; the same id twice on one page with different contents (the client);
- a status other than ``draft``, ``reserved``, ``completed`` and ``void`` (iSeller's list);
- a date that is not a date, or one before 2000 or after 2099 (``order_date``,
  ``closed_date``, ``modified_date``, ``cancel_date``, a payment's ``transaction_date``); a
  completed order without ``closed_date``; a date with an offset is read as that moment;
- an amount that is not a plain number (thousands separators, ``NaN``, ``Infinity``, text,
  true/false), or beyond ``MAX_AMOUNT``; a completed order without ``total_amount``; numbers
  written as text (``"55000.0000"``) are read, as the document's samples write them;
- a completed order whose ``order_details`` is missing, not a list, empty, or holds an entry
  that is not an object; a line whose ``quantity`` is missing, not a number, zero or below;
  a ``tax_percentage`` outside 0–100;
- a currency other than rupiah (``IDR``) on the order or a payment;
- a completed order that is not on account and lists no payment, or whose successful sale
  payments do not add up to its ``total_amount`` (above or below), or whose ``transactions``
  is not a list of objects;
- a text field (names, notes, SKU) longer than `MAX_TEXT` characters.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from journal_pipeline.core.orders import LINE_MONEY, ORDER_MONEY
from journal_pipeline.core.timestamps import parse_utc

#: iSeller's order statuses (``status``), as its document lists them.
KNOWN_STATUSES = ("draft", "reserved", "completed", "void")
#: The only currency the ledger keeps: an order in another is held, never booked as rupiah.
CURRENCY = "IDR"
#: An amount larger than this (a hundred billion rupiah) on one POS order is a misread number.
MAX_AMOUNT = 10**11
#: The longest text read from an order; longer is a broken export, not a name.
MAX_TEXT = 1000
#: Dates outside these years are placeholders or typing errors (1900-01-01, 2999-12-31).
FIRST_YEAR, LAST_YEAR = 2000, 2099
#: A number as iSeller writes it: digits, an optional point and decimals, an optional sign.
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")

ORDER_DATES = ("order_date", "closed_date", "modified_date", "cancel_date")
# the money fields the frames read are the ones that must be plain numbers
ORDER_AMOUNTS = ORDER_MONEY
LINE_AMOUNTS = LINE_MONEY
ORDER_TEXTS = (
    "order_reference",
    "outlet_code",
    "outlet_name",
    "notes",
    "customer_first_name",
    "customer_last_name",
    "customer_email",
    "customer_phone_number",
    "cancel_reason",
)
LINE_TEXTS = ("sku", "product_name", "product_variant_name", "notes")
PAYMENT_TEXTS = ("payment_type_name", "gateway")
#: The key of a held envelope (see the module's docstring).
HELD = "held_at_edge"
UNIDENTIFIED = "unidentified-"
FIX = "correct it in iSeller; the next sync reads it again and posts it"


def number(value: object) -> Decimal | None:
    """`value` as an exact finite number, or None when it is not one: a JSON number, or text
    written as one (``"55000.0000"``); never true/false, NaN, Infinity or ``"12.500,00"``."""
    if type(value) is Decimal:  # the usual case: how the JSON parsers give a fraction
        return value if value.is_finite() else None
    if type(value) is int:
        return Decimal(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value.strip()):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


def moment(value: object) -> datetime | None:
    """A date iSeller wrote, in UTC, or None when it is not a usable one (not text, not a
    date, or outside `FIRST_YEAR`–`LAST_YEAR`)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_utc(value.strip())
    except ValueError:
        return None
    if parsed is None or not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        return None
    return parsed


def _shown(value: object) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 40 else f"{text[:37]}…"


def _date_problem(name: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    if moment(value) is None:
        return (
            f"{name} {_shown(value)} is not a date between {FIRST_YEAR} and {LAST_YEAR} "
            "(iSeller writes 2026-11-20 08:15:00)"
        )
    return None


def _amount_problem(name: str, value: object, *, required: bool = False) -> str | None:
    if value is None or value == "":
        return f"{name} is missing" if required else None
    amount = number(value)
    if amount is None:
        return (
            f"{name} {_shown(value)} is not a plain number (digits and a decimal point, 12500.00)"
        )
    if abs(amount) > MAX_AMOUNT:
        return f"{name} {_shown(value)} is beyond any sale (more than {MAX_AMOUNT:,} rupiah)"
    return None


def _text_problems(item: Mapping[str, Any], names: tuple[str, ...], where: str) -> list[str]:
    problems = []
    for name in names:
        value = item.get(name)
        if isinstance(value, str) and len(value) > MAX_TEXT:
            problems.append(
                f"{where}{name} is {len(value):,} characters long (at most {MAX_TEXT:,})"
            )
    return problems


def _currency_problem(value: object, where: str) -> str | None:
    if value in (None, "") or (isinstance(value, str) and value.strip().upper() == CURRENCY):
        return None
    return f"{where}currency is {_shown(value)}, not rupiah ({CURRENCY}): it is not booked"


def _line_problems(index: int, line: object) -> list[str]:
    where = f"line {index}: "
    if not isinstance(line, Mapping):
        return [f"{where}it is a JSON {type(line).__name__}, not an object"]
    problems = []
    quantity = line.get("quantity")
    amount = number(quantity)
    if quantity is None or quantity == "":
        problems.append(f"{where}quantity is missing")
    elif amount is None:
        problems.append(f"{where}quantity {_shown(quantity)} is not a number")
    elif amount <= 0:
        problems.append(f"{where}quantity {_shown(quantity)} is not above zero")
    for name in LINE_AMOUNTS:
        problem = _amount_problem(name, line.get(name))
        if problem:
            problems.append(where + problem)
    rate = line.get("tax_percentage")
    if rate not in (None, ""):
        value = number(rate)
        if value is None or not 0 <= value <= 100:
            problems.append(f"{where}tax_percentage {_shown(rate)} is not a rate from 0 to 100")
    problems += _text_problems(line, LINE_TEXTS, where)
    return problems


def _payment_problems(index: int, payment: object) -> list[str]:
    where = f"payment {index}: "
    if not isinstance(payment, Mapping):
        return [f"{where}it is a JSON {type(payment).__name__}, not an object"]
    problems = [
        p
        for p in (
            _amount_problem("amount", payment.get("amount"), required=True),
            _date_problem("transaction_date", payment.get("transaction_date")),
            _currency_problem(payment.get("currency"), ""),
        )
        if p
    ]
    return [where + p for p in problems] + _text_problems(payment, PAYMENT_TEXTS, where)


def _paid_problems(order: Mapping[str, Any], payments: list[Any]) -> list[str]:
    """A completed order not on account must list its payments, and they must add up."""
    if order.get("on_account"):
        return []
    if not payments:
        return ["it is completed and not on account but lists no payment (transactions)"]
    total = number(order.get("total_amount"))
    paid = [
        number(p.get("amount"))
        for p in payments
        if isinstance(p, Mapping) and p.get("type") == "sale" and p.get("status") == "success"
    ]
    if total is None or any(amount is None for amount in paid):
        return []  # said already
    received = sum((a for a in paid if a is not None), Decimal(0))
    if received == total:
        return []
    side = "more" if received > total else "less"
    return [
        f"its successful payments add up to {received.normalize():f}, {side} than its "
        f"total_amount {total.normalize():f}"
    ]


def order_problems(order: object) -> list[str]:
    """What keeps one raw GetOrders item from being read (empty: nothing)."""
    if not isinstance(order, Mapping):
        return [f"it is a JSON {type(order).__name__}, not an object"]
    problems: list[str] = []
    order_id = order.get("order_id")
    if order_id is None or isinstance(order_id, bool) or not str(order_id).strip():
        problems.append("it has no order_id")
    elif not isinstance(order_id, str | int):
        problems.append(f"order_id {_shown(order_id)} is not an id")
    status = order.get("status")
    if not isinstance(status, str) or status.strip().lower() not in KNOWN_STATUSES:
        problems.append(
            f"status {_shown(status)} is not one iSeller documents ({', '.join(KNOWN_STATUSES)})"
        )
    completed = isinstance(status, str) and status.strip().lower() == "completed"
    for name in ORDER_DATES:
        problem = _date_problem(name, order.get(name))
        if problem:
            problems.append(problem)
    if completed and order.get("closed_date") in (None, ""):
        problems.append("it is completed but has no closed_date")
    for name in ORDER_AMOUNTS:
        problem = _amount_problem(
            name, order.get(name), required=completed and name == "total_amount"
        )
        if problem:
            problems.append(problem)
    currency = _currency_problem(order.get("currency"), "")
    if currency:
        problems.append(currency)
    problems += _text_problems(order, ORDER_TEXTS, "")
    details = order.get("order_details")
    if completed and not isinstance(details, list):
        kind = "missing" if details is None else f"a JSON {type(details).__name__}, not a list"
        problems.append(f"order_details is {kind}")
    elif completed and not details:
        problems.append("it is completed but has no lines (order_details is empty)")
    for index, line in enumerate(details if isinstance(details, list) else [], start=1):
        problems += _line_problems(index, line)
    payments = order.get("transactions")
    if payments is not None and not isinstance(payments, list):
        problems.append(f"transactions is a JSON {type(payments).__name__}, not a list")
        payments = None
    for index, payment in enumerate(payments or [], start=1):
        problems += _payment_problems(index, payment)
    if completed and not problems:
        problems += _paid_problems(order, payments or [])
    return problems


@dataclass
class OrderBatch:
    """Every page of a GetOrders query gathered together.

    ``origins[i]`` says where ``orders[i]`` was read (``GetOrders page 2 of the read, item
    5``), to name an order without id; ``conflicts`` maps the id of an order iSeller sent twice
    on one page with different contents to what was seen (the first copy is in ``orders``;
    the order is held); ``checked`` pairs each order with what `order_problems` found in it, as
    the client read it (`batch_problems`)."""

    orders: list[dict[str, Any]]
    refunded_orders: list[dict[str, Any]]
    origins: list[str] = field(default_factory=list)
    conflicts: dict[str, str] = field(default_factory=dict)
    checked: list[tuple[dict[str, Any], list[str]]] = field(default_factory=list)


def batch_problems(batch: Any) -> list[list[str]]:
    """`order_problems` of each order of a GetOrders batch (``batch.orders``), each order read
    once for every reader of the batch: the batch's ``checked`` gives them for the orders it
    still holds, any other order (one replaced since, or a batch made without) is read now."""
    checked = getattr(batch, "checked", None) or []
    orders = batch.orders
    if len(checked) != len(orders):
        return [order_problems(order) for order in orders]
    return [
        problems if seen is order else order_problems(order)
        for (seen, problems), order in zip(checked, orders, strict=True)
    ]


def page_orders(items: list[Any], page: int) -> tuple[list[Any], list[str], dict[str, str]]:
    """One page's orders, each id once (the first copy); where each was read; and the ids
    sent more than once on the page with different contents, with what was seen."""
    kept: list[Any] = []
    where: list[str] = []
    copies: dict[str, list[int]] = {}
    for index, item in enumerate(items, start=1):
        order_id = item.get("order_id") if isinstance(item, Mapping) else None
        key = None if order_id in (None, "") else str(order_id).lower()
        if key is not None and key in copies:
            copies[key].append(index)
            continue
        if key is not None:
            copies[key] = [index]
        kept.append(item)
        where.append(f"GetOrders page {page} of the read, item {index}")
    twice = {
        str(items[found[0] - 1]["order_id"]): (
            f"it came {len(found)} times on page {page} of the read (items "
            f"{', '.join(map(str, found))}) with different contents: which one is true is not "
            "known"
        )
        for found in copies.values()
        if len(found) > 1
    }
    return kept, where, twice


# -- held envelopes --------------------------------------------------------------------------


def is_held(raw: Mapping[str, Any]) -> bool:
    """Whether a staged order is a held envelope (not an order to read)."""
    return HELD in raw


def superseded(raw: Mapping[str, Any]) -> bool:
    """A held envelope of an order without id that iSeller no longer sends as it was."""
    return bool(raw.get(HELD, {}).get("superseded"))


def unidentified_id(order: object) -> str:
    """The staging id of an order without one: a digest of its content."""
    text = json.dumps(order, sort_keys=True, default=str, ensure_ascii=False)
    return UNIDENTIFIED + hashlib.sha256(text.encode()).hexdigest()[:16]


def _text(value: object, limit: int = 80) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()[:limit]
    return None


def _cut(value: Any) -> Any:
    """`value` with every text cut to `MAX_TEXT` characters (what is kept of a held order)."""
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else f"{value[:MAX_TEXT]}… ({len(value):,} chars)"
    if isinstance(value, Mapping):
        return {str(k): _cut(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cut(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def held_order(
    order: object, problems: list[str], where: str, fallback: datetime
) -> dict[str, Any]:
    """The envelope staged for a held order (see the module's docstring). `where`: the place
    in iSeller's answer (``GetOrders page 2, item 5``); `fallback`: the moment that places it
    in a day when it has no usable date (the start of the day being fetched)."""
    item: Mapping[str, Any] = order if isinstance(order, Mapping) else {}
    order_id = _text(item.get("order_id"), 200) or unidentified_id(order)
    dates = [moment(item.get(name)) for name in ("closed_date", "modified_date", "order_date")]
    status = str(item.get("status") or "").strip().lower()
    placed = next((d for d in dates if d is not None), fallback)
    return {
        "order_id": order_id,
        "order_reference": _text(item.get("order_reference")) or order_id,
        "outlet_id": _text(item.get("outlet_id")),
        "outlet_code": _text(item.get("outlet_code")),
        # as a sale unless it says it is none: a held sale that comes late still gets its day
        # built again (`StagingStore.completed_orders_without_documents`), and so its hold
        "status": status if status in KNOWN_STATUSES and status != "completed" else "completed",
        "closed_date": placed.strftime("%Y-%m-%d %H:%M:%S"),
        "modified_date": None,  # the order as iSeller sends it next always replaces this
        HELD: {"problems": list(problems), "where": where, "received": _cut(order)},
    }


def held_reason(raw: Mapping[str, Any]) -> str:
    """The cause and the fix of a held envelope, for its hold."""
    held = raw[HELD]
    problems = "; ".join(held["problems"])
    where = held["where"]
    return f"iSeller sent it ({where}) in a form that cannot be posted: {problems}. Fix: {FIX}."
