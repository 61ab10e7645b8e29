"""iSeller's stock at an instant from current levels and movements, goods in transit, the
comparison with Jurnal and the opening-stock adjustment (accounting/iseller_stock.py,
accounting/stock_comparison.py, accounting/opening_stock.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from journal_pipeline.accounting import iseller_stock, stock_comparison
from journal_pipeline.accounting import opening_stock as opening
from journal_pipeline.accounting.documents import OPENING_STOCK
from journal_pipeline.config import load_config
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
T = datetime(2026, 11, 19, 17, 0, tzinfo=UTC)  # the instant asked
READ_AT = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # when the levels were read


def _units(sku: str, stock: int) -> dict:
    return {"sku": sku, "stock": stock, "product_name": sku}


def _order(ref: str, closed: str, units: list[dict], **extra) -> dict:
    return {
        "order_id": f"id-{ref}",
        "order_reference": ref,
        "outlet_code": "JKT",
        "status": "completed",
        "closed_date": closed,
        "modified_date": closed,
        "order_details": [{"units_used": units}],
        "transactions": [],
        **extra,
    }


def test_orders_refunds_and_voids_move_stock_at_their_own_instants():
    sold_before = _order("A", "2026-11-19 10:00:00", [_units("KOP-001", 2)])
    sold_after = _order("B", "2026-11-20 03:00:00", [_units("KOP-001", 3)])
    voided_after = _order(
        "C",
        "2026-11-19 12:00:00",
        [_units("KOP-002", 1)],
        status="void",
        modified_date="2026-11-20 04:00:00",
        transactions=[{"type": "void", "transaction_date": "2026-11-20 04:00:00"}],
    )
    refunds = [
        {
            "order_id": "id-A",
            "order_reference": "A",
            "refund_date": "2026-11-20 05:00:00",
            "units_returned": [_units("KOP-001", 1)],
        }
    ]
    moves = iseller_stock.order_movements([sold_before, sold_after, voided_after], refunds)
    current = {("JKT", "KOP-001"): Decimal(10), ("JKT", "KOP-002"): Decimal(5)}

    at_t = iseller_stock.stock_at(current, moves, {"JKT": T}, READ_AT)

    # after T: B took 3, A's refund gave 1 back, C's void gave 1 back
    assert at_t == {("JKT", "KOP-001"): Decimal(12), ("JKT", "KOP-002"): Decimal(4)}


def test_a_movement_after_the_levels_were_read_is_not_taken_off_them():
    late = _order("D", "2026-11-20 16:00:00", [_units("KOP-001", 4)])
    moves = iseller_stock.order_movements([late], [])
    current = {("JKT", "KOP-001"): Decimal(10)}
    assert iseller_stock.stock_at(current, moves, {"JKT": T}, READ_AT) == current


def _transfer(**fields) -> dict:
    base = {
        "transfer_id": "tr-1",
        "transfer_number": "TR-1",
        "type": "out",
        "out_type": "to_outlet",
        "from_outlet_code": "JKT",
        "to_outlet_code": "BDG",
        "start_date": "2026-11-19 04:00:00",
        "completed_date": None,
        "modified_date": "2026-11-19 04:00:00",
        "status": "in_transfer",
        "items": [
            {
                "sku": "KOP-001",
                "quantity": 10,
                "quantity_accepted": None,
                "quantity_rejected": None,
                "quantity_cancelled": None,
            }
        ],
    }
    return base | fields


def test_a_transfer_received_after_the_instant_was_in_transit_then():
    received = _transfer(
        status="completed",
        completed_date="2026-11-20 09:00:00",
        modified_date="2026-11-20 09:00:00",
        items=[
            {
                "sku": "KOP-001",
                "quantity": 10,
                "quantity_accepted": 9,
                "quantity_rejected": 1,
                "quantity_cancelled": 0,
            }
        ],
    )
    moves = iseller_stock.transfer_movements([received])
    current = {("JKT", "KOP-001"): Decimal(21), ("BDG", "KOP-001"): Decimal(9)}
    instants = {"JKT": T, "BDG": T}

    assert iseller_stock.stock_at(current, moves, instants, READ_AT) == {
        ("JKT", "KOP-001"): Decimal(20),  # the rejected unit came back after T
        ("BDG", "KOP-001"): Decimal(0),
    }
    assert iseller_stock.in_transit([received], instants) == {("JKT", "KOP-001"): Decimal(10)}
    # once received, nothing is in transit
    assert iseller_stock.in_transit([received], {"JKT": READ_AT}) == {}


def test_a_transfer_cancelled_in_transit_returns_everything_to_its_origin():
    cancelled = _transfer(status="cancelled", modified_date="2026-11-20 02:00:00")
    moves = iseller_stock.transfer_movements([cancelled])
    assert [(m.outlet_code, m.quantity) for m in moves] == [
        ("JKT", Decimal(-10)),
        ("JKT", Decimal(10)),
    ]
    assert iseller_stock.in_transit([cancelled], {"JKT": T}) == {("JKT", "KOP-001"): Decimal(10)}


def test_supplier_deliveries_and_stock_takes_change_the_level_at_completion():
    delivery = _transfer(
        type="in",
        out_type=None,
        from_outlet_code=None,
        to_outlet_code="JKT",
        status="completed",
        completed_date="2026-11-20 08:00:00",
        items=[{"sku": "KOP-003", "quantity": 6, "quantity_accepted": 6}],
    )
    take = {
        "adjustment_id": "adj-1",
        "action": "opname",
        "status": "completed",
        "outlet_code": "JKT",
        "completed_date": "2026-11-20 02:00:00",
        "items": [{"sku": "KOP-003", "difference": -2}],
    }
    moves = iseller_stock.transfer_movements([delivery]) + iseller_stock.adjustment_movements(
        [take]
    )
    current = {("JKT", "KOP-003"): Decimal(30)}
    assert iseller_stock.stock_at(current, moves, {"JKT": T}, READ_AT) == {
        ("JKT", "KOP-003"): Decimal(26)
    }


def test_the_end_of_a_business_day_follows_the_outlet_zone_and_cutoff():
    instants = iseller_stock.day_end_instants(CONFIG, date(2026, 11, 19), ["JKT", "DPS"])
    # JKT: midnight WIB (17:00 UTC); DPS: 03:00 WITA the next morning (19:00 UTC)
    assert instants["JKT"] == datetime(2026, 11, 19, 16, 59, 59, 999999, tzinfo=UTC)
    assert instants["DPS"] == datetime(2026, 11, 19, 18, 59, 59, 999999, tzinfo=UTC)


def _jurnal(rows: dict[str, dict[str, int]]) -> stock_comparison.JurnalStock:
    return stock_comparison.jurnal_stock(
        {
            "warehouse_stock_quantity": {
                "list": [
                    {
                        "product_code": sku,
                        "product_name": f"Product {sku}",
                        "warehouses": [{"name": w, "quantity": str(q)} for w, q in cells.items()],
                    }
                    for sku, cells in rows.items()
                ]
            }
        }
    )


PRODUCTS = {
    "KOP-001": iseller_stock.StockedProduct("KOP-001", "Kopi", Decimal(85000)),
    "KOP-002": iseller_stock.StockedProduct("KOP-002", "Kopi 2", Decimal(90000)),
}


def test_the_comparison_lists_equal_differing_and_one_sided_skus():
    jurnal = _jurnal(
        {
            "KOP-001": {"Gudang Jakarta Kemang": 15},
            "OLD-001": {"Gudang Jakarta Kemang": 2},
        }
    )
    iseller = {("JKT", "KOP-001"): Decimal(5), ("JKT", "KOP-002"): Decimal(3)}
    transit = {("JKT", "KOP-001"): Decimal(10)}

    rows = stock_comparison.compare_stock(
        {"JKT": "Gudang Jakarta Kemang"}, iseller, transit, PRODUCTS, jurnal
    )

    by_sku = {r.sku: r for r in rows}
    assert by_sku["KOP-001"].status == stock_comparison.EQUAL and by_sku["KOP-001"].difference == 0
    assert by_sku["KOP-002"].status == stock_comparison.NOT_TRACKED_IN_JURNAL
    assert by_sku["KOP-002"].difference is None
    assert by_sku["OLD-001"].status == stock_comparison.NOT_STOCKED_IN_ISELLER
    assert all(stock_comparison.matters(by_sku[s]) for s in ("KOP-002", "OLD-001"))

    short = _jurnal({"KOP-001": {"Gudang Jakarta Kemang": 14}})
    rows = stock_comparison.compare_stock(
        {"JKT": "Gudang Jakarta Kemang"}, iseller, transit, PRODUCTS, short
    )
    [differing] = stock_comparison.largest_differences(rows)
    assert (differing.warehouse, differing.sku, differing.difference) == (
        "Gudang Jakarta Kemang",
        "KOP-001",
        Decimal(-1),
    )


def test_the_opening_stock_adjusts_each_differing_sku_and_refuses_untracked_ones():
    jurnal = _jurnal({"KOP-001": {"Gudang Jakarta Kemang": 4}, "KOP-003": {"Other": 0}})
    target = {"KOP-001": Decimal(10), "KOP-002": Decimal(3)}
    plan = opening.opening_stock(CONFIG, "JKT", date(2026, 11, 20), target, PRODUCTS, jurnal)

    assert [(line.sku, line.difference) for line in plan.lines] == [("KOP-001", Decimal(6))]
    assert "SKU KOP-002" in plan.refused[0] and "without --dry-run creates" in plan.refused[0]
    doc = plan.document
    assert doc is not None and doc.doc_type == OPENING_STOCK
    assert doc.business_date == date(2026, 11, 19)
    assert doc.custom_id == "opening-stock/JKT/2026-11-20"
    assert doc.transaction_no == "STOCK-INIT/JKT/20261120"
    body = doc.payload["stock_adjustment"]
    assert body["maintain_actual"] is False and body["date"] == "2026-11-19"
    assert body["account_name"] == "Ekuitas Saldo Awal"
    assert body["lines_attributes"] == [
        {
            "product_code": "KOP-001",
            "difference": 6,
            "use_custom_average_price": True,
            "average_price": 85000,
        }
    ]


def test_stock_out_of_the_opening_adjustment_leaves_at_jurnals_average():
    jurnal = _jurnal({"KOP-001": {"Gudang Jakarta Kemang": 12}})
    plan = opening.opening_stock(
        CONFIG, "JKT", date(2026, 11, 20), {"KOP-001": Decimal(10)}, PRODUCTS, jurnal
    )
    assert plan.document is not None
    [line] = plan.document.payload["stock_adjustment"]["lines_attributes"]
    assert line == {"product_code": "KOP-001", "difference": -2, "use_custom_average_price": False}


def test_a_locked_day_before_dates_the_opening_stock_on_the_first_open_day():
    locked = CONFIG.model_copy(update={"lock_date": date(2026, 11, 19)})
    jurnal = _jurnal({"KOP-001": {"Gudang Jakarta Kemang": 0}})
    plan = opening.opening_stock(
        locked, "JKT", date(2026, 11, 20), {"KOP-001": Decimal(1)}, PRODUCTS, jurnal
    )
    assert plan.document is not None
    assert plan.document.payload["stock_adjustment"]["date"] == "2026-11-20"
    assert plan.document.business_date == date(2026, 11, 19)  # its build stays the day before
