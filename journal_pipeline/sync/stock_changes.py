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

from journal_pipeline.accounting.business_day import merged_window_utc
from journal_pipeline.accounting.stock_documents import StockBuild
from journal_pipeline.accounting.stock_records import read_record
from journal_pipeline.accounting.stock_recounts import of_source, revisited
from journal_pipeline.config import MerchantConfig
from journal_pipeline.storage.stock_documents import (
    stock_documents_modified_between,
    stock_lines_of_sources,
)
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.outbox import Outbox


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
        if source_id in families:
            record = read_record(row["kind"], row["raw"])
            mine = [ln for ln in recorded if of_source(str(ln["source_id"]), source_id)]
            said = revisited(build, record, families[source_id], mine, config, day)
            uncorrected += [said] if said else []
    return uncorrected
