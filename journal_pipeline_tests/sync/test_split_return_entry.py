"""A refund split over two daily summary invoices (an order with taxed and untaxed goods) is one
sales return per summary invoice and one journal entry debiting the receivable by what they
credit together (`accounting/summary_returns.py`). When the refund is not merged into the
day's returns (its day is posted per order at that outlet), the journal entry waits for every
part, not only the first. Real SQLite staging and the Jurnal sandbox over HTTP."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from journal_pipeline.accounting.documents import JOURNAL_ENTRY, SALES_RETURN, Document
from journal_pipeline.accounting.summary_returns import part_keys
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline.sync.returns import post_corrections
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox

DAY = date(2026, 11, 18)
REFUND = "refund-0001"
NUMBER = "ISL/JKT-000101/R1"


def _return(k: int, invoice_no: str) -> Document:
    custom_id, number = part_keys(REFUND, NUMBER, k)
    body = {
        "transaction_date": DAY.isoformat(),
        "transaction_no": number,
        "custom_id": custom_id,
        "invoice_no": invoice_no,
        "memo": "part of a refund",
        "tags": ["JKT"],
        "transaction_return_lines_attributes": [
            {"invoice_line_index": 0, "product_code": "SKU-1", "return_quantity": 1}
        ],
    }
    return _document(SALES_RETURN, custom_id, number, 11100, body)


def _entry() -> Document:
    lines = [
        {"account_name": "Piutang Usaha", "debit": 22200, "description": "sales return credit"},
        {"account_name": "Kas", "credit": 22200, "description": "Cash paid back"},
    ]
    body = {
        "transaction_date": DAY.isoformat(),
        "transaction_no": "ISL/JKT-000101/RJ1",
        "custom_id": REFUND,
        "memo": "a refund split over two summary invoices",
        "tags": ["JKT"],
        "transaction_account_lines_attributes": lines,
    }
    return _document(JOURNAL_ENTRY, REFUND, "ISL/JKT-000101/RJ1", 22200, body)


def _document(doc_type: str, custom_id: str, number: str, total: int, body: dict) -> Document:
    return Document(
        doc_key=f"{doc_type}:{custom_id}",
        doc_type=doc_type,
        business_date=DAY,
        outlet_code="JKT",
        source_id=custom_id,
        source_reference="#JKT-000101",
        transaction_no=number,
        custom_id=custom_id,
        expected_total=total,
        payload={doc_type: body},
    )


@pytest.fixture
def jurnal(tmp_path):
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        yield handle.client()


def test_the_entry_of_a_split_refund_waits_for_its_second_part(tmp_path, jurnal):
    outbox = Outbox(StagingStore(f"sqlite:///{tmp_path / 'staging.db'}"))
    first, second = _return(1, "ISL/S/JKT/20261117"), _return(2, "ISL/S/JKT/20261117-2")
    outbox.enqueue(DAY, [first, second, _entry()], [])
    t = tables.outbox
    with outbox.engine.begin() as conn:  # the first part is in Jurnal already
        conn.execute(sa.update(t).where(t.c.doc_key == first.doc_key).values(status="posted"))

    # the second part's summary invoice is not in the outbox: the part waits, so the entry does
    result = post_corrections(outbox, DAY, jurnal)
    assert result.posted == 0
    frame = outbox.documents(DAY).set_index("doc_key")
    assert frame.loc[second.doc_key, "status"] == "held"
    entry = frame.loc[f"{JOURNAL_ENTRY}:{REFUND}"]
    assert entry["status"] == "held", entry["reason"]
    assert "ISL/JKT-000101/R1-2 (held)" in entry["reason"]
    assert "ISL/JKT-000101/R1 " not in entry["reason"]  # the posted part is not named
    assert list(jurnal.iter_list("journal_entries", "journal_entries")) == []
