"""Contract tests of the Jurnal emulator's documents over real HTTP: receive payments, sales
returns, journal entries, bank documents, invoice updates and deletes, stock documents."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from journal_pipeline_tests.jurnal_fixtures import (
    JurnalSandboxHandle,
    invoice_body,
    running_jurnal_sandbox,
    signed,
    unique,
)
from journal_sandbox.jurnal_app import (
    ACCOUNT_BANK,
    ACCOUNT_CASH,
    ACCOUNT_GOPAY_CLEARING,
    ACCOUNT_INVENTORY,
    ACCOUNT_OVO_CLEARING,
    ACCOUNT_SALES,
    CUSTOMER_WALK_IN,
    PRODUCT_SERVICE_CHARGE,
    TAX_PPN,
    WAREHOUSE_BANDUNG,
    WAREHOUSE_BANDUNG_CODE,
    WAREHOUSE_JAKARTA,
    JurnalSandbox,
)


@pytest.fixture(scope="module")
def jurnal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JurnalSandboxHandle]:
    with running_jurnal_sandbox(
        tmp_path_factory.mktemp("documents"), rate_limit_per_minute=100000
    ) as handle:
        yield handle


def post(jurnal: JurnalSandboxHandle, path: str, body: dict[str, Any]) -> Any:
    return signed("POST", f"{jurnal.url}/{path}", body)


def new_invoice(jurnal: JurnalSandboxHandle, **overrides: Any) -> dict[str, Any]:
    answer = post(jurnal, "sales_invoices", {"sales_invoice": invoice_body(**overrides)})
    assert answer.status_code == 201, answer.text
    return answer.json()["sales_invoice"]


def payment_body(invoice: dict[str, Any], amount: Any, **overrides: Any) -> dict[str, Any]:
    body = {
        "transaction_date": "2026-11-21",
        "deposit_to_name": ACCOUNT_GOPAY_CLEARING,
        "payment_method_name": "GoPay",
        "records_attributes": [{"transaction_no": invoice["transaction_no"], "amount": amount}],
    }
    body.update(overrides)
    return {"receive_payment": body}


# --- receive payments -------------------------------------------------------------------


def test_receive_payment_shape_and_invoice_update(jurnal: JurnalSandboxHandle) -> None:
    invoice = new_invoice(jurnal)  # 10,000 of service charge, open
    method = unique("Dompet")
    answer = post(
        jurnal, "receive_payments", payment_body(invoice, 4000, payment_method_name=method)
    )
    assert answer.status_code == 201, answer.text
    payment = answer.json()["receive_payment"]
    assert payment["transaction_type"] == {"id": 2, "name": "Receive Payment"}
    assert payment["transaction_date"] == "21/11/2026"
    assert payment["total"] == 4000 and payment["total_currency_format"] == "Rp.  4.000,00"
    assert payment["person"]["name"] == CUSTOMER_WALK_IN
    assert payment["deposit_to"]["name"] == ACCOUNT_GOPAY_CLEARING
    assert payment["deposit_to"]["category"] == {"id": 3, "name": "Cash & Bank"}
    assert payment["payment_method"]["name"] == method
    (record,) = payment["records"]
    assert record["transaction_id"] == invoice["id"] and record["amount"] == "4000.0"
    assert record["transaction_balance_due"] == 6000
    assert int(payment["transaction_no"]) >= 10001

    methods = signed("GET", f"{jurnal.url}/payment_methods?key={method}").json()
    assert [m["name"] for m in methods["payment_methods"]] == [method]  # created by name

    updated = signed("GET", f"{jurnal.url}/sales_invoices/{invoice['id']}").json()["sales_invoice"]
    assert updated["remaining"] == "6000.0"
    assert updated["payment_received_amount"] == "4000.0"
    assert updated["transaction_status"]["name"] == "Partial"
    assert [p["id"] for p in updated["payments"]] == [payment["id"]]
    listed = signed("GET", f"{jurnal.url}/sales_invoices/{invoice['id']}/receive_payments").json()
    assert [p["id"] for p in listed["receive_payments"]] == [payment["id"]]
    fetched = signed("GET", f"{jurnal.url}/receive_payments/{payment['id']}").json()
    assert fetched == {"receive_payment": payment}

    rest = post(jurnal, "receive_payments", payment_body(invoice, "6000"))
    assert rest.status_code == 201
    paid = signed("GET", f"{jurnal.url}/sales_invoices/{invoice['id']}").json()["sales_invoice"]
    assert paid["remaining"] == "0.0" and paid["transaction_status"]["name"] == "Paid"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"deposit_to_name": "Kas Hilang"}, {"deposit_to_name": ["Kas Hilang not exist"]}),
        (
            {"deposit_to_name": ACCOUNT_SALES},
            {"deposit_to_name": [f"{ACCOUNT_SALES} is not a Cash & Bank account"]},
        ),
        ({"payment_method_name": None}, {"payment_method": ["can't be blank"]}),
        ({"payment_method_id": 999999999}, {"payment_method_id": ["999999999 not exist"]}),
        (
            {"records_attributes": [{"transaction_no": "NOPE-1", "amount": 1}]},
            {"records_attributes.transaction_no": ["NOPE-1 not exist"]},
        ),
        ({"records_attributes": []}, {"records_attributes": ["can't be blank"]}),
    ],
    ids=["deposit-to", "deposit-to-category", "no-method", "method-id", "invoice", "no-records"],
)
def test_receive_payment_refusals(
    jurnal: JurnalSandboxHandle, overrides: dict[str, Any], expected: dict[str, list[str]]
) -> None:
    invoice = new_invoice(jurnal)
    answer = post(jurnal, "receive_payments", payment_body(invoice, 1000, **overrides))
    assert answer.status_code == 422
    body = answer.json()
    assert {k: v for k, v in body.items() if k != "error_full_messages"} == expected


def test_payment_above_the_remaining_balance_is_refused(jurnal: JurnalSandboxHandle) -> None:
    invoice = new_invoice(jurnal)
    answer = post(jurnal, "receive_payments", payment_body(invoice, 10001))
    assert answer.status_code == 422
    assert answer.json()["amount_receive"] == (
        "(Value received cannot be greater than remaining balance.)"
    )
    custom_id = unique("PAY")
    ok = post(jurnal, "receive_payments", payment_body(invoice, 100, custom_id=custom_id))
    assert ok.status_code == 201
    duplicate = post(jurnal, "receive_payments", payment_body(invoice, 100, custom_id=custom_id))
    assert duplicate.status_code == 422
    assert duplicate.json()["id"] == ok.json()["receive_payment"]["id"]


def test_receive_payment_batch(jurnal: JurnalSandboxHandle) -> None:
    first, second = new_invoice(jurnal), new_invoice(jurnal)
    answer = post(
        jurnal,
        "receive_payments/batch_create",
        {
            "receive_payments": [
                payment_body(first, 10000),
                payment_body(second, 99999),
            ]
        },
    )
    assert answer.status_code == 200  # one item refused
    items = [i["receive_payment"] for i in answer.json()["receive_payments"]]
    assert [i["status"] for i in items] == [201, 422]
    assert items[1]["content"]["amount_receive"] == [
        "(Value received cannot be greater than remaining balance.)"
    ]


def test_deleting_a_deposit_payment_reopens_the_invoice(jurnal: JurnalSandboxHandle) -> None:
    invoice = new_invoice(jurnal, deposit_to_name=ACCOUNT_OVO_CLEARING, deposit=10000)
    assert invoice["transaction_status"]["name"] == "Paid"
    assert invoice["deposit"] == "10000.0" and invoice["amount_receive"] == "10000.0"
    assert invoice["deletable"] is False and invoice["editable"] is True
    (payment,) = invoice["payments"]
    assert signed("DELETE", f"{jurnal.url}/receive_payments/{payment['id']}").status_code == 204
    reopened = signed("GET", f"{jurnal.url}/sales_invoices/{invoice['id']}").json()["sales_invoice"]
    assert reopened["remaining"] == "10000.0" and reopened["deposit"] == "0.0"
    assert reopened["transaction_status"]["name"] == "Open" and reopened["deletable"] is True
    assert signed("DELETE", f"{jurnal.url}/sales_invoices/{invoice['id']}").status_code == 204
    assert signed("GET", f"{jurnal.url}/sales_invoices/{invoice['id']}").status_code == 422


# --- invoice updates --------------------------------------------------------------------


def test_patch_invoice_rewrites_lines_and_postings(jurnal: JurnalSandboxHandle) -> None:
    invoice = new_invoice(jurnal, deposit_to_name=ACCOUNT_CASH, deposit=10000)
    line_id = invoice["transaction_lines_attributes"][0]["id"]
    answer = signed(
        "PATCH",
        f"{jurnal.url}/sales_invoices/{invoice['id']}",
        {
            "sales_invoice": {
                "memo": "corrected",
                "deposit": 22200,
                "transaction_lines_attributes": [
                    {
                        "id": line_id,
                        "product_name": PRODUCT_SERVICE_CHARGE,
                        "quantity": 2,
                        "rate": 10000,
                        "line_tax_name": TAX_PPN,
                    }
                ],
            }
        },
    )
    assert answer.status_code == 200, answer.text
    updated = answer.json()["sales_invoice"]
    assert updated["id"] == invoice["id"] and updated["created_at"] == invoice["created_at"]
    assert updated["transaction_no"] == invoice["transaction_no"]
    assert updated["custom_id"] == invoice["custom_id"]
    assert updated["memo"] == "corrected"
    assert updated["original_amount"] == "22200.0" and updated["remaining"] == "0.0"
    assert len(updated["payments"]) == 1
    stranger = signed(
        "PATCH",
        f"{jurnal.url}/sales_invoices/{invoice['id']}",
        {"sales_invoice": {"transaction_lines_attributes": [{"id": 1, "rate": 5}]}},
    )
    assert stranger.status_code == 422
    # After a later payment the invoice is locked.
    open_invoice = new_invoice(jurnal)
    post(jurnal, "receive_payments", payment_body(open_invoice, 100))
    locked = signed(
        "PATCH",
        f"{jurnal.url}/sales_invoices/{open_invoice['id']}",
        {"sales_invoice": {"memo": "x"}},
    )
    assert locked.status_code == 422
    assert locked.json()["errors"] == "Unprocessable Entity"


# --- sales returns ----------------------------------------------------------------------


def test_sales_return_refusals(jurnal: JurnalSandboxHandle) -> None:
    invoice = new_invoice(jurnal)
    line_id = invoice["transaction_lines_attributes"][0]["id"]

    def attempt(**body: Any) -> Any:
        return post(jurnal, "sales_returns", {"sales_return": body})

    missing = attempt(invoice_no="NOPE", transaction_return_lines_attributes=[])
    assert missing.status_code == 422 and missing.json()["invoice_no"] == ["NOPE not exist"]
    mismatch = attempt(
        invoice_id=invoice["id"],
        invoice_no=new_invoice(jurnal)["transaction_no"],
        transaction_return_lines_attributes=[
            {"transaction_line_id": line_id, "return_quantity": 1}
        ],
    )
    assert mismatch.status_code == 422 and "invoice_no" in mismatch.json()
    too_many = attempt(
        invoice_id=invoice["id"],
        transaction_return_lines_attributes=[
            {"transaction_line_id": line_id, "return_quantity": 2}
        ],
    )
    assert too_many.status_code == 422
    assert too_many.json()["return_quantity"] == ["can't be more than 1"]
    other_product = attempt(
        invoice_id=invoice["id"],
        transaction_return_lines_attributes=[
            {"product_name": "Nasi Tidak Ada", "return_quantity": 1}
        ],
    )
    assert other_product.status_code == 422
    by_product = attempt(
        invoice_no=invoice["transaction_no"],
        transaction_date="2026-11-22",
        transaction_return_lines_attributes=[
            {"product_name": PRODUCT_SERVICE_CHARGE, "return_quantity": 1}
        ],
    )
    assert by_product.status_code == 201, by_product.text
    sales_return = by_product.json()["sales_return"]
    assert sales_return["transaction_type"] == {"id": 12, "name": "Sales Return"}
    assert sales_return["transaction_status"]["name"] == "Closed"
    assert sales_return["invoice_id"] == invoice["id"]
    assert sales_return["transaction_date"] == "22/11/2026"
    (line,) = sales_return["transaction_return_lines_attributes"]
    assert line["transaction_line_id"] == line_id and line["line_return_amount"] == 10000
    again = attempt(
        invoice_id=invoice["id"],
        transaction_return_lines_attributes=[
            {"transaction_line_id": line_id, "return_quantity": 1}
        ],
    )
    assert again.status_code == 422  # everything was returned already
    listed = signed("GET", f"{jurnal.url}/sales_returns?page_size=100").json()
    assert sales_return["id"] in [r["id"] for r in listed["sales_returns"]]


def test_return_with_tax_reverses_in_proportion(jurnal: JurnalSandboxHandle) -> None:
    # 3 × 10,000 + PPN 11%, invoice discount 3,000: per unit 10,000 − 1,000 + 990 tax.
    invoice = new_invoice(
        jurnal,
        discount_type_name="Value",
        discount_unit=3000,
        transaction_lines_attributes=[
            {
                "product_name": PRODUCT_SERVICE_CHARGE,
                "quantity": 3,
                "rate": 10000,
                "line_tax_name": TAX_PPN,
            }
        ],
    )
    assert invoice["original_amount"] == "29970.0"
    answer = post(
        jurnal,
        "sales_returns",
        {
            "sales_return": {
                "invoice_id": invoice["id"],
                "transaction_return_lines_attributes": [
                    {
                        "transaction_line_id": invoice["transaction_lines_attributes"][0]["id"],
                        "return_quantity": 1,
                    }
                ],
            }
        },
    )
    sales_return = answer.json()["sales_return"]
    assert (sales_return["returned_tax"], sales_return["discount_whole"]) == (990, 1000)
    assert sales_return["return_amount"] == 9990
    after = signed("GET", f"{jurnal.url}/sales_invoices/{invoice['id']}").json()["sales_invoice"]
    assert after["remaining"] == "19980.0"


# --- journal entries and bank documents -------------------------------------------------


def entry(*lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "journal_entry": {
            "transaction_date": "2026-11-20",
            "transaction_account_lines_attributes": list(lines),
            **fields,
        }
    }


def test_journal_entry_shape_and_refusals(jurnal: JurnalSandboxHandle) -> None:
    created = post(
        jurnal,
        "journal_entries",
        entry(
            {"account_name": "Beban Sewa", "debit": 1500000, "description": "Sewa November"},
            {"account_name": ACCOUNT_BANK, "credit": 1500000},
            tags=["Outlet Dago"],
            memo="rent",
        ),
    )
    assert created.status_code == 201, created.text
    body = created.json()["journal_entry"]
    assert body["total_debit"] == body["total_credit"] == 1500000
    assert body["transaction_status"]["name"] == "Closed"
    first = body["transaction_account_lines"][0]
    assert first["debit"] == 1500000 and first["credit"] == 0
    assert first["account"]["name"] == "Beban Sewa"
    assert first["account"]["category"]["name"] == "Expenses"
    assert [t["name"] for t in body["tags"]] == ["Outlet Dago"]

    unknown = post(
        jurnal,
        "journal_entries",
        entry(
            {"account_name": "Kas Besar", "debit": 1}, {"account_name": ACCOUNT_CASH, "credit": 1}
        ),
    )
    assert unknown.status_code == 422
    assert unknown.json()["account_name"] == ["Kas Besar not exist"]
    unbalanced = post(
        jurnal,
        "journal_entries",
        entry(
            {"account_name": ACCOUNT_CASH, "debit": 100},
            {"account_name": ACCOUNT_BANK, "credit": 90},
        ),
    )
    assert unbalanced.status_code == 422
    assert "transaction_account_lines_attributes" in unbalanced.json()

    patched = signed(
        "PATCH",
        f"{jurnal.url}/journal_entries/{body['id']}",
        {"journal_entry": {"memo": "rent, corrected"}},
    )
    assert patched.status_code == 200
    assert patched.json()["journal_entry"]["memo"] == "rent, corrected"
    assert patched.json()["journal_entry"]["total_debit"] == 1500000
    renumbered = signed(
        "PATCH",
        f"{jurnal.url}/journal_entries/{body['id']}",
        {"journal_entry": {"transaction_no": "OTHER"}},
    )
    assert renumbered.status_code == 422
    assert signed("DELETE", f"{jurnal.url}/journal_entries/{body['id']}").status_code == 204


def test_journal_entry_batch_reports_each_item(jurnal: JurnalSandboxHandle) -> None:
    good = entry(
        {"account_name": ACCOUNT_CASH, "debit": 5}, {"account_name": ACCOUNT_BANK, "credit": 5}
    )
    bad = entry(
        {"account_name": "Kas", "debit": 5},
        {"account_name": "Penyusutan - Bangunan", "credit": 5},
    )
    answer = post(jurnal, "journal_entries/batch_create", {"journal_entries": [good, bad]})
    assert answer.status_code == 200
    items = [i["journal_entry"] for i in answer.json()["journal_entries"]]
    assert [i["status"] for i in items] == [201, 422]
    assert items[1]["content"]["account_name"] == ["Penyusutan - Bangunan not exist"]
    assert items[1]["body"]["journal_entry"]["source"] == "apikey"


def test_bank_documents(jurnal: JurnalSandboxHandle) -> None:
    deposit = post(
        jurnal,
        "bank_deposits",
        {
            "bank_deposit": {
                "deposit_to_name": ACCOUNT_BANK,
                "person_name": CUSTOMER_WALK_IN,
                "transaction_date": "2026-11-20",
                "transaction_account_lines_attributes": [
                    {"account_name": "Pendapatan Bunga", "credit": 1000, "line_tax_name": TAX_PPN}
                ],
            }
        },
    )
    assert deposit.status_code == 201, deposit.text
    body = deposit.json()["bank_deposit"]
    assert body["original_amount"] == 1110 and body["tax_amount"] == "110.0"  # as documented
    assert body["deposit_to"]["name"] == ACCOUNT_BANK
    listed = signed("GET", f"{jurnal.url}/bank_deposits").json()
    assert body["id"] in [d["id"] for d in listed["bank_deposits"]]

    refused = post(
        jurnal,
        "bank_withdrawals",
        {
            "bank_withdrawal": {
                "refund_from_name": ACCOUNT_SALES,
                "transaction_account_lines_attributes": [
                    {"account_name": "Beban Sewa", "debit": 1}
                ],
            }
        },
    )
    assert refused.status_code == 422
    same = post(
        jurnal,
        "bank_transfers",
        {
            "bank_transfer": {
                "refund_from_name": ACCOUNT_CASH,
                "deposit_to_name": ACCOUNT_CASH,
                "transfer_amount": 5,
            }
        },
    )
    assert same.status_code == 422
    transfer = post(
        jurnal,
        "bank_transfers",
        {
            "bank_transfer": {
                "refund_from_name": ACCOUNT_CASH,
                "deposit_to_name": ACCOUNT_BANK,
                "transfer_amount": "75000",
            }
        },
    )
    assert transfer.status_code == 200
    assert transfer.json()["bank_transfer"]["transfer_amount"] == "75000.0"
    batch = post(
        jurnal,
        "bank_transfers/batch_create",
        {
            "bank_transfers": [
                {
                    "bank_transfer": {
                        "refund_from_name": ACCOUNT_BANK,
                        "deposit_to_name": ACCOUNT_CASH,
                        "transfer_amount": 10,
                    }
                },
                {"bank_transfer": {"refund_from_name": ACCOUNT_BANK, "transfer_amount": 10}},
            ]
        },
    )
    assert batch.status_code == 200
    items = [i["bank_transfer"] for i in batch.json()["bank_transfers"]]
    assert [i["status"] for i in items] == [201, 422]
    assert items[1]["content"]["deposit_to_name"] == ["can't be blank"]


# --- stock documents --------------------------------------------------------------------


def test_stock_keys_documented_answers_as_the_examples_show(tmp_path, monkeypatch) -> None:
    """J-60 ``stock_keys=documented``: no custom_id on stock documents' answers, a stock
    adjustment's number only in ``entry.transaction_number``, a transfer's on create and GET
    but not in the list; the documents are kept with both keys (the duplicate check holds)."""
    with running_jurnal_sandbox(tmp_path / "j", stock_keys="documented") as handle:
        code = unique("SKU")
        created = post(
            handle,
            "products",
            {
                "product": {
                    "name": unique("Kopi"),
                    "product_code": code,
                    "track_inventory": True,
                    "inventory_asset_account_name": ACCOUNT_INVENTORY,
                }
            },
        )
        assert created.status_code == 201, created.text
        number, custom_id = unique("SA"), unique("CID")
        adjustment = {
            "transaction_no": number,
            "custom_id": custom_id,
            "date": "2026-11-20",
            "maintain_actual": False,
            "lines_attributes": [{"product_code": code, "difference": 5}],
        }
        answer = post(handle, "stock_adjustments", {"stock_adjustment": adjustment})
        assert answer.status_code == 201, answer.text
        made = answer.json()["stock_adjustment"]
        by_number = signed(
            "GET",
            f"{handle.url}/stock_adjustments/{quote(number, safe='')}"
            "?search_by=transaction_no&transaction_type=movement",
        ).json()["stock_adjustment"]
        by_id = signed("GET", f"{handle.url}/stock_adjustments/{made['id']}").json()
        (listed,) = signed("GET", f"{handle.url}/stock_adjustments").json()["stock_adjustments"]
        for shown in (made, by_number, by_id["stock_adjustment"], listed):
            assert "custom_id" not in shown and "transaction_no" not in shown
            assert shown["entry"]["transaction_number"] == f"Stock In/Out#{number}"
        again = post(handle, "stock_adjustments", {"stock_adjustment": adjustment})
        assert again.status_code == 422 and again.json()["id"] == made["id"]

        transfer = {
            "transaction_no": unique("WT"),
            "custom_id": unique("CID"),
            "from_warehouse_name": WAREHOUSE_JAKARTA,
            "to_warehouse_name": WAREHOUSE_BANDUNG,
            "transaction_date": "2026-11-20",
            "warehouse_transfer_lines_attributes": [{"product_code": code, "quantity": 2}],
        }
        sent = post(handle, "warehouse_transfers", {"warehouse_transfer": transfer})
        assert sent.status_code == 200, sent.text
        moved = sent.json()["warehouse_transfer"]
        got = signed("GET", f"{handle.url}/warehouse_transfers/{moved['id']}").json()
        for shown in (moved, got["warehouse_transfer"]):
            assert (
                "custom_id" not in shown and shown["transaction_no"] == transfer["transaction_no"]
            )
        (row,) = signed("GET", f"{handle.url}/warehouse_transfers").json()["warehouse_transfers"]
        assert "custom_id" not in row and "transaction_no" not in row
        handle.sandbox.stock_keys = "echoed"  # settable later: every key shown again
        row = signed("GET", f"{handle.url}/warehouse_transfers").json()["warehouse_transfers"][0]
        assert (row["custom_id"], row["transaction_no"]) == (
            transfer["custom_id"],
            transfer["transaction_no"],
        )
    monkeypatch.setenv("SANDBOX_JURNAL_STOCK_KEYS", "documented")
    with running_jurnal_sandbox(tmp_path / "env") as handle:
        assert handle.sandbox.stock_keys == "documented"
    with pytest.raises(ValueError, match="stock_keys"):
        JurnalSandbox(tmp_path / "bad", stock_keys="hidden")


def test_stock_documents_contract(jurnal: JurnalSandboxHandle) -> None:
    code = unique("SKU")
    product = post(
        jurnal,
        "products",
        {
            "product": {
                "name": unique("Teh"),
                "product_code": code,
                "track_inventory": "true",
                "inventory_asset_account_name": ACCOUNT_INVENTORY,
                "buy_price_per_unit": "4000",
            }
        },
    ).json()["product"]
    number = unique("SA/11")
    adjustment = post(
        jurnal,
        "stock_adjustments",
        {
            "stock_adjustment": {
                "transaction_no": number,
                "date": "2026-11-20",
                "warehouse_name": WAREHOUSE_BANDUNG,
                "maintain_actual": False,
                "tags": ["opname"],
                "lines_attributes": [{"product_code": code, "difference": 5}],
            }
        },
    )
    assert adjustment.status_code == 201, adjustment.text
    body = adjustment.json()["stock_adjustment"]
    assert body["warehouse"]["code"] == WAREHOUSE_BANDUNG_CODE
    assert body["account"]["name"] == "Penyesuaian Persediaan"
    assert body["entry"]["transaction_number"] == f"Stock In/Out#{number}"
    assert body["stock_adjustment_lines_attributes"][0]["average_price"] == 4000  # buy price
    assert body["tag"][0]["name"] == "opname" and body["date"] == "20/11/2026"

    found = signed(
        "GET",
        f"{jurnal.url}/stock_adjustments/{quote(number, safe='')}"
        "?search_by=transaction_no&transaction_type=movement",
    )
    assert found.status_code == 200 and found.json()["stock_adjustment"]["id"] == body["id"]
    wrong_type = signed(
        "GET",
        f"{jurnal.url}/stock_adjustments/{quote(number, safe='')}?search_by=transaction_no"
        "&transaction_type=adjustment",
    )
    assert wrong_type.status_code == 422
    half = signed(
        "GET", f"{jurnal.url}/stock_adjustments/{quote(number, safe='')}?search_by=transaction_no"
    )
    assert half.status_code == 400
    duplicate = post(
        jurnal,
        "stock_adjustments",
        {"stock_adjustment": {"transaction_no": number, "lines_attributes": []}},
    )
    assert duplicate.status_code == 422 and duplicate.json()["id"] == body["id"]
    untracked = post(
        jurnal,
        "stock_adjustments",
        {
            "stock_adjustment": {
                "lines_attributes": [{"product_name": PRODUCT_SERVICE_CHARGE, "difference": 1}]
            }
        },
    )
    assert untracked.status_code == 422

    transfer = post(
        jurnal,
        "warehouse_transfers",
        {
            "warehouse_transfer": {
                "from_warehouse_name": WAREHOUSE_BANDUNG,
                "to_warehouse_id": -1,
                "transaction_date": "20/11/2026",
                "warehouse_transfer_lines_attributes": [
                    {"product_id": product["id"], "quantity": 2}
                ],
            }
        },
    )
    assert transfer.status_code == 200, transfer.text
    moved = transfer.json()["warehouse_transfer"]
    assert moved["transaction_date"] == "2026-11-20"
    assert moved["to_warehouse"] == {"id": -1, "name": "Unassigned", "code": None}
    assert moved["warehouse_transfer_line_attributes"][0]["quantity"] == "2.0"
    unknown = post(
        jurnal,
        "warehouse_transfers",
        {
            "warehouse_transfer": {
                "from_warehouse_name": "Gudang Hilang",
                "to_warehouse_name": WAREHOUSE_JAKARTA,
                "warehouse_transfer_lines_attributes": [
                    {"product_id": product["id"], "quantity": 1}
                ],
            }
        },
    )
    assert unknown.status_code == 422
    assert unknown.json()["from_warehouse_name"] == ["Gudang Hilang not exist"]
    unassigned = signed("GET", f"{jurnal.url}/warehouses/-1").json()["warehouse"]
    assert {"id": product["id"], "name": product["name"], "code": code, "quantity": "2"} in (
        unassigned["warehouse_inventory"]
    )


def test_invoices_without_their_kept_request_can_be_updated_and_returned(
    jurnal: JurnalSandboxHandle,
) -> None:
    invoice = new_invoice(
        jurnal,
        discount_type_name="Value",
        discount_unit=1000,
        transaction_lines_attributes=[
            {
                "product_name": PRODUCT_SERVICE_CHARGE,
                "quantity": 2,
                "rate": 10000,
                "line_tax_name": TAX_PPN,
            }
        ],
    )
    store = jurnal.sandbox.store
    store.set_meta(f"body:sales_invoice:{invoice['id']}", "")
    store.set_meta(f"lines:sales_invoice:{invoice['id']}", "")
    patched = signed(
        "PATCH",
        f"{jurnal.url}/sales_invoices/{invoice['id']}",
        {"sales_invoice": {"memo": "rebuilt"}},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["sales_invoice"]["original_amount"] == invoice["original_amount"]
    store.set_meta(f"lines:sales_invoice:{invoice['id']}", "")
    returned = post(
        jurnal,
        "sales_returns",
        {
            "sales_return": {
                "invoice_id": invoice["id"],
                "transaction_return_lines_attributes": [
                    {"product_name": PRODUCT_SERVICE_CHARGE, "return_quantity": 1}
                ],
            }
        },
    )
    assert returned.status_code == 201, returned.text
    body = returned.json()["sales_return"]
    # Half of: 20,000 less 1,000 discount plus 11% PPN on 19,000 (2,090).
    assert (body["discount_whole"], body["returned_tax"], body["return_amount"]) == (
        500,
        1045,
        10545,
    )


def test_patch_receive_payment_and_stock_adjustment(jurnal: JurnalSandboxHandle) -> None:
    invoice = new_invoice(jurnal)
    payment = post(jurnal, "receive_payments", payment_body(invoice, 3000)).json()[
        "receive_payment"
    ]
    patched = signed(
        "PATCH",
        f"{jurnal.url}/receive_payments/{payment['id']}",
        {
            "receive_payment": {
                "memo": "corrected",
                "records_attributes": [
                    {
                        "id": payment["records"][0]["id"],
                        "transaction_no": invoice["transaction_no"],
                        "amount": 7000,
                    }
                ],
            }
        },
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()["receive_payment"]
    assert (body["id"], body["transaction_no"]) == (payment["id"], payment["transaction_no"])
    assert body["total"] == 7000 and body["memo"] == "corrected"
    after = signed("GET", f"{jurnal.url}/sales_invoices/{invoice['id']}").json()["sales_invoice"]
    assert after["remaining"] == "3000.0"
    too_much = signed(
        "PATCH",
        f"{jurnal.url}/receive_payments/{payment['id']}",
        {
            "receive_payment": {
                "records_attributes": [
                    {"transaction_no": invoice["transaction_no"], "amount": 10001}
                ]
            }
        },
    )
    assert too_much.status_code == 422
    unchanged = signed("GET", f"{jurnal.url}/sales_invoices/{invoice['id']}").json()
    assert unchanged["sales_invoice"]["remaining"] == "3000.0"

    code = unique("SKU")
    post(
        jurnal,
        "products",
        {
            "product": {
                "name": unique("Susu"),
                "product_code": code,
                "track_inventory": True,
                "inventory_asset_account_name": ACCOUNT_INVENTORY,
            }
        },
    )
    adjustment = post(
        jurnal,
        "stock_adjustments",
        {
            "stock_adjustment": {
                "warehouse_code": "JKT",
                "lines_attributes": [
                    {
                        "product_code": code,
                        "difference": 4,
                        "use_custom_average_price": True,
                        "average_price": 1000,
                    }
                ],
            }
        },
    ).json()["stock_adjustment"]
    changed = signed(
        "PATCH",
        f"{jurnal.url}/stock_adjustments/{adjustment['id']}",
        {
            "stock_adjustment": {
                "memo": "recount",
                "lines_attributes": [
                    {
                        "product_code": code,
                        "difference": 6,
                        "use_custom_average_price": True,
                        "average_price": 1000,
                    }
                ],
            }
        },
    )
    assert changed.status_code == 201, changed.text  # the documented status of this PATCH
    line = changed.json()["stock_adjustment"]["stock_adjustment_lines_attributes"][0]
    assert (line["recorded_quantity"], line["difference"]) == (0, 6)  # the first 4 taken back
    assert changed.json()["stock_adjustment"]["transaction_no"] == adjustment["transaction_no"]


def test_patch_sales_return_changes_quantities_only(jurnal: JurnalSandboxHandle) -> None:
    invoice = new_invoice(
        jurnal,
        transaction_lines_attributes=[
            {"product_name": PRODUCT_SERVICE_CHARGE, "quantity": 3, "rate": 10000}
        ],
    )
    line_id = invoice["transaction_lines_attributes"][0]["id"]
    created = post(
        jurnal,
        "sales_returns",
        {
            "sales_return": {
                "invoice_id": invoice["id"],
                "transaction_return_lines_attributes": [
                    {"transaction_line_id": line_id, "return_quantity": 1}
                ],
            }
        },
    ).json()["sales_return"]
    return_line = created["transaction_return_lines_attributes"][0]["id"]
    changed = signed(
        "PATCH",
        f"{jurnal.url}/sales_returns/{created['id']}",
        {
            "sales_return": {
                "transaction_return_lines_attributes": [{"id": return_line, "return_quantity": 2}]
            }
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()["sales_return"]
    assert body["id"] == created["id"] and body["return_amount"] == 20000
    after = signed("GET", f"{jurnal.url}/sales_invoices/{invoice['id']}").json()["sales_invoice"]
    assert after["remaining"] == "10000.0"
    repeated = signed(
        "PATCH",
        f"{jurnal.url}/sales_returns/{created['id']}",
        {
            "sales_return": {
                "transaction_return_lines_attributes": [
                    {"transaction_line_id": line_id, "return_quantity": 1}
                ]
            }
        },
    )
    assert repeated.status_code == 422
    too_many = signed(
        "PATCH",
        f"{jurnal.url}/sales_returns/{created['id']}",
        {
            "sales_return": {
                "transaction_return_lines_attributes": [
                    {
                        "id": body["transaction_return_lines_attributes"][0]["id"],
                        "return_quantity": 4,
                    }
                ]
            }
        },
    )
    assert too_many.status_code == 422
    assert too_many.json()["return_quantity"] == ["can't be more than 3"]
