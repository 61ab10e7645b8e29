"""Jurnal's reference lists shared by the clients of one many-day command
(`jurnal.master_data.shared_listings`), against the Jurnal sandbox over HTTP: listed once,
learning the customers and products the pipeline creates, read again after a refused write,
and never shared outside the command."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from journal_pipeline.accounting.customers import display_name
from journal_pipeline.config import load_config
from journal_pipeline.defs.resources import JurnalResource
from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.jurnal.errors import JurnalValidationError
from journal_pipeline.jurnal.master_data import shared_listings
from journal_pipeline.sync.customers import ensure_customers, wanted_customers
from journal_pipeline_tests.jurnal_fixtures import (
    JurnalSandboxHandle,
    invoice_body,
    running_jurnal_sandbox,
)
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)


@pytest.fixture
def jurnal(tmp_path) -> Iterator[JurnalSandboxHandle]:
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        yield handle


def _resource(jurnal: JurnalSandboxHandle) -> JurnalResource:
    env = jurnal.env
    return JurnalResource(
        base_url=env["JURNAL_BASE_URL"],
        client_id=env["JURNAL_CLIENT_ID"],
        client_secret=env["JURNAL_CLIENT_SECRET"],
    )


def _requests(jurnal: JurnalSandboxHandle, route: str) -> int:
    """How many requests of ``route`` (e.g. ``GET customers``) Jurnal answered so far."""
    return sum(t.get("routes", {}).get(route, 0) for t in jurnal.sandbox.traffic().values())


def _order(customer_id: str, first: str) -> dict:
    return {
        "order_id": str(uuid.uuid4()),
        "order_reference": f"#JKT-{uuid.uuid4().hex[:6]}",
        "customer_id": customer_id,
        "customer_first_name": first,
        "customer_last_name": None,
    }


def _wanted(orders: list[dict]):
    invoices = [
        {
            "custom_id": o["order_id"],
            "reference_no": o["order_reference"],
            "person_name": display_name(o["customer_id"], o["customer_first_name"]),
        }
        for o in orders
    ]
    return wanted_customers(invoices, orders)


def _day_client(jurnal: JurnalSandboxHandle) -> JurnalClient:
    """A client as a step of one day's run makes it (a new one every step, every day)."""
    return _resource(jurnal).client()


def test_a_customer_created_on_day_one_is_found_on_day_two_without_listing_again(jurnal):
    customer = f"CUS-{uuid.uuid4().hex[:8]}"
    with shared_listings():
        first = ensure_customers(_day_client(jurnal), _wanted([_order(customer, "Ayu")]), CONFIG)
        listed = _requests(jurnal, "GET customers")
        second = ensure_customers(_day_client(jurnal), _wanted([_order(customer, "Ayu")]), CONFIG)

    assert first.created == [display_name(customer, "Ayu")]
    assert second.created == [] and second.existing == 1 and not second.failed
    assert listed == 1
    assert _requests(jurnal, "GET customers") == 1  # day two read no list
    assert _requests(jurnal, "POST customers") == 1  # one batch, on day one
    records = [c for c in jurnal.client().list_customers() if c.get("custom_id") == customer]
    assert len(records) == 1


def test_a_renamed_customer_is_known_by_its_new_name_the_next_day(jurnal):
    customer = f"CUS-{uuid.uuid4().hex[:8]}"
    with shared_listings():
        ensure_customers(_day_client(jurnal), _wanted([_order(customer, "Ayu")]), CONFIG)
        renamed = ensure_customers(_day_client(jurnal), _wanted([_order(customer, "Dewi")]), CONFIG)
        third = ensure_customers(_day_client(jurnal), _wanted([_order(customer, "Dewi")]), CONFIG)

    assert renamed.renamed == [display_name(customer, "Dewi")]
    assert third.existing == 1 and not third.renamed and not third.created
    assert _requests(jurnal, "GET customers") == 1


def test_a_product_created_is_in_the_next_listing(jurnal):
    code = f"SKU-{uuid.uuid4().hex[:8]}"
    with shared_listings():
        before = {p.get("product_code") for p in _day_client(jurnal).list_products()}
        made = _day_client(jurnal).batch_create_products(
            [{"name": f"Kopi {code}", "product_code": code, "is_sold": True, "unit_name": "Pcs"}]
        )
        after = {p.get("product_code") for p in _day_client(jurnal).list_products()}

    assert made[0].ok
    assert code not in before and code in after
    assert _requests(jurnal, "GET products") == 1


def test_a_refused_write_reads_the_lists_again(jurnal):
    with shared_listings():
        _day_client(jurnal).list_customers()
        client = _day_client(jurnal)
        with pytest.raises(JurnalValidationError):  # names a customer Jurnal does not have
            client.create("sales_invoices", "sales_invoice", invoice_body(person_name="Nobody"))
        _day_client(jurnal).list_customers()

    assert _requests(jurnal, "GET customers") == 2


def test_nothing_is_shared_outside_the_command(jurnal):
    _day_client(jurnal).list_accounts()
    _day_client(jurnal).list_accounts()
    with shared_listings():
        _day_client(jurnal).list_accounts()
        _day_client(jurnal).list_accounts()
    with shared_listings():  # a second command reads the lists again
        _day_client(jurnal).list_accounts()

    assert _requests(jurnal, "GET accounts") == 4


def test_a_caller_changing_a_listed_record_changes_nothing_kept(jurnal):
    with shared_listings():
        accounts = _day_client(jurnal).list_accounts()
        accounts[0]["name"] = "changed"
        accounts.clear()
        again = _day_client(jurnal).list_accounts()

    assert again and all(a["name"] != "changed" for a in again)
