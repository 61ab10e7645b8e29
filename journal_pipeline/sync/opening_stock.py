"""`journal-pipeline stock init` and the `jurnal_opening_stock` asset: each Jurnal warehouse
brought to iSeller's stock at the start of a day, one stock adjustment per warehouse.

For day D, iSeller's stock at the end of business day D−1 of each outlet plus what the outlet
has in transit (Jurnal's origin warehouse holds sent units until they are received) is set
against Jurnal's quantity at the end of D−1; each SKU that differs is a "Stock In/Out" line
(`accounting/opening_stock.py`). The document goes through the outbox under business
date D−1 and type ``opening_stock`` (keys ``opening-stock/<outlet>/<D>``,
``STOCK-INIT/<outlet>/<YYYYMMDD>``), so running it again sends nothing: a posted adjustment is
said to be posted, and one an earlier run left pending is posted as it was built (Jurnal's
duplicate check finds it if it arrived).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from journal_pipeline.accounting import opening_stock as opening
from journal_pipeline.accounting.documents import OPENING_STOCK, Document
from journal_pipeline.accounting.iseller_stock import day_end_instants
from journal_pipeline.accounting.opening_stock import OpeningStock
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.money import format_idr
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore, loads
from journal_pipeline.sync.one_by_one import OneByOne
from journal_pipeline.sync.outbox import Outbox, PostResult
from journal_pipeline.sync.ports import SingleWriter
from journal_pipeline.sync.stock_levels import (
    JurnalReports,
    Progress,
    StockSource,
    read_iseller_stock,
    read_jurnal_stock,
    utc_now,
    warehouses,
)

NEW = "to post"
POSTED = "already posted"
EQUAL = "already equal"
RESUMED = "left pending by an earlier run"
REFUSED = "nothing to post"


@dataclass
class OpeningPlan:
    """One outlet's opening stock: what is to be posted, or why nothing is."""

    stock: OpeningStock
    state: str
    jurnal_id: int | None = None

    @property
    def document(self) -> Document | None:
        return self.stock.document if self.state in (NEW, RESUMED) else None

    def listing(self) -> list[str]:
        s = self.stock
        _, number = opening.opening_keys(s.outlet_code, s.day)
        head = f"{s.outlet_code} → {s.warehouse} ({number}):"
        if self.state == POSTED:
            lines = [f"{head} already posted (Jurnal id {self.jurnal_id}); nothing to send."]
        elif self.state == RESUMED:
            lines = [f"{head} {RESUMED}; it is posted as it was built."]
        elif self.state == EQUAL:
            lines = [f"{head} Jurnal already equals iSeller's stock at the start of {s.day}."]
        elif self.state == REFUSED:
            lines = [f"{head} nothing can be posted."]
        else:
            dated = s.posting.day.isoformat() + (f" ({s.posting.note})" if s.posting.note else "")
            lines = [f"{head} stock adjustment dated {dated}, {len(s.lines)} line(s):"]
            for line in s.lines:
                price = (
                    f"at {format_idr(int(line.average_price))} a unit"
                    if line.average_price is not None
                    else "at Jurnal's average cost"
                )
                lines.append(
                    f"  {line.sku} {line.name}: Jurnal {_text(line.jurnal_quantity)} → iSeller "
                    f"{_text(line.iseller_quantity)} ({_signed(line.difference)} {price})"
                )
        return lines + [f"  refused: {reason}" for reason in s.refused]


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + _text(value)


@dataclass(frozen=True)
class _Stored:
    status: str
    jurnal_id: int | None
    document: Document


def _stored(store: StagingStore, doc_key: str) -> _Stored | None:
    t = tables.outbox
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(t).where(t.c.doc_key == doc_key)).mappings().first()
    if row is None:
        return None
    document = Document(
        doc_key=row["doc_key"],
        doc_type=row["doc_type"],
        business_date=row["business_date"],
        outlet_code=row["outlet_code"],
        source_id=row["source_id"],
        source_reference=row["source_reference"],
        transaction_no=row["transaction_no"],
        custom_id=row["custom_id"],
        expected_total=row["expected_total"],
        payload=loads(row["payload"]) if row["payload"] else {},
    )
    return _Stored(row["status"], row["jurnal_id"], document)


def plan_opening_stock(
    iseller: StockSource,
    jurnal: JurnalReports,
    store: StagingStore,
    config: MerchantConfig,
    day: date,
    outlets: Sequence[str] | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    progress: Progress | None = None,
) -> list[OpeningPlan]:
    """What `stock init --date day` would post for each outlet (default: every outlet with a
    warehouse); reads iSeller and Jurnal, changes nothing."""
    say = progress or (lambda _text: None)
    where = warehouses(config, outlets)
    missing = [code for code in (outlets or []) if code.upper() not in where]
    if missing:
        raise ValueError(
            f"outlet {missing[0]} has no Jurnal warehouse in the config: add `warehouse:` to "
            "it under outlets"
        )
    before = day - timedelta(days=1)
    instants = day_end_instants(config, before, where)
    stock = read_iseller_stock(iseller, min(instants.values()), clock=clock, progress=say)
    at_start = stock.at(instants)
    transit = stock.in_transit(instants)
    say(f"Jurnal: reading warehouse stock quantity at the end of {before.isoformat()}")
    theirs = read_jurnal_stock(jurnal, before)
    plans = []
    for outlet in sorted(where):
        say(f"{outlet}: comparing iSeller's stock at the start of {day} with {where[outlet]}")
        target: dict[str, Decimal] = {}
        for (code, sku), units in [*at_start.items(), *transit.items()]:
            if code == outlet:
                target[sku] = target.get(sku, Decimal(0)) + units
        built = opening.opening_stock(config, outlet, day, target, stock.products, theirs)
        plans.append(_plan(store, built))
    return plans


def _plan(store: StagingStore, built: OpeningStock) -> OpeningPlan:
    stored = _stored(store, f"{OPENING_STOCK}:{built.source_id}")
    if stored is not None and stored.status == "posted":
        return OpeningPlan(built, POSTED, stored.jurnal_id)
    if stored is not None and stored.status == "pending":
        built.document = stored.document  # it may have reached Jurnal: never built twice
        return OpeningPlan(built, RESUMED)
    if built.document is not None:
        return OpeningPlan(built, NEW)
    return OpeningPlan(built, REFUSED if built.refused else EQUAL)


def post_opening_stock(
    store: StagingStore,
    plans: Sequence[OpeningPlan],
    client: SingleWriter,
    run_id: str | None = None,
) -> PostResult:
    """Queue the plans' documents (business date D−1, type ``opening_stock``) and post them.
    Pending opening-stock documents of other outlets are queued again as they are, so a run
    for one outlet never withdraws another's (a refused one is withdrawn: its outlet's next
    run builds it again)."""
    result = PostResult()
    by_day: dict[date, list[Document]] = {}
    for plan in plans:
        if plan.document is not None:
            by_day.setdefault(plan.document.business_date, []).append(plan.document)
    outbox = Outbox(store, run_id)
    for before, documents in sorted(by_day.items()):
        ours = {d.doc_key for d in documents}
        others = [d for d in _open_documents(store, before) if d.doc_key not in ours]
        outbox.enqueue(before, [*documents, *others], [], doc_types=(OPENING_STOCK,))
        rows = [r for r in outbox._pending(before, OPENING_STOCK) if r.doc_key in ours]
        if not outbox._post_rows(OPENING_STOCK, rows, OneByOne(client), result):
            break
    return result


def _open_documents(store: StagingStore, day: date) -> list[Document]:
    t = tables.outbox
    query = sa.select(t.c.doc_key).where(
        t.c.business_date == day,
        t.c.doc_type == OPENING_STOCK,
        t.c.status == "pending",
    )
    with store.engine.connect() as conn:
        keys = [row.doc_key for row in conn.execute(query)]
    return [s.document for key in keys if (s := _stored(store, key)) is not None]


def opening_stock_since(store: StagingStore) -> date | None:
    """The first day Jurnal counts stock from: the day after the earliest opening stock
    posted (it is dated the day before the date given to `stock init`); None when none is."""
    t = tables.outbox
    query = sa.select(sa.func.min(t.c.business_date)).where(
        t.c.doc_type == OPENING_STOCK, t.c.status == "posted"
    )
    with store.engine.connect() as conn:
        first = conn.execute(query).scalar()
    return None if first is None else first + timedelta(days=1)
