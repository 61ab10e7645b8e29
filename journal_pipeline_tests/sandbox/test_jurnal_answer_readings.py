"""The Jurnal emulator's knobs for two readings of the documentation, over real HTTP (requests
signed by hand): ``transfer_batch`` (J-45, how ``bank_transfers/batch_create`` answers) and
``return_keys`` (J-37, whether a sales return keeps its ``custom_id`` and number)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from journal_pipeline_tests.jurnal_fixtures import (
    JurnalSandboxHandle,
    invoice_body,
    running_jurnal_sandbox,
    signed,
)
from journal_sandbox.jurnal_app import (
    ACCOUNT_BANK,
    ACCOUNT_CASH,
    PRODUCT_SERVICE_CHARGE,
    JurnalSandbox,
)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def post(handle: JurnalSandboxHandle, path: str, body: dict[str, Any]) -> Any:
    return signed("POST", f"{handle.url}/{path}", body)


def listed(handle: JurnalSandboxHandle, plural: str) -> list[dict[str, Any]]:
    return signed("GET", f"{handle.url}/{plural}?page_size=100").json()[plural]


def transfer(**overrides: Any) -> dict[str, Any]:
    return {
        "bank_transfer": {
            "refund_from_name": ACCOUNT_CASH,
            "deposit_to_name": ACCOUNT_BANK,
            "transaction_date": "15-06-2026",
            "custom_id": unique("BT"),
            "transaction_no": unique("BT"),
            "memo": "memo goes here",
            "transfer_amount": 750000,
            **overrides,
        }
    }


def test_transfer_batch_documented_echoes_the_items_as_sent(tmp_path: Path, monkeypatch) -> None:
    with running_jurnal_sandbox(tmp_path / "j", transfer_batch="documented") as handle:
        items = [transfer(), transfer(refund_from_name="Kas Yang Tidak Ada")]
        answer = post(handle, "bank_transfers/batch_create", {"bank_transfers": items})
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"bank_transfers": items}  # no status, no content, no id
        (made,) = listed(handle, "bank_transfers")  # the refused one was not created
        assert made["custom_id"] == items[0]["bank_transfer"]["custom_id"]
        again = post(handle, "bank_transfers/batch_create", {"bank_transfers": items[:1]})
        assert again.json() == {"bank_transfers": items[:1]}  # a duplicate: echoed too
        assert len(listed(handle, "bank_transfers")) == 1
        empty = post(handle, "bank_transfers/batch_create", {"bank_transfers": []})
        assert empty.status_code == 422  # a request refused whole answers as before

        handle.sandbox.transfer_batch = "per_item"  # settable later: the form of J-13
        answer = post(handle, "bank_transfers/batch_create", {"bank_transfers": [transfer()]})
        (item,) = answer.json()["bank_transfers"]
        assert item["bank_transfer"]["status"] == 201 and item["bank_transfer"]["content"]["id"]
    monkeypatch.setenv("SANDBOX_JURNAL_TRANSFER_BATCH", "documented")
    with running_jurnal_sandbox(tmp_path / "env") as handle:
        assert handle.sandbox.transfer_batch == "documented"
    with pytest.raises(ValueError, match="transfer_batch"):
        JurnalSandbox(tmp_path / "bad", transfer_batch="echo")


def _invoice(handle: JurnalSandboxHandle) -> dict[str, Any]:
    lines = [{"product_name": PRODUCT_SERVICE_CHARGE, "quantity": 3, "rate": 10000}]
    body = invoice_body(transaction_lines_attributes=lines)
    answer = post(handle, "sales_invoices", {"sales_invoice": body})
    assert answer.status_code == 201, answer.text
    return answer.json()["sales_invoice"]


def _return(invoice: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    line = invoice["transaction_lines_attributes"][0]
    body = {
        "transaction_date": "21-11-2026",
        "invoice_no": invoice["transaction_no"],
        "transaction_no": f"{invoice['transaction_no']}/R1",
        "custom_id": unique("REF"),
        "memo": "one back",
        "transaction_return_lines_attributes": [
            {"transaction_line_id": line["id"], "return_quantity": 1}
        ],
        **overrides,
    }
    return {"sales_return": body}


def test_return_keys_documented_ignores_the_keys(tmp_path: Path, monkeypatch) -> None:
    with running_jurnal_sandbox(tmp_path / "j", return_keys="documented") as handle:
        invoice = _invoice(handle)
        sent = _return(invoice)
        answer = post(handle, "sales_returns", sent)
        assert answer.status_code == 201, answer.text
        made = answer.json()["sales_return"]
        assert made["custom_id"] is None and made["transaction_no"].isdigit()
        got = signed("GET", f"{handle.url}/sales_returns/{made['id']}").json()["sales_return"]
        (row,) = listed(handle, "sales_returns")
        for shown in (got, row):
            assert (shown["custom_id"], shown["transaction_no"]) == (None, made["transaction_no"])
        on_invoice = signed("GET", f"{handle.url}/sales_invoices/{invoice['id']}").json()
        (ref,) = on_invoice["sales_invoice"]["sales_returns"]
        assert (ref["id"], ref["transaction_no"]) == (made["id"], made["transaction_no"])
        # the keys are not kept, so nothing is refused as already used: a second return
        second = post(handle, "sales_returns", sent)
        assert second.status_code == 201, second.text
        assert second.json()["sales_return"]["transaction_no"] != made["transaction_no"]
        assert len(listed(handle, "sales_returns")) == 2
        patched = signed(
            "PATCH", f"{handle.url}/sales_returns/{made['id']}", {"sales_return": {"memo": "x"}}
        ).json()["sales_return"]
        assert (patched["custom_id"], patched["transaction_no"]) == (None, made["transaction_no"])

        handle.sandbox.return_keys = "echoed"  # settable later: kept, shown and unique again
        kept = post(handle, "sales_returns", _return(invoice, transaction_no="R-KEPT"))
        assert kept.json()["sales_return"]["transaction_no"] == "R-KEPT"
        assert (
            post(handle, "sales_returns", _return(invoice, transaction_no="R-KEPT")).status_code
            == 422
        )
    monkeypatch.setenv("SANDBOX_JURNAL_RETURN_KEYS", "documented")
    with running_jurnal_sandbox(tmp_path / "env") as handle:
        assert handle.sandbox.return_keys == "documented"
    with pytest.raises(ValueError, match="return_keys"):
        JurnalSandbox(tmp_path / "bad", return_keys="hidden")
