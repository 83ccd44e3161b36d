"""Checklist scoring and grades (标准化检查 and 窗口督查): pure, no I/O.

An item earns a fraction (0..1) of its weight from its answer:
- pass_fail: "pass" → 1, "fail" → 0, "na" → not applicable;
- number: 1 when the value meets the rule ({"max_ok": x} and/or {"min_ok": x}), else 0;
- choice: the option's "score" from the rule {"options": [{"value": …, "score": 0..1}]}.
A missing answer, None or "na" makes an item not applicable. The total is the earned share of
the *applicable* weight, scaled to 100, so a phone test that can only judge a few items is still
out of 100. A failed veto item (一票否决) forces the grade to fail whatever the points.

Items are ChecklistItem rows or dicts with the same keys (code, category, answer_type, weight,
veto, rule), so the same function scores a stored template and the defaults in data/checklists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from data.models import Grade

NOT_APPLICABLE = "na"
DEFAULT_THRESHOLDS: Mapping[str, float] = {"model": 90, "standard": 80, "rectify": 60}


@dataclass(frozen=True)
class Score:
    """The outcome of one filled-in checklist.

    total and category_scores are 0–100 (one decimal) over the applicable weight; None when
    nothing weighted was applicable. `unanswered` lists items with no answer at all, so a
    service can refuse to submit an incomplete form while a draft still shows a live score.
    """

    total: float | None
    category_scores: dict[str, float]
    vetoed: bool
    grade: Grade | None
    applicable_weight: float
    failed: tuple[str, ...]
    unanswered: tuple[str, ...]


def _field(item: Any, key: str) -> Any:
    return item[key] if isinstance(item, Mapping) else getattr(item, key)


def _value(answers: Mapping[str, Any], code: str) -> Any:
    answer = answers.get(code)
    if answer is None:
        return None
    return answer.get("value") if isinstance(answer, Mapping) else answer


def item_fraction(item: Any, value: Any) -> float | None:
    """The share of an item's weight that `value` earns; None when not applicable.

    Raises ValueError for a value the item's answer type cannot take, because a silently
    zero-scored typo would grade a station down for nothing.
    """
    if value is None or value == NOT_APPLICABLE:
        return None
    answer_type = str(_field(item, "answer_type"))
    rule = _field(item, "rule") or {}
    if answer_type == "pass_fail":
        if value not in ("pass", "fail"):
            raise ValueError(f"{_field(item, 'code')}: expected pass, fail or na, got {value!r}")
        return 1.0 if value == "pass" else 0.0
    if answer_type == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{_field(item, 'code')}: expected a number, got {value!r}")
        ok = ("max_ok" not in rule or value <= rule["max_ok"]) and (
            "min_ok" not in rule or value >= rule["min_ok"]
        )
        return 1.0 if ok else 0.0
    if answer_type == "choice":
        for option in rule.get("options", ()):
            if option["value"] == value:
                return float(option["score"])
        raise ValueError(f"{_field(item, 'code')}: {value!r} is not one of the options")
    raise ValueError(f"{_field(item, 'code')}: unknown answer type {answer_type!r}")


def grade_for(total: float, thresholds: Mapping[str, float] = DEFAULT_THRESHOLDS) -> Grade:
    if total >= thresholds["model"]:
        return Grade.model
    if total >= thresholds["standard"]:
        return Grade.standard
    if total >= thresholds["rectify"]:
        return Grade.rectify
    return Grade.fail


def score_checklist(
    items: Iterable[Any],
    answers: Mapping[str, Any],
    thresholds: Mapping[str, float] = DEFAULT_THRESHOLDS,
) -> Score:
    """Score answers {item_code: {"value": …}} against a template's items."""
    earned: dict[str, float] = {}
    possible: dict[str, float] = {}
    failed: list[str] = []
    unanswered: list[str] = []
    vetoed = False
    for item in items:
        code = _field(item, "code")
        if code not in answers:
            unanswered.append(code)
        fraction = item_fraction(item, _value(answers, code))
        if fraction is None:
            continue
        if fraction < 1:
            # a partly-met choice (an "average" attitude) still needs a rectification
            failed.append(code)
            vetoed = vetoed or bool(_field(item, "veto"))
        weight = float(_field(item, "weight") or 0)
        if weight > 0:
            category = _field(item, "category")
            earned[category] = earned.get(category, 0.0) + weight * fraction
            possible[category] = possible.get(category, 0.0) + weight
    applicable = sum(possible.values())
    category_scores = {c: round(100 * earned[c] / possible[c], 1) for c in possible}
    if applicable == 0:
        return Score(None, category_scores, vetoed, Grade.fail if vetoed else None, 0.0,
                     tuple(failed), tuple(unanswered))
    # grade the rounded total, so a shown 90.0 never comes out as "standard"
    total = round(100 * sum(earned.values()) / applicable, 1)
    grade = Grade.fail if vetoed else grade_for(total, thresholds)
    return Score(total, category_scores, vetoed, grade, applicable, tuple(failed),
                 tuple(unanswered))


def failed_items(items: Iterable[Any], answers: Mapping[str, Any]) -> list[str]:
    """Codes of the items not fully met, in template order: each becomes a rectification."""
    return list(score_checklist(items, answers).failed)
