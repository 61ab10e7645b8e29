"""Outlet-days rolled back (`journal-pipeline rollback`): their own documents wait, as holds
that say so, until the outlet-day is posted again (`journal-pipeline repost`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from journal_pipeline.accounting.documents import (
    RECEIVE_PAYMENT,
    SALES_INVOICE,
    Document,
    split_revision,
)
from journal_pipeline.accounting.holds import Hold, document_hold
from journal_pipeline.storage.revisions import RevisionStore
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import summary_members

ROLLED_BACK = "rolled_back"


def rolled_back_reason(day: date, outlet: str, mark: Mapping[str, Any]) -> str:
    when = mark["at"].strftime("%Y-%m-%d %H:%M UTC") if mark.get("at") else "an earlier run"
    return (
        f"Outlet {outlet}, {day.isoformat()}: rolled back on {when} ({mark.get('command')}); "
        f"nothing of this outlet-day is posted on its own. Run `journal-pipeline repost --date "
        f"{day.isoformat()} --outlet {outlet}` to post it again."
    )


def hold_rolled_back(
    store: StagingStore, day: date, documents: Sequence[Document]
) -> tuple[list[Document], list[Hold]]:
    """The day's own invoices and payments at rolled-back outlets become holds that say so;
    those of orders a posted daily summary carries are left to the summary, which drops them
    (they are in Jurnal inside it)."""
    marks = {
        outlet: mark
        for outlet, mark in RevisionStore(store.engine).marks(day).items()
        if mark["state"] == ROLLED_BACK
    }
    if not marks:
        return list(documents), []
    carried = summary_members.frozen_invoice_numbers(store.engine, day)
    kept: list[Document] = []
    holds: list[Hold] = []
    for doc in documents:
        mark = marks.get(doc.outlet_code)
        revised = split_revision(doc.source_id)[1] > 0
        if mark is None or doc.doc_type not in (SALES_INVOICE, RECEIVE_PAYMENT) or revised:
            kept.append(doc)
            continue
        if _invoices_of(doc) & carried:
            kept.append(doc)
            continue
        holds.append(document_hold(doc, day, rolled_back_reason(day, doc.outlet_code, mark)))
    return kept, holds


def _invoices_of(doc: Document) -> set[str]:
    """The invoice numbers a sales invoice or receive payment stands for or pays."""
    if doc.doc_type == SALES_INVOICE:
        return {doc.transaction_no}
    records = doc.payload.get(RECEIVE_PAYMENT, {}).get("records_attributes") or []
    return {str(r.get("transaction_no")) for r in records}
