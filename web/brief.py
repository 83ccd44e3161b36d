"""/brief/<2026-W47>.pdf and .xlsx — the leaders' weekly brief for a week, for the user's regions
or one of them (?region=<area code>). Leaders and admins only; aggregates and case numbers only.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, Response, abort, request
from flask_login import current_user

from components.brief_pdf import NoCjkFont, brief_pdf, brief_xlsx
from data.models import Role
from data.queries.brief import week_of, weekly_brief
from data.queries.regions import get_region_by_code
from data.queries.settings import work_calendar
from data.scope import OutOfScope
from web.context import db, scope, today
from web.i18n import _

BRIEF_ROLES = frozenset({Role.leader, Role.admin})
bp = Blueprint("brief", __name__, url_prefix="/brief")


def area(code: str | None):
    """(scope, name) for the whole of the user's regions or one region in them (404 outside)."""
    session = db()
    user_scope = scope()
    if code:
        try:
            region = get_region_by_code(session, scope=user_scope, area_code=code)
        except OutOfScope:
            abort(404)
        return user_scope.narrow(region.path), region.name
    from sqlmodel import select

    from data.models import Region
    names = session.exec(select(Region.name).where(Region.path.in_(user_scope.paths))).all()
    return user_scope, "、".join(names) or _("本地")


@bp.get("/<week>.<fmt>")
def brief(week: str, fmt: str):
    if current_user.role not in BRIEF_ROLES:
        abort(403)
    if fmt not in ("pdf", "xlsx"):
        abort(404)
    try:
        monday = week_of(week)
    except ValueError:
        return Response(_("周次格式应为 2026-W47"), status=400, mimetype="text/plain")
    if monday > today():
        return Response(_("这一周还没有开始"), status=400, mimetype="text/plain")
    region_scope, name = area(request.args.get("region") or None)
    session = db()
    data = weekly_brief(session, scope=region_scope, monday=monday, calendar=work_calendar(session), today=today())
    stem = f"{name}人社督导周报_{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"
    if fmt == "pdf":
        try:
            body, mimetype = brief_pdf(data, area_name=name), "application/pdf"
        except NoCjkFont:
            return Response(_("服务器没有中文字体，无法生成PDF（请运行 scripts/setup.sh）"), status=503,
                            mimetype="text/plain")
    else:
        body = brief_xlsx(data, area_name=name)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    from urllib.parse import quote
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(stem)}.{fmt}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def last_weeks(n: int = 12) -> list[str]:
    """The ISO weeks to offer, newest first (this week included, even if not over)."""
    day = today()
    out = []
    for k in range(n):
        year, week, _day = (day - timedelta(weeks=k)).isocalendar()
        out.append(f"{year}-W{week:02d}")
    return out


def init_app(server: Flask) -> None:
    server.register_blueprint(bp)
