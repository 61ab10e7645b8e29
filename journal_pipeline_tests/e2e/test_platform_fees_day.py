"""A food-delivery order of a demo day, over HTTP to both emulators: iSeller serves its profit
details (the platform's admin fee and commission, and the delivery the merchant covered, which
its profit total says was deducted), the sync books them as the fee kept from
its payment, Jurnal gets one journal entry of that amount, its fee account equals the
canonical journal's, and the reconciliation expects the payment less the fees at the bank;
per order and in daily-summary mode alike."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import dagster as dg
import pytest

from journal_pipeline.sync.reconciliation import day_expected
from journal_pipeline_tests.e2e.demo_week import ASSETS, CONFIG, synced_demo_week
from journal_pipeline_tests.e2e.test_dialects_week import _by_account, _trial_balance
from journal_pipeline_tests.sync.test_payment_fees import _entries
from journal_sandbox.defaults import DEMO_CONFIG

FIXED_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
DAY = date(2026, 11, 19)
FEES = CONFIG.accounts["payment_fees"]
ADMIN_FEE, COMMISSION = Decimal("1000"), Decimal("0.20")  # GoFood-like: 20% commission
SELLER_SHIPPING = Decimal("8000")  # delivery the merchant paid for, kept by the platform


def _gopay_sales(orders: list[dict]) -> list[dict]:
    """Completed orders of DAY's window paid once, by GoPay."""
    return [
        o
        for o in orders
        if o["status"] == "completed"
        and len(o["transactions"]) == 1
        and o["transactions"][0]["payment_type_name"] == "GoPay"
        and o["closed_date"].startswith(("2026-11-19", "2026-11-18 17", "2026-11-18 2"))
    ]


def _delivered(fees: dict[str, int], shipping: Decimal = Decimal(0)):
    """Serves the order as a GoFood order: the platform's admin fee and commission and, when
    ``shipping``, delivery the merchant covered, deducted as the profit total says."""

    def serve(order: dict) -> None:
        total = Decimal(str(order["total_amount"]))
        commission = (total * COMMISSION).quantize(Decimal("1"))
        order.update(channel="food_delivery", channel_detail="gofood")
        details = {"admin_fee": ADMIN_FEE, "commission_fee": commission}
        if shipping:
            profit = total - ADMIN_FEE - commission - shipping
            details |= {
                "total_order_amount": total,
                "shipping_by_seller": shipping,
                "total_amount_profit": profit,
            }
        order["profit_details"] = [details]
        fees[order["transactions"][0]["transaction_id"]] = int(ADMIN_FEE + commission + shipping)

    return serve


@pytest.fixture(scope="module", params=["per_order", "daily_summary"])
def day(request, tmp_path_factory):
    base = tmp_path_factory.mktemp(f"platform-fees-{request.param}")
    config = base / "config.yaml"
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    config.write_text(text.replace("posting_mode: per_order", f"posting_mode: {request.param}"))
    with synced_demo_week(
        base, [], orders_per_outlet_per_day=6, now=FIXED_NOW, history_days=2, config=config
    ) as week:
        chosen = _gopay_sales(week.iseller.served_orders())[:2]
        assert chosen, "the demo day has GoPay sales"
        week.fees = {}
        week.iseller.tamper.orders(  # the first with delivery the merchant covered
            {
                o["order_id"]: _delivered(week.fees, SELLER_SHIPPING if n == 0 else Decimal(0))
                for n, o in enumerate(chosen)
            }
        )
        result = dg.materialize(ASSETS, partition_key=DAY.isoformat(), resources=week.resources)
        assert result.success
        yield week


def test_each_platform_fee_is_one_journal_entry_of_its_amount(day):
    assert day.fees and all(fee > 1000 for fee in day.fees.values())
    entries = _entries(day.jurnal.client())
    for transaction_id, fee in day.fees.items():
        (entry,) = entries[f"{transaction_id}/F"]
        assert Decimal(str(entry["total_debit"])) == fee  # not GoPay's 0.7% MDR
        assert "platform fees kept from the GoPay payment" in entry["memo"]


def test_jurnal_fee_account_equals_the_canonical_fees(day):
    journal = day.store.read_journal(DAY)
    ours = _by_account([journal])
    theirs = _trial_balance(day.jurnal.client(), DAY, DAY)
    assert theirs[FEES] == ours[FEES] > sum(day.fees.values())  # with the day's other MDR


def test_the_bank_is_expected_to_get_the_payments_less_the_fees(day):
    expected = day_expected(day.store, CONFIG, DAY)
    journal = day.store.read_journal(DAY)
    booked = journal[journal["entry_id"].str.startswith("money:mdr:")]
    # what the reconciliation deducts is what was booked, platform fees included
    assert sum(r.mdr for r in expected) == int(booked["debit"].sum())
    gopay = [r for r in expected if r.method == "GoPay"]
    assert sum(r.mdr for r in gopay) >= sum(day.fees.values())  # and any other GoPay MDR
