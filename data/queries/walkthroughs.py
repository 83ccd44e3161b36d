"""Walkthroughs (走流程) as leaders read them: the three lists, the funnel from issues found to
fixes done, walks and findings by service item and channel, and time and trips per service.

Every function takes the user's own scope and `WalkFilters`; a county or township in the
filters narrows the scope (OutOfScope when it is not the user's). Walks are selected by
their date, service item and channel; findings by their walk's and, where it makes sense,
by list and status. The funnel ignores the list and status filters: it is the four lists'
counts side by side.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from data.filters import WalkFilters, narrowed
from data.models import (
    Attachment,
    FindingList,
    FindingStatus,
    Rectification,
    Region,
    ServiceItem,
    Station,
    User,
    Walkthrough,
    WalkthroughFinding,
)
from data.queries import _json
from data.queries.revisions import history
from data.scope import Scope

LIST_LIMIT = 2000


def _walk_conditions(session: Session, scope: Scope, filters: WalkFilters) -> list[sa.ColumnElement[bool]]:
    conds = [narrowed(session, scope, filters).clause(Walkthrough.path)]
    if filters.date_from:
        conds.append(Walkthrough.walked_on >= filters.date_from)
    if filters.date_to:
        conds.append(Walkthrough.walked_on <= filters.date_to)
    if filters.service_item:
        conds.append(Walkthrough.service_item_code == filters.service_item)
    if filters.channel:
        conds.append(Walkthrough.channel == filters.channel)
    return conds


def _finding_conditions(session: Session, scope: Scope, filters: WalkFilters, *,
                        lists: bool = True) -> list[sa.ColumnElement[bool]]:
    conds = [narrowed(session, scope, filters).clause(WalkthroughFinding.path)]
    if lists and filters.list_kind:
        conds.append(WalkthroughFinding.list_kind == filters.list_kind)
    if lists and filters.status:
        conds.append(WalkthroughFinding.status == filters.status)
    return conds


def funnel(session: Session, scope: Scope, *, filters: WalkFilters) -> dict[str, int]:
    """Issues found → needs collected → fixes set → fixes done, over the walks selected."""
    kind, status = WalkthroughFinding.list_kind, WalkthroughFinding.status
    row = session.exec(
        select(sa.func.count().filter(kind == FindingList.issue),
               sa.func.count().filter(kind == FindingList.need),
               sa.func.count().filter(kind == FindingList.fix),
               sa.func.count().filter(sa.and_(kind == FindingList.fix, status == FindingStatus.done)))
        .select_from(WalkthroughFinding).join(Walkthrough, Walkthrough.id == WalkthroughFinding.walkthrough_id)
        .where(*_walk_conditions(session, scope, filters),
               *_finding_conditions(session, scope, filters, lists=False))
    ).one()
    return dict(zip(("issues", "needs", "fixes", "done"), (int(n or 0) for n in row), strict=True))


def list_findings(session: Session, scope: Scope, *, filters: WalkFilters, list_kind: str | None = None,
                  limit: int = LIST_LIMIT) -> list[dict]:
    """Rows of the three lists (one list with `list_kind`), newest walk first: the walk's date,
    service item, channel and place, the finding, and the rectification made of it if any."""
    region = aliased(Region)
    query = (select(WalkthroughFinding.id, WalkthroughFinding.list_kind, WalkthroughFinding.category,
                    WalkthroughFinding.text, WalkthroughFinding.status, WalkthroughFinding.measure,
                    WalkthroughFinding.owner, WalkthroughFinding.due_on, WalkthroughFinding.done_on,
                    Walkthrough.id.label("walkthrough_id"), Walkthrough.walked_on, Walkthrough.channel,
                    Walkthrough.mode, Walkthrough.place, Walkthrough.service_item_code.label("service_item"),
                    ServiceItem.name.label("service_name"), ServiceItem.name_en.label("service_name_en"),
                    region.name.label("region"), Rectification.id.label("rectification_id"))
             .join(Walkthrough, Walkthrough.id == WalkthroughFinding.walkthrough_id)
             .join(ServiceItem, ServiceItem.code == Walkthrough.service_item_code, isouter=True)
             .join(region, sa.and_(region.path == Walkthrough.path, region.valid_to.is_(None)), isouter=True)
             .join(Rectification, Rectification.finding_id == WalkthroughFinding.id, isouter=True)
             .where(*_walk_conditions(session, scope, filters), *_finding_conditions(session, scope, filters)))
    if list_kind:
        query = query.where(WalkthroughFinding.list_kind == list_kind)
    query = query.order_by(Walkthrough.walked_on.desc(), WalkthroughFinding.id).limit(limit)
    return [dict(row._mapping) for row in session.exec(query)]


def _findings_per_walk(session: Session, scope: Scope, filters: WalkFilters):
    kind = WalkthroughFinding.list_kind
    return (select(WalkthroughFinding.walkthrough_id.label("walk_id"), sa.func.count().label("findings"),
                   sa.func.count().filter(kind == FindingList.issue).label("issues"),
                   sa.func.count().filter(kind == FindingList.need).label("needs"),
                   sa.func.count().filter(kind == FindingList.fix).label("fixes"))
            .where(*_finding_conditions(session, scope, filters))
            .group_by(WalkthroughFinding.walkthrough_id).subquery("per_walk"))


def breakdown(session: Session, scope: Scope, *, filters: WalkFilters, by: str = "service") -> list[dict]:
    """Walks and findings by service item (`by="service"`) or by channel, most walks first.
    Rows: key, name, name_en (service items), walks, findings, issues, needs, fixes."""
    if by not in ("service", "channel"):
        raise ValueError(by)
    key = Walkthrough.service_item_code if by == "service" else Walkthrough.channel
    per_walk = _findings_per_walk(session, scope, filters)
    sums = [sa.func.coalesce(sa.func.sum(per_walk.c[name]), 0).label(name)
            for name in ("findings", "issues", "needs", "fixes")]
    query = (select(key.label("key"), sa.func.count(Walkthrough.id).label("walks"), *sums)
             .join(per_walk, per_walk.c.walk_id == Walkthrough.id, isouter=True)
             .where(*_walk_conditions(session, scope, filters)).group_by(key))
    rows = [dict(row._mapping) for row in session.exec(query)]
    names = _service_names(session) if by == "service" else {}
    for row in rows:
        row["name"], row["name_en"] = names.get(row["key"], (row["key"], None))
        for name in ("findings", "issues", "needs", "fixes"):
            row[name] = int(row[name])
    return sorted(rows, key=lambda r: (-r["walks"], -r["findings"], str(r["key"])))


def _service_names(session: Session) -> dict[str, tuple[str, str | None]]:
    return {code: (name, name_en) for code, name, name_en in
            session.exec(select(ServiceItem.code, ServiceItem.name, ServiceItem.name_en))}


def _median(value, rank, count):
    """The average of the middle one or two values: `rank` 1..`count` orders `value`."""
    middle = sa.or_(rank == (count + 1) // 2, rank == (count + 2) // 2)
    return sa.func.avg(sa.case((sa.and_(value.is_not(None), middle), value)))


def time_per_service(session: Session, scope: Scope, *, filters: WalkFilters) -> list[dict]:
    """Per service item: walks, the median total of the timed steps in seconds, the median
    number of trips, and materials asked beyond the published list (how many in all, and on
    how many walks). Medians are computed in SQL with window functions."""
    steps, seconds = _json.numbers_at(session, Walkthrough.steps, "seconds", "step")
    asked, asked_value = _json.strings(session, Walkthrough.materials_asked, "asked")
    published, published_value = _json.strings(session, Walkthrough.materials_published, "published")
    total = select(sa.func.sum(seconds)).select_from(steps).scalar_subquery()
    extra = (select(sa.func.count()).select_from(asked)
             .where(asked_value.not_in(select(published_value).select_from(published))).scalar_subquery())
    walks = (select(Walkthrough.service_item_code.label("code"), Walkthrough.trips.label("trips"),
                    total.label("seconds"), extra.label("extra"))
             .where(*_walk_conditions(session, scope, filters)).subquery("walks"))
    timed = walks.c.seconds.is_(None)
    ranked = select(
        walks.c.code, walks.c.trips, walks.c.seconds, walks.c.extra,
        sa.func.row_number().over(partition_by=(walks.c.code, timed), order_by=walks.c.seconds).label("rank_s"),
        sa.func.count(walks.c.seconds).over(partition_by=walks.c.code).label("timed"),
        sa.func.row_number().over(partition_by=walks.c.code, order_by=walks.c.trips).label("rank_t"),
        sa.func.count().over(partition_by=walks.c.code).label("n"),
    ).subquery("ranked")
    r = ranked.c
    query = (select(r.code, sa.func.count().label("walks"), _median(r.seconds, r.rank_s, r.timed).label("seconds"),
                    _median(r.trips, r.rank_t, r.n).label("trips"),
                    sa.func.coalesce(sa.func.sum(r.extra), 0).label("extra_materials"),
                    sa.func.count().filter(r.extra > 0).label("walks_with_extra"))
             .group_by(r.code))
    names = _service_names(session)
    rows = []
    for row in session.exec(query):
        item = dict(row._mapping)
        item["name"], item["name_en"] = names.get(item["code"], (item["code"], None))
        item["median_seconds"] = float(item.pop("seconds")) if item["seconds"] is not None else None
        item["median_trips"] = float(item.pop("trips")) if item["trips"] is not None else None
        item["extra_materials"] = int(item["extra_materials"])
        rows.append(item)
    return sorted(rows, key=lambda r: (-r["walks"], r["code"]))


def get_finding(session: Session, scope: Scope, finding_id: int) -> dict | None:
    """One finding with its walk, service item, station, the people on it, its photos and the
    walk's (the finding's first), and its rectification (id, status); None when unknown or
    outside the scope."""
    finding = session.get(WalkthroughFinding, finding_id)
    if finding is None or not scope.covers(finding.path):
        return None
    walk = session.get(Walkthrough, finding.walkthrough_id)
    service = session.exec(select(ServiceItem).where(ServiceItem.code == walk.service_item_code)).first()
    station = session.get(Station, walk.station_id) if walk.station_id else None
    people = {u.id: u.display_name for u in session.exec(select(User).where(
        User.id.in_([i for i in (walk.user_id, finding.signed_off_by) if i])))}
    rect = session.exec(select(Rectification.id, Rectification.status)
                        .where(Rectification.finding_id == finding.id)).first()
    region = session.exec(select(Region.name).where(Region.path == walk.path, Region.valid_to.is_(None))).first()
    photos = session.exec(select(Attachment.uuid).where(Attachment.owner_uuid.in_([finding.uuid, walk.uuid]))
                          .order_by(Attachment.owner_uuid != finding.uuid, Attachment.created_at, Attachment.id)).all()
    return {"finding": finding, "walk": walk, "service": service, "station": station, "region": region,
            "photos": [str(p) for p in photos],
            "walker": people.get(walk.user_id), "signed_off_by": people.get(finding.signed_off_by),
            "rectification": dict(rect._mapping) if rect else None,
            "extra_materials": [m for m in walk.materials_asked if m not in walk.materials_published],
            "history": history(session, "walkthrough", [walk.id]).get(walk.id, []) if walk.revision > 1 else []}


def service_options(session: Session) -> list[dict]:
    """Service items for a picker: [{"code", "name", "name_en"}], in their configured order."""
    rows = session.exec(select(ServiceItem.code, ServiceItem.name, ServiceItem.name_en)
                        .where(ServiceItem.active.is_(True)).order_by(ServiceItem.sort_order, ServiceItem.code))
    return [dict(row._mapping) for row in rows]


REVIEW_LIMIT = 20


def walks_to_review(session: Session, scope: Scope, *, filters: WalkFilters,
                    limit: int = REVIEW_LIMIT) -> tuple[list[dict], int]:
    """Walks of the filters' selection not yet reviewed (审核) — sent, or edited since their return —
    oldest first, at most `limit`, and how many there are: [{"id", "walked_on", "service_item",
    "walker", "user_id", "station", "trips", "findings", "revision"}]."""
    conds = [*_walk_conditions(session, scope, filters), Walkthrough.review_status.is_(None)]
    total = session.exec(select(sa.func.count()).select_from(Walkthrough).where(*conds)).one()
    counted = (select(WalkthroughFinding.walkthrough_id, sa.func.count().label("n"))
               .group_by(WalkthroughFinding.walkthrough_id).subquery())
    rows = session.exec(
        select(Walkthrough.id, Walkthrough.walked_on, Walkthrough.service_item_code.label("service_item"),
               User.display_name.label("walker"), Walkthrough.user_id, Station.name.label("station"),
               Walkthrough.trips, sa.func.coalesce(counted.c.n, 0).label("findings"), Walkthrough.revision)
        .join(User, User.id == Walkthrough.user_id)
        .join(Station, Station.id == Walkthrough.station_id, isouter=True)
        .join(counted, counted.c.walkthrough_id == Walkthrough.id, isouter=True)
        .where(*conds).order_by(Walkthrough.walked_on, Walkthrough.id).limit(limit)).all()
    return [dict(row._mapping) for row in rows], total
