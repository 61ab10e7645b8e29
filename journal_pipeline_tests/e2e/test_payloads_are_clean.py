"""A synced week of the demo merchant: no missing value reaches anything sent to Jurnal.

pandas turns a missing text value into NaN, and an f-string prints it as "nan"; a NaN number
is not even JSON. This syncs a whole week through the Dagster assets, both sandboxes and
staging, then reads back every document in the outbox and every product body the Jurnal
sandbox received, and scans each string and number in them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore, loads
from journal_pipeline.sync.master_data import wanted_products
from journal_pipeline_tests.e2e.demo_week import CONFIG, synced_demo_week
from journal_sandbox.demo_merchant import OUTLETS

pytestmark = pytest.mark.e2e

FIXED_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
WEEK = [date(2026, 11, 13) + timedelta(days=n) for n in range(7)]  # 13th..19th
ORDERS_PER_OUTLET_PER_DAY = 12

# "nan", "None", "NaN" as a word of their own ("Pisang" or "Nanas" are fine)
MISSING_WORD = re.compile(r"\b(nan|none)\b", re.IGNORECASE)


def dirty_values(value: Any, path: str = "$") -> Iterator[str]:
    """Where a JSON value carries a missing value turned into text or a non-finite number."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from dirty_values(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from dirty_values(item, f"{path}[{index}]")
    elif isinstance(value, str):
        if MISSING_WORD.search(value):
            yield f"{path} = {value!r}"
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield f"{path} = {value!r}"
    elif isinstance(value, Decimal):
        if not value.is_finite():
            yield f"{path} = {value!r}"
    elif not isinstance(value, int):
        yield f"{path} is a {type(value).__name__}, not JSON"


def test_the_scan_finds_what_it_looks_for():
    body = {
        "memo": "iSeller order #1, outlet JKT, customer nan",
        "lines": [{"description": "Matcha Latte (NaN)"}, {"product_code": math.nan}],
        "person_name": "None",
        "rate": Decimal("Infinity"),
        "ok": ["Pisang Goreng", "Jus Nanas", "Nasi Uduk", 1, 2.5, None, True],
    }
    assert sorted(dirty_values(body)) == [
        "$.lines[0].description = 'Matcha Latte (NaN)'",
        "$.lines[1].product_code = nan",
        "$.memo = 'iSeller order #1, outlet JKT, customer nan'",
        "$.person_name = 'None'",
        "$.rate = Decimal('Infinity')",
    ]


@pytest.fixture(scope="module")
def synced_week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """A private iSeller sandbox with a week of history and a fresh Jurnal sandbox; every
    day of the week materialized through the Dagster assets into one staging database."""
    base = tmp_path_factory.mktemp("payloads-week")
    with synced_demo_week(
        base, WEEK, orders_per_outlet_per_day=ORDERS_PER_OUTLET_PER_DAY, now=FIXED_NOW
    ) as week:
        jurnal = week.jurnal
        products = jurnal.client().list_products()
        received = {
            p["id"]: json.loads(body)
            for p in products
            if (body := jurnal.sandbox.store.get_meta(f"body:product:{p['id']}"))
        }
        yield SimpleNamespace(
            iseller=week.iseller,
            store=week.store,
            products=products,
            received_product_bodies=received,
        )


def _outbox(store: StagingStore) -> list[Any]:
    t = tables.outbox
    with store.engine.connect() as conn:
        return conn.execute(
            sa.select(t.c.doc_key, t.c.doc_type, t.c.status, t.c.payload).order_by(t.c.doc_key)
        ).all()


def test_the_week_has_missing_customers_variants_and_skus_to_get_wrong(synced_week):
    """The scan below means something only if the source data has the gaps."""
    merchant = synced_week.iseller.merchant
    orders = [
        order
        for outlet in OUTLETS
        for day in WEEK
        for order in merchant.expected_orders(outlet.outlet_code, day, as_of=FIXED_NOW)
        if order["status"] == "completed"
    ]
    lines = [line for order in orders for line in order.get("order_details") or []]
    assert any(not order.get("customer_first_name") for order in orders)
    assert any(order.get("customer_first_name") for order in orders)
    assert any(not line.get("product_variant_name") for line in lines)
    assert any(line.get("product_variant_name") for line in lines)


def test_every_outbox_payload_of_the_week_is_clean(synced_week):
    rows = _outbox(synced_week.store)
    payloads = [(row.doc_key, loads(row.payload)) for row in rows if row.payload is not None]
    kinds = {row.doc_type for row in rows if row.payload is not None}
    assert len(payloads) > 7 * len(OUTLETS) * ORDERS_PER_OUTLET_PER_DAY // 2
    assert {"sales_invoice", "receive_payment"} <= kinds
    assert {row.status for row in rows if row.doc_type == "sales_invoice"} <= {
        "posted",
        "withdrawn",
        "held",
    }
    dirty = [f"{key}: {where}" for key, payload in payloads for where in dirty_values(payload)]
    assert dirty == [], f"{len(dirty)} dirty values, e.g. {dirty[:10]}"
    # the raw text too: a NaN number is written as the bare token NaN, which JSON does not allow
    raw = [row.doc_key for row in rows if row.payload and re.search(r"\bNaN\b", row.payload)]
    assert raw == []


def test_every_product_body_sent_and_created_is_clean(synced_week):
    invoices = [
        loads(row.payload)["sales_invoice"]
        for row in _outbox(synced_week.store)
        if row.doc_type == "sales_invoice" and row.payload is not None
    ]
    wanted = wanted_products(invoices, CONFIG)
    assert wanted, "the invoices name products"
    received = synced_week.received_product_bodies
    assert received, "the sync created products in Jurnal"
    dirty = [
        *(f"wanted {where}" for body in wanted for where in dirty_values(body)),
        *(f"received {pid} {where}" for pid, b in received.items() for where in dirty_values(b)),
        *(
            f"in Jurnal {p['id']} {where}"
            for p in synced_week.products
            for where in dirty_values({"name": p.get("name"), "code": p.get("product_code")})
        ),
    ]
    assert dirty == [], f"{len(dirty)} dirty values, e.g. {dirty[:10]}"
