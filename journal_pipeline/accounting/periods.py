"""Closed periods: nothing is dated on or before the config's ``lock_date``.

A sale of a locked day that was never posted is held (its period is closed; the accountant
decides). A correction of a locked day (a refund, a void, a reversal) is a new document, so it
can still be made: it is dated the first open day, and its memo says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from journal_pipeline.accounting.documents import Document
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.config import MerchantConfig


@dataclass(frozen=True)
class PostingDate:
    """The date a document is given, and why when it is not the event's own."""

    day: date
    note: str | None = None  # for the memo; None when dated on the event's own day

    @property
    def moved(self) -> bool:
        return self.note is not None


def is_locked(day: date, config: MerchantConfig) -> bool:
    """True when ``day`` lies in the closed period (on or before ``lock_date``)."""
    return config.lock_date is not None and day <= config.lock_date


def first_open_day(config: MerchantConfig) -> date | None:
    """The first day after the closed period; None when nothing is locked."""
    return None if config.lock_date is None else config.lock_date + timedelta(days=1)


def correction_date(event_day: date, config: MerchantConfig) -> PostingDate:
    """The date of a correction whose event happened on ``event_day``: that day when open,
    else the first open day, with a note saying so."""
    opened = first_open_day(config)
    if opened is None or event_day >= opened:
        return PostingDate(event_day)
    note = (
        f"dated {opened.isoformat()}: the books are locked up to {opened - timedelta(days=1)} "
        f"(lock_date), the event was on {event_day.isoformat()}"
    )
    return PostingDate(opened, note)


def locked_reason(day: date, config: MerchantConfig) -> str:
    """Why a document of a locked day is held, and what to do."""
    return (
        f"{day.isoformat()} is in a closed period (lock_date {config.lock_date}): nothing is "
        "posted on or before it. Post it by hand in Jurnal if it belongs there, or move "
        "lock_date back in the config and run the day again."
    )


def hold_locked(
    documents: list[Document], config: MerchantConfig
) -> tuple[list[Document], list[Hold]]:
    """Documents dated in the closed period become holds (same key), naming the record; the
    others are kept. A document already in Jurnal stays posted (the outbox keeps it so)."""
    if config.lock_date is None:
        return documents, []
    kept: list[Document] = []
    holds: list[Hold] = []
    for doc in documents:
        if not is_locked(doc.business_date, config):
            kept.append(doc)
            continue
        source_id = doc.doc_key.split(":", 1)[1]
        what = doc.doc_type.replace("_", " ")
        holds.append(
            Hold(
                "order",
                source_id,
                doc.source_reference,
                doc.outlet_code,
                doc.business_date,
                f"The {what} {doc.transaction_no} (outlet {doc.outlet_code}): "
                + locked_reason(doc.business_date, config),
                doc.doc_type,
            )
        )
    return kept, holds
