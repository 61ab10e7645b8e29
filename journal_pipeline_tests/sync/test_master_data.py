"""Products: matched and created by SKU, else by name (created with a code made from the
name, as Jurnal requires a code); a missing value is never a name or code."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.accounting.documents import Document
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.master_data import ensure_products, name_code, wanted_products
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.accounting.rounding_orders import tied_share_order
from journal_pipeline_tests.jurnal_fixtures import JurnalSandboxHandle, running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 20)


@dataclass(frozen=True)
class Item:
    record: Mapping[str, Any] | None
    errors: Mapping[str, Any] | None = None
    status: int = 201
    duplicate: bool = False


class FakeJurnal:
    """A `JurnalWriter` in memory: knows some products, records every batch it is sent."""

    def __init__(self, known: list[dict[str, Any]]):
        self.known = known
        self.batches: list[tuple[str, str, list[Mapping[str, Any]]]] = []

    def list_products(self) -> Sequence[Mapping[str, Any]]:
        return self.known

    def batch_create(
        self, resource: str, root: str, items: list[Mapping[str, Any]], /
    ) -> Sequence[Item]:
        self.batches.append((resource, root, items))
        return [Item({"id": n, **item}) for n, item in enumerate(items, start=1)]


def _line(**attrs: Any) -> dict[str, Any]:
    return {"quantity": 1, "rate": 10_000, **attrs}


def test_wanted_products_by_sku_by_name_and_never_from_a_missing_value():
    invoice = {
        "transaction_lines_attributes": [
            _line(product_code="KOP-001", description="Kopi (Large)"),
            _line(product_code=math.nan, product_name="Teh Melati", description="Teh Melati"),
            _line(product_code="", product_name="Es Jeruk", description=None),
            _line(product_code=None, product_name=math.nan, description="nan"),
            {"product_name": "Service Charge", "quantity": 1, "rate": 5_000},
        ]
    }
    wanted = wanted_products([invoice], CONFIG)
    assert [(p["name"], p.get("product_code"), p.get("sell_account_name")) for p in wanted] == [
        ("Kopi (Large)", "KOP-001", "Penjualan"),
        ("Teh Melati", "NOSKU-TEH-MELATI", "Penjualan"),
        ("Es Jeruk", "NOSKU-ES-JERUK", "Penjualan"),
        ("Service Charge", "NOSKU-SERVICE-CHARGE", "Pendapatan Service Charge"),
    ]


def test_ensure_products_matches_by_code_else_name_and_sends_no_missing_code():
    jurnal = FakeJurnal(
        [
            {"id": 1, "name": "Kopi Arabika 250g", "product_code": "KOP-001"},
            {"id": 2, "name": "Teh Melati", "product_code": None},
            {"id": 3, "name": math.nan, "product_code": math.nan},  # junk is not a match
        ]
    )
    wanted = [
        {"name": "Kopi Arabika 250g (Large)", "product_code": "kop-001"},
        {"name": "teh melati"},
        {"name": "Es Jeruk"},
        {"name": "Nasi Goreng", "product_code": "MKN-010"},
        {"name": "nan"},  # a real (if odd) name: created like any other
    ]
    result = ensure_products(jurnal, wanted)
    assert result.existing == 2
    assert result.created == ["NOSKU-ES-JERUK", "MKN-010", "NOSKU-NAN"]
    assert result.problems == []
    ((resource, root, sent),) = jurnal.batches
    assert (resource, root) == ("products", "product")
    assert sent == [  # Jurnal requires a code: a product named by name gets its name's
        {"name": "Es Jeruk", "product_code": "NOSKU-ES-JERUK"},
        {"name": "Nasi Goreng", "product_code": "MKN-010"},
        {"name": "nan", "product_code": "NOSKU-NAN"},
    ]


def test_a_product_without_name_or_code_is_a_problem_not_a_request():
    jurnal = FakeJurnal([])
    result = ensure_products(jurnal, [{"name": None, "product_code": math.nan}])
    assert result.created == [] and len(result.problems) == 1
    assert jurnal.batches == [("products", "product", [])]


def test_a_code_made_from_a_name_is_readable_stable_and_never_shared():
    assert name_code("Pembulatan") == "NOSKU-PEMBULATAN"
    assert name_code("Service Charge") == name_code(" service   CHARGE ") == "NOSKU-SERVICE-CHARGE"
    # other characters than plain words: a hash of the name tells apart names that read alike
    punctuated = name_code("Es-Jeruk")
    assert punctuated.startswith("NOSKU-ES-JERUK_") and punctuated != name_code("Es Jeruk")
    assert name_code("Kopi (Large)") == name_code("kopi (large)") != name_code("Kopi Large")
    assert name_code("咖啡").startswith("NOSKU_")
    long = "Teh Melati Hangat Dengan Gula Aren Asli Dari Jawa"
    assert len(name_code(long)) == 40 and name_code(long) != name_code(long + " Tengah")
    assert name_code(long) == name_code(long)


def test_a_product_named_by_name_is_in_jurnal_by_its_name_or_its_code():
    jurnal = FakeJurnal(
        [
            {"id": 1, "name": "Pembulatan", "product_code": None},  # made by hand, no code
            {"id": 2, "name": "Es Jeruk Lama", "product_code": "NOSKU-ES-JERUK"},  # renamed
            {"id": 3, "name": "Kopi Susu", "product_code": "KOP-900"},
        ]
    )
    wanted = [
        {"name": "Pembulatan", "product_code": name_code("Pembulatan")},
        {"name": "Es Jeruk", "product_code": name_code("Es Jeruk")},
        {"name": "Kopi Susu", "product_code": "KOP-901"},  # a SKU is matched by its code only
    ]
    result = ensure_products(jurnal, wanted)
    assert (result.unchanged, result.created, result.problems) == (2, ["KOP-901"], [])


# --- over HTTP: a day of invoices naming products by name ----------------------------------


@pytest.fixture
def fresh(tmp_path) -> Iterator[JurnalSandboxHandle]:
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        yield handle


@pytest.fixture
def outbox(tmp_path) -> Outbox:
    return Outbox(StagingStore(f"sqlite:///{tmp_path / 'staging.db'}"), run_id="test-run")


def _day_with_products_named_by_name() -> list[Document]:
    """An order whose invoice needs the rounding product (a cent, `tied_share_order`) and
    whose third line has no SKU in iSeller."""
    order = tied_share_order(str(uuid.uuid4()), f"#JKT-{uuid.uuid4().hex[:8]}")
    order["order_details"][2]["sku"] = None  # Tumbler Nusantara 500ml
    sales = posting_rules.sales_of_day(order_frames([order]), CONFIG, DAY)
    documents, holds = invoices.sales_invoices(sales, CONFIG)
    assert holds == []
    lines = documents[0].payload["sales_invoice"]["transaction_lines_attributes"]
    named = [line["product_name"] for line in lines if "product_code" not in line]
    assert named == ["Tumbler Nusantara 500ml", CONFIG.rounding_product]
    return documents


def _products(client: JurnalClient) -> list[dict[str, Any]]:
    return list(client.iter_list("products", "products"))


def test_products_named_by_name_are_created_with_codes_once_and_the_day_posts(fresh, outbox):
    client = fresh.client()
    outbox.enqueue(DAY, _day_with_products_named_by_name(), [])
    wanted = wanted_products(outbox.pending_payloads(DAY), CONFIG)

    first = ensure_products(client, wanted)
    assert first.problems == []
    assert sorted(first.created) == [
        "KOP-003",
        "NOSKU-PEMBULATAN",
        "NOSKU-TUMBLER-NUSANTARA-500ML",
        "TMB-HITAM",
    ]
    codes = {p["name"]: p["product_code"] for p in _products(client)}
    assert codes["Pembulatan"] == "NOSKU-PEMBULATAN"
    assert codes["Tumbler Nusantara 500ml"] == "NOSKU-TUMBLER-NUSANTARA-500ML"
    result = outbox.post_pending(DAY, client)
    assert (result.posted, result.failed) == (2, 0), result.failures

    again = ensure_products(fresh.client(), wanted)  # the next run
    assert (again.created, again.existing, again.problems) == ([], 4, [])
    assert len(_products(client)) == len(codes)


def test_a_product_made_by_hand_without_a_code_is_used_not_duplicated(fresh, outbox):
    sandbox = fresh.sandbox
    with sandbox._lock, sandbox.store.transaction():  # as the accountant made it in Jurnal
        sandbox._new_product(
            name=CONFIG.rounding_product,
            code=None,
            custom_id=None,
            description=None,
            unit_name="Pcs",
            sell_account=sandbox._account_by_name(CONFIG.account("rounding", None)),
            buy_account=None,
            inventory_account=None,
            track_inventory=False,
            sell_price=Decimal(0),
            buy_price=Decimal(0),
        )
    client = fresh.client()
    outbox.enqueue(DAY, _day_with_products_named_by_name(), [])
    made = ensure_products(client, wanted_products(outbox.pending_payloads(DAY), CONFIG))
    assert made.problems == [] and "NOSKU-PEMBULATAN" not in made.created
    assert made.existing == 1
    rounding = [p for p in _products(client) if p["name"] == CONFIG.rounding_product]
    assert [p["product_code"] for p in rounding] == [None]
    result = outbox.post_pending(DAY, client)
    assert (result.posted, result.failed) == (2, 0), result.failures
