"""Worked examples: refunds and voids of posted sales (canonical entry, sales return, journal
entry), with the arithmetic by hand (I-33 for iSeller, J-6/J-37 for Jurnal)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import yaml

from journal_pipeline.accounting import posting_rules
from journal_pipeline.accounting.refunds import corrections_of_day
from journal_pipeline.accounting.return_arithmetic import OWN_POSTINGS
from journal_pipeline.config import MerchantConfig, load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.refunds import refund_frames
from journal_pipeline_tests.accounting.mixed_tax_orders import ON_KOPI, mixed_order
from journal_pipeline_tests.accounting.money_orders import payment, untaxed_order
from journal_pipeline_tests.accounting.orders import restaurant_order, retail_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
RETAIL_ID = "11111111-1111-1111-1111-111111111111"
RESTAURANT_ID = "22222222-2222-2222-2222-222222222222"


def _refunded(order: dict, at: str, amount: int, method: tuple[str, str], details: list):
    """The order after a refund at ``at`` (UTC) of ``amount`` by ``method`` (name, gateway),
    with its refunded_orders[] entry naming ``details`` (order_detail_id, units)."""
    order = {**order, "modified_date": at, "payment_status": "partially_refunded"}
    order["transactions"] = [
        *order["transactions"],
        {
            "transaction_id": "r1",
            "order_id": order["order_id"],
            "transaction_date": at,
            "type": "refund",
            "status": "success",
            "payment_type_name": method[0],
            "gateway": method[1],
            "amount": Decimal(amount),
        },
    ]
    entry = {
        "refund_id": "refund-1",
        "order_id": order["order_id"],
        "refund_date": at,
        "refund_amount": Decimal(amount),
        "refund_details": [
            {"order_detail_id": detail, "quantity": Decimal(units)} for detail, units in details
        ],
    }
    return order, [entry]


def _corrections(order: dict, entries: list, day: date, status: str = "posted"):
    frames = order_frames([order])
    sales = posting_rules.sales_of_day(frames, CONFIG, day)
    return corrections_of_day(
        sales, frames, refund_frames(entries), CONFIG, {order["order_id"]: status}
    )


def _by_account(rows: list[dict], prefix: str) -> dict[str, tuple[int, int]]:
    totals: dict[str, tuple[int, int]] = {}
    for row in rows:
        if row["entry_id"].startswith(prefix):
            debit, credit = totals.get(row["account_name"], (0, 0))
            totals[row["account_name"]] = (debit + row["debit"], credit + row["credit"])
    return totals


def _entry_lines(documents) -> dict[str, tuple[str, str]]:
    entry = next(d for d in documents if d.doc_type == "journal_entry")
    lines = entry.payload["journal_entry"]["transaction_account_lines_attributes"]
    return {ln["account_name"]: (str(ln.get("debit", 0)), str(ln.get("credit", 0))) for ln in lines}


def test_a_partial_refund_with_an_order_discount_at_a_tax_exclusive_outlet():
    # 1 of the 2 Kopi (line: subtotal 145,350, PPN 15,989, order discount 7,650), I-33:
    # subtotal 145,350 / 2 = 72,675; PPN 15,989 / 2 = 7,994.5 → 7,995; refund 80,670
    order, entries = _refunded(
        retail_order(), "2026-11-22 05:00:00", 80_670, ("Cash", "cash"), [("d1", 1)]
    )
    rows, documents, holds = _corrections(order, entries, date(2026, 11, 22))
    assert holds == []
    # Dr sales 72,675 + its discount 3,825 = 76,500; Cr discount 3,825; Dr PPN 7,995; Cr Kas
    assert _by_account(rows, "refund:") == {
        "Retur Penjualan": (76_500, 0),
        "Diskon Penjualan": (0, 3_825),
        "PPN Keluaran": (7_995, 0),
        "Kas": (0, 80_670),
    }
    # stock back at iSeller's cost: 1 × 45,000 (an estimate)
    assert _by_account(rows, "refund_cogs:") == {
        "Persediaan Barang": (45_000, 0),
        "Beban Pokok Pendapatan": (0, 45_000),
    }
    sales_return = next(d for d in documents if d.doc_type == "sales_return")
    body = sales_return.payload["sales_return"]
    assert body["invoice_no"] == "ISL/JKT-000101" and body["custom_id"] == "r1"
    # the line keeps what Jurnal posts for it from this invoice (for a return moved onto a
    # daily summary): 1 × 76,500; its share of the 7,650 invoice discount to the cent
    # (J-6); PPN 11% × (76,500 − 3,824.98) = 7,994.25
    assert body["transaction_return_lines_attributes"] == [
        {
            "invoice_line_index": 0,
            "product_code": "KOP-001",
            "return_quantity": 1,
            OWN_POSTINGS: {"revenue": "76500.00", "share": "3824.98", "tax": "7994.25"},
        }
    ]
    # Jurnal's invoice: lines 153,000 + 25,000 + Pembulatan 1 (it computes 187,701 in cents),
    # discount 8,900 shared by amount in cents, largest remainder first: Kopi 7,649.96.
    # Kopi's PPN = (153,000 − 7,649.96) × 11% = 15,988.50. Returning 1 of 2 (J-37):
    # 76,500.00 − 3,824.98 + 7,994.25 = 80,669.27 credited to Piutang; 0.73 is rounding
    assert _entry_lines(documents) == {
        "Piutang Usaha": ("80669.27", "0"),
        "Selisih Pembulatan": ("0.73", "0"),
        "Kas": ("0", "80670"),
    }
    assert sales_return.expected_total == 80_669
    assert "ISL/JKT-000101/RJ1" in body["memo"]


def test_b_partial_refund_at_a_tax_inclusive_outlet_with_a_service_charge():
    # 1 of the 2 Nasi Goreng (subtotal 110,000 with PB1 10,000 inside, service 5,000), I-33:
    # subtotal 55,000, PB1 5,000, service 2,500, its PB1 250: refund 55,000 + 2,500 + 250
    order, entries = _refunded(
        restaurant_order(), "2026-11-22 05:00:00", 57_750, ("QRIS", "iseller_pay"), [("d3", 1)]
    )
    rows, documents, holds = _corrections(order, entries, date(2026, 11, 22))
    assert holds == []
    # revenue 55,000 − 5,000 = 50,000; PB1 5,000 + 250; service 2,500
    assert _by_account(rows, "refund:") == {
        "Retur Penjualan": (50_000, 0),
        "Hutang Pajak Restoran (PB1)": (5_250, 0),
        "Pendapatan Service Charge": (2_500, 0),
        "Kliring QRIS iSeller Pay": (0, 57_750),
    }
    # Jurnal returns 55,000 (inclusive: amount − discount share 0) to Piutang; the journal
    # entry gives back the service charge line's part, which the return does not cover
    assert _entry_lines(documents) == {
        "Piutang Usaha": ("55000", "0"),
        "Pendapatan Service Charge": ("2500", "0"),
        "Hutang Pajak Restoran (PB1)": ("250", "0"),
        "Kliring QRIS iSeller Pay": ("0", "57750"),
    }


def test_c_refund_on_a_later_day_by_another_method():
    # sold on the 20th for cash, the Teh (1 × 23,750 + PPN 2,613 = 26,363) refunded on the
    # 24th at 19:00 WIB (12:00 UTC) to the customer's debit card
    order, entries = _refunded(
        retail_order(), "2026-11-24 12:00:00", 26_363, ("Debit BCA", "external_debit"), [("d2", 1)]
    )
    assert _corrections(order, entries, date(2026, 11, 23))[0] == []  # not a day earlier
    rows, documents, holds = _corrections(order, entries, date(2026, 11, 24))
    assert holds == []
    # Dr sales 23,750 + 1,250 discount; Cr discount 1,250; Dr PPN 2,613; Cr EDC clearing
    assert _by_account(rows, "refund:") == {
        "Retur Penjualan": (25_000, 0),
        "Diskon Penjualan": (0, 1_250),
        "PPN Keluaran": (2_613, 0),
        "Kliring EDC": (0, 26_363),
    }
    assert {d.payload[d.doc_type]["transaction_date"] for d in documents} == {"2026-11-24"}
    assert _entry_lines(documents)["Kliring EDC"] == ("0", "26363")


def test_d_void_after_posting_reverses_the_whole_sale():
    order = retail_order()
    order.update(status="void", payment_status="voided", cancel_date="2026-11-20 03:30:00")
    order["transactions"] = [
        *order["transactions"],
        {
            **order["transactions"][0],
            "transaction_id": "v1",
            "type": "void",
            "transaction_date": "2026-11-20 03:30:00",
        },
    ]
    day = date(2026, 11, 20)
    rows, documents, holds = _corrections(order, [], day, status="posted")
    assert holds == []
    # the sale's own entry, reversed: Dr 178,000 + 18,602 = Cr 8,900 + Kas 187,702
    assert _by_account(rows, "void:") == {
        "Retur Penjualan": (178_000, 0),
        "Diskon Penjualan": (0, 8_900),
        "PPN Keluaran": (18_602, 0),
        "Kas": (0, 187_702),
    }
    body = next(d for d in documents if d.doc_type == "sales_return").payload["sales_return"]
    assert [ln["return_quantity"] for ln in body["transaction_return_lines_attributes"]] == [2, 1]
    assert body["transaction_no"] == "ISL/JKT-000101/V"
    # Jurnal credits Piutang with the two lines: 187,702 less the Pembulatan line's
    # 1.00 − 0.05 discount share = 187,701.05; the rest is rounding
    assert _entry_lines(documents) == {
        "Piutang Usaha": ("187701.05", "0"),
        "Selisih Pembulatan": ("0.95", "0"),
        "Kas": ("0", "187702"),
    }
    # voided before its invoice was posted: nothing to reverse
    assert _corrections(order, [], day, status="withdrawn")[1] == []


def test_a_void_of_a_gift_card_sale_gives_the_card_back_without_a_discount_line():
    """The card's line sells to the liability, not to sales: the void's entry debits the
    liability itself and pays the cash back, with no sales return (which account Jurnal's
    return would book the card on is not documented) and nothing to bring to iSeller's."""
    order = untaxed_order(
        "g1", sku="GC-100", name="Gift Card 100K", payments=[payment("t1", "Cash", "cash", 100_000)]
    )
    order.update(status="void", payment_status="voided", cancel_date="2026-11-20 03:30:00")
    order["transactions"] = [
        *order["transactions"],
        {**order["transactions"][0], "transaction_id": "v1", "type": "void"},
    ]
    rows, documents, holds = _corrections(order, [], date(2026, 11, 20))
    assert holds == []
    assert _by_account(rows, "void:") == {"Hutang Gift Card": (100_000, 0), "Kas": (0, 100_000)}
    assert _entry_lines(documents) == {"Hutang Gift Card": ("100000", "0"), "Kas": ("0", "100000")}
    assert [d.doc_type for d in documents] == ["journal_entry"]
    memo = documents[0].payload["journal_entry"]["memo"]
    assert "gift cards of invoice ISL/JKT-g1 given back, no sales return" in memo


def test_a_gift_card_given_back_reduces_what_is_owed_not_sales():
    """One of two cards refunded: it is owed no more, as the void of both would book; the
    liability is debited, not sales or its return."""
    order = untaxed_order(
        "g2", sku="GC-100", name="Gift Card 100K", payments=[payment("t1", "Cash", "cash", 200_000)]
    )
    (line,) = order["order_details"]
    line.update(quantity=Decimal(2), total_order_amount=Decimal(200_000), subtotal=Decimal(200_000))
    order.update(total_order_amount=Decimal(200_000), subtotal=Decimal(200_000))
    order["total_amount"] = Decimal(200_000)
    refunded, entries = _refunded(
        order, "2026-11-22 05:00:00", 100_000, ("Cash", "cash"), [("g2-d1", 1)]
    )
    rows, documents, holds = _corrections(refunded, entries, date(2026, 11, 22))
    assert holds == []
    assert _by_account(rows, "refund:") == {"Hutang Gift Card": (100_000, 0), "Kas": (0, 100_000)}
    assert _entry_lines(documents) == {"Hutang Gift Card": ("100000", "0"), "Kas": ("0", "100000")}
    assert [d.doc_type for d in documents] == ["journal_entry"]


def test_a_refund_nothing_explains_is_held_with_the_arithmetic():
    order, entries = _refunded(
        retail_order(), "2026-11-22 05:00:00", 80_000, ("Cash", "cash"), [("d1", 1)]
    )
    _, documents, holds = _corrections(order, entries, date(2026, 11, 22))
    assert documents == []
    assert "Rp 80.000" in holds[0].reason and "#JKT-000101" in holds[0].reason
    # an entry of the right amount whose units come to another amount: the arithmetic shown
    order, entries = _refunded(
        retail_order(), "2026-11-22 05:00:00", 80_000, ("Cash", "cash"), [("d2", 1)]
    )
    _, documents, holds = _corrections(order, entries, date(2026, 11, 22))
    assert documents == [] and "Rp 26.363" in holds[0].reason, holds[0].reason


def test_a_refund_of_a_held_sale_is_held_naming_the_order():
    order, entries = _refunded(
        retail_order(), "2026-11-22 05:00:00", 80_670, ("Cash", "cash"), [("d1", 1)]
    )
    _, documents, holds = _corrections(order, entries, date(2026, 11, 22), status="held")
    assert documents == [] and holds[0].doc_key == "sales_return:r1"
    assert "Order #JKT-000101" in holds[0].reason and "held" in holds[0].reason


def test_a_refund_after_a_tax_rate_change_gives_back_the_tax_of_its_sale():
    # JKT charges PPN 12% from 21 November; the sale of the 20th was taxed at 11%, so its
    # refund on the 22nd gives back PPN 11% to PPN's account, as in example A
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["taxes"]["PPN12"] = {"jurnal_name": "PPN 12%", "rate": 12, "account": "PPN 12% Keluaran"}
    data["outlets"]["JKT"]["tax"] = "PPN12"
    data["mapping_history"] = [{"until": "2026-11-20", "outlets": {"JKT": {"tax": "PPN"}}}]
    config = MerchantConfig.model_validate(data)
    order, entries = _refunded(
        retail_order(), "2026-11-22 05:00:00", 80_670, ("Cash", "cash"), [("d1", 1)]
    )
    frames = order_frames([order])
    day = date(2026, 11, 22)
    rows, documents, holds = corrections_of_day(
        posting_rules.sales_of_day(frames, config.on(day), day),
        frames,
        refund_frames(entries),
        config.on(day),
        {order["order_id"]: "posted"},
    )
    assert holds == []
    assert _by_account(rows, "refund:")["PPN Keluaran"] == (7_995, 0)
    assert {r["account_role"] for r in rows if r["account_role"].startswith("tax:")} == {"tax:PPN"}
    sales_return = next(d for d in documents if d.doc_type == "sales_return")
    line = sales_return.payload["sales_return"]["transaction_return_lines_attributes"][0]
    assert line[OWN_POSTINGS]["tax"] == "7994.25"  # Jurnal's PPN 11% on the returned unit


def test_a_refund_of_a_promoted_line_returns_isellers_ppn_from_its_line_discount():
    """The coffee of an order whose promotion was on it alone (its invoice carries the 20% in
    the line, `discount_placement`): the return gives back iSeller's PPN and leaves nothing."""
    order, entries = _refunded(
        mixed_order(ON_KOPI), "2026-11-22 05:00:00", 800_000, ("Cash", "cash"), [("mix-0-k", 1)]
    )
    rows, documents, holds = _corrections(order, entries, date(2026, 11, 22))
    assert holds == []
    # 800,000 paid for it: PPN 79,279 inside; sold at 1,000,000 (net 900,901) less 180,180
    assert _by_account(rows, "refund:") == {
        "Retur Penjualan": (900_901, 0),
        "Diskon Penjualan": (0, 180_180),
        "PPN Keluaran": (79_279, 0),
        "Kas": (0, 800_000),
    }
    # Jurnal returns the line as it posted it: 800,000.00 less PPN 79,279.28, no invoice share
    body = next(d for d in documents if d.doc_type == "sales_return").payload["sales_return"]
    (line,) = body["transaction_return_lines_attributes"]
    assert line[OWN_POSTINGS] == {"revenue": "720720.72", "share": "0.00", "tax": "79279.28"}
    assert _entry_lines(documents) == {"Piutang Usaha": ("800000", "0"), "Kas": ("0", "800000")}
