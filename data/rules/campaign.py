"""Two things leaders watch besides the month (DOMAIN.md §1): the winter campaign before the
Spring Festival (根治欠薪冬季专项行动), and the run of declines (三个明显下降, 四连降).

Pure rules: dates in, dates out; the queries count (data.queries.campaign)."""

from __future__ import annotations

from datetime import date, timedelta

from data.rules.calendar import same_day_last_year
from data.rules.risk import SPRING_FESTIVAL

CAMPAIGN_START = (11, 15)  # the campaign opens mid-November and runs to the eve of the Spring Festival


def winter_campaign(day: date) -> tuple[date, date] | None:
    """The winter campaign under way on `day`, else the last one before it: (first day, last day =
    the eve of the Spring Festival). None when the festival's date is not known for those years."""
    for festival_year in (day.year + 1, day.year, day.year - 1):
        festival = SPRING_FESTIVAL.get(festival_year)
        if festival is None:
            continue
        start, end = date(festival_year - 1, *CAMPAIGN_START), festival - timedelta(days=1)
        if start <= day:
            return start, end
    return None


def campaign_so_far(day: date) -> tuple[date, date, date, date] | None:
    """The campaign's days up to `day` (or all of it when it is over), and the same days of the
    campaign a year earlier (counted from its own start: the festival moves): (start, end, last
    year's start, last year's end)."""
    campaign = winter_campaign(day)
    if campaign is None:
        return None
    start, end = campaign
    last = winter_campaign(same_day_last_year(start))
    if last is None:
        return None
    upto = min(day, end)
    days = (upto - start).days
    return start, upto, last[0], min(last[0] + timedelta(days=days), last[1])


def whole_quarters(day: date, n: int) -> list[tuple[date, date]]:
    """The last `n` whole quarters before `day`'s quarter, oldest first."""
    quarters = []
    year, q = day.year, (day.month - 1) // 3  # the quarter under way, 0-based
    for _ in range(n):
        q -= 1
        if q < 0:
            year, q = year - 1, 3
        start = date(year, 3 * q + 1, 1)
        end = date(year + (q == 3), (3 * q + 3) % 12 + 1, 1) - timedelta(days=1)
        quarters.append((start, end))
    return list(reversed(quarters))


def declining_run(values: list[int]) -> int:
    """How many of the last values in a row are each below the one before (a run of declines)."""
    run = 0
    for before, after in zip(reversed(values[:-1]), reversed(values[1:]), strict=True):
        if after < before:
            run += 1
        else:
            break
    return run
