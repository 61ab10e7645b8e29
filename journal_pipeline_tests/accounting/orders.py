"""Hand-written iSeller orders for the worked examples (amounts checked by hand in the tests)."""

from __future__ import annotations

from decimal import Decimal


def retail_order() -> dict:
    """Jakarta Kemang (PPN 11% on top), closed 2026-11-20 10:15 WIB = 03:15 UTC.

    Kopi Arabika 2 × 85,000 = 170,000, line discount 10% = 17,000 → 153,000
    Teh Melati   1 × 25,000 =  25,000                              →  25,000
    Member 5% order discount on 178,000 = 8,900, shared 7,650 / 1,250
    line subtotals 145,350 and 23,750 = 169,100
    PPN 11%: 15,988.5 → 15,989 and 2,612.5 → 2,613 = 18,602
    total 169,100 + 18,602 = 187,702, paid in cash
    """
    return {
        "order_id": "11111111-1111-1111-1111-111111111111",
        "order_reference": "#JKT-000101",
        "channel": "pos",
        "order_date": "2026-11-20 03:10:00",
        "closed_date": "2026-11-20 03:15:00",
        "modified_date": "2026-11-20 03:15:00",
        "status": "completed",
        "payment_status": "paid",
        "outlet_id": "aaaaaaaa-0000-0000-0000-000000000001",
        "outlet_code": "JKT",
        "outlet_name": "Jakarta Kemang",
        "customer_id": None,
        "customer_first_name": None,
        "customer_last_name": None,
        "currency": "IDR",
        "tax_inclusive": False,
        "on_account": False,
        "total_order_amount": Decimal("195000.0000"),
        "total_discount_amount": Decimal("25900.0000"),
        "total_promotion_amount": Decimal("0.0000"),
        "subtotal": Decimal("169100.0000"),
        "total_tax_amount": Decimal("18602.0000"),
        "total_additional_subtotal_amount": Decimal("0"),
        "total_additional_final_amount": Decimal("0"),
        "total_additional_order_amount": Decimal("0"),
        "total_shipping_amount": Decimal("0"),
        "rounding_amount": Decimal("0"),
        "total_amount": Decimal("187702.0000"),
        "buying_price": Decimal("110000.0000"),
        "discounts": [{"discount_name": "Member 5%", "discount_amount": Decimal("8900.0000")}],
        "promotions": [],
        "order_details": [
            {
                "order_detail_id": "d1",
                "product_id": "p1",
                "product_name": "Kopi Arabika 250g",
                "sku": "KOP-001",
                "quantity": Decimal("2"),
                "base_price": Decimal("85000.0000"),
                "total_order_amount": Decimal("170000.0000"),
                "discount_amount": Decimal("17000.0000"),
                "discount_percentage": Decimal("10"),
                "discount_order_amount": Decimal("7650.0000"),
                "subtotal": Decimal("145350.0000"),
                "taxable": True,
                "tax_percentage": Decimal("11"),
                "tax_amount": Decimal("15989.0000"),
                "additional_charge": Decimal("0"),
                "cogs": [
                    {
                        "product_id": "p1",
                        "sku": "KOP-001",
                        "quantity": 2,
                        "buying_price": Decimal("45000"),
                    }
                ],
            },
            {
                "order_detail_id": "d2",
                "product_id": "p2",
                "product_name": "Teh Melati",
                "sku": "TEH-002",
                "quantity": Decimal("1"),
                "base_price": Decimal("25000.0000"),
                "total_order_amount": Decimal("25000.0000"),
                "discount_amount": Decimal("0"),
                "discount_percentage": Decimal("0"),
                "discount_order_amount": Decimal("1250.0000"),
                "subtotal": Decimal("23750.0000"),
                "taxable": True,
                "tax_percentage": Decimal("11"),
                "tax_amount": Decimal("2613.0000"),
                "additional_charge": Decimal("0"),
                "cogs": [
                    {
                        "product_id": "p2",
                        "sku": "TEH-002",
                        "quantity": 1,
                        "buying_price": Decimal("20000"),
                    }
                ],
            },
        ],
        "transactions": [
            {
                "transaction_id": "t1",
                "order_id": "11111111-1111-1111-1111-111111111111",
                "transaction_date": "2026-11-20 03:15:00",
                "type": "sale",
                "status": "success",
                "gateway": "cash",
                "payment_type_name": "Cash",
                "amount": Decimal("187702.0000"),
            }
        ],
    }


def restaurant_order() -> dict:
    """Bali Seminyak (PB1 10% included in prices, service 5%), closed 2026-11-21 00:40 WITA.

    That is 2026-11-20 16:40 UTC: with Bali's 03:00 day cut-off its business date is the 20th.
    Nasi Goreng 2 × 55,000 = 110,000 (PB1 inside: 10,000)
    Es Teh      1 × 11,000 =  11,000 (PB1 inside:  1,000)
    subtotal 121,000; net of PB1 110,000; service 5% = 5,500; PB1 on service = 550
    total tax 11,550; total 121,000 + 5,500 + 550 = 127,050, paid by QRIS
    """
    order = {
        "order_id": "22222222-2222-2222-2222-222222222222",
        "order_reference": "#DPS-000042",
        "channel": "pos",
        "order_date": "2026-11-20 16:00:00",
        "closed_date": "2026-11-20 16:40:00",
        "modified_date": "2026-11-20 16:40:00",
        "status": "completed",
        "payment_status": "paid",
        "outlet_id": "aaaaaaaa-0000-0000-0000-000000000002",
        "outlet_code": "DPS",
        "outlet_name": "Bali Seminyak",
        "customer_first_name": "Made",
        "customer_last_name": "Wirawan",
        "currency": "IDR",
        "tax_inclusive": True,
        "on_account": False,
        "total_order_amount": Decimal("121000"),
        "total_discount_amount": Decimal("0"),
        "total_promotion_amount": Decimal("0"),
        "subtotal": Decimal("121000"),
        "total_tax_amount": Decimal("11550"),
        "total_additional_subtotal_amount": Decimal("5500"),
        "total_additional_final_amount": Decimal("0"),
        "total_additional_order_amount": Decimal("0"),
        "total_shipping_amount": Decimal("0"),
        "rounding_amount": Decimal("0"),
        "total_amount": Decimal("127050"),
        "discounts": [],
        "promotions": [],
        "order_details": [
            _line("d3", "MKN-010", "Nasi Goreng", 2, 55000, 10000, 5000),
            _line("d4", "MNM-020", "Es Teh", 1, 11000, 1000, 500),
        ],
        "transactions": [
            {
                "transaction_id": "t2",
                "transaction_date": "2026-11-20 16:40:00",
                "type": "sale",
                "status": "success",
                "gateway": "iseller_pay",
                "payment_type_name": "QRIS",
                "amount": Decimal("127050"),
            }
        ],
    }
    return order


def _line(detail_id, sku, name, qty, price, tax, service) -> dict:
    gross = qty * price
    return {
        "order_detail_id": detail_id,
        "product_id": sku.lower(),
        "product_name": name,
        "sku": sku,
        "quantity": Decimal(qty),
        "base_price": Decimal(price),
        "total_order_amount": Decimal(gross),
        "discount_amount": Decimal(0),
        "discount_percentage": Decimal(0),
        "discount_order_amount": Decimal(0),
        "subtotal": Decimal(gross),
        "taxable": True,
        "tax_percentage": Decimal(10),
        "tax_amount": Decimal(tax),
        "additional_charge": Decimal(service),
        "cogs": [],
    }
