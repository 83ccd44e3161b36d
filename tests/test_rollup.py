"""The monthly rollup of cases (data.rollup, case_month): after random sequences of acts through the
services, the rollup equals wage_case's sums, and every period figure the pages show — KPIs, the
monthly trend, the three breakdowns, the map's townships — is the same read from the rollup as read
from the cases, for the filters the pages offer, in a leader's scope and in a county officer's; and
the map's risk grades, whose windows read the rollup too."""

import random
import threading
from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from data import rollup
from data.errors import NotAllowed, ValidationError, WorkflowError
from data.models import CaseDecision, CaseSource, CaseStatus, RepeatSpan, Role, WageCase
from data.queries import brief, campaign
from data.queries import cases as q
from data.queries.cases import CaseFilters
from data.queries.users import get_user_scope
from data.rules.calendar import PERIOD_PRESETS, preset_period
from data.scope import OutOfScope
from data.services import cases as svc
from data.services.cases import CaseIntake
from data.services.common import Actor
from data.types import utcnow
from tests.conftest import eventually
from tests.factories import make_case, make_city, make_employer, make_grid_cell, make_users

TODAY = date(2026, 11, 20)
INDUSTRIES = ("construction", "manufacturing", "catering")
S = CaseStatus


def _actor(session, user) -> Actor:
    return Actor(id=user.id, username=user.username, role=Role(user.role),
                 scope=get_user_scope(session, user_id=user.id))


def _seed_cases(session, city, rng: random.Random, n: int, cells: dict[int, list[int]], employers: list[int]) -> None:
    """Cases in every state, received over two years, some held by the other county or on their way
    there; most in one of their township's grid cells, most of one of a few employers."""
    for _ in range(n):
        town, county = rng.choice([(city["town_a"], city["a"]), (city["town_b"], city["b"])])
        received = TODAY - timedelta(days=rng.randrange(0, 760))
        status = rng.choice(list(S))
        accept_due = received + timedelta(days=rng.choice((3, 7)))
        running = status not in (S.received, S.rejected)
        investigate_due = received + timedelta(days=rng.randrange(20, 90)) if running else None
        ended = received + timedelta(days=rng.randrange(1, 100))
        office = rng.choice([county, county, city["a"], city["b"]])
        industry = rng.choice(INDUSTRIES)
        make_case(session, township=town, county=office, status=status, received_on=received,
                  source=rng.choice(list(CaseSource)), industry=industry, is_construction=industry == "construction",
                  accepted_on=None if investigate_due is None else received + timedelta(days=1),
                  accept_due=accept_due, investigate_due=investigate_due,
                  closed_on=ended if status in (S.closed, S.re_reviewed) else None,
                  decided_on=ended if status in (S.rejected, S.decided) else None,
                  workers=rng.randrange(1, 40), amount_claimed_cents=rng.randrange(1, 500) * 100_000,
                  amount_recovered_cents=rng.randrange(0, 300) * 100_000 if status in (S.closed, S.decided) else 0,
                  supervised=rng.random() < 0.2,
                  incoming_path=city["b"].path if rng.random() < 0.1 else None,
                  grid_cell_id=rng.choice([*cells[town.id], None]), employer_id=rng.choice([*employers, None]))


def _act(session, act: str, a: Actor, case_id: int, day: date, rng: random.Random) -> None:
    """One act through the services, as `a`."""
    if act == "accept":
        svc.accept_case(session, actor=a, case_id=case_id, today=day)
    elif act == "reject":
        svc.reject_case(session, actor=a, case_id=case_id, reason="不属于受理范围", today=day)
    elif act == "investigate":
        svc.start_investigation(session, actor=a, case_id=case_id, today=day)
    elif act == "decide":
        svc.decide_case(session, actor=a, case_id=case_id, decision=CaseDecision.paid_in_full,
                        amount_recovered_cents=rng.randrange(1, 200) * 100_000, today=day)
    elif act == "close":
        svc.close_case(session, actor=a, case_id=case_id, today=day)
    elif act == "re_review":
        svc.re_review_case(session, actor=a, case_id=case_id, today=day)
    elif act == "reopen":
        svc.reopen_case(session, actor=a, case_id=case_id, reason="复查未结清", today=day)
    elif act == "transfer":
        svc.transfer_case(session, actor=a, case_id=case_id, reason="属地管辖", today=day,
                          to_region_code=rng.choice(["369901000000", "369902000000"]))
    elif act == "take_over":
        svc.accept_transfer(session, actor=a, case_id=case_id, today=day)
    elif act == "send_back":
        svc.return_transfer(session, actor=a, case_id=case_id, reason="非本辖区", today=day)
    elif act == "supervise":
        svc.supervise_case(session, actor=a, case_id=case_id, reason="超期未办结", today=day)
    else:
        svc.receive_case(session, actor=a, today=day, intake=CaseIntake(
            source=CaseSource.hotline_12345, summary="新收线索", industry=rng.choice(INDUSTRIES),
            workers=rng.randrange(1, 20), amount_claimed_cents=rng.randrange(1, 90) * 100_000,
            township_code=rng.choice(["369901001000", "369902100000"]), received_on=day))


ACTS = ("accept", "reject", "investigate", "decide", "close", "re_review", "reopen", "transfer", "take_over",
        "send_back", "supervise", "receive")


def _acts(session, actors, rng: random.Random, n: int, cells: dict[int, list[int]], employers: list[int]) -> Counter:
    """`n` random acts through the services (those a case's state refuses are skipped); also a
    figure corrected and a case deleted through the ORM. Returns the acts done, by kind."""
    done: Counter = Counter()
    for _ in range(n):
        ids = list(session.exec(select(WageCase.id).where(WageCase.deleted_at.is_(None))))
        case_id = rng.choice(ids)
        day = TODAY - timedelta(days=rng.randrange(0, 40))
        act = rng.choice([*ACTS, "correct", "delete"])
        if act in ("correct", "delete"):  # not a service: what an import's update or an administrator's repair does
            case = session.get(WageCase, case_id)
            if act == "correct":
                case.workers, case.amount_claimed_cents = case.workers + 1, case.amount_claimed_cents + 123
                case.received_on = case.received_on - timedelta(days=rng.randrange(0, 45))  # maybe another month
                case.grid_cell_id = rng.choice([*cells[case.region_id], None])  # maybe another cell
                case.employer_id = rng.choice([case.employer_id, case.employer_id, *employers, None])
            else:
                case.deleted_at = utcnow()
            session.commit()
            done[act] += 1
            continue
        for who in rng.sample(list(actors.values()), len(actors)):
            try:
                _act(session, act, who, case_id, day, rng)
            except (NotAllowed, WorkflowError, ValidationError, OutOfScope):
                session.rollback()
                continue
            done[act] += 1
            break
    return done


@pytest.fixture
def acted(session):
    city = make_city(session)
    users = make_users(session, city, a=(Role.case_officer, "a", "officer.a"), b=(Role.case_officer, "b", "officer.b"),
                       leader=(Role.leader, "city"), county_leader=(Role.leader, "a", "leader.a"))
    actors = {k: _actor(session, u) for k, u in users.items()}
    rng = random.Random(20261120)
    cells = {town.id: [make_grid_cell(session, township=town, number=n).id for n in (1, 2)]
             for town in (city["town_a"], city["town_b"])}
    employers = [make_employer(session, name=f"建工{n}号公司").id for n in range(6)]
    _seed_cases(session, city, rng, 90, cells, employers)
    done = _acts(session, actors, rng, 240, cells, employers)
    return {"city": city, "actors": actors, "done": done}


def _answers(session, scope, filters: CaseFilters, today: date) -> dict:
    args = {"scope": scope, "filters": filters, "today": today}
    maps, grid = q.map_aggregates(session, **args), q.map_aggregates(session, **args, level="grid")
    return {"kpis": q.case_kpis(session, **args), "trend": q.monthly_trend(session, **args),
            **{f"by_{by}": q.breakdown(session, **args, by=by) for by in q.BREAKDOWNS},
            "map": (maps.figures, maps.values), "risk": q.risk_by_area(session, **args),
            "grid": (grid.figures, grid.values), "grid_risk": q.risk_by_area(session, **args, level="grid"),
            "repeat": q.repeat_employers(session, **args, min_cases=3, limit=3),
            "table_total": q.list_cases(session, **args, limit=2)[1]}


def _combinations(rng: random.Random, today: date) -> list[CaseFilters]:
    """Every period the pages offer (the presets, all time, custom ranges across month ends) in
    every region, each with a drawn combination of the other filters; then every single value of
    each other filter with this year."""
    periods = [preset_period(name, today) for name in PERIOD_PRESETS]
    periods += [(None, None), (date(2025, 3, 15), date(2026, 2, 10)), (date(2025, 1, 1), date(2025, 12, 31)),
                (date(2025, 6, 1), None), (None, date(2025, 8, 17)), (date(2026, 2, 3), date(2026, 2, 20))]
    regions = [None, "369901000000", "369902000000", "369902100000"]
    statuses = [(), ("closed",), ("received", "accepted", "investigating"), ("rejected", "re_reviewed")]
    sources = [(), (CaseSource.walk_in.value,), (CaseSource.hotline_12345.value, CaseSource.letter.value)]
    industries = [(), ("construction",), ("manufacturing", "catering")]
    constructions = [None, True, False]
    out = []
    for date_from, date_to in periods:
        for region in regions:
            out.append(CaseFilters(date_from=date_from, date_to=date_to, region_code=region,
                                   statuses=rng.choice(statuses), sources=rng.choice(sources),
                                   industries=rng.choice(industries), construction=rng.choice(constructions)))
    year = (date(today.year, 1, 1), today)
    for name, values in (("statuses", statuses), ("sources", sources), ("industries", industries),
                         ("construction", constructions)):
        for value in values:
            out.append(CaseFilters(date_from=year[0], date_to=year[1], **{name: value}))
    return out


def test_the_rollup_is_kept_by_every_act(session, acted):
    # the random acts did change cases of every kind, not only bounce off their states
    done = acted["done"]
    assert sum(done.values()) >= 80 and len(done) >= 12, done
    assert rollup.differences(session.connection()) == 0
    # and a rebuild makes the same table
    rows = rollup.rebuild(session.connection())
    assert rows > 50 and rollup.differences(session.connection()) == 0
    # and a span lost or cut short is a difference
    spans = RepeatSpan.__table__
    first = session.connection().execute(sa.select(spans).limit(1)).one()
    session.connection().execute(sa.update(spans).where(*(spans.c[k] == first._mapping[k] for k in
                                                          ("region_id", "grid_cell_id", "employer_id", "starts")))
                                 .values(ends=first.ends - timedelta(days=1)))
    assert rollup.differences(session.connection()) == 2  # the span held and the span made


@pytest.mark.parametrize("today", [TODAY, date(2026, 10, 31)], ids=["mid-month", "month-end"])
def test_every_period_figure_is_the_same_from_the_rollup_as_from_the_cases(session, acted, today, monkeypatch):
    rng = random.Random(today.toordinal())
    # the repeat employers by their bounds whatever the number of cases, two at a time: several looks
    monkeypatch.setattr(q, "REPEAT_MANY", 0)
    monkeypatch.setattr(q, "REPEAT_BATCH", 2)
    by_bounds = Counter()
    bounded = q._repeat_by_bounds

    def counting(*args):
        found = bounded(*args)
        by_bounds[found is not None] += 1
        return found

    monkeypatch.setattr(q, "_repeat_by_bounds", counting)
    actors = acted["actors"]
    compared = 0
    combinations = _combinations(rng, today)
    # every combination in the leader's scope (the city), every third in a county officer's (the
    # paths of the cases held or sent elsewhere)
    for who, drawn in (("leader", combinations), ("a", combinations[::3])):
        scope = actors[who].scope
        for filters in drawn:
            try:
                monkeypatch.setattr(rollup, "ENABLED", True)
                assert rollup.applies(filters)
                fast = _answers(session, scope, filters, today)
            except OutOfScope:
                continue
            monkeypatch.setattr(rollup, "ENABLED", False)
            slow = _answers(session, scope, filters, today)
            assert fast == slow, filters
            compared += 1
    assert compared >= 60, compared
    assert by_bounds[True] >= 60, by_bounds  # not vacuous: the bounds answered, not the grouping behind them
    # the campaign's figures and the run of declines (yearly, quarterly) read the rollup as well
    for who in ("leader", "a"):
        scope = actors[who].scope
        monkeypatch.setattr(rollup, "ENABLED", True)
        fast = (campaign.winter_campaign(session, scope=scope, today=today),
                campaign.declines(session, scope=scope, today=today))
        monkeypatch.setattr(rollup, "ENABLED", False)
        assert fast == (campaign.winter_campaign(session, scope=scope, today=today),
                        campaign.declines(session, scope=scope, today=today))
        assert fast[1]["yearly"]["cases"]["years"]  # not vacuous: there are whole years to compare
        # and the weekly brief (its twelve weeks read by day)
        monday = today - timedelta(days=today.weekday())
        monkeypatch.setattr(rollup, "ENABLED", True)
        fast_brief = brief.weekly_brief(session, scope=scope, monday=monday, today=today)
        monkeypatch.setattr(rollup, "ENABLED", False)
        assert fast_brief == brief.weekly_brief(session, scope=scope, monday=monday, today=today)
        assert sum(n for _week, n, _last in fast_brief.weekly_cases)
    # not vacuous: the leader's all-time figures count every case the services left
    monkeypatch.setattr(rollup, "ENABLED", True)
    everything = q.breakdown(session, scope=actors["leader"].scope, filters=CaseFilters(), today=today, by="source")
    alive = len(list(session.exec(select(WageCase.id).where(WageCase.deleted_at.is_(None)))))
    assert sum(r["cases"] for r in everything) == alive
    # the repeat employers, all time: the three with most cases
    assert len(q.repeat_employers(session, scope=actors["leader"].scope, filters=CaseFilters(), today=today,
                                  limit=3)) == 3
    # and the grid map's all-time figures come from the GRID grain: every case in a cell
    in_cells = len(list(session.exec(select(WageCase.id).where(WageCase.deleted_at.is_(None),
                                                                WageCase.grid_cell_id.is_not(None)))))
    grid = q.map_aggregates(session, scope=actors["leader"].scope, filters=CaseFilters(), today=today, level="grid")
    assert len(grid.figures) == 4 and sum(f["cases"] for f in grid.figures.values()) == in_cells


def test_filters_the_rollup_cannot_answer_read_the_cases():
    assert not rollup.applies(CaseFilters(overdue_only=True))
    assert not rollup.applies(CaseFilters(supervised_only=True))
    assert not rollup.applies(CaseFilters(text="建工"))
    assert not rollup.applies(CaseFilters(grid_code="369901001001"))
    assert rollup.applies(CaseFilters(statuses=("closed",), construction=True))
    # by grid cell: the GRID grain, which holds no filter value
    assert rollup.answers(CaseFilters(), ("grid_cell_id",)) and rollup.answers(CaseFilters(), ("month", "grid_cell_id"))
    assert not rollup.answers(CaseFilters(statuses=("closed",)), ("grid_cell_id",))
    assert rollup.answers(CaseFilters(statuses=("closed",)), ("region_id",))


def test_a_period_splits_into_whole_months_and_the_days_at_its_edges():
    assert rollup.split(date(2026, 1, 1), date(2026, 11, 20)) == (
        (date(2026, 1, 1), date(2026, 10, 1)), [(date(2026, 11, 1), date(2026, 11, 20))])
    assert rollup.split(date(2025, 3, 15), date(2026, 2, 28)) == (
        (date(2025, 4, 1), date(2026, 2, 1)), [(date(2025, 3, 15), date(2025, 3, 31))])
    assert rollup.split(date(2026, 2, 3), date(2026, 2, 20)) == (None, [(date(2026, 2, 3), date(2026, 2, 20))])
    assert rollup.split(None, None) == ((None, None), [])
    assert rollup.split(None, date(2025, 8, 17)) == ((None, date(2025, 7, 1)), [(date(2025, 8, 1), date(2025, 8, 17))])


def test_only_a_scope_over_every_region_reads_the_citywide_rows(session, acted):
    actors = acted["actors"]
    assert rollup.sees_everything(session, actors["leader"].scope)
    assert not rollup.sees_everything(session, actors["a"].scope)
    assert not rollup.sees_everything(session, actors["county_leader"].scope)


def _repeat_days(days: list[date], day: date) -> bool:
    """Whether cases received on `days` make a repeat employer on `day`, counted as the raw query does."""
    return sum(day - timedelta(days=rollup.REPEAT_DAYS) < d <= day for d in days) >= rollup.REPEAT_CASES


def test_an_employers_spans_hold_exactly_on_the_days_it_is_a_repeat_employer():
    # three cases within a year: from the third's day until the first drops out of the window
    assert rollup.spans([date(2026, 1, 1), date(2026, 3, 1), date(2026, 12, 31)]) == [
        (date(2026, 12, 31), date(2027, 1, 1))]
    # the first and the third 365 days apart never share a window
    assert rollup.spans([date(2025, 1, 1), date(2025, 6, 1), date(2026, 1, 1)]) == []
    # a fourth case carries it on: one span, not two
    assert rollup.spans([date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), date(2025, 12, 1)]) == [
        (date(2025, 3, 1), date(2026, 2, 1))]
    rng = random.Random(3)
    for _ in range(300):
        start = date(2024, 1, 1)
        days = sorted(start + timedelta(days=rng.randrange(0, 900)) for _ in range(rng.randrange(0, 9)))
        made = rollup.spans(days)
        for a, b in zip(made, made[1:], strict=False):
            assert a[1] < b[0]  # apart: on any day at most one holds
        for offset in range(-5, 1300):
            day = start + timedelta(days=offset)
            assert any(a <= day < b for a, b in made) == _repeat_days(days, day), (days, day)


def test_the_risk_grades_repeat_employers_from_the_spans_equal_the_cases_on_every_day(session, acted, monkeypatch):
    leader = acted["actors"]["leader"].scope
    counted = Counter()
    by_spans = rollup.repeat_counts

    def counting(*args):
        found = by_spans(*args)
        counted[bool(found)] += 1
        return found

    monkeypatch.setattr(rollup, "repeat_counts", counting)
    for offset in range(-800, 400, 5):  # from before the first case to after the last one drops out
        day = TODAY + timedelta(days=offset)
        for level in ("township", "grid"):
            monkeypatch.setattr(rollup, "ENABLED", True)
            fast = q.risk_by_area(session, scope=leader, filters=CaseFilters(), today=day, level=level)
            monkeypatch.setattr(rollup, "ENABLED", False)
            assert fast == q.risk_by_area(session, scope=leader, filters=CaseFilters(), today=day, level=level), day
    # not vacuous: the spans answered, on days with repeat employers and on days without
    assert counted[True] >= 80 and counted[False] >= 40, counted
    # a filter value, a region or a county's scope: the cases answer (the spans count every case)
    monkeypatch.setattr(rollup, "ENABLED", True)
    assert not rollup.repeats_apply(session, leader, CaseFilters(industries=("construction",)))
    assert not rollup.repeats_apply(session, acted["actors"]["county_leader"].scope, CaseFilters())
    assert rollup.repeats_apply(session, leader, CaseFilters(date_from=date(2026, 1, 1)))  # risk has its own windows


def test_core_writes_that_move_cases_respan_them_from_what_the_update_left(session, acted):
    t = WageCase.__table__
    conn = session.connection()
    spans_before = {tuple(row) for row in conn.execute(sa.select(RepeatSpan.__table__))}
    assert spans_before  # the seeded employers do repeat
    moved = conn.execute(sa.select(t.c.id, t.c.received_on).where(t.c.employer_id.is_not(None),
                                                                   t.c.deleted_at.is_(None)).limit(25)).all()
    where = t.c.id.in_([case_id for case_id, _day in moved])
    rollup.remove_cases(conn, where)  # as an import does: out before the update, back in after
    for case_id, day in moved:
        conn.execute(sa.update(t).where(t.c.id == case_id).values(received_on=day - timedelta(days=200)))
    rollup.add_cases(conn, where)
    assert rollup.differences(conn) == 0
    assert {tuple(row) for row in conn.execute(sa.select(RepeatSpan.__table__))} != spans_before  # not vacuous


def test_two_writers_of_one_employer_each_count_the_others_case(engine, session):
    """One transaction adds a case of an employer while another moves one of its cases in the same
    township to another day of the year (no count changes, so no rollup row locks them apart): the
    second waits for the employer's lock and then reads the first's case, so the span ends as the
    moved case says (without the lock the second reads two cases, makes no span, and the first's
    span keeps the old day)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    city = make_city(session)
    employer = make_employer(session, name="重复欠薪公司").id
    args = {"township": city["town_a"], "county": city["a"], "employer_id": employer}
    make_case(session, **args, received_on=TODAY - timedelta(days=30))
    moved = make_case(session, **args, received_on=date(2026, 1, 10)).id
    first, second = Session(engine), Session(engine)
    first.add(WageCase(**_case_values(city, employer, TODAY - timedelta(days=20))))
    first.flush()  # holds the employer's lock until it commits
    errors: list[BaseException] = []

    def move():
        try:
            second.get(WageCase, moved).received_on = date(2026, 2, 10)
            second.commit()
        except BaseException as exc:  # noqa: BLE001 — reported by the test's thread
            errors.append(exc)

    thread = threading.Thread(target=move)
    thread.start()
    eventually(lambda: session.execute(sa.text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).scalar_one(),
        "the second writer waits for the employer's lock")
    first.commit()
    thread.join(timeout=30)
    first.close(), second.close()
    assert not thread.is_alive() and not errors, errors
    session.rollback()
    assert rollup.differences(session.connection()) == 0
    spans = session.execute(sa.select(RepeatSpan.starts, RepeatSpan.ends).where(RepeatSpan.employer_id == employer))
    assert [tuple(r) for r in spans] == [(TODAY - timedelta(days=20), date(2027, 2, 10))]


_numbers = iter(range(1, 10_000))


def _case_values(city, employer: int, received_on: date) -> dict:
    town, county = city["town_a"], city["a"]
    return dict(case_no=f"R-{next(_numbers):04d}", office_path=county.path, source=CaseSource.walk_in,
                status=CaseStatus.received, received_on=received_on, accept_due=received_on + timedelta(days=7),
                industry="建筑业", is_construction=True, workers=3, amount_claimed_cents=1_000_000,
                region_id=town.id, path=town.path, office_region_id=county.id, summary="拖欠工资",
                employer_id=employer)
