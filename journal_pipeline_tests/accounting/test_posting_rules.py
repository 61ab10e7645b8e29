import copy
from datetime import date
from decimal import Decimal

from journal_pipeline.accounting import posting_rules
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline_tests.accounting.money_orders import payment, untaxed_order
from journal_pipeline_tests.accounting.orders import restaurant_order, retail_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)


def _journal(orders, day):
    sales = posting_rules.sales_of_day(order_frames(orders), CONFIG, day)
    return posting_rules.journal_lines(sales, CONFIG)


def _by_account(lines, entry_id):
    entry = lines[lines["entry_id"] == entry_id]
    return {
        name: (int(group["debit"].sum()), int(group["credit"].sum()))
        for name, group in entry.groupby("account_name")
    }


def test_retail_sale_worked_example():
    lines, holds = _journal([retail_order()], date(2026, 11, 20))
    assert holds == []
    sale = _by_account(lines, "sale:11111111-1111-1111-1111-111111111111")
    # Dr Kas 187,702 and Dr Diskon 8,900 = 196,602
    # Cr Pendapatan 153,000 + 25,000 = 178,000 and Cr PPN 18,602 = 196,602
    assert sale == {
        "Kas": (187_702, 0),
        "Diskon Penjualan": (8_900, 0),
        "Penjualan": (0, 178_000),
        "PPN Keluaran": (0, 18_602),
    }
    cogs = _by_account(lines, "cogs:11111111-1111-1111-1111-111111111111")
    # 2 × 45,000 + 1 × 20,000 = 110,000 at iSeller's cost
    assert cogs == {"Beban Pokok Pendapatan": (110_000, 0), "Persediaan Barang": (0, 110_000)}
    assert posting_rules.unbalanced_entries(lines).empty


def test_restaurant_sale_after_midnight_is_booked_on_the_evening_it_belongs_to():
    # closed 16:40 UTC on the 20th = 00:40 WITA on the 21st; Bali's day ends at 03:00
    lines_20, holds = _journal([restaurant_order()], date(2026, 11, 20))
    lines_21, _ = _journal([restaurant_order()], date(2026, 11, 21))
    assert lines_21.empty
    assert holds == []
    sale = _by_account(lines_20, "sale:22222222-2222-2222-2222-222222222222")
    # sales net of PB1: 110,000 − 10,000 + 11,000 − 1,000 = 110,000
    # PB1 10,000 + 1,000 + 550 = 11,550; service 5,500; total 127,050
    assert sale == {
        "Kliring QRIS iSeller Pay": (127_050, 0),
        "Penjualan": (0, 110_000),
        "Hutang Pajak Restoran (PB1)": (0, 11_550),
        "Pendapatan Service Charge": (0, 5_500),
    }


def test_unmapped_payment_method_holds_the_order_with_the_fix():
    order = retail_order()
    order["transactions"][0]["payment_type_name"] = "OVO"
    order["transactions"][0]["gateway"] = "custom"
    lines, holds = _journal([order], date(2026, 11, 20))
    assert lines.empty
    assert len(holds) == 1
    reason = holds[0].reason
    assert "#JKT-000101" in reason and "'OVO'" in reason and "payment_methods" in reason


def test_without_cutoff_the_local_calendar_day_applies():
    config = CONFIG.model_copy(deep=True)
    config.outlets["DPS"].cutoff_hour = 0
    sales = posting_rules.sales_of_day(
        order_frames([restaurant_order()]), config, date(2026, 11, 21)
    )
    assert len(sales.frames) == 1


def test_unknown_outlet_is_held_not_guessed():
    order = retail_order()
    order["outlet_code"] = "SBY"
    lines, holds = _journal([order], date(2026, 11, 20))
    assert lines.empty and "outlet 'SBY'" in holds[0].reason


def test_inconsistent_order_totals_are_held():
    order = retail_order()
    order["total_amount"] = "190000"
    order["transactions"][0]["amount"] = "190000"
    _, holds = _journal([order], date(2026, 11, 20))
    assert "inconsistent" in holds[0].reason


def test_on_account_rest_goes_to_receivable():
    order = retail_order()
    order["transactions"][0]["amount"] = "100000"
    lines, holds = _journal([order], date(2026, 11, 20))
    assert holds == []
    sale = _by_account(lines, "sale:11111111-1111-1111-1111-111111111111")
    assert sale["Kas"] == (100_000, 0)
    assert sale["Piutang Usaha"] == (87_702, 0)


def test_voided_orders_are_not_sales():
    order = retail_order()
    order["status"] = "void"
    sales = posting_rules.sales_of_day(order_frames([order]), CONFIG, date(2026, 11, 20))
    assert len(sales.frames) == 0
    assert sales.voided == [order["order_id"]]


def _on_account_order_paid_later():
    """Sold on account on the 20th; 187,702 paid by debit card on the 22nd at 09:00 WIB."""
    order = retail_order()
    order["on_account"] = True
    order["payment_status"] = "paid"
    order["modified_date"] = "2026-11-22 02:00:00"
    order["transactions"][0].update(
        transaction_id="t-later",
        transaction_date="2026-11-22 02:00:00",
        payment_type_name="Debit BCA",
        gateway="external_debit",
    )
    return order


def test_on_account_sale_goes_to_receivable_and_the_later_payment_settles_it():
    from journal_pipeline.accounting import payments

    order = _on_account_order_paid_later()
    lines, holds = _journal([order], date(2026, 11, 20))
    assert holds == []
    sale = _by_account(lines, "sale:11111111-1111-1111-1111-111111111111")
    assert sale["Piutang Usaha"] == (187_702, 0) and "Kas" not in sale

    sales = posting_rules.sales_of_day(order_frames([order]), CONFIG, date(2026, 11, 22))
    assert len(sales.frames) == 0 and len(sales.later_payments) == 1
    rows, documents, holds = payments.later_payment_entries(
        sales.later_payments, sales.payments, CONFIG, sales.day
    )
    assert holds == []
    assert [(r["account_name"], r["debit"], r["credit"]) for r in rows] == [
        ("Kliring EDC", 187_702, 0),
        ("Piutang Usaha", 0, 187_702),
    ]
    (receipt,) = documents
    body = receipt.payload["receive_payment"]
    assert body["transaction_date"] == "2026-11-22"
    assert body["records_attributes"] == [{"transaction_no": "ISL/JKT-000101", "amount": 187_702}]


def test_a_payment_made_before_the_sales_business_day_is_booked_with_the_sale():
    # closed 00:00:05 WIB on the 21st, paid at 23:59:55 WIB on the 20th, and a down payment
    # of Rp 100,000 two days before: no day may lose them
    from journal_pipeline.accounting import invoices

    order = retail_order()
    order["order_date"] = order["closed_date"] = "2026-11-20 17:00:05"
    order["modified_date"] = "2026-11-20 17:00:05"
    till = order["transactions"][0]
    till.update(amount=87_702, transaction_date="2026-11-20 16:59:55")
    order["transactions"].append(
        {
            **till,
            "transaction_id": "t-down",
            "amount": 100_000,
            "transaction_date": "2026-11-18 04:00:00",
        }
    )
    for earlier in (date(2026, 11, 18), date(2026, 11, 20)):
        sales = posting_rules.sales_of_day(order_frames([order]), CONFIG, earlier)
        assert len(sales.frames) == 0 and len(sales.later_payments) == 0
    lines, holds = _journal([order], date(2026, 11, 21))
    assert holds == []
    sale = _by_account(lines, "sale:11111111-1111-1111-1111-111111111111")
    assert sale["Kas"] == (187_702, 0) and "Piutang Usaha" not in sale
    sales = posting_rules.sales_of_day(order_frames([order]), CONFIG, date(2026, 11, 21))
    documents, _ = invoices.sales_invoices(sales, CONFIG)
    assert [d.payload["sales_invoice"]["deposit"] for d in documents] == [187_702]


def _inclusive_order_with_an_untaxed_line() -> dict:
    """Prices include PPN 11%: Kopi 1,000,000 (taxed) and Buku 1,000,000 (untaxed), an order
    discount of 200,000 shared 100,000 / 100,000. Kopi: 900,000 of which PPN 89,189."""
    order = retail_order()
    order.update(
        tax_inclusive=True,
        total_order_amount=Decimal(2_000_000),
        total_discount_amount=Decimal(200_000),
        subtotal=Decimal(1_800_000),
        total_tax_amount=Decimal(89_189),
        total_amount=Decimal(1_800_000),
        buying_price=Decimal(0),
        discounts=[{"discount_name": "Member", "discount_amount": Decimal(200_000)}],
    )
    kopi, buku = order["order_details"]
    for line, taxed in ((kopi, True), (buku, False)):
        line.update(
            quantity=Decimal(1),
            base_price=Decimal(1_000_000),
            total_order_amount=Decimal(1_000_000),
            discount_amount=Decimal(0),
            discount_percentage=Decimal(0),
            discount_order_amount=Decimal(100_000),
            subtotal=Decimal(900_000),
            taxable=taxed,
            tax_percentage=Decimal(11 if taxed else 0),
            tax_amount=Decimal(89_189 if taxed else 0),
            cogs=[],
        )
    buku.update(product_name="Buku Tulis", sku="BUK-003")
    order["transactions"][0]["amount"] = Decimal(1_800_000)
    return order


def test_an_untaxed_lines_order_discount_keeps_its_whole_amount_in_a_tax_inclusive_order():
    lines, holds = _journal([_inclusive_order_with_an_untaxed_line()], date(2026, 11, 20))
    assert holds == []
    entry = lines[lines["entry_id"] == "sale:11111111-1111-1111-1111-111111111111"]
    by_text = {row.description: (int(row.debit), int(row.credit)) for row in entry.itertuples()}
    # Kopi: 900,000 − PPN 89,189 = 810,811 net; its share 100,000 holds 9,910 of PPN
    assert by_text["1 × Kopi Arabika 250g"] == (0, 810_811 + 90_090)
    assert by_text["order discount on Kopi Arabika 250g"] == (90_090, 0)
    # Buku carries no tax: sold for 1,000,000, discounted by the whole 100,000
    assert by_text["1 × Buku Tulis"] == (0, 1_000_000)
    assert by_text["order discount on Buku Tulis"] == (100_000, 0)
    assert int(entry["debit"].sum()) == int(entry["credit"].sum())
    # the order by order rules (corrections, revisions) book it the same
    frames = order_frames([_inclusive_order_with_an_untaxed_line()])
    dated = posting_rules.with_business_dates(frames.orders, CONFIG)
    order = next(dated.itertuples(index=False))
    paid = list(posting_rules.dated_payments(frames, dated, CONFIG).itertuples(index=False))
    one, _ = posting_rules.sale_entry(
        order, list(frames.lines.itertuples(index=False)), paid, CONFIG, date(2026, 11, 20)
    )
    assert {line["description"]: (line["debit"], line["credit"]) for line in one} == by_text


def test_refunds_and_later_voids_are_held_with_the_manual_step():
    refunded = retail_order()
    refunded["transactions"].append(
        {
            **refunded["transactions"][0],
            "transaction_id": "t-refund",
            "type": "refund",
            "transaction_date": "2026-11-21 04:00:00",
            "amount": "25000",
        }
    )
    voided = restaurant_order()
    voided.update(status="void", cancel_date="2026-11-21 05:00:00")
    sales = posting_rules.sales_of_day(order_frames([refunded, voided]), CONFIG, date(2026, 11, 21))
    holds = posting_rules.not_yet_posted_events(sales)
    assert sorted(h.doc_key for h in holds) == [
        "reversal:22222222-2222-2222-2222-222222222222",
        "sales_return:t-refund",
    ]
    assert all("by hand" in h.reason for h in holds)


def _with_line_below_zero(order_id: str, quantity: int, price: int) -> dict:
    """An order of Rp 100,000 with a second line of ``quantity`` × ``price`` below zero."""
    order = untaxed_order(order_id, payments=[payment(f"{order_id}-c", "Cash", "cash", 70_000)])
    line = copy.deepcopy(order["order_details"][0])
    amount = Decimal(quantity * price)
    line.update(order_detail_id=f"{order_id}-d2", sku="TEH-002", product_name="Teh Melati")
    line.update(quantity=Decimal(quantity), base_price=Decimal(price))
    line.update(total_order_amount=amount, subtotal=amount)
    order["order_details"].append(line)
    for field in ("total_order_amount", "subtotal", "total_amount"):
        order[field] = Decimal(70_000)
    return order


def test_an_order_with_a_line_below_zero_is_held_saying_what_to_do():
    exchanged = _with_line_below_zero("x1", -1, 30_000)  # goods taken back in a sale
    discounted = _with_line_below_zero("x2", 1, -30_000)  # a discount rung up as an item
    plain = untaxed_order("x3", payments=[payment("x3-c", "Cash", "cash", 100_000)])
    both = _with_line_below_zero("x4", -1, -30_000)  # below zero twice: a positive amount

    lines, holds = _journal([exchanged, discounted, plain, both], date(2026, 11, 20))

    assert set(lines["source_id"]) == {"x3"}  # the others book nothing, not a negative credit
    reasons = {hold.source_id: hold.reason for hold in holds}
    assert "line Teh Melati has quantity -1: goods taken back within a sale" in reasons["x1"]
    assert "Refund the goods on the order they were sold with" in reasons["x1"]
    assert "line Teh Melati is priced below zero (-Rp 30.000)" in reasons["x2"]
    assert "has quantity -1" in reasons["x4"]
    assert set(reasons) == {"x1", "x2", "x4"}
