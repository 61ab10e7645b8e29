"""iSeller transfers and stock takes changed after their Jurnal document was posted.

A transfer or stock take is booked on the business day it was completed, and its Jurnal
document posted then. iSeller may still change it later (a count corrected, units accepted
after all): the run of the day of the change stages the new version, but the day it is booked
on is not built again, and a posted document is never edited. No correction of a stock
document is posted, so the run of the day of the change names each such document and what to
do (`outbox_building.STOCK_CHANGED_FIX`); the stock comparison shows the units per warehouse
and SKU.
"""

from __future__ import annotations

from datetime import date

from journal_pipeline.accounting.business_day import merged_window_utc
from journal_pipeline.accounting.documents import STOCK_DOCUMENTS
from journal_pipeline.accounting.stock_documents import StagedStockDocument, build_stock_documents
from journal_pipeline.accounting.stock_records import read_record
from journal_pipeline.config import MerchantConfig
from journal_pipeline.storage.stock_documents import stock_documents_modified_between
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline.sync.outbox_building import STOCK_CHANGED_FIX


def changed_after_posting(
    store: StagingStore, outbox: Outbox, config: MerchantConfig, day: date
) -> list[str]:
    """A sentence per transfer or stock take booked before ``day`` that iSeller changed
    during ``day`` (in the merchant's zones) and whose posted Jurnal document no longer says
    what the document built from the change does."""
    start, end = merged_window_utc(day, config.zones())
    sentences = []
    for row in stock_documents_modified_between(store, start, end):
        booked = row["business_date"]
        if booked is None or booked >= day:
            continue  # not completed, or booked on this day or later: built there
        staged = StagedStockDocument(row["kind"], row["raw"])
        built = {
            d.doc_key: d
            for d in build_stock_documents([staged], config.on(booked), booked).documents
        }
        for doc_type in STOCK_DOCUMENTS:  # a recount may leave nothing to post, or more
            key = f"{doc_type}:{row['document_id']}"
            if outbox.posted_otherwise(key, built.get(key)):
                label = read_record(row["kind"], row["raw"]).label()
                sentences.append(
                    f"{label}, booked on {booked.isoformat()}, changed in iSeller after its "
                    f"{doc_type} was posted: {STOCK_CHANGED_FIX}"
                )
    return sentences
