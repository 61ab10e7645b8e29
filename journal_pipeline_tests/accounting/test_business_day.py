from datetime import UTC, date, datetime

from journal_pipeline.accounting.business_day import (
    business_date,
    day_over_at,
    day_window_utc,
    extraction_windows,
)


def test_business_date_is_local():
    moment = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)  # 00:30 WIB / 01:30 WITA on the 21st
    assert business_date(moment, "Asia/Jakarta") == date(2026, 11, 21)
    assert business_date(moment, "Asia/Makassar") == date(2026, 11, 21)
    assert business_date(moment, "UTC") == date(2026, 11, 20)


def test_cutoff_hour_books_early_morning_on_previous_day():
    moment = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)  # 02:30 WITA on the 21st
    assert business_date(moment, "Asia/Makassar", cutoff_hour=3) == date(2026, 11, 20)


def test_day_window():
    start, end = day_window_utc(date(2026, 11, 20), "Asia/Jakarta")
    assert start == datetime(2026, 11, 19, 17, tzinfo=UTC)
    assert end == datetime(2026, 11, 20, 17, tzinfo=UTC)


def test_extraction_windows_cover_all_outlets():
    windows = extraction_windows(date(2026, 11, 20), [("Asia/Jakarta", 0), ("Asia/Makassar", 0)])
    # WITA starts an hour earlier in UTC; WIB ends an hour later
    assert windows["modified"] == (
        datetime(2026, 11, 19, 16, tzinfo=UTC),
        datetime(2026, 11, 20, 17, tzinfo=UTC),
    )
    assert windows["created"][0] == datetime(2026, 11, 18, 16, tzinfo=UTC)


def test_a_day_is_over_when_its_latest_outlet_has_closed_and_settled():
    """A WIB merchant with a Bali outlet open until 03:00 WITA: the 20th is over there at
    19:00 UTC (02:00 WIB on the 21st), after the merchant's midnight, and settled an hour
    later; without the Bali outlet, an hour after the merchant's midnight."""
    zones = [("Asia/Jakarta", 0), ("Asia/Makassar", 3)]
    assert day_over_at(date(2026, 11, 20), zones) == datetime(2026, 11, 20, 20, tzinfo=UTC)
    only_jakarta = [("Asia/Jakarta", 0)]
    assert day_over_at(date(2026, 11, 20), only_jakarta) == datetime(2026, 11, 20, 18, tzinfo=UTC)
