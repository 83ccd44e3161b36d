"""Work logs (工作日志) of seconded cadres as leaders read them: who filed on which working day
(the completeness matrix, with rates per cadre and per county) and the feed of logs with
their photos and leaders' comments.

Working days come from the official calendar (holidays and make-up working days); the state
of each day is `data.rules.work_logs.day_state`. A cadre is in the matrix when one of their
secondments in the scope overlaps the period. Movement is never tracked, so nothing here
reads a log's check-in point.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from data.filters import LogFilters, narrowed
from data.models import Attachment, Region, Secondment, Station, User, WorkLog, WorkLogComment
from data.queries import _json
from data.queries.revisions import history
from data.rules.calendar import WorkCalendar
from data.rules.work_logs import DayState, day_state, rate, working_days
from data.scope import Scope

MATRIX_MAX_DAYS = 66  # about three months of working days: a wider matrix is not readable
FEED_PAGE = 20


def _county_path(path: str) -> str:
    parts = path.split("/")
    return "/".join(parts[:2]) + "/" if len(parts) > 2 else path


def _names_by_path(session: Session, paths: set[str]) -> dict[str, str]:
    if not paths:
        return {}
    rows = session.exec(select(Region.path, Region.name).where(Region.path.in_(sorted(paths)),
                                                               Region.valid_to.is_(None)))
    return dict(rows.all())


def completeness(session: Session, scope: Scope, *, filters: LogFilters, today: date,
                 calendar: WorkCalendar) -> dict:
    """The matrix of cadres × working days in the period, and its rates.

    Returns {"days": [date…], "clipped": bool (only the last MATRIX_MAX_DAYS working days),
    "rows": [{"user_id", "name", "station", "township", "county", "states": [DayState…],
    "filed", "due", "rate"}] (lowest rate first), "counties": [{"path", "name", "cadres",
    "filed", "due", "rate"}], "filed", "due", "rate", "cadres"}. Rates are None when nothing
    was due yet."""
    first, last = filters.period(today)
    days = working_days(first, last, calendar)
    clipped = len(days) > MATRIX_MAX_DAYS
    days = days[-MATRIX_MAX_DAYS:]
    view = narrowed(session, scope, filters)
    township = aliased(Region)
    postings = (select(Secondment.user_id, Secondment.starts_on, Secondment.ends_on, Secondment.path,
                       User.display_name, Station.name.label("station"), township.name.label("township"))
                .join(User, User.id == Secondment.user_id).join(Station, Station.id == Secondment.station_id)
                .join(township, township.id == Station.township_id, isouter=True)
                .where(view.clause(Secondment.path), Secondment.starts_on <= last, Secondment.ends_on >= first)
                .order_by(Secondment.user_id, Secondment.starts_on))
    if filters.user_id:
        postings = postings.where(Secondment.user_id == filters.user_id)
    cadres: dict[int, dict] = {}
    for row in session.exec(postings):
        cadre = cadres.setdefault(row.user_id, {"user_id": row.user_id, "name": row.display_name, "spans": []})
        # the latest posting names the station
        cadre.update(station=row.station, township=row.township, path=row.path)
        cadre["spans"].append((row.starts_on, row.ends_on))
    filed: dict[int, set[date]] = defaultdict(set)
    if cadres and days:
        logs = (select(WorkLog.user_id, WorkLog.log_date).distinct()
                .where(WorkLog.user_id.in_(sorted(cadres)), view.clause(WorkLog.path),
                       WorkLog.log_date >= days[0], WorkLog.log_date <= days[-1]))
        for user_id, log_date in session.exec(logs):
            filed[user_id].add(log_date if isinstance(log_date, date) else date.fromisoformat(str(log_date)[:10]))
    county_names = _names_by_path(session, {_county_path(c["path"]) for c in cadres.values()})
    rows, counties = [], defaultdict(lambda: {"cadres": 0, "filed": 0, "due": 0})
    for cadre in cadres.values():
        states = [day_state(day, today=today, filed=day in filed[cadre["user_id"]],
                            posted=any(a <= day <= b for a, b in cadre["spans"])) for day in days]
        n_filed, n_due = rate(states)
        county = _county_path(cadre["path"])
        rows.append({"user_id": cadre["user_id"], "name": cadre["name"], "station": cadre["station"],
                     "township": cadre["township"], "county": county_names.get(county, ""), "path": cadre["path"],
                     "states": states, "filed": n_filed, "due": n_due,
                     "rate": n_filed / n_due if n_due else None})
        total = counties[county]
        total["cadres"] += 1
        total["filed"] += n_filed
        total["due"] += n_due
    rows.sort(key=lambda r: (r["rate"] if r["rate"] is not None else 2.0, r["path"], r["name"]))
    county_rows = sorted(({"path": path, "name": county_names.get(path, path), **t,
                           "rate": t["filed"] / t["due"] if t["due"] else None} for path, t in counties.items()),
                         key=lambda c: c["path"])
    all_filed, all_due = sum(r["filed"] for r in rows), sum(r["due"] for r in rows)
    return {"days": days, "clipped": clipped, "rows": rows, "counties": county_rows, "filed": all_filed,
            "due": all_due, "rate": all_filed / all_due if all_due else None, "cadres": len(rows),
            "missing_today": sum(1 for r in rows if days and days[-1] == today and r["states"][-1] == DayState.pending)}


def filing(session: Session, scope: Scope, *, first: date, last: date, today: date,
           calendar: WorkCalendar) -> dict:
    """Work-log filing in a period, by the one rule (data.rules.work_logs.rate): {"filed", "due",
    "rate"} — the cadre-days with a log over the posted working days that are over or filed, so
    today's log counts once filed and not before. The overview's tile and /logs' tiles read it."""
    matrix = completeness(session, scope, filters=LogFilters(date_from=first, date_to=last), today=today,
                          calendar=calendar)
    return {"filed": matrix["filed"], "due": matrix["due"], "rate": matrix["rate"]}


def filing_by_area(session: Session, scope: Scope, *, first: date, last: date, today: date, calendar: WorkCalendar,
                   codes: set[str]) -> dict[str, dict]:
    """filing's figures for each area whose code is in `codes` (counties, townships…): {code:
    {"filed", "due"}}, each cadre counted in the area their posting's path runs through. The
    wall's map and the weekly brief's table read it, so an area's figure is the one /logs gives."""
    matrix = completeness(session, scope, filters=LogFilters(date_from=first, date_to=last), today=today,
                          calendar=calendar)
    out = {code: {"filed": 0, "due": 0} for code in codes}
    for row in matrix["rows"]:
        code = next((segment for segment in row["path"].split("/") if segment in codes), None)
        if code is not None:
            out[code]["filed"] += row["filed"]
            out[code]["due"] += row["due"]
    return out


def _feed_conditions(session: Session, scope: Scope, filters: LogFilters, today: date) -> list:
    first, last = filters.period(today)
    conds = [narrowed(session, scope, filters).clause(WorkLog.path), WorkLog.log_date >= first,
             WorkLog.log_date <= last]
    if filters.user_id:
        conds.append(WorkLog.user_id == filters.user_id)
    if filters.work_type:
        conds.append(_json.contains_string(session, WorkLog.work_types, filters.work_type, "work_type"))
    if filters.text:
        conds.append(sa.or_(WorkLog.done.icontains(filters.text, autoescape=True),
                            WorkLog.solved.icontains(filters.text, autoescape=True)))
    return conds


def list_logs(session: Session, scope: Scope, *, filters: LogFilters, today: date, offset: int = 0,
              limit: int = FEED_PAGE) -> tuple[list[dict], int]:
    """One page of the feed, newest first, and how many logs match in all. Each log comes
    with its photos (attachment UUIDs) and its comments (oldest first, with their authors)."""
    conds = _feed_conditions(session, scope, filters, today)
    total = session.exec(select(sa.func.count()).select_from(WorkLog).where(*conds)).one()
    township = aliased(Region)
    query = (select(WorkLog.id, WorkLog.uuid, WorkLog.user_id, WorkLog.log_date, WorkLog.work_types, WorkLog.done,
                    WorkLog.solved, WorkLog.people_served, WorkLog.created_at, WorkLog.path,
                    WorkLog.review_status, WorkLog.review_note, WorkLog.revision,
                    User.display_name.label("cadre"), Station.name.label("station"), township.name.label("township"))
             .join(User, User.id == WorkLog.user_id)
             .join(Station, Station.id == WorkLog.station_id, isouter=True)
             .join(township, township.id == Station.township_id, isouter=True)
             .where(*conds).order_by(WorkLog.log_date.desc(), WorkLog.created_at.desc(), WorkLog.id.desc())
             .offset(max(0, offset)).limit(max(1, min(limit, 100))))
    rows = [dict(row._mapping) for row in session.exec(query)]
    photos: dict[Any, list[str]] = defaultdict(list)
    comments: dict[int, list[dict]] = {}
    edits: dict[int, list[dict]] = {}
    if rows:
        for owner, photo in session.exec(
                select(Attachment.owner_uuid, Attachment.uuid)
                .where(Attachment.owner_uuid.in_([r["uuid"] for r in rows]), Attachment.owner_kind == "work_log")
                .order_by(Attachment.created_at, Attachment.id)):
            photos[owner].append(str(photo))
        comments = _comments(session, [r["id"] for r in rows])
        edits = history(session, "work_log", [r["id"] for r in rows if (r.get("revision") or 1) > 1])
    for row in rows:
        row["photos"] = photos.get(row["uuid"], [])
        row["comments"] = comments.get(row["id"], [])
        row["history"] = edits.get(row["id"], [])
    return rows, int(total)


def _comments(session: Session, log_ids: list[int]) -> dict[int, list[dict]]:
    comments: dict[int, list[dict]] = defaultdict(list)
    for row in session.exec(
            select(WorkLogComment.id, WorkLogComment.work_log_id, WorkLogComment.text, WorkLogComment.created_at,
                   WorkLogComment.read_at, WorkLogComment.author_id, User.display_name.label("author"))
            .join(User, User.id == WorkLogComment.author_id)
            .where(WorkLogComment.work_log_id.in_(log_ids))
            .order_by(WorkLogComment.created_at, WorkLogComment.id)):
        comments[row.work_log_id].append(dict(row._mapping))
    return comments


def log_comments(session: Session, scope: Scope, *, work_log_id: int) -> dict | None:
    """A log's cadre and its comments ({"user_id", "comments"}); None when unknown or outside
    the scope."""
    log = session.get(WorkLog, work_log_id)
    if log is None or not scope.covers(log.path):
        return None
    return {"user_id": log.user_id, "comments": _comments(session, [log.id]).get(log.id, [])}


def cadre_options(session: Session, scope: Scope) -> list[dict]:
    """Seconded cadres in the scope for a picker: [{"user_id", "name", "township"}]."""
    township = aliased(Region)
    rows = session.exec(select(Secondment.user_id, User.display_name, township.name)
                        .join(User, User.id == Secondment.user_id).join(Station, Station.id == Secondment.station_id)
                        .join(township, township.id == Station.township_id, isouter=True)
                        .where(scope.clause(Secondment.path)).order_by(Secondment.path, User.display_name)).all()
    seen, options = set(), []
    for user_id, name, town in rows:
        if user_id not in seen:
            seen.add(user_id)
            options.append({"user_id": user_id, "name": name, "township": town})
    return options


def unread_comments(session: Session, *, user_id: int) -> list[int]:
    """Ids of the comments on this cadre's logs they have not read yet."""
    return list(session.exec(select(WorkLogComment.id).join(WorkLog, WorkLog.id == WorkLogComment.work_log_id)
                             .where(WorkLog.user_id == user_id, WorkLogComment.read_at.is_(None))
                             .order_by(WorkLogComment.id)).all())
