"""Every read about window audits and station checks (明察暗访, 标准化检查) for the /audits page
and its printable circular (通报): findings by checklist item and category, problems that
recur across stations, audit coverage, rectification status and the overdue list, the pass
rate by month and the circular's content.

Every function takes the user's own `scope` and `role` (never a scope narrowed by a filter:
the region filter is applied here) and applies the two rules of inspections together — region
scope and `published_clause` (a covert audit stays with inspectors and city-wide leaders
until it is published). Drafts are never counted; a circular counts published work only.

An item *fails* when its answer earns less than its full weight under
`data.rules.scoring.item_fraction` — "fail", a number outside the rule, a choice scoring < 1 —
and is *applicable* when it was judged at all (not "na", not missing). Answers live in a JSON
column: the database unnests them and groups equal answers (json_each, on SQLite and
PostgreSQL alike), so the rule runs once per distinct answer, never once per inspection.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from data import checklists
from data.filters import AuditFilters, narrowed
from data.models import (
    ChecklistItem,
    ChecklistTemplate,
    Grade,
    Inspection,
    InspectionKind,
    InspectionMode,
    InspectionStatus,
    Rectification,
    RectificationSource,
    RectificationStatus,
    Region,
    Role,
    Station,
    StationKind,
)
from data.queries.inspections import latest_per_station, published_clause, stations_with_latest
from data.queries.rectifications import overdue_clause as rectification_overdue
from data.queries.regions import get_region_by_code
from data.rules.scoring import item_fraction
from data.scope import OutOfScope, Scope, city_wide

KINDS = tuple(k.value for k in InspectionKind)
MODES = tuple(m.value for m in InspectionMode)
COUNTED_STATES = (InspectionStatus.submitted.value, InspectionStatus.published.value)
PASSED_GRADES = (Grade.model.value, Grade.standard.value)
RECTIFICATION_STATES = tuple(s.value for s in RectificationStatus)
SEGMENT = 13  # one area code and its "/" in a region path
MAX_MONTHS = 36


# --- shared SQL pieces ------------------------------------------------------------------------


def inspection_conditions(session: Session, *, scope: Scope, role: Role | str | None, filters: AuditFilters,
                          published_only: bool = False, period: bool = True) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses over Inspection: region scope under the filters' region, who may see
    unpublished work (`role`; published work only with published_only or no role), submitted
    or published only (never drafts), kind, mode and period.

    Raises OutOfScope when the filters' region is unknown or outside the scope."""
    view = narrowed(session, scope, filters)
    conds = [view.clause(Inspection.path)]
    if published_only or role is None:
        conds.append(Inspection.published_at.is_not(None))
    else:
        conds.append(published_clause(Inspection, role, scope))
    conds.append(Inspection.status.in_(COUNTED_STATES))
    if filters.kind:
        conds.append(Inspection.kind == filters.kind)
    if filters.mode:
        conds.append(Inspection.mode == filters.mode)
    if period and filters.date_from:
        conds.append(Inspection.inspected_on >= filters.date_from)
    if period and filters.date_to:
        conds.append(Inspection.inspected_on <= filters.date_to)
    return conds


def _as_date(value) -> date | None:
    # max() of a date column comes back as text on SQLite
    return date.fromisoformat(value) if isinstance(value, str) else value


def _answers(session: Session):
    """The inspection's answers unnested: (FROM item, item-code column, the answer's value as
    JSON text). Stored answers are {code: {"value": …, "note": …}} (a bare value is read too).
    JSON text keeps "2" and 2 apart and reads back with json.loads."""
    if session.get_bind().dialect.name == "postgresql":
        each = sa.func.json_each(Inspection.answers).table_valued("key", "value").alias("answer")
        value = sa.case((sa.func.json_typeof(each.c.value) == "object",
                         sa.cast(each.c.value.op("->")("value"), sa.Text)),
                        else_=sa.cast(each.c.value, sa.Text))
    else:
        each = sa.func.json_each(Inspection.answers).table_valued("key", "value", "type").alias("answer")
        value = sa.case((each.c.type == "object", sa.func.json_quote(sa.func.json_extract(each.c.value, "$.value"))),
                        else_=sa.func.json_quote(each.c.value))
    return each, each.c.key, value


def _decode(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


# --- findings by item and category -------------------------------------------------------------


@dataclass(frozen=True)
class ItemFinding:
    """One checklist item over the inspections selected: judged `applicable` times, failed
    `fails` times. Items keep their code across template versions; text and category are the
    newest version's."""

    template: str  # the template's code (standardisation, window_audit, …)
    kind: str  # TemplateKind
    code: str
    category: str
    category_name: str
    category_name_en: str | None
    text: str
    text_en: str | None
    veto: bool
    fails: int
    applicable: int

    @property
    def rate(self) -> float | None:
        return self.fails / self.applicable if self.applicable else None


@dataclass(frozen=True)
class CategoryFinding:
    template: str
    category: str
    name: str
    name_en: str | None
    fails: int
    applicable: int
    items_failed: int  # items of the category failed at least once

    @property
    def rate(self) -> float | None:
        return self.fails / self.applicable if self.applicable else None


@dataclass
class _Tally:
    """What one pass over the answers gives: per (template id, item code) [fails, applicable]
    and {station id: fails}, and the templates and items met."""

    counts: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    stations: dict[tuple[int, str], dict[int, int]] = field(default_factory=dict)
    templates: dict[int, ChecklistTemplate] = field(default_factory=dict)
    items: dict[tuple[int, str], ChecklistItem] = field(default_factory=dict)


def _tally(session: Session, conds: list) -> _Tally:
    """One grouped query: equal answers to an item at a station are one row (a few thousand rows
    for ten thousand inspections), each distinct answer judged once here."""
    each, key, value = _answers(session)
    rows = session.exec(
        select(Inspection.template_id, key, value, Inspection.station_id, sa.func.count())
        .select_from(Inspection).join(each, sa.true()).where(*conds)
        .group_by(Inspection.template_id, key, value, Inspection.station_id)
    ).all()
    tally = _Tally()
    template_ids = {r[0] for r in rows}
    if not template_ids:
        return tally
    tally.templates = {t.id: t for t in session.exec(
        select(ChecklistTemplate).where(ChecklistTemplate.id.in_(template_ids))).all()}
    tally.items = {(i.template_id, i.code): i for i in session.exec(
        select(ChecklistItem).where(ChecklistItem.template_id.in_(template_ids))).all()}
    judged: dict[tuple[int, str, str | None], float | None] = {}
    for template_id, code, text, station_id, n in rows:
        answer = (template_id, code, text)
        if answer not in judged:
            item = tally.items.get((template_id, code))
            try:  # an answer to no item of its template is not judged
                judged[answer] = None if item is None else item_fraction(item, _decode(text))
            except ValueError:  # nor is a value the item cannot take: it is no fail either
                judged[answer] = None
        fraction = judged[answer]
        if fraction is None:
            continue
        counts = tally.counts.setdefault((template_id, code), [0, 0])
        counts[1] += int(n)
        if fraction < 1:
            counts[0] += int(n)
            stations = tally.stations.setdefault((template_id, code), {})
            stations[station_id] = stations.get(station_id, 0) + int(n)
    return tally


def _category_names(template: ChecklistTemplate) -> dict[str, tuple[str, str | None]]:
    """Category code → (Chinese, English) names, as the template version stored them."""
    names = (template.settings or {}).get("categories") or {
        "standardisation": checklists.STANDARDISATION_CATEGORIES,
        "window_audit": checklists.WINDOW_AUDIT_CATEGORIES}.get(str(template.kind), {})
    return {code: (pair[0], pair[1] if len(pair) > 1 else None) for code, pair in names.items()}


def _item_key(tally: _Tally, template_id: int, code: str) -> tuple[str, str]:
    return tally.templates[template_id].code, code


def _newest(tally: _Tally) -> dict[tuple[str, str], tuple[ChecklistTemplate, ChecklistItem]]:
    """(template code, item code) → the newest version's template and item."""
    out: dict[tuple[str, str], tuple[ChecklistTemplate, ChecklistItem]] = {}
    for (template_id, code), item in tally.items.items():
        template = tally.templates[template_id]
        key = (template.code, code)
        if key not in out or out[key][0].version < template.version:
            out[key] = (template, item)
    return out


def _findings(tally: _Tally) -> list[ItemFinding]:
    merged: dict[tuple[str, str], list[int]] = {}
    for (template_id, code), (fails, applicable) in tally.counts.items():
        total = merged.setdefault(_item_key(tally, template_id, code), [0, 0])
        total[0] += fails
        total[1] += applicable
    newest = _newest(tally)
    out = []
    for key, (fails, applicable) in merged.items():
        template, item = newest[key]
        name, name_en = _category_names(template).get(item.category, (item.category, None))
        out.append(ItemFinding(template=template.code, kind=str(template.kind), code=item.code,
                               category=item.category, category_name=name, category_name_en=name_en,
                               text=item.text, text_en=item.text_en, veto=bool(item.veto), fails=fails,
                               applicable=applicable))
    return sorted(out, key=lambda f: (-f.fails, -(f.rate or 0), f.template, f.code))


def findings_by_item(session: Session, *, scope: Scope, role: Role | str | None, filters: AuditFilters,
                     published_only: bool = False) -> list[ItemFinding]:
    """Every item judged in the inspections selected, most failed first (then by fail rate).

    Raises OutOfScope when the filters' region is not the user's."""
    conds = inspection_conditions(session, scope=scope, role=role, filters=filters, published_only=published_only)
    return _findings(_tally(session, conds))


def category_totals(items: Iterable[ItemFinding]) -> list[CategoryFinding]:
    """Items summed into their categories, most fails first."""
    totals: dict[tuple[str, str], list] = {}
    for f in items:
        total = totals.setdefault((f.template, f.category), [f.category_name, f.category_name_en, 0, 0, 0])
        total[2] += f.fails
        total[3] += f.applicable
        total[4] += 1 if f.fails else 0
    out = [CategoryFinding(template=t, category=c, name=n, name_en=e, fails=fails, applicable=applicable,
                           items_failed=items_failed)
           for (t, c), (n, e, fails, applicable, items_failed) in totals.items()]
    return sorted(out, key=lambda c: (-c.fails, c.template, c.category))


def findings_by_category(session: Session, *, scope: Scope, role: Role | str | None, filters: AuditFilters,
                         published_only: bool = False) -> list[CategoryFinding]:
    """Fails and judged items per checklist category, most fails first."""
    return category_totals(findings_by_item(session, scope=scope, role=role, filters=filters,
                                            published_only=published_only))


# --- recurring problems ------------------------------------------------------------------------


@dataclass(frozen=True)
class RecurringProblem:
    """An item failed at `len(stations)` distinct stations: [{id, name, township, county, fails}],
    most fails first."""

    item: ItemFinding
    stations: list[dict]


def recurring_problems(session: Session, *, scope: Scope, role: Role | str | None, filters: AuditFilters,
                       min_stations: int = 3, limit: int = 20,
                       published_only: bool = False) -> list[RecurringProblem]:
    """Items failed at `min_stations` or more distinct stations in the inspections selected,
    those at most stations first: problems of the system, not of one station.

    The same single pass over the answers as findings_by_item."""
    conds = inspection_conditions(session, scope=scope, role=role, filters=filters, published_only=published_only)
    return _recurring(session, _tally(session, conds), min_stations=min_stations, limit=limit)


def findings_with_recurring(session: Session, *, scope: Scope, role: Role | str | None, filters: AuditFilters,
                            min_stations: int = 3, limit: int = 20,
                            published_only: bool = False) -> tuple[list[ItemFinding], list[RecurringProblem]]:
    """findings_by_item and recurring_problems from one pass over the answers."""
    conds = inspection_conditions(session, scope=scope, role=role, filters=filters, published_only=published_only)
    tally = _tally(session, conds)
    return _findings(tally), _recurring(session, tally, min_stations=min_stations, limit=limit)


def _recurring(session: Session, tally: _Tally, *, min_stations: int, limit: int) -> list[RecurringProblem]:
    per_item: dict[tuple[str, str], dict[int, int]] = {}
    for (template_id, code), failed_at in tally.stations.items():
        stations = per_item.setdefault(_item_key(tally, template_id, code), {})
        for station_id, n in failed_at.items():
            stations[station_id] = stations.get(station_id, 0) + n
    recurring = {k: v for k, v in per_item.items() if len(v) >= max(1, min_stations)}
    if not recurring:
        return []
    findings = {(f.template, f.code): f for f in _findings(tally)}
    names = station_names(session, {sid for stations in recurring.values() for sid in stations})
    out = []
    for item_key, stations in recurring.items():
        listed = sorted(({**names.get(sid, {"id": sid, "name": "", "township": "", "county": ""}), "fails": n}
                         for sid, n in stations.items()), key=lambda s: (-s["fails"], s["name"]))
        out.append(RecurringProblem(item=findings[item_key], stations=listed))
    out.sort(key=lambda p: (-len(p.stations), -p.item.fails, p.item.template, p.item.code))
    return out[:max(1, limit)]


def station_names(session: Session, ids: Iterable[int]) -> dict[int, dict]:
    """id → {id, name, township, county} for the stations given (names of their regions)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    rows = session.exec(select(Station.id, Station.name, Station.path).where(Station.id.in_(ids))).all()
    regions = region_names(session, [p for _i, _n, path in rows for p in (path[:SEGMENT * 2], path[:SEGMENT * 3])])
    return {i: {"id": i, "name": n, "township": regions.get(p[:SEGMENT * 3], ""),
                "county": regions.get(p[:SEGMENT * 2], "")} for i, n, p in rows}


def region_names(session: Session, paths: Iterable[str]) -> dict[str, str]:
    """path → name of the current regions with these paths."""
    paths = sorted({p for p in paths if p})
    if not paths:
        return {}
    return dict(session.exec(select(Region.path, Region.name)
                             .where(Region.path.in_(paths), Region.valid_to.is_(None))).all())


# --- counts and pass rate ----------------------------------------------------------------------


@dataclass(frozen=True)
class AuditCounts:
    """The inspections selected: how many, at how many stations, by mode and by grade.
    `passed` are graded model or standard (示范, 达标); `negative` graded fail or vetoed."""

    audits: int
    stations: int
    graded: int
    passed: int
    negative: int
    by_mode: dict[str, int]
    by_grade: dict[str, int]

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.graded if self.graded else None


def _negative():
    return sa.or_(Inspection.grade == Grade.fail.value, Inspection.vetoed.is_(True))


def audit_counts(session: Session, *, scope: Scope, role: Role | str | None, filters: AuditFilters,
                 published_only: bool = False) -> AuditCounts:
    conds = inspection_conditions(session, scope=scope, role=role, filters=filters, published_only=published_only)
    rows = session.exec(select(Inspection.mode, Inspection.grade, sa.func.count(), sa.func.count().filter(_negative()))
                        .where(*conds).group_by(Inspection.mode, Inspection.grade)).all()
    stations = session.exec(select(sa.func.count(sa.distinct(Inspection.station_id))).where(*conds)).one()
    by_mode: dict[str, int] = {}
    by_grade: dict[str, int] = {}
    negative = 0
    for mode, grade, n, bad in rows:
        by_mode[str(mode)] = by_mode.get(str(mode), 0) + int(n)
        if grade:
            by_grade[str(grade)] = by_grade.get(str(grade), 0) + int(n)
        negative += int(bad)
    return AuditCounts(audits=sum(by_mode.values()), stations=int(stations or 0), graded=sum(by_grade.values()),
                       passed=sum(by_grade.get(g, 0) for g in PASSED_GRADES), negative=negative,
                       by_mode=by_mode, by_grade=by_grade)


def _month_add(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + n
    return index // 12, index % 12 + 1


def pass_rate_by_month(session: Session, *, scope: Scope, role: Role | str | None, filters: AuditFilters,
                       today: date, months: int = 12) -> list[dict]:
    """Per month of the period (else the last `months`, at most 36), oldest first: audits,
    graded, passed (model or standard) and the pass rate (None without a graded audit).

    Grouped by day and grade in SQL (the same SQL on both databases), summed into months here."""
    end = min(filters.date_to or today, today)
    if filters.date_from and filters.date_from <= end:
        first = (filters.date_from.year, filters.date_from.month)
    else:
        first = _month_add(end.year, end.month, -(max(1, months) - 1))
    if (end.year - first[0]) * 12 + end.month - first[1] >= MAX_MONTHS:
        first = _month_add(end.year, end.month, -(MAX_MONTHS - 1))
    conds = inspection_conditions(session, scope=scope, role=role, filters=filters, period=False)
    rows = session.exec(
        select(Inspection.inspected_on, Inspection.grade, sa.func.count())
        .where(*conds, Inspection.inspected_on >= date(*first, 1), Inspection.inspected_on <= end,
               *([Inspection.inspected_on >= filters.date_from] if filters.date_from else []))
        .group_by(Inspection.inspected_on, Inspection.grade)).all()
    tallies: dict[tuple[int, int], list[int]] = {}
    for day, grade, n in rows:
        day = _as_date(day)
        month = tallies.setdefault((day.year, day.month), [0, 0, 0])
        month[0] += int(n)
        month[1] += int(n) if grade else 0
        month[2] += int(n) if grade in PASSED_GRADES else 0
    out = []
    ym = first
    while ym <= (end.year, end.month):
        audits, graded, passed = tallies.get(ym, [0, 0, 0])
        out.append({"year": ym[0], "month": ym[1], "audits": audits, "graded": graded, "passed": passed,
                    "rate": passed / graded if graded else None})
        ym = _month_add(ym[0], ym[1], 1)
    return out


# --- coverage ------------------------------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it has no such day)."""
    year, month = _month_add(day.year, day.month, -months)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Coverage:
    """Stations of `station_kinds` in the view with no inspection (of the filters' kind and
    mode) since `since`: `uncovered`, never inspected first, then the longest ago —
    [{id, name, kind, path, township, county, last_inspected (date or None), days_since}];
    `stations` counts all stations of those kinds in the view."""

    months: int
    since: date
    stations: int
    uncovered: list[dict]


def coverage(session: Session, *, scope: Scope, role: Role | str | None, filters: AuditFilters, today: date,
             months: int = 6, station_kinds: tuple[str, ...] = (StationKind.township_station.value,)) -> Coverage:
    """Audit coverage: which stations have gone `months` months without an inspection.

    The filters' period does not apply (coverage looks back from today); region, kind and mode
    do. An inspection the user may not see does not count: a cadre is not told of an audit
    before it is published, not even by its date."""
    view = narrowed(session, scope, filters)
    since = months_before(today, max(1, months))
    conds = inspection_conditions(session, scope=scope, role=role, filters=filters, period=False)
    latest = latest_per_station(*conds, Inspection.inspected_on <= today)
    last = Inspection.inspected_on
    in_view = [Station.active.is_(True), Station.kind.in_(list(station_kinds)), view.clause(Station.path)]
    total = session.exec(select(sa.func.count()).select_from(Station).where(*in_view)).one()
    rows = session.exec(
        select(Station.id, Station.name, Station.kind, Station.path, last)
        .select_from(stations_with_latest(latest))
        .where(*in_view, sa.or_(last.is_(None), last < since))).all()
    regions = region_names(session, [p for *_x, path, _l in rows for p in (path[:SEGMENT * 2], path[:SEGMENT * 3])])
    uncovered = []
    for station_id, name, kind, path, day in rows:
        day = _as_date(day)
        uncovered.append({"id": station_id, "name": name, "kind": str(kind), "path": path,
                          "township": regions.get(path[:SEGMENT * 3], ""),
                          "county": regions.get(path[:SEGMENT * 2], ""),
                          "last_inspected": day, "days_since": (today - day).days if day else None})
    uncovered.sort(key=lambda s: (s["last_inspected"] is not None, s["last_inspected"] or date.min, s["path"],
                                  s["id"]))
    return Coverage(months=months, since=since, stations=int(total or 0), uncovered=uncovered)


# --- rectifications ----------------------------------------------------------------------------


def _rectification_conditions(session: Session, *, scope: Scope, role: Role | str | None, filters: AuditFilters,
                              published_only: bool = False) -> list:
    """Rectifications from the inspections selected (joined on Inspection)."""
    view = narrowed(session, scope, filters)
    return [*inspection_conditions(session, scope=scope, role=role, filters=filters, published_only=published_only),
            Rectification.source == RectificationSource.inspection.value, view.clause(Rectification.path)]


_overdue = rectification_overdue  # one definition (data.queries.rectifications.overdue_clause)


def area_level(view: Scope) -> str:
    """The level to break a view down by: counties for a city-wide view, else townships."""
    return "county" if not view.paths or any(city_wide(p) for p in view.paths) else "township"


def rectification_status(session: Session, *, scope: Scope, role: Role | str | None, filters: AuditFilters,
                         today: date, level: str | None = None, published_only: bool = False) -> list[dict]:
    """Rectifications of the inspections selected, per county (or township) and status:
    [{code, name, open, reported, rechecked, closed, overdue, total}], in code order.

    `level` "county" or "township"; by default counties for a city-wide view, else
    townships. Overdue: not closed and past its deadline (a calendar date) by `today`."""
    level = level or area_level(narrowed(session, scope, filters))
    if level not in ("county", "township"):
        raise ValueError("level is county or township")
    width = SEGMENT * (2 if level == "county" else 3)
    area = sa.func.substr(Rectification.path, 1, width)
    conds = _rectification_conditions(session, scope=scope, role=role, filters=filters,
                                      published_only=published_only)
    rows = session.exec(
        select(area, Rectification.status, sa.func.count(), sa.func.count().filter(_overdue(today)))
        .select_from(Rectification).join(Inspection, Inspection.id == Rectification.inspection_id)
        .where(*conds).group_by(area, Rectification.status)).all()
    areas: dict[str, dict] = {}
    for path, status, n, late in rows:
        row = areas.setdefault(path, {"path": path, **{s: 0 for s in RECTIFICATION_STATES}, "overdue": 0,
                                      "total": 0})
        row[str(status)] = row.get(str(status), 0) + int(n)
        row["overdue"] += int(late)
        row["total"] += int(n)
    names = region_names(session, areas)
    return [{"code": path.rstrip("/").rsplit("/", 1)[-1], "name": names.get(path, path), **row}
            for path, row in sorted(areas.items())]


def rectification_totals(rows: Iterable[dict]) -> dict[str, int]:
    """The per-area rows of rectification_status summed: {open, reported, rechecked, closed,
    overdue, total}."""
    keys = (*RECTIFICATION_STATES, "overdue", "total")
    out = dict.fromkeys(keys, 0)
    for row in rows:
        for k in keys:
            out[k] += row.get(k, 0)
    return out


def overdue_rectifications(session: Session, *, scope: Scope, role: Role | str | None, filters: AuditFilters,
                           today: date, limit: int = 500) -> list[dict]:
    """Rectifications of the inspections selected that are not closed and past their deadline,
    the longest overdue first: [{id, station, township, county, item_code, title, due_on,
    days_overdue (calendar days), responsible_person, status, rejections, inspected_on, mode}]."""
    conds = _rectification_conditions(session, scope=scope, role=role, filters=filters)
    rows = session.exec(
        select(Rectification.id, Rectification.station_id, Rectification.path, Rectification.item_code,
               Rectification.title, Rectification.due_on, Rectification.responsible_person, Rectification.status,
               Rectification.rejections, Inspection.inspected_on, Inspection.mode)
        .select_from(Rectification).join(Inspection, Inspection.id == Rectification.inspection_id)
        .where(*conds, _overdue(today))
        .order_by(Rectification.due_on, Rectification.id).limit(max(1, min(limit, 5000)))).all()
    stations = station_names(session, {r[1] for r in rows if r[1]})
    regions = region_names(session, [p for r in rows for p in (r[2][:SEGMENT * 2], r[2][:SEGMENT * 3])])
    out = []
    for rid, station_id, path, code, title, due, person, status, rejections, inspected, mode in rows:
        due = _as_date(due)
        out.append({"id": rid, "station": stations.get(station_id, {}).get("name", ""),
                    "township": regions.get(path[:SEGMENT * 3], ""), "county": regions.get(path[:SEGMENT * 2], ""),
                    "item_code": code or "", "title": title, "due_on": due, "days_overdue": (today - due).days,
                    "responsible_person": person or "", "status": str(status), "rejections": int(rejections or 0),
                    "inspected_on": _as_date(inspected), "mode": str(mode)})
    return out


# --- the circular (通报) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Circular:
    """What a circular of window audits reports, published audits only.

    audits: [{id, inspected_on, station, township, county, mode, score, grade, vetoed, fails}];
    negatives: the audits graded fail or vetoed, each with `findings` [{code, text, text_en,
    note}]; requirements: per station with open rectifications [{station, township, county,
    items: [title…], due_on (the latest deadline), responsible_person}]; status: totals as
    rectification_totals."""

    filters: AuditFilters
    region_name: str | None
    counts: AuditCounts
    failed_findings: int
    items: list[ItemFinding]
    recurring: list[RecurringProblem]
    audits: list[dict]
    negatives: list[dict]
    requirements: list[dict]
    status: dict[str, int]
    status_by_area: list[dict]


def circular(session: Session, *, scope: Scope, filters: AuditFilters, today: date,
             min_stations: int = 2, limit: int = 2000) -> Circular:
    """The content of a circular (通报) of the window audits in the filters' period and region:
    published audits only, whoever asks. Raises OutOfScope for a region not the user's."""
    filters = filters.model_copy(update={"kind": InspectionKind.window_audit.value})
    common = {"scope": scope, "role": None, "filters": filters, "published_only": True}
    conds = inspection_conditions(session, **common)
    tally = _tally(session, conds)
    items = _findings(tally)
    rows = session.exec(
        select(Inspection.id, Inspection.inspected_on, Inspection.station_id, Inspection.mode, Inspection.score,
               Inspection.grade, Inspection.vetoed, Inspection.template_id, Inspection.answers)
        .where(*conds).order_by(Inspection.inspected_on, Inspection.id).limit(max(1, limit))).all()
    stations = station_names(session, {r[2] for r in rows})
    audits, negatives = [], []
    for inspection_id, day, station_id, mode, score, grade, vetoed, template_id, answers in rows:
        findings = _failed_answers(tally, template_id, answers or {})
        where = stations.get(station_id, {"name": "", "township": "", "county": ""})
        audit = {"id": inspection_id, "inspected_on": _as_date(day), "station": where["name"],
                 "township": where["township"], "county": where["county"], "mode": str(mode), "score": score,
                 "grade": str(grade) if grade else None, "vetoed": bool(vetoed), "fails": len(findings)}
        audits.append(audit)
        if grade == Grade.fail.value or vetoed:
            negatives.append({**audit, "findings": findings})
    status_rows = rectification_status(session, today=today, level=None, **common)
    region = None
    if filters.region_code:
        region = get_region_by_code(session, scope=scope, area_code=filters.region_code).name
    return Circular(filters=filters, region_name=region,
                    counts=audit_counts(session, **common), failed_findings=sum(f.fails for f in items),
                    items=items, recurring=_recurring(session, tally, min_stations=min_stations, limit=10),
                    audits=audits, negatives=negatives,
                    requirements=_requirements(session, scope=scope, filters=filters),
                    status=rectification_totals(status_rows), status_by_area=status_rows)


def _failed_answers(tally: _Tally, template_id: int, answers: Mapping) -> list[dict]:
    out = []
    for (tid, code), item in sorted(tally.items.items(), key=lambda kv: (kv[1].sort_order, kv[1].code)):
        if tid != template_id:
            continue
        answer = answers.get(code)
        value = answer.get("value") if isinstance(answer, Mapping) else answer
        try:
            fraction = item_fraction(item, value)
        except ValueError:
            continue
        if fraction is not None and fraction < 1:
            note = answer.get("note") if isinstance(answer, Mapping) else None
            out.append({"code": code, "text": item.text, "text_en": item.text_en, "veto": bool(item.veto),
                        "value": value, "note": str(note) if note else None})
    return out


def _requirements(session: Session, *, scope: Scope, filters: AuditFilters) -> list[dict]:
    """The rectifications ordered by the audits in the circular, per station: what is to be
    fixed and by when (the latest deadline), with the person responsible."""
    conds = _rectification_conditions(session, scope=scope, role=None, filters=filters, published_only=True)
    rows = session.exec(
        select(Rectification.station_id, Rectification.title, Rectification.due_on, Rectification.responsible_person,
               Rectification.status)
        .select_from(Rectification).join(Inspection, Inspection.id == Rectification.inspection_id)
        .where(*conds).order_by(Rectification.path, Rectification.station_id, Rectification.due_on,
                                Rectification.id)).all()
    names = station_names(session, {r[0] for r in rows if r[0]})
    per_station: dict[int, dict] = {}
    for station_id, title, due, person, status in rows:
        where = names.get(station_id, {"name": "", "township": "", "county": ""})
        entry = per_station.setdefault(station_id, {"station": where["name"], "township": where["township"],
                                                    "county": where["county"], "items": [], "due_on": None,
                                                    "responsible_person": person or "", "closed": 0})
        if title not in entry["items"]:
            entry["items"].append(title)
        due = _as_date(due)
        entry["due_on"] = max(entry["due_on"] or due, due)
        entry["closed"] += 1 if status == RectificationStatus.closed.value else 0
    return list(per_station.values())


__all__ = ["AuditCounts", "AuditFilters", "CategoryFinding", "Circular", "Coverage", "ItemFinding", "OutOfScope",
           "RecurringProblem", "area_level", "audit_counts", "category_totals", "circular", "coverage",
           "findings_by_category", "findings_by_item", "findings_with_recurring", "inspection_conditions",
           "months_before", "narrowed", "overdue_rectifications", "pass_rate_by_month", "rectification_status",
           "rectification_totals", "recurring_problems", "region_names", "station_names"]
