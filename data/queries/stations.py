"""Every read about township stations and their standardisation (六个规范): the /stations page's
figures, league table, radar and trend, a station's profile, and the station map.

All take the user's own `scope` and `role`: inspections (and the rectifications they produced)
pass `published_clause` with them, so a covert check stays with inspectors and city-wide
leaders until it is published; the filter's region only narrows what is counted.

"Latest grade" is a station's latest visible station check (kind station_check, submitted or
published, with a score) inspected within the filters' period; a station with none there is
"not checked" and not standardised. Open rectifications are those not closed; overdue ones
are still open (no report filed) after their deadline — both as of today, whatever the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from data.checklists import STANDARDISATION_CATEGORIES
from data.filters import StationFilters, narrowed
from data.models import (
    Grade,
    Inspection,
    InspectionKind,
    InspectionStatus,
    Rectification,
    RectificationStatus,
    Region,
    Role,
    Secondment,
    Station,
    StationKind,
    StationStaff,
    User,
    WorkLog,
)
from data.queries import ratings
from data.queries.inspections import latest_per_station, published_clause, stations_with_latest
from data.queries.rectifications import overdue_clause as rectification_overdue
from data.queries.regions import county_path_length, spans_cities
from data.queries.settings import data_generation, work_types
from data.rules.calendar import same_day_last_year
from data.rules.masking import mask_phone
from data.rules.standardisation import STANDARDISED_GRADES, TARGET_RATE, standardisation_rate
from data.scope import OutOfScope, Scope, city_wide

KINDS = tuple(k.value for k in StationKind)
CATEGORIES = tuple(STANDARDISATION_CATEGORIES)
SERVICE_POINT_KINDS = (StationKind.village_point.value, StationKind.community_point.value)
MAX_TREND_MONTHS = 36
POINTS_LIMIT = 3000


# --- shared SQL pieces ------------------------------------------------------------------------


narrowed_scope = narrowed  # the user's scope narrowed to the filters' region (OutOfScope when not theirs)


def _check_conditions(scope: Scope, view: Scope, role: Role | str, filters: StationFilters) -> list:
    """Station checks that count for a grade and that this user may see, in the period:
    submitted or published (not drafts), in the view, and published unless the user's own
    scope and role may see unpublished work."""
    conds = [Inspection.kind == InspectionKind.station_check.value,
             Inspection.status != InspectionStatus.draft.value, view.clause(Inspection.path),
             published_clause(Inspection, role, scope)]
    if filters.date_from:
        conds.append(Inspection.inspected_on >= filters.date_from)
    if filters.date_to:
        conds.append(Inspection.inspected_on <= filters.date_to)
    return conds


def _latest_checks(scope: Scope, view: Scope, role: Role | str, filters: StationFilters, *extra):
    """The counting checks of the period with a score, ranked per station (latest_per_station)."""
    return latest_per_station(*_check_conditions(scope, view, role, filters), Inspection.score.is_not(None), *extra)


def _station_conditions(view: Scope, filters: StationFilters) -> list:
    return [Station.active.is_(True), Station.kind == filters.kind, view.clause(Station.path)]


def _grade_counts(scope: Scope, view: Scope, role: Role | str, filters: StationFilters, *keys):
    """A statement: per `keys` (in all without), the view's stations, those checked in the
    period, and those standardised and model by their latest check."""
    latest = _latest_checks(scope, view, role, filters)
    grade = Inspection.grade
    stmt = (select(*keys, sa.func.count(), sa.func.count(latest.c.inspection_id),
                   sa.func.count().filter(grade.in_([g.value for g in STANDARDISED_GRADES])),
                   sa.func.count().filter(grade == Grade.model.value))
            .select_from(stations_with_latest(latest)).where(*_station_conditions(view, filters)))
    return stmt.group_by(*keys) if keys else stmt


OPEN_RECTIFICATION = tuple(s.value for s in RectificationStatus if s is not RectificationStatus.closed)


def _rectifications(scope: Scope, role: Role | str, view: Scope, filters: StationFilters, today: date, *,
                    per_station: bool):
    """A statement over the open rectifications of the view's stations that this user may
    see: open and overdue counts, per station or in all.

    Rectifications from an inspection follow that inspection's visibility; others (from
    walkthroughs or leaders) only the region's. "+ 0" keeps SQLite off the station_id index
    (it would read every rectification ever made, station by station): the status index
    finds the few open ones. PostgreSQL plans well either way; the number is the same."""
    station = Rectification.station_id + 0
    stations = select(Station.id).where(*_station_conditions(view, filters))
    stmt = (select(*((station,) if per_station else ()), sa.func.count(),
                   sa.func.count().filter(rectification_overdue(today)))
            .where(Rectification.status.in_(OPEN_RECTIFICATION), view.clause(Rectification.path),
                   station.in_(stations)))
    visible = published_clause(Inspection, role, scope)
    if not isinstance(visible, sa.sql.elements.True_):
        stmt = stmt.outerjoin(Inspection, Inspection.id == Rectification.inspection_id).where(
            sa.or_(Rectification.inspection_id.is_(None), visible))
    return stmt.group_by(station) if per_station else stmt


def _dicts(rows) -> list[dict]:
    """Result rows as dicts, their field names read once (per row it costs as much as the rest)."""
    if not rows:
        return []
    fields = rows[0]._fields
    return [dict(zip(fields, row, strict=True)) for row in rows]


# --- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StationKpis:
    stations: int
    checked: int
    standardised: int
    model: int
    open_rectifications: int
    overdue_rectifications: int
    target: float = TARGET_RATE

    @property
    def rate(self) -> float | None:
        return standardisation_rate(self.standardised, self.stations)


def station_kpis(session: Session, *, scope: Scope, role: Role | str, filters: StationFilters,
                 today: date) -> StationKpis:
    """Stations of the kind in the region, how many were checked in the period, standardised
    and model by their latest check, and their open and overdue rectifications (today).
    Raises OutOfScope for a region that is not the user's."""
    view = narrowed_scope(session, scope, filters)
    row = session.exec(_grade_counts(scope, view, role, filters)).one()
    rectifications = session.exec(_rectifications(scope, role, view, filters, today, per_station=False)).one()
    return StationKpis(*(int(v or 0) for v in (*row, *rectifications)))


def satisfaction(session: Session, *, scope: Scope, role: Role | str, filters: StationFilters,
                 today: date) -> dict:
    """好差评 of the region's stations of the kind in the period, against the same days a year
    earlier (data.queries.ratings.summary)."""
    view = narrowed_scope(session, scope, filters)
    stations = select(Station.id).where(*_station_conditions(view, filters))
    return ratings.summary(session, scope=view, start=filters.date_from, end=filters.date_to or today,
                           station_ids=stations)


def satisfaction_months(session: Session, *, scope: Scope, role: Role | str, filters: StationFilters,
                        today: date) -> dict:
    """The region's 好差评 month by month to the period's end (twelve months) and its latest 差评."""
    view = narrowed_scope(session, scope, filters)
    return {"months": ratings.monthly(session, scope=view, today=min(filters.date_to or today, today)),
            "negatives": ratings.negatives(session, scope=view, limit=8)}


def rate_by_area(session: Session, *, scope: Scope, role: Role | str, filters: StationFilters,
                 today: date) -> dict:
    """The standardisation rate per county, per township when the view is one county or less,
    per city over several cities (a province): {"level": "county" | "township" | "city", "target":
    1.0, "rows": [{code, name, stations, checked, standardised, model, rate}]} in code order. One
    grouped query."""
    view = narrowed_scope(session, scope, filters)
    by_township = not any(city_wide(p) for p in view.paths) if view.paths else False
    # the county (or, over several cities, the city) of a row: the first characters of its path
    by_city = not by_township and spans_cities(session, scope=view)
    length = county_path_length(session) - (13 if by_city else 0)
    key = Station.township_id if by_township else sa.func.substr(Station.path, 1, length)
    rows = session.exec(_grade_counts(scope, view, role, filters, key)).all()
    if by_township:
        names = dict((i, (c, n)) for i, c, n in session.exec(
            select(Region.id, Region.area_code, Region.name).where(Region.id.in_([r[0] for r in rows])))
        ) if rows else {}
    else:
        names = dict((p, (c, n)) for p, c, n in session.exec(
            select(Region.path, Region.area_code, Region.name)
            .where(Region.path.in_([r[0] for r in rows]), Region.valid_to.is_(None)))) if rows else {}
    out = []
    for key_value, stations, checked, standardised, model in rows:
        code, name = names.get(key_value, (str(key_value), str(key_value)))
        out.append({"code": code, "name": name, "stations": int(stations), "checked": int(checked),
                    "standardised": int(standardised), "model": int(model),
                    "rate": standardisation_rate(int(standardised), int(stations))})
    return {"level": "township" if by_township else "city" if by_city else "county", "target": TARGET_RATE,
            "rows": sorted(out, key=lambda r: r["code"])}


def category_averages(session: Session, *, scope: Scope, role: Role | str, filters: StationFilters,
                      station_id: int | None = None) -> dict:
    """The six categories' average scores (0–100) over the latest checks of the region's
    stations, and of one station's latest check when `station_id` is given:
    {"region": {category: avg | None}, "checked": n, "station": {…} | None, "station_name"}.
    Raises OutOfScope for a region or station the user may not see."""
    view = narrowed_scope(session, scope, filters)
    latest = _latest_checks(scope, view, role, filters)
    scores = Inspection.category_scores

    def averages(*where) -> tuple[dict, int]:
        row = session.exec(
            select(sa.func.count(Inspection.id), *(sa.func.avg(scores[c].as_float()) for c in CATEGORIES))
            .select_from(stations_with_latest(latest, outer=False))
            .where(*_station_conditions(view, filters), *where)
        ).one()
        return {c: (round(float(v), 1) if v is not None else None)
                for c, v in zip(CATEGORIES, row[1:], strict=True)}, int(row[0])

    region, checked = averages()
    station, name = None, None
    if station_id is not None:
        chosen = _visible_station(session, scope, station_id)
        period = StationFilters(date_from=filters.date_from, date_to=filters.date_to)
        latest_of_one = _latest_checks(scope, Scope((chosen.path,)), role, period, Inspection.station_id == chosen.id)
        values = session.exec(select(Inspection.category_scores)
                              .select_from(stations_with_latest(latest_of_one, outer=False))
                              .where(Station.id == chosen.id)).first() or {}
        station = {c: (float(values[c]) if values.get(c) is not None else None) for c in CATEGORIES}
        name = chosen.name
    return {"region": region, "checked": checked, "station": station, "station_name": name}


def league_table(session: Session, *, scope: Scope, role: Role | str, filters: StationFilters,
                 today: date) -> list[dict]:
    """The region's stations ranked by latest score (never checked last): [{rank, id, name,
    county, township, score, grade, checked_on, open, overdue, ratings, negative, satisfaction
    (% of the period's 好差评, None without ratings)}]. Stations with the same score
    share a rank. Two queries: the stations with their latest checks, and the open
    rectifications grouped by station."""
    view = narrowed_scope(session, scope, filters)
    latest = _latest_checks(scope, view, role, filters)
    township, county = aliased(Region), aliased(Region)
    rows = session.exec(
        select(Station.id.label("id"), Station.name.label("name"), county.name.label("county"),
               township.name.label("township"), Inspection.score.label("score"), Inspection.grade.label("grade"),
               Inspection.inspected_on.label("checked_on"))
        .select_from(stations_with_latest(latest))
        .outerjoin(township, township.id == Station.township_id)
        .outerjoin(county, county.id == township.parent_id)
        .where(*_station_conditions(view, filters))
        .order_by(Inspection.score.desc().nulls_last(), Station.path, Station.id)
    ).all()
    counts = {station: (int(n), int(late)) for station, n, late in session.exec(
        _rectifications(scope, role, view, filters, today, per_station=True)).all()}
    rated = ratings.by_station(session, scope=view, start=filters.date_from, end=filters.date_to or today)
    out, rank, previous = [], 0, object()
    for n, item in enumerate(_dicts(rows), start=1):
        item["open"], item["overdue"] = counts.get(item["id"], (0, 0))
        total, negative = rated.get(item["id"], (0, 0))
        item["ratings"], item["negative"] = total, negative
        satisfied = ratings.rate(total, negative)
        item["satisfaction"] = None if satisfied is None else round(satisfied * 100, 1)
        if item["score"] != previous:
            rank, previous = n, item["score"]
        item["rank"] = rank if item["score"] is not None else None
        item["checked_on"] = _iso(item["checked_on"])
        item["grade"] = str(item["grade"]) if item["grade"] else None
        out.append(item)
    return out


def _iso(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def _month_add(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + n
    return index // 12, index % 12 + 1


def score_trend(session: Session, *, scope: Scope, role: Role | str, filters: StationFilters,
                today: date) -> list[dict]:
    """Per month of the period (at most 36, oldest first): the checks of the region's stations
    and their average score, with the same month a year earlier:
    [{year, month, checks, average, checks_last_year, average_last_year}]. One grouped query."""
    view = narrowed_scope(session, scope, filters)
    end = min(filters.date_to or today, today)
    start = filters.date_from or date(end.year, 1, 1)
    if start > end:
        start = end
    first = (start.year, start.month)
    if (end.year - first[0]) * 12 + end.month - first[1] >= MAX_TREND_MONTHS:
        first = _month_add(end.year, end.month, -(MAX_TREND_MONTHS - 1))
    since = date(first[0] - 1, first[1], 1)
    year, month = sa.extract("year", Inspection.inspected_on), sa.extract("month", Inspection.inspected_on)
    stations = select(Station.id).where(*_station_conditions(view, filters))
    unbounded = StationFilters(kind=filters.kind)
    rows = session.exec(
        select(year, month, sa.func.count(), sa.func.avg(Inspection.score))
        .where(*_check_conditions(scope, view, role, unbounded), Inspection.score.is_not(None),
               Inspection.inspected_on >= since, Inspection.inspected_on <= end,
               Inspection.station_id.in_(stations))
        .group_by(year, month)
    ).all()
    by_month = {(int(y), int(m)): (int(n), float(a) if a is not None else None) for y, m, n, a in rows}
    out, ym = [], first
    while ym <= (end.year, end.month):
        now = by_month.get(ym, (0, None))
        before = by_month.get((ym[0] - 1, ym[1]), (0, None))
        out.append({"year": ym[0], "month": ym[1], "checks": now[0], "average": _round(now[1]),
                    "checks_last_year": before[0], "average_last_year": _round(before[1])})
        ym = _month_add(ym[0], ym[1], 1)
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# --- one station ------------------------------------------------------------------------------


def _visible_station(session: Session, scope: Scope, station_id: int) -> Station:
    station = session.get(Station, station_id)
    if station is None or not scope.covers(station.path):
        raise OutOfScope(str(station_id))  # unknown or not theirs: the same answer
    return station


def get_station_profile(session: Session, *, scope: Scope, role: Role | str, station_id: int, today: date,
                        history: int = 20, logs: int = 10) -> dict:
    """A station's facts, staff (phones masked), equipment, the seconded cadre in post today,
    its check history (newest first, at most `history`), open rectifications (earliest
    deadline first) and recent work logs (at most `logs`).

    Raises OutOfScope when the station is unknown or outside the scope."""
    station = _visible_station(session, scope, station_id)
    township, county, village = aliased(Region), aliased(Region), aliased(Region)
    place = session.exec(
        select(county.name, township.name, village.name)
        .select_from(township).outerjoin(county, county.id == township.parent_id)
        .outerjoin(village, sa.and_(village.id == station.region_id, village.id != township.id))
        .where(township.id == station.township_id)).first() or (None, None, None)
    visible = published_clause(Inspection, role, scope)
    checks = _dicts(session.exec(
        select(Inspection.id.label("id"), Inspection.kind.label("kind"), Inspection.mode.label("mode"),
               Inspection.status.label("status"), Inspection.inspected_on.label("inspected_on"),
               Inspection.score.label("score"), Inspection.grade.label("grade"), Inspection.vetoed.label("vetoed"),
               Inspection.published_at.is_not(None).label("published"))
        .where(Inspection.station_id == station.id, Inspection.status != InspectionStatus.draft.value, visible)
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc()).limit(history)).all())
    for check in checks:
        check["inspected_on"] = _iso(check["inspected_on"])
        check["grade"] = str(check["grade"]) if check["grade"] else None
        check["published"] = bool(check["published"])
    latest = next((c for c in checks if c["kind"] == InspectionKind.station_check.value and c["score"] is not None),
                  None)
    staff = [{"name": name, "post": post, "phone": mask_phone(phone), "backup": bool(backup)}
             for name, post, phone, backup in session.exec(
                 select(StationStaff.name, StationStaff.post, StationStaff.phone, StationStaff.is_backup_post)
                 .where(StationStaff.station_id == station.id, StationStaff.active.is_(True))
                 .order_by(StationStaff.id)).all()]
    cadres = [{"name": name, "title": title, "home_unit": unit, "phone": mask_phone(phone),
               "starts_on": _iso(starts), "ends_on": _iso(ends)}
              for name, title, unit, phone, starts, ends in session.exec(
                  select(User.display_name, Secondment.title, Secondment.home_unit, User.phone, Secondment.starts_on,
                         Secondment.ends_on)
                  .join(User, User.id == Secondment.user_id)
                  .where(Secondment.station_id == station.id, Secondment.starts_on <= today,
                         Secondment.ends_on >= today)
                  .order_by(Secondment.starts_on)).all()]
    rect_stmt = (select(Rectification.id.label("id"), Rectification.title.label("title"),
                        Rectification.status.label("status"), Rectification.due_on.label("due_on"),
                        Rectification.source.label("source"), Rectification.responsible_person.label("responsible"))
                 .where(Rectification.station_id == station.id, Rectification.status.in_(OPEN_RECTIFICATION))
                 .order_by(Rectification.due_on, Rectification.id))
    if not isinstance(visible, sa.sql.elements.True_):
        rect_stmt = rect_stmt.outerjoin(Inspection, Inspection.id == Rectification.inspection_id).where(
            sa.or_(Rectification.inspection_id.is_(None), visible))
    rectifications = _dicts(session.exec(rect_stmt).all())
    for item in rectifications:
        due = item["due_on"]
        item["overdue"] = item["status"] == RectificationStatus.open.value and due < today
        item["due_on"] = _iso(due)
    names = {t["code"]: (t["name"], t["name_en"] or t["name"]) for t in work_types(session)}
    recent = [{"log_date": _iso(day), "author": author, "work_types": [names.get(t, (t, t)) for t in types or []],
               "done": done, "solved": solved, "people_served": served}
              for day, author, types, done, solved, served in session.exec(
                  select(WorkLog.log_date, User.display_name, WorkLog.work_types, WorkLog.done, WorkLog.solved,
                         WorkLog.people_served)
                  .join(User, User.id == WorkLog.user_id)
                  .where(WorkLog.station_id == station.id)
                  .order_by(WorkLog.log_date.desc(), WorkLog.id.desc()).limit(logs)).all()]
    return {
        "facts": {"id": station.id, "name": station.name, "kind": str(station.kind), "address": station.address,
                  "county": place[0], "township": place[1], "village": place[2], "floor_area_m2": station.floor_area_m2,
                  "windows": station.windows, "opened_on": _iso(station.opened_on), "lon": station.lon,
                  "lat": station.lat, "path": station.path},
        "latest": latest, "equipment": dict(station.equipment or {}), "staff": staff, "cadres": cadres,
        "checks": checks, "rectifications": rectifications, "logs": recent,
        "ratings": _station_ratings(session, station, today),
    }


def _station_ratings(session: Session, station: Station, today: date) -> dict:
    """The station's 好差评 over the last twelve months and its latest 差评 with their follow-ups."""
    only = Scope((station.path,))
    start = same_day_last_year(today) + timedelta(days=1)
    return {**ratings.summary(session, scope=only, start=start, end=today,
                              station_ids=select(Station.id).where(Station.id == station.id)),
            "start": start, "negatives": ratings.negatives(session, scope=only, station_id=station.id, limit=5)}


# --- the map ----------------------------------------------------------------------------------


def map_stations(session: Session, *, scope: Scope, role: Role | str, filters: StationFilters) -> list[dict]:
    """The region's township stations with a location and their latest grade, for the map:
    [{id, name, lon, lat, township, score, grade, checked_on}] (grade None: not checked)."""
    view = narrowed_scope(session, scope, filters)
    station_filters = StationFilters(region_code=filters.region_code, kind=StationKind.township_station.value,
                                     date_from=filters.date_from, date_to=filters.date_to)
    latest = _latest_checks(scope, view, role, station_filters)
    township = aliased(Region)
    rows = session.exec(
        select(Station.id.label("id"), Station.name.label("name"), Station.lon.label("lon"), Station.lat.label("lat"),
               township.name.label("township"), Inspection.score.label("score"), Inspection.grade.label("grade"),
               Inspection.inspected_on.label("checked_on"))
        .select_from(stations_with_latest(latest))
        .outerjoin(township, township.id == Station.township_id)
        .where(*_station_conditions(view, station_filters), Station.lon.is_not(None), Station.lat.is_not(None))
        .order_by(Station.id)
    ).all()
    out = _dicts(rows)
    for item in out:
        item["grade"] = str(item["grade"]) if item["grade"] else None
        item["checked_on"] = _iso(item["checked_on"])
    return out


def service_points(session: Session, *, scope: Scope, role: Role | str, filters: StationFilters,
                   bbox: tuple[float, float, float, float], limit: int = POINTS_LIMIT) -> tuple[list[dict], bool]:
    """Village and community service points of the region inside `bbox` (west, south, east,
    north), with their latest grade if ever checked in the period: ([{id, name, kind, lon,
    lat, grade}], truncated). At most `limit`, nearest the box's centre first."""
    west, south, east, north = bbox
    view = narrowed_scope(session, scope, filters)
    inside = [Station.active.is_(True), Station.kind.in_(SERVICE_POINT_KINDS), view.clause(Station.path),
              Station.lon.between(west, east), Station.lat.between(south, north)]
    point_filters = StationFilters(date_from=filters.date_from, date_to=filters.date_to)
    latest = _latest_checks(scope, view, role, point_filters,
                            Inspection.station_id.in_(select(Station.id).where(*inside)))
    centre_lon, centre_lat = (west + east) / 2, (south + north) / 2
    distance = sa.func.abs(Station.lon - centre_lon) + sa.func.abs(Station.lat - centre_lat)
    rows = session.exec(
        select(Station.id, Station.name, Station.kind, Station.lon, Station.lat, Inspection.grade)
        .select_from(stations_with_latest(latest))
        .where(*inside).order_by(distance, Station.id).limit(limit + 1)
    ).all()
    points = [{"id": i, "name": name, "kind": str(kind), "lon": lon, "lat": lat, "grade": str(g) if g else None}
              for i, name, kind, lon, lat, g in rows[:limit]]
    return points, len(rows) > limit


def data_version(session: Session) -> tuple:
    """A cheap fingerprint of what the station maps show, for their cache: stations (count,
    last id) and inspections (last id, count per status). An inspection is written once and
    then only moves from submitted to published, so these move whenever a grade can; each is
    read from an index, not from the table."""
    stations = session.exec(select(sa.func.count(), sa.func.max(Station.id))).one()
    statuses = session.exec(select(Inspection.status, sa.func.count()).group_by(Inspection.status)
                            .order_by(Inspection.status)).all()
    last = session.exec(select(sa.func.max(Inspection.id))).one()
    return tuple(stations), last, tuple((str(s), int(n)) for s, n in statuses), data_generation(session)


__all__ = ["CATEGORIES", "KINDS", "OutOfScope", "StationFilters", "StationKpis", "category_averages", "data_version",
           "get_station_profile", "league_table", "map_stations", "narrowed_scope", "rate_by_area", "score_trend",
           "service_points", "station_kpis"]
