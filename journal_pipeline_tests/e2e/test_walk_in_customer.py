"""A Jurnal company without the walk-in customer (a new company, or the customer deleted):
Jurnal refuses an invoice naming a customer it does not have (J-11), so the day's first run
creates 'Pelanggan Umum' with the config's receivable before the invoices, and every sale
without a customer posts on it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from journal_pipeline.accounting.customers import same_name
from journal_pipeline_tests.e2e.demo_week import CONFIG, synced_demo_week

pytestmark = pytest.mark.e2e

DAY = date(2026, 11, 18)
NOW = datetime(2026, 11, 19, 22, 30, tzinfo=UTC)


def _walk_in(client) -> list[dict]:
    return [
        c for c in client.list_customers() if same_name(c["display_name"], CONFIG.walk_in_customer)
    ]


def test_a_missing_walk_in_customer_is_created_before_its_invoices(tmp_path):
    def delete_walk_in(resources: dict) -> None:
        client = resources["jurnal"].client()
        (walk_in,) = _walk_in(client)
        client._request("DELETE", f"customers/{walk_in['id']}")
        assert _walk_in(client) == []

    with synced_demo_week(
        tmp_path,
        [DAY],
        orders_per_outlet_per_day=5,
        now=NOW,
        history_days=2,
        before_first_day=delete_walk_in,
    ) as week:
        made = week.results[DAY].asset_materializations_for_node("jurnal_customers")[0]
        assert CONFIG.walk_in_customer in str(made.metadata)
        client = week.jurnal.client()
        (walk_in,) = _walk_in(client)
        assert walk_in["default_ar_account"]["name"] == CONFIG.account("receivable", None)
        invoices = {
            i["transaction_no"]: i for i in client.iter_list("sales_invoices", "sales_invoices")
        }
        without_customer = {
            f"ISL/{o['order_reference'].lstrip('#')}"
            for o in week.iseller.served_orders()
            if not o.get("customer_id")
        }
        posted = without_customer & invoices.keys()
        assert posted  # the day's sales without a customer are in Jurnal, on the walk-in
        assert {invoices[no]["person"]["id"] for no in posted} == {walk_in["id"]}
        assert all(invoices[no]["person"]["id"] != walk_in["id"] for no in invoices.keys() - posted)
