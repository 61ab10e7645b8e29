"""The demo till's cash rounding (I-31): to the nearest Rp 100 by default, to another multiple
with `cash_rounding` (`SANDBOX_ISELLER_CASH_ROUNDING`), the money identity kept."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from journal_sandbox.demo_merchant import OUTLETS, DemoMerchant
from journal_sandbox.iseller_app import CASH_ROUNDING_ENV, ISellerSandbox

DAY = date(2026, 11, 5)


def _cash_orders(merchant: DemoMerchant) -> list[dict]:
    orders = [
        generated.final
        for outlet in OUTLETS
        for generated in merchant.orders_for_day(outlet.outlet_code, DAY)
    ]
    return [o for o in orders if Decimal(str(o["rounding_amount"]))]


@pytest.mark.parametrize("step", [100, 500, 1000])
def test_cash_orders_are_rounded_half_up_to_the_multiple(step: int) -> None:
    merchant = DemoMerchant(
        seed=7, orders_per_outlet_per_day=60, start_date=DAY, cash_rounding=step
    )
    rounded = _cash_orders(merchant)
    assert rounded
    for order in rounded:
        total, rounding = (
            Decimal(str(order["total_amount"])),
            Decimal(str(order["rounding_amount"])),
        )
        assert total % step == 0 and -step / 2 < rounding <= step / 2, order["order_reference"]
    if step > 200:  # down and up by more than Rp 100 both occur
        amounts = [Decimal(str(o["rounding_amount"])) for o in rounded]
        assert min(amounts) < -100 and max(amounts) > 100


def test_the_emulator_reads_its_rounding_from_the_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(CASH_ROUNDING_ENV, "500")
    sandbox = ISellerSandbox(tmp_path / "a", orders_per_outlet_per_day=4, start_date=DAY)
    assert sandbox.merchant.cash_rounding == 500
    monkeypatch.setenv(CASH_ROUNDING_ENV, "lima ratus")
    with pytest.raises(ValueError, match=CASH_ROUNDING_ENV):
        ISellerSandbox(tmp_path / "b", orders_per_outlet_per_day=4, start_date=DAY)
    with pytest.raises(ValueError, match="cash_rounding"):
        DemoMerchant(seed=7, start_date=DAY, cash_rounding=0)
