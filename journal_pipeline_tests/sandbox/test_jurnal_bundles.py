"""Bundles in the Jurnal emulator over real HTTP (J-51): a bundle of tracked components; an
invoice line of the bundle moves the components' stock and books their cost of sales, a sales
return of it moves them back. Every number is computed by hand."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from journal_pipeline_tests.jurnal_fixtures import (
    JurnalSandboxHandle,
    invoice_body,
    running_jurnal_sandbox,
    signed,
)
from journal_sandbox.jurnal_app import (
    ACCOUNT_COGS,
    ACCOUNT_INVENTORY,
    WAREHOUSE_JAKARTA,
    WAREHOUSE_JAKARTA_CODE,
)


@pytest.fixture(scope="module")
def handle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JurnalSandboxHandle]:
    with running_jurnal_sandbox(
        tmp_path_factory.mktemp("bundles"), rate_limit_per_minute=100000
    ) as running:
        yield running


def call(handle: JurnalSandboxHandle, method: str, path: str, body: Any = None) -> Any:
    answer = signed(method, f"{handle.url}/{path}", body)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def product(name: str, code: str, **fields: Any) -> dict[str, Any]:
    return {"product": {"name": name, "product_code": code, **fields}}


def tracked(name: str, code: str, cost: int) -> dict[str, Any]:
    return product(
        name,
        code,
        track_inventory=True,
        inventory_asset_account_name=ACCOUNT_INVENTORY,
        buy_price_per_unit=cost,
    )


def stock_in(
    handle: JurnalSandboxHandle, code: str, units: int, price: int, day: str = "10/11/2026"
) -> None:
    body = {
        "stock_adjustment": {
            "date": day,
            "warehouse_code": WAREHOUSE_JAKARTA_CODE,
            "lines_attributes": [
                {
                    "product_code": code,
                    "difference": units,
                    "use_custom_average_price": True,
                    "average_price": price,
                }
            ],
        }
    }
    call(handle, "POST", "stock_adjustments", body)


def stock(handle: JurnalSandboxHandle) -> dict[str, Decimal]:
    report = call(
        handle, "GET", "warehouse_stock_quantity?start_date=01/11/2026&end_date=30/11/2026"
    )["warehouse_stock_quantity"]
    return {
        row["product_code"]: Decimal(
            next(c["quantity"] for c in row["warehouses"] if c["name"] == WAREHOUSE_JAKARTA)
        )
        for row in report["list"]
    }


def balances(handle: JurnalSandboxHandle) -> dict[str, Decimal]:
    accounts = call(handle, "GET", "accounts")["accounts"]
    return {a["name"]: Decimal(str(a["balance_amount"])) for a in accounts}


def average_price(handle: JurnalSandboxHandle, code: str) -> Decimal:
    listed = call(handle, "GET", "products")["products"]
    return Decimal(str(next(p for p in listed if p["product_code"] == code)["average_price"]))


def test_a_bundle_of_tracked_components_sells_and_returns_its_components(
    handle: JurnalSandboxHandle,
) -> None:
    call(handle, "POST", "products", tracked("Kopi Gayo", "B-KOP", 60000))
    call(handle, "POST", "products", tracked("Teh Melati", "B-TEH", 18000))
    stock_in(handle, "B-KOP", 10, 60000)
    stock_in(handle, "B-TEH", 10, 18000)
    bundle = call(
        handle,
        "POST",
        "products",
        product(
            "Hampers",
            "B-HMP",
            sell_price_per_unit=250000,
            track_inventory=True,
            inventory_asset_account_name=ACCOUNT_INVENTORY,
            product_bundles_attributes=[
                {"product_code": "B-KOP", "quantity": 1},
                {"product_name": "Teh Melati", "quantity": 2},
            ],
        ),
    )["product"]
    assert bundle["is_bundle"] is True
    assert [(p["product_name"], p["quantity"]) for p in bundle["product_bundles"]] == [
        ("Kopi Gayo", "1.0"),
        ("Teh Melati", "2.0"),
    ]
    listed = {p["product_code"]: p for p in call(handle, "GET", "products")["products"]}
    assert listed["B-HMP"]["is_bundle"] is True and listed["B-KOP"]["is_bundle"] is False
    before = balances(handle)

    # 2 hampers: 2 × Kopi Gayo @ 60,000 and 4 × Teh Melati @ 18,000 leave Jakarta.
    invoice = call(
        handle,
        "POST",
        "sales_invoices",
        {
            "sales_invoice": invoice_body(
                transaction_date="11/11/2026",
                transaction_lines_attributes=[
                    {"product_code": "B-HMP", "quantity": 2, "rate": 250000}
                ],
            )
        },
    )["sales_invoice"]
    cost = Decimal(2 * 60000 + 4 * 18000)
    assert stock(handle) == {"B-KOP": 8, "B-TEH": 6, "B-HMP": 0}
    after_sale = balances(handle)
    assert after_sale[ACCOUNT_COGS] - before[ACCOUNT_COGS] == cost
    assert before[ACCOUNT_INVENTORY] - after_sale[ACCOUNT_INVENTORY] == cost

    # Kopi Gayo bought dearer after the sale: 8 @ 60,000 + 2 @ 90,000, average 66,000.
    stock_in(handle, "B-KOP", 2, 90000, day="11/11/2026")
    assert average_price(handle, "B-KOP") == 66000
    before_return = balances(handle)

    # One hamper back: its components come back into Jakarta at the cost they left at
    # (60,000 and 2 × 18,000), not at Kopi Gayo's average since.
    call(
        handle,
        "POST",
        "sales_returns",
        {
            "sales_return": {
                "transaction_date": "12/11/2026",
                "invoice_no": invoice["transaction_no"],
                "transaction_return_lines_attributes": [
                    {
                        "transaction_line_id": invoice["transaction_lines_attributes"][0]["id"],
                        "return_quantity": 1,
                    }
                ],
            }
        },
    )
    assert stock(handle) == {"B-KOP": 11, "B-TEH": 8, "B-HMP": 0}
    after_return = balances(handle)
    assert after_return[ACCOUNT_COGS] - before[ACCOUNT_COGS] == cost / 2
    assert after_return[ACCOUNT_INVENTORY] - before_return[ACCOUNT_INVENTORY] == 60000 + 36000
    # 10 @ 66,000 and the returned one at 60,000: 720,000 for 11 units
    assert average_price(handle, "B-KOP") == round(Decimal(720000) / 11, 2)


def test_a_bundle_component_must_track_inventory(handle: JurnalSandboxHandle) -> None:
    call(handle, "POST", "products", product("Jasa Giling", "B-JSA"))
    refused = signed(
        "POST",
        f"{handle.url}/products",
        product(
            "Paket Giling",
            "B-PKT",
            product_bundles_attributes=[{"product_code": "B-JSA", "quantity": 1}],
        ),
    )
    assert refused.status_code == 422
    assert "Jasa Giling does not track inventory" in refused.text


def test_an_untracked_product_is_patched_into_a_tracked_bundle(
    handle: JurnalSandboxHandle,
) -> None:
    call(handle, "POST", "products", tracked("Gula Aren", "B-GUL", 9000))
    old = call(handle, "POST", "products", product("Paket Gula", "B-PGL"))["product"]
    assert old["is_bundle"] is False and old["track_inventory"] is False
    patched = call(
        handle,
        "PATCH",
        f"products/{old['id']}",
        {
            "product": {
                "name": old["name"],
                "track_inventory": True,
                "inventory_asset_account_name": ACCOUNT_INVENTORY,
                "product_bundles_attributes": [{"product_code": "B-GUL", "quantity": 3}],
            }
        },
    )["product"]
    assert patched["track_inventory"] is True and patched["is_bundle"] is True
    assert [p["quantity"] for p in patched["product_bundles"]] == ["3.0"]
    renamed = call(
        handle, "PATCH", f"products/{old['id']}", {"product": {"name": "Paket Gula Aren"}}
    )["product"]
    assert renamed["name"] == "Paket Gula Aren" and renamed["is_bundle"] is True
