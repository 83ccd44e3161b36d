"""Work-log completeness (工作日志): what a seconded cadre's working day counts as.

Every working day of the official calendar inside a cadre's secondment calls for a log. A day
is *filed* when a log exists for it, *missing* when it is over and none exists, *pending*
(not yet due) when it is today or later and none exists yet, and *off* when it lies outside
the secondment (before the posting, after it, or between two postings). Weekends and
holidays are not columns at all; a make-up working weekend (调休) is.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum

from data.rules.calendar import WorkCalendar


class DayState(StrEnum):
    filed = "filed"
    missing = "missing"
    pending = "pending"
    off = "off"


def working_days(first: date, last: date, calendar: WorkCalendar) -> list[date]:
    """The working days from `first` to `last`, both included."""
    days, day = [], first
    while day <= last:
        if calendar.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def day_state(day: date, *, today: date, filed: bool, posted: bool) -> DayState:
    """`posted`: the day lies inside one of the cadre's secondments."""
    if not posted:
        return DayState.off
    if filed:
        return DayState.filed
    return DayState.pending if day >= today else DayState.missing


def rate(states: Iterable[DayState]) -> tuple[int, int]:
    """(filed, due): filed days over the days that called for a log and are over or filed.

    A day not yet due counts only once it is filed, so filing today's log early raises the
    rate and not filing it yet does not lower it."""
    filed = due = 0
    for state in states:
        if state == DayState.filed:
            filed += 1
            due += 1
        elif state == DayState.missing:
            due += 1
    return filed, due
