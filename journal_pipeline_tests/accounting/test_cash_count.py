"""Cash over/short at shift close, read whichever way iSeller states the count."""

from datetime import date

from journal_pipeline.accounting.cash_count import (
    ACTUAL,
    DOCUMENTED,
    NONE,
    cash_count_entries,
    reading_of,
    staging_row,
)
from journal_pipeline.config import load_config
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 20)


def shift(shift_id, *, outlet="JKT", closed=True, **cash):
    """A Jakarta shift opened 2026-11-20 08:30 WIB (01:30 UTC), closed 21:45 WIB."""
    return {
        "register_shift_id": shift_id,
        "register_name": "Register #1",
        "outlet_code": outlet,
        "open_date": "2026-11-20 01:30:00",
        "closed_date": "2026-11-20 14:45:00" if closed else None,
        **cash,
    }


def documented(shift_id, difference, **extra):
    # starting 500,000 + sales 1,250,000 − refunds 50,000 = expected 1,700,000
    expected = 1_700_000
    return shift(
        shift_id,
        starting_cash=500_000.0,
        cash_sales=1_250_000.0,
        cash_refunds=50_000.0,
        expected_cash=float(expected),
        counted_cash=float(expected + difference),
        cash_difference=float(difference),
        **extra,
    )


def _build(*raws):
    return cash_count_entries([staging_row(raw, CONFIG) for raw in raws], CONFIG, DAY)


def test_a_shift_short_by_12_500_books_over_short_against_the_cash_account():
    build = _build(documented("s1", -12_500))
    assert build.holds == []
    # counted 1,687,500 against 1,700,000 expected: Dr Beban Lain-lain / Cr Kas 12,500
    assert [(ln["account_name"], ln["debit"], ln["credit"]) for ln in build.lines] == [
        ("Beban Lain-lain", 12_500, 0),
        ("Kas", 0, 12_500),
    ]
    assert {ln["entry_id"] for ln in build.lines} == {"cash_over_short:s1"}
    (document,) = build.documents
    assert (document.transaction_no, document.custom_id) == ("SHIFT/JKT/20261120", "s1/CASH")
    assert document.doc_type == "cash_count" and document.expected_total == 12_500
    body = document.payload["journal_entry"]
    assert body["transaction_date"] == "2026-11-20"
    assert [
        (a["account_name"], a.get("debit"), a.get("credit"))
        for a in body["transaction_account_lines_attributes"]
    ] == [("Beban Lain-lain", 12_500, None), ("Kas", None, 12_500)]


def test_a_shift_over_books_the_reverse_and_an_exact_or_open_shift_nothing():
    build = _build(documented("s2", 3_000), documented("s3", 0), shift("s4", closed=False))
    assert [(ln["account_name"], ln["debit"], ln["credit"]) for ln in build.lines] == [
        ("Kas", 3_000, 0),
        ("Beban Lain-lain", 0, 3_000),
    ]
    assert build.open_shifts == 1
    assert build.readings == {DOCUMENTED: 2, NONE: 1}  # the open one states nothing yet


def test_the_actual_reading_and_a_second_register_of_the_day():
    first = shift("s5", actual_cash=1_000_000.0, difference=-500.0)
    second = shift("s6", actual_cash=700_000.0, difference=-1_000.0)
    second["open_date"] = "2026-11-20 02:00:00"
    assert reading_of(first) == ACTUAL
    build = _build(second, first)
    assert [d.transaction_no for d in build.documents] == [
        "SHIFT/JKT/20261120",
        "SHIFT/JKT/20261120/2",
    ]
    assert [d.expected_total for d in build.documents] == [500, 1_000]


def test_without_cash_fields_nothing_is_booked_and_the_build_says_why_once():
    build = _build(shift("s7"), shift("s8", outlet="BDG"))
    assert build.lines == [] and build.documents == [] and build.holds == []
    assert build.note is not None and "no cash over/short is booked" in build.note
    assert _build(documented("s9", 0)).note is None


def test_a_shift_is_booked_on_its_outlet_s_business_day_of_opening():
    # Bali closes at 03:00: a shift opened 01:00 WITA on the 21st belongs to the 20th
    bali = shift("s10", outlet="DPS") | {"open_date": "2026-11-20 17:00:00"}
    assert staging_row(bali, CONFIG)["business_date"] == date(2026, 11, 20)
    assert staging_row(shift("s11", outlet=None), CONFIG)["business_date"] is None


def test_an_unknown_outlet_is_held_naming_the_shift_and_the_fix():
    build = _build(documented("s12", -2_000, outlet_code="SBY"))
    assert build.lines == []
    (hold,) = build.holds
    assert hold.doc_key == "cash_count:s12/CASH"
    assert "SHIFT/SBY/20261120" in hold.reason and "outlet SBY under outlets" in hold.reason


def test_shifts_beyond_the_tolerance_are_named_largest_first_and_still_booked():
    late = {"open_date": "2026-11-20 02:30:00"}  # the outlet's third shift of the day
    build = _build(
        documented("s1", -12_500),
        documented("s2", 250_000, **late),
        documented("s3", 0),
        documented("s9", -300_000, outlet="ZZZ"),  # no such outlet: held, still named
    )
    assert [d.words for d in build.beyond(100_000)] == [
        "SHIFT/ZZZ/20261120 (Register #1) Rp 300.000 short",
        "SHIFT/JKT/20261120/3 (Register #1) Rp 250.000 over",
    ]
    assert [d.number for d in build.beyond(0)][-1] == "SHIFT/JKT/20261120"
    assert build.beyond(300_000) == []
    assert {d.custom_id for d in build.documents} == {"s1/CASH", "s2/CASH"}  # booked as counted
