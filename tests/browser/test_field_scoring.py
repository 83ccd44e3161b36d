"""The field app's live score preview is a JavaScript port of data/rules/scoring.py: one table of
cases (hand-picked edges plus seeded random fills of both default templates) goes through the
Python function and, in headless Chromium, through pwa/static/core.js; the answers must be equal."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from data import checklists
from data.rules.scoring import DEFAULT_THRESHOLDS, score_checklist
from tests.scoring_table import ITEMS, SCORED, STRICT, wrapped

pytestmark = pytest.mark.browser

CORE_JS = Path(__file__).resolve().parents[2] / "pwa" / "static" / "core.js"

# weights that put the total exactly on a half (87.25 → Python rounds half to even: 87.2)
TIE = [{"code": "T1", "category": "t", "answer_type": "pass_fail", "weight": 349, "veto": False, "rule": {}},
       {"code": "T2", "category": "t", "answer_type": "pass_fail", "weight": 51, "veto": False, "rule": {}},
       {"code": "T3", "category": "u", "answer_type": "number", "weight": 0.1, "veto": False,
        "rule": {"min_ok": 2, "max_ok": 7.5}}]


def hand_cases() -> list[tuple]:
    return [
        *((ITEMS, wrapped(answers), thresholds) for answers, *_expected in SCORED
          for thresholds in (DEFAULT_THRESHOLDS, STRICT)),
        (ITEMS, wrapped({"A1": "na", "A2": "na", "B1": "na", "V1": "fail"}), DEFAULT_THRESHOLDS),  # nothing weighted
        (ITEMS, {}, DEFAULT_THRESHOLDS),
        (ITEMS, {"A1": "pass", "A2": 15, "B1": {"value": "poor"}}, DEFAULT_THRESHOLDS),  # bare values, V1 missing
        (ITEMS, {"A1": None, "A2": {"value": None}, "B1": {"note": "x"}}, DEFAULT_THRESHOLDS),
        (ITEMS, wrapped({"A1": "yes"}), DEFAULT_THRESHOLDS),  # invalid: both refuse
        (ITEMS, wrapped({"A2": "12"}), DEFAULT_THRESHOLDS),
        (ITEMS, wrapped({"A2": True}), DEFAULT_THRESHOLDS),
        (ITEMS, wrapped({"B1": "excellent"}), DEFAULT_THRESHOLDS),
        (TIE, wrapped({"T1": "pass", "T2": "fail", "T3": 7.5}), DEFAULT_THRESHOLDS),
        (TIE, wrapped({"T1": "pass", "T2": "fail", "T3": 1.99}), DEFAULT_THRESHOLDS),
        (TIE, wrapped({"T1": "pass", "T2": "fail", "T3": "na"}), DEFAULT_THRESHOLDS),
        (TIE, wrapped({"T1": "fail", "T2": "pass", "T3": "na"}), DEFAULT_THRESHOLDS),
    ]


def random_value(rng: random.Random, item: dict):
    roll = rng.random()
    if roll < 0.05:
        return "missing"
    if roll < 0.12:
        return "na"
    if item["answer_type"] == "pass_fail":
        return rng.choice(["pass", "pass", "pass", "fail"])
    if item["answer_type"] == "number":
        return rng.choice([rng.randint(0, 200), round(rng.uniform(0, 200), rng.randint(0, 3))])
    return rng.choice(item["rule"]["options"])["value"]


def random_cases(count: int = 150) -> list[tuple]:
    rng = random.Random(20261120)
    cases = []
    for n in range(count):
        template = checklists.TEMPLATES[n % 2]
        items = [dict(i) for i in template["items"]]
        if n % 3 == 0:  # odd weights make totals that need real rounding
            for item in items:
                item["weight"] = round(rng.uniform(0, 9), rng.randint(0, 2)) if not item["veto"] else 0
        answers = {}
        for item in items:
            value = random_value(rng, item)
            if value != "missing":
                answers[item["code"]] = {"value": value}
        thresholds = STRICT if n % 5 == 0 else DEFAULT_THRESHOLDS
        cases.append((items, answers, thresholds))
    return cases


def python_score(items, answers, thresholds) -> dict:
    try:
        s = score_checklist(items, answers, thresholds)
    except ValueError:
        return {"error": True}
    return {"total": s.total, "category_scores": s.category_scores, "vetoed": s.vetoed,
            "grade": s.grade.value if s.grade else None, "applicable_weight": s.applicable_weight,
            "failed": list(s.failed), "unanswered": list(s.unanswered)}


JS = """cases => cases.map(([items, answers, thresholds]) => {
  try { return FieldCore.scoreChecklist(items, answers, thresholds); } catch (e) { return {error: true}; }
})"""


def test_js_port_scores_like_python(browser):
    cases = hand_cases() + random_cases()
    page = browser.new_page()
    page.add_script_tag(path=str(CORE_JS))
    got = page.evaluate(JS, [list(c) for c in cases])
    page.close()
    expected = [python_score(*c) for c in cases]
    mismatches = [(n, e, g) for n, (e, g) in enumerate(zip(expected, got, strict=True)) if e != g]
    assert not mismatches, mismatches[:3]
    # the table exercises what it claims to: refusals, vetoes, ties and every grade
    assert sum(1 for e in expected if e.get("error")) == 4
    ties = [e for c, e in zip(cases, expected, strict=True) if c[0] is TIE]
    assert (ties[2]["total"], ties[3]["total"]) == (87.2, 12.8)  # T3 not applicable: a half either way
    assert {e.get("grade") for e in expected} >= {"model", "standard", "rectify", "fail", None}


def test_js_round_matches_python_round(browser):
    """The rounding helper alone, on values that sit on or next to a half."""
    values = [87.25, 0.05, 0.15, 0.25, 2.675, 99.95, 79.95, 1e-9, 0.0, 12.3456, 100.0, 66.65, 33.35, 0.45]
    page = browser.new_page()
    page.add_script_tag(path=str(CORE_JS))
    got = page.evaluate("values => values.map(v => FieldCore.round1(v))", values)
    page.close()
    assert got == [round(v, 1) for v in values]
