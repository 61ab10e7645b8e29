"""A bank line that pays several outlets' rows at once (iSeller Pay paying all outlets in one
transfer, docs/assumptions/bank.md B-6 (b)), worked by hand: QRIS takings of Friday
2026-11-20 expected on Monday the 23rd, JKT 89,300, DPS 150,000 and BDG 60,700 (300,000 in
all)."""

from datetime import date
from decimal import Decimal

from journal_pipeline.accounting.payouts import (
    Receipt,
    part_digest,
    payout_entries,
    payout_numbers,
    receipt_keys,
)
from journal_pipeline.accounting.reconciliation import reconcile, status_counts
from journal_pipeline.config import load_config
from journal_pipeline.core.statement_lines import MONEY_OUT
from journal_pipeline_tests.recon_orders import BANK, DAY, expected_row, line
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
MONDAY = date(2026, 11, 23)
QRIS = {"JKT": 89_300, "DPS": 150_000, "BDG": 60_700}


def _row(outlet: str, expected: int, method: str = "QRIS", gateway: str = "iseller_pay"):
    return expected_row(DAY, outlet, method, gateway, expected, MONDAY)


def _reconcile(*lines, rows=None):
    expected = rows or [_row(outlet, amount) for outlet, amount in QRIS.items()]
    result = reconcile(expected, list(lines), CONFIG, DAY, as_of=date(2026, 11, 30))
    return {r.outlet_code: r for r in result if r.kind == "settlement"}, result


def test_one_transfer_for_every_outlet_pays_each_row_its_own_amount():
    paid = line(MONDAY, "ISELLER PAY PAYOUT 20261120", 300_000)
    rows, _ = _reconcile(paid)
    for outlet, amount in QRIS.items():
        row = rows[outlet]
        assert (row.status, row.received, row.variance) == ("matched", amount, 0), outlet
        assert row.line_key == paid.line_key and row.received_date == MONDAY
        assert "one transfer of Rp 300.000 for 3 outlets (BDG, DPS, JKT)" in row.explanation
    assert sum(r.received for r in rows.values()) == paid.amount


def test_an_outlet_whose_money_did_not_come_stays_open_and_its_late_transfer_pays_it():
    """The transfer of 239,300 is JKT's and DPS's (BDG's 60,700 is missing): BDG stays open
    until its own transfer, named the same way, arrives four days late."""
    on_time = line(MONDAY, "ISELLER PAY PAYOUT 20261120", 239_300)
    rows, _ = _reconcile(on_time)
    assert {o: (r.status, r.received) for o, r in rows.items()} == {
        "JKT": ("matched", 89_300),
        "DPS": ("matched", 150_000),
        "BDG": ("overdue", None),
    }
    late = line(date(2026, 11, 27), "ISELLER PAY PAYOUT 20261120", 60_700, nth=2)
    rows, result = _reconcile(on_time, late)
    assert (rows["BDG"].status, rows["BDG"].line_key) == ("matched", late.line_key)
    assert rows["BDG"].age_days == 4 and rows["JKT"].line_key == on_time.line_key
    assert status_counts(result)["unmatched"] == 0


def test_a_short_transfer_shows_its_difference_on_the_largest_row():
    paid = line(MONDAY, "ISELLER PAY PAYOUT 20261120", 297_500)
    rows, _ = _reconcile(paid)
    assert (rows["DPS"].status, rows["DPS"].received, rows["DPS"].variance) == (
        "short",
        147_500,
        -2_500,
    )
    assert "Rp 2.500 short of their Rp 300.000, shown on this row, the largest" in (
        rows["DPS"].explanation
    )
    assert [rows[o].status for o in ("JKT", "BDG")] == ["matched", "matched"]
    assert sum(r.received for r in rows.values()) == paid.amount


def test_a_transfer_two_sets_of_rows_add_up_to_pays_none():
    """JKT and BDG took 50,000 each: a transfer of 200,000 is DPS's with either of them."""
    expected = [_row("JKT", 50_000), _row("DPS", 150_000), _row("BDG", 50_000)]
    paid = line(MONDAY, "ISELLER PAY PAYOUT 20261120", 200_000)
    rows, result = _reconcile(paid, rows=expected)
    assert (rows["JKT"].status, rows["BDG"].status) == ("overdue", "overdue")
    # nearest in amount, DPS may be its: only a suggestion, for a person to confirm
    assert rows["DPS"].status == "suggested"
    assert not [r for r in result if r.status in ("matched", "short", "over")]


def test_an_unnamed_transfer_of_the_rows_sum_pays_them_after_lines_of_one_rows_amount():
    """A line naming nothing, of the three QRIS rows' 300,000, pays them together; GoPay's
    300,000 due the same day has its own line. Without it, the unnamed line is GoPay's: a line
    of one row's exact amount is taken before a sum of several."""
    gopay = _row("JKT", 300_000, "GoPay", "custom")
    expected = [*(_row(o, a) for o, a in QRIS.items()), gopay]
    together = line(MONDAY, "TRSF E-BANKING CR PT ISELLER", 300_000)
    own = line(MONDAY, "GOPAY SETTLEMENT JKT 20261120", 300_000, nth=2)
    result = reconcile(expected, [together, own], CONFIG, DAY, as_of=MONDAY)
    qris = [r for r in result if r.method == "QRIS"]
    assert {(r.status, r.line_key) for r in qris} == {("matched", together.line_key)}
    assert "its amount is theirs together" in qris[0].explanation
    assert sum(r.received for r in qris) == together.amount
    by_method = {r.method: r for r in reconcile(expected, [together], CONFIG, DAY, MONDAY)}
    assert (by_method["GoPay"].status, by_method["GoPay"].line_key) == (
        "matched",
        together.line_key,
    )
    assert by_method["QRIS"].status == "pending"


def test_a_line_naming_an_outlet_is_still_that_outlets_alone():
    own = line(MONDAY, "ISELLER PAY PAYOUT JKT 20261120", 89_300)
    rest = line(MONDAY, "ISELLER PAY PAYOUT 20261120", 210_700, nth=2)
    rows, _ = _reconcile(own, rest)
    assert rows["JKT"].line_key == own.line_key and rows["JKT"].received == 89_300
    assert {rows[o].line_key for o in ("DPS", "BDG")} == {rest.line_key}


def test_each_outlets_part_is_its_own_transfer_out_of_clearing():
    paid = line(MONDAY, "ISELLER PAY PAYOUT 20261120", 297_500)
    rows, _ = _reconcile(paid)
    receipts = [
        Receipt.from_row(
            {**r.record(), "payment_method": r.method, "line_reference": "IPY20261120"}
        )
        for r in rows.values()
    ]
    build = payout_entries(receipts, CONFIG, MONDAY)
    transfers = {d.transaction_no: d.payload["bank_transfer"] for d in build.documents}
    parts = {o: part_digest(DAY, o, "QRIS") for o in QRIS}  # each row's part of the line
    assert {n: t["transfer_amount"] for n, t in transfers.items()} == {
        f"PAYOUT/20261123/IPY20261120/BDG-{parts['BDG'][:6]}": 60_700,
        f"PAYOUT/20261123/IPY20261120/DPS-{parts['DPS'][:6]}": 147_500,
        f"PAYOUT/20261123/IPY20261120/JKT-{parts['JKT'][:6]}": 89_300,
    }
    assert sum(t["transfer_amount"] for t in transfers.values()) == paid.amount
    assert {t["custom_id"] for t in transfers.values()} == {
        f"PAYOUT/{paid.line_key}/{parts[o]}" for o in QRIS
    }
    dps = transfers[f"PAYOUT/20261123/IPY20261120/DPS-{parts['DPS'][:6]}"]
    assert dps["tags"] == ["DPS"] and "its part of one transfer for several outlets" in dps["memo"]
    assert "Rp 2.500 short (left in the clearing account)" in dps["memo"]
    lines = build.journal_frame()
    assert (
        lines.groupby("entry_id")[["debit", "credit"]]
        .sum()
        .eq(lines.groupby("entry_id")["debit"].sum(), axis=0)
        .all()
        .all()
    )
    assert int(lines["debit"].sum()) == int(paid.amount)


def test_a_transfer_naming_the_gateway_pays_every_method_it_settles():
    """JKT takes QRIS (89,300) and cards (110,700) through iSeller Pay; its one transfer of
    200,000 names iSeller Pay and the day: it pays both rows, each its own transfer out of its
    own clearing account. Debit BCA's 50,000, another gateway the line does not name, stays
    open."""
    expected = [
        _row("JKT", 89_300),
        _row("JKT", 110_700, "Kartu iSeller Pay", "iseller_pay"),
        _row("JKT", 50_000, "Debit BCA", "external_debit"),
    ]
    paid = line(MONDAY, "ISELLER PAY PAYOUT 20261120", 200_000)
    result = reconcile(expected, [paid], CONFIG, DAY, as_of=MONDAY)
    rows = {r.method: r for r in result if r.kind == "settlement"}
    assert {m: (r.status, r.received) for m, r in rows.items()} == {
        "QRIS": ("matched", 89_300),
        "Kartu iSeller Pay": ("matched", 110_700),
        "Debit BCA": ("pending", None),
    }
    assert "for 2 settlements (JKT Kartu iSeller Pay, JKT QRIS)" in rows["QRIS"].explanation
    receipts = [
        Receipt.from_row(
            {**r.record(), "payment_method": r.method, "line_reference": "IPY20261120"}
        )
        for r in rows.values()
        if r.received is not None
    ]
    build = payout_entries(receipts, CONFIG, MONDAY)
    # QRIS's part is posted; the card method has no clearing account in the demo config: held,
    # naming its own part of the line
    qris, card = part_digest(DAY, "JKT", "QRIS"), part_digest(DAY, "JKT", "Kartu iSeller Pay")
    assert qris != card
    assert [d.transaction_no for d in build.documents] == [
        f"PAYOUT/20261123/IPY20261120/JKT-{qris[:6]}"
    ]
    (held,) = build.holds
    assert held.source_reference == f"PAYOUT/20261123/IPY20261120/JKT-{card[:6]}"
    assert held.source_id == f"PAYOUT/{paid.line_key}/{card}"
    assert "has no clearing account" in held.reason


def test_a_parts_keys_and_numbers_fit_what_is_staged_however_long_the_names():
    """An outlet code of 20 characters, a method of 40 and a reference of 30 shared by two
    rows: each part's custom_id fits the outbox's source id (64), its number the staged
    reference (64), and the two stay apart."""
    outlet, method = "JAKARTA-KEMANG-RAYA1", "Kartu Kredit BCA Visa Mastercard Premium"
    reference = "IPY20261120ALLOUTLETSPAYOUT123"
    receipts = [
        Receipt(
            line_key="f" * 32,
            received_date=MONDAY,
            amount=Decimal(amount),
            bank_account=BANK,
            outlet_code=code,
            method=method,
            takings_date=DAY,
            expected=amount,
            status="matched",
            reference=reference,
            line_amount=Decimal(300_000),
        )
        for code, amount in ((outlet, 100_000), (f"{outlet[:-1]}2", 200_000))
    ]
    numbers = payout_numbers(receipts)
    keys = receipt_keys(receipts)
    assert len(set(numbers.values())) == len(set(keys.values())) == 2
    assert all(len(n) <= 64 for n in numbers.values()), numbers
    assert all(len(f"PAYOUT/{k}") <= 64 for k in keys.values()), keys


def _with_bdg_owing():
    """BDG's refunds were 20,000 above its QRIS takings: it owes iSeller Pay 20,000."""
    return [_row("JKT", 89_300), _row("DPS", 150_000), _row("BDG", -20_000)]


def test_an_outlet_owing_money_back_taken_off_the_days_transfer_is_paid_by_it():
    """iSeller Pay nets BDG's 20,000 owed into the day's one transfer: 219,300 pays all three
    rows, BDG's part negative (its payout moves 20,000 from the bank back into clearing)."""
    paid = line(MONDAY, "ISELLER PAY PAYOUT 20261120", 219_300)
    rows, result = _reconcile(paid, rows=_with_bdg_owing())
    assert {o: (r.status, r.received) for o, r in rows.items()} == {
        "JKT": ("matched", 89_300),
        "DPS": ("matched", 150_000),
        "BDG": ("matched", -20_000),
    }
    assert sum(r.received for r in rows.values()) == paid.amount
    assert status_counts(result)["unmatched"] == 0


def test_an_outlet_owing_money_back_debited_apart_is_left_for_its_debit():
    """The other reading: the transfer pays the two outlets owed money (239,300) and the
    gateway debits BDG's 20,000 in a line of its own."""
    paid = line(MONDAY, "ISELLER PAY PAYOUT 20261120", 239_300)
    taken = line(MONDAY, "ISELLER PAY PAYOUT BDG 20261120", 20_000, MONEY_OUT)
    rows, result = _reconcile(paid, taken, rows=_with_bdg_owing())
    assert status_counts(result)["unmatched"] == 0
    assert {o: (r.status, r.received, r.line_key) for o, r in rows.items()} == {
        "JKT": ("matched", 89_300, paid.line_key),
        "DPS": ("matched", 150_000, paid.line_key),
        "BDG": ("matched", -20_000, taken.line_key),
    }
    # a short transfer is still shown on the largest row owed money, BDG left to its debit
    short = line(MONDAY, "ISELLER PAY PAYOUT 20261120", 237_300)
    rows, _ = _reconcile(short, taken, rows=_with_bdg_owing())
    assert (rows["DPS"].status, rows["DPS"].variance) == ("short", -2_000)
    assert (rows["BDG"].status, rows["BDG"].line_key) == ("matched", taken.line_key)
