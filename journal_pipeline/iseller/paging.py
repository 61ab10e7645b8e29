"""Paged reads and the request parameters every iSeller read shares.

iSeller documents ``page`` only as "Index of the page": public production scripts page from 0
and from 1 alike (docs/assumptions/iseller.md, I-7). A paged read therefore never assumes the
base. The first read of an endpoint asks for page 0 and page 1 and decides:

- page 0 refused (``status: false``) while page 1 answers: pages are **1-based**;
- page 0 answering the same items as page 1 (0 read as 1), or no items where page 1 has some:
  **1-based**;
- page 0 answering other items than page 1: **0-based** (both pages are kept: nothing is read
  twice or lost);
- both empty: nothing to read, and nothing learnt (the next read asks again).

The base found is remembered per client (:class:`PageBases`) and in the process, per resource
URL, client id and endpoint, so it costs at most one request per endpoint and credential: the
page-0 probe of a 1-based endpoint, or the look past the end of a 0-based endpoint whose items
fit in page 0. Pages then go from that base until the answer says the list has ended:

- an answer carrying ``has_next_item`` (GetOrders documents it, changelog of 21 December 2021)
  ends the read when it is false;
- an answer without the key (GetProducts, GetRegisterShifts, GetTransactions and the v3 reads
  document none) ends it at a page without items: a read costs one more request, answered
  empty, and a service that serves fewer items a page than asked (a cap of its own) loses no
  page, as it would if a short page ended the read.

A page without items ends the read in both cases, so a server that keeps saying
``has_next_item`` cannot loop forever; a page identical to the one before (a server ignoring
``page``) stops the read as well. An item a server
repeats on two pages (by its id: ``order_id``, ``transaction_id``, ``product_id``, ...) is kept
once, on the first page it appears on; one repeated on the same page is kept once when the copies
are the same, and every copy is kept when they differ (the caller decides: GetOrders holds such an
order, `journal_pipeline.iseller.client`). A page whose body is not JSON (cut short, an HTML
error page with HTTP 200) fails the read with an `ISellerHttpError` naming the endpoint and the
page: nothing of the read is returned, so no day is built from part of its orders.

The list of an answer is found under its key (``orders``, ``register_shifts``, ...) or a known
alias (``order_summary``, ``outlets``), in any case (``Transfers``, ``Register_Shifts``). A
successful answer holding no list under any of those spellings reads as empty only when it holds
no list at all and its ``count`` is 0 or absent (or the key is there, null); one that holds
another list instead, or a ``count`` above 0, fails with an `ISellerApiError` naming the
endpoint, the key expected and the keys found: a renamed key is not read as "nothing".

Dates are sent in UTC with ``time_zone=0`` (the summaries accept another whole-hour offset), so
under the documented reading every date string returned is UTC; the client checks that and
learns the offset of a service that writes another (`output_zone`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from journal_pipeline.core.order_changes import changed_at
from journal_pipeline.iseller.errors import ISellerApiError, ISellerHttpError
from journal_pipeline.iseller.learnt import PerEndpoint, SharedFacts
from journal_pipeline.iseller.transport import logger
from journal_pipeline.iseller.validation import batch_problems

#: ``call(endpoint, data, version=...)``: one authenticated read answering a JSON object.
Call = Callable[..., dict[str, Any]]

#: The first page of an endpoint whose base is not known yet and cannot be learnt (nothing to
#: read): either base serves it.
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

#: The id of an item of each paged list; an item without it is told apart by its whole content.
ITEM_IDS = {
    "orders": "order_id",
    "products": "product_id",
    "transactions": "transaction_id",
    "register_shifts": "register_shift_id",
    "Outlets": "id",
    "customers": "customer_id",
    "transfers": "transfer_id",
    "inventory_adjustments": "adjustment_id",
}


def _spellings(payload: Mapping[str, Any], list_key: str) -> list[str]:
    """The keys of `payload` that spell `list_key` or an alias of it (exact ones first, then
    in any case)."""
    names = _LIST_KEY_ALIASES.get(list_key, (list_key,))
    wanted = {name.lower() for name in names}
    return [name for name in names if name in payload] + [
        key
        for key in payload
        if isinstance(key, str) and key not in names and key.lower() in wanted
    ]


def _found_key(payload: Mapping[str, Any], list_key: str) -> str | None:
    return next((k for k in _spellings(payload, list_key) if isinstance(payload[k], list)), None)


def _count(payload: Mapping[str, Any]) -> int:
    try:
        return int(payload.get("count") or 0)
    except (TypeError, ValueError):
        return 0


def page_items(
    payload: Mapping[str, Any], list_key: str, endpoint: str = "read"
) -> list[dict[str, Any]]:
    """The items of one answer under `list_key` (a known alias, in any case). With no list
    there, [] when ``count`` is 0 or absent and the key is null or the answer holds no list at
    all; anything else (another list instead: a renamed key; the key holding something else; a
    ``count`` above 0) is an `ISellerApiError` naming `endpoint`, the key and the keys found."""
    key = _found_key(payload, list_key)
    if key is not None:
        return payload[key]
    if payload.get("status") is False:  # a refusal: the transport raised it already
        return []
    spelt = _spellings(payload, list_key)
    others = [str(k) for k, v in payload.items() if isinstance(v, list)]
    null = bool(spelt) and all(payload[k] is None for k in spelt)
    if _count(payload) <= 0 and (null or not (spelt or others)):
        return []
    found = ", ".join(f"{k} (a list)" if k in others else str(k) for k in map(str, payload))
    raise ISellerApiError(
        f"the answer has no list under {list_key!r} (in any spelling); keys found: "
        f"{found or 'none'}",
        f"count {payload.get('count')!r}; a list key spelt otherwise is not read as no items, "
        "so nothing of this read was kept",
        endpoint,
    )


def item_key(item: Any, list_key: str) -> Hashable:
    """What tells an item of `list_key` apart: its id (``ITEM_IDS``), else its whole content."""
    id_name = ITEM_IDS.get(list_key)
    if id_name and isinstance(item, Mapping) and item.get(id_name) is not None:
        return ("id", str(item[id_name]).lower())
    return ("content", json.dumps(item, sort_keys=True, default=str))


# -- the page base --------------------------------------------------------------------------

#: Bases learnt in this process: (resource URL, client id, "version/endpoint") -> 0 or 1.
_LEARNT = SharedFacts()


def forget_page_bases() -> None:
    """Forget every base learnt in this process (clients keep their own until dropped)."""
    _LEARNT.clear()


class PageBases(PerEndpoint):
    """The first page index (0 or 1) of each endpoint, as learnt from the server; thread-safe.

    `scope` gives the (resource URL, client id) the bases belong to: with it, a base learnt by
    one client serves every client of the same store and credential in the process. Without
    it the bases are this object's only.
    """

    def __init__(self, scope: Callable[[], tuple[str, str]] | None = None):
        super().__init__(_LEARNT, scope)

    def learn(self, endpoint: str, base: int, how: str) -> None:
        """Remember `base` for `endpoint`; logged once per process (and per object without a
        scope)."""
        if self.remember(endpoint, base):
            logger.info("iSeller %s pages are %d-based (%s)", endpoint, base, how)


def _same_items(first: list[Any], second: list[Any], list_key: str) -> bool:
    return [item_key(i, list_key) for i in first] == [item_key(i, list_key) for i in second]


def _detect_base(
    fetch: Callable[[int], dict[str, Any]], list_key: str, endpoint: str
) -> tuple[int | None, str, dict[int, dict[str, Any]]]:
    """Ask pages 0 and 1: (the base, or None when nothing tells; why; the answers to keep,
    by page). An error on page 1 is raised: nothing is learnt from a refused request."""
    try:
        zero: dict[str, Any] | None = fetch(0)
    except ISellerApiError:
        zero = None
    one = fetch(1)
    one_items = page_items(one, list_key, endpoint)
    if zero is None:
        return 1, "page 0 refused", {1: one}
    zero_items = page_items(zero, list_key, endpoint)
    if not zero_items and not one_items:
        return None, "pages 0 and 1 empty", {1: one}
    if not zero_items:
        return 1, "page 0 empty, page 1 not", {1: one}
    if _same_items(zero_items, one_items, list_key):
        return 1, "page 0 answered as page 1", {1: one}
    return 0, "page 0 differs from page 1", {0: zero, 1: one}


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
    bases: PageBases | None = None,
) -> Iterator[dict[str, Any]]:
    """Every page (the whole answer) of a paged read while ``has_next_item`` (an answer
    without the key: until a page comes back empty), from the endpoint's first page (learnt once,
    remembered in `bases`; see the module's docstring).

    Each answer's list holds only the items not seen on an earlier page of this read.
    """
    if page_size < 1:
        raise ValueError("page_size must be >= 1")
    sent = {**dict(params or {}), "page_size": str(page_size)}

    def fetch(page: int) -> dict[str, Any]:
        try:
            return call(endpoint, {**sent, "page": str(page)}, version=version)
        except ISellerHttpError as exc:
            if exc.status_code != 200:  # a body that is not a JSON object
                raise
            raise ISellerHttpError(
                f"{exc} on page {page}; nothing of this read was kept and the run can be retried "
                "(a cut-off answer or an HTML error page: iSeller or a proxy in between failed)",
                endpoint=exc.endpoint,
                status_code=exc.status_code,
            ) from None

    bases = bases if bases is not None else PageBases()
    name = f"{version}/{endpoint}"
    first = bases.get(name)
    fetched: dict[int, dict[str, Any]] = {}
    if first is None:
        first, how, fetched = _detect_base(fetch, list_key, endpoint)
        if first is None:
            first = FIRST_PAGE
        else:
            bases.learn(name, first, how)
    seen: set[Hashable] = set()
    previous: list[Hashable] | None = None
    page = first
    while True:
        payload = fetched.pop(page) if page in fetched else fetch(page)
        items = page_items(payload, list_key, endpoint)
        keys = [item_key(item, list_key) for item in items]
        if keys and keys == previous:
            logger.warning(
                "iSeller %s page %d repeats page %d; the server ignores page, stopping",
                name,
                page,
                page - 1,
            )
            return
        fresh = []
        on_page: dict[Hashable, list[Any]] = {}
        for item, key in zip(items, keys, strict=True):
            copies = on_page.setdefault(key, [])
            if key not in seen or (copies and all(item != copy for copy in copies)):
                seen.add(key)
                fresh.append(item)
            copies.append(item)
        if len(fresh) < len(items):
            payload = {**payload, _found_key(payload, list_key) or list_key: fresh}
        yield payload
        if not items or not _more(payload):
            return
        previous = keys
        page += 1


def _more(payload: Mapping[str, Any]) -> bool:
    """Whether a page with items may have a next one: ``has_next_item`` when the answer carries
    it, else yes. A short page does not end a read without the flag: a service that serves
    fewer items a page than asked (a cap of its own) would lose every later page."""
    if "has_next_item" in payload:
        return bool(payload["has_next_item"])
    return True


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
    order_id: str | None = None,
    bases: PageBases | None = None,
) -> Iterator[dict[str, Any]]:
    """Every page of GetOrders in a UTC window, sorted ascending by modification date when a
    modified_* bound is given, else by creation date."""
    if page_size < 1:
        raise ValueError("page_size must be >= 1")
    params: dict[str, str] = {"time_zone": "0"}
    # the document's table marks created_after required (I-9): a modified window is asked of
    # every order created since EPOCH, so it means the same whether or not iSeller needs it
    for name, value in (
        ("created_after", created_after if created_after is not None else EPOCH),
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
    add_filters(params, outlet_id=outlet_id, order_id=order_id)
    yield from iter_pages(
        call, "GetOrders", params, list_key="orders", page_size=page_size, bases=bases
    )


class ChangedOrders:
    """An order source that asks only for orders modified from ``since`` on (every window
    given to `get_orders` narrowed to it; None asks as given) and notes the latest modified
    date among the readable orders it was sent (`latest_modified`). Everything else is the
    wrapped client's."""

    def __init__(self, source: Any, since: datetime | None) -> None:
        self._source = source
        self.since = since
        self.latest_modified: datetime | None = None

    def get_orders(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
        **more: Any,
    ) -> Any:
        if self.since is not None:
            modified_after = max(modified_after or self.since, self.since)
            if modified_before is not None and modified_after > modified_before:
                modified_after = modified_before  # the window ended before ``since``
        batch = self._source.get_orders(
            created_after=created_after,
            created_before=created_before,
            modified_after=modified_after,
            modified_before=modified_before,
            **more,
        )
        for order, problems in zip(batch.orders, batch_problems(batch), strict=True):
            moment = None if problems else _modified(order)
            if moment is not None and (
                self.latest_modified is None or moment > self.latest_modified
            ):
                self.latest_modified = moment
        return batch

    def __getattr__(self, name: str) -> Any:
        return getattr(self._source, name)


def _modified(order: Any) -> datetime | None:
    """When an order without problems last changed (UTC, `changed_at`: its modified date,
    else the latest moment it dates), None when it has none that reads as one."""
    if not isinstance(order, Mapping):
        return None
    return changed_at(order)
