"""失信联合惩戒名单: the states (proposed → approved | rejected → published → removed), who may act
at each, the period and the employer's mark, the leaders' to-do list, and the page's answers."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from data.errors import NotAllowed, ValidationError, WorkflowError
from data.models import AuditEvent, BlacklistStatus, Employer, Role, Setting
from data.queries.blacklist import list_entries
from data.queries.todo import todo_items
from data.queries.users import get_user_scope
from data.services import blacklist as svc
from data.services.common import Actor
from tests.conftest import login
from tests.dash_calls import csrf_header, dash, find_callback
from tests.factories import PASSWORD, make_case, make_city, make_employer, make_users

TODAY = date(2026, 11, 20)


@pytest.fixture
def world(session):
    city = make_city(session)
    users = make_users(session, city, a=(Role.case_officer, "a"), b=(Role.case_officer, "b"),
                       leader=(Role.leader, "city"), leader_b=(Role.leader, "b"), admin=(Role.admin, "city"),
                       inspector=(Role.inspector, "city"))
    actors = {k: Actor(id=u.id, username=u.username, role=Role(u.role),
                       scope=get_user_scope(session, user_id=u.id)) for k, u in users.items()}
    employer = make_employer(session, name="青山建筑劳务有限公司")
    cases = [make_case(session, township=city["town_a"], county=city["a"], employer_id=employer.id)
             for _ in range(3)]
    other = make_case(session, township=city["town_b"], county=city["b"], employer_id=employer.id)
    return {"city": city, "users": users, "actors": actors, "employer": employer, "cases": cases, "other": other}


def test_the_whole_way_and_the_employers_mark(session, world):
    a, leader = world["actors"]["a"], world["actors"]["leader"]
    entry = svc.propose(session, actor=a, employer_id=world["employer"].id, grounds="三次拖欠，数额巨大",
                        case_ids=[c.id for c in world["cases"]])
    assert entry.status == BlacklistStatus.proposed and entry.path == world["city"]["a"].path
    with pytest.raises(WorkflowError):  # one entry under way per employer
        svc.propose(session, actor=a, employer_id=world["employer"].id, grounds="再报", case_ids=[world["cases"][0].id])
    svc.decide(session, actor=leader, entry_id=entry.id, approve=True)
    svc.publish(session, actor=leader, entry_id=entry.id, published_on=TODAY, today=TODAY)
    assert entry.expires_on == date(2029, 11, 20)  # three years by default
    assert session.get(Employer, world["employer"].id).blacklisted_until == date(2029, 11, 20)
    with pytest.raises(ValidationError):  # early removal needs its reason
        svc.remove(session, actor=leader, entry_id=entry.id, today=date(2027, 12, 1))
    svc.remove(session, actor=leader, entry_id=entry.id, today=date(2027, 12, 1), reason="已足额支付，信用修复")
    assert entry.status == BlacklistStatus.removed
    assert session.get(Employer, world["employer"].id).blacklisted_until == date(2027, 12, 1)
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.target_kind == "blacklist_entry")).all()
    assert actions == ["blacklist.propose", "blacklist.approve", "blacklist.publish", "blacklist.remove"]


def test_who_may_act(session, world):
    actors, employer = world["actors"], world["employer"]
    with pytest.raises(NotAllowed):  # leaders decide, offices propose
        svc.propose(session, actor=actors["leader"], employer_id=employer.id, grounds="x",
                    case_ids=[world["cases"][0].id])
    with pytest.raises(ValidationError):  # another county's case is no ground for this office
        svc.propose(session, actor=actors["a"], employer_id=employer.id, grounds="x", case_ids=[world["other"].id])
    entry = svc.propose(session, actor=actors["admin"], employer_id=employer.id, grounds="x",
                        case_ids=[world["cases"][0].id])
    with pytest.raises(NotAllowed):  # nobody approves their own proposal
        svc.decide(session, actor=actors["admin"], entry_id=entry.id, approve=True)
    with pytest.raises(NotAllowed):
        svc.decide(session, actor=actors["a"], entry_id=entry.id, approve=True)
    with pytest.raises(NotAllowed):
        svc.decide(session, actor=actors["inspector"], entry_id=entry.id, approve=True)
    with pytest.raises(WorkflowError):  # not approved yet
        svc.publish(session, actor=actors["leader"], entry_id=entry.id, published_on=TODAY, today=TODAY)
    with pytest.raises(ValidationError):  # a refusal says why
        svc.decide(session, actor=actors["leader"], entry_id=entry.id, approve=False)
    svc.decide(session, actor=actors["leader"], entry_id=entry.id, approve=False, note="证据不足")
    assert entry.status == BlacklistStatus.rejected
    with pytest.raises(WorkflowError):
        svc.decide(session, actor=actors["leader"], entry_id=entry.id, approve=True)


def test_scope_period_setting_and_the_leaders_list(session, world):
    actors = world["actors"]
    session.add(Setting(key="blacklist.years", value=2))
    session.commit()
    entry = svc.propose(session, actor=actors["a"], employer_id=world["employer"].id, grounds="x",
                        case_ids=[world["cases"][0].id])
    assert list_entries(session, scope=actors["leader_b"].scope, today=TODAY) == []  # county A's entry
    with pytest.raises(NotAllowed):
        svc.decide(session, actor=actors["leader_b"], entry_id=entry.id, approve=True)

    def kinds(user, day=TODAY):
        return [i.kind for i in todo_items(session, role=user.role, user_id=user.id,
                                           scope=get_user_scope(session, user_id=user.id), today=day)]
    leader = world["users"]["leader"]
    assert "blacklist_proposed" in kinds(leader) and "blacklist_proposed" not in kinds(world["users"]["leader_b"])
    svc.decide(session, actor=actors["leader"], entry_id=entry.id, approve=True)
    with pytest.raises(ValidationError):  # not a year back
        svc.publish(session, actor=actors["leader"], entry_id=entry.id, published_on=date(2025, 11, 1), today=TODAY)
    svc.publish(session, actor=actors["leader"], entry_id=entry.id, published_on=TODAY, today=TODAY)
    assert entry.expires_on == date(2028, 11, 20)
    assert "blacklist_proposed" not in kinds(leader) and "blacklist_due" not in kinds(leader)
    assert "blacklist_due" in kinds(leader, date(2028, 11, 20))
    assert [e["due_for_removal"] for e in list_entries(session, scope=actors["leader"].scope,
                                                       today=date(2028, 11, 20), status="due")] == [True]
    svc.remove(session, actor=actors["leader"], entry_id=entry.id, today=date(2028, 11, 21))  # over: no reason
    assert entry.removal_reason == "期满移出"


def test_the_page_lists_and_a_leader_approves_there(app, session, world):
    entry = svc.propose(session, actor=world["actors"]["a"], employer_id=world["employer"].id, grounds="三次拖欠",
                        case_ids=[world["cases"][0].id])
    client = app.test_client()
    login(client, "leader", PASSWORD)
    assert client.get(f"/blacklist?entry={entry.id}").status_code == 200
    rows = dash(client, app, "bl-table", {"bl-status.value": "proposed", "bl-version.data": 0})
    assert [r["employer"] for r in rows["bl-table"]["rowData"]] == ["青山建筑劳务有限公司"]
    panel = dash(client, app, "bl-panel", {"bl-selected.data": entry.id, "bl-version.data": 0})
    assert "批准列入" in str(panel)
    key, spec = find_callback(app, "bl-msg", {"bl-note"})
    button = {"act": "approve", "type": "bl-act"}
    body = {"output": key,
            "outputs": [{"id": "bl-version", "property": "data"}, {"id": "bl-msg", "property": "children"}],
            "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
            "state": [{**s, "value": {"bl-selected": entry.id, "bl-note": "同意"}.get(s["id"])} for s in spec["state"]],
            "changedPropIds": ['{"act":"approve","type":"bl-act"}.n_clicks']}
    done = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert done.status_code == 200 and "已批准列入" in str(done.json["response"]["bl-msg"])
    session.expire_all()
    assert session.get(type(entry), entry.id).status == BlacklistStatus.approved
