"""The winter campaign before the Spring Festival and the run of declines (三个明显下降, 四连降)."""

from __future__ import annotations

from datetime import date

from data.queries.campaign import declines, winter_campaign
from data.rules.campaign import campaign_so_far, declining_run, whole_quarters
from data.rules.campaign import winter_campaign as campaign_days
from data.scope import Scope
from tests.factories import make_case, make_city


def test_the_campaign_runs_from_mid_november_to_the_eve_of_the_festival():
    assert campaign_days(date(2026, 11, 20)) == (date(2026, 11, 15), date(2027, 2, 5))  # festival 6 Feb 2027
    assert campaign_days(date(2027, 1, 10)) == (date(2026, 11, 15), date(2027, 2, 5))
    assert campaign_days(date(2026, 7, 1)) == (date(2025, 11, 15), date(2026, 2, 16))  # the last one, over
    # the same number of days into last year's campaign (the festival moves, the start does not)
    assert campaign_so_far(date(2026, 12, 3)) == (date(2026, 11, 15), date(2026, 12, 3), date(2025, 11, 15),
                                                  date(2025, 12, 3))
    # over: all of it, against all of last year's up to as many days
    assert campaign_so_far(date(2026, 7, 1)) == (date(2025, 11, 15), date(2026, 2, 16), date(2024, 11, 15),
                                                 date(2025, 1, 28))


def test_quarters_and_runs():
    assert whole_quarters(date(2026, 11, 20), 2) == [(date(2026, 4, 1), date(2026, 6, 30)),
                                                     (date(2026, 7, 1), date(2026, 9, 30))]
    assert whole_quarters(date(2026, 2, 1), 1) == [(date(2025, 10, 1), date(2025, 12, 31))]
    assert declining_run([9, 8, 7, 6, 5]) == 4 and declining_run([5, 6]) == 0 and declining_run([7, 7, 6]) == 1
    assert declining_run([3]) == 0 and declining_run([]) == 0


def test_declines_count_whole_years_and_each_quarter_against_last_years(session):
    city = make_city(session)

    def cases(day: date, n: int, workers: int = 1) -> None:
        for _ in range(n):
            make_case(session, township=city["town_a"], county=city["a"], received_on=day, workers=workers)

    cases(date(2022, 7, 1), 1)  # the records begin mid-2022: not a whole year
    for year, n in ((2023, 9), (2024, 7), (2025, 5)):
        cases(date(year, 2, 1), n - 4)
        for month in (5, 8, 11):  # one case a quarter besides
            cases(date(year, month, 1), 1 if month != 11 else 2)
    for month, n in ((2, 1), (5, 1), (8, 1)):  # 2026 so far
        cases(date(2026, month, 1), n, workers=5)
    trend = declines(session, scope=Scope((city["city"].path,)), today=date(2026, 11, 20))
    assert trend["yearly"]["cases"]["years"] == [2023, 2024, 2025]
    assert trend["yearly"]["cases"]["values"] == [9, 7, 5] and trend["yearly"]["cases"]["run"] == 2
    quarters = trend["quarters"]
    assert [(q["start"], q["this"]["cases"], q["last"]["cases"]) for q in quarters] == [
        (date(2025, 10, 1), 2, 2), (date(2026, 1, 1), 1, 1), (date(2026, 4, 1), 1, 1), (date(2026, 7, 1), 1, 1)]
    assert trend["four_quarters_down"] == {"cases": False, "workers": False, "amount_cents": False}
    assert [q["down"]["workers"] for q in quarters] == [False, False, False, False]  # five workers, not fewer
    # county B: two cases a quarter a year ago, one now — four quarters down in a row
    for year, month in ((2024, 11), (2025, 2), (2025, 5), (2025, 8)):
        for _ in range(2):
            make_case(session, township=city["town_b"], county=city["b"], received_on=date(year, month, 3))
    for year, month in ((2025, 11), (2026, 2), (2026, 5), (2026, 8)):
        make_case(session, township=city["town_b"], county=city["b"], received_on=date(year, month, 3))
    down = declines(session, scope=Scope((city["b"].path,)), today=date(2026, 11, 20))
    assert down["four_quarters_down"] == {"cases": True, "workers": True, "amount_cents": True}


def test_the_campaign_so_far_against_last_years_same_days(session):
    city = make_city(session)
    for day in (date(2026, 11, 16), date(2026, 11, 19), date(2025, 11, 18), date(2025, 11, 25), date(2026, 11, 14)):
        make_case(session, township=city["town_a"], county=city["a"], received_on=day)
    figures = winter_campaign(session, scope=Scope((city["city"].path,)), today=date(2026, 11, 20))
    assert (figures["start"], figures["upto"], figures["days_left"]) == (date(2026, 11, 15), date(2026, 11, 20), 78)
    assert figures["this"]["cases"] == 2 and figures["last"]["cases"] == 1  # 25 Nov 2025 is past the same days
    assert figures["under_way"]
    assert winter_campaign(session, scope=Scope((city["b"].path,)), today=date(2026, 11, 20))["this"]["cases"] == 0


def test_cases_page_shows_both_cards_for_the_region_chosen(app, session):
    import json

    from data.models import Role
    from tests.conftest import login
    from tests.dash_calls import dash
    from tests.factories import PASSWORD, make_user
    city = make_city(session)
    make_case(session, township=city["town_a"], county=city["a"], received_on=date(2026, 11, 16))
    make_user(session, username="officer", role=Role.case_officer, regions=[city["a"]])
    client = app.test_client()
    login(client, "officer", PASSWORD)
    shown = json.dumps(dash(client, app, "cases-campaign-row", {"cases-filters.data": {}, "cases-version.data": 0}),
                       ensure_ascii=False)
    assert "根治欠薪冬季专项行动" in shown and "距春节 78 天" in shown and "下降态势" in shown
    foreign = dash(client, app, "cases-campaign-row", {"cases-filters.data": {"region_code": city["b"].area_code},
                                                       "cases-version.data": 0})
    assert foreign["cases-campaign-row"]["children"] is None


def test_the_slow_panels_are_kept_for_every_worker_until_a_case_changes(app, session):
    """/cases' campaign cards and lists are computed once per data version (web.cache, `panel`):
    the second reader gets them from the cache, and a new case shows at once."""
    import json

    from data.models import Role
    from tests.conftest import login
    from tests.dash_calls import dash
    from tests.factories import PASSWORD, make_user
    from web import cache

    city = make_city(session)
    make_case(session, township=city["town_a"], county=city["a"], received_on=date(2026, 11, 16))
    make_user(session, username="officer", role=Role.case_officer, regions=[city["a"]])
    client = app.test_client()
    login(client, "officer", PASSWORD)
    values = {"cases-filters.data": {}, "cases-version.data": 0}

    def campaign() -> str:
        return json.dumps(dash(client, app, "cases-campaign-row", values), ensure_ascii=False)

    before = cache.stats["panel", "hit"]
    first = campaign()
    assert campaign() == first and cache.stats["panel", "hit"] == before + 1
    # a second case this campaign: the data version moves, the cards are computed again and show it
    make_case(session, township=city["town_a"], county=city["a"], received_on=date(2026, 11, 18))
    again = campaign()
    assert again != first and cache.stats["panel", "hit"] == before + 1
