"""Stock documents: the worked examples of docs/posting-model.md ("Stock documents"), by hand.

Demo merchant: JKT and BDG in Asia/Jakarta (UTC+7), DPS in Asia/Makassar (UTC+8) with a
cut-off at 03:00; warehouses Gudang Jakarta Kemang, Gudang Bandung Dago, Gudang Bali Seminyak.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from journal_pipeline.accounting.documents import STOCK_ADJUSTMENT, WAREHOUSE_TRANSFER
from journal_pipeline.accounting.stock_documents import (
    BOOKED_BY_TRANSFER_OUT,
    NOTHING_ACCEPTED,
    NOTHING_TO_ADJUST,
    STOCK_OFF,
    StagedStockDocument,
    build_stock_documents,
)
from journal_pipeline.accounting.stock_records import (
    ADJUSTMENT,
    TRANSFER,
    booking_date,
    read_transfer,
    staging_row,
)
from journal_pipeline.config import load_config
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)


def _line(sku, quantity, accepted, rejected=0, cancelled=0, price=0, name=None) -> dict:
    return {
        "product_id": f"p-{sku}",
        "sku": sku,
        "product_name": name or f"Product {sku}",
        "quantity": quantity,
        "quantity_accepted": accepted,
        "quantity_rejected": rejected,
        "quantity_cancelled": cancelled,
        "buying_price": price,
    }


def transfer(number="TO/JKT-BDG/20261112", **fields: Any) -> dict:
    body = {
        "transfer_id": f"id-{number}",
        "transfer_number": number,
        "type": "out",
        "out_type": "to_outlet",
        "status": "completed",
        "from_outlet_id": "o-jkt",
        "from_outlet_code": "JKT",
        "to_outlet_id": "o-bdg",
        "to_outlet_code": "BDG",
        "supplier_name": None,
        "notes": "",
        "created_date": "2026-11-12 02:00:00",
        "start_date": "2026-11-12 04:00:00",
        "completed_date": "2026-11-12 09:00:00",  # 16:00 WIB in Bandung
        "modified_date": "2026-11-12 09:00:00",
        "items": [
            _line("KOP-001", 10, 9, rejected=1, price=60000),
            _line("TEH-001", 6, 4, cancelled=2, price=18000),
            _line("KOP-002", 3, 0, rejected=3, price=38000),
        ],
    }
    return {**body, **fields}


def receipt(**fields: Any) -> dict:
    return transfer(
        "TI/SUP-JKT/20261117",
        **{
            "type": "in",
            "out_type": None,
            "from_outlet_id": None,
            "from_outlet_code": None,
            "to_outlet_id": "o-jkt",
            "to_outlet_code": "JKT",
            "supplier_name": "CV Kopi Gayo Lestari",
            "completed_date": "2026-11-17 08:00:00",  # 15:00 WIB
            "modified_date": "2026-11-17 08:00:00",
            "items": [
                _line("KOP-001", 12, 12, price=60000),
                _line("KOP-003", 6, 5, rejected=1, price=78000),
            ],
            **fields,
        },
    )


def stock_take(number="SO/JKT/20261116", outlet="JKT", **fields: Any) -> dict:
    def count(sku, system, actual, price):
        return {
            "product_id": f"p-{sku}",
            "sku": sku,
            "product_name": f"Product {sku}",
            "system_stock": system,
            "actual_stock": actual,
            "difference": actual - system,
            "buying_price": price,
        }

    body = {
        "adjustment_id": f"id-{number}",
        "adjustment_number": number,
        "action": "opname",
        "status": "completed",
        "outlet_id": f"o-{outlet.lower()}",
        "outlet_code": outlet,
        "notes": "Stock opname mingguan",
        "created_date": "2026-11-16 01:00:00",
        "completed_date": "2026-11-16 02:00:00",  # 09:00 WIB
        "modified_date": "2026-11-16 02:00:00",
        "items": [
            count("KOP-001", 25, 23, 60000),
            count("TEH-001", 40, 41, 18000),
            count("KOP-002", 12, 12, 38000),
        ],
    }
    return {**body, **fields}


def build(*staged: tuple[str, dict], day: date, config=CONFIG):
    return build_stock_documents(
        [StagedStockDocument(kind, raw) for kind, raw in staged], config, day
    )


def _entry(result, entry_id: str) -> list[tuple[str, str, int, int, bool]]:
    return [
        (
            line["account_role"],
            line["account_name"],
            line["debit"],
            line["credit"],
            line["is_estimate"],
        )
        for line in result.lines
        if line["entry_id"] == entry_id
    ]


# --- outlet transfers --------------------------------------------------------------------


def test_a_received_transfer_moves_the_accepted_units_between_the_outlets_warehouses():
    result = build((TRANSFER, transfer()), day=date(2026, 11, 12))
    assert result.holds == [] and result.lines == []  # inventory to inventory: no entry
    [doc] = result.documents
    assert (doc.doc_key, doc.doc_type) == (
        "warehouse_transfer:id-TO/JKT-BDG/20261112",
        WAREHOUSE_TRANSFER,
    )
    assert (doc.custom_id, doc.transaction_no) == ("id-TO/JKT-BDG/20261112", "TO/JKT-BDG/20261112")
    assert doc.outlet_code == "BDG"
    body = doc.payload["warehouse_transfer"]
    assert body["from_warehouse_name"] == "Gudang Jakarta Kemang"
    assert body["to_warehouse_name"] == "Gudang Bandung Dago"
    assert body["transaction_date"] == "12/11/2026"
    # KOP-001: 10 sent − 1 rejected = 9; TEH-001: 6 − 2 cancelled = 4; KOP-002: 0 accepted
    assert body["warehouse_transfer_lines_attributes"] == [
        {"product_code": "KOP-001", "quantity": 9},
        {"product_code": "TEH-001", "quantity": 4},
    ]
    assert "4 rejected, 2 cancelled back to JKT" in body["memo"]


def test_a_transfer_is_dated_the_business_date_at_its_destination():
    # received 17:30 UTC on the 17th: 01:30 WITA on the 18th in Bali, before the 03:00
    # cut-off, so the 17th there (in Jakarta it would already be 00:30 on the 18th)
    raw = transfer(
        "TO/JKT-DPS/20261116",
        to_outlet_code="DPS",
        completed_date="2026-11-17 17:30:00",
        modified_date="2026-11-17 17:30:00",
    )
    record = read_transfer(raw)
    assert booking_date(record, CONFIG) == date(2026, 11, 17)
    assert build((TRANSFER, raw), day=date(2026, 11, 18)).documents == []
    [doc] = build((TRANSFER, raw), day=date(2026, 11, 17)).documents
    assert doc.payload["warehouse_transfer"]["to_warehouse_name"] == "Gudang Bali Seminyak"
    assert doc.payload["warehouse_transfer"]["transaction_date"] == "17/11/2026"


@pytest.mark.parametrize("status", ["pending", "in_transfer", "cancelled"])
def test_a_transfer_not_completed_is_not_booked(status):
    raw = transfer(status=status, completed_date=None)
    for line in raw["items"]:
        line.update(quantity_accepted=None, quantity_rejected=None, quantity_cancelled=None)
    assert staging_row(TRANSFER, raw, CONFIG)["business_date"] is None
    result = build((TRANSFER, raw), day=date(2026, 11, 12))
    assert (result.documents, result.holds, result.outcomes) == ([], [], [])


def test_a_transfer_with_nothing_accepted_posts_nothing():
    raw = transfer(items=[_line("KOP-001", 4, 0, rejected=1, cancelled=3, price=60000)])
    result = build((TRANSFER, raw), day=date(2026, 11, 12))
    assert result.documents == [] and result.holds == []
    assert [o.note for o in result.outcomes] == [NOTHING_ACCEPTED]


def test_a_transfer_to_an_outlet_without_a_warehouse_is_held_naming_it_and_the_fix():
    config = CONFIG.model_copy(deep=True)
    config.outlets["BDG"].warehouse = None
    result = build((TRANSFER, transfer()), day=date(2026, 11, 12), config=config)
    assert result.documents == []
    [hold] = result.holds
    assert hold.doc_key == "warehouse_transfer:id-TO/JKT-BDG/20261112"
    assert hold.reason.startswith("Transfer TO/JKT-BDG/20261112 (JKT → BDG), 2026-11-12:")
    assert "outlets.BDG" in hold.reason and "warehouse" in hold.reason


def test_a_transfer_from_an_outlet_missing_from_the_config_is_held():
    result = build((TRANSFER, transfer(from_outlet_code="SBY")), day=date(2026, 11, 12))
    [hold] = result.holds
    assert "origin outlet SBY is not in the config" in hold.reason
    assert "outlets.SBY" in hold.reason


def test_the_receiving_side_of_an_outlet_transfer_is_not_booked_again():
    raw = transfer(type="in", out_type=None)
    result = build((TRANSFER, raw), day=date(2026, 11, 12))
    assert result.documents == [] and result.holds == []
    assert [o.note for o in result.outcomes] == [BOOKED_BY_TRANSFER_OUT]


def test_an_unknown_kind_of_transfer_is_held():
    result = build((TRANSFER, transfer(out_type="adjustment")), day=date(2026, 11, 12))
    [hold] = result.holds
    assert "out_type 'adjustment' is not a stock movement the pipeline books" in hold.reason


# --- supplier receipts and returns -------------------------------------------------------


def test_a_supplier_receipt_is_stock_in_at_buying_price_against_goods_received():
    result = build((TRANSFER, receipt()), day=date(2026, 11, 17))
    [doc] = result.documents
    assert (doc.doc_type, doc.custom_id) == (STOCK_ADJUSTMENT, "id-TI/SUP-JKT/20261117")
    body = doc.payload["stock_adjustment"]
    assert body["maintain_actual"] is False and body["stock_adjustment_type"] == "General"
    assert body["warehouse_name"] == "Gudang Jakarta Kemang"
    assert body["account_name"] == "Hutang Belum Ditagih"
    assert body["date"] == "17/11/2026"
    assert body["transaction_no"] == "TI/SUP-JKT/20261117"
    assert body["lines_attributes"] == [
        {
            "product_code": "KOP-001",
            "difference": 12,
            "use_custom_average_price": True,
            "average_price": 60000,
        },
        {
            "product_code": "KOP-003",
            "difference": 5,
            "use_custom_average_price": True,
            "average_price": 78000,
        },
    ]
    # 12 × 60,000 = 720,000; 5 × 78,000 = 390,000; together 1,110,000, exact
    assert _entry(result, "stock:receipt:id-TI/SUP-JKT/20261117") == [
        ("inventory", "Persediaan Barang", 720_000, 0, False),
        ("inventory", "Persediaan Barang", 390_000, 0, False),
        ("goods_received", "Hutang Belum Ditagih", 0, 1_110_000, False),
    ]


def test_a_return_to_a_supplier_is_stock_out_against_goods_received():
    raw = transfer(
        "RS/JKT/20261118",
        out_type="return_supplier",
        to_outlet_id=None,
        to_outlet_code=None,
        supplier_name="CV Kopi Gayo Lestari",
        completed_date=None,
        start_date="2026-11-18 03:00:00",
        modified_date="2026-11-18 03:00:00",
        items=[_line("KOP-005", 3, 3, price=42000)],
    )
    result = build((TRANSFER, raw), day=date(2026, 11, 18))
    [doc] = result.documents
    body = doc.payload["stock_adjustment"]
    assert (doc.outlet_code, body["warehouse_name"]) == ("JKT", "Gudang Jakarta Kemang")
    assert body["account_name"] == "Hutang Belum Ditagih"
    assert body["lines_attributes"] == [{"product_code": "KOP-005", "difference": -3}]
    # 3 × 42,000 = 126,000, an estimate: Jurnal takes the units out at its moving average
    assert _entry(result, "stock:return:id-RS/JKT/20261118") == [
        ("inventory", "Persediaan Barang", 0, 126_000, True),
        ("goods_received", "Hutang Belum Ditagih", 126_000, 0, True),
    ]


def test_a_receipt_without_a_buying_price_is_held():
    raw = receipt(items=[_line("KOP-001", 2, 2, price=None)])
    result = build((TRANSFER, raw), day=date(2026, 11, 17))
    [hold] = result.holds
    assert "KOP-001 has no buying_price" in hold.reason


# --- stock takes -------------------------------------------------------------------------


def test_a_stock_take_adjusts_by_the_counted_difference_at_buying_price():
    result = build((ADJUSTMENT, stock_take()), day=date(2026, 11, 16))
    [doc] = result.documents
    assert doc.doc_key == "stock_adjustment:id-SO/JKT/20261116"
    body = doc.payload["stock_adjustment"]
    assert body["maintain_actual"] is False  # stock in/out of iSeller's difference
    assert (body["warehouse_name"], body["account_name"]) == (
        "Gudang Jakarta Kemang",
        "Penyesuaian Persediaan",
    )
    assert body["lines_attributes"] == [  # KOP-002 counted 12 of 12: no line
        {"product_code": "KOP-001", "difference": -2},
        {"product_code": "TEH-001", "difference": 1},
    ]
    assert "SO/JKT/20261116" in body["memo"] and "KOP-001 23/25; TEH-001 41/40" in body["memo"]
    # shrinkage 2 × 60,000 = 120,000; surplus 1 × 18,000 = 18,000; net cost 102,000
    assert _entry(result, "stock:count:id-SO/JKT/20261116") == [
        ("inventory", "Persediaan Barang", 0, 120_000, True),
        ("inventory", "Persediaan Barang", 18_000, 0, True),
        ("inventory_adjustment", "Penyesuaian Persediaan", 120_000, 0, True),
        ("inventory_adjustment", "Penyesuaian Persediaan", 0, 18_000, True),
    ]
    frame = result.journal_frame()
    assert frame["debit"].sum() == frame["credit"].sum() == 138_000


def test_a_count_without_a_difference_posts_nothing():
    raw = stock_take()
    raw["items"] = [i | {"actual_stock": i["system_stock"], "difference": 0} for i in raw["items"]]
    result = build((ADJUSTMENT, raw), day=date(2026, 11, 16))
    assert result.documents == [] and result.lines == []
    assert [o.note for o in result.outcomes] == [NOTHING_TO_ADJUST]


def test_a_count_in_progress_is_not_booked():
    raw = stock_take(status="in_progress", completed_date=None)
    assert staging_row(ADJUSTMENT, raw, CONFIG)["business_date"] is None
    assert build((ADJUSTMENT, raw), day=date(2026, 11, 16)).outcomes == []


def test_fractional_quantities_stay_exact():
    raw = stock_take(
        items=[
            {
                "sku": "KOP-001",
                "product_name": "Kopi",
                "system_stock": "2.5",
                "actual_stock": "2.25",
                "difference": "-0.25",
                "buying_price": 60000,
            }
        ]
    )
    result = build((ADJUSTMENT, raw), day=date(2026, 11, 16))
    assert result.documents[0].payload["stock_adjustment"]["lines_attributes"] == [
        {"product_code": "KOP-001", "difference": "-0.25"}
    ]
    assert result.lines[0]["credit"] == 15_000  # 0.25 × 60,000


# --- dates and keys ----------------------------------------------------------------------


def test_a_document_of_a_locked_day_is_dated_the_first_open_day_and_says_so():
    config = CONFIG.model_copy(update={"lock_date": date(2026, 11, 16)})
    result = build((ADJUSTMENT, stock_take()), day=date(2026, 11, 16), config=config)
    [doc] = result.documents
    assert doc.business_date == date(2026, 11, 16)  # the outbox keeps it with its own day
    body = doc.payload["stock_adjustment"]
    assert body["date"] == "17/11/2026"
    assert "dated 2026-11-17: the books are locked up to 2026-11-16" in body["memo"]
    assert {line["business_date"] for line in result.lines} == {date(2026, 11, 17)}


def test_stock_documents_off_posts_nothing():
    config = CONFIG.model_copy(update={"stock": CONFIG.stock.model_copy(update={"enabled": False})})
    result = build(
        (TRANSFER, transfer()), (ADJUSTMENT, stock_take()), day=date(2026, 11, 12), config=config
    )
    assert result.documents == []
    result = build((ADJUSTMENT, stock_take()), day=date(2026, 11, 16), config=config)
    assert result.documents == [] and [o.note for o in result.outcomes] == [STOCK_OFF]


def test_the_build_is_deterministic():
    staged = [(TRANSFER, transfer()), (TRANSFER, receipt()), (ADJUSTMENT, stock_take())]
    for day in (date(2026, 11, 12), date(2026, 11, 16), date(2026, 11, 17)):
        assert build(*staged, day=day).documents == build(*staged, day=day).documents


def test_staging_row_names_the_booking_outlet_and_day():
    row = staging_row(TRANSFER, transfer(), CONFIG)
    assert (row["document_id"], row["kind"], row["number"], row["status"]) == (
        "id-TO/JKT-BDG/20261112",
        TRANSFER,
        "TO/JKT-BDG/20261112",
        "completed",
    )
    assert (row["outlet_code"], row["business_date"]) == ("BDG", date(2026, 11, 12))
    assert read_transfer(transfer()).lines[0].accepted == Decimal(9)
