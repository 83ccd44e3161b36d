"""Working-day deadlines across holidays and make-up working days (调休)."""

from datetime import date

import pytest

from data.rules.calendar import WorkCalendar, add_working_days, working_days_between


@pytest.mark.parametrize("start, days, due", [
    # National Day 2025: 1–8 October off; Sunday 28 September and Saturday 11 October are worked
    (date(2025, 9, 26), 5, date(2025, 10, 10)),
    (date(2025, 9, 26), 1, date(2025, 9, 28)),
    (date(2025, 9, 30), 1, date(2025, 10, 9)),
    (date(2025, 10, 9), 2, date(2025, 10, 11)),
    # New Year 2026 (1–3 January off, Sunday 4 January worked) then Spring Festival 2026
    (date(2025, 12, 30), 5, date(2026, 1, 7)),
    (date(2025, 12, 30), 1, date(2025, 12, 31)),
    (date(2025, 12, 31), 1, date(2026, 1, 4)),
    (date(2025, 12, 30), 60, date(2026, 3, 31)),
    # an ordinary week: Friday + 1 is Monday
    (date(2025, 6, 6), 1, date(2025, 6, 9)),
    (date(2025, 6, 6), 0, date(2025, 6, 6)),
])
def test_add_working_days(start, days, due):
    result = add_working_days(start, days)
    assert result.due == due
    assert not result.provisional


@pytest.mark.parametrize("start, days", [(date(2025, 9, 26), 5), (date(2025, 12, 30), 60), (date(2026, 1, 20), 90)])
def test_working_days_between_inverts_add(start, days):
    assert working_days_between(start, add_working_days(start, days).due) == days
    assert working_days_between(add_working_days(start, days).due, start) == -days


def test_holiday_is_not_a_working_day_and_makeup_saturday_is():
    cal = WorkCalendar()
    assert not cal.is_working_day(date(2025, 10, 3))  # Friday, National Day
    assert cal.is_working_day(date(2025, 10, 11))  # Saturday, make-up working day
    assert not cal.is_working_day(date(2025, 10, 12))  # plain Sunday


def test_unpublished_year_counts_weekdays_and_says_provisional():
    result = add_working_days(date(2026, 12, 28), 5)
    assert result.provisional
    # 29, 30, 31 December 2026, then 1 January 2027 counts (weekends only until the State
    # Council publishes 2027), Saturday and Sunday do not, Monday 4 January is the fifth
    assert result.due == date(2027, 1, 4)


def test_loaded_official_schedule_overrides_and_ends_provisional():
    official = WorkCalendar(overrides={date(2027, 1, 1): False, date(2027, 1, 4): False},
                            official_years=frozenset({2027}))
    result = add_working_days(date(2026, 12, 31), 2, official)
    assert result.due == date(2027, 1, 6)
    assert not result.provisional


def test_negative_days_refused():
    with pytest.raises(ValueError):
        add_working_days(date(2025, 1, 1), -1)


def test_counts_kept_by_a_calendar_are_its_own():
    start, end = date(2026, 12, 31), date(2027, 1, 8)
    plain = WorkCalendar()
    official = WorkCalendar(overrides={date(2027, 1, 1): False, date(2027, 1, 4): False},
                            official_years=frozenset({2027}))
    for _ in range(2):  # counted, then remembered
        assert working_days_between(start, end, plain) == 6
        assert working_days_between(start, end, official) == 4
        assert working_days_between(end, start, official) == -4
    assert plain == WorkCalendar()  # what it remembers is no part of what it is


@pytest.mark.parametrize("calendar", [WorkCalendar(), WorkCalendar(
    overrides={date(2027, 1, 1): False, date(2027, 2, 6): True, date(2027, 2, 10): False},
    official_years=frozenset({2027}))], ids=["package", "loaded-2027"])
def test_working_days_index_answers_as_add_working_days(calendar):
    """The import's fast path: every start over three years, across the unpublished 2028, and
    every count the clocks use, give the same due date and the same provisional mark."""
    from datetime import timedelta

    from data.rules.calendar import WorkingDays

    index = WorkingDays(date(2025, 1, 1), date(2028, 6, 30), calendar)
    start = date(2025, 1, 1)
    checked = 0
    while start <= date(2028, 3, 1):
        for days in (0, 1, 2, 3, 5, 15, 60, 90):
            assert index.add(start, days) == add_working_days(start, days, calendar), (start, days)
            checked += 1
        start += timedelta(days=3)
    assert checked > 3000
    assert index.add(date(2024, 12, 30), 5) == add_working_days(date(2024, 12, 30), 5, calendar)  # before the span
    assert index.add(date(2028, 6, 29), 60) == add_working_days(date(2028, 6, 29), 60, calendar)  # runs past it
    with pytest.raises(ValueError):
        index.add(start, -1)
