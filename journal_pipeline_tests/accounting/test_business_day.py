from datetime import UTC, date, datetime

from journal_pipeline.accounting.business_day import (
    business_date,
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
