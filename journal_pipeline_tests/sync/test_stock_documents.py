"""Stock documents end to end over HTTP: iSeller's transfers, supplier receipts and stock
takes (the demo merchant's, read through GetTransfer and InventoryAdjustments) staged in
SQLite, posted to the Jurnal emulator, and Jurnal's warehouse stock read back.

The demo's Monday 2026-11-16 has a stock take at every outlet and the JKT → DPS transfer
sent (received on Tuesday in Bali); Tuesday 2026-11-17 has the supplier delivery to JKT.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from journal_pipeline.accounting.business_day import business_date
from journal_pipeline.accounting.stock_records import (
    ADJUSTMENT,
    OUTLET_TRANSFER,
    SUPPLIER_RECEIPT,
    TRANSFER,
    booking_date,
    read_stock_take,
    read_transfer,
    staging_row,
)
from journal_pipeline.config import load_config
from journal_pipeline.iseller.client import ISellerClient
from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.storage.stock_documents import stock_documents_by_id, upsert_stock_documents
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import stock_documents as stock_sync
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.iseller_fixtures import ISellerSandboxHandle, running_iseller_sandbox
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DAYS = (date(2026, 11, 16), date(2026, 11, 17))
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # both days are over in every outlet
HISTORY_START = datetime(2026, 10, 1, tzinfo=UTC)  # stock documents from here on
INVENTORY = "Persediaan Barang"


@pytest.fixture(scope="module")
def iseller(tmp_path_factory) -> Iterator[ISellerSandboxHandle]:
    with running_iseller_sandbox(
        tmp_path_factory.mktemp("iseller-stock"),
        orders_per_outlet_per_day=1,
        start_date=HISTORY_START.date(),
        now=lambda: NOW,
    ) as handle:
        yield handle


@pytest.fixture(scope="module")
def truth(iseller) -> dict[str, list]:
    """The demo's documents booked on DAYS, read back through the API (the emulator's
    shapes, whatever its schedule)."""
    with ISellerClient.from_env(iseller.env) as client:
        start = datetime(2026, 11, 13, tzinfo=UTC)
        transfers = [read_transfer(t) for t in client.get_transfers(modified_after=start)]
        counts = [
            read_stock_take(a) for a in client.get_inventory_adjustments(modified_after=start)
        ]
    booked = {
        "transfers": [t for t in transfers if t.movement == OUTLET_TRANSFER],
        "receipts": [t for t in transfers if t.movement == SUPPLIER_RECEIPT],
        "counts": [c for c in counts if any(line.difference for line in c.lines)],
    }
    booked = {k: [d for d in v if booking_date(d, CONFIG) in DAYS] for k, v in booked.items()}
    assert all(booked.values()), f"the demo days should hold each kind of document: {booked}"
    return booked


@pytest.fixture
def jurnal(tmp_path, truth) -> Iterator[SimpleNamespace]:
    """A fresh Jurnal with every product of the documents as a tracked product."""
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        client = handle.client()
        skus = {
            line.sku: line.product_name
            for docs in truth.values()
            for doc in docs
            for line in doc.lines
        }
        for sku, name in sorted(skus.items()):
            client.create(
                "products",
                "product",
                {
                    "name": name,
                    "product_code": sku,
                    "track_inventory": True,
                    "inventory_asset_account_name": INVENTORY,
                    "unit_name": "Pcs",
                },
            )
        yield SimpleNamespace(handle=handle, client=client)


@pytest.fixture
def store(tmp_path) -> StagingStore:
    return StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")


def sync_day(iseller, jurnal_client: JurnalClient, store: StagingStore, day: date, config=CONFIG):
    with ISellerClient.from_env(iseller.env) as client:
        stock_sync.extract_stock_documents(client, store, config, day)
    outbox = Outbox(store)
    build = stock_sync.build_stock_day(store, config, day)
    stock_sync.record_stock_day(store, outbox, day, build)
    result = stock_sync.post_stock_documents(outbox, day, jurnal_client)
    return SimpleNamespace(
        build=build, result=result, statuses=stock_sync.stock_day_status(outbox, day, build)
    )


def _ours(client: JurnalClient, resource: str) -> list[dict]:
    return [r for r in client.iter_list(resource, resource) if r.get("custom_id")]


def _warehouse_stock(client: JurnalClient, day: date) -> dict[tuple[str, str], Decimal]:
    when = day.strftime("%d/%m/%Y")
    report = client.get("warehouse_stock_quantity", {"start_date": when, "end_date": when})
    rows = report["warehouse_stock_quantity"]["list"]
    return {
        (row["product_code"], cell["name"]): Decimal(cell["quantity"])
        for row in rows
        for cell in row["warehouses"]
        if Decimal(cell["quantity"])
    }


def _expected_stock(truth) -> Counter:
    """What the documents move, per (SKU, warehouse), by hand from iSeller's numbers."""
    warehouse = {code: outlet.warehouse for code, outlet in CONFIG.outlets.items()}
    moved: Counter = Counter()
    for t in truth["transfers"]:
        for line in t.lines:
            moved[(line.sku, warehouse[t.from_outlet])] -= line.accepted
            moved[(line.sku, warehouse[t.to_outlet])] += line.accepted
    for t in truth["receipts"]:
        for line in t.lines:
            moved[(line.sku, warehouse[t.to_outlet])] += line.accepted
    for c in truth["counts"]:
        for line in c.lines:
            moved[(line.sku, warehouse[c.outlet])] += line.difference
    return Counter({k: v for k, v in moved.items() if v})


def test_the_days_stock_documents_are_posted_once_and_move_jurnals_warehouse_stock(
    iseller, jurnal, store, truth
):
    runs = [sync_day(iseller, jurnal.client, store, day) for day in DAYS]
    for run in runs:
        assert stock_sync.not_posted(run.statuses) == []
        assert run.result.failed == 0 and run.result.interrupted is None

    transfers = {t["custom_id"]: t for t in _ours(jurnal.client, "warehouse_transfers")}
    assert sorted(transfers) == sorted(t.transfer_id for t in truth["transfers"])
    for sent in truth["transfers"]:
        posted = transfers[sent.transfer_id]
        assert posted["transaction_no"] == sent.number
        assert posted["to_warehouse"]["name"] == CONFIG.outlets[sent.to_outlet].warehouse
        lines = {
            line["product"]["code"]: Decimal(line["quantity"])
            for line in posted["warehouse_transfer_line_attributes"]
        }
        assert lines == {line.sku: line.accepted for line in sent.lines if line.accepted}

    adjustments = {a["custom_id"]: a for a in _ours(jurnal.client, "stock_adjustments")}
    receipts = {t.transfer_id: t for t in truth["receipts"]}
    counts = {c.adjustment_id: c for c in truth["counts"]}
    assert sorted(adjustments) == sorted([*receipts, *counts])
    for custom_id, receipt in receipts.items():
        posted = adjustments[custom_id]
        assert posted["account"]["name"] == "Hutang Belum Ditagih"
        assert [
            Decimal(str(line["average_price"]))
            for line in posted["stock_adjustment_lines_attributes"]
        ] == [line.buying_price for line in receipt.lines if line.accepted]

    last = DAYS[-1]
    assert _warehouse_stock(jurnal.client, last) == _expected_stock(truth)

    # the canonical journal: each receipt Dr inventory / Cr goods received, exact
    journal = store.read_journal(DAYS[-1])
    stock_lines = journal[journal["entry_id"].str.startswith("stock:receipt:")]
    expected = sum(
        int(line.accepted * line.buying_price) for r in truth["receipts"] for line in r.lines
    )
    assert stock_lines["debit"].sum() == stock_lines["credit"].sum() == expected
    assert not stock_lines["is_estimate"].any()

    # a re-run of both days posts nothing, and Jurnal holds the same documents
    calls = jurnal.client.calls
    again = [sync_day(iseller, jurnal.client, store, day) for day in DAYS]
    assert [run.result.posted + run.result.calls for run in again] == [0, 0]
    assert jurnal.client.calls == calls
    assert len(_ours(jurnal.client, "stock_adjustments")) == len(adjustments)
    assert _warehouse_stock(jurnal.client, last) == _expected_stock(truth)


def test_an_answer_lost_after_jurnal_committed_is_resolved_without_a_second_document(
    iseller, jurnal, store, truth
):
    day = booking_date(truth["receipts"][0], CONFIG)
    jurnal.handle.sandbox.faults.once("/stock_adjustments", "lost")
    run = sync_day(iseller, jurnal.client, store, day)
    assert stock_sync.not_posted(run.statuses) == []
    assert run.result.duplicates_resolved == 1
    custom_ids = [a["custom_id"] for a in _ours(jurnal.client, "stock_adjustments")]
    assert len(custom_ids) == len(set(custom_ids))
    assert truth["receipts"][0].transfer_id in custom_ids


def test_a_cancelled_transfer_is_never_posted(iseller, jurnal, store):
    with ISellerClient.from_env(iseller.env) as client:
        cancelled = client.get_transfers(status="cancelled", modified_after=HISTORY_START)
    assert cancelled, "the demo history should hold a cancelled transfer"
    raw = cancelled[0]
    sent = read_transfer(raw)
    assert staging_row(TRANSFER, raw, CONFIG)["business_date"] is None
    # the day it was cancelled (in both outlets' zone), synced like any other
    day = business_date(sent.modified_date, *CONFIG.outlet_zone(sent.to_outlet))
    run = sync_day(iseller, jurnal.client, store, day)
    [staged] = stock_documents_by_id(store, [sent.transfer_id])
    assert (staged["status"], staged["business_date"]) == ("cancelled", None)
    assert sent.transfer_id not in {o.document_id for o in run.build.outcomes}
    assert not Outbox(store).documents(day)["source_id"].eq(sent.transfer_id).any()
    assert _ours(jurnal.client, "warehouse_transfers") == []


def test_a_transfer_to_an_outlet_without_a_warehouse_is_held_until_the_config_names_it(
    iseller, jurnal, store, truth
):
    sent = truth["transfers"][0]
    day = booking_date(sent, CONFIG)
    unmapped = CONFIG.model_copy(deep=True)
    unmapped.outlets[sent.to_outlet].warehouse = None
    run = sync_day(iseller, jurnal.client, store, day, config=unmapped)
    [held] = [s for s in run.statuses if s.number == sent.number]
    assert held.status == "held"
    assert held.reason.startswith(f"Transfer {sent.number} ({sent.from_outlet} → {sent.to_outlet})")
    assert f"outlets.{sent.to_outlet}" in held.reason
    assert stock_sync.not_posted(run.statuses)[0].startswith(f"Transfer {sent.number}")
    assert _ours(jurnal.client, "warehouse_transfers") == []

    fixed = sync_day(iseller, jurnal.client, store, day)
    assert stock_sync.not_posted(fixed.statuses) == []
    assert [t["custom_id"] for t in _ours(jurnal.client, "warehouse_transfers")] == [
        sent.transfer_id
    ]


def test_a_stock_take_changed_in_iseller_after_posting_is_corrected_by_a_further_adjustment(
    iseller, jurnal, store, truth
):
    day, change_day = DAYS[0], date(2026, 11, 18)
    sync_day(iseller, jurnal.client, store, day)
    count = next(
        c
        for c in truth["counts"]
        if booking_date(c, CONFIG) == day and any(line.difference < 0 for line in c.lines)
    )
    (staged,) = stock_documents_by_id(store, [count.adjustment_id])
    outbox = Outbox(store)
    warehouse = CONFIG.outlets[count.outlet].warehouse
    before = _warehouse_stock(jurnal.client, change_day)

    def recount(raw: dict, at: str):
        raw = {**raw, "modified_date": f"2026-11-18 {at}"}
        upsert_stock_documents(store, [staging_row(ADJUSTMENT, raw, CONFIG)])
        return stock_sync.sync_changed_days(store, outbox, CONFIG, change_day, jurnal.client)

    def family() -> dict[str, dict]:
        return {
            a["custom_id"]: a
            for a in _ours(jurnal.client, "stock_adjustments")
            if a["custom_id"].startswith(count.adjustment_id)
        }

    # touched on the 18th, nothing counted differently: its day is built again, nothing posted
    touched = recount(staged["raw"], "06:00:00")
    assert touched.days == [day] and touched.posted == 0 and not touched.uncorrected
    assert list(family()) == [count.adjustment_id]

    # recounted on the 18th: one more unit of a short SKU missing
    recounted = copy.deepcopy(staged["raw"])
    item = next(i for i in recounted["items"] if Decimal(str(i["difference"])) < 0)
    item["actual_stock"] = str(Decimal(str(item["actual_stock"])) - 1)
    item["difference"] = str(Decimal(str(item["difference"])) - 1)
    corrected = recount(recounted, "07:00:00")
    assert corrected.posted == 1 and not corrected.not_posted
    correction = family()[f"{count.adjustment_id}.2"]
    assert correction["transaction_no"] == f"{count.number}.2"
    assert correction["date"] == "18/11/2026"  # the day of the change
    assert [
        (line["product"]["code"], Decimal(str(line["difference"])))
        for line in correction["stock_adjustment_lines_attributes"]
    ] == [(item["sku"], Decimal(-1))]
    after = _warehouse_stock(jurnal.client, change_day)
    assert after[(item["sku"], warehouse)] == before.get((item["sku"], warehouse), 0) - 1
    # the journal: the stock take's entry as posted on its day, the unit at cost on the 18th
    entry = f"stock:count:{count.adjustment_id}"
    own = store.read_journal(day)
    assert (own["entry_id"] == entry).any()
    moved = store.read_journal(change_day)
    moved = moved[moved["entry_id"] == f"{entry}.2"]
    cost = Decimal(str(item["buying_price"]))
    assert moved["credit"][moved["account_role"] == "inventory"].sum() == int(cost)
    assert moved["debit"].sum() == moved["credit"].sum()

    # built again, on the 18th or on its own day: nothing more
    assert (
        stock_sync.sync_changed_days(store, outbox, CONFIG, change_day, jurnal.client).posted == 0
    )
    assert sync_day(iseller, jurnal.client, store, day).result.posted == 0
    assert len(family()) == 2

    # recounted again: every count equals the system stock; the posted units all come back
    for line in recounted["items"]:
        line["actual_stock"], line["difference"] = line["system_stock"], "0"
    assert recount(recounted, "08:00:00").posted == 1
    net: dict[str, Decimal] = {}
    for adjustment in family().values():
        for line in adjustment["stock_adjustment_lines_attributes"]:
            code = line["product"]["code"]
            net[code] = net.get(code, Decimal(0)) + Decimal(str(line["difference"]))
    assert set(net.values()) == {Decimal(0)} and len(family()) == 3


def test_a_transfer_changed_after_posting_moves_the_difference_each_way(
    iseller, jurnal, store, truth
):
    sent = truth["transfers"][0]
    day = booking_date(sent, CONFIG)
    change_day = day + timedelta(days=2)
    sync_day(iseller, jurnal.client, store, day)
    (staged,) = stock_documents_by_id(store, [sent.transfer_id])
    outbox = Outbox(store)
    raw = copy.deepcopy(staged["raw"])
    raw["modified_date"] = f"{change_day.isoformat()} 05:00:00"
    kept = [i for i in raw["items"] if Decimal(str(i["quantity_accepted"] or 0)) > 0]
    assert len(kept) >= 2, "the demo transfer should move two products"
    more, fewer = kept[0], kept[1]  # one more unit accepted of one, one fewer of the other
    more["quantity_accepted"] = str(Decimal(str(more["quantity_accepted"])) + 1)
    fewer["quantity_accepted"] = str(Decimal(str(fewer["quantity_accepted"])) - 1)
    upsert_stock_documents(store, [staging_row(TRANSFER, raw, CONFIG)])

    earlier = stock_sync.sync_changed_days(store, outbox, CONFIG, change_day, jurnal.client)
    assert earlier.days == [day] and earlier.posted == 2
    origin, destination = (CONFIG.outlets[o].warehouse for o in (sent.from_outlet, sent.to_outlet))
    moves = {
        t["custom_id"]: (
            t["from_warehouse"]["name"],
            t["to_warehouse"]["name"],
            [
                (ln["product"]["code"], Decimal(ln["quantity"]))
                for ln in t["warehouse_transfer_line_attributes"]
            ],
        )
        for t in _ours(jurnal.client, "warehouse_transfers")
    }
    assert moves[f"{sent.transfer_id}.2"] == (origin, destination, [(more["sku"], Decimal(1))])
    assert moves[f"{sent.transfer_id}.3"] == (destination, origin, [(fewer["sku"], Decimal(1))])
    assert (
        stock_sync.sync_changed_days(store, outbox, CONFIG, change_day, jurnal.client).posted == 0
    )


def test_a_posted_document_that_cannot_be_built_again_is_named_not_corrected(
    iseller, jurnal, store, truth
):
    sent = truth["transfers"][0]
    day = booking_date(sent, CONFIG)
    sync_day(iseller, jurnal.client, store, day)
    unmapped = CONFIG.model_copy(deep=True)
    unmapped.outlets[sent.to_outlet].warehouse = None  # the config no longer names it
    (staged,) = stock_documents_by_id(store, [sent.transfer_id])
    raw = {**staged["raw"], "modified_date": f"{(day + timedelta(days=1)).isoformat()} 05:00:00"}
    upsert_stock_documents(store, [staging_row(TRANSFER, raw, unmapped)])
    outbox = Outbox(store)
    earlier = stock_sync.sync_changed_days(
        store, outbox, unmapped, day + timedelta(days=1), jurnal.client
    )
    (said,) = earlier.uncorrected
    assert said.startswith(f"Transfer {sent.number}") and "cannot be built again" in said
    assert f"outlets.{sent.to_outlet}" in said and "book the units that changed" in said
    assert earlier.posted == 0 and len(_ours(jurnal.client, "warehouse_transfers")) == 1


def test_a_posted_stock_take_whose_completion_moves_to_another_day_stays_with_its_day(
    iseller, jurnal, store, truth
):
    day = DAYS[0]
    count = next(c for c in truth["counts"] if booking_date(c, CONFIG) == day)
    sync_day(iseller, jurnal.client, store, day)
    (staged,) = stock_documents_by_id(store, [count.adjustment_id])
    later = day + timedelta(days=2)
    raw = {
        **staged["raw"],
        "completed_date": f"{later.isoformat()} 03:00:00",
        "modified_date": f"{later.isoformat()} 03:00:00",
    }
    upsert_stock_documents(store, [staging_row(ADJUSTMENT, raw, CONFIG)])
    posted = len(_ours(jurnal.client, "stock_adjustments"))

    moved = sync_day(iseller, jurnal.client, store, later)
    assert moved.result.posted == 0 and len(_ours(jurnal.client, "stock_adjustments")) == posted
    (said,) = moved.build.uncorrected
    assert said.startswith(f"Stock take {count.number}") and f"posted with {day}" in said
    entry = f"stock:count:{count.adjustment_id}"
    assert not (store.read_journal(later)["entry_id"] == entry).any()
    assert (store.read_journal(day)["entry_id"] == entry).any()  # as posted, once
