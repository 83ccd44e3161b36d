"""/wall — the situation-room screen: a kiosk page and the JSON its panels poll.

The page (web/templates/wall.html with web/static/wall/wall.js and wall.css) has no navigation and
no Dash: it is one document that runs all day, rotates scenes and regions itself, refreshes each
panel on its own interval, and keeps the last figures (marked stale) while the server is away.

/wall                      the screen; URL parameters: scenes=overview,cases,stations,field
                           seconds=<per step, 10–600> region=<area code | all> (all: the city,
                           then each county in turn) playlist=<name of a saved playlist>
/wall/data/<panel>         kpis | map | supervised | ticker | trends | areas, each ?region=<code>
/wall/static/<file>        the screen's script and styles

Who: the wall role (a display device), leaders and admins. Everything here is an aggregate:
the wall role receives no complainant, no photo, no free text other than scrubbed finding text.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, render_template, request, send_from_directory
from flask_login import current_user
from sqlmodel import select

from data.models import Region, RegionLevel, Role
from data.queries import leadership as q
from data.queries.cases import CaseFilters, area_shapes, risk_by_area
from data.queries.logs import filing_by_area
from data.queries.regions import get_region_by_code, spans_cities
from data.queries.settings import get_setting, work_calendar
from data.rules.workflow import OPEN_STATES
from data.scope import OutOfScope, Scope
from data.services.settings import WALL_SCENES
from web import cache
from web.context import db, scope, today
from web.i18n import N_, _, current_language

STATIC = Path(__file__).resolve().parent / "static" / "wall"
WALL_ROLES = frozenset({Role.wall, Role.leader, Role.admin})
SCENES = WALL_SCENES
# each scene's name: on the screen's header and in the playlists' editor (/admin/settings)
SCENE_NAMES = {"overview": N_("总览"), "cases": N_("欠薪治理"), "stations": N_("基层平台"), "field": N_("走流程与挂职")}
PANELS = ("kpis", "map", "supervised", "ticker", "trends", "areas")
# several screens polling the same region share one computation, in every worker (web/cache.py):
# the panels have no data version, so a change reaches the screens within these seconds
CACHE_SECONDS = 20

bp = Blueprint("wall", __name__, url_prefix="/wall")


def _allowed() -> None:
    if current_user.role not in WALL_ROLES:
        abort(403)


def _region_scope(code: str | None) -> tuple[Scope, Region | None]:
    """The user's scope narrowed to one region of the rotation (404 outside it)."""
    user_scope = scope()
    if not code or code == "all":
        return user_scope, None
    if not code.isdigit() or len(code) != 12:
        abort(400)
    try:
        region = get_region_by_code(db(), scope=user_scope, area_code=code)
        return user_scope.narrow(region.path), region
    except OutOfScope:
        abort(404)


def _steps(region_param: str) -> list[dict]:
    """The regions the screen rotates through: the user's whole area first, then each county."""
    session = db()
    user_scope = scope()
    if region_param and region_param != "all":
        codes = [c for c in region_param.split(",") if c]
        out = []
        for code in codes:
            _scope, region = _region_scope(code)
            out.append({"code": code, "name": region.name if region else ""})
        return out
    tops = session.exec(select(Region).where(
        Region.valid_to.is_(None), user_scope.clause(Region.path),
        Region.level.in_([RegionLevel.province, RegionLevel.city, RegionLevel.county]))).all()
    if not tops:
        return [{"code": "", "name": ""}]
    depth = min(r.path.count("/") for r in tops)
    top = sorted([r for r in tops if r.path.count("/") == depth], key=lambda r: r.area_code)
    steps = [{"code": "", "name": top[0].name if len(top) == 1 else _("全部")}]
    if len(top) == 1 and top[0].level in (RegionLevel.province, RegionLevel.city):
        # a province: each city, each followed by its counties; a city: its counties
        below = sorted([r for r in tops if r.path.count("/") > depth], key=lambda r: r.path)
        steps += [{"code": r.area_code, "name": r.name} for r in below]
    return steps


def _playlist(name: str) -> dict | None:
    playlists = get_setting(db(), key="wall.playlists", default={}) or {}
    entry = playlists.get(name) if isinstance(playlists, dict) else None
    return entry if isinstance(entry, dict) else None


@bp.get("")
@bp.get("/")
def screen():
    _allowed()
    args = dict(request.args)
    if args.get("playlist"):
        saved = _playlist(args["playlist"])
        if saved is None:
            abort(404)
        args = {**{k: str(v) for k, v in saved.items()}, **{k: v for k, v in args.items() if k != "playlist"}}
    scenes = [s for s in (args.get("scenes") or ",".join(SCENES)).split(",") if s in SCENES] or list(SCENES)
    try:
        seconds = min(600, max(5, int(args.get("seconds") or 30)))
    except ValueError:
        seconds = 30
    refresh = {"kpis": 60, "map": 300, "supervised": 60, "ticker": 30, "trends": 600, "areas": 120}
    if (args.get("refresh") or "").isdigit():  # one interval for every panel (a test, a demo)
        refresh = {panel: min(600, max(2, int(args["refresh"]))) for panel in refresh}
    config = {"scenes": scenes, "seconds": seconds, "steps": _steps(args.get("region") or "all"),
              "language": current_language(), "refresh": refresh, "links": _links(today()),
              "tiles": current_app.config.get("TILE_URL"), "text": _texts()}
    response = Response(render_template("wall.html", config=json.dumps(config, ensure_ascii=False)
                                        .replace("<", "\\u003c"), title=_("人社督导一张图"), lang=current_language(),
                                        user_name=current_user.display_name))
    response.headers["Cache-Control"] = "no-cache"
    return response


def _links(day: date) -> dict[str, str]:
    """The desktop twin: on a person's own screen (not a wall display's account) every tile opens the
    rows behind its figure — the cases of the year to date, today's open, overdue or supervised
    ones — on the page that lists them; the script adds the region shown (county=…) to /cases."""
    if current_user.role == Role.wall:
        return {}
    year = "/cases?" + urlencode({"from": date(day.year, 1, 1).isoformat(), "to": day.isoformat()})
    now = "/cases?period=all&"
    return {
        "cases": year, "workers": year, "amount": year, "closure": year, "on_time": year,
        "overdue": now + "overdue=1", "supervised": now + "supervised=1",
        "campaign": now + urlencode({"status": ",".join(sorted(s.value for s in OPEN_STATES))}),
        "declines": "/cases?period=all", "standardisation": "/stations", "satisfaction": "/stations",
        "audit_pass": "/audits", "rect_open": "/rectifications", "rect_overdue": "/rectifications?status=overdue",
        "logs_today": "/logs",
    }


def _texts() -> dict[str, str]:
    """The screen's words in the user's language (the script has no catalog of its own)."""
    return {
        "title": _("人社督导一张图"), **{f"scene_{scene}": _(name) for scene, name in SCENE_NAMES.items()},
        "cases": _("欠薪案件"),
        "workers": _("涉及人数"), "amount": _("涉及金额"), "closure": _("办结率"), "on_time": _("按时办结率"),
        "overdue": _("超期案件"), "supervised": _("督办案件"), "standardisation": _("标准化达标率"),
        "audit_pass": _("暗访合格率"), "rect_open": _("未销号整改"), "rect_overdue": _("超期整改"),
        "logs_today": _("今日工作日志"), "vs_last_year": _("同比"), "target": _("目标"), "wan_yuan": _("万元"),
        "wan_people": _("万人"), "people": _("人"), "items": _("件"), "updated": _("更新于"),
        "stale": _("数据未更新，显示的是上次结果"), "offline": _("连接中断，正在重试"),
        "ago_seconds": _("%(n)s 秒前"), "ago_minutes": _("%(n)s 分钟前"), "ago_hours": _("%(n)s 小时前"),
        "signin": _("显示屏登录已失效，请管理员重新登录"), "risk_map": _("欠薪风险网格图"),
        "red": _("红色"), "orange": _("橙色"), "yellow": _("黄色"), "low": _("低"),
        "supervised_list": _("督办案件倒计时"), "days_left": _("剩 %(n)s 天"), "days_late": _("超期 %(n)s 天"),
        "ticker": _("最新走流程发现"), "issue": _("问题"), "need": _("需求"), "fix": _("整改"),
        "trends": _("近12个整月"), "trend_cases": _("案件数"), "trend_amount": _("涉及金额（万元）"),
        "trend_audits": _("暗访合格率"), "trend_logs": _("工作日志"), "by_area": _("分区情况"),
        "area_logs": _("今日已报"), "area_due": _("今日应报"), "area_std": _("达标/站数"), "none": _("暂无"),
        "map_stations": _("人社所标准化（最近一次检查）"), "map_field": _("本月工作日志报送率"),
        "stations_good": _("全部达标"), "stations_part": _("部分达标"), "stations_bad": _("未达标"),
        "stations_none": _("无检查结果"), "field_good": _("≥95%"), "field_part": _("80%–95%"),
        "field_bad": _("<80%"), "field_none": _("无应报"),
        "worst_stations": _("未全部达标的乡镇（最近一次检查）"), "worst_field": _("本月日志报送率低于95%的乡镇"),
        "filed_due": _("已报/应报"), "filing_rate": _("报送率"), "std_rate": _("达标率"),
        "satisfaction": _("好差评满意度"), "declines": _("案件同比下降季度"), "of_quarters": _("/4 季度"),
        "four_down": _("四连降"), "quarters_note": _("近四个整季度"), "campaign": _("在办待清零"),
        "festival_in": _("距春节 %(n)s 天"), "open_rows": _("打开明细"),
    }


def _json(panel: str, code: str | None, build) -> Response:
    key = (panel, scope().paths, code or "", current_language(), today().isoformat())
    data = cache.get_or_build("wall", key, build, timeout=CACHE_SECONDS)
    response = jsonify({"panel": panel, "as_of": today().isoformat(), "data": data})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/data/<panel>")
def data(panel: str):
    _allowed()
    if panel not in PANELS:
        abort(404)
    code = request.args.get("region") or None
    region_scope, _region = _region_scope(code)
    session = db()
    day = today()

    def build():
        if panel == "kpis":
            return q.figures(session, scope=region_scope, today=day, calendar=work_calendar(session)).as_dict()
        if panel == "supervised":
            return q.supervised_cases(session, scope=region_scope, today=day)
        if panel == "ticker":
            return q.latest_findings(session, scope=region_scope)
        if panel == "trends":
            return q.monthly_series(session, scope=region_scope, today=day)
        if panel == "areas":
            return q.by_area(session, scope=region_scope, today=day, calendar=work_calendar(session))
        return _risk_geojson(region_scope, day)

    return _json(panel, code, build)


def _risk_geojson(region_scope: Scope, day) -> dict:
    """The townships (the counties, over several cities) with what each scene colours them by: the
    risk grade (overview, cases), the stations standardised of those checked (stations), this month's
    work-log filing by the one rule, today's log not due before the day is over (field)."""
    session = db()
    level = "county" if spans_cities(session, scope=region_scope) else "township"
    risks = risk_by_area(session, scope=region_scope, filters=CaseFilters(), today=day, level=level)
    shapes = area_shapes(session, scope=region_scope, level=level)
    codes = {shape["code"] for shape in shapes}
    standardised = q.standardisation_by_area(session, scope=region_scope, today=day, codes=codes)
    filing = filing_by_area(session, region_scope, first=day.replace(day=1), last=day, today=day,
                            calendar=work_calendar(session), codes=codes)
    features = []
    for shape in shapes:
        risk = risks.get(shape["code"])
        grade = str(risk["risk"].grade) if risk else "low"
        features.append({"type": "Feature", "geometry": shape["boundary"],
                         "properties": {"code": shape["code"], "name": shape["name"], "grade": grade,
                                        "open": risk["inputs"].open_cases if risk else 0,
                                        "std": standardised[shape["code"]],
                                        "logs": [filing[shape["code"]]["filed"], filing[shape["code"]]["due"]]}})
    return {"type": "FeatureCollection", "features": features}


@bp.get("/static/<path:filename>")
def static(filename: str):
    return send_from_directory(STATIC, filename, max_age=300)


def init_app(server: Flask) -> None:
    server.register_blueprint(bp)
