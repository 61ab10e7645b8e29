"""Register shifts end to end on a real staging database and the Jurnal emulator: a shift short
by 12,500 is one journal entry in Jurnal, posted once, and the day's sales build leaves it be.

The shifts are hand-made in the documented reading (cash fields per docs/assumptions/iseller.md)
and served by a stand-in for iSeller's GetRegisterShifts."""

from collections.abc import Iterator
from datetime import date

import pandas as pd
import pytest

from journal_pipeline.config import load_config
from journal_pipeline.core.timestamps import parse_utc
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import register_shifts as shift_sync
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.accounting.test_cash_count import documented, shift
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 20)


class ShiftFeed:
    """GetRegisterShifts over a list: opened in [created_after, created_before], or changed
    (closed, else opened) in [modified_after, modified_before]."""

    def __init__(self, shifts):
        self.shifts = shifts

    def get_register_shifts(
        self, *, created_after=None, created_before=None, modified_after=None, modified_before=None
    ):
        def within(moment, low, high):
            return (low is None or moment >= low) and (high is None or moment <= high)

        found = []
        for item in self.shifts:
            opened = parse_utc(item["open_date"])
            changed = parse_utc(item["closed_date"]) or opened
            if within(opened, created_after, created_before) and within(
                changed, modified_after, modified_before
            ):
                found.append(item)
        return found


@pytest.fixture
def jurnal(tmp_path) -> Iterator:
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        yield handle


def _run(feed, store, client):
    counts, _ = shift_sync.extract_register_shifts(feed, store, CONFIG, DAY)
    outbox = Outbox(store)
    build = shift_sync.build_cash_counts(store, CONFIG, DAY)
    shift_sync.record_cash_counts(store, outbox, DAY, build)
    return counts, build, shift_sync.post_cash_counts(outbox, DAY, client)


def test_a_shift_short_by_12_500_is_posted_once_and_the_sales_build_leaves_it(tmp_path, jurnal):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    client = jurnal.client()
    feed = ShiftFeed([documented("s-jkt", -12_500), documented("s-bdg", 0, outlet_code="BDG")])
    counts, _, result = _run(feed, store, client)
    assert counts["shifts_inserted"] == 2 and counts["booked_on_day"] == 2
    assert (result.posted, result.failed) == (1, 0)
    documents = Outbox(store).documents(DAY)
    (row,) = documents.itertuples()
    assert (row.transaction_no, row.status, row.posted_total) == (
        "SHIFT/JKT/20261120",
        "posted",
        12_500,
    )
    entry = client.get_record("journal_entries", int(row.jurnal_id))
    lines = {
        (line["account"]["name"], int(float(line["debit"])), int(float(line["credit"])))
        for line in entry["transaction_account_lines"]
    }
    assert lines == {("Beban Lain-lain", 12_500, 0), ("Kas", 0, 12_500)}

    # run again: nothing new in Jurnal
    _, _, again = _run(feed, store, client)
    assert (again.posted, again.duplicates_resolved, again.calls) == (0, 0, 0)

    # the day's sales build (nothing sold) neither withdraws nor replaces the cash count
    store.replace_journal(DAY, pd.DataFrame(columns=list(store.read_journal(DAY).columns)))
    Outbox(store).enqueue(DAY, [], [])
    journal = store.read_journal(DAY)
    assert set(journal["entry_id"]) == {"cash_over_short:s-jkt"}
    assert Outbox(store).status_counts(DAY) == {"posted": 1}


def test_open_shifts_and_shifts_without_cash_fields_book_nothing(tmp_path, jurnal):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    feed = ShiftFeed([shift("s-open", closed=False), shift("s-bare")])
    counts, build, result = _run(feed, store, jurnal.client())
    assert counts["booked_on_day"] == 2
    assert build.open_shifts == 1 and build.documents == [] and result.calls == 0
    assert build.note is not None
