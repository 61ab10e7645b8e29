"""The reconciliation of one business day, worked by hand (orders in `recon_orders.py`)."""

from datetime import date
from decimal import Decimal

import pytest

from journal_pipeline.accounting.payouts import Receipt, payout_entries
from journal_pipeline.accounting.reconciliation import (
    add_business_days,
    expected_settlements,
    reconcile,
    status_counts,
)
from journal_pipeline.config import MerchantConfig, load_config
from journal_pipeline.core.bank_calendar import bank_calendar
from journal_pipeline.core.statement_lines import MONEY_OUT
from journal_pipeline.defs.recon_assets import bar_chart
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.sync.reconciliation import reported_mdr
from journal_pipeline_tests.recon_orders import (
    DAY,
    bank_lines,
    day_orders,
    expected_row,
    line,
    paid_order,
)
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


def test_business_days_skip_indonesias_holidays_and_joint_leave():
    indonesia = bank_calendar("ID")
    # Wednesday 23 Dec 2026: Thursday is joint leave (cuti bersama), Friday Christmas
    assert add_business_days(date(2026, 12, 23), 1, indonesia) == date(2026, 12, 28)
    assert add_business_days(date(2026, 12, 22), 2, indonesia) == date(2026, 12, 28)
    assert indonesia.closed_because(date(2026, 12, 25)) == "Christmas Day"
    # Lebaran 2026: Friday 20 to Tuesday 24 March closed; Wednesday the 18th's next day
    # (the 19th is Nyepi) is Wednesday the 25th
    assert add_business_days(date(2026, 3, 18), 1, indonesia) == date(2026, 3, 25)
    assert add_business_days(date(2026, 3, 18), 1) == date(2026, 3, 19)  # Monday–Friday only
    # the config corrects the calendar either way
    fixed = bank_calendar("ID", extra=[date(2026, 12, 28)], open_on=[date(2026, 12, 24)])
    assert add_business_days(date(2026, 12, 23), 1, fixed) == date(2026, 12, 24)
    assert add_business_days(date(2026, 12, 24), 1, fixed) == date(2026, 12, 29)


def _with_recon(**changes) -> MerchantConfig:
    data = CONFIG.model_dump()
    data["reconciliation"].update(changes)
    return MerchantConfig.model_validate(data)


def test_a_holiday_moves_the_due_date_and_the_pending_row_says_why():
    monday = date(2026, 11, 23)
    config = _with_recon(holiday_calendar="ID", extra_holidays=[monday])
    orders = day_orders()
    rows = {
        r.method: r
        for r in expected_settlements(order_frames(orders), config, DAY, reported_mdr(orders))
    }
    # Friday's lag-1 takings skip the weekend and Monday; lag 2 lands on Wednesday
    assert rows["QRIS"].expected_date == rows["Cash"].expected_date == date(2026, 11, 24)
    assert rows["Kartu Kredit"].expected_date == date(2026, 11, 25)
    pending = _by_method(reconcile(list(rows.values()), [], config, DAY, as_of=monday))
    assert pending["QRIS"].status == "pending"
    assert (
        "on 2026-11-24 (after the bank's holidays: 2026-11-23 an extra holiday of the config)"
        in (pending["QRIS"].explanation)
    )
    # on Friday the 27th the card money (due Wednesday) is 2 days late: not yet overdue
    later = _by_method(reconcile(list(rows.values()), [], config, DAY, as_of=date(2026, 11, 27)))
    assert (later["Kartu Kredit"].status, later["Kartu Kredit"].age_days) == ("pending", 2)
    # without a calendar the same takings were due Monday and Tuesday
    plain = _with_recon(holiday_calendar=None)
    assert [
        r.expected_date
        for r in expected_settlements(order_frames(orders), plain, DAY, reported_mdr(orders))
        if r.method == "QRIS"
    ] == [monday]


def test_a_wallet_paying_out_every_day_counts_calendar_days():
    data = CONFIG.model_dump()
    data["settlements"]["GoPay"].update(lag_days=1, lag_counts="calendar_days")
    config = MerchantConfig.model_validate(data)
    orders = day_orders()
    rows = _by_method(expected_settlements(order_frames(orders), config, DAY, reported_mdr(orders)))
    # Friday's GoPay money arrives on Saturday; the card money still waits for Tuesday
    assert rows["GoPay"].expected_date == date(2026, 11, 21)
    assert rows["Kartu Kredit"].expected_date == date(2026, 11, 24)
    friday = line(date(2026, 11, 21), "GOPAY SETTLEMENT JKT 20261120", 49_650)
    matched = _by_method(
        reconcile(list(rows.values()), [friday], config, DAY, as_of=date(2026, 11, 23))
    )
    assert (matched["GoPay"].status, matched["GoPay"].age_days) == ("matched", 0)


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


def test_overdue_counts_the_days_the_bank_was_open():
    # the card money is due Tuesday the 24th; overdue after 3 days
    saturday = _by_method(reconcile(_expected(), [], CONFIG, DAY, as_of=date(2026, 11, 28)))
    assert saturday["Kartu Kredit"].status == "pending"  # 4 days on, 3 of them open
    monday = _by_method(reconcile(_expected(), [], CONFIG, DAY, as_of=date(2026, 11, 30)))
    assert (monday["Kartu Kredit"].status, monday["Kartu Kredit"].age_days) == ("overdue", 6)
    assert "nothing received 6 days later, 4 of them the bank's open days (overdue after 3)" in (
        monday["Kartu Kredit"].explanation
    )
    # Christmas 2026: due Wednesday the 23rd, the bank closed 24-25 December and the weekend
    holidays = _with_recon(holiday_calendar="ID")
    christmas = date(2026, 12, 23)
    assert holidays.reconciliation.calendar.open_days_after(christmas, date(2026, 12, 28)) == 1
    rule = holidays.settlement("Kartu Kredit", None)
    assert (
        rule is not None
        and rule.days_late(christmas, date(2026, 12, 29), holidays.reconciliation.calendar) == 2
    )
    # a rule counted in calendar days is late every day
    data = CONFIG.model_dump()
    data["settlements"]["GoPay"].update(lag_days=1, lag_counts="calendar_days")
    wallet = MerchantConfig.model_validate(data)
    rows = _by_method(reconcile(_expected_with(wallet), [], wallet, DAY, as_of=date(2026, 11, 25)))
    assert rows["GoPay"].expected_date == date(2026, 11, 21)
    assert (rows["GoPay"].status, rows["GoPay"].age_days) == ("overdue", 4)
    assert "of them the bank's open days" not in rows["GoPay"].explanation


def _expected_with(config: MerchantConfig):
    orders = day_orders()
    return expected_settlements(order_frames(orders), config, DAY, reported_mdr(orders))


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


def test_an_unnamed_line_near_the_amount_is_only_a_suggestion():
    """The card settlement (expected 326,707, due Tuesday the 24th) has not arrived. A
    customer's transfer of 5,000,000 on the 24th names no outlet or day: 4,673,293 off, beyond
    the tolerance (Rp 100,000), it settles nothing. A line of 320,000 (6,707 short, within the
    tolerance) is suggested, for a person to confirm, and pays nothing out."""
    stranger = line(date(2026, 11, 24), "TRSF E-BANKING CR PT SUMBER REJEKI INV-0042", 5_000_000)
    rows = reconcile(_expected(), [*bank_lines(), stranger], CONFIG, DAY, date(2026, 11, 30))
    card = _by_method(rows)["Kartu Kredit"]
    assert (card.status, card.received, card.line_key) == ("overdue", None, None)
    assert stranger.line_key not in {r.line_key for r in rows if r.kind == "settlement"}

    near = line(date(2026, 11, 24), "TRSF E-BANKING CR 2411 WS95031", 320_000)
    rows = reconcile(_expected(), [*bank_lines(), near], CONFIG, DAY, date(2026, 11, 30))
    card = _by_method(rows)["Kartu Kredit"]
    assert (card.status, card.received, card.variance) == ("suggested", 320_000, -6_707)
    assert "a suggested match" in card.explanation and "no payout moves it" in card.explanation
    assert status_counts(rows)["suggested"] == 1
    receipt = Receipt.from_row({**card.record(), "payment_method": card.method})
    assert payout_entries([receipt], CONFIG, date(2026, 11, 24)).documents == []
    # the asset's chart shows it expected, not received
    chart = bar_chart(rows).splitlines()
    expected_at = next(i for i, text in enumerate(chart) if text.startswith("Kartu Kredit"))
    assert chart[expected_at].endswith("Rp 326.707")
    assert "received" in chart[expected_at + 1] and chart[expected_at + 1].endswith(" Rp 0")


def test_a_method_spelled_two_ways_is_one_row_named_as_the_config_names_it():
    """Debit BCA 100,000, "DEBIT BCA" 50,000 and "debit bca" 10,000: one row, named as the
    config names it, 160,000 less 1% (1,600) = 158,400."""
    orders = [
        paid_order(1, [("sale", "Debit BCA", "external_debit", 100_000, [])]),
        paid_order(2, [("sale", "DEBIT BCA", "external_debit", 50_000, [])]),
        paid_order(3, [("sale", "debit bca", "external_debit", 10_000, [])]),
    ]
    (row,) = expected_settlements(order_frames(orders), CONFIG, DAY, reported_mdr(orders))
    assert (row.method, row.takings, row.mdr, row.expected) == (
        "Debit BCA",
        160_000,
        1_600,
        158_400,
    )


def test_refunds_above_the_takings_are_owed_back_and_the_banks_debit_settles_them():
    """JKT's QRIS on Friday: a sale of 20,000 (iSeller's MDR 140) and a refund of 50,000 of an
    earlier sale: 30,140 owed back to iSeller Pay. Until the bank shows it taken the row is
    nothing_due, saying so; a money-out line naming the row, or one of exactly 30,140, is the
    gateway taking it: matched, received −30,140, and one bank transfer from the bank back into
    the clearing account (its refunds left it owing that much)."""
    fee = [{"payment_method_fee": Decimal("140"), "total_amount_fee": Decimal("19860")}]
    orders = [
        paid_order(7, [("sale", "QRIS", "iseller_pay", 20_000, fee)]),
        paid_order(8, [("refund", "QRIS", "iseller_pay", 50_000, [])]),
    ]
    (row,) = expected_settlements(order_frames(orders), CONFIG, DAY, reported_mdr(orders))
    assert row.expected == 20_000 - 50_000 - 140 == -30_140
    monday = date(2026, 11, 23)
    (waiting,) = reconcile([row], [], CONFIG, DAY, as_of=monday)
    assert (waiting.status, waiting.received) == ("nothing_due", None)
    assert "Rp 30.140 owed back to the gateway, not taken from Rekening Bank so far" in (
        waiting.explanation
    )

    fee_line = line(DAY, "BIAYA ADM", 15_000, MONEY_OUT)  # listed on its day, not taken
    for debit in (
        line(monday, "ISELLER PAY PAYOUT JKT 20261120", 30_140, MONEY_OUT),
        line(monday, "DEBIT QRIS ISELLER", 30_140, MONEY_OUT, nth=2),
    ):
        taken, unmatched = reconcile([row], [debit, fee_line], CONFIG, DAY, as_of=monday)
        assert (taken.status, taken.received, taken.variance) == ("matched", -30_140, 0)
        assert taken.line_key == debit.line_key
        assert "Rp 30.140 owed back, due 2026-11-23; Rp 30.140 taken from Rekening Bank" in (
            taken.explanation
        )
        assert (unmatched.kind, unmatched.received) == ("unmatched_line", -15_000)

    receipt = Receipt.from_row({**taken.record(), "payment_method": taken.method})
    build = payout_entries([receipt], CONFIG, monday)
    (transfer,) = [d.payload["bank_transfer"] for d in build.documents]
    clearing = CONFIG.payment_account("QRIS", None, "JKT")
    assert (transfer["refund_from_name"], transfer["deposit_to_name"]) == (
        "Rekening Bank",
        clearing,
    )
    assert transfer["transfer_amount"] == 30_140
    assert "Rp 30.140 owed back" in transfer["memo"]
    sides = build.journal_frame().set_index("account_name")[["debit", "credit"]]
    assert sides.loc[clearing].tolist() == [30_140, 0]
    assert sides.loc["Rekening Bank"].tolist() == [0, 30_140]


def test_a_deposit_naming_the_day_it_was_made_still_matches_its_exact_amount():
    """Friday's cash (187,702, due Monday) deposited on Monday, the bank writing the deposit's
    own date: ``SETORAN TUNAI 20261123``. Its exact amount matches it (the day a line names
    may be the day the money arrived); a line naming another day and a method is only kept
    from suggestions."""
    deposit = line(date(2026, 11, 23), "SETORAN TUNAI 20261123", 187_702)
    cash = _by_method(reconcile(_expected(), [deposit], CONFIG, DAY, as_of=date(2026, 11, 23)))
    assert (cash["Cash"].status, cash["Cash"].line_key) == ("matched", deposit.line_key)
    near = line(date(2026, 11, 23), "SETORAN TUNAI 20261123", 180_000)
    rows = _by_method(reconcile(_expected(), [near], CONFIG, DAY, as_of=date(2026, 11, 23)))
    assert rows["Cash"].status == "pending"  # not suggested: it names another day


def test_a_card_sale_refunded_in_full_owes_its_fee_and_says_so():
    """A Debit BCA sale of 100,000 refunded in full the same day: the 1% fee (1,000) stays with
    the bank (a refund gives no fee back), so the row owes 1,000; it says the fee, not the
    refunds, is above what is left."""
    orders = [
        paid_order(9, [("sale", "Debit BCA", "external_debit", 100_000, [])]),
        paid_order(10, [("refund", "Debit BCA", "external_debit", 100_000, [])]),
    ]
    (row,) = expected_settlements(order_frames(orders), CONFIG, DAY, reported_mdr(orders))
    assert (row.takings, row.refunds, row.mdr, row.expected) == (100_000, 100_000, 1_000, -1_000)
    (waiting,) = reconcile([row], [], CONFIG, DAY, as_of=date(2026, 11, 23))
    assert waiting.status == "nothing_due"
    assert "the fee above what the refunds left: Rp 1.000 owed back" in waiting.explanation


def test_a_void_gives_its_fee_back_where_the_rule_says_so():
    """The same Debit BCA sale voided instead of refunded: with ``fee_on_void: returned`` the
    bank never settled it, so no fee; the row expects nothing. By default (kept) it owes the
    fee as a refunded sale does."""
    orders = [
        paid_order(
            11,
            [
                ("sale", "Debit BCA", "external_debit", 100_000, []),
                ("void", "Debit BCA", "external_debit", 100_000, []),
            ],
        )
    ]
    data = CONFIG.model_dump()
    data["settlements"]["Debit BCA"]["fee_on_void"] = "returned"
    returning = MerchantConfig.model_validate(data)
    (row,) = expected_settlements(order_frames(orders), returning, DAY, reported_mdr(orders))
    assert (row.takings, row.refunds, row.mdr, row.expected) == (100_000, 100_000, 0, 0)
    (nothing,) = reconcile([row], [], returning, DAY, as_of=date(2026, 11, 23))
    assert (nothing.status, nothing.explanation.endswith("nothing is due to the bank")) == (
        "nothing_due",
        True,
    )
    (kept,) = expected_settlements(order_frames(orders), CONFIG, DAY, reported_mdr(orders))
    assert (kept.mdr, kept.expected) == (1_000, -1_000)


def test_a_line_naming_the_outlet_by_the_banks_merchant_id_is_named_for_its_row():
    """A bank writes its merchant id (MID) for the outlet, not the merchant's outlet code:
    with ``statement_names`` saying 8850001001 is JKT, ``BCA EDC SETTLEMENT MID 8850001001
    20261120`` names JKT's Debit BCA row of the day and pays it, 2,500 short; BDG's stays open.
    Without, the line names the day and the method only, and is read as one transfer for both
    outlets, BDG's 100,000 and all counted as JKT's shortfall."""
    monday = date(2026, 11, 23)
    rows = [
        expected_row(DAY, "JKT", "Debit BCA", "external_debit", 247_500, monday),
        expected_row(DAY, "BDG", "Debit BCA", "external_debit", 100_000, monday),
    ]
    paid = line(monday, "BCA EDC SETTLEMENT MID 8850001001 20261120", 245_000)
    found = {r.outlet_code: r for r in reconcile(rows, [paid], CONFIG, DAY, as_of=monday)}
    assert (found["JKT"].status, found["JKT"].received, found["JKT"].variance) == (
        "short",
        245_000,
        -2_500,
    )
    assert "names the outlet, the day and the method" in found["JKT"].explanation
    assert (found["BDG"].status, found["BDG"].received) == ("pending", None)
    unnamed = _with_recon(statement_names={})
    found = {r.outlet_code: r for r in reconcile(rows, [paid], unnamed, DAY, as_of=monday)}
    assert found["BDG"].received == 100_000 and found["JKT"].variance == -102_500
    # a name standing for no outlet and no method is refused, naming the word
    with pytest.raises(ValueError, match="'8850009999': 'SBY' names no outlet"):
        _with_recon(statement_names={"8850009999": "SBY"})
    terminal = _with_recon(statement_names={"TID 00123": "JKT Debit BCA"})
    assert terminal.reconciliation.statement_names == {"TID 00123": "JKT Debit BCA"}
