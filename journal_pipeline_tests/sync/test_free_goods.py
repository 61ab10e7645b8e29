"""Free goods against the Jurnal emulator over HTTP: a sale's free tote bags leave Jurnal's
warehouse when its stock day is built and posted (once, however often the day runs), their
cost goes to cost of sales, a refund of one of them brings it back on the refund's day, and
the void of another sale brings its bag back on the void's day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from journal_pipeline.accounting.stock_comparison import jurnal_stock
from journal_pipeline.cli import main
from journal_pipeline.config import load_config
from journal_pipeline.defs.checks import every_record_posted_result
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import day as day_sync
from journal_pipeline.sync import stock_documents as stock_sync
from journal_pipeline.sync.failed_records import PROBLEM_EVENTS
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline.sync.stock_documents import FREE_LINE_ORDERS
from journal_pipeline_tests.accounting.test_free_goods import (
    _voided,
    _with_combo_set,
    _with_free_tote,
)
from journal_pipeline_tests.databases import postgres_schema_url
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DEMO = str(DEMO_CONFIG)
SALE_DAY, REFUND_DAY, VOID_DAY = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 23)
WAREHOUSE = CONFIG.outlet("JKT").warehouse


@pytest.fixture
def jurnal(tmp_path):
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        client = handle.client()
        product = {
            "name": "Tote Bag Kanvas",
            "product_code": "MRC-002",
            "track_inventory": True,
            "inventory_asset_account_name": "Persediaan Barang",
            "buy_price_per_unit": 40000,
            "unit_name": "Pcs",
        }
        assert all(r.ok for r in client.batch_create("products", "product", [product]))
        client.post(  # ten bags in the warehouse at Rp 40,000 before the sale
            "stock_adjustments",
            {
                "stock_adjustment": {
                    "stock_adjustment_type": "General",
                    "maintain_actual": False,
                    "warehouse_name": WAREHOUSE,
                    "account_name": CONFIG.account("opening_stock", "JKT"),
                    "date": "01/11/2026",
                    "lines_attributes": [
                        {"product_code": "MRC-002", "difference": 10, "average_price": 40000}
                    ],
                }
            },
        )
        yield client


def _run_day(store, client, day):
    outbox = Outbox(store, "test-run")
    build = stock_sync.build_stock_day(store, CONFIG, day)
    stock_sync.record_stock_day(store, outbox, day, build)
    result = stock_sync.post_stock_documents(outbox, day, client)
    return build, result


def _refund_one(store, refund_id: str, order: dict, detail: str, amount: str) -> None:
    """One unit of the order's line ``detail`` refunded on the refund day."""
    refund = {
        "refund_id": refund_id,
        "order_id": order["order_id"],
        "refund_date": "2026-11-21 05:00:00",
        "refund_amount": amount,
        "refund_details": [{"order_detail_id": detail, "quantity": "1"}],
    }
    store.upsert_refunds([refund])


def _bags(client, day) -> Decimal | None:
    report = client.get(
        "warehouse_stock_quantity", {"start_date": "01/01/2026", "end_date": f"{day:%d/%m/%Y}"}
    )
    return jurnal_stock(report).of(WAREHOUSE, "MRC-002")


def test_free_bags_leave_jurnals_stock_and_come_back_once(jurnal, tmp_path):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    order = _with_free_tote("2")
    store.upsert_orders([order])
    build, result = _run_day(store, jurnal, SALE_DAY)
    assert [o.kind for o in build.outcomes] == ["free goods"]
    assert result.posted == 1 and _bags(jurnal, SALE_DAY) == Decimal(8)
    (adjustment,) = [
        a
        for a in jurnal.iter_list("stock_adjustments", "stock_adjustments")
        if a.get("transaction_no") == "ISL/JKT-000101/G"
    ]
    assert adjustment["custom_id"] == f"{order['order_id']}/G"
    assert _movement(jurnal, CONFIG.account("cogs", "JKT"), SALE_DAY) == Decimal(80_000)
    statuses = stock_sync.stock_day_status(Outbox(store), SALE_DAY, build)
    assert [s.status for s in statuses] == ["posted"]
    _, again = _run_day(store, jurnal, SALE_DAY)  # the day again: nothing twice
    assert again.posted == 0 and _bags(jurnal, SALE_DAY) == Decimal(8)

    _refund_one(store, "refund-1", order, "d9", "0")
    _, refunded = _run_day(store, jurnal, REFUND_DAY)
    assert refunded.posted == 1 and _bags(jurnal, REFUND_DAY) == Decimal(9)

    # another sale of the day with a free bag, voided two days later
    other = _with_free_tote("1")
    other.update(order_id="22222222-2222-2222-2222-222222222222", order_reference="#JKT-000102")
    store.upsert_orders([other])
    _, sold = _run_day(store, jurnal, SALE_DAY)
    assert sold.posted == 1 and _bags(jurnal, VOID_DAY) == Decimal(8)
    store.upsert_orders([_voided(other, "2026-11-23 04:00:00")])
    _, voided = _run_day(store, jurnal, VOID_DAY)
    assert voided.posted == 1 and _bags(jurnal, VOID_DAY) == Decimal(9)
    numbers = {
        a.get("transaction_no") for a in jurnal.iter_list("stock_adjustments", "stock_adjustments")
    }
    assert {
        "ISL/JKT-000101/G",
        "ISL/JKT-000101/GR1",
        "ISL/JKT-000102/G",
        "ISL/JKT-000102/GV",
    } <= numbers


def _movement(client, account: str | None, day: date) -> Decimal:
    """Debit less credit of ``account`` in Jurnal's trial balance of ``day``."""
    window = {"start_date": f"{day:%d/%m/%Y}", "end_date": f"{day:%d/%m/%Y}"}
    report = client.get("trial_balance", window)["trial_balance"]
    for group, rows in report.items():
        for row in rows if group.endswith("_accounts") else []:
            if row["account"]["name"] == account:
                moved = row["account"]["movement"]
                return Decimal(str(moved["debit_raw"])) - Decimal(str(moved["credit_raw"]))
    return Decimal(0)


def test_the_stock_build_looks_where_the_sales_build_found_lines_at_no_charge(tmp_path):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    order = _with_free_tote("2")
    paid = _with_free_tote("1")
    paid.update(order_id="33333333-3333-3333-3333-333333333333", order_reference="#JKT-000103")
    paid["order_details"].pop()  # no free line
    store.upsert_orders([order, paid])
    journal = day_sync.build_journal(store, CONFIG, SALE_DAY)
    assert journal.free_line_orders == [order["order_id"]]
    day_sync.record_journal(store, Outbox(store, "test-run"), SALE_DAY, journal)
    assert store.mark(FREE_LINE_ORDERS, SALE_DAY.isoformat())[0] == [order["order_id"]]
    build = stock_sync.build_stock_day(store, CONFIG, SALE_DAY)
    assert [d.transaction_no for d in build.documents] == ["ISL/JKT-000101/G"]
    # the mark is what the stock build reads: one that names no order finds nothing
    store.set_mark(FREE_LINE_ORDERS, SALE_DAY.isoformat(), [])
    assert stock_sync.build_stock_day(store, CONFIG, SALE_DAY).documents == []


def _given_away_whole() -> dict:
    """A tote bag given away alone: nothing paid, nothing owed."""
    order = _with_free_tote("1")
    order.update(order_id="44444444-4444-4444-4444-444444444444", order_reference="#JKT-000104")
    order["order_details"] = order["order_details"][-1:]
    order.update(
        total_order_amount="85000",
        total_discount_amount="85000",
        subtotal="0",
        total_tax_amount="0",
        total_amount="0",
        buying_price="40000",
        discounts=[],
        transactions=[],
    )
    return order


def test_an_order_given_away_whole_is_settled_with_nothing_to_post(jurnal, tmp_path):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    order = _given_away_whole()
    store.upsert_orders([order])
    outbox = Outbox(store, "test-run")
    key = f"sales_invoice:{order['order_id']}"

    def sales_day(day: date) -> None:
        journal = day_sync.build_journal(store, CONFIG, day)
        day_sync.record_journal(store, outbox, day, journal)
        outbox.post_pending(day, jurnal)

    sales_day(SALE_DAY)
    documents = outbox.documents(SALE_DAY)
    (row,) = documents[documents["doc_key"] == key].itertuples()
    assert row.status == "nothing_to_post" and "nothing is owed" in row.reason
    # built, so the late-orders sensor does not ask for the day again; settled, so the day's
    # check passes with nothing held and nothing for a person to resolve
    assert store.completed_orders_without_documents(datetime(2026, 1, 1, tzinfo=UTC)) == []
    check = every_record_posted_result(documents, SALE_DAY)
    assert check.passed, check.description
    assert "1 with nothing to post" in check.description
    assert check.metadata["documents_nothing_to_post"].value == 1
    with store.engine.connect() as conn:  # no event the held-records alert reads
        events = conn.execute(
            sa.select(tables.outbox_log.c.event).where(tables.outbox_log.c.doc_key == key)
        ).scalars()
        assert set(events) == {"nothing_to_post"} and not set(events) & set(PROBLEM_EVENTS)
    listed = CliRunner().invoke(
        main,
        ["status", "--date", SALE_DAY.isoformat(), "--records"],
        env={"STAGING_DATABASE_URL": str(store.engine.url), "JOURNAL_PIPELINE_CONFIG": DEMO},
    )
    assert f"nothing_to_post {key} (#JKT-000104): " in listed.output, listed.output
    _run_day(store, jurnal, SALE_DAY)  # its bag leaves the warehouse all the same
    assert _bags(jurnal, SALE_DAY) == Decimal(9)
    sales_day(SALE_DAY)  # the day again: still settled, nothing in Jurnal
    assert outbox.documents(SALE_DAY).set_index("doc_key").at[key, "status"] == "nothing_to_post"
    assert not [
        i for i in jurnal.iter_list("sales_invoices", "sales_invoices") if i.get("custom_id")
    ]

    # its bag brought back later: no invoice to return against, nothing held on the refund's
    # day; the bag comes back by its own stock adjustment
    store.upsert_refunds(
        [
            {
                "refund_id": "refund-4",
                "order_id": order["order_id"],
                "refund_date": "2026-11-21 05:00:00",
                "refund_amount": "0",
                "refund_details": [{"order_detail_id": "d9", "quantity": "1"}],
            }
        ]
    )
    refunded = order | {
        "transactions": [
            {"type": "refund", "status": "success", "transaction_date": "2026-11-21 05:00:00"}
            | {"amount": "0", "transaction_id": "t-refund-4", "gateway": "cash"}
        ]
    }
    store.upsert_orders([refunded | {"modified_date": "2026-11-21 05:00:00"}])
    sales_day(REFUND_DAY)
    later = outbox.documents(REFUND_DAY)
    assert not later["status"].isin(("held", "failed", "pending")).any(), later.to_dict("records")
    _run_day(store, jurnal, REFUND_DAY)
    assert _bags(jurnal, REFUND_DAY) == Decimal(10)


def test_a_paid_line_added_before_posting_turns_nothing_to_post_into_an_invoice(tmp_path):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    order = _given_away_whole()
    store.upsert_orders([order])
    outbox = Outbox(store, "test-run")
    key = f"sales_invoice:{order['order_id']}"
    for built in (order, {**_with_free_tote("1"), "order_id": order["order_id"]}):
        store.upsert_orders([{**built, "modified_date": "2026-11-20 05:00:00"}])
        journal = day_sync.build_journal(store, CONFIG, SALE_DAY)
        day_sync.record_journal(store, outbox, SALE_DAY, journal)
    documents = outbox.documents(SALE_DAY).set_index("doc_key")
    assert documents.at[key, "status"] == "pending"  # now owed: an invoice, posted as any


@pytest.fixture(params=["sqlite", "postgresql"])
def staging(request, tmp_path):
    if request.param == "sqlite":
        yield StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
        return
    with postgres_schema_url() as url:
        store = StagingStore(url)
        yield store
        store.engine.dispose()


def test_free_lines_changed_after_posting_move_only_the_difference(jurnal, staging):
    store = staging
    order = _with_free_tote("2")
    store.upsert_orders([order])
    _, first = _run_day(store, jurnal, SALE_DAY)
    assert first.posted == 1 and _bags(jurnal, SALE_DAY) == Decimal(8)

    # the next day a third bag is given free on the same order
    store.upsert_orders([{**_with_free_tote("3"), "modified_date": "2026-11-21 05:00:00"}])
    build, more = _run_day(store, jurnal, REFUND_DAY)
    assert more.posted == 1 and _bags(jurnal, REFUND_DAY) == Decimal(7)
    assert [d.transaction_no for d in build.documents] == ["ISL/JKT-000101/G2"]
    for day in (SALE_DAY, REFUND_DAY):  # each day again: nothing more, the first stands
        _, again = _run_day(store, jurnal, day)
        assert again.posted == 0 and _bags(jurnal, REFUND_DAY) == Decimal(7)
    documents = Outbox(store).documents(SALE_DAY).set_index("doc_key")
    first_key = f"stock_adjustment:free_goods:{order['order_id']}"
    assert documents.at[first_key, "status"] == "posted"
    assert not documents.at[first_key, "changed_after_posting"]

    # then charged: the invoice of the change takes the bags, so all three come back
    charged = _with_free_tote("3")
    charged["order_details"][-1].update(discount_amount="0", subtotal="255000")
    store.upsert_orders([{**charged, "modified_date": "2026-11-23 04:00:00"}])
    _, back = _run_day(store, jurnal, VOID_DAY)
    assert back.posted == 1 and _bags(jurnal, VOID_DAY) == Decimal(10)
    numbers = [
        a.get("transaction_no")
        for a in jurnal.iter_list("stock_adjustments", "stock_adjustments")
        if str(a.get("transaction_no")).startswith("ISL/JKT-000101/G")
    ]
    assert sorted(numbers) == ["ISL/JKT-000101/G", "ISL/JKT-000101/G2", "ISL/JKT-000101/G3"]


def test_a_void_gives_back_what_jurnal_moved_when_a_change_was_never_posted(jurnal, tmp_path):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    store.upsert_orders([_with_free_tote("2")])
    _, first = _run_day(store, jurnal, SALE_DAY)
    assert first.posted == 1 and _bags(jurnal, SALE_DAY) == Decimal(8)
    # a third bag given free the next day, the order voided before that day was built
    changed = {**_with_free_tote("3"), "modified_date": "2026-11-21 05:00:00"}
    store.upsert_orders([_voided(changed, "2026-11-23 04:00:00")])
    build, voided = _run_day(store, jurnal, VOID_DAY)
    assert [d.transaction_no for d in build.documents] == ["ISL/JKT-000101/GV"]
    assert voided.posted == 1 and _bags(jurnal, VOID_DAY) == Decimal(10)  # two out, two back
    for day in (SALE_DAY, REFUND_DAY, VOID_DAY):  # every day again: nothing more
        _, again = _run_day(store, jurnal, day)
        assert again.posted == 0 and _bags(jurnal, VOID_DAY) == Decimal(10)


def test_a_combo_sets_chosen_items_leave_jurnals_stock_and_a_refund_brings_them_back(
    jurnal, tmp_path
):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    order = _with_combo_set("1")
    combo = order["order_details"][-1]
    combo["units_used"] = [{"sku": "MRC-002", "stock": "2"}]  # two tote bags chosen
    store.upsert_orders([order])
    journal = day_sync.build_journal(store, CONFIG, SALE_DAY)
    assert journal.free_line_orders == [order["order_id"]]
    day_sync.record_journal(store, Outbox(store, "test-run"), SALE_DAY, journal)
    _, result = _run_day(store, jurnal, SALE_DAY)
    assert result.posted == 1 and _bags(jurnal, SALE_DAY) == Decimal(8)
    assert _movement(jurnal, CONFIG.account("cogs", "JKT"), SALE_DAY) == Decimal(80_000)
    (adjustment,) = [
        a
        for a in jurnal.iter_list("stock_adjustments", "stock_adjustments")
        if a.get("transaction_no") == "ISL/JKT-000101/G"
    ]
    assert "items of combo sets sold (2 × MRC-002)" in adjustment["memo"]
    _, again = _run_day(store, jurnal, SALE_DAY)
    assert again.posted == 0 and _bags(jurnal, SALE_DAY) == Decimal(8)

    _refund_one(store, "refund-combo", order, "d8", "150000")
    _, refunded = _run_day(store, jurnal, REFUND_DAY)
    assert refunded.posted == 1 and _bags(jurnal, REFUND_DAY) == Decimal(10)
