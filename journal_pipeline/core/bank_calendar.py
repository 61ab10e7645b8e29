"""The days a bank credits settlements: Monday to Friday, less a country's holidays.

Indonesian banks are closed on the public holidays and on the joint leave days the government
adds around them (cuti bersama: the days either side of Lebaran, Christmas Eve, …); a
settlement due on such a day arrives on the next open day. The calendar comes from the
`holidays` package (its ``public`` and ``government`` categories), which follows each year's
decree; ``extra`` and ``open_on`` correct it where a bank differs.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

import holidays

CATEGORIES = ("public", "government")  # government: joint leave days (cuti bersama)


def supported_countries() -> set[str]:
    """ISO 3166 alpha-2 codes the `holidays` package has a calendar for."""
    return set(holidays.list_supported_countries())


@dataclass(frozen=True)
class BankCalendar:
    """``country`` None: every Monday to Friday is open (no holiday calendar)."""

    country: str | None = None
    extra: frozenset[date] = field(default_factory=frozenset)
    open_on: frozenset[date] = field(default_factory=frozenset)

    @cached_property
    def _holidays(self) -> Any:
        if self.country is None:
            return {}
        wanted = set(CATEGORIES) & set(holidays.country_holidays(self.country).supported_categories)
        return holidays.country_holidays(self.country, categories=tuple(sorted(wanted)))

    def is_open(self, day: date) -> bool:
        if day in self.open_on:
            return True
        return day.weekday() < 5 and day not in self.extra and day not in self._holidays

    def closed_because(self, day: date) -> str | None:
        """Why the bank is closed on ``day`` ("Saturday", "Christmas Day"), None when open."""
        if self.is_open(day):
            return None
        if day.weekday() >= 5:
            return day.strftime("%A")
        if day in self.extra:
            return "an extra holiday of the config"
        return str(self._holidays.get(day))

    def add_open_days(self, day: date, count: int) -> date:
        """``count`` open days after ``day``: Friday's and Saturday's next open day are both
        Monday (or later, over a holiday); 0 is the day itself, or the next open day when the
        bank is closed on it."""
        current = day
        for _ in range(count):
            current += timedelta(days=1)
            current = self.next_open(current)
        return self.next_open(current)

    def open_days_after(self, day: date, until: date) -> int:
        """How many open days lie after ``day``, up to and including ``until`` (0 when
        ``until`` is not after ``day``)."""
        count, current = 0, day + timedelta(days=1)
        while current <= until:
            count += self.is_open(current)
            current += timedelta(days=1)
        return count

    def next_open(self, day: date) -> date:
        while not self.is_open(day):
            day += timedelta(days=1)
        return day

    def earliest_due_on_or_after(self, target: date, count: int) -> date:
        """The earliest day whose settlement, ``count`` open days on, is due on or after
        ``target`` (adding open days never goes backwards, so a walk back finds it)."""
        day = target
        while self.add_open_days(day - timedelta(days=1), count) >= target:
            day -= timedelta(days=1)
        return day


MONDAY_TO_FRIDAY = BankCalendar()


def bank_calendar(
    country: str | None, extra: Collection[date] = (), open_on: Collection[date] = ()
) -> BankCalendar:
    return BankCalendar(country, frozenset(extra), frozenset(open_on))
