"""Contract tests of the Jurnal emulator's reference records over real HTTP: products and
customers (batches), accounts, taxes, terms, tags, payment methods, warehouses, the company."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from journal_pipeline_tests.jurnal_fixtures import (
    JurnalSandboxHandle,
    invoice_body,
    running_jurnal_sandbox,
    signed,
    unique,
)
from journal_sandbox.jurnal_app import (
    ACCOUNT_CREDIT_CARD_CLEARING,
    ACCOUNT_GIFT_CARD_CLEARING,
    ACCOUNT_GIFT_CARD_LIABILITY,
    ACCOUNT_INVENTORY,
    ACCOUNT_OVO_CLEARING,
    ACCOUNT_VAT_OUT,
    WAREHOUSE_BANDUNG,
    WAREHOUSE_BANDUNG_CODE,
)


@pytest.fixture(scope="module")
def jurnal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JurnalSandboxHandle]:
    with running_jurnal_sandbox(
        tmp_path_factory.mktemp("masters"), rate_limit_per_minute=100000
    ) as handle:
        yield handle


def post(jurnal: JurnalSandboxHandle, path: str, body: dict[str, Any]) -> Any:
    return signed("POST", f"{jurnal.url}/{path}", body)


def test_seeded_additions(jurnal: JurnalSandboxHandle) -> None:
    accounts = {a["name"]: a for a in signed("GET", f"{jurnal.url}/accounts").json()["accounts"]}
    for name in (ACCOUNT_OVO_CLEARING, ACCOUNT_CREDIT_CARD_CLEARING, ACCOUNT_GIFT_CARD_CLEARING):
        assert accounts[name]["category"] == "Cash & Bank"
    assert accounts[ACCOUNT_GIFT_CARD_LIABILITY]["category"] == "Other Current Liabilities"
    for name in ("Retur Penjualan", "Pendapatan Lain-lain", "Rekening Bank", "Kas"):
        assert name in accounts
    warehouses = signed("GET", f"{jurnal.url}/warehouses?sort_key=code").json()["warehouses"]
    assert (WAREHOUSE_BANDUNG, WAREHOUSE_BANDUNG_CODE) in [
        (w["name"], w["code"]) for w in warehouses
    ]
    methods = signed("GET", f"{jurnal.url}/payment_methods").json()["payment_methods"]
    assert {"Tunai", "Transfer Bank"} <= {m["name"] for m in methods}
    assert "total_count" not in signed("GET", f"{jurnal.url}/payment_methods").json()


def test_products_batch_and_tracked_products(jurnal: JurnalSandboxHandle) -> None:
    code = unique("SKU")
    items = [
        {
            "product": {
                "name": unique("Es Kopi"),
                "product_code": code,
                "track_inventory": True,
                "inventory_asset_account_name": ACCOUNT_INVENTORY,
                "sell_price_per_unit": 18000,
            }
        },
        {"product": {"name": unique("Roti"), "product_code": code}},
        {
            "product": {
                "name": unique("Teh"),
                "product_code": unique("TEH"),
                "inventory_asset_account_name": "x",
            }
        },
    ]
    answer = post(jurnal, "products/batch_create", {"products": items})
    assert answer.status_code == 200
    results = [r["product"] for r in answer.json()["products"]]
    assert [r["status"] for r in results] == [201, 409, 201]  # a duplicate item is 409
    tracked = results[0]["content"]
    assert tracked["track_inventory"] is True
    assert tracked["inventory_asset_account"]["name"] == ACCOUNT_INVENTORY
    assert tracked["quantity"] == "0.0"
    assert results[1]["content"]["product_code"] == ["has already been taken"]
    not_inventory = post(
        jurnal,
        "products",
        {
            "product": {
                "name": unique("Gula"),
                "product_code": unique("GUL"),
                "track_inventory": True,
                "inventory_asset_account_name": "Kas",
            }
        },
    )
    assert not_inventory.status_code == 422
    assert not_inventory.json()["inventory_asset_account_name"] == [
        "Kas is not a Inventory account"
    ]
    fetched = signed("GET", f"{jurnal.url}/products/{tracked['id']}").json()["product"]
    assert fetched["product_code"] == code


def test_customers_batch_and_get(jurnal: JurnalSandboxHandle) -> None:
    name = unique("Budi")
    answer = post(
        jurnal,
        "customers/batch_create",
        {
            "customers": [
                {"customer": {"display_name": name, "email": "budi@example.com"}},
                {"customer": {"display_name": name}},
            ]
        },
    )
    assert answer.status_code == 200
    results = [r["customer"] for r in answer.json()["customers"]]
    assert [r["status"] for r in results] == [201, 409]  # a duplicate item is 409
    assert results[1]["content"]["display_name"] == ["has already been taken"]
    person = results[0]["content"]
    fetched = signed("GET", f"{jurnal.url}/customers/{person['id']}").json()
    assert fetched == {"customer": person}
    assert person["default_ar_account"]["name"] == "Piutang Usaha"
    missing = signed("GET", f"{jurnal.url}/customers/999999999")
    assert (missing.status_code, missing.json()) == (422, {"errors": "Unprocessable Entity"})
    invoice = post(
        jurnal, "sales_invoices", {"sales_invoice": invoice_body(person_name=name.lower())}
    )
    assert invoice.status_code == 201  # names match case-insensitively


def test_accounts_create_and_get(jurnal: JurnalSandboxHandle) -> None:
    name = unique("Kliring")
    created = post(
        jurnal,
        "accounts",
        {"account": {"name": name, "number": unique("1-1"), "category_name": "Kas & Bank"}},
    )
    assert created.status_code == 201, created.text
    account = created.json()["account"]
    assert account["category"] == {"id": 3, "name": "Cash & Bank"}
    assert account["category_id"] == 3
    fetched = signed("GET", f"{jurnal.url}/accounts/{account['id']}").json()["account"]
    assert fetched["category"] == {"id": 3, "name": "Cash & Bank"}
    assert fetched["balance_amount"] == 0
    assert (fetched["balance"], fetched["balance_string"]) == ("0.0", "Rp.  0,00")
    duplicate = post(
        jurnal,
        "accounts",
        {"account": {"name": name, "number": account["number"], "category_name": "Nope"}},
    )
    assert duplicate.status_code == 422
    assert set(duplicate.json()) >= {"name", "number", "category_name"}


def test_taxes_terms_tags_payment_methods(jurnal: JurnalSandboxHandle) -> None:
    tax_name = unique("PPN")
    tax = post(
        jurnal,
        "taxes",
        {"tax": {"name": tax_name, "rate": 12, "sell_tax_account_name": ACCOUNT_VAT_OUT}},
    )
    assert tax.status_code == 200, tax.text
    company_tax = tax.json()["company_tax"]
    assert company_tax["rate"] == "12.0"
    assert company_tax["sell_tax_account"]["name"] == ACCOUNT_VAT_OUT
    listed = signed("GET", f"{jurnal.url}/taxes?page_size=100").json()["company_taxes"]
    assert tax_name in [t["name"] for t in listed]
    assert (
        signed("GET", f"{jurnal.url}/taxes/{company_tax['id']}").json()["company_tax"]["name"]
        == tax_name
    )
    bad_tax = post(jurnal, "taxes", {"tax": {"name": unique("T"), "rate": 5}})
    assert bad_tax.json()["sell_tax_account_name"] == ["can't be blank"]

    term = post(jurnal, "terms", {"term": {"name": unique("Net"), "longetivity": 45}})
    assert term.status_code == 201
    assert term.json()["term"]["longetivity"] == 45
    term_id = term.json()["term"]["id"]
    assert signed("DELETE", f"{jurnal.url}/terms/{term_id}").status_code == 204
    assert signed("GET", f"{jurnal.url}/terms/{term_id}").status_code == 422

    tag = post(jurnal, "tags", {"tag": {"name": unique("Promo"), "custom_id": "t-1"}})
    assert tag.status_code == 201
    tag_id = tag.json()["tag"]["id"]
    renamed = signed("PATCH", f"{jurnal.url}/tags/{tag_id}", {"tag": {"name": "Promo Akhir"}})
    assert renamed.json()["tag"]["name"] == "Promo Akhir"
    assert post(jurnal, "tags", {"tag": {"name": "promo akhir"}}).status_code == 422
    assert "Promo Akhir" in [t["name"] for t in signed("GET", f"{jurnal.url}/tags").json()["tags"]]

    method = post(jurnal, "payment_methods", {"payment_method": {"name": unique("EDC BRI")}})
    assert method.status_code == 200
    method_id = method.json()["payment_method"]["id"]
    unwrapped = signed("GET", f"{jurnal.url}/payment_methods/{method_id}").json()
    assert unwrapped["id"] == method_id  # documented without a root key
    assert signed("DELETE", f"{jurnal.url}/payment_methods/{method_id}").status_code == 204


def test_warehouses_crud(jurnal: JurnalSandboxHandle) -> None:
    code = unique("W")[:8]
    created = post(jurnal, "warehouses", {"warehouse": {"name": unique("Gudang"), "code": code}})
    assert created.status_code == 200, created.text
    warehouse = created.json()["warehouse"]
    assert warehouse["warehouse_inventory"] == [] and warehouse["deletable"] is True
    duplicate = post(jurnal, "warehouses", {"warehouse": {"name": unique("G"), "code": code}})
    assert duplicate.json()["code"] == ["has already been taken"]
    patched = signed(
        "PATCH",
        f"{jurnal.url}/warehouses/{warehouse['id']}",
        {"warehouse": {"address": "Jl. Dago 1"}},
    )
    assert patched.json()["warehouse"]["address"] == "Jl. Dago 1"
    assert signed("DELETE", f"{jurnal.url}/warehouses/{warehouse['id']}").status_code == 204
    assert signed("GET", f"{jurnal.url}/warehouses/{warehouse['id']}").status_code == 422


def test_legacy_api_key_writes_and_paging_of_new_lists(jurnal: JurnalSandboxHandle) -> None:
    answer = requests.post(
        f"{jurnal.legacy_url}/tags.json",
        json={"tag": {"name": unique("Legacy")}},
        headers={"apikey": jurnal.api_key},
        timeout=10,
    )
    assert answer.status_code == 201
    for _ in range(3):
        post(
            jurnal,
            "journal_entries",
            {
                "journal_entry": {
                    "transaction_account_lines_attributes": [
                        {"account_name": "Kas", "debit": 1},
                        {"account_name": "Rekening Bank", "credit": 1},
                    ]
                }
            },
        )
    page = signed("GET", f"{jurnal.url}/journal_entries?page_size=2").json()
    assert page["current_page"] == 1 and page["total_pages"] >= 2
    assert page["links"]["next_link"].startswith(f"{jurnal.url}/journal_entries?page=2")
    assert len(page["journal_entries"]) == 2


def test_a_product_is_created_only_with_a_code(jurnal: JurnalSandboxHandle) -> None:
    """``product_code`` is required to create a product (swagger: POST products and
    products/batch_create), alone and in a batch; a product made without one (by hand in
    Jurnal) can still be edited without giving one."""
    name = unique("Es Teh")
    alone = post(jurnal, "products", {"product": {"name": name, "unit_name": "Pcs"}})
    assert alone.status_code == 422
    assert alone.json()["product_code"] == ["can't be blank"]
    answer = post(
        jurnal,
        "products/batch_create",
        {
            "products": [
                {"product": {"name": name, "product_code": " "}},
                {"product": {"name": name, "product_code": unique("TEH")}},
            ]
        },
    )
    refused, created = (r["product"] for r in answer.json()["products"])
    assert refused["status"] == 422 and refused["content"]["product_code"] == ["can't be blank"]
    assert refused["body"]["product"]["name"] == name
    assert created["status"] == 201 and created["content"]["name"] == name
    sandbox = jurnal.sandbox
    with sandbox._lock, sandbox.store.transaction():
        by_hand = sandbox._new_product(
            name=unique("Air Mineral"),
            code=None,
            custom_id=None,
            description=None,
            unit_name="Pcs",
            sell_account=None,
            buy_account=None,
            inventory_account=None,
            track_inventory=False,
            sell_price=Decimal(0),
            buy_price=Decimal(0),
        )
    patched = signed(
        "PATCH",
        f"{jurnal.url}/products/{by_hand['id']}",
        {"product": {"name": by_hand["name"], "sell_price_per_unit": 5000}},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["product"]["product_code"] is None


def test_patch_product_and_customer(jurnal: JurnalSandboxHandle) -> None:
    code = unique("SKU")
    product = post(
        jurnal, "products", {"product": {"name": unique("Bakso"), "product_code": code}}
    ).json()["product"]
    nameless = signed(
        "PATCH", f"{jurnal.url}/products/{product['id']}", {"product": {"description": "x"}}
    )
    assert nameless.status_code == 422 and nameless.json()["name"] == ["can't be blank"]
    patched = signed(
        "PATCH",
        f"{jurnal.url}/products/{product['id']}",
        {
            "product": {
                "name": product["name"],
                "sell_price_per_unit": 32000,
                "description": "Bakso urat",
            }
        },
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()["product"]
    assert (body["id"], body["product_code"], body["created_at"]) == (
        product["id"],
        code,
        product["created_at"],
    )
    assert body["sell_price_per_unit"] == "32000.0" and body["description"] == "Bakso urat"
    other = post(
        jurnal, "products", {"product": {"name": unique("Mie"), "product_code": unique("MIE")}}
    ).json()["product"]
    clash = signed(
        "PATCH",
        f"{jurnal.url}/products/{other['id']}",
        {"product": {"name": other["name"], "product_code": code}},
    )
    assert clash.status_code == 422 and clash.json()["product_code"] == ["has already been taken"]

    name = unique("Siti")
    person = post(jurnal, "customers", {"customer": {"display_name": name}}).json()["customer"]
    bare = signed(
        "PATCH", f"{jurnal.url}/customers/{person['id']}", {"customer": {"phone": "0812"}}
    )
    assert bare.status_code == 422
    assert set(bare.json()) >= {"display_name", "default_ar_account", "default_ap_account"}
    accounts = {
        f"default_{side}_account_id": person[f"default_{side}_account"]["id"]
        for side in ("ar", "ap")
    }
    renamed = signed(
        "PATCH",
        f"{jurnal.url}/customers/{person['id']}",
        {
            "customer": {
                "display_name": name,
                "email": "siti@example.com",
                "phone": "0812",
                **accounts,
            }
        },
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["customer"]["email"] == "siti@example.com"
    assert renamed.json()["customer"]["display_name"] == name


LISTS = {
    "accounts": "accounts",
    "customers": "customers",
    "products": "products",
    "warehouses": "warehouses",
    "taxes": "company_taxes",
    "terms": "terms",
    "tags": "tags",
    "sales_invoices": "sales_invoices",
    "receive_payments": "receive_payments",
    "sales_returns": "sales_returns",
    "journal_entries": "journal_entries",
    "bank_deposits": "bank_deposits",
    "bank_transfers": "bank_transfers",
    "bank_withdrawals": "bank_withdrawals",
    "warehouse_transfers": "warehouse_transfers",
    "stock_adjustments": "stock_adjustments",
}


@pytest.mark.parametrize("path", sorted(LISTS))
def test_every_list_has_its_root_and_paging(jurnal: JurnalSandboxHandle, path: str) -> None:
    answer = signed("GET", f"{jurnal.url}/{path}")
    assert answer.status_code == 200
    body = answer.json()
    assert isinstance(body[LISTS[path]], list)
    assert body["total_count"] >= len(body[LISTS[path]])
    if path != "accounts":  # the chart of accounts is not paged
        assert body["current_page"] == 1 and "total_pages" in body


@pytest.mark.parametrize(
    "path",
    [
        "customers",
        "products",
        "warehouses",
        "taxes",
        "terms",
        "tags",
        "payment_methods",
        "accounts",
        "sales_invoices",
        "receive_payments",
        "sales_returns",
        "journal_entries",
        "bank_deposits",
        "bank_transfers",
        "bank_withdrawals",
        "warehouse_transfers",
        "stock_adjustments",
    ],
)
def test_unknown_ids_are_unprocessable(jurnal: JurnalSandboxHandle, path: str) -> None:
    for method in ("GET", "DELETE"):
        answer = signed(method, f"{jurnal.url}/{path}/987654321")
        if answer.status_code == 405:  # no DELETE on this resource
            continue
        assert (answer.status_code, answer.json()) == (422, {"errors": "Unprocessable Entity"})


@pytest.mark.parametrize(
    ("path", "root"),
    [
        ("receive_payments", "receive_payment"),
        ("sales_returns", "sales_return"),
        ("journal_entries", "journal_entry"),
        ("warehouse_transfers", "warehouse_transfer"),
        ("stock_adjustments", "stock_adjustment"),
        ("bank_deposits", "bank_deposit"),
        ("tags", "tag"),
        ("taxes", "tax"),
    ],
)
def test_missing_root_key_is_a_400(jurnal: JurnalSandboxHandle, path: str, root: str) -> None:
    answer = signed("POST", f"{jurnal.url}/{path}", {"something": {}})
    assert answer.status_code == 400
    assert answer.json() == {"error_full_messages": [f"Please provide `{root}` parameter."]}


def test_new_endpoints_need_credentials(jurnal: JurnalSandboxHandle) -> None:
    for path in (
        "receive_payments",
        "trial_balance",
        "profit_and_loss",
        "general_ledger",
        "stock_adjustments",
    ):
        answer = requests.get(f"{jurnal.url}/{path}", timeout=10)
        assert (answer.status_code, answer.json()) == (401, {"message": "Unauthorized"})
