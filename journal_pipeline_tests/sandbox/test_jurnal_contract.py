"""Contract of the Jurnal emulator over real HTTP: the documented answer shapes.

For every resource the emulator serves, these tests check the success status code, the root
key, the presence of the documented field names and their JSON types (string decimals versus
numbers, ``DD/MM/YYYY`` business dates, ISO-8601 timestamps, ``*_currency_format`` twins,
``transaction_status`` objects, list paging fields) and the documented error bodies. Where the
published examples disagree with each other, the emulator's choice is the one recorded in
``docs/assumptions/jurnal.md`` and is what is asserted here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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
    ACCOUNT_CASH,
    CUSTOMER_WALK_IN,
    TAX_PPN,
    WAREHOUSE_BALI_CODE,
    WAREHOUSE_JAKARTA_CODE,
)

# --- shape checking ---------------------------------------------------------------------

_DMY = re.compile(r"\d{2}/\d{2}/\d{4}")
_YMD = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
_DEC = re.compile(r"-?\d+(\.\d+)?")
_RP = re.compile(r"\(?Rp\.  \d{1,3}(\.\d{3})*,\d{2}\)?")


def _matches(value: Any, kind: str) -> bool:
    if kind.endswith("?"):
        return value is None or _matches(value, kind[:-1])
    checks = {
        "any": lambda v: True,
        "str": lambda v: isinstance(v, str),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "num": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "dict": lambda v: isinstance(v, dict),
        "list": lambda v: isinstance(v, list),
        "dmy": lambda v: isinstance(v, str) and bool(_DMY.fullmatch(v)),
        "ymd": lambda v: isinstance(v, str) and bool(_YMD.fullmatch(v)),
        "iso": lambda v: isinstance(v, str) and bool(_ISO.fullmatch(v)),
        "dec": lambda v: isinstance(v, str) and bool(_DEC.fullmatch(v)),
        "rp": lambda v: isinstance(v, str) and bool(_RP.fullmatch(v)),
    }
    return checks[kind](value)


def assert_shape(obj: Any, spec: dict[str, str], where: str) -> None:
    """Every field of ``spec`` is present in ``obj`` with a value of its kind."""
    assert isinstance(obj, dict), f"{where}: not an object: {obj!r}"
    missing = sorted(set(spec) - set(obj))
    assert not missing, f"{where}: missing {missing}"
    wrong = {name: obj[name] for name, kind in spec.items() if not _matches(obj[name], kind)}
    assert not wrong, f"{where}: wrong kinds {wrong} (expected {[spec[k] for k in wrong]})"


STATUS = {"id": "int", "name": "str", "name_bahasa": "str"}
ACCOUNT_REF = {"id": "int", "name": "str", "number": "str"}
ACCOUNT_REF_CATEGORY = {**ACCOUNT_REF, "category": "dict"}
WAREHOUSE_REF = {"id": "int?", "name": "str?", "code": "str?"}
PAGING = {"total_count": "int", "current_page": "int", "total_pages": "int"}

INVOICE = {
    "id": "int",
    "transaction_no": "str",
    "token": "str",
    "status": "str",
    "transaction_status": "dict",
    "transaction_date": "dmy",
    "due_date": "dmy",
    "shipping_date": "dmy?",
    "email": "str?",
    "address": "str?",
    "message": "str?",
    "memo": "str?",
    "reference_no": "str?",
    "custom_id": "str?",
    "source": "str",
    "subtotal": "dec",
    "subtotal_currency_format": "rp",
    "discount_per_lines": "dec",
    "discount_per_lines_currency_format": "rp",
    "discount_price": "dec",
    "discount_price_currency_format": "rp",
    "discount_type": "dict",
    "discount_unit": "dec",
    "tax_amount": "dec",
    "tax_amount_currency_format": "rp",
    "tax_details": "list",
    "shipping_price": "dec",
    "shipping_price_currency_format": "rp",
    "is_shipped": "bool",
    "original_amount": "dec",
    "original_amount_currency_format": "rp",
    "amount_receive": "dec",
    "amount_receive_currency_format": "rp",
    "remaining": "dec",
    "remaining_currency_format": "rp",
    "deposit": "dec",
    "deposit_currency_format": "rp",
    "witholding_amount": "num",
    "witholding_amount_currency_format": "rp",
    "witholding_account": "dict",
    "tax_after_discount": "bool",
    "transaction_lines_attributes": "list",
    "payments": "list",
    "sales_returns": "list",
    "sales_deliveries": "list",
    "credit_memos": "list",
    "person": "dict",
    "warehouse": "dict",
    "deposit_to": "dict",
    "term": "dict",
    "tags": "list",
    "tags_string": "str",
    "has_payments": "bool",
    "has_deliveries": "bool",
    "tax": "dict",
    "attachments": "list",
    "email_previews": "dict",
    "is_reconciled": "bool",
    "deletable": "bool",
    "editable": "bool",
    "deleted_at": "any",
    "created_at": "iso",
    "updated_at": "iso",
    "currency_code": "str",
    "currency_rate": "num",
    "company_currency": "dict",
}
INVOICE_LINE = {
    "id": "int",
    "description": "str?",
    "quantity": "num",
    "rate": "dec",
    "rate_currency_format": "rp",
    "amount": "dec",
    "amount_currency_format": "rp",
    "discount": "dec",
    "line_tax": "dict",
    "has_return_line": "bool",
    "unit": "dict?",
    "product": "dict",
}
INVOICE_LINE_PRODUCT = {
    "id": "int",
    "name": "str",
    "code": "str?",
    "product_custom_id": "str?",
    "archive": "bool",
    "quantity": "num",
    "quantity_string": "dec",
    "track_inventory": "bool",
}
PAYMENT = {
    "id": "int",
    "transaction_no": "str",
    "token": "str",
    "status": "str",
    "transaction_date": "dmy",
    "memo": "str?",
    "custom_id": "str?",
    "person": "dict",
    "transaction_type": "dict",
    "transaction_status": "dict",
    "payment_method": "dict",
    "deposit_to": "dict",
    "is_draft": "bool",
    "witholding": "dict",
    "total": "num",
    "total_currency_format": "rp",
    "records": "list",
    "attachments": "list",
    "tags": "list",
    "tags_string": "str",
    "is_reconciled": "bool",
    "deleted_at": "any",
    "created_at": "iso",
    "updated_at": "iso",
    "currency_code": "str",
    "currency_rate": "num",
}
PAYMENT_RECORD = {
    "id": "int",
    "transaction_id": "int",
    "amount": "dec",
    "amount_currency_format": "rp",
    "description": "str",
    "transaction_type_id": "int",
    "transaction_type": "str",
    "transaction_no": "str",
    "transaction_due_date": "dmy",
    "transaction_total": "num",
    "transaction_total_currency_format": "rp",
    "transaction_balance_due": "num",
    "transaction_balance_due_currency_format": "rp",
}
SALES_RETURN = {
    "id": "int",
    "transaction_no": "str",
    "token": "str",
    "status": "str",
    "transaction_status": "dict",
    "transaction_type": "dict",
    "transaction_date": "dmy",
    "due_date": "dmy",
    "shipping_date": "dmy?",
    "shipping_address": "str?",
    "audited_by": "any",
    "invoice_id": "int",
    "invoice_no": "str",
    "invoice_date": "dmy",
    "invoice_tax_after_discount": "bool",
    "invoice_has_discount_lines": "bool",
    "has_discount_in_invoice": "bool",
    "return_amount": "num",
    "return_amount_currency_format": "rp",
    "returned_tax": "num",
    "returned_tax_currency_format": "rp",
    "discount_lines": "num",
    "discount_lines_currency_format": "rp",
    "discount_whole": "num",
    "discount_whole_currency_format": "rp",
    "returned_witholding_amount": "num",
    "returned_witholding_amount_currency_format": "rp",
    "transaction_return_lines_attributes": "list",
    "person": "dict",
    "warehouse": "dict",
    "tags": "list",
    "tags_string": "str",
    "attachments": "list",
    "is_reconciled": "bool",
    "deletable": "bool",
    "editable": "bool",
    "created_at": "iso",
    "updated_at": "iso",
    "currency_code": "str",
    "currency_rate": "num",
}
RETURN_LINE = {
    "id": "int",
    "transaction_line_id": "int",
    "return_quantity": "num",
    "line_return_amount": "num",
    "line_return_amount_currency_format": "rp",
    "transaction_line": "dict",
}
JOURNAL_ENTRY = {
    "id": "int",
    "transaction_no": "str",
    "transaction_date": "dmy",
    "memo": "str",
    "custom_id": "str?",
    "transaction_status": "dict",
    "transaction_account_lines": "list",
    "total_debit": "num",
    "total_credit": "num",
    "total_debit_currency_format": "rp",
    "total_credit_currency_format": "rp",
    "attachments": "list",
    "tags": "list",
    "tags_string": "str",
    "locked": "bool",
    "reconciled": "bool",
    "created_at": "iso",
    "updated_at": "iso",
    "currency_code": "str",
    "currency_rate": "num",
}
ACCOUNT_LINE = {
    "id": "int",
    "description": "str?",
    "debit": "num",
    "credit": "num",
    "debit_currency_format": "rp",
    "credit_currency_format": "rp",
    "account": "dict",
}
CASH_DOCUMENT = {
    "id": "int",
    "transaction_no": "str",
    "token": "str",
    "memo": "str",
    "custom_id": "str?",
    "transaction_date": "dmy",
    "transaction_status": "dict",
    "person": "dict",
    "tax_amount": "dec",
    "tax_details": "list",
    "subtotal": "num",
    "subtotal_currency_format": "rp",
    "original_amount": "num",
    "original_amount_currency_format": "rp",
    "remaining": "dec",
    "witholding_amount": "num",
    "witholding_amount_currency_format": "rp",
    "witholding_account": "dict",
    "transaction_account_lines": "list",
    "attachments": "list",
    "tags": "list",
    "tags_string": "str",
    "locked": "bool",
    "is_reconciled": "bool",
    "deletable": "bool",
    "editable": "bool",
    "deleted_at": "any",
    "created_at": "iso",
    "updated_at": "iso",
    "currency_code": "str",
    "currency_rate": "num",
}
CASH_LINE = {**ACCOUNT_LINE, "line_tax": "dict", "expense": "dict"}
BANK_TRANSFER = {
    "id": "int",
    "transaction_no": "str",
    "transaction_date": "dmy",
    "memo": "str",
    "custom_id": "str?",
    "transfer_amount": "dec",
    "transfer_amount_currency_format": "rp",
    "original_amount": "num",
    "original_amount_currency_format": "rp",
    "transaction_status": "dict",
    "refund_from": "dict",
    "deposit_to": "dict",
    "attachments": "list",
    "tags": "list",
    "tags_string": "str",
    "locked": "bool",
    "is_reconciled": "bool",
}
PRODUCT = {
    "id": "int",
    "name": "str",
    "product_code": "str?",
    "custom_id": "str?",
    "source": "str",
    "description": "str?",
    "init_date": "ymd",
    "init_quantity": "dec",
    "init_price": "dec",
    "init_price_currency_format": "rp",
    "active": "bool",
    "archive": "bool",
    "is_bought": "bool",
    "is_sold": "bool",
    "is_system": "bool",
    "is_import": "bool",
    "is_bundle": "bool",
    "track_inventory": "bool",
    "taxable_buy": "bool",
    "taxable_sell": "bool",
    "quantity": "dec",
    "unit": "dict",
    "image": "dict",
    "company": "dict",
    "company_currency": "dict",
    "buy_price_per_unit": "dec",
    "buy_price_per_unit_currency_format": "rp",
    "sell_price_per_unit": "dec",
    "sell_price_per_unit_currency_format": "rp",
    "average_price": "num",
    "average_price_currency_format": "rp",
    "buy_tax_id": "int?",
    "sell_tax_id": "int?",
    "buy_tax": "dict",
    "sell_tax": "dict",
    "buy_account": "dict",
    "sell_account": "dict",
    "inventory_asset_account": "dict",
    "has_purchase": "bool",
    "has_sales": "bool",
    "has_transaction_before_last_close_the_book": "bool",
    "product_categories": "any",
    "product_categories_string": "str",
    "last_created_inventory": "str",
    "last_created_inventory_format_date": "str",
    "last_updated_inventory": "str",
    "last_updated_inventory_format_date": "str",
    "bundle_info": "bool",
    "product_bundles": "list",
    "bundle_costs": "list",
    "total_bundle_cost": "dec",
    "total_bundle_cost_currency_format": "rp",
    "parent_product_bundles": "list",
    "total_quantity_in_transaction": "dict",
    "deletable": "bool",
    "editable": "bool",
    "deleted_at": "any",
    "created_at": "iso",
    "updated_at": "iso",
}
CUSTOMER = {
    "id": "int",
    "display_name": "str",
    "title": "str?",
    "first_name": "str?",
    "middle_name": "str?",
    "last_name": "str?",
    "associate_company": "str?",
    "email": "str?",
    "phone": "str?",
    "mobile": "str?",
    "fax": "str?",
    "address": "str?",
    "billing_address": "str?",
    "tax_no": "str?",
    "other_detail": "str?",
    "custom_id": "str?",
    "source": "str?",
    "archive": "bool",
    "opening_balance": "dec",
    "opening_balance_currency_format": "rp",
    "balance": "num",
    "balance_currency_format": "rp",
    "disable_max_credit_limit": "bool",
    "max_credit_limit": "any",
    "max_credit_limit_currency_format": "any",
    "default_term": "dict",
    "default_ar_account": "dict",
    "default_ap_account": "dict",
    "has_transactions": "bool",
    "has_close_the_book": "bool",
    "deletable": "bool",
    "editable": "bool",
    "deleted_at": "any",
    "created_at": "iso",
}
WAREHOUSE = {
    "id": "int",
    "name": "str",
    "code": "str?",
    "address": "str?",
    "description": "str?",
    "custom_id": "str?",
    "deletable": "bool",
    "editable": "bool",
    "deleted_at": "any",
    "created_at": "iso",
    "updated_at": "iso",
    "warehouse_inventory": "list",
    "transactions": "list",
}
WAREHOUSE_TRANSFER = {
    "id": "int",
    "transaction_no": "str",
    "transaction_date": "ymd",
    "memo": "str?",
    "from_warehouse": "dict",
    "to_warehouse": "dict",
    "warehouse_transfer_line_attributes": "list",
}
STOCK_ADJUSTMENT = {
    "id": "int",
    "memo": "str?",
    "date": "dmy",
    "adjustment_type": "str",
    "account": "dict",
    "warehouse": "dict",
    "stock_adjustment_lines_attributes": "list",
    "entry": "dict",
    "tag": "list",
    "tags_string": "str",
    "editable": "bool",
    "deletable": "bool",
}
ADJUSTMENT_LINE = {
    "id": "int",
    "product": "dict",
    "recorded_quantity": "num",
    "actual_quantity": "num",
    "difference": "num",
    "average_price": "num",
    "recorded_quantity_company_quantity_format": "str",
    "actual_quantity_company_quantity_format": "str",
    "difference_company_quantity_format": "str",
    "average_price_currency_format": "rp",
}
ACCOUNT_LIST_ITEM = {
    "id": "int",
    "name": "str",
    "number": "str",
    "description": "str?",
    "lock": "bool",
    "system_or_product_link": "bool",
    "is_parent": "bool",
    "indent": "int",
    "currency_code": "str",
    "category": "str",
    "category_id": "int",
    "balance": "rp",
    "balance_amount": "num",
    "parent_id": "any",
    "parent": "list",
    "children": "any",
}
ACCOUNT_SINGLE = {
    "id": "int",
    "name": "str",
    "number": "str",
    "description": "str?",
    "company_id": "int",
    "custom_id": "str?",
    "opening_balance": "any",
    "start_balance": "any",
    "balance": "dec",
    "balance_string": "rp",
    "category": "dict",
    "company": "dict",
    "children": "list",
    "parent": "dict",
    "currency_code": "str",
    "transactions": "list",
    "deleted_at": "any",
}
COMPANY_TAX = {
    "id": "int",
    "name": "str",
    "rate": "dec",
    "custom_id": "str?",
    "use_witholding": "bool",
    "buy_tax_account": "dict",
    "sell_tax_account": "dict",
}


# --- a company with one of every document -----------------------------------------------


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A private emulator (no practical rate limit) holding one of every document."""
    with running_jurnal_sandbox(
        tmp_path_factory.mktemp("jurnal-contract"),
        rate_limit_per_minute=1_000_000,
        rate_limit_per_hour=10_000_000,
    ) as handle:
        base = handle.url
        made: dict[str, Any] = {"handle": handle, "base": base, "answers": {}}

        def post(name: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
            answer = signed("POST", f"{base}/{path}", body)
            made["answers"][name] = answer
            assert answer.status_code < 300, f"{path}: {answer.status_code} {answer.text}"
            return answer.json()

        code = unique("SKU")
        made["product"] = post(
            "product",
            "products",
            {
                "product": {
                    "name": unique("Kopi"),
                    "product_code": code,
                    "custom_id": unique("P"),
                    "sell_price_per_unit": "25000",
                    "buy_price_per_unit": "10000",
                    "track_inventory": "true",
                    "inventory_asset_account_name": "Persediaan Barang",
                    "unit_name": "Cup",
                }
            },
        )["product"]
        product = made["product"]
        made["customer"] = post(
            "customer",
            "customers",
            {"customer": {"display_name": unique("Budi"), "email": "budi@example.com"}},
        )["customer"]
        made["stock_adjustment"] = post(
            "stock_adjustment",
            "stock_adjustments",
            {
                "stock_adjustment": {
                    "date": "01/11/2026",
                    "warehouse_code": WAREHOUSE_JAKARTA_CODE,
                    "transaction_no": unique("SA"),
                    "tags": ["Opname"],
                    "lines_attributes": [
                        {
                            "product_code": code,
                            "difference": 50,
                            "use_custom_average_price": True,
                            "average_price": 10000,
                        }
                    ],
                }
            },
        )["stock_adjustment"]
        made["invoice"] = post(
            "invoice",
            "sales_invoices",
            {
                "sales_invoice": invoice_body(
                    person_name=made["customer"]["display_name"],
                    deposit_to_name=ACCOUNT_CASH,
                    deposit=1000,
                    tags=["Outlet"],
                    transaction_lines_attributes=[
                        {
                            "product_id": product["id"],
                            "quantity": 2,
                            "rate": 25000,
                            "discount": 10,
                            "line_tax_name": TAX_PPN,
                        }
                    ],
                )
            },
        )["sales_invoice"]
        invoice = made["invoice"]
        made["payment"] = post(
            "payment",
            "receive_payments",
            {
                "receive_payment": {
                    "transaction_date": "2026-11-21",
                    "payment_method_name": "Tunai",
                    "deposit_to_name": ACCOUNT_CASH,
                    "records_attributes": [
                        {"transaction_no": invoice["transaction_no"], "amount": 1000}
                    ],
                }
            },
        )["receive_payment"]
        made["sales_return"] = post(
            "sales_return",
            "sales_returns",
            {
                "sales_return": {
                    "transaction_date": "2026-11-22",
                    "invoice_id": invoice["id"],
                    "transaction_return_lines_attributes": [
                        {
                            "transaction_line_id": invoice["transaction_lines_attributes"][0]["id"],
                            "return_quantity": 1,
                        }
                    ],
                }
            },
        )["sales_return"]
        made["journal_entry"] = post(
            "journal_entry",
            "journal_entries",
            {
                "journal_entry": {
                    "transaction_date": "2026-11-20",
                    "transaction_account_lines_attributes": [
                        {"account_name": ACCOUNT_CASH, "debit": 100},
                        {"account_name": "Modal Disetor", "credit": 100},
                    ],
                }
            },
        )["journal_entry"]
        made["bank_deposit"] = post(
            "bank_deposit",
            "bank_deposits",
            {
                "bank_deposit": {
                    "deposit_to_name": ACCOUNT_CASH,
                    "person_name": CUSTOMER_WALK_IN,
                    "transaction_date": "15-11-2026",
                    "transaction_account_lines_attributes": [
                        {
                            "account_name": "Pendapatan Bunga",
                            "credit": 1000,
                            "line_tax_name": TAX_PPN,
                        }
                    ],
                }
            },
        )["bank_deposit"]
        made["bank_withdrawal"] = post(
            "bank_withdrawal",
            "bank_withdrawals",
            {
                "bank_withdrawal": {
                    "refund_from_name": ACCOUNT_CASH,
                    "transaction_date": "2026-11-20",
                    "transaction_account_lines_attributes": [
                        {"account_name": "Beban Sewa", "debit": 500}
                    ],
                }
            },
        )["bank_withdrawal"]
        made["bank_transfer"] = post(
            "bank_transfer",
            "bank_transfers",
            {
                "bank_transfer": {
                    "refund_from_name": ACCOUNT_CASH,
                    "deposit_to_name": "Rekening Bank",
                    "transaction_date": "2026-11-20",
                    "transfer_amount": 300,
                }
            },
        )["bank_transfer"]
        made["warehouse"] = post(
            "warehouse",
            "warehouses",
            {"warehouse": {"name": unique("Gudang"), "code": unique("G")}},
        )["warehouse"]
        made["warehouse_transfer"] = post(
            "warehouse_transfer",
            "warehouse_transfers",
            {
                "warehouse_transfer": {
                    "from_warehouse_code": WAREHOUSE_JAKARTA_CODE,
                    "to_warehouse_id": made["warehouse"]["id"],
                    "transaction_date": "03/11/2026",
                    "warehouse_transfer_lines_attributes": [
                        {"product_name": product["name"], "quantity": 2}
                    ],
                }
            },
        )["warehouse_transfer"]
        made["account"] = post(
            "account",
            "accounts",
            {
                "account": {
                    "name": unique("Kliring"),
                    "number": unique("1-1"),
                    "category_name": "Cash & Bank",
                }
            },
        )["account"]
        made["tax"] = post(
            "tax",
            "taxes",
            {
                "tax": {
                    "name": unique("Pajak"),
                    "rate": 5,
                    "sell_tax_account_name": "PPN Keluaran",
                    "buy_tax_account_name": "PPN Masukan",
                }
            },
        )["company_tax"]
        made["tag"] = post("tag", "tags", {"tag": {"name": unique("tag"), "custom_id": "t1"}})[
            "tag"
        ]
        made["term"] = post("term", "terms", {"term": {"name": unique("Net"), "longetivity": 7}})[
            "term"
        ]
        made["payment_method"] = post(
            "payment_method", "payment_methods", {"payment_method": {"name": unique("QRIS")}}
        )["payment_method"]
        yield made


def get(company: dict[str, Any], path: str) -> requests.Response:
    return signed("GET", f"{company['base']}/{path}")


# --- creation status codes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("invoice", 201),
        ("payment", 201),
        ("sales_return", 201),
        ("journal_entry", 201),
        ("product", 201),
        ("customer", 201),
        ("bank_deposit", 201),
        ("tag", 201),
        ("term", 201),
        ("stock_adjustment", 201),
        ("account", 201),
        ("warehouse", 200),
        ("warehouse_transfer", 200),
        ("bank_transfer", 200),
        ("bank_withdrawal", 200),
        ("tax", 200),
        ("payment_method", 200),
    ],
)
def test_create_status_codes(company: dict[str, Any], name: str, status: int) -> None:
    assert company["answers"][name].status_code == status


# --- sales invoices ---------------------------------------------------------------------


def test_sales_invoice_shape(company: dict[str, Any]) -> None:
    invoice = get(company, f"sales_invoices/{company['invoice']['id']}").json()["sales_invoice"]
    for answer in (company["invoice"], invoice):
        assert_shape(answer, INVOICE, "sales_invoice")
        assert_shape(answer["transaction_status"], STATUS, "transaction_status")
        line = answer["transaction_lines_attributes"][0]
        assert_shape(line, INVOICE_LINE, "invoice line")
        assert_shape(line["product"], INVOICE_LINE_PRODUCT, "invoice line product")
        assert_shape(line["line_tax"], {"id": "int", "name": "str", "rate": "dec"}, "line_tax")
        assert_shape(answer["person"], {"id": "int", "display_name": "str"}, "person")
        assert_shape(answer["warehouse"], WAREHOUSE_REF, "warehouse")
        assert_shape(answer["deposit_to"], ACCOUNT_REF_CATEGORY, "deposit_to")
        assert_shape(answer["term"], {"id": "int", "name": "str", "longetivity": "int"}, "term")
        assert_shape(answer["tags"][0], {"id": "int", "name": "str"}, "tag")
        assert_shape(
            answer["tax_details"][0],
            {"name": "str", "tax_amount": "num", "tax_amount_currency_format": "rp"},
            "tax_details",
        )
        assert_shape(answer["company_currency"], {"code": "str", "symbol": "str"}, "currency")
        assert answer["source"] == "apikey" and answer["status"] == "approved"
    assert_shape(
        invoice["payments"][0],
        {"id": "int", "transaction_no": "str", "transaction_date": "dmy"},
        "p",
    )


def test_sales_invoice_list_patch_delete_and_payments(company: dict[str, Any]) -> None:
    base = company["base"]
    created = signed("POST", f"{base}/sales_invoices", {"sales_invoice": invoice_body()})
    assert created.status_code == 201
    listed = get(company, "sales_invoices?page_size=1")
    assert listed.status_code == 200
    body = listed.json()
    assert_shape(body, {"sales_invoices": "list", **PAGING, "links": "dict"}, "list")
    assert "next_link" in body["links"] and "page=2" in body["links"]["next_link"]
    assert_shape(body["sales_invoices"][0], INVOICE, "listed invoice")

    patched = signed(
        "PATCH",
        f"{base}/sales_invoices/{created.json()['sales_invoice']['id']}",
        {"sales_invoice": {"memo": "diubah"}},
    )
    assert patched.status_code == 200
    assert_shape(patched.json()["sales_invoice"], INVOICE, "patched invoice")
    deleted = signed("DELETE", f"{base}/sales_invoices/{created.json()['sales_invoice']['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")

    payments = get(company, f"sales_invoices/{company['invoice']['id']}/receive_payments")
    assert payments.status_code == 200
    assert_shape(payments.json(), {"receive_payments": "list", **PAGING}, "invoice payments")
    assert_shape(payments.json()["receive_payments"][0], PAYMENT, "invoice payment")


def test_sales_invoice_batch_create(company: dict[str, Any]) -> None:
    base = company["base"]
    all_good = signed(
        "POST",
        f"{base}/sales_invoices/batch_create",
        {"sales_invoices": [{"sales_invoice": invoice_body()}]},
    )
    assert all_good.status_code == 201
    item = all_good.json()["sales_invoices"][0]["sales_invoice"]
    assert item["status"] == 201
    assert_shape(item["content"], INVOICE, "batch content")

    taken = company["invoice"]["custom_id"]
    mixed = signed(
        "POST",
        f"{base}/sales_invoices/batch_create",
        {
            "sales_invoices": [
                {"sales_invoice": invoice_body(custom_id=taken)},
                {"sales_invoice": invoice_body(person_name="Tidak Ada")},
            ]
        },
    )
    assert mixed.status_code == 200
    duplicate, unknown = (i["sales_invoice"] for i in mixed.json()["sales_invoices"])
    assert duplicate["status"] == 409
    assert duplicate["content"]["id"] == company["invoice"]["id"]
    assert duplicate["body"]["sales_invoice"]["custom_id"] == taken
    assert duplicate["body"]["sales_invoice"]["source"] == "apikey"
    assert unknown["status"] == 422
    assert unknown["content"]["person_name"] == ["Tidak Ada not exist"]


# --- receive payments and sales returns --------------------------------------------------


def test_receive_payment_shape(company: dict[str, Any]) -> None:
    fetched = get(company, f"receive_payments/{company['payment']['id']}").json()
    for answer in (company["payment"], fetched["receive_payment"]):
        assert_shape(answer, PAYMENT, "receive_payment")
        assert_shape(answer["records"][0], PAYMENT_RECORD, "record")
        assert answer["transaction_type"] == {"id": 2, "name": "Receive Payment"}
        assert_shape(answer["transaction_status"], STATUS, "transaction_status")
        assert_shape(answer["payment_method"], {"id": "int", "name": "str"}, "payment_method")
        assert_shape(answer["deposit_to"], ACCOUNT_REF_CATEGORY, "deposit_to")
        assert_shape(answer["person"], {"id": "int", "name": "str"}, "person")
    listed = get(company, "receive_payments").json()
    assert_shape(listed, {"receive_payments": "list", **PAGING}, "list")
    patched = signed(
        "PATCH",
        f"{company['base']}/receive_payments/{company['payment']['id']}",
        {"receive_payment": {"memo": "dicatat"}},
    )
    assert patched.status_code == 200
    assert_shape(patched.json()["receive_payment"], PAYMENT, "patched payment")


def test_receive_payment_batch_create(company: dict[str, Any]) -> None:
    invoice = signed(
        "POST", f"{company['base']}/sales_invoices", {"sales_invoice": invoice_body()}
    ).json()["sales_invoice"]
    batch = signed(
        "POST",
        f"{company['base']}/receive_payments/batch_create",
        {
            "receive_payments": [
                {
                    "receive_payment": {
                        "payment_method_name": "Tunai",
                        "deposit_to_name": ACCOUNT_CASH,
                        "records_attributes": [
                            {"transaction_no": invoice["transaction_no"], "amount": 100}
                        ],
                    }
                }
            ]
        },
    )
    assert batch.status_code == 200  # documented 200 even when every item was created
    item = batch.json()["receive_payments"][0]["receive_payment"]
    assert item["status"] == 201
    assert_shape(item["content"], PAYMENT, "batch payment")


def test_sales_return_shape(company: dict[str, Any]) -> None:
    fetched = get(company, f"sales_returns/{company['sales_return']['id']}").json()
    for answer in (company["sales_return"], fetched["sales_return"]):
        assert_shape(answer, SALES_RETURN, "sales_return")
        assert answer["transaction_type"] == {"id": 12, "name": "Sales Return"}
        assert answer["transaction_status"]["id"] == 2
        assert_shape(answer["transaction_return_lines_attributes"][0], RETURN_LINE, "line")
        assert_shape(answer["person"], {"id": "int", "name": "str"}, "person")
        assert_shape(answer["warehouse"], WAREHOUSE_REF, "warehouse")
    assert_shape(get(company, "sales_returns").json(), {"sales_returns": "list", **PAGING}, "l")


# --- journal entries and cash documents --------------------------------------------------


def test_journal_entry_shape_and_batch(company: dict[str, Any]) -> None:
    fetched = get(company, f"journal_entries/{company['journal_entry']['id']}").json()
    for answer in (company["journal_entry"], fetched["journal_entry"]):
        assert_shape(answer, JOURNAL_ENTRY, "journal_entry")
        line = answer["transaction_account_lines"][0]
        assert_shape(line, ACCOUNT_LINE, "line")
        assert_shape(line["account"], ACCOUNT_REF_CATEGORY, "line account")
    lines = [
        {"account_name": "Kas not exist", "debit": 5},
        {"account_name": ACCOUNT_CASH, "credit": 5},
    ]
    batch = signed(
        "POST",
        f"{company['base']}/journal_entries/batch_create",
        {"journal_entries": [{"journal_entry": {"transaction_account_lines_attributes": lines}}]},
    )
    assert batch.status_code == 200
    item = batch.json()["journal_entries"][0]["journal_entry"]
    assert item["status"] == 422
    assert item["content"]["account_name"] == ["Kas not exist not exist"]
    assert item["body"]["journal_entry"]["source"] == "apikey"


@pytest.mark.parametrize("kind", ["bank_deposit", "bank_withdrawal"])
def test_bank_deposit_and_withdrawal_shape(company: dict[str, Any], kind: str) -> None:
    plural = f"{kind}s"
    fetched = get(company, f"{plural}/{company[kind]['id']}").json()[kind]
    for answer in (company[kind], fetched):
        assert_shape(answer, CASH_DOCUMENT, kind)
        assert_shape(answer["transaction_account_lines"][0], CASH_LINE, "line")
        cash = answer["deposit_to" if kind == "bank_deposit" else "refund_from"]
        assert_shape(cash, ACCOUNT_REF_CATEGORY, "cash account")
    assert company["bank_deposit"]["person"]["name"] == CUSTOMER_WALK_IN
    assert company["bank_deposit"]["original_amount"] == 1110  # 1,000 + PPN 11 %
    line_tax = company["bank_deposit"]["transaction_account_lines"][0]["line_tax"]
    assert line_tax["name"] == TAX_PPN and line_tax["rate"] == "11.0"
    assert_shape(get(company, plural).json(), {plural: "list", **PAGING}, "list")
    patched = signed(
        "PATCH", f"{company['base']}/{plural}/{company[kind]['id']}", {kind: {"memo": "baru"}}
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()[kind]["id"], patched.json()[kind]["memo"]) == (
        company[kind]["id"],
        "baru",
    )
    assert patched.json()[kind]["transaction_no"] == company[kind]["transaction_no"]


def test_bank_transfer_shape(company: dict[str, Any]) -> None:
    fetched = get(company, f"bank_transfers/{company['bank_transfer']['id']}").json()
    for answer in (company["bank_transfer"], fetched["bank_transfer"]):
        assert_shape(answer, BANK_TRANSFER, "bank_transfer")
        assert (answer["transfer_amount"], answer["original_amount"]) == ("300.0", 300)
    patched = signed(
        "PATCH",
        f"{company['base']}/bank_transfers/{company['bank_transfer']['id']}",
        {"bank_transfer": {"transfer_amount": 400}},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["bank_transfer"]["original_amount"] == 400


@pytest.mark.parametrize(
    ("plural", "singular", "item"),
    [
        (
            "bank_deposits",
            "bank_deposit",
            {
                "deposit_to_name": ACCOUNT_CASH,
                "transaction_account_lines_attributes": [
                    {"account_name": "Pendapatan Bunga", "credit": 10}
                ],
            },
        ),
        (
            "bank_withdrawals",
            "bank_withdrawal",
            {
                "refund_from_name": ACCOUNT_CASH,
                "transaction_account_lines_attributes": [
                    {"account_name": "Beban Sewa", "debit": 10}
                ],
            },
        ),
        (
            "bank_transfers",
            "bank_transfer",
            {
                "refund_from_name": ACCOUNT_CASH,
                "deposit_to_name": "Rekening Bank",
                "transfer_amount": 1,
            },
        ),
    ],
)
def test_cash_batches_report_duplicates_as_409(
    company: dict[str, Any], plural: str, singular: str, item: dict[str, Any]
) -> None:
    custom_id = unique("BATCH")
    body = {plural: [{singular: {**item, "custom_id": custom_id}}] * 2}
    batch = signed("POST", f"{company['base']}/{plural}/batch_create", body)
    assert batch.status_code == 200
    first, second = (i[singular] for i in batch.json()[plural])
    assert first["status"] == 201 and first["content"]["custom_id"] == custom_id
    assert second["status"] == 409
    assert "custom_id" in second["content"]
    assert second["body"][singular]["custom_id"] == custom_id


# --- catalogue and masters --------------------------------------------------------------


def test_product_shape_list_batch_and_delete(company: dict[str, Any]) -> None:
    base = company["base"]
    fetched = get(company, f"products/{company['product']['id']}").json()["product"]
    for answer in (company["product"], fetched):
        assert_shape(answer, PRODUCT, "product")
        assert_shape(answer["unit"], {"id": "int", "name": "str"}, "unit")
        assert_shape(answer["inventory_asset_account"], ACCOUNT_REF, "inventory account")
        assert set(answer["buy_tax"]) >= {"id", "name", "rate", "is_compound", "is_witholding"}
    assert fetched["has_sales"] is True
    assert fetched["total_quantity_in_transaction"]["total_quantity_in_sales"] == 2
    listed = get(company, "products?page_size=1").json()
    assert_shape(listed, {"products": "list", **PAGING, "links": "dict"}, "list")
    assert_shape(listed["products"][0], PRODUCT, "listed product")
    batch = signed(
        "POST",
        f"{base}/products/batch_create",
        {"products": [{"product": {"name": unique("Teh"), "product_code": unique("T")}}]},
    )
    assert batch.status_code == 200
    item = batch.json()["products"][0]["product"]
    assert item["status"] == 201
    assert_shape(item["content"], PRODUCT, "batch product")
    assert signed("DELETE", f"{base}/products/{item['content']['id']}").status_code == 204
    used = signed("DELETE", f"{base}/products/{company['product']['id']}")
    assert used.status_code == 422 and "error_full_messages" in used.json()


def test_customer_shape_list_batch_and_delete(company: dict[str, Any]) -> None:
    base = company["base"]
    fetched = get(company, f"customers/{company['customer']['id']}").json()["customer"]
    for answer in (company["customer"], fetched):
        assert_shape(answer, CUSTOMER, "customer")
        assert_shape(answer["default_ar_account"], ACCOUNT_REF, "default_ar_account")
        assert_shape(answer["default_ap_account"], ACCOUNT_REF, "default_ap_account")
    assert fetched["has_transactions"] is True and fetched["deletable"] is False
    assert fetched["balance"] > 0
    assert_shape(get(company, "customers").json(), {"customers": "list", **PAGING}, "list")
    batch = signed(
        "POST",
        f"{base}/customers/batch_create",
        {
            "customers": [
                {
                    "customer": {
                        "display_name": unique("Sari"),
                        "default_ar_account_name": "Piutang Usaha",
                        "default_ap_account_name": "Hutang Usaha",
                    }
                }
            ]
        },
    )
    assert batch.status_code == 200
    item = batch.json()["customers"][0]["customer"]
    assert item["status"] == 201
    assert_shape(item["content"], CUSTOMER, "batch customer")
    assert item["content"]["default_ap_account"]["name"] == "Hutang Usaha"
    content = item["content"]
    required = {"display_name": content["display_name"]} | {
        f"default_{side}_account_id": content[f"default_{side}_account"]["id"]
        for side in ("ar", "ap")
    }
    patched = signed(
        "PATCH", f"{base}/customers/{content['id']}", {"customer": {**required, "phone": "0812"}}
    )
    assert patched.status_code == 200 and patched.json()["customer"]["phone"] == "0812"
    assert signed("DELETE", f"{base}/customers/{item['content']['id']}").status_code == 204
    assert signed("DELETE", f"{base}/customers/{company['customer']['id']}").status_code == 422
    wrong = signed(
        "POST",
        f"{base}/customers",
        {"customer": {"display_name": unique("X"), "default_ar_account_name": ACCOUNT_CASH}},
    )
    assert wrong.status_code == 422 and "default_ar_account_name" in wrong.json()


def test_warehouse_shape(company: dict[str, Any]) -> None:
    fetched = get(company, f"warehouses/{company['warehouse']['id']}").json()["warehouse"]
    assert_shape(company["warehouse"], WAREHOUSE, "created warehouse")
    assert_shape(fetched, WAREHOUSE, "warehouse")
    stock = fetched["warehouse_inventory"][0]
    assert_shape(stock, {"id": "int", "name": "str", "code": "str?", "quantity": "str"}, "stock")
    assert stock["quantity"] == "2"
    moved = fetched["transactions"][0]
    assert_shape(
        moved,
        {
            "date": "dmy",
            "transaction_date": "dmy",
            "transaction_no": "str",
            "transaction_type_id": "int",
            "type_and_number": "str",
            "quantity": "str",
            "total_item": "int",
        },
        "warehouse transaction",
    )
    listed = get(company, "warehouses").json()
    assert_shape(listed, {"warehouses": "list", **PAGING}, "list")
    assert_shape(listed["warehouses"][0], WAREHOUSE, "listed warehouse")
    unassigned = get(company, "warehouses/-1").json()["warehouse"]
    assert unassigned["id"] == -1


def test_warehouse_transfer_shape(company: dict[str, Any]) -> None:
    fetched = get(company, f"warehouse_transfers/{company['warehouse_transfer']['id']}").json()
    for answer in (company["warehouse_transfer"], fetched["warehouse_transfer"]):
        assert_shape(answer, WAREHOUSE_TRANSFER, "warehouse_transfer")
        assert answer["transaction_date"] == "2026-11-03"
        line = answer["warehouse_transfer_line_attributes"][0]
        assert_shape(line, {"id": "int", "quantity": "dec", "product": "dict"}, "line")
        assert_shape(answer["from_warehouse"], WAREHOUSE_REF, "from_warehouse")
    listed = get(company, "warehouse_transfers").json()
    assert_shape(listed, {"warehouse_transfers": "list", **PAGING}, "list")


def test_stock_adjustment_shape_lookup_and_patch(company: dict[str, Any]) -> None:
    adjustment = company["stock_adjustment"]
    fetched = get(company, f"stock_adjustments/{adjustment['id']}").json()["stock_adjustment"]
    for answer in (adjustment, fetched):
        assert_shape(answer, STOCK_ADJUSTMENT, "stock_adjustment")
        assert_shape(answer["stock_adjustment_lines_attributes"][0], ADJUSTMENT_LINE, "line")
        assert_shape(answer["account"], ACCOUNT_REF_CATEGORY, "account")
        assert answer["entry"]["transaction_number"].startswith("Stock In/Out#")
    number = adjustment["transaction_no"]
    found = get(
        company, f"stock_adjustments/{number}?search_by=transaction_no&transaction_type=movement"
    )
    assert found.status_code == 200 and found.json()["stock_adjustment"]["id"] == adjustment["id"]
    half = get(company, f"stock_adjustments/{number}?search_by=transaction_no")
    assert half.status_code == 400 and "error_full_messages" in half.json()
    patched = signed(
        "PATCH",
        f"{company['base']}/stock_adjustments/{adjustment['id']}",
        {"stock_adjustment": {"memo": "dihitung ulang"}},
    )
    assert patched.status_code == 201  # the documented status of this PATCH
    assert_shape(patched.json()["stock_adjustment"], STOCK_ADJUSTMENT, "patched")


def test_accounts_shapes(company: dict[str, Any]) -> None:
    listed = get(company, "accounts").json()
    assert_shape(listed, {"accounts": "list", "total_count": "int"}, "accounts")
    for account in listed["accounts"]:
        assert_shape(account, ACCOUNT_LIST_ITEM, f"account {account['name']}")
    cash = next(a for a in listed["accounts"] if a["name"] == ACCOUNT_CASH)
    single = get(company, f"accounts/{cash['id']}").json()["account"]
    assert_shape(single, ACCOUNT_SINGLE, "account")
    assert single["category"] == {"id": 3, "name": "Cash & Bank"}
    assert single["balance_string"] == cash["balance"]
    row = single["transactions"][0]
    assert_shape(
        row,
        {"date": "dmy", "person": "dict", "transaction": "dict", "debit": "str", "credit": "str"},
        "account transaction",
    )
    assert_shape(company["account"], ACCOUNT_SINGLE, "created account")
    statements = get(
        company, f"accounts/{cash['id']}/bank_statements?start_date=2026-11-01&end_date=2026-11-30"
    )
    assert statements.status_code == 200
    assert_shape(statements.json(), {"header": "dict", "bank_statements": "list"}, "statements")


def test_taxes_terms_tags_payment_methods_shapes(company: dict[str, Any]) -> None:
    assert_shape(company["tax"], {**COMPANY_TAX, "created_at": "iso"}, "company_tax")
    fetched = get(company, f"taxes/{company['tax']['id']}").json()
    assert_shape(fetched["company_tax"], COMPANY_TAX, "company_tax")
    listed = get(company, "taxes").json()
    assert_shape(listed, {"company_taxes": "list", **PAGING}, "company_taxes")

    term = {"id": "int", "name": "str", "longetivity": "int"}
    assert_shape(company["term"], {**term, "is_used?": "bool", "is_default?": "bool"}, "term")
    assert_shape(get(company, f"terms/{company['term']['id']}").json()["term"], term, "term")
    assert isinstance(get(company, "terms").json()["terms"], list)

    assert_shape(company["tag"], {"id": "int", "name": "str", "custom_id": "str"}, "tag")
    assert get(company, f"tags/{company['tag']['id']}").json()["tag"]["id"] == company["tag"]["id"]
    assert isinstance(get(company, "tags").json()["tags"], list)

    method = {"id": "int", "name": "str", "custom_id": "str?", "created_at": "iso"}
    assert_shape(company["payment_method"], method, "payment_method")
    unwrapped = get(company, f"payment_methods/{company['payment_method']['id']}").json()
    assert_shape(unwrapped, method, "payment_method (unwrapped, as documented)")
    listed = get(company, "payment_methods").json()
    assert set(listed) == {"payment_methods"}  # not paged


def test_company_and_reports_shapes(company: dict[str, Any]) -> None:
    active = get(company, "companies/active").json()
    assert_shape(
        active,
        {
            "company": "dict",
            "feature": "dict",
            "company_package": "str",
            "current_user": "dict",
            "preferred_invoice_term": "dict",
            "preferred_purchase_term": "dict",
            "sale_shipping_account": "dict",
            "default_accounts": "dict",
        },
        "companies/active",
    )
    assert_shape(
        active["company"],
        {
            "id": "int",
            "name": "str",
            "company_tax_number": "str",
            "address": "str",
            "company_billing_details": "dict",
        },
        "company",
    )
    for key in ("default_account_receiveable", "default_sale_tax_account"):
        assert_shape(active["default_accounts"][key], ACCOUNT_REF, key)

    period = "start_date=01/11/2026&end_date=30/11/2026"
    trial = get(company, f"trial_balance?{period}").json()["trial_balance"]
    assert_shape(
        trial,
        {
            "header": "dict",
            "asset_accounts": "list",
            "liability_accounts": "list",
            "equity_accounts": "list",
            "income_accounts": "list",
            "expense_accounts": "list",
            "total": "dict",
        },
        "trial_balance",
    )
    row = trial["asset_accounts"][0]["account"]
    assert_shape(
        row,
        {
            "id": "int",
            "name": "str",
            "number": "str",
            "opening_balance": "dict",
            "movement": "dict",
            "end_balance": "dict",
        },
        "trial balance row",
    )
    pnl = get(company, f"profit_and_loss?{period}").json()["profit_and_loss"]
    sections = (
        "primary_income",
        "cost_of_good_sold",
        "expense",
        "other_income",
        "other_expense",
        "other_comprehensive_income_loss",
    )
    assert_shape(pnl, {"header": "dict", **dict.fromkeys(sections, "dict")}, "profit_and_loss")
    assert_shape(
        pnl["header"],
        {
            "report_date": "str",
            "currency_format": "str",
            "net_operating_income": "list",
            "net_income": "list",
            "total_comprehensive_income": "list",
        },
        "profit_and_loss header",
    )
    period_cell = {"period": "str", "percentage": "num", "show_percentage_in_period": "bool"}
    assert_shape(pnl["header"]["net_income"][0], {**period_cell, "income": "str"}, "net income")
    for section in sections:
        assert_shape(pnl[section], {"accounts": "dict", "total": "list"}, section)
        assert isinstance(pnl[section]["accounts"]["array"], list)
        assert_shape(pnl[section]["total"][0], {**period_cell, "total": "str"}, section)
    assert_shape(pnl["cost_of_good_sold"]["gross_profit"][0], {**period_cell, "total": "str"}, "gp")
    income_row = pnl["primary_income"]["accounts"]["array"][0]
    income_row_spec = {
        "id": "int",
        "name": "str",
        "number": "str",
        "indent": "int",
        "category": "dict",
        "data": "list",
    }
    assert_shape(income_row, income_row_spec, "profit_and_loss row")
    assert_shape(income_row["data"][0], {**period_cell, "balance": "str"}, "row cell")
    sheet = get(company, "balance_sheet?end_date=31/12/2026").json()["balance_sheet"]
    parts = (
        "current_assets",
        "fixed_assets",
        "other_assets",
        "depreciations",
        "current_liabilities",
        "long_liabilities",
        "equity",
    )
    assert_shape(sheet, {"header": "dict", **dict.fromkeys(parts, "dict")}, "balance_sheet")
    sheet_header = {"report_date": "str", "currency_format": "str"}
    assert_shape(
        sheet["header"],
        {**sheet_header, "total_assets": "list", "total_liability_and_equity": "list"},
        "balance_sheet header",
    )
    for key in ("total_assets", "total_liability_and_equity"):
        assert_shape(sheet["header"][key][0], {**period_cell, "income": "str"}, key)
    for part in parts:
        assert_shape(sheet[part], {"accounts": "dict", "total": "list"}, part)
        assert_shape(sheet[part]["total"][0], {**period_cell, "total": "str"}, part)
    stock = get(company, f"inventory_summary?{period}").json()["inventory_summary"]
    assert_shape(stock, {"header": "dict", "list": "list", "grand_total": "dict"}, "inventory")
    assert_shape(stock["header"], {"report_date": "str", "currency": "str"}, "inventory header")
    assert_shape(stock["grand_total"], {"total_value": "str"}, "inventory grand total")
    assert stock["list"], "the contract company holds tracked stock"
    for row in stock["list"]:
        assert_shape(
            row,
            dict.fromkeys(
                (
                    "product_code_url",
                    "product_name",
                    "product_name_url",
                    "quantity",
                    "buffer_quantity",
                    "average_cost",
                    "value",
                ),
                "str",
            ),
            "inventory row",
        )
    earnings = sheet["equity"]["accounts"]["array"][-2]  # the example's computed rows close it
    assert (earnings["id"], earnings["name"]) == (-2, "Current Period Earnings")
    assert_shape(sheet["current_assets"]["accounts"]["array"][0], income_row_spec, "asset row")
    ledger = get(company, f"general_ledger?{period}").json()["general_ledger"]["report"]
    account = ledger["accounts"][0]
    assert_shape(
        account,
        {
            "subheader": "str",
            "beginning_balance": "dict",
            "content": "list",
            "ending_balance": "dict",
        },
        "general ledger account",
    )
    assert_shape(
        account["content"][0]["transaction"],
        {
            "date": "dmy",
            "transaction_type": "str",
            "number": "str",
            "debit": "str",
            "credit": "str",
            "balance": "str",
            "debit_raw": "num",
            "credit_raw": "num",
        },
        "general ledger row",
    )
    stock = get(company, f"warehouse_stock_quantity?{period}").json()["warehouse_stock_quantity"]
    assert_shape(stock["header"], {"report_date": "str", "currency": "str"}, "header")
    product = next(
        p for p in stock["list"] if p["product_code"] == company["product"]["product_code"]
    )
    assert_shape(
        product,
        {
            "product_code": "str",
            "product_name": "str",
            "warehouses": "list",
            "total_quantity": "str",
            "product_unit": "str?",
        },
        "warehouse_stock_quantity",
    )


# --- errors -----------------------------------------------------------------------------


def test_documented_error_bodies(company: dict[str, Any]) -> None:
    handle: JurnalSandboxHandle = company["handle"]
    base = company["base"]
    unauthenticated = requests.get(f"{base}/sales_invoices", timeout=10)
    assert (unauthenticated.status_code, unauthenticated.json()) == (
        401,
        {"message": "Unauthorized"},
    )
    wrong_key = requests.get(f"{base}/sales_invoices", headers={"apikey": "nope"}, timeout=10)
    assert (wrong_key.status_code, wrong_key.json()) == (
        403,
        {"message": "Invalid authentication credentials"},
    )
    legacy = requests.get(
        f"{handle.legacy_url}/sales_invoices.json", headers={"apikey": handle.api_key}, timeout=10
    )
    assert legacy.status_code == 200 and "sales_invoices" in legacy.json()
    stale = signed("GET", f"{base}/sales_invoices", date_offset=-301)
    assert (stale.status_code, stale.json()) == (
        401,
        {
            "message": "HMAC signature cannot be verified, the date header is more than "
            "300 seconds off the server clock"
        },
    )

    missing = get(company, "sales_invoices/987654321")
    assert (missing.status_code, missing.json()) == (422, {"errors": "Unprocessable Entity"})

    duplicate = signed(
        "POST",
        f"{base}/sales_invoices",
        {"sales_invoice": invoice_body(custom_id=company["invoice"]["custom_id"])},
    )
    assert duplicate.status_code == 422
    body = duplicate.json()
    assert body["custom_id"] == "(Custom id attribute had already been used.)"
    assert body["id"] == company["invoice"]["id"]
    assert body["error_full_messages"] == ["Custom (Custom id attribute had already been used.)"]

    unknown = signed(
        "POST", f"{base}/sales_invoices", {"sales_invoice": invoice_body(person_name="Siapa")}
    )
    assert unknown.status_code == 422
    assert unknown.json()["person_name"] == ["Siapa not exist"]
    assert isinstance(unknown.json()["error_full_messages"], list)


def test_rate_limit_answer(tmp_path_factory: pytest.TempPathFactory) -> None:
    with running_jurnal_sandbox(
        tmp_path_factory.mktemp("jurnal-rate"), rate_limit_per_minute=2, time_scale=1.0
    ) as handle:
        answers = [signed("GET", f"{handle.url}/tags", retry_rate_limit=False) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    refused = answers[-1]
    assert refused.json() == {"message": "API rate limit exceeded"}
    assert refused.headers["x-ratelimit-limit-minute"] == "2"
    assert refused.headers["x-ratelimit-remaining-minute"] == "0"
    assert {"x-ratelimit-limit-hour", "x-ratelimit-remaining-hour"} <= set(
        k.lower() for k in refused.headers
    )
    assert answers[0].headers["x-ratelimit-remaining-minute"] == "1"


def test_request_reference_alternatives(company: dict[str, Any]) -> None:
    """Every documented way of naming a related record is accepted."""
    base = company["base"]
    product = company["product"]
    tax_id = company["invoice"]["transaction_lines_attributes"][0]["line_tax"]["id"]
    references = [
        {"product_id": product["id"]},
        {"product_custom_id": product["custom_id"]},
        {"product_name": product["name"]},
        {"product_code": product["product_code"]},
    ]
    for reference in references:
        line = {**reference, "quantity": 1, "rate": 1000, "line_tax_id": tax_id}
        answer = signed(
            "POST",
            f"{base}/sales_invoices",
            {
                "sales_invoice": invoice_body(
                    warehouse_code=None,
                    warehouse_name=None,
                    warehouse_id=None,
                    transaction_lines_attributes=[line],
                )
            },
        )
        assert answer.status_code == 201, (reference, answer.text)
        assert (
            answer.json()["sales_invoice"]["transaction_lines_attributes"][0]["product"]["id"]
            == product["id"]
        )
    for warehouse in ({"warehouse_name": None}, {"warehouse_code": WAREHOUSE_BALI_CODE}):
        answer = signed(
            "POST", f"{base}/sales_invoices", {"sales_invoice": invoice_body(**warehouse)}
        )
        assert answer.status_code == 201, answer.text
    mismatch = signed(
        "POST",
        f"{base}/sales_invoices",
        {
            "sales_invoice": invoice_body(
                transaction_lines_attributes=[
                    {"product_name": product["name"], "product_code": "BUKAN", "rate": 1}
                ]
            )
        },
    )
    assert mismatch.status_code == 422
    returned = signed(
        "POST",
        f"{base}/sales_returns",
        {
            "sales_return": {
                "invoice_no": company["invoice"]["transaction_no"],
                "warehouse_code": WAREHOUSE_JAKARTA_CODE,
                "transaction_return_lines_attributes": [
                    {"product_name": product["name"], "return_quantity": 0}
                ],
            }
        },
    )
    assert returned.status_code == 201, returned.text


def test_patch_and_delete_of_taxes_and_accounts(company: dict[str, Any]) -> None:
    base = company["base"]
    tax = signed(
        "PATCH", f"{base}/taxes/{company['tax']['id']}", {"tax": {"rate": 7, "custom_id": "T7"}}
    )
    assert tax.status_code == 200, tax.text
    assert_shape(tax.json()["company_tax"], COMPANY_TAX, "patched tax")
    assert (tax.json()["company_tax"]["rate"], tax.json()["company_tax"]["custom_id"]) == (
        "7.0",
        "T7",
    )

    account = company["account"]
    renamed = signed(
        "PATCH",
        f"{base}/accounts/{account['id']}",
        {"account": {"name": unique("Kliring Baru"), "description": "EDC"}},
    )
    assert renamed.status_code == 200, renamed.text
    assert_shape(renamed.json()["account"], ACCOUNT_SINGLE, "patched account")
    assert renamed.json()["account"]["description"] == "EDC"
    cash = next(a for a in get(company, "accounts").json()["accounts"] if a["name"] == ACCOUNT_CASH)
    locked = signed("PATCH", f"{base}/accounts/{cash['id']}", {"account": {"name": "Kas Baru"}})
    assert locked.status_code == 422 and "error_full_messages" in locked.json()
    assert signed("DELETE", f"{base}/accounts/{cash['id']}").status_code == 422
    assert signed("DELETE", f"{base}/accounts/{account['id']}").status_code == 204
    assert get(company, f"accounts/{account['id']}").status_code == 422


@pytest.mark.parametrize(
    ("path", "keys"),
    [
        (
            "sales_invoices",
            [
                "transaction_date",
                "get_number",
                "people_display_name",
                "transaction_status_name",
                "remaining",
                "original_amount",
                "tags_name",
                "total_expense_amount",
                "transaction_lines_account_category",
                "person_id",
                "created_at",
            ],
        ),
        (
            "products",
            [
                "product_code",
                "name",
                "quantity_inventory",
                "last_avg_price",
                "last_buy_price",
                "buy_price_per_unit",
                "sell_price_per_unit",
                "product_categories_name",
            ],
        ),
        ("customers", ["display_name", "billing_address", "email", "phone", "balance_customer"]),
        ("stock_adjustments", ["date", "type", "account_id", "warehouse_id", "tags_name"]),
        ("warehouses", ["name", "code"]),
    ],
)
def test_documented_sort_keys_are_accepted(
    company: dict[str, Any], path: str, keys: list[str]
) -> None:
    for key in keys:
        for order in ("asc", "desc"):
            answer = get(company, f"{path}?sort_key={key}&sort_order={order}")
            assert answer.status_code == 200, (key, answer.text)
    assert get(company, f"{path}?sort_key=no_such_key").status_code == 422


@pytest.mark.parametrize(
    ("path", "root"), [("products", "products"), ("stock_adjustments", "stock_adjustments")]
)
def test_created_and_updated_date_filters(company: dict[str, Any], path: str, root: str) -> None:
    everything = get(company, f"{path}?page_size=100").json()["total_count"]
    assert everything > 0
    wide = get(company, f"{path}?created_start_date=01/01/2000&updated_end_date=31-12-2999")
    assert wide.status_code == 200 and wide.json()["total_count"] == everything
    future = get(company, f"{path}?created_start_date=01/01/2999").json()
    assert (future[root], future["total_count"]) == ([], 0)
    past = get(company, f"{path}?updated_end_date=31/12/1999").json()
    assert past["total_count"] == 0
    wrong = get(company, f"{path}?created_start_date=2026-11-01")
    assert wrong.status_code == 422 and "created_start_date" in wrong.json()
