"""What the dashboards' filter bars select: one pydantic model per page, built on one base.

A filter comes from a dcc.Store's dict or from a URL's query (values may be lists of strings,
lists may be comma-separated); `from_dict` reads either, `to_dict` writes the first and
`to_query` the second. Every model follows the same two rules:

- **Strictness.** `from_dict(data, strict=True)` refuses a bad value with a ValidationError
  naming the field (a Chinese message id: the web layer translates it; the map routes answer
  400 with it). By default it forgives, so that an old bookmark or a stale store still opens:
  a bad value is dropped (the field keeps its default), an over-long search text is cut to its
  limit, and unknown keys are ignored. Built in code (`CaseFilters(...)`), a model is strict.
- **The period.** `date_from`/`date_to` bound the page's date, both inclusive, either open; a
  date is YYYY-MM-DD (a date picker's whole timestamp is read too) in the years 2000–2100, and
  `date_from` is not after `date_to` (strict refuses; forgiving swaps them).

A county or township (`region_code`) narrows the user's scope with `narrowed`, which raises
OutOfScope when the region is not theirs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Self

import pydantic
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo, model_validator
from pydantic_core import PydanticUseDefault
from sqlmodel import Session

from data.errors import N_, ValidationError
from data.models import (
    CaseSource,
    CaseStatus,
    FindingList,
    FindingStatus,
    InspectionKind,
    InspectionMode,
    StationKind,
    WalkChannel,
)
from data.queries.regions import get_region_by_code
from data.rules.calendar import same_day_last_year
from data.scope import Scope

YEARS = (2000, 2100)
CASE_TEXT_LIMIT = 60
LOG_TEXT_LIMIT = 100
CODE_LIMIT = 40  # a configurable code: a service item's, a work type's
_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f"}

BAD_DATE = N_("日期格式应为 YYYY-MM-DD")
DATE_OUT_OF_RANGE = N_("日期超出范围")
PERIOD_REVERSED = N_("开始日期不能晚于结束日期")
BAD_VALUE = N_("无效的筛选值：%(value)s")
BAD_CODE = N_("区划或网格代码无效")
BAD_FLAG = N_("是/否参数无效")
TEXT_TOO_LONG = N_("查询文字过长（最多 %(limit)s 字）")


# --- reading one value --------------------------------------------------------------------------


def _strict(info: ValidationInfo) -> bool:
    return not info.context or bool(info.context.get("strict", True))


def _refuse(info: ValidationInfo, message: str, **params):
    """The one strictness rule: refuse naming the field, or drop the value (the field's default)."""
    if _strict(info):
        raise ValidationError(message, field=info.field_name, **params)
    raise PydanticUseDefault()


def _first(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


def _many(value: Any) -> list[str]:
    """A list from a list, a tuple or a comma-separated string (URL query strings)."""
    if value is None:
        return []
    out = []
    for item in value if isinstance(value, (list, tuple)) else [value]:
        if isinstance(item, str):
            out += [part.strip() for part in item.split(",") if part.strip()]
        elif item is not None and not isinstance(item, (dict, list, tuple)):
            out.append(str(item))
    return out


def _scalar(value: Any) -> str | None:
    """The first value as stripped text; None when empty."""
    value = _first(value)
    if value is None or isinstance(value, (dict, list, tuple)):
        return None if value is None else str(value)
    text = str(value).strip()
    return text or None


def _day(value: Any, info: ValidationInfo) -> date | None:
    value = _first(value)
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        text = str(value).strip()
        try:  # a date picker may send a whole timestamp
            value = date.fromisoformat(text) if len(text) <= 10 else datetime.fromisoformat(text).date()
        except ValueError:
            return _refuse(info, BAD_DATE)
    if not YEARS[0] <= value.year <= YEARS[1]:
        return _refuse(info, DATE_OUT_OF_RANGE)
    return value


def _matching(pattern: str, message: str = BAD_VALUE):
    """A validator of one code that must match `pattern` whole."""
    compiled = re.compile(pattern)

    def check(value: Any, info: ValidationInfo) -> str | None:
        text = _scalar(value)
        if text is None:
            raise PydanticUseDefault()
        if compiled.fullmatch(text):
            return text
        return _refuse(info, message, **({"value": text[:40]} if "%(value)s" in message else {}))
    return BeforeValidator(check)


def _one_of(allowed: Iterable[str]):
    """A validator of one value out of `allowed`."""
    allowed = frozenset(allowed)

    def check(value: Any, info: ValidationInfo) -> str | None:
        text = _scalar(value)
        if text is None:
            raise PydanticUseDefault()
        return text if text in allowed else _refuse(info, BAD_VALUE, value=text[:40])
    return BeforeValidator(check)


def _some_of(allowed: Iterable[str] | None = None, pattern: str | None = None):
    """A validator of several values, each out of `allowed` or matching `pattern`; a bad one
    alone is dropped when forgiving, and repeats are kept once."""
    allowed = frozenset(allowed) if allowed is not None else None
    compiled = re.compile(pattern) if pattern else None

    def check(value: Any, info: ValidationInfo) -> tuple[str, ...]:
        kept: list[str] = []
        for item in _many(value):
            if (item in allowed) if allowed is not None else bool(compiled.fullmatch(item)):
                kept += [item] if item not in kept else []
            elif _strict(info):
                raise ValidationError(BAD_VALUE, field=info.field_name, value=item[:40])
        return tuple(kept)
    return BeforeValidator(check)


def _flag(value: Any, info: ValidationInfo) -> bool | None:
    value = _first(value)
    if isinstance(value, bool):
        return value
    text = _scalar(value)
    if text is None:
        raise PydanticUseDefault()
    if text.lower() in _TRUE | _FALSE:
        return text.lower() in _TRUE
    return _refuse(info, BAD_FLAG)


def _text(limit: int):
    """A search text: stripped, empty is none; an over-long one is refused, or cut when forgiving."""
    def check(value: Any, info: ValidationInfo) -> str | None:
        value = _first(value)
        text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
        if len(text) > limit:
            if _strict(info):
                raise ValidationError(TEXT_TOO_LONG, field=info.field_name, limit=limit)
            text = text[:limit]
        return text or None
    return BeforeValidator(check)


def _user_id(value: Any, info: ValidationInfo) -> int | None:
    value = _first(value)
    if value is None or value == "":
        raise PydanticUseDefault()
    if not isinstance(value, bool):
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if number > 0:
            return number
    return _refuse(info, BAD_VALUE, value=str(value)[:40])


Day = Annotated[date | None, BeforeValidator(_day)]
AreaCode = Annotated[str | None, _matching(r"[0-9]{12}", BAD_CODE)]
GridCode = Annotated[str | None, _matching(r"[0-9A-Za-z_-]{1,20}", BAD_CODE)]
Code = Annotated[str | None, _matching(rf"\S{{1,{CODE_LIMIT}}}")]
Flag = Annotated[bool | None, BeforeValidator(_flag)]
UserId = Annotated[int | None, BeforeValidator(_user_id)]


# --- the base -----------------------------------------------------------------------------------


class Filters(BaseModel):
    """The period and the region every filter bar has; see the module's rules."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    date_from: Day = None
    date_to: Day = None
    region_code: AreaCode = None

    @model_validator(mode="wrap")
    @classmethod
    def _period_in_order(cls, data: Any, handler, info: ValidationInfo) -> Self:
        model = handler(data)
        if model.date_from and model.date_to and model.date_from > model.date_to:
            if _strict(info):
                raise ValidationError(PERIOD_REVERSED, field="date_from")
            model = model.model_copy(update={"date_from": model.date_to, "date_to": model.date_from})
        return model

    @classmethod
    def from_dict(cls, data: Mapping | None, *, strict: bool = False) -> Self:
        """Filters from a dcc.Store's dict or a URL's query (values may be lists of strings)."""
        data = dict(data) if isinstance(data, Mapping) else {}
        while True:
            try:
                return cls.model_validate(data, context={"strict": strict})
            except pydantic.ValidationError as exc:  # a value no validator above expected
                name = next((str(e["loc"][0]) for e in exc.errors() if e["loc"]), None)
                if strict or name not in data:
                    raise ValidationError(BAD_VALUE, field=name, value=str(data.get(name, ""))[:40]) from None
                data.pop(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, without the fields at their default (for a dcc.Store; from_dict reads it back)."""
        out: dict[str, Any] = {}
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if value is None or value == () or (value == field.default and type(value) is type(field.default)):
                continue
            out[name] = value.isoformat() if isinstance(value, date) else list(value) if isinstance(value, tuple) \
                else value
        return out

    def to_query(self) -> dict[str, str]:
        """The filters as flat URL parameters (lists comma-joined, booleans 1/0), for urlencode;
        from_dict reads them back."""
        return {k: ",".join(v) if isinstance(v, list) else ("1" if v else "0") if isinstance(v, bool) else str(v)
                for k, v in self.to_dict().items()}


def narrowed(session: Session, scope: Scope, filters: Filters) -> Scope:
    """The user's scope under the filters' region. Raises OutOfScope for a region that is
    unknown or not theirs (the same answer for both)."""
    if not filters.region_code:
        return scope
    return scope.narrow(get_region_by_code(session, scope=scope, area_code=filters.region_code).path)


# --- the pages' filters -------------------------------------------------------------------------


class CaseFilters(Filters):
    """/cases: the receipt date; a county or township, a grid cell; statuses, sources and
    industries (codes as stored, e.g. "construction"); construction projects or not; overdue
    only; a case number or employer."""

    grid_code: GridCode = None
    statuses: Annotated[tuple[str, ...], _some_of(allowed=[s.value for s in CaseStatus])] = ()
    sources: Annotated[tuple[str, ...], _some_of(allowed=[s.value for s in CaseSource])] = ()
    industries: Annotated[tuple[str, ...], _some_of(pattern=r"[a-z][a-z0-9_]{0,29}")] = ()
    construction: Flag = None
    overdue_only: Annotated[bool, BeforeValidator(_flag)] = False
    supervised_only: Annotated[bool, BeforeValidator(_flag)] = False  # open and supervised (督办)
    text: Annotated[str | None, _text(CASE_TEXT_LIMIT)] = None

    @classmethod
    def default(cls, today: date) -> CaseFilters:
        """This year to today: what leaders look at first."""
        return cls(date_from=date(today.year, 1, 1), date_to=today)

    def label(self) -> str:
        """A short slug for export file names, e.g. "2026-01-01_2026-11-20_369901000000_overdue":
        letters, digits, Chinese characters, '-', '_', '+' and '.' only."""
        parts = []
        if self.date_from or self.date_to:
            parts.append(f"{self.date_from or ''}_{self.date_to or ''}".strip("_"))
        parts += [p for p in (self.region_code, self.grid_code) if p]
        parts += ["+".join(values) for values in (self.statuses, self.sources, self.industries) if values]
        if self.construction is not None:
            parts.append("construction" if self.construction else "non-construction")
        if self.overdue_only:
            parts.append("overdue")
        if self.supervised_only:
            parts.append("supervised")
        if self.text:
            parts.append(re.sub(r"[^\w\u4e00-\u9fff]+", "-", self.text).strip("-")[:20])
        slug = re.sub(r"[^\w\u4e00-\u9fff+.-]", "-", "_".join(p for p in parts if p))
        return slug[:100] or "all"


class StationFilters(Filters):
    """/stations: the period whose checks count, a county or township, the kind of station."""

    kind: Annotated[str, _one_of(k.value for k in StationKind)] = StationKind.township_station.value

    @classmethod
    def default(cls, today: date) -> StationFilters:
        """The last twelve months: every station is checked twice a year, so each has a grade."""
        return cls(date_from=same_day_last_year(today) + timedelta(days=1), date_to=today)


class AuditFilters(Filters):
    """/audits: the inspection date, a county or township, an InspectionKind and an
    InspectionMode."""

    kind: Annotated[str | None, _one_of(k.value for k in InspectionKind)] = None
    mode: Annotated[str | None, _one_of(m.value for m in InspectionMode)] = None

    @classmethod
    def default(cls, today: date) -> AuditFilters:
        """Window audits this year to today."""
        return cls(date_from=date(today.year, 1, 1), date_to=today, kind=InspectionKind.window_audit.value)


class LogFilters(Filters):
    """/logs: the log date (an open period is this month up to today), a county or township, a
    cadre, a work type, and a text searched in what was done and solved."""

    user_id: UserId = None
    work_type: Code = None
    text: Annotated[str | None, _text(LOG_TEXT_LIMIT)] = None

    def period(self, today: date) -> tuple[date, date]:
        first = self.date_from or today.replace(day=1)
        last = self.date_to or max(today, first)
        return (first, last) if first <= last else (last, first)


class WalkFilters(Filters):
    """/walkthroughs: the walk's date, a county or township, a ServiceItem code, a channel, and
    for the lists a list and a status."""

    service_item: Code = None
    channel: Annotated[str | None, _one_of(c.value for c in WalkChannel)] = None
    list_kind: Annotated[str | None, _one_of(k.value for k in FindingList)] = None
    status: Annotated[str | None, _one_of(s.value for s in FindingStatus)] = None


__all__ = ["AuditFilters", "CaseFilters", "Filters", "LogFilters", "StationFilters", "WalkFilters", "narrowed"]
