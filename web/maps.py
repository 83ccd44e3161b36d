"""/maps/<view> — folium maps as whole HTML documents, framed by the dashboard's pages.

A Dash callback only sets an Iframe's src; the map itself is built here from a scoped query
and kept in the shared cache (web/cache.py: every worker reads what one has built) under
(view, arguments, scope, language, data version), so a multi-megabyte document never travels
through a callback and a repeated view costs nothing; the data version (and the shapes version)
in the key make an act on a case show on the next load, in every worker. What does not change
with the data — the folium page and the shapes of the areas, the station map's encoded
outlines — is kept apart (components.case_map.MapSkeleton) while the shapes stay the same, so a
new data version costs the queries and the figures, not folium.

/maps/regions — the user's counties and townships (everyone signed in).
/maps/cases — wage cases (admins, leaders, case officers, inspectors; the wall screen sees the
choropleth but no case points): the /cases filters (data.queries.cases.CaseFilters keys) plus
level=township|grid, metric=cases|workers|amount|overdue, risk=1 for risk-grade outlines, and
township=<12-digit code> to drill into one township's cases. A bad parameter is a 400 with
a message, a region or township outside the user's regions a 404.
/maps/stations — township stations coloured by their latest grade (admins, leaders, inspectors,
cadres): the /stations filters (data.queries.stations.StationFilters keys: region_code,
date_from, date_to). Zoomed in, the map asks /maps/stations/points (the same filters plus
bbox=west,south,east,north) for the village and community service points in view, as JSON.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, redirect, request
from flask_login import current_user

from components import labels as names
from components.case_map import (
    MapSkeleton,
    choropleth_document,
    choropleth_skeleton,
    township_document,
    township_skeleton,
)
from components.format import count, wan_yuan
from components.maps import regions_map
from components.station_map import point_rows, render_html, stations_map, township_outlines
from data.errors import N_, ValidationError
from data.filters import narrowed
from data.models import RegionLevel, Role
from data.queries import cases as case_queries
from data.queries import stations as station_queries
from data.queries.regions import get_region_by_code, region_shapes, spans_cities
from data.queries.settings import work_calendar
from data.scope import OutOfScope
from web import cache
from web.context import db, scope, today
from web.i18n import _, current_language

bp = Blueprint("maps", __name__, url_prefix="/maps")


# the dashboard page each map document lives in: a map opened on its own (a bookmark, a link
# copied out of the frame) goes there, with the app's header and its filters, not a bare map
HOSTS = {"/maps/regions": "/", "/maps/cases": "/cases", "/maps/stations": "/stations"}


@bp.before_request
def _framed_only():
    """Browsers say where a document will show (Sec-Fetch-Dest): a top-level navigation to a map
    is sent to its page (the query passed along); frames, scripts and other clients are served as before."""
    page = HOSTS.get(request.path)
    if page and request.headers.get("Sec-Fetch-Dest") == "document":
        query = request.query_string.decode()
        return redirect(page + (f"?{query}" if query else ""))
    return None


def init_app(server: Flask) -> None:
    server.register_blueprint(bp)


def _html_response(document: str) -> Response:
    response = Response(document, mimetype="text/html")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@bp.get("/regions")
def regions():
    """The city's counties and townships (the user's part of it): the base of every map."""
    user_scope = scope()
    code = request.args.get("region")
    if code:
        try:
            user_scope = user_scope.narrow(get_region_by_code(db(), scope=user_scope, area_code=code).path)
        except OutOfScope:
            abort(404)
    key = ("regions", user_scope.paths, current_language(), current_app.config["TILE_URL"],
           case_queries.shapes_version(db()))

    def build() -> str:
        shapes = region_shapes(db(), scope=user_scope, levels=(RegionLevel.county, RegionLevel.township))
        labels = {"name": _("名称"), "county": _("县区"), "code": _("区划代码"),
                  "townships": _("乡镇（街道）"), "counties": _("县（市、区）"), "township": _("乡镇")}
        fmap = regions_map(shapes, labels=labels, tile_url=current_app.config["TILE_URL"],
                           tile_attribution=current_app.config["TILE_ATTRIBUTION"])
        return fmap.get_root().render()

    return _html_response(cache.get_or_build("map", key, build))


# who may see case maps; the wall screen only the aggregate (no case, no employer name)
CASE_MAP_ROLES = frozenset({Role.admin, Role.leader, Role.case_officer, Role.inspector, Role.wall})
CASE_POINT_ROLES = frozenset({Role.admin, Role.leader, Role.case_officer, Role.inspector})
_TOWNSHIP = re.compile(r"[0-9]{12}")


def _refuse(status: int, error: str, message: str, field: str | None = None):
    body = {"error": error, "message": message}
    if field:
        body["field"] = field
    return jsonify(body), status


def _case_map_arguments(args: dict[str, list[str]]) -> dict:
    """The route's own parameters, strictly: ValidationError names the one at fault."""
    def one(name: str, allowed: tuple[str, ...], default: str) -> str:
        value = (args.get(name) or [default])[0] or default
        if value not in allowed:
            raise ValidationError(N_("无效的地图参数：%(name)s"), field=name, name=name)
        return value

    township = (args.get("township") or [""])[0].strip() or None
    if township and not _TOWNSHIP.fullmatch(township):
        raise ValidationError(N_("无效的地图参数：%(name)s"), field="township", name="township")
    return {"level": one("level", case_queries.MAP_LEVELS, "township"),
            "metric": one("metric", case_queries.MAP_METRICS, "cases"),
            "risk": one("risk", ("0", "1"), "0") == "1", "township": township}


def _deadline(point: dict) -> str:
    days = point.get("days_left")
    if days is None:
        return ""
    return _("超期%(n)s个工作日", n=-days) if days < 0 else _("剩%(n)s个工作日", n=days)


def _figure_labels() -> dict[str, str]:
    return {"cases": _("案件数"), "workers": _("涉及人数"), "amount": _("涉及金额（万元）"),
            "overdue": _("超期案件"), "risk": _("风险等级"), "none": _("无案件")}


@bp.get("/cases")
def cases():
    """Wage cases by township or grid cell (choropleth), or one township's cases as points."""
    role = current_user.role
    if role not in CASE_MAP_ROLES:
        return _refuse(403, "forbidden", _("您的角色不能查看案件地图"))
    args = request.args.to_dict(flat=False)
    try:
        filters = case_queries.CaseFilters.from_dict(args, strict=True)
        options = _case_map_arguments(args)
    except ValidationError as exc:
        return _refuse(400, "invalid", _(exc.message, **exc.params), exc.field)
    if options["township"] and role not in CASE_POINT_ROLES:
        return _refuse(403, "forbidden", _("您的角色不能查看案件明细"))

    session, user_scope, day = db(), scope(), today()
    if not options["township"] and options["level"] != "county":
        # several cities (a province): by county — their thousands of townships or grid cells are no
        # map to send (the page says so); a city chosen shows its townships
        try:
            if spans_cities(session, scope=narrowed(session, user_scope, filters)):
                options["level"] = "county"
        except OutOfScope:
            abort(404)
    tiles = (current_app.config["TILE_URL"], current_app.config["TILE_ATTRIBUTION"])
    view = "cases-township" if options["township"] else "cases-city"
    data_version, shapes_version = case_queries.map_versions(session)
    # normalised: parameter order, unknown parameters (a cache buster) and defaults don't split the cache
    key = (view, tuple(sorted(filters.to_query().items())), tuple(sorted(options.items())), user_scope.paths,
           current_language(), day, data_version, tiles)

    def build() -> str:
        if options["township"]:
            return _township_map(session, user_scope, filters, day, options["township"], tiles, shapes_version)
        return _city_map(session, user_scope, filters, day, options, tiles, shapes_version)

    return _revalidated(key, build)


def _revalidated(key: tuple, build) -> Response:
    """A map of changing data: the document kept under `key` (which carries the data version),
    built on a miss; 404 for a region outside the scope; revalidated on every load (a case may
    change any minute) but answered 304 while the document is the same."""
    try:
        document = cache.get_or_build("map", key, build)
    except OutOfScope:
        abort(404)
    response = Response(document, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-cache"
    # the document's own digest, not the key's: workers that each keep their own cache build the
    # same map with other element ids (so another inline-script hash in the policy header); a 304
    # from one for another's copy would leave the browser a document its new policy blocks
    response.set_etag(hashlib.sha256(document.encode()).hexdigest()[:32])
    return response.make_conditional(request)


def _skeleton(key: tuple, build) -> MapSkeleton:
    return cache.get_or_build("skeleton", key, build)


def _city_map(session, user_scope, filters, day, options, tiles, shapes_version) -> str:
    data = case_queries.map_aggregates(session, scope=user_scope, filters=filters, today=day,
                                       level=options["level"], metric=options["metric"],
                                       shapes_version=shapes_version)
    # the same shapes_key, the same areas in the same order: the skeleton's features line up
    skeleton = _skeleton(("cases-city", data.shapes_key, tiles),
                         lambda: choropleth_skeleton(data.areas, tile_url=tiles[0], tile_attribution=tiles[1]))
    risks = None
    if options["risk"]:
        graded = case_queries.risk_by_area(session, scope=user_scope, filters=filters, today=day,
                                           level=options["level"])
        risks = {code: str(item["risk"].grade) for code, item in graded.items()}
    metric_label = {"cases": _("案件数（件）"), "workers": _("涉及人数（人）"), "amount": _("涉及金额（万元）"),
                    "overdue": _("超期案件（件）")}[options["metric"]]
    money = options["metric"] == "amount"
    hint = _("点击县（市、区）查看其乡镇") if options["level"] == "county" else _("点击乡镇（街道）查看案件分布")
    return choropleth_document(
        skeleton, values=data.values, figures=data.figures,
        labels={**_figure_labels(), "metric": metric_label, "hint": hint},
        risks=risks, risk_labels={k: _(v) for k, v in names.RISK_GRADE.items()},
        format_value=(lambda v: wan_yuan(int(v))) if money else (lambda v: count(int(v))),
        format_amount=lambda cents: wan_yuan(int(cents)))


class _Describe:
    """A case point's popup texts, each word translated once per map (not once per case)."""

    def __init__(self):
        self._statuses: dict[str, str] = {}
        self._deadlines: dict[int | None, str] = {}

    def __call__(self, point: dict) -> dict[str, str]:
        status, days = point["status"], point.get("days_left")
        if status not in self._statuses:
            self._statuses[status] = _(names.CASE_STATUS.get(status, status))
        if days not in self._deadlines:
            self._deadlines[days] = _deadline(point)
        return {"case_no": point["case_no"], "employer": point["employer"], "status": self._statuses[status],
                "workers": count(point["workers"]), "amount": wan_yuan(point["amount_cents"], 2),
                "deadline": self._deadlines[days]}


def _township_map(session, user_scope, filters, day, township_code, tiles, shapes_version) -> str:
    # first: refuses a township outside the scope before anything of it is drawn
    points = case_queries.case_points(session, scope=user_scope, filters=filters, today=day,
                                      township_code=township_code, calendar=work_calendar(session))

    def build() -> MapSkeleton:
        township = user_scope.narrow(get_region_by_code(session, scope=user_scope, area_code=township_code).path)
        shape = next(iter(case_queries.area_shapes(session, scope=township, level="township",
                                                   version=shapes_version)), None)
        grids = case_queries.area_shapes(session, scope=township, level="grid", version=shapes_version)
        return township_skeleton(shape or {"code": township_code, "name": "", "boundary": None}, grids=grids,
                                 tile_url=tiles[0], tile_attribution=tiles[1])

    # a township's shapes are the same whoever looks (case_points has checked they may)
    skeleton = _skeleton(("cases-township", township_code, shapes_version, tiles), build)
    texts = {"case_no": _("案件编号"), "employer": _("用人单位"), "status": _("状态"), "workers": _("涉及人数"),
             "amount": _("涉及金额（万元）"), "deadline": _("时限"), "legend": _("案件"), "overdue": _("超期"),
             "open": _("在办"), "concluded": _("已办结或已决定"), "hint": _("点击案件查看详情")}
    return township_document(skeleton, points, labels=texts, describe=_Describe())


# who may see station maps: those the /stations page is for
STATION_MAP_ROLES = frozenset({Role.admin, Role.leader, Role.inspector, Role.cadre})
BBOX_SPAN = 3.0  # degrees: the points are for a zoomed-in view, not the whole province


def _station_filters():
    """The role check and the filters, or the refusal to answer with."""
    if current_user.role not in STATION_MAP_ROLES:
        return None, _refuse(403, "forbidden", _("您的角色不能查看人社所地图"))
    try:
        return station_queries.StationFilters.from_dict(request.args.to_dict(flat=False), strict=True), None
    except ValidationError as exc:
        return None, _refuse(400, "invalid", _(exc.message, **exc.params), exc.field)


@bp.get("/stations")
def stations():
    """Township stations coloured by their latest grade, over township outlines."""
    filters, refused = _station_filters()
    if refused:
        return refused
    session, user_scope, role = db(), scope(), current_user.role
    tiles = (current_app.config["TILE_URL"], current_app.config["TILE_ATTRIBUTION"])
    query = {k: v for k, v in filters.to_query().items() if k != "kind"}  # the map shows every kind
    shapes = case_queries.shapes_version(session)
    key = ("stations", tuple(sorted(query.items())), user_scope.paths, str(role), current_language(),
           station_queries.data_version(session), shapes, tiles)

    def build() -> str:
        narrowed = station_queries.narrowed_scope(session, user_scope, filters)
        # the outlines do not change with the data: encoded once for every worker and data version
        outlines = cache.get_or_build("outlines", ("stations", narrowed.paths, shapes), lambda: township_outlines(
            case_queries.area_shapes(session, scope=narrowed, level="township", version=shapes)))
        points = station_queries.map_stations(session, scope=user_scope, role=role, filters=filters)
        labels = {"points": _("分"), "checked": _("最近检查"), "legend": _("最近一次标准化检查"),
                  "hint": _("放大可见村（社区）服务点；点击查看人社所详情")}
        grades = {**{g: _(text) for g, text in names.GRADE.items()}, None: _("未检查")}
        kinds = {k: _(names.STATION_KIND[k]) for k in ("village_point", "community_point")}
        return render_html(stations_map(
            points, outlines, labels=labels, grade_labels=grades, kind_labels=kinds, colours=names.GRADE_COLOUR,
            points_url="/maps/stations/points?" + urlencode(query),
            tile_url=tiles[0], tile_attribution=tiles[1]))

    return _revalidated(key, build)


def _bbox(value: str | None) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(part) for part in (value or "").split(","))
    except ValueError:
        raise ValidationError(N_("无效的地图参数：%(name)s"), field="bbox", name="bbox") from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90) or max(east - west, north - south) > BBOX_SPAN:
        raise ValidationError(N_("无效的地图参数：%(name)s"), field="bbox", name="bbox")
    return west, south, east, north


@bp.get("/stations/points")
def station_points():
    """The village and community service points inside bbox, for the station map zoomed in."""
    filters, refused = _station_filters()
    if refused:
        return refused
    try:
        bbox = _bbox(request.args.get("bbox"))
    except ValidationError as exc:
        return _refuse(400, "invalid", _(exc.message, **exc.params), exc.field)
    try:
        points, truncated = station_queries.service_points(db(), scope=scope(), role=current_user.role,
                                                           filters=filters, bbox=bbox)
    except OutOfScope:
        abort(404)
    response = jsonify(points=point_rows(points), truncated=truncated)
    response.headers["Cache-Control"] = "private, max-age=60"
    return response
