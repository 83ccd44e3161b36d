"""The leaders' figures: what the situation-room wall shows and the weekly brief prints.

Aggregates only — counts, sums, rates, grades by area, case numbers with their clocks — never a
complainant, a phone number or a photo: the wall role receives nothing else. Every function
takes the scope (the wall's regions, or one county of its rotation) and `today` (a chosen week's
last day for the brief), so the same figures can be recomputed for any past week.

Inspections count once published (通报): the wall and the brief show what was circulated, never a
covert audit still with the inspectors.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, select

from data import clock
from data.models import (
    Grade,
    Inspection,
    InspectionKind,
    Rectification,
    RectificationStatus,
    Region,
    Secondment,
    ServiceItem,
    Station,
    StationKind,
    SupervisionOrder,
    SupervisionStatus,
    WageCase,
    Walkthrough,
    WalkthroughFinding,
    WorkLog,
)
from data.queries import campaign, ratings
from data.queries.cases import CaseFilters, CaseKpis, case_kpis
from data.queries.rectifications import overdue_clause as rectification_overdue
from data.rules.calendar import DEFAULT_CALENDAR, WorkCalendar, same_day_last_year
from data.scope import Scope

PASSING = (Grade.model.value, Grade.standard.value)
OPEN_RECTIFICATION = (RectificationStatus.open.value, RectificationStatus.reported.value,
                      RectificationStatus.rechecked.value)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Figures:
    """The KPI tiles. Rates are 0..1 or None; `*_last_year` the same period a year before."""

    as_of: date
    cases: int
    cases_last_year: int
    workers: int
    workers_last_year: int
    amount_cents: int
    amount_cents_last_year: int
    closure_rate: float | None
    closure_rate_last_year: float | None
    on_time_rate: float | None
    on_time_rate_last_year: float | None
    overdue_cases: int
    supervised_cases: int
    stations: int
    stations_standardised: int
    standardisation_rate: float | None
    audits: int
    audits_passed: int
    audit_pass_rate: float | None
    audit_pass_rate_last_year: float | None
    rectifications_open: int
    rectifications_overdue: int
    logs_today: int
    logs_expected_today: int
    ratings: int  # 好差评 this year to date, and the satisfaction rate against the same days last year
    ratings_negative: int
    satisfaction_rate: float | None
    satisfaction_rate_last_year: float | None
    quarters_down: int  # of the last four whole quarters, those with fewer cases than a year earlier (四连降: 4)
    open_cases: int  # the cases to clear before the Spring Festival (动态清零): open today
    days_to_festival: int | None  # while the winter campaign is under way

    def as_dict(self) -> dict:
        out = asdict(self)
        out["as_of"] = self.as_of.isoformat()
        return out


def latest_grades(session: Session, scope: Scope, *, as_of: date,
                  kinds: tuple[str, ...] = (StationKind.township_station.value,)) -> dict[int, str | None]:
    """The latest published station check's grade of each station of `kinds` (None: never
    checked), as of a day."""
    ranked = (select(Inspection.station_id, Inspection.grade,
                     sa.func.row_number().over(partition_by=Inspection.station_id,
                                               order_by=(Inspection.inspected_on.desc(), Inspection.id.desc()))
                     .label("n"))
              .where(Inspection.kind == InspectionKind.station_check.value, Inspection.published_at.is_not(None),
                     Inspection.inspected_on <= as_of, scope.clause(Inspection.path)).subquery())
    latest = dict(session.exec(select(ranked.c.station_id, ranked.c.grade).where(ranked.c.n == 1)).all())
    stations = session.exec(select(Station.id).where(Station.active.is_(True), Station.kind.in_(kinds),
                                                     scope.clause(Station.path))).all()
    return {sid: latest.get(sid) for sid in stations}


def _audit_pass(session: Session, scope: Scope, start: date, end: date) -> tuple[int, int]:
    row = session.exec(select(sa.func.count(), sa.func.count().filter(Inspection.grade.in_(PASSING))).where(
        Inspection.kind == InspectionKind.window_audit.value, Inspection.published_at.is_not(None),
        Inspection.inspected_on >= start, Inspection.inspected_on <= end, scope.clause(Inspection.path))).one()
    return int(row[0]), int(row[1])


def expected_cadres(session: Session, scope: Scope, day: date) -> int:
    return int(session.exec(select(sa.func.count()).select_from(Secondment).where(
        scope.clause(Secondment.path), Secondment.starts_on <= day, Secondment.ends_on >= day)).one())


class Standing(NamedTuple):
    """The part of the wall's figures the weekly brief repeats."""
    kpis: CaseKpis  # this year to the day (data.queries.cases.case_kpis)
    stations: int  # with a grade
    standardised: int  # graded standard or better
    standardisation_rate: float | None


def standing(session: Session, *, scope: Scope, today: date) -> Standing:
    """The cases' KPIs this year to `today`, the stations graded and how many are standard."""
    k = case_kpis(session, scope=scope, filters=CaseFilters(), today=today)
    grades = latest_grades(session, scope, as_of=today)
    standardised = sum(1 for g in grades.values() if g in PASSING)
    return Standing(k, len(grades), standardised, _ratio(standardised, len(grades)))


def figures(session: Session, *, scope: Scope, today: date, calendar: WorkCalendar = DEFAULT_CALENDAR) -> Figures:
    """Everything on the wall's KPI tiles, year to `today` against the same days last year."""
    k, stations, standardised, standardisation_rate = standing(session, scope=scope, today=today)
    audits, passed = _audit_pass(session, scope, date(today.year, 1, 1), today)
    audits_ly, passed_ly = _audit_pass(session, scope, date(today.year - 1, 1, 1), same_day_last_year(today))
    rect = session.exec(select(
        sa.func.count().filter(Rectification.status.in_(OPEN_RECTIFICATION)),
        sa.func.count().filter(rectification_overdue(today)),
    ).where(scope.clause(Rectification.path), Rectification.created_at <= _end_of(today))).one()
    logs = int(session.exec(select(sa.func.count()).select_from(WorkLog).where(
        scope.clause(WorkLog.path), WorkLog.log_date == today)).one())
    expected = expected_cadres(session, scope, today) if calendar.is_working_day(today) else 0
    rated = ratings.summary(session, scope=scope, start=date(today.year, 1, 1), end=today)
    quarters = campaign.declines(session, scope=scope, today=today)["quarters"]
    winter = campaign.winter_campaign(session, scope=scope, today=today)
    return Figures(
        as_of=today, cases=k.cases, cases_last_year=k.cases_last_year, workers=k.workers,
        workers_last_year=k.workers_last_year, amount_cents=k.amount_claimed_cents,
        amount_cents_last_year=k.amount_claimed_cents_last_year, closure_rate=k.closure_rate,
        closure_rate_last_year=k.closure_rate_last_year, on_time_rate=k.on_time_rate,
        on_time_rate_last_year=k.on_time_rate_last_year, overdue_cases=k.overdue,
        supervised_cases=k.supervised, stations=stations, stations_standardised=standardised,
        standardisation_rate=standardisation_rate, audits=audits, audits_passed=passed,
        audit_pass_rate=_ratio(passed, audits), audit_pass_rate_last_year=_ratio(passed_ly, audits_ly),
        rectifications_open=int(rect[0]), rectifications_overdue=int(rect[1]), logs_today=logs,
        logs_expected_today=expected, ratings=rated["ratings"], ratings_negative=rated["negative"],
        satisfaction_rate=rated["rate"], satisfaction_rate_last_year=rated["rate_last_year"],
        quarters_down=sum(1 for q in quarters if q["down"]["cases"]), open_cases=k.open,
        days_to_festival=winter["days_left"] if winter else None)


def _end_of(day: date):
    return clock.end_of(day)


def _live_cases(scope: Scope):
    return sa.and_(WageCase.deleted_at.is_(None), scope.cases_clause(WageCase))


def supervised_cases(session: Session, *, scope: Scope, today: date, limit: int = 12) -> list[dict]:
    """Supervised cases still open, with their countdowns, the most pressing first: case
    number, township, workers, amount, the order's level, and the day that matters — the
    order's deadline while it waits for a response, then the case's statutory deadline — with
    the days left (negative: late)."""
    township = sa.orm.aliased(Region)
    rows = session.exec(
        select(WageCase.case_no, township.name, WageCase.workers, WageCase.amount_claimed_cents,
               SupervisionOrder.level, sa.case((SupervisionOrder.status == SupervisionStatus.open.value,
                                                 SupervisionOrder.due_on)), WageCase.investigate_due)
        .join(WageCase, WageCase.id == SupervisionOrder.case_id)
        .join(township, township.id == WageCase.region_id)
        .where(_live_cases(scope), WageCase.status.in_(["received", "accepted", "investigating"]),
               SupervisionOrder.status.in_([SupervisionStatus.open.value, SupervisionStatus.responded.value]))
        .order_by(sa.func.coalesce(sa.case((SupervisionOrder.status == SupervisionStatus.open.value,
                                            SupervisionOrder.due_on)), WageCase.investigate_due), WageCase.case_no)
        .limit(limit)).all()
    out = []
    for case_no, name, workers, amount, level, due, investigate_due in rows:
        due = due or investigate_due
        out.append({"case_no": case_no, "township": name, "workers": int(workers), "amount_cents": int(amount),
                    "level": str(level), "due_on": due.isoformat() if due else None,
                    "days_left": (due - today).days if due else None})
    return out


_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID = re.compile(r"(?<!\d)(?:\d{17}[\dXx]|\d{15})(?![\dXx])")


def scrub(text: str) -> str:
    """Free text for a public screen: phone and ID numbers someone typed are blanked."""
    return _PHONE.sub("***********", _ID.sub("******", text or ""))


def latest_findings(session: Session, *, scope: Scope, limit: int = 20) -> list[dict]:
    """The newest walkthrough findings for the ticker: list, category, service, township and
    the text with numbers blanked — no author, no place finer than the township."""
    township = sa.orm.aliased(Region)
    rows = session.exec(
        select(WalkthroughFinding.list_kind, WalkthroughFinding.category, WalkthroughFinding.text,
               WalkthroughFinding.status, Walkthrough.walked_on, ServiceItem.name, township.name)
        .join(Walkthrough, Walkthrough.id == WalkthroughFinding.walkthrough_id)
        .join(ServiceItem, ServiceItem.code == Walkthrough.service_item_code, isouter=True)
        .join(Station, Station.id == Walkthrough.station_id, isouter=True)
        .join(township, township.id == Station.township_id, isouter=True)
        .where(scope.clause(WalkthroughFinding.path))
        .order_by(WalkthroughFinding.created_at.desc(), WalkthroughFinding.id.desc()).limit(limit)).all()
    return [{"list": str(kind), "category": category, "text": scrub(text)[:80], "status": str(status),
             "date": day.isoformat(), "service": service, "township": town}
            for kind, category, text, status, day, service, town in rows]


def monthly_series(session: Session, *, scope: Scope, today: date, months: int = 12) -> dict[str, list]:
    """Sparklines: the last `months` whole months of cases received, amount claimed (cents),
    window audits' pass rate and work logs filed, oldest first, with month labels. The month
    under way is left out: its first days beside whole months would read as a fall."""
    through = date(today.year, today.month, 1) - timedelta(days=1)  # the last whole month's last day
    firsts = []
    year, month = through.year, through.month
    for _ in range(months):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    firsts.reverse()
    start = firsts[0]

    def by_month(column, stmt) -> dict[str, tuple]:
        key = sa.func.to_char(column, "YYYY-MM") if session.get_bind().dialect.name == "postgresql" \
            else sa.func.strftime("%Y-%m", column)
        return {row[-1]: row[:-1] for row in session.execute(stmt.add_columns(key.label("m")).group_by("m"))}

    from data.queries.cases import received_sums
    cases = {f"{month:%Y-%m}": (values[0], values[2]) for (month,), values in received_sums(
        session, scope=scope, start=start, end=through, by=("month",)).items()}
    audits = by_month(Inspection.inspected_on, select(sa.func.count(), sa.func.count().filter(
        Inspection.grade.in_(PASSING))).where(
        Inspection.kind == InspectionKind.window_audit.value, Inspection.published_at.is_not(None),
        Inspection.inspected_on >= start, Inspection.inspected_on <= through, scope.clause(Inspection.path)))
    logs = by_month(WorkLog.log_date, select(sa.func.count()).where(
        scope.clause(WorkLog.path), WorkLog.log_date >= start, WorkLog.log_date <= through))
    labels = [f"{d:%Y-%m}" for d in firsts]
    return {"months": labels,
            "cases": [int(cases.get(m, (0, 0))[0]) for m in labels],
            "amount_cents": [int(cases.get(m, (0, 0))[1]) for m in labels],
            "audit_pass_rate": [_ratio(int(audits[m][1]), int(audits[m][0])) if m in audits else None for m in labels],
            "logs": [int(logs.get(m, (0,))[0]) for m in labels]}


def standardisation_by_area(session: Session, *, scope: Scope, today: date, codes: set[str]) -> dict[str, list[int]]:
    """For each area whose code is in `codes` (counties, townships…): [stations standardised,
    stations] by their latest published check (latest_grades), each station counted in the area
    its path runs through. by_area's figures, and the wall's township map."""
    out = {code: [0, 0] for code in codes}
    grades = latest_grades(session, scope, as_of=today)
    for sid, path in session.exec(select(Station.id, Station.path).where(Station.id.in_(list(grades) or [0]))).all():
        code = next((segment for segment in path.split("/") if segment in out), None)
        if code is not None:
            out[code][0] += grades[sid] in PASSING
            out[code][1] += 1
    return out


def areas_below(session: Session, *, scope: Scope) -> list[tuple[str, str, str]]:
    """The current regions one level below the scope's top (a province's cities, a city's counties,
    a county's townships): (path, code, name) in code order."""
    depth = min((p.count("/") for p in scope.paths), default=0) + 1
    children = session.exec(select(Region.path, Region.area_code, Region.name).where(
        Region.valid_to.is_(None), Region.level.in_(["city", "county", "township"]), scope.clause(Region.path))
        .order_by(Region.area_code)).all()
    return [(p, c, n) for p, c, n in children if p.count("/") == depth]


def by_area(session: Session, *, scope: Scope, today: date, calendar: WorkCalendar = DEFAULT_CALENDAR) -> list[dict]:
    """The same few figures for each area one level down (the cities of a province, the counties
    of a city, the townships of a county): cases this year, overdue, standardisation rate, work logs
    today against expected. A handful of grouped queries folded by path, whatever the areas."""
    depth = min((p.count("/") for p in scope.paths), default=0) + 1
    areas = {p: {"code": c, "name": n, "cases": 0, "overdue": 0, "stations": 0, "standardised": 0, "logs": 0,
                 "expected": 0} for p, c, n in areas_below(session, scope=scope)}

    def area_of(path: str | None) -> dict | None:
        if not path:
            return None
        return areas.get("/".join(path.split("/")[:depth]) + "/")

    from data.queries.cases import is_open, overdue_clause, received_sums
    for (path,), values in received_sums(session, scope=scope, start=date(today.year, 1, 1), end=today,
                                         by=("path",)).items():
        if (area := area_of(path)) is not None:
            area["cases"] += values[0]
    # overdue whenever received (up to today): among the open cases only, not a scan of every case
    for path, late in session.exec(select(WageCase.path, sa.func.count()).where(
            _live_cases(scope), is_open(), overdue_clause(today),
            WageCase.received_on <= today).group_by(WageCase.path)).all():
        if (area := area_of(path)) is not None:
            area["overdue"] += int(late)
    standardised = standardisation_by_area(session, scope=scope, today=today,
                                           codes={area["code"] for area in areas.values()})
    for area in areas.values():
        area["standardised"], area["stations"] = standardised[area["code"]]
    working = calendar.is_working_day(today)
    for path in session.exec(select(Secondment.path).where(
            scope.clause(Secondment.path), Secondment.starts_on <= today, Secondment.ends_on >= today)).all():
        if working and (area := area_of(path)) is not None:
            area["expected"] += 1
    for path, n in session.exec(select(WorkLog.path, sa.func.count()).where(
            scope.clause(WorkLog.path), WorkLog.log_date == today).group_by(WorkLog.path)).all():
        if (area := area_of(path)) is not None:
            area["logs"] += int(n)
    for area in areas.values():
        area["standardisation_rate"] = _ratio(area["standardised"], area["stations"])
    return list(areas.values())
