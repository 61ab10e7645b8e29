"""Stock movements of the demo merchant: outlet transfers, supplier deliveries, stock takes.

Like the orders, everything is a pure function of the seed and a date, generated lazily per
day, and each document has a timeline; the API shows the state reached at the clock. The shapes
served by the v3 endpoints are documented in `iseller_erp`; what each document does to the stock
is the ledger of `iseller_stock_levels` (docs/assumptions/iseller.md, I-37).

Schedule (local dates of the Jakarta head office, times local to the outlet named):

- ``JKT`` → ``BDG`` transfer out every third day (coffee beans and bread for the cafe),
  created 09:00, started 11:00, received 16:00 the same day;
- ``JKT`` → ``DPS`` transfer out every Monday (retail goods and drinks), created 09:00,
  started 11:00, received 14:00 WITA the next day;
- supplier deliveries (transfer in) to ``JKT`` every Tuesday and Friday, created 08:00,
  on its way 10:00, received 15:00;
- a stock take (``opname``) at every outlet every Monday, started 08:00, completed 09:00.

About one outlet transfer in eight is cancelled: half of those while pending (15 to 90 minutes
after creation, before the start), half in transit (30 to 120 minutes after the start, before
the receipt). A received transfer accepts every unit except, on about one transfer in ten, one
rejected unit on one line, and on about one in six, some cancelled units on one line (a partial
receipt); accepted + rejected + cancelled = quantity. These fates are drawn from a generator of
their own, so the lines of a transfer are the same whatever its fate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from journal_sandbox.demo_merchant import catalogue_uuid, demo_uuid, fmt_dt
from journal_sandbox.iseller_catalogue import (
    OUTLETS_BY_CODE,
    PRODUCTS,
    PRODUCTS_BY_SKU,
    SUPPLIERS,
)

if TYPE_CHECKING:
    from journal_sandbox.iseller_stock_levels import StockLedger

_BDG_TRANSFER_SKUS = ("KOP-001", "KOP-002", "KOP-003", "KOP-004", "TEH-001", "TEH-002")
_DPS_TRANSFER_SKUS = ("KOP-001", "KOP-004", "KOP-005", "MRC-001", "MRC-002", "TEH-001")
_SUPPLIER_SKUS = {
    "SUP-01": ("KOP-001", "KOP-002", "KOP-003", "KOP-004", "KOP-005"),
    "SUP-02": ("ALT-001", "ALT-002", "ALT-003", "TMB-HITAM", "TMB-PUTIH", "TMB-HIJAU"),
}
#: What the head office sends to the other outlets.
SENT_FROM_HEAD_OFFICE = frozenset((*_BDG_TRANSFER_SKUS, *_DPS_TRANSFER_SKUS))
CANCEL_RATE = 1 / 8  # of outlet transfers; half while pending, half in transit
PARTIAL_RECEIPT_RATE = 1 / 6  # of received transfers
REJECT_RATE = 0.10  # of received transfers: one rejected unit on the first line
_RECEIVED = ("quantity_accepted", "quantity_rejected", "quantity_cancelled")


@dataclass(frozen=True)
class Timeline:
    """A document and its states: (instant, status) in time order; the first is its creation."""

    key: str
    steps: tuple[tuple[datetime, str], ...]
    document: dict[str, Any] = field(repr=False)  # the final document, UTC dates

    @property
    def created(self) -> datetime:
        return self.steps[0][0]

    def moment(self, status: str) -> datetime | None:
        """When the document reached `status`; None if it never does."""
        return next((at for at, reached in self.steps if reached == status), None)

    def as_of(self, at: datetime) -> dict[str, Any] | None:
        """The document at `at`; None before it was created.

        Received quantities (transfers) and counted stock (stock takes: ``actual_stock`` and
        ``difference``) are null until the document is completed."""
        reached = [(moment, status) for moment, status in self.steps if moment <= at]
        if not reached:
            return None
        moment, status = reached[-1]
        shown = {**self.document, "status": status, "modified_date": fmt_dt(moment)}
        done = status == "completed"
        if "start_date" in shown and status == "pending":
            shown["start_date"] = None
        shown["completed_date"] = shown["completed_date"] if done else None
        hidden = _RECEIVED if "transfer_id" in shown else ("actual_stock", "difference")
        shown["items"] = [
            {**item, **({} if done else {key: None for key in hidden if key in item})}
            for item in self.document["items"]
        ]
        return shown


def _local(day: date, at: time, outlet_code: str, days: int = 0) -> datetime:
    zone = OUTLETS_BY_CODE[outlet_code].zone
    return datetime.combine(day + timedelta(days=days), at, tzinfo=zone).astimezone(UTC)


def _outlet_fields(seed: int, prefix: str, outlet_code: str | None) -> dict[str, Any]:
    outlet = OUTLETS_BY_CODE.get(outlet_code or "")
    return {
        f"{prefix}_outlet_id": catalogue_uuid(seed, "outlet", outlet_code) if outlet else None,
        f"{prefix}_outlet_code": outlet.outlet_code if outlet else None,
        f"{prefix}_outlet_name": outlet.outlet_name if outlet else None,
    }


def _items(seed: int, rng: random.Random, skus: tuple[str, ...]) -> list[dict[str, Any]]:
    chosen = rng.sample(skus, rng.randint(2, min(4, len(skus))))
    reject = rng.random() < REJECT_RATE
    items = []
    for index, sku in enumerate(chosen):
        product = PRODUCTS_BY_SKU[sku]
        quantity = rng.randint(2, 12)
        rejected = 1 if reject and index == 0 else 0
        items.append(
            {
                "product_id": catalogue_uuid(seed, "product", sku),
                "sku": sku,
                "product_name": product.name,
                "quantity": quantity,
                "quantity_accepted": quantity - rejected,
                "quantity_rejected": rejected,
                "quantity_cancelled": 0,
                # the receipt costs what the catalogue says (I-42)
                "buying_price": product.buying_price,
            }
        )
    return items


def _cancel_partly(items: list[dict[str, Any]], fate: random.Random) -> None:
    """A partial receipt: some units of one line (not the one with a rejected unit) cancelled;
    at least one unit of that line is still accepted."""
    line = items[fate.randrange(1, len(items))]
    cancelled = fate.randint(1, line["quantity"] // 2)
    line["quantity_cancelled"] = cancelled
    line["quantity_accepted"] = line["quantity"] - line["quantity_rejected"] - cancelled


def _fate(
    fate: random.Random, kind: str, planned: tuple[tuple[datetime, str], ...]
) -> tuple[tuple[datetime, str], ...]:
    """The steps a transfer really goes through: as `planned`, or cancelled on the way."""
    draw = fate.random()
    if kind != "out" or draw >= CANCEL_RATE:
        return planned
    (created, _), (started, _), _ = planned
    if draw < CANCEL_RATE / 2:
        cancel = created + timedelta(minutes=fate.randint(15, 90))
        return ((created, "pending"), (cancel, "cancelled"))
    cancel = started + timedelta(minutes=fate.randint(30, 120))
    return ((created, "pending"), (started, "in_transfer"), (cancel, "cancelled"))


def _transfer(
    seed: int,
    day: date,
    kind: str,
    source: str | None,
    destination: str,
    planned: tuple[tuple[datetime, str], ...],
    rng: random.Random,
    skus: tuple[str, ...],
    supplier: tuple[str, str] | None = None,
) -> Timeline:
    origin_key = source or (supplier[0] if supplier else "")
    key = f"{kind}|{origin_key}|{destination}|{day}"
    prefix = "TI" if kind == "in" else "TO"
    origin = source or "SUP"
    number = f"{prefix}/{origin}-{destination}/{day.strftime('%Y%m%d')}"
    items = _items(seed, rng, skus)
    fate = random.Random(f"{seed}|transfer-fate|{key}")
    steps = _fate(fate, kind, planned)
    status = steps[-1][1]
    if status == "completed" and fate.random() < PARTIAL_RECEIPT_RATE:
        _cancel_partly(items, fate)
    started = next((at for at, reached in steps if reached == "in_transfer"), None)
    document = {
        "transfer_id": demo_uuid(seed, "transfer", key),
        "transfer_number": number,
        "type": kind,
        "out_type": "to_outlet" if kind == "out" else None,
        "status": status,
        **_outlet_fields(seed, "from", source),
        **_outlet_fields(seed, "to", destination),
        "supplier_name": supplier[1] if supplier else None,
        "notes": "",
        "created_date": fmt_dt(steps[0][0]),
        "start_date": fmt_dt(started) if started else None,
        "completed_date": fmt_dt(steps[-1][0]) if status == "completed" else None,
        "modified_date": fmt_dt(steps[-1][0]),
        "items": items,
    }
    return Timeline(key, steps, document)


@lru_cache(maxsize=512)
def transfers_for_day(seed: int, day: date) -> tuple[Timeline, ...]:
    """Transfers created on `day` (a Jakarta date)."""
    rng = random.Random(f"{seed}|transfers|{day.isoformat()}")
    result = []
    if day.toordinal() % 3 == 0:
        steps = (
            (_local(day, time(9), "JKT"), "pending"),
            (_local(day, time(11), "JKT"), "in_transfer"),
            (_local(day, time(16), "BDG"), "completed"),
        )
        result.append(_transfer(seed, day, "out", "JKT", "BDG", steps, rng, _BDG_TRANSFER_SKUS))
    if day.weekday() == 0:
        steps = (
            (_local(day, time(9), "JKT"), "pending"),
            (_local(day, time(11), "JKT"), "in_transfer"),
            (_local(day, time(14), "DPS", days=1), "completed"),
        )
        result.append(_transfer(seed, day, "out", "JKT", "DPS", steps, rng, _DPS_TRANSFER_SKUS))
    if day.weekday() in (1, 4):
        supplier = SUPPLIERS[0] if day.weekday() == 1 else SUPPLIERS[1]
        steps = (
            (_local(day, time(8), "JKT"), "pending"),
            (_local(day, time(10), "JKT"), "in_transfer"),
            (_local(day, time(15), "JKT"), "completed"),
        )
        result.append(
            _transfer(
                seed,
                day,
                "in",
                None,
                "JKT",
                steps,
                rng,
                _SUPPLIER_SKUS[supplier[0]],
                supplier=supplier,
            )
        )
    return tuple(result)


@lru_cache(maxsize=8)
def _stocked_skus(outlet_code: str) -> tuple[str, ...]:
    """Tracked products held at an outlet: those it sells plus those transferred to it."""
    sold = [p.sku for p in PRODUCTS if p.outlet_code == outlet_code and p.track_inventory]
    if outlet_code == "JKT":  # the head office receives and sends everything it supplies
        sold += [*_BDG_TRANSFER_SKUS, *_DPS_TRANSFER_SKUS]
    sold = [sku for sku in sold if not PRODUCTS_BY_SKU[sku].components]
    received = {"BDG": _BDG_TRANSFER_SKUS, "DPS": _DPS_TRANSFER_SKUS}.get(outlet_code, ())
    return tuple(dict.fromkeys([*sold, *received]))


def stocked_skus(outlet_code: str) -> tuple[str, ...]:
    """Tracked products (composites excepted: they hold no stock) an outlet holds."""
    return _stocked_skus(outlet_code)


def stocked_outlets(sku: str) -> tuple[str, ...]:
    """Outlets that hold stock of a tracked product."""
    return tuple(code for code in OUTLETS_BY_CODE if sku in _stocked_skus(code))


@lru_cache(maxsize=512)
def stock_takes_for_day(seed: int, day: date) -> tuple[Timeline, ...]:
    """Stock takes (``opname``) started on `day` (each outlet's local date).

    Items carry the ``difference`` found; ``system_stock`` and ``actual_stock`` are the
    ledger's (`documents_until` fills them in)."""
    if day.weekday() != 0:
        return ()
    result = []
    for outlet_code in OUTLETS_BY_CODE:
        rng = random.Random(f"{seed}|opname|{outlet_code}|{day.isoformat()}")
        skus = _stocked_skus(outlet_code)
        items = []
        for sku in rng.sample(skus, min(len(skus), rng.randint(3, 6))):
            product = PRODUCTS_BY_SKU[sku]
            difference = rng.choices((0, -1, -2, 1), weights=(70, 18, 7, 5))[0]
            items.append(
                {
                    "product_id": catalogue_uuid(seed, "product", sku),
                    "sku": sku,
                    "product_name": product.name,
                    "system_stock": None,
                    "actual_stock": None,
                    "difference": difference,
                    "buying_price": product.buying_price,
                }
            )
        steps = (
            (_local(day, time(8), outlet_code), "in_progress"),
            (_local(day, time(9), outlet_code), "completed"),
        )
        key = f"opname|{outlet_code}|{day}"
        document = {
            "adjustment_id": demo_uuid(seed, "adjustment", key),
            "adjustment_number": f"SO/{outlet_code}/{day.strftime('%Y%m%d')}",
            "action": "opname",
            "status": "completed",
            **_outlet_fields(seed, "", outlet_code),
            "notes": "Stock opname mingguan",
            "created_date": fmt_dt(steps[0][0]),
            "completed_date": fmt_dt(steps[-1][0]),
            "modified_date": fmt_dt(steps[-1][0]),
            "items": items,
        }
        # "_outlet_id" -> "outlet_id"
        document = {k.lstrip("_"): v for k, v in document.items()}
        result.append(Timeline(key, steps, document))
    return tuple(result)


def documents_until(
    seed: int,
    start: date,
    until: datetime,
    kind: str,
    *,
    ledger: StockLedger | None = None,
) -> list[dict[str, Any]]:
    """Transfers (`kind` "transfer") or stock takes ("adjustment") created by `until`.

    A stock take's ``system_stock`` is the level in `ledger` (default: the demo merchant of
    `seed` and `start` at the default order rate) just before its completion, or the level at
    `until` while it is in progress; ``actual_stock`` = system + difference.
    """
    generate = transfers_for_day if kind == "transfer" else stock_takes_for_day
    result = []
    day = start
    last = until.astimezone(OUTLETS_BY_CODE["JKT"].zone).date() + timedelta(days=1)
    while day <= last:
        for timeline in generate(seed, day):
            shown = timeline.as_of(until)
            if shown is not None:
                result.append(shown)
        day += timedelta(days=1)
    if kind != "transfer" and result:
        from journal_sandbox.demo_merchant import DemoMerchant
        from journal_sandbox.iseller_stock_levels import count_stock_takes, stock_ledger

        ledger = ledger or stock_ledger(DemoMerchant(seed=seed, start_date=start))
        count_stock_takes(ledger, result, until)
    return result
