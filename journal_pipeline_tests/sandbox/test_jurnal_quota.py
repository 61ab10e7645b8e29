"""The company's monthly transaction quota (J-58): served at the API's root beside ``api/v1``,
counted as documents are created, and a document without room refused in either reading."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from email.utils import formatdate

import pytest
import requests

from journal_pipeline.jurnal.errors import JurnalQuotaExhausted
from journal_pipeline_tests.jurnal_fixtures import (
    JurnalSandboxHandle,
    invoice_body,
    running_jurnal_sandbox,
    signed,
)
from journal_sandbox.jurnal_common import WIB

MONTH = datetime.now(WIB)


@pytest.fixture
def jurnal(tmp_path) -> Iterator[JurnalSandboxHandle]:
    with running_jurnal_sandbox(tmp_path, invoice_quota=3) as handle:
        yield handle


def _root(handle: JurnalSandboxHandle) -> str:
    return handle.url.removesuffix("/api/v1")


def _summary(handle: JurnalSandboxHandle, at: float | None = None) -> dict:
    sent = None if at is None else formatdate(at, usegmt=True)
    answer = signed("GET", f"{_root(handle)}/sales_invoices/quota_summary", date=sent)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _batch(handle: JurnalSandboxHandle, count: int, at: float | None = None) -> list[int]:
    items = [{"sales_invoice": invoice_body()} for _ in range(count)]
    url, sent = f"{handle.url}/sales_invoices/batch_create", None
    if at is not None:  # the emulator's clock, which the signature's date must keep
        sent = formatdate(at, usegmt=True)
    answer = signed("POST", url, {"sales_invoices": items}, date=sent)
    assert answer.status_code in (200, 201), answer.text
    return [item["sales_invoice"]["status"] for item in answer.json()["sales_invoices"]]


def test_documents_take_from_the_month_and_the_one_without_room_is_refused(jurnal):
    assert _summary(jurnal) == {
        "month": MONTH.month,
        "year": MONTH.year,
        "total_quota": 3,
        "usage_quota": 0,
        "remaining_quota": 3,
    }
    one = signed("POST", f"{jurnal.url}/sales_invoices", {"sales_invoice": invoice_body()})
    assert one.status_code == 201
    # a refused document takes nothing; a journal entry is no sales invoice
    bad = invoice_body(person_name="Nobody Known")
    assert signed("POST", f"{jurnal.url}/sales_invoices", {"sales_invoice": bad}).status_code == 422
    assert _batch(jurnal, 3) == [201, 201, 422]
    assert _summary(jurnal)["remaining_quota"] == 0
    quota = signed("GET", f"{_root(jurnal)}/sales_invoices/quota").json()
    assert quota == {"almost_reached_limit": True, "remaining_quota": 0, "usage_percentage": 100}
    refused = signed("POST", f"{jurnal.url}/sales_invoices", {"sales_invoice": invoice_body()})
    assert refused.status_code == 422 and "quota" in refused.json()["quota"][0]
    histories = signed("GET", f"{_root(jurnal)}/sales_invoices/quota_histories?sort=asc").json()
    assert histories["total_count"] == 3
    rows = histories["transaction_quota_histories"]
    assert [h["quota_change"] for h in rows] == [-1, -1, -1]
    assert set(rows[0]) == {
        "action",
        "date",
        "quota_change",
        "source_id",
        "source_type",
        "transaction_no",
        "user_name",
    }
    assert {h["source_type"] for h in histories["transaction_quota_histories"]} == {"sales_invoice"}
    jurnal.sandbox.invoice_quota = 4  # more bought
    assert _batch(jurnal, 2) == [201, 422]


def test_the_next_month_starts_again(tmp_path):
    now = [datetime(2026, 11, 30, 12, tzinfo=WIB).timestamp()]
    with running_jurnal_sandbox(tmp_path, invoice_quota=1, clock=lambda: now[0]) as jurnal:
        assert _batch(jurnal, 2, now[0]) == [201, 422]
        now[0] = datetime(2026, 12, 1, 0, 5, tzinfo=WIB).timestamp()
        summary = _summary(jurnal, now[0])
        assert (summary["month"], summary["remaining_quota"]) == (12, 1)
        assert _batch(jurnal, 1, now[0]) == [201]


def test_the_request_reading_refuses_a_batch_that_does_not_fit_whole(tmp_path):
    with running_jurnal_sandbox(tmp_path, invoice_quota=2, quota_refusal="request") as jurnal:
        items = [{"sales_invoice": invoice_body()} for _ in range(3)]
        url = f"{jurnal.url}/sales_invoices/batch_create"
        refused = signed("POST", url, {"sales_invoices": items})
        assert refused.status_code == 403 and "quota" in refused.json()["message"]
        assert _summary(jurnal)["usage_quota"] == 0  # nothing of it created
        assert _batch(jurnal, 2) == [201, 201]
        client = jurnal.client()
        with pytest.raises(JurnalQuotaExhausted) as caught:
            client.create_sales_invoice(invoice_body())
        assert caught.value.status == 403  # not taken for refused credentials


def test_the_transactions_reading_counts_every_document(tmp_path):
    with running_jurnal_sandbox(tmp_path, invoice_quota=1, quota_scope="transactions") as jurnal:
        assert _batch(jurnal, 1) == [201]
        entry = {
            "transaction_date": "2026-11-20",
            "transaction_account_lines_attributes": [
                {"account_name": "Kas", "debit": 1000},
                {"account_name": "Pendapatan Lain-lain", "credit": 1000},
            ],
        }
        refused = signed("POST", f"{jurnal.url}/journal_entries", {"journal_entry": entry})
        assert refused.status_code == 422, refused.text


def test_the_quota_is_read_over_each_credential_at_its_root(jurnal):
    client = jurnal.client()
    assert client.transaction_quota().remaining == 3
    legacy_root = jurnal.legacy_url.removesuffix("/api/v1")
    answer = requests.get(
        f"{legacy_root}/sales_invoices/quota_summary",
        headers={"apikey": jurnal.api_key},
        timeout=10,
    )
    assert answer.status_code == 200 and answer.json()["total_quota"] == 3
    unsigned = requests.get(f"{_root(jurnal)}/sales_invoices/quota_summary", timeout=10)
    assert unsigned.status_code == 401


def test_a_request_for_more_quota_names_what_is_missing(jurnal):
    url = f"{_root(jurnal)}/companies/request_quota"
    missing = signed("POST", url, {"quota": {"type": "transaction"}})
    assert missing.status_code == 422
    assert set(missing.json()) == {"transaction_type_id", "message", "error_full_messages"}
    body = {"quota": {"transaction_type_id": 1, "type": "transaction", "message": "more please"}}
    sent = signed("POST", url, body)
    assert sent.status_code == 200 and sent.json()["message"]
    assert _summary(jurnal)["total_quota"] == 3  # the owner has not bought any yet
