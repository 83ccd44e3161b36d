"""暗访计划: the draw is reproducible from its seed, covers every station, weighs the weaker ones,
spreads the days, keeps auditors out of their own county (回避); a published plan is never drawn
again; an audit recorded for an assignment closes it; and nobody but the leads, the city's leaders
and (shortly before) the assigned auditors sees any of it."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from data.db import make_engine
from data.errors import NotAllowed, ValidationError, WorkflowError
from data.models import AuditAssignment, AuditEvent, AuditPlan, Role, Station, User
from data.queries import audit_plan as q
from data.queries.users import get_user_scope
from data.rules.audit_plan import Auditor, Candidate, draw_plan
from data.services import audit_plan as svc
from data.services.common import Actor
from tests.conftest import TODAY, app_config, login
from tests.dash_calls import dash

A, B, C = "369900000000/369901000000/", "369900000000/369902000000/", "369900000000/369903000000/"
DAYS = [date(2027, 1, 4) + timedelta(days=n) for n in range(364)]
WORKDAYS = [d for d in DAYS if d.weekday() < 5]


def pool():
    stations = [Candidate(i, (A, B, C)[i % 3], grade="standard") for i in range(1, 31)]
    stations += [Candidate(100, A, grade="fail", open_rectifications=5, complaints=10)]
    auditors = [Auditor(1, None), Auditor(2, A), Auditor(3, B), Auditor(4, C), Auditor(5, A)]
    return stations, auditors


def test_the_same_seed_draws_the_same_plan_and_the_rules_hold():
    stations, auditors = pool()
    one = draw_plan(stations, auditors, workdays=WORKDAYS, modes=["covert", "phone"], per_station=1, seed=7)
    assert one == draw_plan(stations, auditors, workdays=WORKDAYS, modes=["covert", "phone"], per_station=1, seed=7)
    assert one != draw_plan(stations, auditors, workdays=WORKDAYS, modes=["covert", "phone"], per_station=1, seed=8)
    per_station = Counter(d.station_id for d in one)
    assert set(per_station) == {s.station_id for s in stations}  # every station at least once
    assert per_station[100] >= 3  # the weakest (weight 1 + 1.5 + 0.5 + 0.5) drawn more often
    county = {s.station_id: s.county for s in stations}
    homes = {a.user_id: a.home for a in auditors}
    for d in one:
        assert len(set(d.auditor_ids)) == 2 and d.due_on in WORKDAYS and d.mode in ("covert", "phone")
        assert all(homes[u] is None or not county[d.station_id].startswith(homes[u]) for u in d.auditor_ids)
    assert len({(u, d.due_on) for d in one for u in d.auditor_ids}) == 2 * len(one)  # nobody twice a day
    assert len({d.due_on.weekday() for d in one}) == 5  # no fixed weekday
    station_100 = sorted(d.due_on for d in one if d.station_id == 100)
    assert station_100[-1] - station_100[0] > timedelta(days=120)  # spread over the year


@pytest.fixture(scope="module")
def city(databases, demo_source):
    """A copy of the demo city of its own: plans are drawn and published in it."""
    engine = make_engine(databases.fresh_url("plan", demo_source))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def plan(city) -> int:
    """A published plan for 2027 on the copy of the demo city."""
    with Session(city) as session:
        lead = actor(session, "inspector")
        drawn = svc.draw(session, actor=lead, name="2027年暗访计划", period_from=date(2027, 1, 4),
                         period_to=date(2027, 12, 24), modes=["covert", "phone"], per_station=1, today=TODAY)
        svc.publish(session, actor=lead, plan_id=drawn.id)
        return drawn.id


def actor(session, username: str) -> Actor:
    user = session.exec(select(User).where(User.username == username)).one()
    return Actor(id=user.id, username=username, role=Role(user.role), scope=get_user_scope(session, user_id=user.id))


def test_on_the_demo_city_coverage_recusal_seed_and_publication(city):
    with Session(city) as session:
        lead = actor(session, "inspector")
        plan = svc.draw(session, actor=lead, name="2028年暗访计划", period_from=date(2028, 1, 3),
                        period_to=date(2028, 12, 22), modes=["covert", "phone", "online"], per_station=1, today=TODAY)
        rows = session.exec(select(AuditAssignment).where(AuditAssignment.plan_id == plan.id)).all()
        stations = session.exec(select(Station.id, Station.path).where(Station.kind == "township_station")).all()
        assert {r.station_id for r in rows} == {sid for sid, _path in stations}  # coverage
        homes = dict(session.exec(select(User.id, User.home_path)).all())
        for r in rows:  # 回避: nobody audits their own county
            assert all(homes[u] is None or not r.path.startswith(homes[u]) for u in r.auditor_ids)
        first = sorted((r.station_id, r.due_on, r.mode, tuple(r.auditor_ids)) for r in rows)
        seed = plan.seed
        svc.draw(session, actor=lead, name="2028年暗访计划", period_from=date(2028, 1, 3), period_to=date(2028, 12, 22),
                 modes=["covert", "phone", "online"], per_station=1, today=TODAY, seed=seed, plan_id=plan.id)
        again = session.exec(select(AuditAssignment).where(AuditAssignment.plan_id == plan.id)).all()
        assert sorted((r.station_id, r.due_on, r.mode, tuple(r.auditor_ids)) for r in again) == first
        draws = session.exec(select(AuditEvent).where(AuditEvent.action == "audit_plan.draw",
                                                      AuditEvent.target_id == str(plan.id))).all()
        assert [e.details["seed"] for e in draws] == [seed, seed]
        svc.publish(session, actor=lead, plan_id=plan.id)
        with pytest.raises(WorkflowError):
            svc.draw(session, actor=lead, name="x", period_from=date(2027, 1, 4), period_to=date(2027, 12, 24),
                     modes=["covert"], per_station=1, today=TODAY, plan_id=plan.id)
        for name in ("inspector-2", "cadre", "officer"):  # a seconded auditor, the station side, an office
            with pytest.raises(NotAllowed):
                svc.draw(session, actor=actor(session, name), name="x", period_from=date(2027, 1, 4),
                         period_to=date(2027, 12, 24), modes=["covert"], per_station=1, today=TODAY)
        with pytest.raises(ValidationError):
            svc.draw(session, actor=lead, name="x", period_from=date(2027, 1, 4), period_to=date(2027, 12, 24),
                     modes=[], per_station=1, today=TODAY)


def test_an_auditor_sees_their_own_shortly_before_and_a_recorded_audit_closes_it(city, plan):
    from data.models import ChecklistTemplate
    from data.services.inspections import InspectionForm, record_inspection
    from tests.factories import default_answers
    with Session(city) as session:
        plan = session.get(AuditPlan, plan)
        row = session.exec(select(AuditAssignment).where(AuditAssignment.plan_id == plan.id)
                           .order_by(AuditAssignment.due_on)).first()
        user = session.get(User, row.auditor_ids[0])
        ahead = q.my_assignments(session, user_id=user.id, today=row.due_on - timedelta(days=q.NOTICE_DAYS + 1))
        assert row.id not in [a["id"] for a in ahead]  # not yet: it is told shortly before
        near = q.my_assignments(session, user_id=user.id, today=row.due_on - timedelta(days=1))
        assert row.id in [a["id"] for a in near]
        who = Actor(id=user.id, username=user.username, role=Role.inspector,
                    scope=get_user_scope(session, user_id=user.id))
        template = session.exec(select(ChecklistTemplate).where(ChecklistTemplate.kind == "window_audit",
                                                                ChecklistTemplate.is_current.is_(True))).one()
        form = InspectionForm(kind="window_audit", mode=row.mode, station_id=row.station_id, template_id=template.id,
                              inspected_on=row.due_on, auditor_ids=[row.auditor_ids[1]],
                              answers=default_answers(session, template, mode=row.mode))
        record_inspection(session, actor=who, form=form, today=row.due_on)
        session.refresh(row)
        assert row.inspection_id is not None
        done = q.progress(session, plan_id=plan.id, scope=actor(session, "leader").scope, today=row.due_on)
        assert done["done"] == 1 and done["covered"] == 1 and done["stations"] == 199


def test_the_station_side_gets_nothing_of_it(city, plan):
    from app import create_app
    from tests.conftest import ARTIFACTS  # noqa: F401  (the module's fixtures live there)
    app = create_app(app_config(str(city.url.render_as_string(hide_password=False))))
    with Session(city) as session:
        plan_id = plan
        assert session.exec(select(sa.func.count()).select_from(AuditAssignment)).one() > 0
    client = app.test_client()
    login(client, "cadre")
    assert "督查负责人" not in client.get("/audit-plan").get_data(as_text=True)
    for output, values in (("plan-table", {"plan-selected.data": plan_id, "plan-version.data": 0}),
                           ("plan-progress", {"plan-selected.data": plan_id, "plan-version.data": 0})):
        answer = client.post("/_dash-update-component", json={
            "output": f"{output}.rowData" if output == "plan-table" else f"{output}.children",
            "outputs": {"id": output, "property": "rowData" if output == "plan-table" else "children"},
            "inputs": [{"id": k.split(".")[0], "property": k.split(".")[1], "value": v} for k, v in values.items()],
            "state": [], "changedPropIds": ["plan-selected.data"]},
            headers={"X-CSRFToken": client.get_cookie("_csrf_token").value})
        assert answer.status_code == 403, (output, answer.status_code)
    for path in ("/api/v1/reference", "/wall/data/kpis"):
        assert "audit_plan" not in client.get(path).get_data(as_text=True)
    with Session(city) as session:  # a seconded auditor (the demo gives them no password of their own)
        from data.security import hash_password
        seconded = session.exec(select(User).where(User.username == "inspector-2")).one()
        seconded.password_hash = hash_password("hrss-demo")
        session.add(seconded)
        session.commit()
    auditor = app.test_client()  # their own assignments only, never the plan
    login(auditor, "inspector-2")
    assert dash(auditor, app, "plan-table", {"plan-selected.data": plan_id, "plan-version.data": 0}) == {
        "plan-table": {"rowData": []}}
    leader = app.test_client()
    login(leader, "leader")
    assert leader.get("/audit-plan").status_code == 200
    rows = dash(leader, app, "plan-table", {"plan-selected.data": plan_id, "plan-version.data": 0})
    assert len(rows["plan-table"]["rowData"]) >= 199
    app.extensions["engine"].dispose()
