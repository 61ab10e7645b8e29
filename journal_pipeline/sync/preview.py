"""A day built as the assets build it, into a scratch copy of the staging database, with no
Jurnal client at all: `journal-pipeline preview` shows what a sync would post, and sends nothing.

Why a copy and not the real database: building a day writes staged orders, journal lines and
outbox rows (new documents, withdrawals, holds); a preview must leave the real outbox exactly as
it was. The copy keeps what is already posted, so documents already in Jurnal read as posted.
A staging database that is not a SQLite file cannot be copied: the preview then starts from an
empty one and says so (every document then reads as to be posted).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Protocol

import pandas as pd
from sqlalchemy.engine import make_url

from journal_pipeline.config import MerchantConfig
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import completeness
from journal_pipeline.sync import day as day_sync
from journal_pipeline.sync.completeness import DayCompleteness
from journal_pipeline.sync.day import DayJournal
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline.sync.ports import DayTotalsSource, OrderSource


class DaySource(OrderSource, DayTotalsSource, Protocol):
    """What a day's build reads from iSeller: its orders and its own totals."""


def scratch_store(real_url: str, folder: Path) -> tuple[StagingStore, str | None]:
    """A staging store in ``folder``: a consistent copy of ``real_url`` when it is a SQLite
    file, else an empty one."""
    target = folder / "preview-staging.db"
    url = make_url(real_url)
    source = url.database if url.get_backend_name() == "sqlite" else None
    if source and source != ":memory:" and Path(source).is_file():
        with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
            live.backup(copy)  # consistent even while a run writes to it
        return StagingStore(f"sqlite:///{target}"), source
    return StagingStore(f"sqlite:///{target}"), None


def preview_day(
    client: DaySource,
    store: StagingStore,
    config: MerchantConfig,
    day: date,
    progress: Callable[[str], None] = lambda _text: None,
) -> tuple[DayCompleteness, DayJournal, pd.DataFrame]:
    """Extract, compare with iSeller's totals, build and queue ``day`` in ``store`` (which must
    be a scratch store): the steps of the assets up to, not including, posting."""
    progress(f"{day}: extracting orders from iSeller")
    day_sync.extract_orders(client, store, config, day)
    progress(f"{day}: comparing with iSeller's day totals")
    result, _counts = completeness.verify_day(client, store, config, day)
    progress(f"{day}: building the journal and its documents")
    journal = day_sync.build_journal(store, config, day)
    day_sync.record_journal(store, Outbox(store), day, journal)
    return result, journal, Outbox(store).documents(day)
