"""The limitation (时效) around the two-year line, the setting that moves it, and intake's checks."""

from datetime import date

import pytest

from data.errors import ValidationError
from data.models import CaseSource, Role, Setting
from data.queries.cases import get_case_detail
from data.queries.users import get_user_scope
from data.rules.limitation import limitation, years_later
from data.services import cases as svc
from data.services.common import Actor
from tests.factories import make_city, make_users


@pytest.mark.parametrize(("received", "expired", "days_left"), [
    (date(2026, 5, 30), False, 1),  # the day before the line
    (date(2026, 5, 31), False, 0),  # the line itself: still in time
    (date(2026, 6, 1), True, -1),  # the day after
])
def test_two_years_from_the_end_of_the_period_owed(received, expired, days_left):
    lim = limitation(owed_from=date(2024, 1, 1), owed_to=date(2024, 5, 31), received_on=received)
    assert lim.starts == date(2024, 5, 31) and lim.ends == date(2026, 5, 31)
    assert (lim.expired, lim.days_left) == (expired, days_left)


def test_what_the_clock_starts_from():
    assert limitation(owed_from=None, owed_to=None, received_on=date(2026, 1, 1)) is None
    only_start = limitation(owed_from=date(2023, 3, 1), owed_to=None, received_on=date(2026, 1, 1))
    assert only_start.starts == date(2023, 3, 1) and only_start.expired
    three = limitation(owed_from=date(2024, 1, 1), owed_to=date(2024, 5, 31), received_on=date(2026, 6, 1), years=3)
    assert three.ends == date(2027, 5, 31) and not three.expired
    assert years_later(date(2024, 2, 29), 2) == date(2026, 2, 28)


def test_case_detail_counts_with_the_configured_years(session):
    city = make_city(session)
    user = make_users(session, city, a=(Role.case_officer, "a"))["a"]
    officer = Actor(id=user.id, username=user.username, role=Role.case_officer,
                    scope=get_user_scope(session, user_id=user.id))
    intake = svc.CaseIntake(source=CaseSource.walk_in, summary="拖欠工资", township_code=city["town_a"].area_code,
                            owed_from=date(2024, 3, 1), owed_to=date(2024, 10, 31), received_on=date(2026, 11, 20))
    case = svc.receive_case(session, actor=officer, intake=intake, today=date(2026, 11, 20))
    detail = get_case_detail(session, scope=officer.scope, case_id=case.id, today=date(2026, 11, 20))
    assert (detail["facts"]["owed_to"], detail["limitation"].expired) == (date(2024, 10, 31), True)
    session.add(Setting(key="case.limitation_years", value=3))
    session.commit()
    detail = get_case_detail(session, scope=officer.scope, case_id=case.id, today=date(2026, 11, 20))
    assert detail["limitation"].ends == date(2027, 10, 31) and not detail["limitation"].expired


@pytest.mark.parametrize(("owed_from", "owed_to", "field"), [
    (date(2026, 11, 21), None, "owed_from"),  # after the day it is received
    (date(2026, 6, 1), date(2026, 5, 1), "owed_to"),  # ends before it starts
])
def test_intake_refuses_impossible_periods(session, owed_from, owed_to, field):
    city = make_city(session)
    user = make_users(session, city, a=(Role.case_officer, "a"))["a"]
    officer = Actor(id=user.id, username=user.username, role=Role.case_officer,
                    scope=get_user_scope(session, user_id=user.id))
    intake = svc.CaseIntake(source=CaseSource.walk_in, summary="拖欠工资", township_code=city["town_a"].area_code,
                            owed_from=owed_from, owed_to=owed_to)
    with pytest.raises(ValidationError) as refused:
        svc.receive_case(session, actor=officer, intake=intake, today=date(2026, 11, 20))
    assert refused.value.field == field
