"""Orders and statement lines for the reconciliation tests (amounts worked by hand there).

Jakarta Kemang (JKT), business day Friday 2026-11-20; every order is the hand-checked retail
order of `accounting/orders.py` with its payments replaced.
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

from journal_pipeline.accounting.reconciliation import Expected
from journal_pipeline.core.statement_lines import MONEY_IN, MONEY_OUT, StatementLine, line_key
from journal_pipeline_tests.accounting.orders import retail_order

DAY = date(2026, 11, 20)  # a Friday: one business day later is Monday the 23rd
BANK = "Rekening Bank"


def paid_order(number: int, payments: list[tuple[str, str, str, int, list]]) -> dict:
    """The retail order as order ``number``, paid by (type, method, gateway, amount, mdr[])."""
    order = copy.deepcopy(retail_order())
    order_id = f"00000000-0000-0000-0000-{number:012d}"
    order["order_id"] = order_id
    order["order_reference"] = f"#JKT-{number:06d}"
    order["transactions"] = [
        {
            "transaction_id": f"t{number}-{index}",
            "order_id": order_id,
            "transaction_date": "2026-11-20 03:15:00",
            "type": kind,
            "status": "success",
            "gateway": gateway,
            "payment_type_name": method,
            "amount": Decimal(amount),
            "mdr": mdr,
        }
        for index, (kind, method, gateway, amount, mdr) in enumerate(payments)
    ]
    return order


def day_orders() -> list[dict]:
    """QRIS 100,000 (iSeller's MDR 700) less a refund of 10,000; Debit BCA 250,000; Kartu
    Kredit 333,375; GoPay 50,000; Gift Card 20,000; Cash 187,702."""
    fee = [{"payment_method_fee": Decimal("700"), "total_amount_fee": Decimal("99300")}]
    return [
        paid_order(
            1,
            [
                ("sale", "QRIS", "iseller_pay", 100_000, fee),
                ("refund", "QRIS", "iseller_pay", 10_000, []),
            ],
        ),
        paid_order(2, [("sale", "Debit BCA", "external_debit", 250_000, [])]),
        paid_order(3, [("sale", "Kartu Kredit", "external_credit", 333_375, [])]),
        paid_order(4, [("sale", "GoPay", "custom", 50_000, [])]),
        paid_order(5, [("sale", "Gift Card", "gift_card", 20_000, [])]),
        paid_order(6, [("sale", "Cash", "cash", 187_702, [])]),
    ]


def line(
    day: date, description: str, amount: int, direction: str = MONEY_IN, nth: int = 1
) -> StatementLine:
    value = Decimal(amount)
    reference = description.split()[-1] if description[-1].isdigit() else ""
    return StatementLine(
        line_key=line_key(BANK, day, reference + description, value, direction, nth),
        account=BANK,
        line_date=day,
        description=description,
        reference=reference,
        amount=value,
        direction=direction,
        balance=None,
        source=f"mutasi_rekening_{day:%Y%m%d}.csv",
        line_no=nth,
    )


def bank_lines() -> list[StatementLine]:
    """What reached the bank: QRIS in full, Debit BCA 2,500 short, GoPay by amount only (no
    name), cash in full; the credit card settlement never came; a bank fee on the day."""
    monday, wednesday = date(2026, 11, 23), date(2026, 11, 25)
    return [
        line(DAY, "BIAYA ADM", 15_000, MONEY_OUT),
        line(monday, "ISELLER PAY PAYOUT JKT 20261120", 89_300),
        line(monday, "BCA EDC SETTLEMENT JKT 20261120", 245_000),
        line(monday, "SETORAN TUNAI JKT 20261120", 187_702),
        line(wednesday, "TRANSFER MASUK", 49_650),
    ]


def expected_row(
    day: date, outlet: str, method: str, gateway: str, expected: int, due: date
) -> Expected:
    """An expected settlement of ``expected`` rupiah (no refunds or fee), due ``due``."""
    return Expected(
        business_date=day,
        outlet_code=outlet,
        method=method,
        gateway=gateway,
        takings=expected,
        refunds=0,
        mdr=0,
        booked_takings=expected,
        bank_account=BANK,
        expected_date=due,
    )
