"""Worked examples of a stock document changed after posting (`accounting.stock_recounts`):
the posted documents stand, a further document moves the difference, dated the day of the
change; the entry books what the entry built now adds to those posted."""

from __future__ import annotations

from datetime import date

from journal_pipeline.accounting.stock_records import TRANSFER
from journal_pipeline.accounting.stock_recounts import Posted, corrections, revision_of
from journal_pipeline_tests.accounting.test_stock_documents import (
    CONFIG,
    _line,
    build,
    receipt,
    transfer,
)

BOOKED, CHANGED = date(2026, 11, 17), date(2026, 11, 19)
RECEIPT_ID = "id-TI/SUP-JKT/20261117"


def _posted(result) -> tuple[list[Posted], list[dict]]:
    """The build as if posted: its documents' bodies, its lines as recorded."""
    posted = [
        Posted(d.doc_key, d.doc_type, next(iter(d.payload.values()))) for d in result.documents
    ]
    return posted, list(result.lines)


def test_the_keys_count_the_documents_posted() -> None:
    assert revision_of("abc", "abc") == 1
    assert revision_of("abc.3", "abc") == 3
    assert revision_of("abcd.3", "abc") == 0 and revision_of("abc.x", "abc") == 0


def test_a_receipt_accepting_one_more_unit_adds_it_at_its_price_with_its_cost() -> None:
    posted, recorded = _posted(build((TRANSFER, receipt()), day=BOOKED))
    more = receipt(
        items=[
            _line("KOP-001", 12, 13, price=60000),
            _line("KOP-003", 6, 5, rejected=1, price=78000),
        ]
    )
    now = build((TRANSFER, more), day=BOOKED)
    source = (RECEIPT_ID, "TI/SUP-JKT/20261117", "JKT")
    [doc], lines = corrections(source, now, posted, recorded, CONFIG, (BOOKED, CHANGED))
    assert (doc.custom_id, doc.transaction_no) == (f"{RECEIPT_ID}.2", "TI/SUP-JKT/20261117.2")
    assert doc.business_date == BOOKED  # built by its booking day, dated the day of the change
    body = doc.payload["stock_adjustment"]
    assert body["date"] == "19/11/2026" and body["warehouse_name"] == "Gudang Jakarta Kemang"
    assert body["account_name"] == "Hutang Belum Ditagih"
    assert body["lines_attributes"] == [
        {
            "product_code": "KOP-001",
            "difference": 1,
            "use_custom_average_price": True,
            "average_price": 60000,
        }
    ]
    assert [
        (ln["entry_id"], ln["account_role"], ln["debit"], ln["credit"], ln["business_date"])
        for ln in lines
    ] == [
        (f"stock:receipt:{RECEIPT_ID}.2", "inventory", 60_000, 0, CHANGED),
        (f"stock:receipt:{RECEIPT_ID}.2", "goods_received", 0, 60_000, CHANGED),
    ]
    # posted too: nothing left
    assert corrections(
        source, now, [*posted, *_posted_of(doc)], [*recorded, *lines], CONFIG, (BOOKED, CHANGED)
    ) == ([], [])


def _posted_of(doc) -> list[Posted]:
    return [Posted(doc.doc_key, doc.doc_type, next(iter(doc.payload.values())))]


def test_a_transfer_changed_both_ways_moves_each_difference_its_own_way() -> None:
    posted, _ = _posted(build((TRANSFER, transfer()), day=date(2026, 11, 12)))
    changed = transfer(
        items=[
            _line("KOP-001", 10, 10, price=60000),  # one more accepted
            _line("TEH-001", 6, 3, cancelled=3, price=18000),  # one fewer
            _line("KOP-002", 3, 0, rejected=3, price=38000),
        ]
    )
    now = build((TRANSFER, changed), day=date(2026, 11, 12))
    source = ("id-TO/JKT-BDG/20261112", "TO/JKT-BDG/20261112", "BDG")
    made, lines = corrections(source, now, posted, [], CONFIG, (date(2026, 11, 12), CHANGED))
    assert lines == []  # a transfer has no entry
    moves = [
        (
            d.transaction_no,
            d.payload["warehouse_transfer"]["from_warehouse_name"],
            d.payload["warehouse_transfer"]["to_warehouse_name"],
            d.payload["warehouse_transfer"]["warehouse_transfer_lines_attributes"],
        )
        for d in made
    ]
    jakarta, bandung = CONFIG.outlets["JKT"].warehouse, CONFIG.outlets["BDG"].warehouse
    assert moves == [
        ("TO/JKT-BDG/20261112.2", jakarta, bandung, [{"product_code": "KOP-001", "quantity": 1}]),
        ("TO/JKT-BDG/20261112.3", bandung, jakarta, [{"product_code": "TEH-001", "quantity": 1}]),
    ]
