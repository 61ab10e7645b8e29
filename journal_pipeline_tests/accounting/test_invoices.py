from datetime import date
from decimal import Decimal

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline_tests.accounting.money_orders import untaxed_order
from journal_pipeline_tests.accounting.orders import restaurant_order, retail_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)


def _documents(orders, day):
    sales = posting_rules.sales_of_day(order_frames(orders), CONFIG, day)
    return invoices.sales_invoices(sales, CONFIG)


def test_retail_invoice_carries_lines_tax_discount_and_deposit():
    documents, holds = _documents([retail_order()], date(2026, 11, 20))
    assert holds == []
    (doc,) = documents
    assert doc.doc_key == "sales_invoice:11111111-1111-1111-1111-111111111111"
    assert doc.custom_id == "11111111-1111-1111-1111-111111111111"
    assert doc.transaction_no == "ISL/JKT-000101"
    body = doc.payload["sales_invoice"]
    assert body["transaction_date"] == "2026-11-20"
    assert body["warehouse_name"] == "Gudang Jakarta Kemang"
    assert body["use_tax_inclusive"] is False
    assert body["deposit_to_name"] == "Kas" and body["deposit"] == 187_702
    assert body["discount_type_name"] == "Value" and body["discount_unit"] == 8_900
    kopi, teh, rounding = body["transaction_lines_attributes"]
    assert kopi == {
        "product_code": "KOP-001",
        "description": "Kopi Arabika 250g",
        "quantity": 2,
        "rate": 85_000,
        "discount": 10,
        "line_tax_name": "PPN",
    }
    assert teh["product_code"] == "TEH-002" and "discount" not in teh
    # Jurnal keeps tax in cents: (153,000 − 7,650) × 11% = 15,988.50 and
    # (25,000 − 1,250) × 11% = 2,612.50 → 178,000 − 8,900 + 18,601.00 = 187,701.00,
    # one rupiah short of what the customer paid (iSeller rounded each line's tax up).
    # A non-taxable rounding line of 1 makes the invoice equal the order.
    assert rounding == {"product_name": "Pembulatan", "quantity": 1, "rate": 1}
    assert doc.expected_total == 187_702


def test_inclusive_restaurant_invoice_adds_service_charge_line():
    documents, holds = _documents([restaurant_order()], date(2026, 11, 20))
    assert holds == []
    body = documents[0].payload["sales_invoice"]
    assert body["use_tax_inclusive"] is True
    assert body["deposit_to_name"] == "Kliring QRIS iSeller Pay"
    assert body["warehouse_name"] == "Gudang Bali Seminyak"
    service = body["transaction_lines_attributes"][-1]
    # service 5,500 plus its PB1 550, priced tax-inclusive like every other line
    assert service == {
        "product_name": "Service Charge",
        "quantity": 1,
        "rate": 6_050,
        "line_tax_name": "PB1",
    }
    assert "discount_unit" not in body


def test_document_keys_are_deterministic():
    first, _ = _documents([retail_order()], date(2026, 11, 20))
    second, _ = _documents([retail_order()], date(2026, 11, 20))
    assert first == second


def test_split_payment_deposits_the_larger_part_and_receives_the_rest():
    order = retail_order()
    pay = dict(order["transactions"][0])
    order["transactions"][0]["amount"] = Decimal("100000")
    order["transactions"].append(
        {
            **pay,
            "transaction_id": "t9",
            "transaction_date": "2026-11-20 03:16:00",
            "payment_type_name": "QRIS",
            "gateway": "iseller_pay",
            "amount": Decimal("87702"),
        }
    )
    documents, holds = _documents([order], date(2026, 11, 20))
    assert holds == []
    invoice, payment = documents
    body = invoice.payload["sales_invoice"]
    # 100,000 cash is the larger part: the invoice's deposit
    assert (body["deposit_to_name"], body["deposit"]) == ("Kas", 100_000)
    # 87,702 by QRIS settles the rest with a receive payment on the same day
    assert payment.doc_key == "receive_payment:t9"
    assert payment.payload["receive_payment"] == {
        "transaction_date": "2026-11-20",
        "transaction_no": "ISL/JKT-000101/P2",
        "custom_id": "t9",
        "payment_method_name": "QRIS",
        "deposit_to_name": "Kliring QRIS iSeller Pay",
        "records_attributes": [{"transaction_no": "ISL/JKT-000101", "amount": 87_702}],
        "memo": "iSeller payment QRIS of order #JKT-000101",
    }


def test_free_items_are_named_in_the_memo_not_sent_as_zero_lines():
    order = retail_order()
    free = dict(order["order_details"][1])
    free.update(
        order_detail_id="d9",
        sku="BAG-000",
        product_name="Tas Kain",
        base_price=Decimal(0),
        total_order_amount=Decimal(0),
        discount_order_amount=Decimal(0),
        subtotal=Decimal(0),
        tax_amount=Decimal(0),
        cogs=[],
    )
    order["order_details"].append(free)
    (document,), holds = _documents([order], date(2026, 11, 20))
    body = document.payload["sales_invoice"]
    assert holds == []
    assert "BAG-000" not in [
        line.get("product_code") for line in body["transaction_lines_attributes"]
    ]
    assert body["memo"].endswith("free of charge: 1 × Tas Kain")


def _given_away_whole(shipping: int = 0) -> dict:
    # a complimentary order: its one line discounted 100%, nothing paid, nothing owed
    order = untaxed_order("c1", payments=[])
    order.update(total_discount_amount=Decimal(100_000), subtotal=Decimal(0))
    order.update(total_amount=Decimal(shipping), payment_status="paid")
    order.update(total_shipping_amount=Decimal(shipping))
    order["order_details"][0].update(
        discount_amount=Decimal(100_000), discount_percentage=Decimal(100), subtotal=Decimal(0)
    )
    return order


def test_an_order_given_away_whole_has_nothing_to_post():
    sales = posting_rules.sales_of_day(
        order_frames([_given_away_whole()]), CONFIG, date(2026, 11, 20)
    )
    lines, journal_holds = posting_rules.journal_lines(sales, CONFIG)
    assert journal_holds == [] and lines.empty  # nothing owed, nothing earned

    documents, (hold,) = invoices.sales_invoices(sales, CONFIG)
    assert documents == []
    assert hold.nothing_to_post  # settled as built, not a hold for a person
    assert "every line is at no charge (1 × Kopi Arabika 250g)" in hold.reason
    assert "leave it by the order's own stock adjustment" in hold.reason
    assert "Check it in iSeller" not in hold.reason
    totals = posting_rules.summary(lines, [hold])
    assert (totals["held"], totals["nothing_to_post"]) == (0, 1)


def test_free_lines_with_a_total_to_pay_are_held():
    # every line free but a shipping charge to pay: no invoice line can carry what is owed
    sales = posting_rules.sales_of_day(
        order_frames([_given_away_whole(shipping=15_000)]), CONFIG, date(2026, 11, 20)
    )
    _, (hold,) = invoices.sales_invoices(sales, CONFIG)
    assert not hold.nothing_to_post
    assert "its total is Rp 15.000" in hold.reason and "Check it in iSeller" in hold.reason


def _stating(percentage: str) -> dict:
    """The retail order with its lines stating ``percentage`` and charged 11% as before."""
    order = retail_order()
    for line in order["order_details"]:
        line["tax_percentage"] = Decimal(percentage)
    return order


def test_ppn_12_on_a_tax_base_of_11_12_is_booked_at_the_rate_charged():
    # PPN 12% on 11/12 of the price (DPP nilai lain): iSeller states 12 and charges 11
    data = CONFIG.model_dump()
    data["taxes"]["PPN"].update(rate=Decimal(11), stated_rate=Decimal(12))
    dpp = type(CONFIG).model_validate(data)
    day = date(2026, 11, 20)
    sales = posting_rules.sales_of_day(order_frames([_stating("12")]), dpp, day)
    lines, holds = posting_rules.journal_lines(sales, dpp)
    assert holds == [] and lines["debit"].sum() == lines["credit"].sum()
    tax = lines.loc[lines["account_role"] == "tax:PPN", "credit"].sum()
    assert tax == 18_602  # as iSeller charged it: 11% of the lines' net
    (document,), invoice_holds = invoices.sales_invoices(sales, dpp)
    assert invoice_holds == [] and document.expected_total == 187_702

    # the same lines against a tax that does not say so: held, naming both percentages
    plain = posting_rules.sales_of_day(order_frames([_stating("12")]), CONFIG, day)
    _, (hold,) = posting_rules.journal_lines(plain, CONFIG)
    assert "is taxed at 12% but outlet JKT is configured for PPN 11%" in hold.reason


def test_a_tax_charged_on_11_12_of_the_price_is_held_saying_how_to_configure_it():
    # the config says PPN 12% as the lines state it, but they charge 12% of 11/12 of the price
    data = CONFIG.model_dump()
    data["taxes"]["PPN"].update(rate=Decimal(12))
    twelve = type(CONFIG).model_validate(data)
    sales = posting_rules.sales_of_day(order_frames([_stating("12")]), twelve, date(2026, 11, 20))
    documents, (hold,) = invoices.sales_invoices(sales, twelve)
    assert documents == []
    assert "Its lines' tax is 12% of 11/12 of their price (11% of it" in hold.reason
    assert "give the tax rate: 11 (a Jurnal tax of that rate) and stated_rate: 12" in hold.reason
    # an order whose total is off for another cause is not told so
    other = retail_order()
    other["total_amount"] = Decimal(190_000)
    sales = posting_rules.sales_of_day(order_frames([other]), CONFIG, date(2026, 11, 20))
    _, holds = invoices.sales_invoices(sales, CONFIG)
    assert holds and all("11/12" not in h.reason for h in holds)
