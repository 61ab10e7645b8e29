"""A bank line paying the takings of several days at once (a weekend's card settlements in one
Monday transfer), worked by hand: JKT's Debit BCA takings of Friday 20, Saturday 21 and Sunday
22 November 2026, all due Monday the 23rd (one business day later), expected 247,500, 180,000
and 120,000; the bank's one line on Monday, ``BCA EDC SETTLEMENT JKT``, names no day.

Each day is reconciled on its own, with the other days' rows as their own reconciliation
staged them (`Neighbour`), in any order: each row is paid its own amount from the line."""

from datetime import date, timedelta
from decimal import Decimal

from journal_pipeline.accounting.multi_day_settlements import Neighbour
from journal_pipeline.accounting.payouts import Receipt, payout_entries
from journal_pipeline.accounting.reconciliation import Expected, reconcile
from journal_pipeline.config import load_config
from journal_pipeline_tests.recon_orders import expected_row, line
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
FRIDAY, MONDAY = date(2026, 11, 20), date(2026, 11, 23)
DAYS = {FRIDAY: 247_500, FRIDAY + timedelta(1): 180_000, FRIDAY + timedelta(2): 120_000}


def _row(day: date, expected: int, method: str = "Debit BCA") -> Expected:
    return expected_row(day, "JKT", method, "external_debit", expected, MONDAY)


def _reconcile_each_day(lines, days=DAYS, order=None):
    """Reconcile the days one at a time in ``order``, each seeing the others' staged rows and
    the lines they claimed, as the staging database holds them."""
    staged: dict[date, object] = {}
    for day in order or list(days):
        neighbours = [
            Neighbour(_row(other, amount), getattr(staged.get(other), "line_key", None))
            for other, amount in days.items()
            if other != day
        ]
        claimed = {r.line_key for d, r in staged.items() if d != day and r.line_key}
        (row,) = reconcile([_row(day, days[day])], lines, CONFIG, day, MONDAY, claimed, neighbours)[
            :1
        ]
        staged[day] = row
    return staged


def test_one_transfer_for_the_weekend_pays_each_days_row_its_own_amount():
    weekend = line(MONDAY, "BCA EDC SETTLEMENT JKT", 547_500)
    for order in (list(DAYS), list(reversed(DAYS))):  # whichever day is run first
        rows = _reconcile_each_day([weekend], order=order)
        assert {d: (r.status, r.received, r.line_key) for d, r in rows.items()} == {
            d: ("matched", amount, weekend.line_key) for d, amount in DAYS.items()
        }
    assert (
        "one transfer of Rp 547.500 for the Debit BCA takings of JKT on 3 days (2026-11-20, "
        "2026-11-21, 2026-11-22): its amount is theirs together"
    ) in rows[FRIDAY].explanation

    receipts = [
        Receipt.from_row({**r.record(), "payment_method": r.method, "line_amount": weekend.amount})
        for r in rows.values()
    ]
    build = payout_entries(receipts, CONFIG, MONDAY)
    amounts = sorted(d.payload["bank_transfer"]["transfer_amount"] for d in build.documents)
    assert amounts == sorted(DAYS.values()) and sum(amounts) == weekend.amount
    assert len({d.custom_id for d in build.documents}) == 3


def test_a_day_whose_money_did_not_come_stays_open():
    """Sunday's 120,000 never came: the line of 427,500 pays Friday and Saturday only."""
    short_weekend = line(MONDAY, "BCA EDC SETTLEMENT JKT", 427_500)
    for order in (list(DAYS), list(reversed(DAYS))):
        rows = _reconcile_each_day([short_weekend], order=order)
        assert [rows[d].status for d in DAYS] == ["matched", "matched", "pending"], order


def test_a_line_no_set_of_days_adds_up_to_pays_nothing():
    """A line 2,500 short of the three days: nothing in it says which day lacks what."""
    rows = _reconcile_each_day([line(MONDAY, "BCA EDC SETTLEMENT JKT", 545_000)])
    assert {r.status for r in rows.values()} == {"pending"}


def test_the_day_run_alone_pays_nothing_without_the_other_days():
    weekend = line(MONDAY, "BCA EDC SETTLEMENT JKT", 547_500)
    (row,) = reconcile([_row(FRIDAY, DAYS[FRIDAY])], [weekend], CONFIG, FRIDAY, MONDAY)[:1]
    assert (row.status, row.received) == ("pending", None)


def test_a_line_another_row_holds_whole_is_left_to_it():
    """Saturday's GoPay row of 427,500 took the line whole (its own rule): Friday and Saturday's
    Debit BCA, which would add up to it too, leave it."""
    line_ = line(MONDAY, "TRANSFER MASUK", 427_500)
    gopay = Neighbour(_row(FRIDAY + timedelta(1), 427_500, "GoPay"), line_.line_key)
    friday = reconcile(
        [_row(FRIDAY, DAYS[FRIDAY])],
        [line_],
        CONFIG,
        FRIDAY,
        MONDAY,
        {line_.line_key},
        [gopay, Neighbour(_row(FRIDAY + timedelta(1), DAYS[FRIDAY + timedelta(1)]), None)],
    )[0]
    assert (friday.status, friday.received) == ("pending", None)
    assert Decimal(sum(list(DAYS.values())[:2])) == line_.amount  # it would have added up


def test_a_few_rupiah_of_fee_rounding_go_on_the_largest_row():
    """The bank takes its 1% off each day's total, rounded; the pipeline expects it off each
    payment, rounded: the line is Rp 2 over the three days' sum. Each day is paid its own amount,
    Friday (the largest) also the 2 rupiah, whichever day is run first."""
    weekend = line(MONDAY, "BCA EDC SETTLEMENT JKT", 547_502)
    for order in (list(DAYS), list(reversed(DAYS))):
        rows = _reconcile_each_day([weekend], order=order)
        assert {d: (r.status, r.received) for d, r in rows.items()} == {
            FRIDAY: ("over", 247_502),
            FRIDAY + timedelta(1): ("matched", 180_000),
            FRIDAY + timedelta(2): ("matched", 120_000),
        }
    assert "but for Rp 2 (rounding of the fees), shown on this row, the largest" in (
        rows[FRIDAY].explanation
    )
