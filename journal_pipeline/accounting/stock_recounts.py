"""A transfer or stock take changed in iSeller after its Jurnal document was posted: a further
document of the difference, on the day of the change.

iSeller may change a completed document later (a count corrected, units accepted after all).
The posted document is never edited: it stays, its canonical lines as recorded when posted,
and the build of the day of the change adds a document of what moved since, as a sale changed
after posting is corrected on the day of the change. Its keys count the source's documents
posted: custom_id ``<document id>.<n>``, number ``<number>.<n>``, 2 for the first correction.
Once posted it is among them, and the next build finds nothing left.

- A stock adjustment (supplier receipt or return, stock take): one "Stock In/Out" of each
  product's difference in units, at the receipt's buying price where the document has one, on
  the posted document's warehouse and account; its canonical entry books what the entry built
  now adds to the entries posted, account by account (``stock:<kind>:<id>.<n>``).
- A warehouse transfer: the units accepted since, origin to destination, and those no longer
  accepted back (a second document, numbered next, when a change goes both ways). No entry.

Pure: the caller gives the posted documents' bodies and their recorded lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting.business_day import business_date
from journal_pipeline.accounting.documents import STOCK_ADJUSTMENT, WAREHOUSE_TRANSFER, Document
from journal_pipeline.accounting.invoices import json_number
from journal_pipeline.accounting.periods import PostingDate, correction_date
from journal_pipeline.accounting.stock_documents import (
    STOCK_OFF,
    Outcome,
    StockBuild,
    adjustment_body,
    jurnal_date,
    with_note,
)
from journal_pipeline.accounting.stock_records import StockRecord, document_id
from journal_pipeline.config import MerchantConfig

PRODUCT_KEYS = ("product_code", "product_name")
#: What to do when a posted document cannot be built again, so is not corrected.
STOCK_CHANGED_FIX = (
    "Jurnal keeps the units posted (a posted document is never edited): book the units that "
    "changed in Jurnal by hand (a stock adjustment, or a warehouse transfer between the "
    "outlets); the stock comparison shows the difference per warehouse and SKU"
)


@dataclass(frozen=True)
class Posted:
    """One posted document of a source (the first, or a correction): its doc key, type and the
    body Jurnal holds."""

    doc_key: str
    doc_type: str
    body: Mapping[str, Any]
    business_date: date | None = None  # the build day it belongs to (its outbox day)


@dataclass(frozen=True)
class _Target:
    """A further document of a source: its keys, the build it belongs to and its date."""

    source_id: str
    number: str
    outlet: str
    booked: date  # the booking day, whose build it is part of
    dated: PostingDate  # the day of the change, or the first open day
    n: int

    @property
    def custom_id(self) -> str:
        return f"{self.source_id}.{self.n}"

    @property
    def transaction_no(self) -> str:
        return f"{self.number}.{self.n}"

    def document(self, doc_type: str, body: dict[str, Any]) -> Document:
        root = "warehouse_transfer" if doc_type == WAREHOUSE_TRANSFER else "stock_adjustment"
        return Document(
            doc_key=f"{doc_type}:{self.custom_id}",
            doc_type=doc_type,
            business_date=self.booked,
            outlet_code=self.outlet,
            source_id=self.custom_id,
            source_reference=self.transaction_no,
            transaction_no=self.transaction_no,
            custom_id=self.custom_id,
            expected_total=None,
            payload={root: body},
        )


def revision_of(custom_id: str, source_id: str) -> int:
    """n of a source's document: 1 for its own (``<id>``), n for ``<id>.<n>``; 0 for none."""
    if custom_id == source_id:
        return 1
    tail = custom_id.removeprefix(f"{source_id}.")
    return int(tail) if tail != custom_id and tail.isdigit() else 0


def corrections(
    source: tuple[str, str, str],
    built: StockBuild,
    posted: Sequence[Posted],
    recorded: Sequence[Mapping[str, Any]],
    config: MerchantConfig,
    days: tuple[date, date],
) -> tuple[list[Document], list[dict[str, Any]]]:
    """The documents and canonical lines that bring Jurnal from ``posted`` (the source's
    posted documents; ``recorded`` their canonical lines) to ``built`` (the source built now,
    on its booking day). ``source``: the document's (id, number, outlet); ``days``: the
    booking day (whose build they are part of) and the day of the change (their date, or the
    first open day)."""
    if not posted:
        return [], []
    source_id, number, outlet = source
    n = 1 + max(revision_of(str(p.body.get("custom_id")), source_id) for p in posted)
    target = _Target(source_id, number, outlet, days[0], correction_date(days[1], config), n)
    documents: list[Document] = []
    lines: list[dict[str, Any]] = []
    transfers = [p for p in posted if p.doc_type == WAREHOUSE_TRANSFER]
    adjustments = [p for p in posted if p.doc_type == STOCK_ADJUSTMENT]
    made = {d.doc_type: d for d in built.documents if d.source_id == source_id}
    if transfers:
        documents += _transfer_corrections(target, made, transfers)
    if adjustments:
        document = _adjustment_correction(target, made, adjustments)
        if document is not None:
            documents.append(document)
            lines = _entry_correction(target, document, built.lines, recorded)
    return documents, lines


def revisited(
    build: StockBuild,
    record: StockRecord,
    family: Sequence[Posted],
    recorded: Sequence[Mapping[str, Any]],
    config: MerchantConfig,
    day: date,
) -> str | None:
    """``build`` (the stock documents booked on ``day``) with what it made of ``record``,
    posted already (``family``: its posted documents; ``recorded``: their canonical lines),
    replaced by what Jurnal holds of it, as posted, and a further document of what changed
    since; or why it is not corrected (a sentence naming it and the fix)."""
    source_id = document_id(record)
    mine = _taken_out(build, source_id)
    if family[0].business_date not in (None, day):  # its completion moved to another day
        return (  # its documents and lines stay with the day it was posted with
            f"{record.label()} is now booked on {day.isoformat()}, but was posted with "
            f"{family[0].business_date}: {STOCK_CHANGED_FIX}"
        )
    kept = [dict(line) for line in recorded]
    if mine.lines and not any(ln["source_id"] == source_id for ln in kept):
        kept = [*mine.lines, *kept]  # posted before its lines were kept: as built now
    build.lines += kept
    if mine.holds or not config.stock.enabled:
        why = mine.holds[0].reason if mine.holds else STOCK_OFF
        return (
            f"{record.label()} is posted and cannot be built again ({why}); if iSeller "
            f"changed it since: {STOCK_CHANGED_FIX}"
        )
    source = (source_id, record.number, record.booking_outlet or "?")
    days = (day, _change_day(record, config, day))
    made, lines = corrections(source, mine, family, kept, config, days)
    build.documents += made
    build.lines += lines
    build.outcomes += [
        Outcome(source_id, "correction", d.transaction_no, None, d.outlet_code, d.doc_key)
        for d in made
    ]
    return None


def _transfer_corrections(
    target: _Target, made: Mapping[str, Document], posted: Sequence[Posted]
) -> list[Document]:
    first = posted[0].body
    origin, destination = first["from_warehouse_name"], first["to_warehouse_name"]
    moved: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for p in posted:
        sign = 1 if p.body["from_warehouse_name"] == origin else -1
        for line in p.body["warehouse_transfer_lines_attributes"]:
            moved[_product(line)] -= sign * Decimal(str(line["quantity"]))
    now = made.get(WAREHOUSE_TRANSFER)
    for line in (
        now.payload[WAREHOUSE_TRANSFER]["warehouse_transfer_lines_attributes"] if now else []
    ):
        moved[_product(line)] += Decimal(str(line["quantity"]))
    documents = []
    for forward in (True, False):
        units = {k: v if forward else -v for k, v in moved.items() if (v > 0) == forward and v}
        if not units:
            continue
        start, end = (origin, destination) if forward else (destination, origin)
        said = "accepted since" if forward else "no longer accepted, back to the origin"
        memo = f"iSeller transfer {target.number} changed after posting: units {said}"
        body = {
            "from_warehouse_name": start,
            "to_warehouse_name": end,
            "transaction_date": jurnal_date(target.dated.day),
            "transaction_no": target.transaction_no,
            "custom_id": target.custom_id,
            "memo": with_note(memo, target.dated),
            "warehouse_transfer_lines_attributes": [
                {key: value, "quantity": json_number(q)}
                for (key, value), q in sorted(units.items())
            ],
        }
        documents.append(target.document(WAREHOUSE_TRANSFER, body))
        target = replace(target, n=target.n + 1)  # a change both ways: the next number
    return documents


def _adjustment_correction(
    target: _Target, made: Mapping[str, Document], posted: Sequence[Posted]
) -> Document | None:
    units: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    prices: dict[tuple[str, str], Any] = {}
    for p in posted:
        for line in p.body["lines_attributes"]:
            units[_product(line)] -= Decimal(str(line["difference"]))
            prices.setdefault(_product(line), line.get("average_price"))
    now = made.get(STOCK_ADJUSTMENT)
    for item in now.payload[STOCK_ADJUSTMENT]["lines_attributes"] if now else []:
        units[_product(item)] += Decimal(str(item["difference"]))
        if item.get("average_price") is not None:
            prices[_product(item)] = item["average_price"]
    changed = {k: v for k, v in units.items() if v}
    if not changed:
        return None
    first = posted[0].body
    body_lines = []
    for (key, value), difference in sorted(changed.items()):
        body_line: dict[str, Any] = {key: value, "difference": json_number(difference)}
        if prices.get((key, value)) is not None:
            body_line["use_custom_average_price"] = True
            body_line["average_price"] = prices[(key, value)]
        body_lines.append(body_line)
    memo = f"iSeller document {target.number} changed after posting: the units that changed"
    body = adjustment_body(
        target.custom_id,
        target.transaction_no,
        first["warehouse_name"],
        first.get("account_name"),
        target.dated,
        with_note(memo, target.dated),
        body_lines,
    )
    return target.document(STOCK_ADJUSTMENT, body)


def _entry_correction(
    target: _Target,
    document: Document,
    built: Sequence[Mapping[str, Any]],
    recorded: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """What the source's entry built now adds to its entries posted, account by account."""
    mine = [ln for ln in built if ln["source_id"] == target.source_id]
    own = [ln for ln in [*mine, *recorded] if ln["source_id"] == target.source_id]
    if not own:
        return []  # nothing at cost: no entry
    net: dict[tuple[str, str], int] = defaultdict(int)
    for sign, lines in ((1, mine), (-1, recorded)):
        for line in lines:
            key = (line["account_role"], line["account_name"])
            net[key] += sign * (int(line["debit"]) - int(line["credit"]))
    entry: list[dict[str, Any]] = []
    for (role, account), amount in net.items():
        if amount:
            entry.append(
                {
                    **own[0],
                    "entry_id": f"{own[0]['entry_id']}.{target.n}",
                    "business_date": target.dated.day,
                    "source_id": document.source_id,
                    "source_reference": document.transaction_no,
                    "line_no": len(entry) + 1,
                    "account_role": role,
                    "account_name": account,
                    "debit": max(amount, 0),
                    "credit": max(-amount, 0),
                    "description": f"{document.transaction_no}: changed after posting",
                }
            )
    return entry


def _product(line: Mapping[str, Any]) -> tuple[str, str]:
    for key in PRODUCT_KEYS:
        if line.get(key):
            return key, str(line[key])
    return PRODUCT_KEYS[1], ""


def _taken_out(build: StockBuild, source_id: str) -> StockBuild:
    """The documents, holds and lines of one source, taken out of ``build``."""
    mine = StockBuild(
        documents=[d for d in build.documents if d.source_id == source_id],
        holds=[h for h in build.holds if h.source_id == source_id],
        lines=[ln for ln in build.lines if ln["source_id"] == source_id],
    )
    build.documents = [d for d in build.documents if d.source_id != source_id]
    build.holds = [h for h in build.holds if h.source_id != source_id]
    build.lines = [ln for ln in build.lines if ln["source_id"] != source_id]
    return mine


def of_source(line_source: str, source_id: str) -> bool:
    """Whether a line's source is the document or one of its corrections (``<id>.<n>``)."""
    head, _, tail = line_source.rpartition(".")
    return line_source == source_id or (head == source_id and tail.isdigit())


def _change_day(record: StockRecord, config: MerchantConfig, booked: date) -> date:
    """The business day iSeller last changed the document on (its booking day at the
    earliest), at its outlet."""
    if record.modified_date is None:
        return booked
    zone, cutoff = config.outlet_zone(record.booking_outlet)
    return max(booked, business_date(record.modified_date, zone, cutoff))
