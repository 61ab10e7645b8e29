"""Idempotent batches and creates of the other documents the pipeline posts (journal entries,
receive payments, products, customers, stock adjustments, warehouse transfers), lost answers
included."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from journal_pipeline.accounting.documents import (
    STOCK_ADJUSTMENT,
    STOCK_DOCUMENTS,
    WAREHOUSE_TRANSFER,
    Document,
)
from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline.sync.stock_documents import post_stock_documents
from journal_pipeline_tests.jurnal.test_resources import inject
from journal_pipeline_tests.jurnal_fixtures import JurnalSandboxHandle, running_jurnal_sandbox
from journal_sandbox.jurnal_app import (
    ACCOUNT_CASH,
    ACCOUNT_INVENTORY,
    ACCOUNT_SALES,
    CUSTOMER_WALK_IN,
    PRODUCT_SERVICE_CHARGE,
    WAREHOUSE_BANDUNG,
    WAREHOUSE_JAKARTA,
    WAREHOUSE_JAKARTA_CODE,
)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def fresh(tmp_path: Path):
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        yield handle


def count(client: JurnalClient, resource: str, **match: str) -> int:
    return sum(
        1
        for record in client.iter_list(resource, resource)
        if all(str(record.get(k)) == v for k, v in match.items())
    )


def journal_entry(amount: int = 15000) -> dict[str, Any]:
    return {
        "transaction_date": "2026-11-20",
        "transaction_no": unique("JE"),
        "custom_id": unique("JE"),
        "memo": "cash sales",
        "transaction_account_lines_attributes": [
            {"account_name": ACCOUNT_CASH, "debit": amount},
            {"account_name": ACCOUNT_SALES, "credit": amount},
        ],
    }


def test_lost_journal_entry_batch_is_resolved(fresh: JurnalSandboxHandle) -> None:
    client = fresh.client(backoff_base=0.01)
    bodies = [journal_entry(10000 + i) for i in range(3)]
    inject(fresh.sandbox, "lost", "/journal_entries/batch_create")
    results = client.batch_create_journal_entries(bodies)
    assert [r.duplicate for r in results] == [True] * 3
    assert [r.record["custom_id"] for r in results] == [b["custom_id"] for b in bodies]  # type: ignore[index]
    for body in bodies:
        assert count(client, "journal_entries", custom_id=body["custom_id"]) == 1
        found = client.find_journal_entry(transaction_no=body["transaction_no"])
        assert found is not None and found["custom_id"] == body["custom_id"]
    again = client.batch_create("journal_entries", "journal_entry", bodies)
    assert [r.record["id"] for r in again] == [r.record["id"] for r in results]  # type: ignore[index]


def test_receive_payment_create_and_batch_are_idempotent(fresh: JurnalSandboxHandle) -> None:
    client = fresh.client(backoff_base=0.01)
    invoices = [
        client.create_sales_invoice(
            {
                "transaction_date": "2026-11-20",
                "person_name": CUSTOMER_WALK_IN,
                "custom_id": unique("ORD"),
                "transaction_no": unique("INV"),
                "transaction_lines_attributes": [
                    {"product_name": PRODUCT_SERVICE_CHARGE, "quantity": 1, "rate": 20000}
                ],
            }
        )
        for _ in range(3)
    ]

    def payment(invoice: dict[str, Any]) -> dict[str, Any]:
        return {
            "transaction_date": "2026-11-20",
            "custom_id": unique("PAY"),
            "transaction_no": unique("RP"),
            "payment_method_name": "Tunai",
            "deposit_to_name": ACCOUNT_CASH,
            "records_attributes": [
                {"transaction_no": invoice["transaction_no"], "amount": 5000},
            ],
        }

    single = payment(invoices[0])
    inject(fresh.sandbox, "lost", "/receive_payments")
    created = client.create_receive_payment(single)
    assert created["custom_id"] == single["custom_id"]
    assert client.create_receive_payment(single)["id"] == created["id"]
    assert count(client, "receive_payments", custom_id=single["custom_id"]) == 1
    bodies = [payment(inv) for inv in invoices[1:]]
    inject(fresh.sandbox, "lost", "/receive_payments/batch_create")
    results = client.batch_create_receive_payments(bodies)
    assert all(r.duplicate and r.record is not None for r in results)
    for body in bodies:
        assert count(client, "receive_payments", custom_id=body["custom_id"]) == 1
    found = client.find_receive_payment(custom_id=bodies[0]["custom_id"])
    assert found is not None and found["id"] == results[0].record["id"]  # type: ignore[index]


def test_product_and_customer_batches(fresh: JurnalSandboxHandle) -> None:
    client = fresh.client(backoff_base=0.01)
    products = [
        {"name": unique("Kopi"), "product_code": unique("SKU"), "sell_price_per_unit": 25000}
        for _ in range(2)
    ]
    inject(fresh.sandbox, "lost", "/products/batch_create")
    results = client.batch_create_products(products)
    assert all(r.duplicate and r.record is not None for r in results)
    assert [r.record["product_code"] for r in results] == [p["product_code"] for p in products]  # type: ignore[index]
    for product in products:
        assert count(client, "products", product_code=product["product_code"]) == 1
    customers = [{"display_name": unique("Pelanggan"), "custom_id": unique("C")} for _ in range(2)]
    first = client.batch_create_customers(customers)
    assert all(r.ok and not r.duplicate for r in first)
    second = client.batch_create_customers(customers)
    assert [r.record["id"] for r in second] == [r.record["id"] for r in first]  # type: ignore[index]
    assert all(r.duplicate for r in second)


def test_stock_adjustment_lost_answer_and_documented_lookup(fresh: JurnalSandboxHandle) -> None:
    client = fresh.client(backoff_base=0.01)
    product = client.create_product(
        {
            "name": unique("Biji Kopi"),
            "product_code": unique("BEAN"),
            "track_inventory": True,
            "inventory_asset_account_name": ACCOUNT_INVENTORY,
            "buy_price_per_unit": 100000,
        }
    )
    body = {
        "date": "2026-11-20",
        "transaction_no": unique("SA"),
        "custom_id": unique("OPNAME"),
        "warehouse_code": WAREHOUSE_JAKARTA_CODE,
        "maintain_actual": True,
        "lines_attributes": [
            {
                "product_id": product["id"],
                "actual_quantity": 12,
                "use_custom_average_price": True,
                "average_price": 100000,
            }
        ],
    }
    inject(fresh.sandbox, "lost", "/stock_adjustments")
    created = client.create_stock_adjustment(body)
    assert created["transaction_no"] == body["transaction_no"]
    assert client.create_stock_adjustment(body)["id"] == created["id"]
    found = client.find_stock_adjustment(body["transaction_no"], "adjustment")
    assert found is not None and found["id"] == created["id"]
    assert client.find_stock_adjustment("no-such-number", "adjustment") is None
    assert count(client, "stock_adjustments", transaction_no=body["transaction_no"]) == 1


def _stock_document(doc_type: str, body: dict[str, Any]) -> Document:
    root = "warehouse_transfer" if doc_type == WAREHOUSE_TRANSFER else "stock_adjustment"
    return Document(
        doc_key=f"{doc_type}:{body['custom_id']}",
        doc_type=doc_type,
        business_date=date(2026, 11, 20),
        outlet_code="JKT",
        source_id=body["custom_id"],
        source_reference=body["transaction_no"],
        transaction_no=body["transaction_no"],
        custom_id=body["custom_id"],
        expected_total=None,
        payload={root: body},
    )


def test_stock_documents_answered_without_custom_id_are_recognised_after_a_lost_answer(
    tmp_path: Path,
) -> None:
    """Jurnal's documented stock answers carry no custom_id (J-60, ``stock_keys=documented``):
    a transfer and an adjustment whose answers were lost are found by their numbers (the
    adjustment's only in ``entry.transaction_number``), recorded posted, never sent twice."""
    with running_jurnal_sandbox(tmp_path / "jurnal", stock_keys="documented") as handle:
        client = handle.client(backoff_base=0.01)
        code = unique("BEAN")
        client.create_product(
            {
                "name": unique("Biji Kopi"),
                "product_code": code,
                "track_inventory": True,
                "inventory_asset_account_name": ACCOUNT_INVENTORY,
                "unit_name": "Pcs",
            }
        )
        transfer = {
            "from_warehouse_name": WAREHOUSE_JAKARTA,
            "to_warehouse_name": WAREHOUSE_BANDUNG,
            "transaction_date": "20/11/2026",
            "transaction_no": unique("TI-JKT-BDG"),
            "custom_id": unique("TRF"),
            "warehouse_transfer_lines_attributes": [{"product_code": code, "quantity": 2}],
        }
        adjustment = {
            "stock_adjustment_type": "General",
            "maintain_actual": False,
            "warehouse_name": WAREHOUSE_JAKARTA,
            "date": "20/11/2026",
            "transaction_no": unique("#SUP-JKT"),  # a number with a "#" of its own
            "custom_id": unique("RCV"),
            "lines_attributes": [{"product_code": code, "difference": 10}],
        }
        outbox = Outbox(StagingStore(f"sqlite:///{tmp_path / 'staging.db'}"))
        day = date(2026, 11, 20)
        documents = [
            _stock_document(WAREHOUSE_TRANSFER, transfer),
            _stock_document(STOCK_ADJUSTMENT, adjustment),
        ]
        outbox.enqueue(day, documents, [], doc_types=STOCK_DOCUMENTS)
        handle.sandbox.faults.once("/warehouse_transfers", "lost")
        handle.sandbox.faults.once("/stock_adjustments", "lost")

        result = post_stock_documents(outbox, day, client)
        assert (result.posted, result.duplicates_resolved, result.failed) == (0, 2, 0)
        assert result.failures == []
        transfers = list(client.iter_list("warehouse_transfers", "warehouse_transfers"))
        adjustments = list(client.iter_list("stock_adjustments", "stock_adjustments"))
        assert len(transfers) == len(adjustments) == 1
        assert "custom_id" not in transfers[0] and "custom_id" not in adjustments[0]
        rows = outbox.documents(day, STOCK_DOCUMENTS)
        assert rows["status"].tolist() == ["posted", "posted"]
        assert sorted(rows["jurnal_id"]) == sorted([transfers[0]["id"], adjustments[0]["id"]])

        calls = client.calls
        again = post_stock_documents(outbox, day, client)  # nothing left pending
        assert (again.posted, again.duplicates_resolved, client.calls) == (0, 0, calls)


def test_list_paging_edge_cases(fresh: JurnalSandboxHandle) -> None:
    client = fresh.client()
    assert list(client.iter_list("journal_entries", "journal_entries")) == []
    assert client.calls == 1  # an empty list is one request
    warehouses = list(client.iter_list("warehouses", "warehouses"))
    calls = client.calls
    exact = list(client.iter_list("warehouses", "warehouses", page_size=len(warehouses)))
    assert exact == warehouses and client.calls == calls + 1  # exactly one page
    calls = client.calls
    one_by_one = list(client.iter_list("warehouses", "warehouses", page_size=1))
    assert one_by_one == warehouses and client.calls == calls + len(warehouses)
    newest = list(client.iter_newest_first("warehouses"))
    assert [w["id"] for w in newest] == sorted((w["id"] for w in warehouses), reverse=True)
