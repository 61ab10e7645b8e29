"""Products: matched and created by SKU, else by name; a missing value is never a name or code."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from journal_pipeline.config import load_config
from journal_pipeline.sync.master_data import ensure_products, wanted_products
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)


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
        ("Teh Melati", None, "Penjualan"),
        ("Es Jeruk", None, "Penjualan"),
        ("Service Charge", None, "Pendapatan Service Charge"),
    ]
    assert all("product_code" not in p for p in wanted[1:])


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
    assert result.created == ["Es Jeruk", "MKN-010", "nan"]
    assert result.problems == []
    ((resource, root, sent),) = jurnal.batches
    assert (resource, root) == ("products", "product")
    assert sent == [
        {"name": "Es Jeruk"},
        {"name": "Nasi Goreng", "product_code": "MKN-010"},
        {"name": "nan"},
    ]


def test_a_product_without_name_or_code_is_a_problem_not_a_request():
    jurnal = FakeJurnal([])
    result = ensure_products(jurnal, [{"name": None, "product_code": math.nan}])
    assert result.created == [] and len(result.problems) == 1
    assert jurnal.batches == [("products", "product", [])]
