"""The offset iSeller writes its output dates in, learnt from the answers (I-14).

iSeller's document has every output date converted to the ``time_zone`` asked, with no zone
marker; the client asks ``time_zone=0`` and reads the dates as UTC. The document does not
settle it: a service may read the filter bounds in ``time_zone`` but write every date in the
store's local time whatever was asked. Read as UTC, every date would then be off by the
store's offset.

The client tells the readings apart from what it already has: it asked a window of one date
field (``created_*`` compares ``order_date``, ``modified_*`` ``modified_date``; GetTransactions'
bounds compare ``transaction_date``). Under the documented reading every item's date, read as
UTC, lies in the window; under the other it lies in the window shifted by the offset. So:

- every item inside the window as UTC (none tells the readings apart): the documented reading
  holds for this answer and nothing is learnt;
- some item outside it, and exactly one whole hour (−12..+14) puts every item inside: that is
  the offset;
- several do (a wide window): one-second windows around a distinguishing item, one per
  candidate, the likeliest first, find the one the service filters it at (a request each);
- none does: `ISellerDateZoneError` names the endpoint, the window and an item's date.

An offset learnt is remembered per resource URL, client id and endpoint for the process (as
the page base, `paging.PageBases`), logged once as a WARNING, and every later answer of the
endpoint is checked against it. The client then writes every date of the answer (every
``*_date`` field, nested ones too) as the documented reading would have: in the ``time_zone``
asked. The summaries carry no item dates, only day labels: they are rewritten with the offset
learnt for GetOrders or GetTransactions of the same credential.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from journal_pipeline.iseller.errors import ISellerDateZoneError
from journal_pipeline.iseller.learnt import PerEndpoint, SharedFacts
from journal_pipeline.iseller.transport import logger

#: Every offset ``time_zone`` accepts (I-9).
OFFSETS = range(-12, 15)
PARAM_FORMAT = "%Y-%m-%dT%H:%M:%S"
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})([ T])(\d{2}:\d{2}:\d{2})(\.\d+)?$")
#: The list endpoints whose learnt offset a summary's labels are read with, in that order.
SUMMARY_SOURCES = {
    "v2/GetOrderSummary": ("v2/GetOrders", "v2/GetTransactions"),
    "v2/GetTransactionSummary": ("v2/GetTransactions", "v2/GetOrders"),
}

#: ``probe(kind, after, before, item_id)``: whether the endpoint answers the item (by id) for a
#: ``{kind}_after`` / ``{kind}_before`` window (UTC, ``time_zone=0``).
Probe = Callable[[str, datetime, datetime, str], bool]


@dataclass(frozen=True)
class Bound:
    """One window asked: ``{kind}_after`` / ``{kind}_before`` (UTC; None when not sent) compare
    the items' `field`."""

    kind: str
    field: str
    after: datetime | None
    before: datetime | None

    def holds(self, moment: datetime) -> bool:
        """Whether `moment` lies in the window (both ends counted: I-10 leaves the end open).
        Dates are written to the second: a bound asked with a fraction of a second counts
        from its whole second, so an item written at that second is inside."""
        after = self.after.replace(microsecond=0) if self.after else None
        before = self.before
        if before is not None and before.microsecond:
            before = before.replace(microsecond=0) + timedelta(seconds=1)
        return (after is None or moment >= after) and (before is None or moment <= before)

    def describe(self) -> str:
        after = self.after.strftime(PARAM_FORMAT) if self.after else "…"
        before = self.before.strftime(PARAM_FORMAT) if self.before else "…"
        return f"{self.field} in [{after}, {before}] UTC"


@dataclass(frozen=True)
class Evidence:
    """An item's date as written (read as UTC), the window it was asked in, and its id."""

    written: datetime
    text: str
    bound: Bound
    item_id: str | None = None

    def fits(self, offset: int) -> bool:
        return self.bound.holds(self.written - timedelta(hours=offset))


def written_moment(value: object) -> datetime | None:
    """A date string without a zone marker, read as UTC (fractions of a second dropped); None
    for anything else (a date with a zone marker means what it says)."""
    match = _DATE.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    return datetime.fromisoformat(f"{match[1]} {match[3]}").replace(tzinfo=UTC)


def shift_text(text: str, hours: int) -> str:
    """`text` moved by `hours`, in the same form (separator and fraction kept)."""
    match = _DATE.match(text)
    if match is None or hours == 0:
        return text
    moved = datetime.fromisoformat(f"{match[1]} {match[3]}") + timedelta(hours=hours)
    return moved.strftime(f"%Y-%m-%d{match[2]}%H:%M:%S") + (match[4] or "")


def shift_dates(value: Any, hours: int, key: str = "") -> Any:
    """`value` with every ``*_date`` string (nested too) moved by `hours`; a new value, the
    argument is not changed."""
    if isinstance(value, Mapping):
        return {k: shift_dates(v, hours, k) for k, v in value.items()}
    if isinstance(value, list):
        return [shift_dates(v, hours, key) for v in value]
    if hours and key.endswith("_date") and isinstance(value, str):
        return shift_text(value, hours)
    return value


def evidence(
    items: Iterable[Mapping[str, Any]], bounds: Iterable[Bound], id_field: str
) -> list[Evidence]:
    """What each item's dates say of the windows they were asked in."""
    bounds = list(bounds)
    found = []
    for item in items:
        for bound in bounds:
            moment = written_moment(item.get(bound.field))
            if moment is not None:
                item_id = item.get(id_field)
                found.append(
                    Evidence(
                        moment, str(item[bound.field]), bound, str(item_id) if item_id else None
                    )
                )
    return found


def detect(endpoint: str, found: list[Evidence], probe: Probe | None = None) -> int | None:
    """The offset the items' dates are written in, or None when nothing tells the readings
    apart (no item, or every item inside the window as UTC). Raises `ISellerDateZoneError`
    when no offset fits, or several do and no probe settles it."""
    outside = [e for e in found if not e.fits(0)]
    if not outside:
        return None
    fitting = [k for k in OFFSETS if all(e.fits(k) for e in found)]
    example = outside[0]
    if not fitting:
        raise ISellerDateZoneError(
            f"iSeller {endpoint}: the dates answered fit no time zone: asked "
            f"{example.bound.describe()} (time_zone=0), got {example.bound.field} "
            f"{example.text!r}, outside the window read as UTC or in any whole-hour offset",
            endpoint=endpoint,
        )
    if len(fitting) == 1:
        return fitting[0]
    # The item lies past the window's end under a positive offset, before its start under a
    # negative one: the offsets nearest that edge are the likeliest.
    late = example.bound.before is not None and example.written > example.bound.before
    for offset in sorted(fitting, reverse=not late):
        if probe is not None and example.item_id is not None:
            moment = example.written - timedelta(hours=offset)
            if probe(example.bound.kind, moment, moment + timedelta(seconds=1), example.item_id):
                return offset
    raise ISellerDateZoneError(
        f"iSeller {endpoint}: cannot tell which time zone the dates are written in: asked "
        f"{example.bound.describe()} (time_zone=0), got {example.bound.field} "
        f"{example.text!r}; offsets {fitting[0]:+d}..{fitting[-1]:+d} would fit",
        endpoint=endpoint,
    )


def window_bounds(
    fields: Mapping[str, str],
    created_after: datetime | None,
    created_before: datetime | None,
    modified_after: datetime | None,
    modified_before: datetime | None,
) -> list[Bound]:
    """The windows asked, for `fields` = ``{"created": ..., "modified": ...}``: the item date
    each kind of bound compares."""
    bounds = []
    for kind, after, before in (
        ("created", created_after, created_before),
        ("modified", modified_after, modified_before),
    ):
        if after is not None or before is not None:
            bounds.append(
                Bound(
                    kind,
                    fields[kind],
                    after.astimezone(UTC) if after else None,
                    before.astimezone(UTC) if before else None,
                )
            )
    return bounds


def item_probe(
    call: Callable[..., Mapping[str, Any]],
    endpoint: str,
    list_key: str,
    id_field: str,
    *,
    by_id: bool,
) -> Probe:
    """A `Probe` asking `endpoint` for a one-second window (filtered by the item's id when
    `by_id`), unpaged: the service's first page holds the few items of one second."""

    def probe(kind: str, after: datetime, before: datetime, item_id: str) -> bool:
        params = {
            "time_zone": "0",
            f"{kind}_after": after.strftime(PARAM_FORMAT),
            f"{kind}_before": before.strftime(PARAM_FORMAT),
        }
        if by_id:
            params[id_field] = item_id
        items = call(endpoint, params).get(list_key) or []
        return any(str(item.get(id_field)).lower() == item_id.lower() for item in items)

    return probe


# -- what is learnt ---------------------------------------------------------------------------

#: Offsets learnt in this process: (resource URL, client id, "version/endpoint") -> hours.
_LEARNT = SharedFacts()


def forget_output_zones() -> None:
    """Forget every offset learnt in this process (clients keep their own until dropped)."""
    _LEARNT.clear()


class OutputZones(PerEndpoint):
    """The offset each endpoint writes its dates in, as learnt from the server; thread-safe.

    `scope` gives the (resource URL, client id) the offsets belong to (as `PageBases`).
    """

    def __init__(self, scope: Callable[[], tuple[str, str]] | None = None):
        super().__init__(_LEARNT, scope)

    def learn(self, endpoint: str, offset: int) -> None:
        if not self.remember(endpoint, offset):
            return
        logger.warning(
            "iSeller %s writes its dates at UTC%+d whatever time_zone asks (I-14); "
            "they are read in that offset",
            endpoint,
            offset,
        )

    def adopt(
        self,
        endpoint: str,
        payload: Mapping[str, Any],
        found: list[Evidence],
        probe: Probe | None = None,
    ) -> Mapping[str, Any]:
        """`payload` (asked with ``time_zone=0``) with its dates in UTC: as written unless
        `endpoint` writes another offset, learnt now from `found` or earlier."""
        offset = self.get(endpoint)
        if offset is None:
            offset = detect(endpoint, found, probe)
            if offset is None:
                return payload
            self.learn(endpoint, offset)
        elif not all(e.fits(offset) for e in found):
            stray = next(e for e in found if not e.fits(offset))
            raise ISellerDateZoneError(
                f"iSeller {endpoint}: the dates no longer fit the offset UTC{offset:+d} learnt "
                f"earlier: asked {stray.bound.describe()} (time_zone=0), got "
                f"{stray.bound.field} {stray.text!r}",
                endpoint=endpoint,
            )
        return shift_dates(payload, -offset)

    def summary(
        self, endpoint: str, items: list[dict[str, Any]], time_zone: int
    ) -> list[dict[str, Any]]:
        """A summary's items with their day labels in the ``time_zone`` asked, as the
        documented reading writes them, when a list endpoint of the same credential was
        learnt to write another offset."""
        for source in SUMMARY_SOURCES.get(endpoint, ()):
            offset = self.get(source)
            if offset is not None:
                return shift_dates(items, time_zone - offset)
        return items
