"""Checklist scoring rules (data/rules/scoring.py) and template versioning, as tables."""

from __future__ import annotations

import pytest
from sqlmodel import select

from data import checklists
from data.errors import NotAllowed, ValidationError, WorkflowError
from data.models import AuditEvent, ChecklistTemplate, Grade, Role
from data.queries.templates import current_template, template_items
from data.rules.scoring import DEFAULT_THRESHOLDS, grade_for, item_fraction, score_checklist
from data.scope import Scope
from data.services.common import Actor
from data.services.templates import check_items, new_version
from tests.factories import make_templates, passing_answers
from tests.scoring_table import ITEMS, SCORED, STRICT, wrapped


@pytest.mark.parametrize("total, grade", [
    (100, Grade.model), (90, Grade.model), (89.9, Grade.standard), (80, Grade.standard),
    (79.9, Grade.rectify), (60, Grade.rectify), (59.9, Grade.fail), (0, Grade.fail)])
def test_grade_thresholds(total, grade):
    assert grade_for(total) == grade


def test_thresholds_are_configurable():
    assert grade_for(92, STRICT) == Grade.standard
    assert grade_for(92, DEFAULT_THRESHOLDS) == Grade.model


@pytest.mark.parametrize("item, value, fraction", [
    (ITEMS[0], "pass", 1.0), (ITEMS[0], "fail", 0.0), (ITEMS[0], "na", None), (ITEMS[0], None, None),
    (ITEMS[1], 15, 1.0), (ITEMS[1], 16, 0.0), (ITEMS[1], 3.5, 1.0),
    (ITEMS[2], "good", 1.0), (ITEMS[2], "fair", 0.5), (ITEMS[2], "poor", 0.0)])
def test_item_fraction(item, value, fraction):
    assert item_fraction(item, value) == fraction


@pytest.mark.parametrize("item, value", [(ITEMS[0], "yes"), (ITEMS[1], "12"), (ITEMS[1], True),
                                         (ITEMS[2], "excellent")])
def test_a_value_the_item_cannot_take_is_refused(item, value):
    with pytest.raises(ValueError):
        item_fraction(item, value)


@pytest.mark.parametrize("answers, total, categories, grade, failed", SCORED)
def test_score_checklist(answers, total, categories, grade, failed):
    score = score_checklist(ITEMS, wrapped(answers))
    assert (score.total, score.category_scores, score.grade, score.failed) == (total, categories, grade, failed)
    assert score.vetoed == ("V1" in failed)


def test_default_templates_weigh_100_points_and_pass_when_all_met():
    for template in checklists.TEMPLATES:
        assert sum(i["weight"] for i in template["items"]) == 100
        score = score_checklist(template["items"], passing_answers(template["code"]))
        assert score.total == 100.0 and score.grade == Grade.model and not score.failed
    categories = {i["category"] for i in checklists.STANDARDISATION_ITEMS}
    assert categories == set(checklists.STANDARDISATION_CATEGORIES) and len(categories) == 6
    assert 28 <= len(checklists.STANDARDISATION_ITEMS) <= 32 and 18 <= len(checklists.WINDOW_AUDIT_ITEMS) <= 24


def test_unanswered_items_are_listed_so_a_form_cannot_be_submitted_half_done():
    score = score_checklist(ITEMS, {"A1": {"value": "pass"}})
    assert score.unanswered == ("A2", "B1", "V1") and score.total == 100.0


# --- template versions ------------------------------------------------------------------------


def _admin(session) -> Actor:
    from tests.factories import make_city, make_user
    city = make_city(session)
    user = make_user(session, username="admin1", role=Role.admin, regions=[city["city"]])
    return Actor(user.id, user.username, user.role, Scope((city["city"].path,)))


def test_editing_a_template_makes_a_new_version_and_keeps_the_old(session):
    actor = _admin(session)
    v1 = make_templates(session)["standardisation"]
    items = [dict(i) for i in checklists.STANDARDISATION_ITEMS]
    items[0]["weight"], items[0]["text"] = 4, "门头标牌统一规范（新）"
    items.pop()  # drop the last item
    v2 = new_version(session, actor=actor, template_id=v1.id, items=items)
    session.refresh(v1)
    assert (v2.version, v2.is_current, v1.is_current) == (2, True, False)
    assert current_template(session, "standardisation").id == v2.id
    assert len(template_items(session, v1.id)) == len(checklists.STANDARDISATION_ITEMS)  # untouched
    new_items = template_items(session, v2.id)
    assert len(new_items) == len(items) and new_items[0].text == "门头标牌统一规范（新）" and new_items[0].weight == 4
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "template.versioned")).one()
    assert event.details["changed"] == ["S01"]
    assert event.details["removed"] == [checklists.STANDARDISATION_ITEMS[-1]["code"]]
    # an edit of the stale version is refused, not merged
    with pytest.raises(WorkflowError):
        new_version(session, actor=actor, template_id=v1.id, items=items)


def test_only_admins_edit_templates(session):
    actor = _admin(session)
    v1 = make_templates(session)["window_audit"]
    inspector = Actor(actor.id, "x", Role.inspector, actor.scope)
    with pytest.raises(NotAllowed):
        new_version(session, actor=inspector, template_id=v1.id, items=checklists.WINDOW_AUDIT_ITEMS)
    assert session.exec(select(ChecklistTemplate).where(ChecklistTemplate.version == 2)).first() is None


@pytest.mark.parametrize("change, field", [
    ({"code": ""}, "items[0].code"), ({"text": " "}, "items[0].text"), ({"weight": -1}, "items[0].weight"),
    ({"weight": "5"}, "items[0].weight"), ({"answer_type": "essay"}, "items[0].answer_type"),
    ({"answer_type": "choice", "rule": {"options": [{"value": "a", "score": 1}]}}, "items[0].rule"),
    ({"answer_type": "choice", "rule": {"options": [{"value": "a", "score": 1}, {"value": "b", "score": 2}]}},
     "items[0].rule"),
    ({"answer_type": "number", "rule": {}}, "items[0].rule")])
def test_bad_items_are_refused_with_the_field_named(change, field):
    items = [dict(i) for i in checklists.WINDOW_AUDIT_ITEMS]
    items[0] = {**items[0], **change}
    with pytest.raises(ValidationError) as refused:
        check_items(items)
    assert refused.value.field == field


def test_duplicate_codes_are_refused():
    items = [dict(i) for i in checklists.WINDOW_AUDIT_ITEMS]
    items[1] = {**items[1], "code": items[0]["code"]}
    with pytest.raises(ValidationError) as refused:
        check_items(items)
    assert refused.value.field == "items[1].code"
