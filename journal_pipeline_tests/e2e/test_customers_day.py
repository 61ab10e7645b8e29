"""A demo day through Dagster and both sandboxes: invoices name the real customer (J-50).

Orders with an iSeller customer are invoiced to that customer's Jurnal customer (created by
``jurnal_customers``, matched on ``custom_id``), walk-in sales to the walk-in customer, an
on-account order leaves its receivable on its customer, and a re-run creates no second
customer. A second run shows that the customers' phone numbers and e-mails reach Jurnal and
nothing else: not the logs, the outbox, the Dagster events and metadata, nor an error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pytest
import sqlalchemy as sa

from journal_pipeline.accounting.customers import display_name
from journal_pipeline.core.money import to_rupiah
from journal_pipeline.defs.resources import (
    ISellerResource,
    JurnalResource,
    MerchantConfigResource,
    StagingResource,
)
from journal_pipeline.iseller.customers import customer_name
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore
from journal_pipeline_tests.e2e.demo_week import ASSETS, CONFIG, synced_demo_week
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.demo_merchant import OUTLETS
from journal_sandbox.iseller_app import ISellerSandbox

pytestmark = pytest.mark.e2e

DAY = date(2026, 11, 19)
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def _completed(iseller) -> dict[str, dict]:
    return {
        order["order_id"]: order
        for outlet in OUTLETS
        for order in iseller.merchant.expected_orders(outlet.outlet_code, DAY, as_of=NOW)
        if order["status"] == "completed"
    }


def _metadata(result, asset: str) -> dict:
    return result.asset_materializations_for_node(asset)[0].metadata


def test_invoices_name_their_customers_and_a_rerun_creates_none(tmp_path):
    with synced_demo_week(tmp_path, [DAY], orders_per_outlet_per_day=30, now=NOW) as day:
        client = day.jurnal.client()
        orders = _completed(day.iseller)
        with_customer = {i: o for i, o in orders.items() if o["customer_id"]}
        on_account = [o for o in with_customer.values() if o["on_account"]]
        assert len(with_customer) > 10 and len(orders) - len(with_customer) > 10
        assert on_account, "the demo day should have an order sold on account"

        invoices = {
            i["custom_id"]: i
            for i in client.iter_list("sales_invoices", "sales_invoices")
            if i["custom_id"] in orders
        }
        assert sorted(invoices) == sorted(orders)
        customers = {c["custom_id"]: c for c in client.list_customers() if c.get("custom_id")}
        assert set(customers) == {o["customer_id"] for o in with_customer.values()}
        for order_id, order in orders.items():
            person = invoices[order_id]["person"]
            if order["customer_id"] is None:
                assert person["display_name"] == CONFIG.walk_in_customer
                continue
            customer = customers[order["customer_id"]]
            assert person["id"] == customer["id"], order["order_reference"]
            assert customer["display_name"] == display_name(
                order["customer_id"], customer_name(order)
            )
            assert (customer["phone"], customer["email"]) == (
                order["customer_phone_number"],
                order["customer_email"],
            )

        # what is owed on account is owed by the customer who bought, not the walk-in customer
        for order in on_account:
            invoice = invoices[order["order_id"]]
            total = to_rupiah(order["total_amount"])
            assert to_rupiah(invoice["remaining"]) == total
            owed = client.get_record("customers", customers[order["customer_id"]]["id"])
            own = [i for i in invoices.values() if i["person"]["id"] == owed["id"]]
            assert owed["balance"] == sum(to_rupiah(i["remaining"]) for i in own) >= total

        first = _metadata(day.results[DAY], "jurnal_customers")
        assert first["customers_created"].value == len(customers)
        assert first["customers_failed"].value == 0

        # the whole day again, journal rebuilt: the same customers, nothing created
        again = dg.materialize(ASSETS, partition_key=DAY.isoformat(), resources=day.resources)
        assert again.success
        rerun = {c["custom_id"]: c["id"] for c in client.list_customers() if c.get("custom_id")}
        assert rerun == {k: c["id"] for k, c in customers.items()}
        assert _metadata(again, "jurnal_sales_invoices")["posted_now"].value == 0


@contextmanager
def _unsynced_day(base: Path) -> Iterator[SimpleNamespace]:
    """Both sandboxes and the resources of a run, nothing materialized yet."""
    iseller = ISellerSandbox(
        base / "iseller", orders_per_outlet_per_day=12, history_days=1, now=lambda: NOW, faults=""
    )
    server = iseller.serve().start()
    try:
        with running_jurnal_sandbox(base / "jurnal") as jurnal:
            staging_url = f"sqlite:///{base / 'staging.db'}"
            resources = {
                "staging": StagingResource(url=staging_url),
                "merchant": MerchantConfigResource(path=str(DEMO_CONFIG)),
                "iseller": ISellerResource(
                    token_url=f"{server.url}/oauth/token",
                    client_id="sandbox-iseller-client",
                    client_secret="sandbox-iseller-secret",
                ),
                "jurnal": JurnalResource(
                    base_url=jurnal.env["JURNAL_BASE_URL"],
                    client_id=jurnal.env["JURNAL_CLIENT_ID"],
                    client_secret=jurnal.env["JURNAL_CLIENT_SECRET"],
                ),
            }
            yield SimpleNamespace(
                iseller=iseller,
                jurnal=jurnal,
                store=StagingStore(staging_url),
                resources=resources,
            )
    finally:
        server.stop()
        iseller.close()


def test_personal_data_reaches_jurnal_and_nothing_else(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with _unsynced_day(tmp_path) as day:
        merchant_customers = day.iseller.merchant.customers()
        orders = _completed(day.iseller)
        buyers = sorted({o["customer_id"] for o in orders.values() if o["customer_id"]})
        first = next(o for o in orders.values() if o["customer_id"] == buyers[0])
        taken = display_name(first["customer_id"], customer_name(first))
        client = day.jurnal.client()
        # a customer made by hand in Jurnal holds the name of one of ours: the day stops
        # before its invoices (they would land on that customer)
        squatter = client.create_customer({"display_name": taken})
        day.jurnal.sandbox.faults.once("customers/batch_create", "error")
        stopped = dg.materialize(
            ASSETS, partition_key=DAY.isoformat(), resources=day.resources, raise_on_error=False
        )
        assert not stopped.success
        failure = next(e for e in stopped.all_events if e.is_step_failure)
        assert failure.step_key == "jurnal_customers"
        assert buyers[0] in failure.event_specific_data.error.message
        accounts = {
            f"default_{side}_account_id": squatter[f"default_{side}_account"]["id"]
            for side in ("ar", "ap")
        }
        client.update_customer(squatter["id"], {"display_name": "Pelanggan Lama", **accounts})
        done = dg.materialize(ASSETS, partition_key=DAY.isoformat(), resources=day.resources)
        assert done.success

        customers = [c for c in client.list_customers() if c.get("custom_id")]
        sent = {(c["phone"], c["email"]) for c in customers}
        assert len(customers) == len(buyers)
        private = [v for c in merchant_customers for v in (c["phone_number"], c["email"])]
        assert any(phone in private for phone, _ in sent)  # the data did reach Jurnal

        with day.store.engine.connect() as conn:
            outbox = [
                repr(tuple(row))
                for table in (tables.outbox, tables.outbox_log)
                for row in conn.execute(sa.select(table))
            ]
        events = [repr(event) for run in (stopped, done) for event in run.all_events]
        places = {"logs": [caplog.text], "outbox": outbox, "dagster events": events}
        for where, texts in places.items():
            for value in private:
                leaked = [t for t in texts if value in t]
                assert not leaked, f"{value!r} in the {where}: {leaked[0][:300]}"
