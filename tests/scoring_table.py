"""The checklist scoring table both scoring tests read: a small checklist of every answer type
and a veto item, and answers with what data/rules/scoring.py must make of them. tests/
test_scoring.py checks the Python rule against it; tests/browser/test_field_scoring.py runs the
same answers through the field app's JavaScript port."""

from __future__ import annotations

from data.models import Grade

ITEMS = [
    {"code": "A1", "category": "a", "answer_type": "pass_fail", "weight": 10, "veto": False, "rule": {}},
    {"code": "A2", "category": "a", "answer_type": "number", "weight": 10, "veto": False, "rule": {"max_ok": 15}},
    {"code": "B1", "category": "b", "answer_type": "choice", "weight": 20, "veto": False,
     "rule": {"options": [{"value": "good", "score": 1}, {"value": "fair", "score": 0.5},
                          {"value": "poor", "score": 0}]}},
    {"code": "V1", "category": "b", "answer_type": "pass_fail", "weight": 0, "veto": True, "rule": {}},
]
STRICT = {"model": 95, "standard": 85, "rectify": 70}

# answers (bare values) → total, category scores, grade and failed items, with the default thresholds
SCORED = [
    # everything met
    ({"A1": "pass", "A2": 10, "B1": "good", "V1": "pass"}, 100.0, {"a": 100.0, "b": 100.0}, Grade.model, ()),
    # a fair choice earns half its weight and still needs a rectification
    ({"A1": "pass", "A2": 10, "B1": "fair", "V1": "pass"}, 75.0, {"a": 100.0, "b": 50.0}, Grade.rectify, ("B1",)),
    # a number outside its range fails
    ({"A1": "pass", "A2": 30, "B1": "good", "V1": "pass"}, 75.0, {"a": 50.0, "b": 100.0}, Grade.rectify, ("A2",)),
    # not applicable items leave the scale: 10 of 10 applicable points is 100
    ({"A1": "pass", "A2": "na", "B1": "na", "V1": "na"}, 100.0, {"a": 100.0}, Grade.model, ()),
    # a failed veto item fails the station whatever the points
    ({"A1": "pass", "A2": 10, "B1": "good", "V1": "fail"}, 100.0, {"a": 100.0, "b": 100.0}, Grade.fail, ("V1",)),
]


def wrapped(answers: dict) -> dict:
    """Bare values as stored answers: {code: {"value": …}}."""
    return {k: {"value": v} for k, v in answers.items()}
