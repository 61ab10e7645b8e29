"""An iSeller order whose invoice discount splits over its lines with an exact tie.

Order #JKT-002518 of the faults benchmark (seed 11, 400 orders per outlet per day, business
day 2026-11-28), with its dates moved to the worked examples' day:

    Kopi Toraja Sapan 250g  120,000 less 10% = 108,000
    Tumbler Warna 350ml     110,000 less 10% =  99,000
    Tumbler Nusantara 500ml 150,000           = 150,000   (lines 357,000)
    promotion "Promo Belanja 300rb" 25,000, shared 7,563 / 6,933 / 10,504
    PPN 11% per line in rupiah: 11,048 + 10,127 + 15,345 = 36,520
    total 332,000 + 36,520 = 368,520: Kartu Kredit 234,000 and Gift Card 134,520

In cents Jurnal's tax comes to 36,520.01, so the invoice needs one more cent of discount: then
25,000.01 over 108,000 / 99,000 / 150,000 leaves the second and third lines the same remainder
(10/17 of a cent), and the cent goes to the earlier line.
"""

from __future__ import annotations

from decimal import Decimal


def _line(detail_id, sku, name, price, discount, order_share, tax) -> dict:
    return {
        "order_detail_id": detail_id,
        "product_id": sku.lower(),
        "product_name": name,
        "sku": sku,
        "quantity": Decimal(1),
        "base_price": Decimal(price),
        "total_order_amount": Decimal(price),
        "discount_amount": Decimal(discount),
        "discount_percentage": Decimal(10) if discount else None,
        "discount_order_amount": Decimal(order_share),
        "subtotal": Decimal(price - discount - order_share),
        "taxable": True,
        "tax_percentage": Decimal(11),
        "tax_amount": Decimal(tax),
        "additional_charge": Decimal(0),
        "cogs": [],
    }


def tied_share_order(order_id: str, reference: str) -> dict:
    """#JKT-002518 under ``order_id`` and ``reference``, closed 2026-11-20 10:22 WIB."""

    def payment(suffix: str, name: str, gateway: str, amount: int) -> dict:
        return {
            "transaction_id": f"{order_id}-{suffix}",
            "order_id": order_id,
            "order_reference": reference,
            "transaction_date": "2026-11-20 03:22:52",
            "type": "sale",
            "status": "success",
            "gateway": gateway,
            "payment_type_name": name,
            "amount": Decimal(amount),
            "mdr": [],
        }

    return {
        "order_id": order_id,
        "order_reference": reference,
        "channel": "pos",
        "order_date": "2026-11-20 03:18:15",
        "closed_date": "2026-11-20 03:22:52",
        "modified_date": "2026-11-20 03:22:52",
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
        "total_order_amount": Decimal(380_000),
        "total_discount_amount": Decimal(23_000),
        "total_promotion_amount": Decimal(25_000),
        "subtotal": Decimal(332_000),
        "total_tax_amount": Decimal(36_520),
        "total_additional_subtotal_amount": Decimal(0),
        "total_additional_final_amount": Decimal(0),
        "total_additional_order_amount": Decimal(0),
        "total_shipping_amount": Decimal(0),
        "rounding_amount": Decimal(0),
        "total_amount": Decimal(368_520),
        "buying_price": Decimal(210_000),
        "discounts": [],
        "promotions": [
            {
                "promotion_name": "Promo Belanja 300rb",
                "promotion_type": "order",
                "promotion_amount": Decimal(25_000),
            }
        ],
        "order_details": [
            _line("d1", "KOP-003", "Kopi Toraja Sapan 250g", 120_000, 12_000, 7_563, 11_048),
            _line("d2", "TMB-HITAM", "Tumbler Warna 350ml", 110_000, 11_000, 6_933, 10_127),
            _line("d3", "MRC-001", "Tumbler Nusantara 500ml", 150_000, 0, 10_504, 15_345),
        ],
        "transactions": [
            payment("t1", "Kartu Kredit", "external_credit", 234_000),
            payment("t2", "Gift Card", "gift_card", 134_520),
        ],
    }
