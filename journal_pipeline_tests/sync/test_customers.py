"""Customers before invoices, against the Jurnal sandbox over HTTP (J-50): created once in
batches, matched on custom_id, never merged by name, renamed when iSeller renamed them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest

from journal_pipeline.accounting.customers import display_name
from journal_pipeline.accounting.documents import Document
from journal_pipeline.config import load_config
from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.customers import (
    CustomerSync,
    ensure_customers,
    sync_day_customers,
    wanted_customers,
)
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.jurnal_fixtures import invoice_body, running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)


def _order(customer_id: str | None, first: str | None, last: str | None = None, **more) -> dict:
    return {
        "order_id": str(uuid.uuid4()),
        "order_reference": f"#JKT-{uuid.uuid4().hex[:6]}",
        "customer_id": customer_id,
        "customer_first_name": first,
        "customer_last_name": last,
        **more,
    }


def _invoice(order: dict) -> dict:
    """What the accounting puts in the outbox for ``order`` (the parts the sync reads)."""
    customer_id = order["customer_id"]
    name = " ".join(p for p in (order["customer_first_name"], order["customer_last_name"]) if p)
    return {
        "custom_id": order["order_id"],
        "reference_no": order["order_reference"],
        "person_name": display_name(customer_id, name) if customer_id else "Pelanggan Umum",
    }


def _wanted(orders: list[dict]):
    return wanted_customers([_invoice(o) for o in orders], orders)


@pytest.fixture
def jurnal(tmp_path) -> Iterator:
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        yield handle


@pytest.fixture
def client(jurnal) -> JurnalClient:
    return jurnal.client()


def _ours(client: JurnalClient) -> dict[str, dict]:
    return {c["custom_id"]: c for c in client.list_customers() if c.get("custom_id")}


def test_customers_are_created_once_in_one_batch_and_a_rerun_creates_nothing(client):
    siti, andi = str(uuid.uuid4()), str(uuid.uuid4())
    orders = [
        _order(siti, "Siti", "Rahmawati", customer_phone_number="0812-1", customer_email="s@x.id"),
        _order(siti, "Siti", "Rahmawati"),  # a second order of the same customer
        _order(andi, "Andi", None, customer_email="not an e-mail"),
        _order(None, None),  # a walk-in sale names nobody
    ]
    wanted = _wanted(orders)
    assert [w.custom_id for w in wanted] == sorted([siti, andi])

    calls = client.calls
    first = ensure_customers(client, wanted, CONFIG)
    assert (len(first.created), first.existing, first.failed) == (2, 0, [])
    assert client.calls - calls == 2  # the list, then one batch

    made = _ours(client)
    assert made[siti]["display_name"] == display_name(siti, "Siti Rahmawati")
    assert (made[siti]["phone"], made[siti]["email"]) == ("0812-1", "s@x.id")
    assert made[andi]["email"] in ("", None)  # left out, so Jurnal did not refuse Andi
    assert made[siti]["default_ar_account"]["name"] == CONFIG.account("receivable", None)

    again = ensure_customers(client, _wanted(orders), CONFIG)
    assert (again.created, again.existing, again.failed) == ([], 2, [])
    assert len(_ours(client)) == 2


def test_two_customers_of_the_same_name_stay_two_customers(client):
    one, two = str(uuid.uuid4()), str(uuid.uuid4())
    result = ensure_customers(
        client, _wanted([_order(one, "Budi", "Santoso"), _order(two, "Budi", "Santoso")]), CONFIG
    )
    assert len(result.created) == 2 and result.failed == []
    made = _ours(client)
    assert made[one]["id"] != made[two]["id"]
    assert made[one]["display_name"] != made[two]["display_name"]


def test_names_of_any_script_reach_jurnal_as_they_are_and_invoices_find_them(client):
    names = ['Dewi "Ayu" O\'Neil', "Budi 😀 Santoso", "محمد علي", "Nama " * 80]
    orders = [_order(str(uuid.uuid4()), name) for name in names]
    result = ensure_customers(client, _wanted(orders), CONFIG)
    assert len(result.created) == 4 and result.failed == []
    for order in orders:
        person = _invoice(order)["person_name"]
        assert len(person) <= 255
        invoice = client.create_sales_invoice(invoice_body(person_name=person))
        assert invoice["person"]["display_name"] == person
        assert _ours(client)[order["customer_id"]]["id"] == invoice["person"]["id"]


def test_a_lost_batch_answer_resolves_to_the_customers_it_created(jurnal, client):
    ids = [str(uuid.uuid4()) for _ in range(3)]
    jurnal.sandbox.faults.once("customers/batch_create", "lost")
    result = ensure_customers(
        client, _wanted([_order(i, f"Pelanggan {i[:4]}") for i in ids]), CONFIG
    )
    assert jurnal.sandbox.faults.injected["lost"] == 1
    assert result.failed == [] and len(result.created) + result.existing == 3
    assert result.existing == 3  # the retry met Jurnal's duplicate check on custom_id
    assert sorted(_ours(client)) == sorted(ids)


def test_a_jurnal_customer_of_the_same_name_but_another_custom_id_is_not_merged(client):
    customer_id = str(uuid.uuid4())
    name = display_name(customer_id, "Citra Maharani")
    client.create_customer({"display_name": name})  # made by hand in Jurnal, no custom_id
    result = ensure_customers(client, _wanted([_order(customer_id, "Citra", "Maharani")]), CONFIG)
    assert result.created == [] and result.existing == 0 and result.failed == []
    (reason,) = result.conflicts
    assert customer_id in reason and "Rename that customer in Jurnal" in reason
    assert customer_id not in _ours(client)


def test_a_customer_renamed_in_iseller_is_renamed_in_jurnal(client):
    customer_id = str(uuid.uuid4())
    ensure_customers(client, _wanted([_order(customer_id, "Intan", None)]), CONFIG)
    result = ensure_customers(client, _wanted([_order(customer_id, "Intan", "Permata")]), CONFIG)
    assert result.renamed == [display_name(customer_id, "Intan Permata")]
    assert _ours(client)[customer_id]["display_name"] == display_name(customer_id, "Intan Permata")


def test_an_invoice_built_from_an_older_state_of_its_order_is_reported():
    customer_id = str(uuid.uuid4())
    order = _order(customer_id, "Yoga", None)
    stale = {**_invoice(order), "person_name": display_name(customer_id, "Yoga Lama")}
    result = CustomerSync()
    assert wanted_customers([stale], [order], result) == []
    (reason,) = result.failed
    assert order["order_reference"] in reason and "Run the day again" in reason


def test_an_invoice_of_an_order_posted_again_wants_the_customer_of_its_order():
    """A revision's invoice (``<order id>/1``: a correction, a repost after a rollback) bills
    the same order: its customer is wanted as the first invoice's was (a daily summary, which
    names no customer, may have carried the first)."""
    customer_id = str(uuid.uuid4())
    order = _order(customer_id, "Yoga", "Prasetyo")
    revised = {**_invoice(order), "custom_id": f"{order['order_id']}/1"}
    (wanted,) = wanted_customers([revised], [order])
    assert wanted.custom_id == customer_id
    assert wanted.display_name == display_name(customer_id, "Yoga Prasetyo")


def _walk_in_invoice(day: date, n: int) -> Document:
    body = {"custom_id": f"walk-in-{n}", "transaction_no": f"ISL/W-{n}", "person_name": "Tamu"}
    return Document(
        doc_key=f"sales_invoice:walk-in-{n}",
        doc_type="sales_invoice",
        business_date=day,
        outlet_code="JKT",
        source_id=f"walk-in-{n}",
        source_reference=f"#W-{n}",
        transaction_no=f"ISL/W-{n}",
        custom_id=f"walk-in-{n}",
        expected_total=10_000,
        payload={"sales_invoice": body},
    )


def test_a_missing_walk_in_customer_is_created_once_and_then_not_looked_for_all_day(
    client, tmp_path
):
    """Jurnal's customer list is read whole (no filter is documented): the walk-in customer
    is confirmed once, then the day's runs with only walk-in sales read nothing."""
    config = CONFIG.model_copy(update={"walk_in_customer": "Tamu"})
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    day = date(2026, 11, 18)
    Outbox(store).enqueue(day, [_walk_in_invoice(day, 1)], [])
    first = sync_day_customers(store, client, config, day)
    assert (first.created, first.failed) == (["Tamu"], [])
    (tamu,) = [c for c in client.list_customers() if c["display_name"] == "Tamu"]
    assert tamu["default_ar_account"]["name"] == CONFIG.account("receivable", None)

    Outbox(store).enqueue(day, [_walk_in_invoice(day, 1), _walk_in_invoice(day, 2)], [])
    calls = client.calls
    again = sync_day_customers(store, client, config, day)
    assert (again.created, again.failed, client.calls - calls) == ([], [], 0)


def test_new_customers_take_the_payable_jurnal_gives_its_customers(client):
    """A batch create requires a payable account and the pipeline has none of its own: new
    customers take the walk-in customer's, or, without a walk-in customer in Jurnal, the one
    most of Jurnal's customers have, not Jurnal's first account of the kind."""
    payable = client.post(
        "accounts",
        {"account": {"name": "Hutang Usaha Toko", "number": "2-20199", "category_id": 8}},
    )["account"]
    for name in ("Pemasok A", "Pemasok B"):
        client.create_customer({"display_name": name, "default_ap_account_id": payable["id"]})
    config = CONFIG.model_copy(update={"walk_in_customer": "Tamu"})  # not in Jurnal
    orders = [_order(str(uuid.uuid4()), "Rina", "Wati")]
    result = ensure_customers(client, _wanted(orders), config)
    assert (len(result.created), result.failed) == (1, [])
    (made,) = _ours(client).values()
    assert made["default_ap_account"]["id"] == payable["id"]
