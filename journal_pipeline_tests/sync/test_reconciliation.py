"""What a day's reconciliation is made from, on a real staging database: the day's refunds
stay in its expected settlements whatever changes come later; a bank line naming a day
reconciles that day again, however late it arrives."""

from datetime import date, timedelta

from journal_pipeline.config import load_config
from journal_pipeline.core.statement_lines import MONEY_OUT
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.reconciliation import day_expected, days_touched, reconcile_day
from journal_pipeline_tests.recon_orders import line, paid_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
MONDAY, WEDNESDAY = date(2026, 11, 16), date(2026, 11, 18)


def _order(modified: str) -> dict:
    """Sold Monday by Debit BCA for 200,000; 50,000 refunded Wednesday (times in UTC: 03:15 and
    04:00 are 10:15 and 11:00 in Jakarta, after the cut-off)."""
    order = paid_order(
        7,
        [
            ("sale", "Debit BCA", "external_debit", 200_000, []),
            ("refund", "Debit BCA", "external_debit", 50_000, []),
        ],
    )
    order["order_date"] = order["closed_date"] = "2026-11-16 03:15:00"
    order["transactions"][0]["transaction_date"] = "2026-11-16 03:15:00"
    order["transactions"][1]["transaction_date"] = "2026-11-18 04:00:00"
    order["modified_date"] = modified
    return order


def _debit_bca(store: StagingStore, day: date) -> list[tuple[int, int, int]]:
    return [
        (row.takings, row.refunds, row.expected)
        for row in day_expected(store, CONFIG, day)
        if row.method == "Debit BCA"
    ]


def test_a_refund_stays_on_its_day_after_the_order_changes_again(tmp_path):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    store.upsert_orders([_order("2026-11-18 04:00:00")])
    refund = {"refund_id": "r1", "order_id": _order("")["order_id"]}
    store.upsert_refunds([{**refund, "refund_date": "2026-11-18 04:00:00"}])
    # Wednesday: nothing taken, 50,000 given back: expected 0 − 50,000 − 0 = −50,000
    assert _debit_bca(store, WEDNESDAY) == [(0, 50_000, -50_000)]

    # the order is changed again on Friday (a note edited): last modified on another day
    store.upsert_orders([_order("2026-11-20 05:00:00")])
    assert _debit_bca(store, WEDNESDAY) == [(0, 50_000, -50_000)]
    (row,) = [
        r
        for r in reconcile_day(store, CONFIG, WEDNESDAY, date(2026, 11, 30), export=False).rows
        if r.method == "Debit BCA"
    ]
    assert (row.refunds, row.expected, row.status) == (50_000, -50_000, "nothing_due")
    # Monday keeps its sale: 200,000 less the 1% MDR (2,000) = 198,000
    assert _debit_bca(store, MONDAY) == [(200_000, 0, 198_000)]


def test_a_named_settlement_arriving_late_reconciles_the_day_it_names():
    """Monday 16 November's QRIS takings (due Tuesday the 17th) arrive eight business days
    late, on Friday the 27th. Step 1 matches a line naming the outlet and the day however late
    it comes, so the Monday is reconciled again, beyond the lag and match window."""
    late = line(date(2026, 11, 27), "ISELLER PAY PAYOUT JKT 20261116", 99_300)
    days = days_touched([late], CONFIG, date(2026, 11, 27))
    # the window of the line's date (lag 2, match window 3, a weekend: from the 20th), and
    # the Monday it names
    assert days == [MONDAY, *(date(2026, 11, 20) + timedelta(days=n) for n in range(8))]

    # one transfer for every outlet names the day and the method, not the outlet: the same
    shared = line(date(2026, 11, 27), "ISELLER PAY PAYOUT 20261116", 299_300)
    assert days_touched([shared], CONFIG, date(2026, 11, 27)) == days

    # a line naming neither outlet nor method, a day it has not reached yet, or money going
    # out: no more
    assert MONDAY not in days_touched(
        [line(date(2026, 11, 27), "TRSF E-BANKING CR 20261116", 99_300)], CONFIG, date(2026, 11, 27)
    )
    assert date(2026, 11, 30) not in days_touched(
        [line(date(2026, 11, 27), "GOPAY SETTLEMENT JKT 20261130", 5_000)],
        CONFIG,
        date(2026, 11, 27),
    )
    assert MONDAY not in days_touched(
        [line(date(2026, 11, 27), "BCA EDC SETTLEMENT JKT 20261116", 5_000, MONEY_OUT)],
        CONFIG,
        date(2026, 11, 27),
    )
