"""The limitation (时效) of a wage-arrears violation: 劳动保障监察条例 art. 20 — a violation not
discovered, reported or complained of within two years is no longer pursued; the two years run
from the day it happened, or, when it went on, from the day it ended.

For arrears that day is the last day of the period owed (owed_to), or its first day when only
that is known. The years are configurable (case.limitation_years). Pure rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

DEFAULT_YEARS = 2


def years_later(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes the last day of that February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Limitation:
    starts: date  # the day the arrears ended (or began, when that is all that is known)
    ends: date  # the last day a complaint is still in time
    expired: bool  # the complaint came after `ends`
    days_left: int  # from the complaint's day to `ends` (negative: that many days late)


def limitation(*, owed_from: date | None, owed_to: date | None, received_on: date,
               years: int = DEFAULT_YEARS) -> Limitation | None:
    """The limitation of a complaint received on `received_on` about wages owed from `owed_from`
    to `owed_to`; None when neither date is known (nothing to count from). A period the
    complaint itself falls inside (still owed) starts its clock no earlier than the complaint."""
    starts = owed_to or owed_from
    if starts is None:
        return None
    if owed_from and owed_to and owed_to < owed_from:
        starts = owed_from
    # the last day a complaint is in time: two years from the start, the start's own day not counted
    ends = years_later(starts, years)
    return Limitation(starts=starts, ends=ends, expired=received_on > ends, days_left=(ends - received_on).days)
