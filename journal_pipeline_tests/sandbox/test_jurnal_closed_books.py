"""Jurnal's closed books ("tutup buku", J-57): the company shows the day its books were closed
up to, and no document is dated on or before it, one by one or in a batch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from journal_pipeline.jurnal.errors import JurnalValidationError
from journal_pipeline_tests.jurnal_fixtures import (
    JurnalSandboxHandle,
    invoice_body,
    running_jurnal_sandbox,
    signed,
)

CLOSED = date(2026, 10, 31)


@pytest.fixture(scope="module")
def jurnal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JurnalSandboxHandle]:
    with running_jurnal_sandbox(tmp_path_factory.mktemp("closed"), closing_date=CLOSED) as handle:
        yield handle


def test_the_company_shows_its_closing_date(jurnal: JurnalSandboxHandle):
    company = signed("GET", f"{jurnal.url}/companies/active").json()["company"]
    assert company["last_closing_the_book_date"] == "31/10/2026"


def test_nothing_is_dated_on_or_before_it(jurnal: JurnalSandboxHandle):
    url = f"{jurnal.url}/sales_invoices"
    refused = signed("POST", url, {"sales_invoice": invoice_body(transaction_date="2026-10-31")})
    assert refused.status_code == 422
    assert refused.json()["transaction_date"] == [
        "can't be on or before the closing date (31/10/2026)"
    ]
    opened = signed("POST", url, {"sales_invoice": invoice_body(transaction_date="01/11/2026")})
    assert opened.status_code == 201, opened.text
    batch = signed(
        "POST",
        f"{url}/batch_create",
        {
            "sales_invoices": [
                {"sales_invoice": invoice_body(transaction_date="2026-11-02")},
                {"sales_invoice": invoice_body(transaction_date="15-10-2026")},
            ]
        },
    )
    statuses = [item["sales_invoice"]["status"] for item in batch.json()["sales_invoices"]]
    assert statuses == [201, 422]


def test_the_client_names_the_refusal(jurnal: JurnalSandboxHandle):
    client = jurnal.client()
    with pytest.raises(JurnalValidationError) as caught:
        client.create_sales_invoice(invoice_body(transaction_date="2026-10-01"))
    assert "closing date (31/10/2026)" in str(caught.value)
