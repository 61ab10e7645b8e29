"""The reconciliation of one business day, worked by hand (orders in `recon_orders.py`)."""

from datetime import date
from decimal import Decimal

from journal_pipeline.accounting.reconciliation import (
    add_business_days,
    expected_settlements,
    reconcile,
    status_counts,
)
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.sync.reconciliation import reported_mdr
from journal_pipeline_tests.recon_orders import DAY, bank_lines, day_orders, line
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)


def _expected():
    orders = day_orders()
    return expected_settlements(order_frames(orders), CONFIG, DAY, reported_mdr(orders))


def _by_method(rows):
    return {row.method: row for row in rows if row.method}


def test_business_days_skip_the_weekend():
    friday = date(2026, 11, 20)
    assert add_business_days(friday, 1) == date(2026, 11, 23)  # Monday
    assert add_business_days(friday, 2) == date(2026, 11, 24)
    assert add_business_days(date(2026, 11, 21), 1) == date(2026, 11, 23)  # Saturday's → Monday
    assert add_business_days(date(2026, 11, 18), 2) == date(2026, 11, 20)


def test_expected_settlements_per_method_by_hand():
    rows = {r.method: r for r in _expected()}
    qris = rows["QRIS"]  # 100,000 − 10,000 refund − iSeller's MDR 700 = 89,300, Monday
    assert (qris.takings, qris.refunds, qris.mdr, qris.expected) == (100_000, 10_000, 700, 89_300)
    assert qris.expected_date == date(2026, 11, 23)
    debit = rows["Debit BCA"]  # 1% of 250,000 = 2,500 → 247,500, Monday
    assert (debit.mdr, debit.expected, debit.expected_date) == (2_500, 247_500, date(2026, 11, 23))
    card = rows["Kartu Kredit"]  # 2% of 333,375 = 6,667.5 → 6,668 (half-up) → 326,707, Tuesday
    assert (card.mdr, card.expected, card.expected_date) == (6_668, 326_707, date(2026, 11, 24))
    gopay = rows["GoPay"]  # 0.7% of 50,000 = 350 → 49,650, Tuesday
    assert (gopay.mdr, gopay.expected, gopay.expected_date) == (350, 49_650, date(2026, 11, 24))
    assert (rows["Cash"].expected, rows["Cash"].expected_date) == (187_702, date(2026, 11, 23))
    gift = rows["Gift Card"]
    assert (gift.bank_account, gift.expected_date) == (None, None)


def test_matched_short_overdue_and_an_unmatched_line():
    rows = reconcile(_expected(), bank_lines(), CONFIG, DAY, as_of=date(2026, 11, 30))
    by = _by_method(rows)
    assert (by["QRIS"].status, by["QRIS"].received, by["QRIS"].variance) == (
        "matched",
        Decimal(89_300),
        Decimal(0),
    )
    assert "names the outlet, the day and the method" in by["QRIS"].explanation
    assert (by["Debit BCA"].status, by["Debit BCA"].variance) == ("short", Decimal(-2_500))
    assert by["Debit BCA"].explanation.endswith("Rp 2.500 short")
    # GoPay: no name on the line, the same amount a day after it was due
    assert (by["GoPay"].status, by["GoPay"].received_date) == ("matched", date(2026, 11, 25))
    assert by["GoPay"].age_days == 1
    assert "the same amount" in by["GoPay"].explanation
    assert by["Cash"].status == "matched"
    # the card settlement was due Tuesday 24th: on the 30th it is 6 days late, more than 3
    card = by["Kartu Kredit"]
    assert (card.status, card.age_days, card.received) == ("overdue", 6, None)
    assert by["Gift Card"].status == "not_settled"
    unmatched = [r for r in rows if r.kind == "unmatched_line"]
    assert [(r.reference, r.received) for r in unmatched] == [("BIAYA ADM", Decimal(-15_000))]
    counts = status_counts(rows)
    assert (counts["matched"], counts["short"], counts["overdue"]) == (3, 1, 1)
    assert (counts["not_settled"], counts["unmatched"]) == (1, 1)


def test_before_the_money_is_due_everything_is_pending():
    rows = reconcile(_expected(), [], CONFIG, DAY, as_of=date(2026, 11, 21))
    statuses = {r.method: r.status for r in rows}
    assert statuses == {
        "Cash": "pending",
        "Debit BCA": "pending",
        "Gift Card": "not_settled",
        "GoPay": "pending",
        "Kartu Kredit": "pending",
        "QRIS": "pending",
    }


def test_a_settlement_received_late_moves_the_row_from_overdue_to_matched():
    # due Tuesday the 24th, arrives Monday the 30th: 4 business days (6 calendar days) late
    late = line(date(2026, 11, 30), "BCA CC SETTLEMENT JKT 20261120", 326_707)
    rows = reconcile(_expected(), [*bank_lines(), late], CONFIG, DAY, as_of=date(2026, 12, 1))
    card = _by_method(rows)["Kartu Kredit"]
    assert (card.status, card.received_date, card.age_days) == ("matched", date(2026, 11, 30), 6)


def test_a_line_is_claimed_once_and_a_line_named_for_another_day_is_left_alone():
    lines = [
        line(date(2026, 11, 23), "TRANSFER MASUK", 89_300),
        line(date(2026, 11, 23), "ISELLER PAY PAYOUT JKT 20261119", 247_500),
    ]
    rows = reconcile(_expected(), lines, CONFIG, DAY, as_of=date(2026, 11, 23))
    by = _by_method(rows)
    assert by["QRIS"].status == "matched"  # the unnamed line of its exact amount
    assert by["Debit BCA"].status == "pending"  # the other line names Thursday's payout
    claimed = [r.line_key for r in rows if r.line_key and r.kind == "settlement"]
    assert len(claimed) == len(set(claimed)) == 1
