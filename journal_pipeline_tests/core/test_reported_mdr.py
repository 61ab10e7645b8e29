"""The fee of a payment's ``mdr[]`` entries under each reading of ``payment_method_fee``
(I-49): the fee in rupiah, its rate in percent, or the payment method's name."""

from __future__ import annotations

from decimal import Decimal

import pytest

from journal_pipeline.core.reported_mdr import mdr_fee

PAID = 187_702  # 0.7% of it is 1,313.914: Rp 1,314 kept, Rp 186,388 left


@pytest.mark.parametrize(
    "stated",
    [Decimal(1314), 1314.0, "1314.0000", Decimal("0.70"), 0.7, "0.7", "QRIS", None, ""],
    ids=[
        "rupiah",
        "rupiah-float",
        "rupiah-text",
        "rate",
        "rate-float",
        "rate-text",
        "method",
        "null",
        "empty",
    ],
)
def test_every_reading_with_the_net_gives_the_fee_kept(stated) -> None:
    sale = {"amount": PAID, "mdr": [{"payment_method_fee": stated, "total_amount_fee": 186_388}]}
    assert mdr_fee(sale) == 1314


def test_without_the_net_the_stated_fee_is_read_as_rupiah() -> None:
    assert mdr_fee({"amount": PAID, "mdr": [{"payment_method_fee": "1314"}]}) == 1314
    assert mdr_fee({"amount": PAID, "mdr": [{"payment_method_fee": "QRIS"}]}) == 0


def test_a_stated_fee_the_net_does_not_confirm_is_read_as_rupiah() -> None:
    sale = {"amount": PAID, "mdr": [{"payment_method_fee": 1500, "total_amount_fee": 186_388}]}
    assert mdr_fee(sale) == 1500


def test_no_entries_is_no_fee_and_entries_add_up() -> None:
    assert mdr_fee({"amount": PAID, "mdr": []}) is None
    assert mdr_fee({"amount": PAID}) is None
    two = [
        {"payment_method_fee": 1000, "total_amount_fee": PAID - 1000},
        {"payment_method_fee": "QRIS", "total_amount_fee": PAID - 314},
    ]
    assert mdr_fee({"amount": str(PAID), "mdr": two}) == 1314
