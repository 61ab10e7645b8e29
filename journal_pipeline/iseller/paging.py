"""Paged reads and the request parameters every iSeller read shares.

A paged read goes from page 1 (iSeller pages are 1-based, docs/assumptions/iseller.md) while
``has_next_item`` is true, and stops at a page without items too, so a server that keeps saying
``has_next_item`` cannot loop forever. Dates are sent in UTC with ``time_zone=0`` (the summaries
accept another whole-hour offset), so every date string returned is UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

#: ``call(endpoint, data, version=...)``: one authenticated read answering a JSON object.
Call = Callable[..., dict[str, Any]]

FIRST_PAGE = 1
PARAM_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
#: The lower bound that means "everything" for filters iSeller requires.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

#: Alternative spellings of list keys seen in iSeller's documents and live answers.
_LIST_KEY_ALIASES = {
    "Outlets": ("Outlets", "outlets"),
    "order_summaries": ("order_summaries", "order_summary"),
    "transaction_summaries": ("transaction_summaries", "transaction_summary"),
}


def page_items(payload: Mapping[str, Any], list_key: str) -> list[dict[str, Any]]:
    """The items of one answer under `list_key` (or a known alias); [] when absent."""
    for key in _LIST_KEY_ALIASES.get(list_key, (list_key,)):
        value = payload.get(key)
        if isinstance(value, list):
            return value
    return []


def utc_param(name: str, value: datetime) -> str:
    """`value` in UTC as iSeller reads it; a naive datetime is refused (its zone is a guess)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return value.astimezone(UTC).strftime(PARAM_DATE_FORMAT)


def includes_param(includes: Iterable[str]) -> dict[str, str]:
    """``includes`` as iSeller's comma-separated list; nothing when no name is given."""
    if isinstance(includes, str):
        includes = [includes]
    names = [i.strip() for i in includes if i.strip()]
    return {"includes": ",".join(names)} if names else {}


def add_filters(params: dict[str, str], **filters: str | None) -> None:
    """Add the optional filters that were given (iSeller reads an empty one as a value)."""
    params.update({name: value for name, value in filters.items() if value})


def window_params(
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
            utc_param(name, value)  # checks the zone
            params[name] = value.astimezone(offset).strftime(PARAM_DATE_FORMAT)
    return params


def iter_pages(
    call: Call,
    endpoint: str,
    params: Mapping[str, str] | None = None,
    *,
    list_key: str,
    version: str = "v2",
    page_size: int = 100,
) -> Iterator[dict[str, Any]]:
    """Every page (the whole answer) of a paged read, from page 1 while ``has_next_item``."""
    if page_size < 1:
        raise ValueError("page_size must be >= 1")
    base = {**dict(params or {}), "page_size": str(page_size)}
    page = FIRST_PAGE
    while True:
        payload = call(endpoint, {**base, "page": str(page)}, version=version)
        yield payload
        if not payload.get("has_next_item") or not page_items(payload, list_key):
            return
        page += 1


def order_pages(
    call: Call,
    *,
    created_after: datetime | None,
    created_before: datetime | None,
    modified_after: datetime | None,
    modified_before: datetime | None,
    includes: Iterable[str],
    page_size: int,
    outlet_id: str | None,
) -> Iterator[dict[str, Any]]:
    """Every page of GetOrders in a UTC window, sorted ascending by modification date when a
    modified_* bound is given, else by creation date."""
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
            params[name] = utc_param(name, value)
    by_modified = modified_after is not None or modified_before is not None
    params["sort"] = "ModifiedDate" if by_modified else "CreatedDate"
    params["sort_direction"] = "ASC"
    params["page_size"] = str(page_size)
    params.update(includes_param(includes))
    add_filters(params, outlet_id=outlet_id)
    yield from iter_pages(call, "GetOrders", params, list_key="orders", page_size=page_size)
