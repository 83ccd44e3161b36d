"""The leaders' weekly brief (周报): one week's figures as tables, for the PDF and the XLSX.

A week is Monday to Sunday (ISO week). Figures "as of" the week's end are recomputed for that
day (open, overdue, supervised, standardisation), so last week's brief reads the same next
month — except for states that have no history (a case's status), which are as they stand now.
Everything is scoped and aggregate; only case numbers, townships and station names appear.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from data import checklists, clock
from data.models import (
    ChecklistItem,
    FindingList,
    FindingStatus,
    Inspection,
    Rectification,
    RectificationStatus,
    Station,
    Walkthrough,
    WalkthroughFinding,
)
from data.queries import leadership, logs
from data.queries.cases import received_sums
from data.rules.calendar import DEFAULT_CALENDAR, WorkCalendar, same_day_last_year
from data.rules.scoring import item_fraction
from data.scope import Scope


def week_of(text: str) -> date:
    """The Monday of an ISO week written 2026-W47; ValueError for anything else."""
    year, _, week = text.partition("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    return monday


@dataclass
class Brief:
    """Sections of (heading, columns [(key, header)], rows) plus the headline figures."""

    start: date
    end: date
    figures: dict
    tables: dict[str, list[dict]] = field(default_factory=dict)
    weekly_cases: list[tuple[str, int, int]] = field(default_factory=list)  # (week label, this year, last year)


def _utc(day: date, end: bool = False) -> datetime:
    """The start of a local day (of the next one, for `end`) on the bureau's clock, in UTC."""
    return clock.start_of(day + timedelta(days=1) if end else day).astimezone(UTC)


def _cases(session: Session, scope: Scope, start: date, end: date) -> tuple[int, int, int]:
    cases, workers, amount, *_rest = received_sums(session, scope=scope, start=start, end=end).get((), [0, 0, 0])
    return cases, workers, amount


def weekly_brief(session: Session, *, scope: Scope, monday: date,
                 calendar: WorkCalendar = DEFAULT_CALENDAR, today: date | None = None) -> Brief:
    """The week from `monday`; `today` when the week is under way (its days to come are not
    due), else the week is taken as over."""
    start, end = monday, monday + timedelta(days=6)
    brief = Brief(start=start, end=end, figures={})
    f = brief.figures
    # cases and money: the week, and the year to the week's end, against last year
    week, week_ly = _cases(session, scope, start, end), _cases(session, scope, same_day_last_year(start),
                                                              same_day_last_year(end))
    ytd, ytd_ly = (_cases(session, scope, date(end.year, 1, 1), end),
                   _cases(session, scope, date(end.year - 1, 1, 1), same_day_last_year(end)))
    f.update(cases_week=week[0], workers_week=week[1], amount_week_cents=week[2], cases_week_ly=week_ly[0],
             workers_week_ly=week_ly[1], amount_week_ly_cents=week_ly[2], cases_ytd=ytd[0], workers_ytd=ytd[1],
             amount_ytd_cents=ytd[2], cases_ytd_ly=ytd_ly[0], workers_ytd_ly=ytd_ly[1], amount_ytd_ly_cents=ytd_ly[2])
    # as the wall's tiles count them (leadership.figures), only the part the brief shows
    k, stations, standardised, rate = leadership.standing(session, scope=scope, today=end)
    f.update(closure_rate=k.closure_rate, on_time_rate=k.on_time_rate, overdue=k.overdue, supervised=k.supervised,
             stations=stations, standardised=standardised, standardisation_rate=rate)
    # the last twelve weeks and the same days a year before: two reads by day, summed per week here
    first = start - timedelta(weeks=11)
    daily, daily_ly = (received_sums(session, scope=scope, start=a, end=b, by=("day",))
                       for a, b in ((first, end), (same_day_last_year(first), same_day_last_year(end))))
    for n in range(11, -1, -1):
        w_start = start - timedelta(weeks=n)
        w_end = w_start + timedelta(days=6)
        ly_start, ly_end = same_day_last_year(w_start), same_day_last_year(w_end)
        this = sum(v[0] for (day,), v in daily.items() if w_start <= day <= w_end)
        last = sum(v[0] for (day,), v in daily_ly.items() if ly_start <= day <= ly_end)
        brief.weekly_cases.append((f"{w_start:%m-%d}", this, last))
    brief.tables["supervised"] = [
        {**row, "amount_wan": round(row["amount_cents"] / 1e6, 1)}
        for row in leadership.supervised_cases(session, scope=scope, today=end, limit=15)]

    # audits of the week, recurring problems over four weeks
    audits = session.exec(
        select(Inspection, Station.name).join(Station, Station.id == Inspection.station_id)
        .where(Inspection.published_at.is_not(None), Inspection.inspected_on >= start - timedelta(weeks=3),
               Inspection.inspected_on <= end, scope.clause(Inspection.path))
        .order_by(Inspection.inspected_on, Inspection.id)).all()
    this_week = [(i, name) for i, name in audits if i.inspected_on >= start]
    f["audits_week"] = len(this_week)
    f["audits_week_passed"] = sum(1 for i, _ in this_week if i.grade in leadership.PASSING)
    brief.tables["audits"] = [
        {"date": i.inspected_on.isoformat(), "station": name, "kind": str(i.kind), "mode": str(i.mode),
         "score": i.score, "grade": str(i.grade) if i.grade else None, "vetoed": i.vetoed} for i, name in this_week]
    items = {(t, code): (text, category) for t, code, text, category in session.exec(
        select(ChecklistItem.template_id, ChecklistItem.code, ChecklistItem.text, ChecklistItem.category).where(
            ChecklistItem.template_id.in_({i.template_id for i, _ in audits} or {0}))).all()}
    rules = {(r.template_id, r.code): r for r in session.exec(select(ChecklistItem).where(
        ChecklistItem.template_id.in_({i.template_id for i, _ in audits} or {0}))).all()}
    failed_at: dict[str, set[str]] = {}
    texts: dict[str, tuple[str, str]] = {}
    for inspection, name in audits:
        for code, answer in (inspection.answers or {}).items():
            rule = rules.get((inspection.template_id, code))
            value = answer.get("value") if isinstance(answer, dict) else answer
            try:
                fraction = item_fraction(rule, value) if rule is not None else None
            except ValueError:
                fraction = None
            if fraction is not None and fraction < 1:
                failed_at.setdefault(code, set()).add(name)
                texts[code] = items[(inspection.template_id, code)]
    categories = {**checklists.STANDARDISATION_CATEGORIES, **checklists.WINDOW_AUDIT_CATEGORIES}
    brief.tables["problems"] = [
        {"code": code, "text": texts[code][0], "category": categories.get(texts[code][1], (texts[code][1],))[0],
         "stations": len(names), "examples": "、".join(sorted(names)[:3])}
        for code, names in sorted(failed_at.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:8]]

    # rectifications
    open_states = [s.value for s in (RectificationStatus.open, RectificationStatus.reported,
                                     RectificationStatus.rechecked)]
    row = session.exec(select(
        sa.func.count().filter(Rectification.created_at >= _utc(start), Rectification.created_at < _utc(end, True)),
        sa.func.count().filter(Rectification.closed_at >= _utc(start), Rectification.closed_at < _utc(end, True)),
        sa.func.count().filter(sa.and_(Rectification.created_at < _utc(end, True), sa.or_(
            Rectification.status.in_(open_states), Rectification.closed_at >= _utc(end, True)))),
        sa.func.count().filter(sa.and_(Rectification.created_at < _utc(end, True), Rectification.due_on < end,
                                       sa.or_(Rectification.status.in_(open_states),
                                              Rectification.closed_at >= _utc(end, True)))),
    ).where(scope.clause(Rectification.path))).one()
    f.update(rect_new=int(row[0]), rect_closed=int(row[1]), rect_open=int(row[2]), rect_overdue=int(row[3]))

    # walkthroughs of the week: the three lists
    kinds = Counter(dict(session.exec(select(WalkthroughFinding.list_kind, sa.func.count())
                                      .join(Walkthrough, Walkthrough.id == WalkthroughFinding.walkthrough_id)
                                      .where(scope.clause(WalkthroughFinding.path), Walkthrough.walked_on >= start,
                                             Walkthrough.walked_on <= end)
                                      .group_by(WalkthroughFinding.list_kind)).all()))
    done = session.exec(select(sa.func.count()).select_from(WalkthroughFinding).join(
        Walkthrough, Walkthrough.id == WalkthroughFinding.walkthrough_id).where(
        scope.clause(WalkthroughFinding.path), Walkthrough.walked_on >= start, Walkthrough.walked_on <= end,
        WalkthroughFinding.list_kind == FindingList.fix.value,
        WalkthroughFinding.status == FindingStatus.done.value)).one()
    walks = session.exec(select(sa.func.count()).select_from(Walkthrough).where(
        scope.clause(Walkthrough.path), Walkthrough.walked_on >= start, Walkthrough.walked_on <= end)).one()
    f.update(walks=int(walks), issues=int(kinds.get(FindingList.issue.value, 0)),
             needs=int(kinds.get(FindingList.need.value, 0)), fixes=int(kinds.get(FindingList.fix.value, 0)),
             fixes_done=int(done))

    # work-log filing by area, by the one rule (data.queries.logs.filing_by_area): the cadre-days
    # filed of the week's posted working days that are over (or filed), as /logs counts them
    areas = {code: {"name": name} for _path, code, name in leadership.areas_below(session, scope=scope)}
    over = end + timedelta(days=1)
    figures = logs.filing_by_area(session, scope, first=start, last=end, today=min(today, over) if today else over,
                                  calendar=calendar, codes=set(areas))
    for code, area in areas.items():
        area.update(filed=figures[code]["filed"], expected=figures[code]["due"])
    brief.tables["logs"] = [{"area": a["name"], "filed": a["filed"], "expected": a["expected"],
                             "rate": round(a["filed"] / a["expected"], 3) if a["expected"] else None}
                            for a in areas.values()]
    f["logs_filed"] = sum(a["filed"] for a in areas.values())
    f["logs_expected"] = sum(a["expected"] for a in areas.values())
    return brief
