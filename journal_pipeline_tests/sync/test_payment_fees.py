"""Payment fees (MDR) of a demo day, over HTTP to the iSeller and Jurnal emulators into a real
staging database: every QRIS payment's fee is one journal entry in Jurnal, Jurnal's fee account
equals the canonical journal's, a re-run posts nothing, and a sale voided after posting keeps
its fee."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import dagster as dg
import pytest

from journal_pipeline.accounting.day_sales import outlet_business_date
from journal_pipeline.core.timestamps import parse_utc
from journal_pipeline.sync import payment_fees as fee_sync
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.e2e.demo_week import ASSETS, CONFIG, synced_demo_week
from journal_pipeline_tests.e2e.test_dialects_week import _by_account, _trial_balance

FIXED_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
DAY = date(2026, 11, 19)
FEES = CONFIG.accounts["payment_fees"]
VOIDED_AT = "2026-11-20 05:00:00"  # UTC: noon of the next day in Jakarta and Bandung


def _qris_fees(orders: list[dict]) -> dict[str, int]:
    """Transaction id → iSeller's MDR of each successful QRIS sale payment dated DAY."""
    fees = {}
    for order in orders:
        for t in order["transactions"]:
            when = outlet_business_date(
                parse_utc(t["transaction_date"]), order["outlet_code"], CONFIG
            )
            if t["type"] == "sale" and t["gateway"] == "iseller_pay" and when == DAY:
                fees[t["transaction_id"]] = sum(int(m["payment_method_fee"]) for m in t["mdr"])
    return fees


def _entries(client) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for entry in client.iter_list("journal_entries", "journal_entries"):
        found.setdefault(str(entry.get("custom_id")), []).append(entry)
    return found


def _voided(order: dict) -> dict:
    """The order as iSeller shows it once voided (I-23): the sale stays, a void is added."""
    voided = copy.deepcopy(order)
    voided.update(status="void", payment_status="voided", cancel_date=VOIDED_AT)
    voided.update(cancel_reason="wrong order", modified_date=VOIDED_AT)
    sale = voided["transactions"][0]
    void = {**sale, "transaction_id": sale["transaction_id"] + "-void", "type": "void", "mdr": []}
    voided["transactions"].append(void | {"transaction_date": VOIDED_AT})
    return voided


def _qris_sales(store, expected: dict[str, int]) -> list[dict]:
    """Completed orders of DAY paid once, by QRIS."""
    start = datetime(2026, 11, 18, 17, tzinfo=UTC)  # DAY in Jakarta and Bandung
    return [
        o
        for o in store.orders_closed_between(start, start + timedelta(days=1))
        if o["status"] == "completed"
        and len(o["transactions"]) == 1
        and o["transactions"][0]["transaction_id"] in expected
    ]


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    base = tmp_path_factory.mktemp("fees")
    with synced_demo_week(base, [DAY], orders_per_outlet_per_day=10, now=FIXED_NOW) as week:
        yield week


def test_every_qris_fee_of_the_day_is_one_journal_entry_in_jurnal(day):
    expected = _qris_fees(day.iseller.served_orders())
    assert expected and all(expected.values())  # the demo day has QRIS payments with MDR
    entries = _entries(day.jurnal.client())
    for transaction_id, fee in expected.items():
        (entry,) = entries[f"{transaction_id}/F"]
        assert Decimal(str(entry["total_debit"])) == fee
        assert entry["transaction_no"].endswith("/F")
    documents = Outbox(day.store).documents(DAY)
    fees = documents[documents["doc_type"] == "payment_fee"]
    assert set(fees["status"]) == {"posted"}, fees[["doc_key", "reason"]]
    assert (fees["posted_total"] == fees["expected_total"]).all()
    assert len(set(fees["transaction_no"])) == len(fees)  # one number each


def test_jurnal_fee_account_equals_the_canonical_fees(day):
    journal = day.store.read_journal(DAY)
    fee_lines = journal[journal["entry_id"].str.startswith("money:mdr:")]
    assert len(fee_lines) > 0
    ours = _by_account([journal])
    theirs = _trial_balance(day.jurnal.client(), DAY, DAY)
    assert theirs[FEES] == ours[FEES] == int(fee_lines["debit"].sum()) > 0
    # the sales build of the day leaves the fees alone
    assert not journal[journal["account_name"] == FEES]["entry_id"].str.startswith("sale:").any()


def test_a_rerun_posts_nothing(day):
    client = day.jurnal.client()
    before = _entries(client)
    result = dg.materialize(ASSETS, partition_key=DAY.isoformat(), resources=day.resources)
    assert result.success
    metadata = result.asset_materializations_for_node("jurnal_payment_fees")[0].metadata
    assert metadata["posted_now"].value == 0
    assert metadata["entries_built"].value > 0
    assert _entries(client) == before


def test_a_sale_voided_after_posting_keeps_its_fee(day):
    store, client = day.store, day.jurnal.client()
    expected = _qris_fees(day.iseller.served_orders())
    order = _qris_sales(store, expected)[0]
    (sale,) = order["transactions"]
    store.upsert_orders([_voided(order)])
    outbox = Outbox(store)
    entries = fee_sync.build_payment_fees(store, CONFIG, DAY)
    fee_sync.record_payment_fees(store, outbox, DAY, entries)
    assert fee_sync.post_payment_fees(outbox, DAY, client).posted == 0
    row = outbox.documents(DAY).set_index("doc_key").loc[f"payment_fee:{sale['transaction_id']}/F"]
    assert row["status"] == "posted"
    journal = store.read_journal(DAY)
    kept = journal[journal["entry_id"] == f"money:mdr:{sale['transaction_id']}"]
    assert int(kept["debit"].sum()) == expected[sale["transaction_id"]]
    assert len(_entries(client)[f"{sale['transaction_id']}/F"]) == 1


def test_a_posted_fee_stays_when_its_payment_leaves_the_day(day):
    """The order changes in iSeller after the fee was posted: its payment now dated the next
    day, the day's build no longer finds it, yet Jurnal has the fee: the canonical journal
    keeps it as posted."""
    store, client = day.store, day.jurnal.client()
    expected = _qris_fees(day.iseller.served_orders())
    order = _qris_sales(store, expected)[1]
    (sale,) = order["transactions"]
    moved = copy.deepcopy(order)
    moved["transactions"][0]["transaction_date"] = VOIDED_AT
    moved.update(closed_date=VOIDED_AT, modified_date=VOIDED_AT)
    store.upsert_orders([moved])
    outbox = Outbox(store)
    entries = fee_sync.build_payment_fees(store, CONFIG, DAY)
    assert f"{sale['transaction_id']}/F" not in {d.custom_id for d in entries.documents}
    fee_sync.record_payment_fees(store, outbox, DAY, entries)
    assert fee_sync.post_payment_fees(outbox, DAY, client).posted == 0
    journal = store.read_journal(DAY)
    kept = journal[journal["entry_id"] == f"money:mdr:{sale['transaction_id']}"]
    assert int(kept["debit"].sum()) == expected[sale["transaction_id"]]
    theirs = _trial_balance(client, DAY, DAY)
    assert theirs[FEES] == _by_account([journal])[FEES]


def test_a_void_gives_its_sales_fee_back_where_the_rule_says_a_void_is_never_settled(day):
    """QRIS's rule says a void is cancelled before iSeller Pay settles it (``fee_on_void:
    returned``): a QRIS sale of DAY voided the next day keeps its fee entry of DAY, and the void's
    day books the same fee given back (Dr clearing, Cr MDR), posted once to Jurnal as its own
    journal entry ``<invoice no>/VJ/F``. The reconciliation of that day expects the fee back."""
    data = CONFIG.model_dump()
    data["settlements"]["QRIS"]["fee_on_void"] = "returned"
    returning = type(CONFIG).model_validate(data)
    store, client = day.store, day.jurnal.client()
    expected = _qris_fees(day.iseller.served_orders())
    order = _qris_sales(store, expected)[1]
    (sale,) = order["transactions"]
    store.upsert_orders([_voided(order)])
    void_id, after = f"{sale['transaction_id']}-void", DAY + timedelta(days=1)
    outbox = Outbox(store)
    entries = fee_sync.build_payment_fees(store, returning, after)
    given = [d for d in entries.documents if d.custom_id == f"{void_id}/F"]
    assert len(given) == 1 and given[0].transaction_no.endswith("/VJ/F")
    lines = given[0].payload["journal_entry"]["transaction_account_lines_attributes"]
    fee = expected[sale["transaction_id"]]
    clearing = returning.payment_account("QRIS", "iseller_pay", order["outlet_code"])
    assert {(x["account_name"], x.get("debit"), x.get("credit")) for x in lines} == {
        (FEES, None, fee),
        (clearing, fee, None),
    }
    fee_sync.record_payment_fees(store, outbox, after, entries)
    assert fee_sync.post_payment_fees(outbox, after, client).posted >= 1
    (posted,) = _entries(client)[f"{void_id}/F"]
    assert Decimal(str(posted["total_debit"])) == fee
    assert fee_sync.post_payment_fees(outbox, after, client).posted == 0  # once
    # under the rule's default (kept) the void gives nothing back
    kept = fee_sync.build_payment_fees(store, CONFIG, after)
    assert not [d for d in kept.documents if d.custom_id == f"{void_id}/F"]


def test_a_fee_iseller_reports_anew_after_posting_is_booked_by_a_further_entry(day):
    """iSeller reports a QRIS payment's MDR anew after its entry was posted (a larger fee): the
    posted entry stands, one further journal entry ``<fee no>.2`` books the difference in
    Jurnal, the fee account in Jurnal equals the canonical journal's, and nothing is posted
    again. Before, the new fee was dropped with the posted entry's document."""
    store, client = day.store, day.jurnal.client()
    expected = _qris_fees(day.iseller.served_orders())
    order = copy.deepcopy(_qris_sales(store, expected)[-1])  # one no other test voided
    (sale,) = order["transactions"]
    was = expected[sale["transaction_id"]]
    sale["mdr"] = [{**sale["mdr"][0], "payment_method_fee": Decimal(was + 150)}]
    store.upsert_orders([order])
    outbox = Outbox(store)
    entries = fee_sync.build_payment_fees(store, CONFIG, DAY)
    fee_sync.record_payment_fees(store, outbox, DAY, entries)
    assert fee_sync.post_payment_fees(outbox, DAY, client).posted == 1
    found = _entries(client)
    (first,) = found[f"{sale['transaction_id']}/F"]
    (further,) = found[f"{sale['transaction_id']}.2/F"]
    assert Decimal(str(first["total_debit"])) == was
    assert Decimal(str(further["total_debit"])) == 150
    assert further["transaction_no"] == f"{first['transaction_no']}.2"
    journal = store.read_journal(DAY)
    assert _trial_balance(client, DAY, DAY)[FEES] == _by_account([journal])[FEES]
    again = fee_sync.build_payment_fees(store, CONFIG, DAY)
    fee_sync.record_payment_fees(store, outbox, DAY, again)
    assert fee_sync.post_payment_fees(outbox, DAY, client).posted == 0
    assert len(_entries(client)[f"{sale['transaction_id']}.2/F"]) == 1
