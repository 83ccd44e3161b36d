"""好差评 as leaders read it: the satisfaction rate (好评 of all ratings; 好评 is 基本满意 and above,
差评 不满意 and 非常不满意 — the national rule), per station, per area, by month, and the 差评 with
their follow-ups. Ratings are public service feedback, not covert work: the region scope is all
that limits them. Counted by the rating's Beijing date (rated_on)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from data.models import Rectification, Region, ServiceRating, Station
from data.rules.calendar import same_day_last_year
from data.scope import Scope


def rate(total: int, negative: int) -> float | None:
    return (total - negative) / total if total else None


def _between(start: date | None, end: date | None) -> list:
    conds = []
    if start:
        conds.append(ServiceRating.rated_on >= start)
    if end:
        conds.append(ServiceRating.rated_on <= end)
    return conds


def _counts() -> tuple:
    return (sa.func.count(ServiceRating.id), sa.func.count(ServiceRating.id).filter(ServiceRating.negative.is_(True)))


def summary(session: Session, *, scope: Scope, start: date | None, end: date | None,
            station_ids: sa.Select | None = None) -> dict:
    """{ratings, negative, rate, ratings_last_year, negative_last_year, rate_last_year} in the
    days (and the same days a year earlier), of the stations `station_ids` selects when given."""
    allowed = None if station_ids is None else set(session.exec(station_ids).all())

    def count(first, last):
        # per station from the covering index (rated_on, path, station_id, negative: migration 0014),
        # the stations asked for kept here — not a lookup of each of a year's 200,000 ratings
        rows = session.exec(select(ServiceRating.station_id, *_counts())
                            .where(scope.clause(ServiceRating.path), *_between(first, last))
                            .group_by(ServiceRating.station_id)).all()
        kept = [(n, bad) for sid, n, bad in rows if allowed is None or sid in allowed]
        return sum(int(n) for n, _bad in kept), sum(int(bad) for _n, bad in kept)
    total, negative = count(start, end)
    before = (same_day_last_year(start) if start else None, same_day_last_year(end) if end else None)
    total_ly, negative_ly = count(*before) if start and end else (0, 0)
    return {"ratings": total, "negative": negative, "rate": rate(total, negative), "ratings_last_year": total_ly,
            "negative_last_year": negative_ly, "rate_last_year": rate(total_ly, negative_ly)}


def by_station(session: Session, *, scope: Scope, start: date | None, end: date | None) -> dict[int, tuple[int, int]]:
    """{station id: (ratings, 差评)} in the days."""
    rows = session.exec(select(ServiceRating.station_id, *_counts())
                        .where(scope.clause(ServiceRating.path), *_between(start, end))
                        .group_by(ServiceRating.station_id)).all()
    return {sid: (int(total), int(negative)) for sid, total, negative in rows}


def by_township(session: Session, *, scope: Scope, start: date | None, end: date | None) -> dict[str, tuple[int, int]]:
    """{township area code: (ratings, 差评)} in the days."""
    rows = session.exec(select(Region.area_code, *_counts())
                        .join(Station, Station.id == ServiceRating.station_id)
                        .join(Region, Region.id == Station.township_id)
                        .where(scope.clause(ServiceRating.path), *_between(start, end))
                        .group_by(Region.area_code)).all()
    return {code: (int(total), int(negative)) for code, total, negative in rows}


def monthly(session: Session, *, scope: Scope, today: date, months: int = 12) -> list[dict]:
    """The last `months` months to today's: [{year, month, ratings, negative, rate, partial}] —
    partial: the month under way, counted to today."""
    first_year, first_month = divmod(today.year * 12 + today.month - 1 - (months - 1), 12)
    start = date(first_year, first_month + 1, 1)
    year, month = sa.extract("year", ServiceRating.rated_on), sa.extract("month", ServiceRating.rated_on)
    rows = session.exec(select(year, month, *_counts())
                        .where(scope.clause(ServiceRating.path), *_between(start, today))
                        .group_by(year, month)).all()
    found = {(int(y), int(m)): (int(t), int(n)) for y, m, t, n in rows}
    out = []
    for k in range(months):
        y, m = divmod(start.year * 12 + start.month - 1 + k, 12)
        total, negative = found.get((y, m + 1), (0, 0))
        out.append({"year": y, "month": m + 1, "ratings": total, "negative": negative, "rate": rate(total, negative),
                    "partial": (y, m + 1) == (today.year, today.month)})
    return out


def negatives(session: Session, *, scope: Scope, station_id: int | None = None, limit: int = 20) -> list[dict]:
    """The latest 差评 with their follow-up: [{rated_on, station, window, item, score, comment,
    rectification_id, status, due_on}]."""
    stmt = (select(ServiceRating.rated_on, Station.name, ServiceRating.window, ServiceRating.item,
                   ServiceRating.score, ServiceRating.comment, ServiceRating.rectification_id, Rectification.status,
                   Rectification.due_on)
            .join(Station, Station.id == ServiceRating.station_id)
            .outerjoin(Rectification, Rectification.id == ServiceRating.rectification_id)
            .where(scope.clause(ServiceRating.path), ServiceRating.negative.is_(True))
            .order_by(ServiceRating.rated_on.desc(), ServiceRating.id.desc()).limit(limit))
    if station_id is not None:
        stmt = stmt.where(ServiceRating.station_id == station_id)
    keys = ("rated_on", "station", "window", "item", "score", "comment", "rectification_id", "status", "due_on")
    return [dict(zip(keys, row, strict=True)) for row in session.exec(stmt).all()]
