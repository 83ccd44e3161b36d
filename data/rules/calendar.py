"""Working days (工作日) from the official calendar: holidays and make-up working weekends (调休).

`chinesecalendar` knows the years published when it was released (1.11.0 stops at 2026 and
raises for later years). A deadline reaching into an unknown year must never fail: such days
count provisionally (Monday–Friday are working days) and the result says so, until an admin
loads the official schedule, which arrives here as `overrides`.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar


def _package_years() -> tuple[int, int]:
    known = [d.year for d in chinese_calendar.holidays] + [d.year for d in chinese_calendar.workdays]
    return min(known), max(known)


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days. `overrides` maps a date to is_working, for schedules
    loaded by an admin (they win over the package); `official_years` are the years for which
    an admin loaded a complete schedule."""

    overrides: Mapping[date, bool] = field(default_factory=dict)
    official_years: frozenset[int] = frozenset()
    # working_days_between's answers for this calendar, by (start, end): counted day by day,
    # while every load of a map or a table page asks again for the same few deadlines
    _between: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def is_known(self, day: date) -> bool:
        first, last = _PACKAGE_YEARS
        return first <= day.year <= last or day.year in self.official_years

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        first, last = _PACKAGE_YEARS
        if first <= day.year <= last:
            return _package_is_workday(day)
        return day.weekday() < 5


_PACKAGE_YEARS = _package_years()


def package_years() -> tuple[int, int]:
    """The first and last year whose official schedule ships with the product."""
    return _PACKAGE_YEARS
_BETWEEN_SIZE = 50_000


@lru_cache(maxsize=8192)
def _package_is_workday(day: date) -> bool:
    # the package looks each day up in dicts behind several calls (~30 µs): deadlines and
    # completeness matrices ask for the same days again and again
    return chinese_calendar.is_workday(day)
DEFAULT_CALENDAR = WorkCalendar()


@dataclass(frozen=True)
class Deadline:
    due: date
    provisional: bool  # some counted day lies in a year with no official schedule yet


def add_working_days(start: date, days: int, calendar: WorkCalendar = DEFAULT_CALENDAR) -> Deadline:
    """The date `days` working days after `start` (the start day itself is not counted,
    as in 自受理之日起N个工作日: day one is the next working day)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day, counted, provisional = start, 0, False
    while counted < days:
        day += timedelta(days=1)
        provisional = provisional or not calendar.is_known(day)
        if calendar.is_working_day(day):
            counted += 1
    return Deadline(day, provisional)


def working_days_between(start: date, end: date, calendar: WorkCalendar = DEFAULT_CALENDAR) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is earlier.

    working_days_between(d, add_working_days(d, n).due) == n.
    """
    if end == start:
        return 0
    known = calendar._between.get((start, end))
    if known is not None:
        return known
    sign, lo, hi = (1, start, end) if end > start else (-1, end, start)
    count, day = 0, lo
    while day < hi:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
    if len(calendar._between) >= _BETWEEN_SIZE:
        calendar._between.clear()
    calendar._between[start, end] = sign * count
    return sign * count


class WorkingDays:
    """add_working_days for many starts at once (an import of years of cases): the working
    days of a span listed once, each deadline found by bisection. Answers exactly as
    add_working_days does (tests/test_calendar.py checks it), and falls back to it for a start
    outside the span."""

    def __init__(self, first: date, last: date, calendar: WorkCalendar = DEFAULT_CALENDAR):
        self.calendar, self.first, self.last = calendar, first, last
        self._days: list[date] = []
        day = first
        while day <= last:
            if calendar.is_working_day(day):
                self._days.append(day)
            day += timedelta(days=1)

    def add(self, start: date, days: int) -> Deadline:
        if days < 0:
            raise ValueError("days must not be negative")
        if not self.first <= start or days == 0:
            return add_working_days(start, days, self.calendar)
        index = bisect.bisect_right(self._days, start) + days - 1
        if index >= len(self._days):
            return add_working_days(start, days, self.calendar)
        due = self._days[index]
        # as add_working_days counts: a day after the start in a year with no official schedule
        provisional = any(not self.calendar.is_known(date(year, 1, 1))
                          for year in range((start + timedelta(days=1)).year, due.year + 1))
        return Deadline(due, provisional)


def month_under_way(day: date) -> bool:
    """True while `day`'s month goes on after it: a partial month, compared only with like days."""
    return (day + timedelta(days=1)).month == day.month


def same_day_last_year(day: date) -> date:
    """The same date a year earlier (28 February for the 29th): year-on-year compares like days."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# the periods every filter bar offers (本周/本月/本季/本年/近12个月), each ending today
PERIOD_PRESETS = ("week", "month", "quarter", "year", "12m")


def preset_period(name: str, today: date) -> tuple[date, date]:
    """The days of a preset, today included. Raises KeyError for an unknown name."""
    start = {"week": lambda: today - timedelta(days=today.weekday()),
             "month": lambda: today.replace(day=1),
             "quarter": lambda: date(today.year, (today.month - 1) // 3 * 3 + 1, 1),
             "year": lambda: date(today.year, 1, 1),
             "12m": lambda: same_day_last_year(today) + timedelta(days=1)}[name]()
    return start, today


def preset_of(start: date | None, end: date | None, today: date) -> str:
    """The preset these days are, or "custom"."""
    return next((name for name in PERIOD_PRESETS if (start, end) == preset_period(name, today)), "custom")


def period_from_query(query: dict | None, default: tuple[date | None, date | None]) -> tuple[date | None, date | None]:
    """The period a page's address names (?from=2026-11-01&to=2026-11-30: a bookmark or a shared
    link reopens the same view; ?period=all: no period), else `default`; dates out of order are
    swapped, a bad one ignored."""
    query = query or {}
    if query.get("period") == "all":  # a link to rows whatever their date (today's open cases)
        return None, None
    try:
        first = date.fromisoformat(str(query["from"])) if query.get("from") else None
        last = date.fromisoformat(str(query["to"])) if query.get("to") else None
    except ValueError:
        return default
    if first is None and last is None:
        return default
    return (last, first) if first and last and first > last else (first, last)
