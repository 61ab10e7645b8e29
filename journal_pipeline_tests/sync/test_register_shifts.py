"""Register shifts end to end on a real staging database and the Jurnal emulator: a shift short
by 12,500 is one journal entry in Jurnal, posted once, and the day's sales build leaves it be.

The shifts are hand-made in the documented reading (cash fields per docs/assumptions/iseller.md)
and served by a stand-in for iSeller's GetRegisterShifts and GetStoreInfo, naming each shift's
outlet or, as the document's RegisterShifts table has it, not (I-40)."""

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from journal_pipeline.accounting.cash_count import staging_row
from journal_pipeline.config import load_config
from journal_pipeline.core.timestamps import parse_utc
from journal_pipeline.iseller.client import ISellerClient
from journal_pipeline.iseller.settings import ISellerSettings
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import register_shifts as shift_sync
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.accounting.test_cash_count import documented, shift
from journal_pipeline_tests.iseller_fixtures import running_iseller_sandbox
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.dialect import Dialect

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 20)
OUTLET_IDS = {"JKT": "id-jkt", "BDG": "id-bdg", "DPS": "id-dps"}
OUTLET_FIELDS = ("outlet_id", "outlet_code")


class ShiftFeed:
    """GetRegisterShifts over a list: opened in [created_after, created_before], or changed
    (closed, else opened) in [modified_after, modified_before], of one outlet when
    ``outlet_id`` is given (``filters``: False ignores it); each shift naming its outlet
    (``shape`` ``given``) or not (``absent``). GetStoreInfo lists ``outlets``. ``calls``: every
    request, (endpoint, outlet_id)."""

    def __init__(self, shifts, shape="given", outlets=OUTLET_IDS, filters=True):
        self.shifts, self.shape, self.outlets, self.filters = shifts, shape, outlets, filters
        self.calls = []

    def get_store_info(self):
        self.calls.append(("GetStoreInfo", None))
        return {
            "active_outlets": [
                {"outlet_id": outlet_id, "outlet_code": code, "outlet_name": f"Outlet {code}"}
                for code, outlet_id in self.outlets.items()
            ]
        }

    def get_register_shifts(
        self,
        *,
        created_after=None,
        created_before=None,
        modified_after=None,
        modified_before=None,
        outlet_id=None,
    ):
        self.calls.append(("GetRegisterShifts", outlet_id))

        def within(moment, low, high):
            return (low is None or moment >= low) and (high is None or moment <= high)

        found = []
        for item in self.shifts:
            opened = parse_utc(item["open_date"])
            changed = parse_utc(item["closed_date"]) or opened
            if outlet_id and self.filters and OUTLET_IDS[item["outlet_code"]] != outlet_id:
                continue
            if within(opened, created_after, created_before) and within(
                changed, modified_after, modified_before
            ):
                served = {k: v for k, v in item.items() if k not in OUTLET_FIELDS}
                found.append(item if self.shape == "given" else served)
        return found


@pytest.fixture
def jurnal(tmp_path) -> Iterator:
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        yield handle


def _run(feed, store, client):
    counts, _, notes = shift_sync.extract_register_shifts(feed, store, CONFIG, DAY)
    assert notes == []
    outbox = Outbox(store)
    build = shift_sync.build_cash_counts(store, CONFIG, DAY)
    shift_sync.record_cash_counts(store, outbox, DAY, build)
    return counts, build, shift_sync.post_cash_counts(outbox, DAY, client)


@pytest.mark.parametrize("shape", ["given", "absent"])
def test_a_shift_short_by_12_500_is_posted_once_and_the_sales_build_leaves_it(
    tmp_path, jurnal, shape
):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    client = jurnal.client()
    feed = ShiftFeed(
        [documented("s-jkt", -12_500), documented("s-bdg", 0, outlet_code="BDG")], shape
    )
    counts, _, result = _run(feed, store, client)
    assert counts["shifts_inserted"] == 2 and counts["booked_on_day"] == 2
    assert counts["shifts_given_their_outlet"] == (0 if shape == "given" else 2)
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


def _extract(tmp_path, feed, name="staging"):
    store = StagingStore(f"sqlite:///{tmp_path / f'{name}.db'}")
    counts, rows, notes = shift_sync.extract_register_shifts(feed, store, CONFIG, DAY)
    return counts, {r["register_shift_id"]: r for r in rows}, notes


def test_an_answer_naming_the_outlets_is_taken_as_it_is_with_no_more_requests(tmp_path):
    shifts = [documented("s-jkt", -12_500), documented("s-dps", 500, outlet_code="DPS")]
    feed = ShiftFeed(shifts)
    counts, rows, notes = _extract(tmp_path, feed)
    assert feed.calls == [("GetRegisterShifts", None)] * 2  # opened, changed: as ever
    assert notes == [] and counts["shifts_given_their_outlet"] == 0
    bare = ShiftFeed(shifts, "absent")
    _, bare_rows, _ = _extract(tmp_path, bare, "absent")
    # one GetStoreInfo, then each window once unfiltered and once per active outlet
    assert bare.calls.count(("GetStoreInfo", None)) == 1
    assert len(bare.calls) == 1 + 2 * (1 + len(OUTLET_IDS))
    assert bare_rows == rows
    assert {r["outlet_code"]: r["business_date"] for r in rows.values()} == {
        "JKT": DAY,
        "DPS": DAY,
    }


def test_an_outlet_iseller_does_not_list_is_named_with_the_fix(tmp_path):
    listed = {"JKT": "id-jkt", "DPS": "id-dps"}  # BDG missing from GetStoreInfo
    feed = ShiftFeed(
        [documented("s-jkt", -12_500), documented("s-bdg", -500, outlet_code="BDG")],
        "absent",
        outlets=listed,
    )
    counts, rows, notes = _extract(tmp_path, feed)
    assert rows["s-jkt"]["business_date"] == DAY
    assert rows["s-bdg"]["outlet_code"] is None and rows["s-bdg"]["business_date"] is None
    assert counts["shifts_without_outlet"] == 1 and counts["booked_on_day"] == 1
    outlet_note, shift_note = notes
    assert outlet_note.startswith("Outlet BDG: ") and "outlet_code BDG" in outlet_note
    assert "Register shift s-bdg (Register #1) names no outlet" in shift_note
    for note in notes:
        assert shift_sync.OUTLET_FIX in note and "JOURNAL_PIPELINE_CONFIG" in note


def test_a_service_ignoring_the_outlet_filter_gives_no_shift_an_outlet(tmp_path):
    feed = ShiftFeed([documented("s-jkt", -12_500)], "absent", filters=False)
    counts, rows, notes = _extract(tmp_path, feed)
    assert rows["s-jkt"]["outlet_code"] is None and counts["shifts_given_their_outlet"] == 0
    assert len(notes) == 1 and "did not filter by outlet_id" in notes[0]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    with running_iseller_sandbox(
        tmp_path_factory.mktemp("shift-outlets"),
        orders_per_outlet_per_day=8,
        start_date=date(2026, 11, 9),
        now=lambda: datetime(2026, 11, 20, 15, tzinfo=UTC),
    ) as handle:
        yield handle


def _emulated(handle, tmp_path, spec, day):
    """The day's staged shifts (no raw JSON) and cash counts, the emulator speaking ``spec``."""
    handle.sandbox.dialect = Dialect.from_spec(spec)
    try:
        client = ISellerClient(
            ISellerSettings(
                token_url=handle.env["ISELLER_TOKEN_URL"],
                client_id=handle.env["ISELLER_CLIENT_ID"],
                client_secret=handle.env["ISELLER_CLIENT_SECRET"],
            )
        )
        store = StagingStore(f"sqlite:///{tmp_path / f'{spec}.db'}")
        counts, rows, notes = shift_sync.extract_register_shifts(client, store, CONFIG, day)
        return counts, rows, notes, shift_sync.build_cash_counts(store, CONFIG, day)
    finally:
        handle.sandbox.dialect = Dialect()


def test_shifts_naming_no_outlet_are_booked_on_their_outlets_day_as_when_they_name_it(
    tmp_path, emulator
):
    """I-40: under ``shift_outlet=absent`` (the document's RegisterShifts table) a closed
    shift with a cash difference is booked on its outlet's business day, as under ``given``."""
    served = emulator.sandbox.merchant.register_shifts(datetime(2026, 11, 20, 15, tzinfo=UTC))
    short = next(s for s in served if s["closed_date"] and s["cash_difference"])
    day = staging_row(short, CONFIG)["business_date"]
    given = _emulated(emulator, tmp_path, "shift_outlet=given", day)
    absent = _emulated(emulator, tmp_path, "shift_outlet=absent", day)
    (counts, rows, notes, build), (bare_counts, bare_rows, bare_notes, bare_build) = given, absent
    assert notes == bare_notes == []
    assert bare_rows == rows and bare_build.documents == build.documents
    assert bare_build.lines == build.lines
    assert counts["shifts_given_their_outlet"] == 0
    assert bare_counts["shifts_given_their_outlet"] == len(bare_rows) > 0
    assert bare_counts["booked_on_day"] == counts["booked_on_day"] == len(CONFIG.outlets)
    booked = {d.custom_id: d for d in bare_build.documents}
    document = booked[f"{short['register_shift_id']}/CASH"]
    assert document.expected_total == abs(short["cash_difference"])
    assert (document.outlet_code, document.business_date) == (short["outlet_code"], day)


def _jurnal_lines(client, entry_id: int) -> set[tuple[str, int, int]]:
    entry = client.get_record("journal_entries", entry_id)
    return {
        (line["account"]["name"], int(float(line["debit"])), int(float(line["credit"])))
        for line in entry["transaction_account_lines"]
    }


def test_a_count_corrected_after_posting_is_a_further_entry_the_first_standing(tmp_path, jurnal):
    """The JKT shift was posted 12,500 short; its manager recounts: 10,000 short. The posted
    entry stands and one further entry ``SHIFT/JKT/20261120.2`` books 2,500 over; Jurnal's
    over/short and the canonical journal both say 10,000; a run with nothing new posts
    nothing; a second recount (to even) is a third entry. Before, the journal said 10,000
    while Jurnal kept 12,500."""
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    client = jurnal.client()
    _run(ShiftFeed([documented("s-jkt", -12_500)]), store, client)
    recounted = documented("s-jkt", -10_000) | {"closed_date": "2026-11-20 15:45:00"}
    _, build, result = _run(ShiftFeed([recounted]), store, client)
    assert (result.posted, result.failed) == (1, 0)
    (counted,) = build.differences  # what the tolerance check reads: the count as it is now
    assert counted.difference == -10_000
    documents = Outbox(store).documents(DAY).set_index("doc_key")
    assert set(documents["status"]) == {"posted"}
    first, further = (
        documents.loc["cash_count:s-jkt/CASH"],
        documents.loc["cash_count:s-jkt.2/CASH"],
    )
    assert (first.transaction_no, first.posted_total) == ("SHIFT/JKT/20261120", 12_500)
    assert (further.transaction_no, further.posted_total) == ("SHIFT/JKT/20261120.2", 2_500)
    assert _jurnal_lines(client, int(further.jurnal_id)) == {
        ("Kas", 2_500, 0),
        ("Beban Lain-lain", 0, 2_500),
    }
    journal = store.read_journal(DAY)
    expense = journal[journal["account_name"] == "Beban Lain-lain"]
    assert int(expense["debit"].sum() - expense["credit"].sum()) == 10_000

    _, _, again = _run(ShiftFeed([recounted]), store, client)
    assert (again.posted, again.calls) == (0, 0)

    even = documented("s-jkt", 0) | {"closed_date": "2026-11-20 16:45:00"}
    _, _, third = _run(ShiftFeed([even]), store, client)
    assert third.posted == 1
    row = Outbox(store).documents(DAY).set_index("doc_key").loc["cash_count:s-jkt.3/CASH"]
    assert _jurnal_lines(client, int(row.jurnal_id)) == {
        ("Kas", 10_000, 0),
        ("Beban Lain-lain", 0, 10_000),
    }
    journal = store.read_journal(DAY)
    assert int(journal["debit"].sum()) == int(journal["credit"].sum()) == 25_000
    kas = journal[journal["account_name"] == "Kas"]
    assert int(kas["debit"].sum() - kas["credit"].sum()) == 0
