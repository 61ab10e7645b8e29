"""iSeller transfers and stock takes changed after their Jurnal document was posted.

A transfer or stock take is booked on the business day it was completed (its *booking day*),
and its Jurnal document posted then. iSeller may still change it later (a count corrected,
units accepted after all). The run of the day of the change stages the new version and builds
the booking day's stock documents again (`touched_days`); that build keeps every posted
document as posted, its canonical lines as recorded, and adds a document of the difference
dated the day of the change (`accounting.stock_recounts`). A document that cannot be built
now (held: a warehouse or account the config no longer names) is not corrected: the check
names it and the fix (`uncorrected`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from journal_pipeline.accounting.business_day import business_date, merged_window_utc
from journal_pipeline.accounting.stock_documents import Outcome, StockBuild
from journal_pipeline.accounting.stock_records import StockRecord, read_record
from journal_pipeline.accounting.stock_recounts import corrections
from journal_pipeline.config import MerchantConfig
from journal_pipeline.storage.stock_documents import (
    stock_documents_modified_between,
    stock_lines_of_sources,
)
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.outbox import Outbox

#: What to do when a posted document cannot be built again, so is not corrected.
STOCK_CHANGED_FIX = (
    "Jurnal keeps the units posted (a posted document is never edited): book the units that "
    "changed in Jurnal by hand (a stock adjustment, or a warehouse transfer between the "
    "outlets); the stock comparison shows the difference per warehouse and SKU"
)


def touched_days(store: StagingStore, config: MerchantConfig, day: date) -> list[date]:
    """The booking days before ``day`` of the documents iSeller changed during ``day`` (in the
    merchant's zones): the days whose stock documents the run of ``day`` builds again."""
    start, end = merged_window_utc(day, config.zones())
    booked = {row["business_date"] for row in stock_documents_modified_between(store, start, end)}
    return sorted(d for d in booked if d is not None and d < day)


def with_corrections(
    store: StagingStore,
    config: MerchantConfig,
    day: date,
    build: StockBuild,
    rows: Sequence[Mapping[str, Any]],
) -> list[str]:
    """Keep each document of ``build`` (the stock documents booked on ``day``, built from the
    staged ``rows``) that is posted already as posted (its canonical lines as recorded), and
    add a further document of what changed since; a sentence for each posted one that cannot
    be built now, so is not corrected."""
    families = Outbox(store).posted_stock_families(str(r["document_id"]) for r in rows)
    if not families:
        return []
    members = [str(p.body.get("custom_id")) for family in families.values() for p in family]
    recorded = stock_lines_of_sources(store, members)
    uncorrected = []
    for row in rows:
        source_id = str(row["document_id"])
        family = families.get(source_id)
        if not family:
            continue
        record = read_record(row["kind"], row["raw"])
        mine = _taken_out(build, source_id)  # what Jurnal holds of it stands, as posted
        if family[0].business_date not in (None, day):  # its completion moved to another day
            uncorrected.append(  # its documents and lines stay with the day posted with
                f"{record.label()} is now booked on {day.isoformat()}, but was posted with "
                f"{family[0].business_date}: {STOCK_CHANGED_FIX}"
            )
            continue
        kept = [ln for ln in recorded if _of(str(ln["source_id"]), source_id)]
        if mine.lines and not any(ln["source_id"] == source_id for ln in kept):
            kept = [*mine.lines, *kept]  # posted before its lines were kept: as built now
        build.lines += kept
        held = mine.holds
        if held or not config.stock.enabled:
            why = held[0].reason if held else "stock documents are off (stock.enabled: false)"
            uncorrected.append(
                f"{record.label()} is posted and cannot be built again ({why}); if iSeller "
                f"changed it since: {STOCK_CHANGED_FIX}"
            )
            continue
        source = (source_id, record.number, record.booking_outlet or "?")
        days = (day, _change_day(record, config, day))
        made, lines = corrections(source, mine, family, kept, config, days)
        build.documents += made
        build.lines += lines
        build.outcomes += [
            Outcome(source_id, "correction", d.transaction_no, None, d.outlet_code, d.doc_key)
            for d in made
        ]
    return uncorrected


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


def _of(line_source: str, source_id: str) -> bool:
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
