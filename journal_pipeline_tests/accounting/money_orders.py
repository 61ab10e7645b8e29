"""Hand-written iSeller orders of Rp 100,000 for the MDR and gift-card worked examples."""

from __future__ import annotations

from decimal import Decimal


def untaxed_order(
    order_id: str,
    *,
    payments: list[dict],
    sku: str = "KOP-001",
    name: str = "Kopi Arabika 250g",
    product_type: str | None = None,
) -> dict:
    """Jakarta Kemang, closed 2026-11-20 10:15 WIB: one untaxed line of Rp 100,000."""
    money = Decimal("100000.0000")
    return {
        "order_id": order_id,
        "order_reference": f"#JKT-{order_id}",
        "order_date": "2026-11-20 03:10:00",
        "closed_date": "2026-11-20 03:15:00",
        "modified_date": "2026-11-20 03:15:00",
        "status": "completed",
        "outlet_code": "JKT",
        "outlet_name": "Jakarta Kemang",
        "tax_inclusive": False,
        "total_order_amount": money,
        "subtotal": money,
        "total_tax_amount": Decimal("0"),
        "total_amount": money,
        "order_details": [
            {
                "order_detail_id": f"{order_id}-d1",
                "product_name": name,
                "sku": sku,
                "product_type": product_type,
                "quantity": Decimal("1"),
                "base_price": money,
                "total_order_amount": money,
                "subtotal": money,
                "taxable": False,
                "tax_percentage": Decimal("0"),
                "tax_amount": Decimal("0"),
            }
        ],
        "transactions": [
            {"order_id": order_id, "type": "sale", "status": "success"}
            | {"transaction_date": "2026-11-20 03:15:00"}
            | payment
            for payment in payments
        ],
    }


def payment(
    transaction_id: str, name: str, gateway: str, amount: int, mdr: list | None = None
) -> dict:
    return {
        "transaction_id": transaction_id,
        "payment_type_name": name,
        "gateway": gateway,
        "amount": Decimal(amount),
        "mdr": mdr,
    }
