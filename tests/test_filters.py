"""The one filter model (data/filters.py): every page's filters follow the same strictness rule
and the same period rule. The pages' own filter fields are tested beside their queries."""

from __future__ import annotations

from datetime import date

import pytest

from data.errors import ValidationError
from data.filters import AuditFilters, CaseFilters, LogFilters, StationFilters, WalkFilters

MODELS = [CaseFilters, StationFilters, AuditFilters, LogFilters, WalkFilters]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("data, field, message", [
    ({"date_from": "yesterday"}, "date_from", "日期格式应为 YYYY-MM-DD"),
    ({"date_to": "2026-02-30"}, "date_to", "日期格式应为 YYYY-MM-DD"),
    ({"date_from": "1999-12-31"}, "date_from", "日期超出范围"),
    ({"date_to": ["2101-01-01"]}, "date_to", "日期超出范围"),
    ({"date_from": "2026-11-01", "date_to": "2026-01-01"}, "date_from", "开始日期不能晚于结束日期"),
    ({"region_code": "36990'--"}, "region_code", "区划或网格代码无效"),
])
def test_every_model_refuses_the_same_bad_period_and_region_when_strict(model, data, field, message):
    with pytest.raises(ValidationError) as refused:
        model.from_dict(data, strict=True)
    assert (refused.value.field, refused.value.message) == (field, message)
    forgiving = model.from_dict(data)
    assert forgiving.region_code is None
    if "date_to" in data and "date_from" in data:  # a reversed period is put in order
        assert (forgiving.date_from, forgiving.date_to) == (date(2026, 1, 1), date(2026, 11, 1))
    else:  # a bad date is dropped
        assert forgiving == model()


@pytest.mark.parametrize("model", MODELS)
def test_every_model_reads_a_store_and_a_url_alike_and_ignores_unknown_keys(model):
    chosen = model(date_from=date(2026, 10, 1), date_to=date(2026, 10, 31), region_code="369901001000")
    assert model.from_dict(chosen.to_dict(), strict=True) == chosen
    assert model.from_dict({k: [v] for k, v in chosen.to_query().items()}, strict=True) == chosen
    assert model.from_dict({**chosen.to_dict(), "whatever": "x"}, strict=True) == chosen
    # a date picker's whole timestamp
    assert model.from_dict({"date_from": "2026-10-01T00:00:00"}, strict=True).date_from == date(2026, 10, 1)
    assert model.from_dict(None) == model.from_dict("nonsense") == model()


@pytest.mark.parametrize("model, data, field", [
    (LogFilters, {"user_id": "seven"}, "user_id"), (LogFilters, {"user_id": -3}, "user_id"),
    (LogFilters, {"work_type": "x" * 41}, "work_type"),
    (WalkFilters, {"channel": "pigeon"}, "channel"), (WalkFilters, {"status": "gone"}, "status"),
    (WalkFilters, {"list_kind": "wish"}, "list_kind"), (WalkFilters, {"service_item": "a b"}, "service_item"),
    (AuditFilters, {"kind": "castle"}, "kind"), (StationFilters, {"kind": "castle"}, "kind"),
    (CaseFilters, {"construction": "maybe"}, "construction"), (CaseFilters, {"grid_code": "<x>"}, "grid_code"),
])
def test_a_bad_value_is_refused_when_strict_and_dropped_otherwise(model, data, field):
    with pytest.raises(ValidationError) as refused:
        model.from_dict(data, strict=True)
    assert refused.value.field == field
    assert model.from_dict(data) == model()


@pytest.mark.parametrize("model, limit", [(CaseFilters, 60), (LogFilters, 100)])
def test_a_search_text_too_long_is_refused_when_strict_and_cut_otherwise(model, limit):
    with pytest.raises(ValidationError) as refused:
        model.from_dict({"text": "欠" * (limit + 1)}, strict=True)
    assert (refused.value.field, refused.value.params) == ("text", {"limit": limit})
    assert model.from_dict({"text": " " + "欠" * (limit + 1)}).text == "欠" * limit
    assert model.from_dict({"text": "  "}, strict=True).text is None


def test_built_in_code_a_model_is_strict_and_frozen():
    with pytest.raises(ValidationError):
        WalkFilters(channel="pigeon")
    with pytest.raises(ValidationError):
        LogFilters(date_from=date(2026, 2, 1), date_to=date(2026, 1, 1))
    filters = LogFilters(user_id=7)
    with pytest.raises(Exception):  # noqa: B017 — pydantic's frozen-instance error
        filters.user_id = 8  # type: ignore[misc]
    assert filters.to_dict() == {"user_id": 7} and filters.to_query() == {"user_id": "7"}


def test_to_dict_leaves_out_defaults_but_keeps_a_chosen_false():
    assert StationFilters().to_dict() == {} and StationFilters(kind="village_point").to_dict() == {
        "kind": "village_point"}
    assert CaseFilters(construction=False).to_dict() == {"construction": False}
    assert CaseFilters(construction=False).to_query() == {"construction": "0"}
    assert CaseFilters(overdue_only=False).to_dict() == {}
