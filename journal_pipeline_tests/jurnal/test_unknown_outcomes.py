"""Answers that do not say what became of a document, over real HTTP: a batch answer that only
echoes its items (J-45) and a sales return whose keys Jurnal may ignore (J-37). Neither is read
as a refusal, and neither is ever posted twice."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from journal_pipeline.jurnal.batch_answers import NOT_FOUND
from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.jurnal.errors import JurnalRetryableError
from journal_pipeline.jurnal.return_lookup import OtherReturns, find_sales_return
from journal_pipeline_tests.jurnal_fixtures import (
    JurnalSandboxHandle,
    invoice_body,
    running_jurnal_sandbox,
)
from journal_sandbox.jurnal_app import ACCOUNT_BANK, ACCOUNT_CASH, PRODUCT_SERVICE_CHARGE


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def echoing(tmp_path: Path) -> Iterator[JurnalSandboxHandle]:
    with running_jurnal_sandbox(tmp_path / "echo", transfer_batch="documented") as handle:
        yield handle


@pytest.fixture
def keyless(tmp_path: Path) -> Iterator[JurnalSandboxHandle]:
    with running_jurnal_sandbox(tmp_path / "keyless", return_keys="documented") as handle:
        yield handle


def transfer(amount: int = 50_000, **overrides: Any) -> dict[str, Any]:
    return {
        "refund_from_name": ACCOUNT_CASH,
        "deposit_to_name": ACCOUNT_BANK,
        "transaction_date": "2026-11-20",
        "transaction_no": unique("BT"),
        "custom_id": unique("BT"),
        "transfer_amount": amount,
        **overrides,
    }


def test_an_echoing_transfer_batch_is_looked_up_item_by_item(echoing) -> None:
    client = echoing.client()
    good, other = transfer(), transfer(75_000)
    refused = transfer(refund_from_name="Kas Yang Tidak Ada")
    results = client.batch_create("bank_transfers", "bank_transfer", [good, refused, other])
    assert [r.unknown for r in results] == [True, True, True]
    assert [r.ok for r in results] == [True, False, True]
    assert [r.record["custom_id"] for r in results if r.record] == [
        good["custom_id"],
        other["custom_id"],
    ]
    assert [r.existing_id for r in results if r.record] == [
        r.record["id"] for r in results if r.record
    ]
    assert results[1].errors == {"error": [NOT_FOUND]} and not results[1].duplicate
    listed = list(client.iter_list("bank_transfers", "bank_transfers"))
    assert len(listed) == 2

    # sent again: Jurnal refuses the two it has (its answer says nothing); found, not doubled
    again = client.batch_create("bank_transfers", "bank_transfer", [good, other])
    assert [r.record["id"] for r in again if r.record] == [r["id"] for r in listed]
    assert len(list(client.iter_list("bank_transfers", "bank_transfers"))) == 2


def _invoice_and_return(client: JurnalClient, quantity: int = 3) -> tuple[dict, dict]:
    lines = [{"product_name": PRODUCT_SERVICE_CHARGE, "quantity": quantity, "rate": 10_000}]
    invoice = client.create(
        "sales_invoices", None, invoice_body(transaction_lines_attributes=lines)
    )
    body = {
        "transaction_date": "2026-11-21",
        "invoice_no": invoice["transaction_no"],
        "transaction_no": f"{invoice['transaction_no']}/R1",
        "custom_id": unique("REF"),
        "memo": "one back",
        "transaction_return_lines_attributes": [
            {
                "transaction_line_id": invoice["transaction_lines_attributes"][0]["id"],
                "return_quantity": 1,
            }
        ],
    }
    return invoice, body


def test_a_return_with_an_unknown_outcome_is_posted_once_and_looked_up(keyless) -> None:
    client = keyless.client(backoff_base=0.01)
    invoice, body = _invoice_and_return(client)
    looked: list[dict | None] = []

    def look() -> dict | None:
        looked.append(find_sales_return(client, body, invoice["id"]))
        return looked[-1]

    # refused before it is processed (a 503): sent once, looked for, not there: raised
    keyless.sandbox.faults.once("/sales_returns", "error")
    with pytest.raises(JurnalRetryableError):
        client.create("sales_returns", "sales_return", body, lookup_if_lost=look)
    assert looked == [None]
    assert (
        keyless.sandbox.traffic()[f"hmac:{client.settings.client_id}"]["routes"][
            "POST sales_returns"
        ]
        == 1
    )
    assert list(client.iter_list("sales_returns", "sales_returns")) == []

    # processed, its answer lost: found, returned, not sent again
    keyless.sandbox.faults.once("/sales_returns", "lost")
    made = client.create("sales_returns", "sales_return", body, lookup_if_lost=look)
    (listed,) = client.iter_list("sales_returns", "sales_returns")
    assert made["id"] == listed["id"] and made["custom_id"] is None
    assert made["transaction_no"] != body["transaction_no"]
    assert client.duplicates_resolved == 1


def test_returns_of_the_same_content_are_told_apart_by_the_pipeline_s_records(keyless) -> None:
    client = keyless.client()
    invoice, body = _invoice_and_return(client)
    first = client.create("sales_returns", "sales_return", body)
    second = client.create("sales_returns", "sales_return", {**body, "memo": "another one"})
    assert first["id"] < second["id"]

    assert find_sales_return(client, body, invoice["id"])["id"] == first["id"]  # its memo
    by_memo = find_sales_return(client, {**body, "memo": "another one"}, invoice["id"])
    assert by_memo["id"] == second["id"]
    # a memo no return shows: the oldest not recorded for another of our returns
    mine = {**body, "memo": "a third"}
    assert find_sales_return(client, mine, invoice["id"])["id"] == first["id"]
    taken = OtherReturns(recorded=lambda ids: {first["id"]} & set(ids))
    assert find_sales_return(client, mine, invoice["id"], taken)["id"] == second["id"]
    # a return showing the memo of another of ours not recorded yet is that one's
    waiting = OtherReturns(bodies=[{**body, "memo": "one back", "custom_id": "x"}])
    assert find_sales_return(client, mine, invoice["id"], waiting)["id"] == second["id"]
    both = OtherReturns(recorded=lambda ids: set(ids))
    assert find_sales_return(client, mine, invoice["id"], both) is None
    # another date, another quantity or another invoice line: not this return
    assert (
        find_sales_return(client, {**body, "transaction_date": "2026-11-22"}, invoice["id"]) is None
    )
    more = [{**body["transaction_return_lines_attributes"][0], "return_quantity": 2}]
    assert (
        find_sales_return(
            client, {**body, "transaction_return_lines_attributes": more}, invoice["id"]
        )
        is None
    )


def test_a_return_showing_its_keys_is_recognised_by_them(tmp_path: Path) -> None:
    """Where Jurnal keeps the keys (the emulator's default), a return showing another
    ``custom_id`` is another document whatever its content."""
    with running_jurnal_sandbox(tmp_path / "echoed") as handle:
        client = handle.client()
        invoice, body = _invoice_and_return(client)
        made = client.create("sales_returns", "sales_return", body)
        assert made["custom_id"] == body["custom_id"]
        assert find_sales_return(client, body, invoice["id"])["id"] == made["id"]
        twin = {**body, "custom_id": unique("REF"), "transaction_no": None}
        assert find_sales_return(client, twin, invoice["id"]) is None
