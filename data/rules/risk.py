"""Risk grade of a grid cell or township (red / orange / yellow): from early warning, not only
emergency response. Points from the open and overdue cases, the trend against last year,
repeat employers and the season before Spring Festival; the grade keeps its reasons so the UI
can say which factors made it red.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from data.errors import N_

# lunar new year's day (春节) — wage disputes peak in the weeks before it
SPRING_FESTIVAL = {festival.year: festival for festival in (
    date(2020, 1, 25), date(2021, 2, 12), date(2022, 2, 1), date(2023, 1, 22), date(2024, 2, 10),
    date(2025, 1, 29), date(2026, 2, 17), date(2027, 2, 6), date(2028, 1, 26), date(2029, 2, 13),
    date(2030, 2, 3), date(2031, 1, 23),
)}


class RiskGrade(StrEnum):
    red = "red"
    orange = "orange"
    yellow = "yellow"
    low = "low"


class RiskFactor(StrEnum):
    open_cases = "open_cases"
    overdue_cases = "overdue_cases"
    rising = "rising"
    repeat_employers = "repeat_employers"
    season = "season"


FACTOR_LABELS = {
    RiskFactor.open_cases: N_("在办案件 %(n)s 件"),
    RiskFactor.overdue_cases: N_("超期案件 %(n)s 件"),
    RiskFactor.rising: N_("近90天案件同比上升 %(n)s%%"),
    RiskFactor.repeat_employers: N_("重复欠薪企业 %(n)s 家"),
    RiskFactor.season: N_("春节前欠薪高发期（距春节 %(n)s 天）"),
}


# the rising factor over a chosen period instead of the last 90 days (the overview's presets)
RISING_IN_PERIOD = N_("%(period)s 案件同比上升 %(n)s%%")


@dataclass(frozen=True)
class RiskPolicy:
    """Points and thresholds (configurable)."""

    per_open_case: float = 0.5
    open_cap: float = 4
    per_overdue_case: float = 3
    overdue_cap: float = 9
    rising_20: float = 2
    rising_50: float = 4
    per_repeat_employer: float = 2
    repeat_cap: float = 6
    season_points: float = 2
    season_days: int = 60
    red: float = 10
    orange: float = 6
    yellow: float = 3


@dataclass(frozen=True)
class RiskInputs:
    open_cases: int
    overdue_cases: int
    cases_recent: int  # received in the recent window (the last 90 days unless a period is chosen)
    cases_recent_last_year: int  # received in the same days a year earlier
    repeat_employers: int


@dataclass(frozen=True)
class Risk:
    grade: RiskGrade
    score: float
    factors: tuple[tuple[RiskFactor, float, int], ...]  # (factor, points, the figure behind it)


GRADE_ORDER = (RiskGrade.low, RiskGrade.yellow, RiskGrade.orange, RiskGrade.red)


def typical_grade(grades: list[RiskGrade]) -> RiskGrade:
    """The grade of a larger area (a county) from its townships' grades: the median township's
    (the lower of the two middle ones). The points above are sized for a township or grid cell —
    a county summed would be red almost always — so a county is as risky as its typical township,
    and a county of one red township among twenty quiet ones stays low."""
    if not grades:
        return RiskGrade.low
    ordered = sorted(grades, key=GRADE_ORDER.index)
    return ordered[(len(ordered) - 1) // 2]


def days_to_spring_festival(today: date) -> int | None:
    for year in (today.year, today.year + 1):
        festival = SPRING_FESTIVAL.get(year)
        if festival and festival >= today:
            return (festival - today).days
    return None


def grade_risk(inputs: RiskInputs, *, today: date, policy: RiskPolicy = RiskPolicy()) -> Risk:
    factors: list[tuple[RiskFactor, float, int]] = []
    if inputs.open_cases:
        factors.append((RiskFactor.open_cases, min(inputs.open_cases * policy.per_open_case, policy.open_cap),
                        inputs.open_cases))
    if inputs.overdue_cases:
        factors.append((RiskFactor.overdue_cases,
                        min(inputs.overdue_cases * policy.per_overdue_case, policy.overdue_cap), inputs.overdue_cases))
    before, now = inputs.cases_recent_last_year, inputs.cases_recent
    if now >= 3 and now > before:
        rise = round(100 * (now - before) / before) if before else 100
        if rise >= 50:
            factors.append((RiskFactor.rising, policy.rising_50, rise))
        elif rise >= 20:
            factors.append((RiskFactor.rising, policy.rising_20, rise))
    if inputs.repeat_employers:
        factors.append((RiskFactor.repeat_employers,
                        min(inputs.repeat_employers * policy.per_repeat_employer, policy.repeat_cap),
                        inputs.repeat_employers))
    days = days_to_spring_festival(today)
    # the season only adds to a place that already has something going on
    if days is not None and days <= policy.season_days and factors:
        factors.append((RiskFactor.season, policy.season_points, days))
    score = sum(points for _, points, _ in factors)
    if score >= policy.red:
        grade = RiskGrade.red
    elif score >= policy.orange:
        grade = RiskGrade.orange
    elif score >= policy.yellow:
        grade = RiskGrade.yellow
    else:
        grade = RiskGrade.low
    return Risk(grade, score, tuple(factors))
