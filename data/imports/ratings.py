"""ratings: 好差评 from the provincial 政务服务好差评 system's export.

    评价编号,评价时间,站点编码,区划代码,窗口,事项,评价等级,评价内容,渠道

The key is 评价编号: importing the same export again changes nothing. The station is named by its
站点编码, or by the 区划代码 of its township (the township's station). 评价等级 is 1–5, the level's
name (非常满意 … 非常不满意) or 好/差; 评价时间 is Beijing time. Every new 差评 (levels 1–2, or 差)
opens its follow-up (data.services.ratings.follow_up)."""

from __future__ import annotations

from datetime import datetime, time

from sqlmodel import Session, select

from data import clock
from data.errors import N_
from data.imports.cells import Refuse, area_code, choice, day, lookup, text
from data.imports.core import Checker, Column, Context, ImportReport, Planned, Record, TableKind, write_planned
from data.models import Region, ServiceRating, Station, StationKind
from data.services.ratings import LEVELS, follow_up, is_negative

GRADES = lookup([*(((str(n), name), (n, None)) for n, name in LEVELS.items()),
                 (("好", "好评", "good"), (None, False)), (("差", "差评", "bad"), (None, True))])


def moment(value: str) -> datetime:
    """A Beijing time as written (2026-11-20 10:31[:00], or a date alone: noon), as an aware moment."""
    parts = value.strip().replace("T", " ").split(" ", 1)
    on = day(parts[0])
    at = time(12, 0)
    if len(parts) == 2 and parts[1].strip():
        try:
            at = time.fromisoformat(parts[1].strip())
        except ValueError:
            raise Refuse(N_("时间格式不对（应为 2026-11-20 10:31）：%(value)s"), value=value) from None
    return datetime.combine(on, at.replace(tzinfo=None), tzinfo=clock.zone())


class Ratings(TableKind):
    name = "ratings"
    columns = (
        Column("rating_no", "评价编号", ("rating_no", "id"), example="HCP2026112000017"),
        Column("rated_at", "评价时间", ("rated_at", "time"), example="2026-11-20 10:31"),
        Column("station", "站点编码", ("station_code",), required=False, example="YL-0001"),
        Column("area", "区划代码", ("area_code",), required=False, example="369901001000"),
        Column("window", "窗口", ("window",), required=False, example="3号综合窗口"),
        Column("item", "事项", ("item", "service"), required=False, example="社保卡申领"),
        Column("grade", "评价等级", ("grade", "level", "rating"),
               choices=("非常满意", "满意", "基本满意", "不满意", "非常不满意", "好", "差"), example="满意"),
        Column("comment", "评价内容", ("comment",), required=False, example="办理很快"),
        Column("channel", "渠道", ("channel",), required=False, example="窗口评价器"),
    )

    def plan(self, session: Session, records: list[Record], ctx: Context, report: ImportReport) -> list[Planned]:
        by_key = {c.key: c for c in self.columns}
        stations = {s.code: s for s in session.exec(select(Station).where(Station.code.is_not(None))).all()}
        by_township = {code: s for s, code in session.exec(
            select(Station, Region.area_code).join(Region, Region.id == Station.township_id)
            .where(Station.kind == StationKind.township_station.value, Station.active.is_(True))
            .order_by(Station.id.desc())).all()}
        numbers = [r.get("rating_no", "") for r in records]
        existing = {}
        for start in range(0, len(numbers), 500):
            existing.update({r.rating_no: r for r in session.exec(
                select(ServiceRating).where(ServiceRating.rating_no.in_(numbers[start:start + 500]))).all()})
        seen: dict[str, int] = {}
        rows = []
        for record in records:
            check = Checker(record, by_key, report.errors)
            number = check("rating_no", lambda v: text(v, limit=40))
            rated_at = check("rated_at", moment)
            grade = check("grade", lambda v: choice(v, GRADES, "评价等级"))
            values = {"window": check("window", lambda v: text(v, limit=40)),
                      "item": check("item", lambda v: text(v, limit=80)),
                      "comment": check("comment", lambda v: text(v, limit=2000)),
                      "channel": check("channel", lambda v: text(v, limit=20))}
            station_code, township = check("station"), check("area", area_code)
            if check.failed:
                continue
            station = stations.get(station_code) if station_code else by_township.get(township)
            if station is None:
                if station_code:
                    check.refuse("station", N_("站点编码 %(code)s 不存在，请先导入站点"), code=station_code)
                elif township:
                    check.refuse("area", N_("区划代码 %(code)s 没有乡镇人社所"), code=township)
                else:
                    check.refuse(None, N_("请填写站点编码或区划代码"))
                continue
            if not check.first_in_file("rating_no", number, seen, N_("评价编号 %(no)s 重复（第 %(first)s 行）"),
                                       no=number):
                continue
            score, bad = grade
            values.update(rating_no=number, rated_at=rated_at, rated_on=clock.local(rated_at).date(),
                          station_id=station.id, path=station.path, score=score, negative=is_negative(score, bad))
            old = existing.get(number)
            if old is not None:  # a stored moment comes back naive on SQLite: compare as moments
                values["rated_at"] = old.rated_at if clock.local(old.rated_at) == rated_at else rated_at
            rows.append(Planned.of(record, values, old, station=station))
        return report.tally(rows)

    def apply(self, session: Session, rows: list[Planned], ctx: Context, report: ImportReport) -> None:
        made = []

        def make(row: Planned) -> ServiceRating:
            rating = ServiceRating(**row.values)
            if rating.negative:
                made.append((rating, row.extra["station"]))
            return rating

        write_planned(session, rows, ctx, make=make, action="service_rating.update", target_kind="service_rating",
                      key=lambda row: row.values["rating_no"])
        session.flush()
        for rating, station in made:
            follow_up(session, rating=rating, station=station, actor=ctx.actor, today=ctx.today)
