"""Goods no invoice line moves leave Jurnal's stock as they leave iSeller's. Pure.

iSeller takes every line's units from stock (its ``units_used``). A Jurnal invoice moves stock
only for a line of a tracked product (or a bundle of tracked ones), so two kinds of line take
goods Jurnal's invoice leaves in the warehouse (`moves_apart`):

- a free line: Jurnal refuses an invoice line of Rp 0 (J-46), so the invoice names it in its
  memo and has no line for it;
- a line of a combo set (``type: comboset``): its Jurnal product is untracked (the set's items
  are chosen at the till, so no fixed bundle stands for it), while iSeller takes the items
  chosen (docs/assumptions/products.md).

Each iSeller stock event of such units becomes a Jurnal stock adjustment ("Stock In/Out") of
its own, keyed by the event and dated its business day, in the outlet's warehouse against the
outlet's ``cogs`` account (Jurnal books the units at its average cost there, as the canonical
journal books the cost of units taken from tracked stock as cost of sales):

- a sale's free units leave at its closing: ``free_goods:<order id>``, number
  ``<invoice no>/G``;
- they come back when the order is voided: ``free_goods:<order id>/V``, ``<invoice no>/GV``
  (also when voided on its own day: the sale's adjustment may be in Jurnal already, posted by
  an earlier run of the day); once the sale's adjustments are in Jurnal, the void gives back
  what they moved (`voids_of_posted`), a change of its free lines never posted included;
- a refund that gives back units of a free line brings those back:
  ``free_goods:<refund key>``, ``<invoice no>/GR<n>`` (the order's n-th refund, as the
  refund's own documents are numbered).

Keyed by iSeller's events, not by the sale's accounting: a correction or a repost of the sale
leaves the goods where they went. A sale whose free lines change in iSeller after its
adjustment is in Jurnal (a free item added, taken off, or now charged) gets an adjustment of
the difference on the business day of the change (`free_goods_changes`): ``<order id>/G<n>``,
number ``<invoice no>/G<n>`` (n = 2, 3, … in the order they are posted); the posted ones stand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from journal_pipeline.accounting.business_day import business_date
from journal_pipeline.accounting.documents import STOCK_ADJUSTMENT, Document, transaction_no
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.accounting.invoices import free_lines, json_number
from journal_pipeline.accounting.iseller_stock import quantity, void_instant
from journal_pipeline.accounting.periods import correction_date
from journal_pipeline.accounting.products import is_combo_set
from journal_pipeline.accounting.stock_documents import adjustment_body, with_note
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.missing import text_or_none
from journal_pipeline.core.timestamps import parse_utc

SOURCE = "free_goods"
TAKEN_BY_ITEMS = "items of combo sets sold"
CHANGED = "changed in iSeller after posting"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIX = "in the config file (JOURNAL_PIPELINE_CONFIG), then run the day again."


@dataclass(frozen=True)
class FreeUnits:
    """One stock event of free units: ``units`` SKU → signed quantity (out < 0)."""

    source_id: str
    number: str
    custom_id: str
    outlet_code: str
    order_reference: str
    what: str  # for the memo: "given free", "back: voided", "back: refunded", …
    units: dict[str, Decimal]


def free_goods_events(
    orders: Iterable[Mapping[str, Any]],
    refunds: Iterable[tuple[str, Mapping[str, Any]]],
    config: MerchantConfig,
    day: date,
) -> list[FreeUnits]:
    """The free-unit stock events of business day ``day`` among staged ``orders`` (raw) and
    their staged ``refunds`` ((refund key, raw ``refunded_orders[]`` entry))."""
    by_order: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for key, refund in refunds:
        by_order.setdefault(str(refund.get("order_id")), []).append((key, refund))
    events = []
    for order in orders:
        outlet = text_or_none(order.get("outlet_code"))
        closed = parse_utc(order.get("closed_date"))
        if outlet is None or closed is None:
            continue
        lines = order.get("order_details") or []
        given = _units(line for line in lines if moves_apart(line))
        zone, cutoff = config.outlet_zone(outlet)
        sold = business_date(closed, zone, cutoff)
        voided_at = void_instant(order) if order.get("status") == "void" else None
        voided = business_date(voided_at, zone, cutoff) if voided_at is not None else None
        reference = str(order.get("order_reference") or order.get("order_id"))
        number = transaction_no(config, reference)
        order_id = str(order.get("order_id"))
        if given and sold == day:
            events.append(
                FreeUnits(
                    order_id,
                    f"{number}/G",
                    f"{order_id}/G",
                    outlet,
                    reference,
                    _taken(lines),
                    _signed(given, -1),
                )
            )
        if given and voided == day:
            events.append(_void(order_id, number, outlet, reference, given))
        ordered = sorted(by_order.get(order_id, []), key=_refund_order)
        for n, (refund_key, refund) in enumerate(ordered, start=1):
            refunded_at = parse_utc(refund.get("refund_date"))
            if refunded_at is None or business_date(refunded_at, zone, cutoff) != day:
                continue
            back = _refunded_free_units(lines, refund.get("refund_details") or [])
            if back:
                events.append(
                    FreeUnits(
                        refund_key,
                        f"{number}/GR{n}",
                        f"{refund_key}/G",
                        outlet,
                        reference,
                        "back: refunded",
                        back,
                    )
                )
    return events


@dataclass(frozen=True)
class PostedSale:
    """A sale's free-goods adjustments in Jurnal: how many (its first and each change), and the
    units (SKU → signed quantity) they moved together."""

    count: int
    units: dict[str, Decimal]


def sale_units(order: Mapping[str, Any]) -> dict[str, Decimal]:
    """SKU → units (out < 0) the lines of ``order`` (raw) no invoice line moves take
    (`moves_apart`): what its sale's adjustments in Jurnal should add up to."""
    lines = order.get("order_details") or []
    return _signed(_units(line for line in lines if moves_apart(line)), -1)


def free_goods_changes(
    orders: Iterable[Mapping[str, Any]], posted: Mapping[str, PostedSale], config: MerchantConfig
) -> list[FreeUnits]:
    """For each of ``orders`` (raw, as iSeller has them now) whose sale's adjustments are in
    Jurnal (``posted``, by order id), the event of the difference between what its free lines
    take now and what those moved; none when they agree. A voided order is left to its void,
    which gives back what its free lines take."""
    events = []
    for order in orders:
        order_id = str(order.get("order_id"))
        outlet = text_or_none(order.get("outlet_code"))
        done = posted.get(order_id)
        if done is None or outlet is None or order.get("status") == "void":
            continue
        wanted = sale_units(order)
        skus = sorted(set(wanted) | set(done.units))
        delta = {sku: wanted.get(sku, Decimal(0)) - done.units.get(sku, Decimal(0)) for sku in skus}
        delta = {sku: q for sku, q in delta.items() if q}
        if not delta:
            continue
        n = done.count + 1
        reference = str(order.get("order_reference") or order_id)
        number = transaction_no(config, reference)
        events.append(
            FreeUnits(
                f"{order_id}/G{n}",
                f"{number}/G{n}",
                f"{order_id}/G{n}",
                outlet,
                reference,
                CHANGED,
                delta,
            )
        )
    return events


def voids_of_posted(
    orders: Iterable[Mapping[str, Any]],
    posted: Mapping[str, PostedSale],
    config: MerchantConfig,
    day: date,
) -> list[FreeUnits]:
    """The void, on business day ``day``, of each of ``orders`` whose sale's adjustments are in
    Jurnal (``posted``): it gives back what they moved, which is what its free lines take
    now only when no change of them is still to post (`free_goods_events` gives a void of a
    sale not posted yet)."""
    events = []
    for order in orders:
        order_id = str(order.get("order_id"))
        outlet = text_or_none(order.get("outlet_code"))
        done = posted.get(order_id)
        if done is None or outlet is None or order.get("status") != "void":
            continue
        voided_at = void_instant(order)
        zone, cutoff = config.outlet_zone(outlet)
        if voided_at is None or business_date(voided_at, zone, cutoff) != day:
            continue
        back = {sku: -q for sku, q in sorted(done.units.items()) if q}
        if not back:
            continue
        reference = str(order.get("order_reference") or order_id)
        events.append(_void(order_id, transaction_no(config, reference), outlet, reference, back))
    return events


def _void(
    order_id: str, number: str, outlet: str, reference: str, units: dict[str, Decimal]
) -> FreeUnits:
    """The free units of an order given back by its void."""
    return FreeUnits(
        f"{order_id}/V",
        f"{number}/GV",
        f"{order_id}/GV",
        outlet,
        reference,
        "back: the order was voided",
        units,
    )


def posted_units(payload: Mapping[str, Any]) -> dict[str, Decimal]:
    """SKU → units a free-goods adjustment's payload moved."""
    lines = payload["stock_adjustment"]["lines_attributes"]
    return {str(line["product_code"]): Decimal(str(line["difference"])) for line in lines}


def posted_sales(
    documents: Iterable[tuple[str, Mapping[str, Any]]],
) -> dict[str, PostedSale]:
    """Order id → its sale's adjustments in Jurnal, from (outbox source id, payload) of each
    posted one: the first, ``free_goods:<order id>``, and each change, ``…/G<n>``."""
    found: dict[str, PostedSale] = {}
    for source_id, payload in documents:
        order_id = source_id.removeprefix(f"{SOURCE}:").split("/G", 1)[0]
        done = found.get(order_id, PostedSale(0, {}))
        units = dict(done.units)
        for sku, moved in posted_units(payload).items():
            units[sku] = units.get(sku, Decimal(0)) + moved
        found[order_id] = PostedSale(done.count + 1, units)
    return found


def free_goods_documents(
    events: Sequence[FreeUnits], config: MerchantConfig, day: date
) -> tuple[list[Document], list[Hold]]:
    """A stock adjustment per event, or a hold naming what the config lacks."""
    documents: list[Document] = []
    holds: list[Hold] = []
    dated = correction_date(day, config)
    for event in events:
        outlet = config.outlet(event.outlet_code)
        account = config.account("cogs", event.outlet_code)
        problem = None
        if outlet is None or not outlet.warehouse:
            problem = (
                f"outlet {event.outlet_code} has no Jurnal warehouse. Add warehouse: <name> "
                f"under outlets.{event.outlet_code} {FIX}"
            )
        elif account is None:
            problem = f"the account role cogs has no Jurnal account. Add accounts.cogs {FIX}"
        key = document_key(event)
        if problem is not None:
            holds.append(
                Hold(
                    SOURCE,
                    f"{SOURCE}:{event.source_id}",
                    event.order_reference,
                    event.outlet_code,
                    day,
                    f"Free goods of order {event.order_reference} ({event.what}), "
                    f"{day.isoformat()}: {problem}",
                    STOCK_ADJUSTMENT,
                )
            )
            continue
        assert outlet is not None and outlet.warehouse
        signed = event.what == CHANGED  # a change can take some units and give back others
        listed = ", ".join(
            f"{json_number(q if signed else abs(q))} × {sku}" for sku, q in event.units.items()
        )
        memo = (
            f"iSeller order {event.order_reference} at {event.outlet_code}: {event.what} ({listed})"
        )
        memo = with_note(memo, dated)
        lines = [
            {"product_code": sku, "difference": json_number(units)}
            for sku, units in sorted(event.units.items())
        ]
        body = adjustment_body(
            event.custom_id, event.number, outlet.warehouse, account, dated, memo, lines
        )
        documents.append(
            Document(
                doc_key=key,
                doc_type=STOCK_ADJUSTMENT,
                business_date=day,
                outlet_code=event.outlet_code,
                source_id=f"{SOURCE}:{event.source_id}",
                source_reference=event.order_reference,
                transaction_no=event.number,
                custom_id=event.custom_id,
                expected_total=None,
                payload={"stock_adjustment": body},
            )
        )
    return documents, holds


def document_key(event: FreeUnits) -> str:
    return f"{STOCK_ADJUSTMENT}:{SOURCE}:{event.source_id}"


def free_line_orders(lines: pd.DataFrame, orders: Iterable[Mapping[str, Any]]) -> list[str]:
    """Ids of the orders with a line whose units no invoice line moves (`moves_apart`): a line
    at no charge among the frames' ``lines`` (`invoices.is_free`, for every line at once) or a
    combo set's line among the raw ``orders``, sorted."""
    combos = {
        str(order.get("order_id"))
        for order in orders
        if any(is_combo_set(line.get("type")) for line in order.get("order_details") or [])
    }
    free = set() if lines.empty else {str(i) for i in lines.loc[free_lines(lines), "order_id"]}
    return sorted(free | combos)


def gives_free_units(order: Mapping[str, Any]) -> bool:
    """Whether any line of ``order`` (raw) takes tracked units no invoice line moves."""
    return any(moves_apart(line) and _units([line]) for line in order.get("order_details") or [])


def moves_apart(line: Mapping[str, Any]) -> bool:
    """Whether the units a raw line takes leave Jurnal's stock by an adjustment of their own,
    not by the invoice: a line at no charge (`invoices.is_free`: on no invoice line) or a
    combo set's (an untracked Jurnal product, `products.is_combo_set`)."""
    return _is_free(line) or is_combo_set(line.get("type"))


def _taken(lines: Sequence[Mapping[str, Any]]) -> str:
    """What the sale's adjustment says of its units: given free, taken by combo sets, or
    both."""
    free = any(_is_free(line) and _units([line]) for line in lines)
    other = any(
        not _is_free(line) and is_combo_set(line.get("type")) and _units([line]) for line in lines
    )
    if free and other:
        return f"given free and {TAKEN_BY_ITEMS}"
    return TAKEN_BY_ITEMS if other else "given free"


def _is_free(line: Mapping[str, Any]) -> bool:
    """`invoices.is_free` of a raw line: at no charge, so on no invoice line."""
    return _money(line.get("total_order_amount")) <= _money(line.get("discount_amount"))


def _money(value: object) -> Decimal:
    try:
        return quantity(value)
    except ArithmeticError:
        return Decimal(0)


def _units(lines: Iterable[Mapping[str, Any]], share: Decimal = Decimal(1)) -> dict[str, Decimal]:
    """SKU → units the lines took from tracked stock (``units_used[].stock``) × ``share``."""
    units: dict[str, Decimal] = {}
    for line in lines:
        for used in line.get("units_used") or []:
            sku = text_or_none(used.get("sku"))
            amount = quantity(used.get("stock")) * share
            if sku and amount:
                units[sku] = units.get(sku, Decimal(0)) + amount
    return {sku: q for sku, q in units.items() if q}


def _refunded_free_units(
    lines: Sequence[Mapping[str, Any]], details: Iterable[Mapping[str, Any]]
) -> dict[str, Decimal]:
    """SKU → units a refund's details give back of the order's free lines (matched by
    ``order_detail_id``, in proportion to the line's quantity)."""
    by_id = {str(line.get("order_detail_id")): line for line in lines}
    back: dict[str, Decimal] = {}
    for detail in details:
        line = by_id.get(str(detail.get("order_detail_id")))
        if line is None or not moves_apart(line):
            continue
        ordered = quantity(line.get("quantity"))
        if not ordered:
            continue
        for sku, units in _units([line], quantity(detail.get("quantity")) / ordered).items():
            back[sku] = back.get(sku, Decimal(0)) + units
    return back


def _signed(units: Mapping[str, Decimal], sign: int) -> dict[str, Decimal]:
    return {sku: sign * q for sku, q in units.items()}


def _refund_order(item: tuple[str, Mapping[str, Any]]) -> tuple[bool, datetime, str]:
    """Refunds in the order they were made (as staging lists them), undated last."""
    at = parse_utc(item[1].get("refund_date"))
    return (at is None, at or EPOCH, item[0])
