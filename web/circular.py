"""/audits/circular — the circular (通报) of a period's window audits, as a print-ready A4 page.

    /audits/circular?from=YYYY-MM-DD&to=YYYY-MM-DD[&region=<12-digit code>][&mode=overt|covert|phone|online]

Leaders print it (or save it as PDF) from the browser: an official-document layout with the
audits, the problems found at several stations, the negative cases and their findings, the
rectifications ordered with their deadlines and how far they have got. Published audits only,
whoever asks: a covert audit enters a circular when it is published, never before.

Bad or missing dates are a 400 with a message, a region outside the user's regions (or unknown)
a 404; the roles of /audits may open it. Everything user-typed is escaped by Jinja.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, abort, redirect, render_template, request, send_from_directory
from flask_login import current_user

from components import labels as names
from components.format import count, percent
from data.errors import N_, ValidationError
from data.models import Role
from data.queries import audits as q
from data.queries.regions import top_region
from data.scope import OutOfScope
from web.context import db, scope, today
from web.i18n import _, is_english

bp = Blueprint("circular", __name__)
STATIC = Path(__file__).resolve().parent / "static" / "circular"
ROLES = frozenset({Role.admin, Role.leader, Role.inspector, Role.cadre})
CHINESE_DIGITS = "〇一二三四五六七八九"
MAX_DAYS = 3 * 366


def init_app(server: Flask) -> None:
    server.register_blueprint(bp)


@bp.get("/audits/circular/print.js")
def print_script():
    return send_from_directory(STATIC, "print.js", mimetype="text/javascript", max_age=3600)


def _plain(message: str, status: int) -> Response:
    return Response(message, status=status, mimetype="text/plain")


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (n < 100)."""
    if n < 10:
        return CHINESE_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (CHINESE_DIGITS[tens] if tens > 1 else "") + "十" + (CHINESE_DIGITS[ones] if ones else "")


def ordinal(n: int) -> str:
    """The sub-heading number of official documents: （一）, （二）… ((1), (2)… in English)."""
    return f"({n})" if is_english() else f"（{chinese_number(n)}）"


def long_date(day: date) -> str:
    return _("%(y)s年%(m)s月%(d)s日", y=day.year, m=day.month, d=day.day)


def period_label(start: date, end: date) -> str:
    """2026年10月, 2026年第三季度, 2026年上半年, 2026年; else 2026年9月1日至10月15日."""
    next_day = end + timedelta(days=1)
    whole_months = start.day == 1 and next_day.day == 1
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if whole_months and start.year == end.year:
        if months == 1:
            return _("%(y)s年%(m)s月", y=start.year, m=start.month)
        if months == 12:
            return _("%(year)s年", year=start.year)
        if months == 6 and start.month in (1, 7):
            return (_("%(y)s年上半年", y=start.year) if start.month == 1 else _("%(y)s年下半年", y=start.year))
        if months == 3 and start.month in (1, 4, 7, 10):
            quarter = {1: _("%(y)s年第一季度", y=start.year), 4: _("%(y)s年第二季度", y=start.year),
                       7: _("%(y)s年第三季度", y=start.year), 10: _("%(y)s年第四季度", y=start.year)}
            return quarter[start.month]
    end_text = (_("%(m)s月%(d)s日", m=end.month, d=end.day) if end.year == start.year else long_date(end))
    return _("%(start)s至%(end)s", start=long_date(start), end=end_text)


def _dates() -> tuple[date, date]:
    """from and to, strictly. Raises ValidationError with the message to show."""
    parsed = []
    for name in ("from", "to"):
        value = (request.args.get(name) or "").strip()
        if not value:
            raise ValidationError(N_("请指定通报期间（from、to，格式 YYYY-MM-DD）"), field=name)
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValidationError(N_("日期格式应为 YYYY-MM-DD"), field=name) from None
        if not 2000 <= day.year <= 2100 or len(value) != 10:
            raise ValidationError(N_("日期格式应为 YYYY-MM-DD"), field=name)
        parsed.append(day)
    start, end = parsed
    if start > end:
        raise ValidationError(N_("开始日期不能晚于结束日期"), field="from")
    if (end - start).days > MAX_DAYS:
        raise ValidationError(N_("通报期间最长三年"), field="to")
    return start, end


@bp.get("/audits/circular")
def audit_circular():
    """The circular for the period, region and mode in the query string."""
    if current_user.role not in ROLES:
        return _plain(_("您的角色无权查看此页面。"), 403)
    if not request.args.get("from") and not request.args.get("to"):  # a bare link or bookmark: the page's default
        period = q.AuditFilters.default(today())
        args = {**request.args, "from": period.date_from.isoformat(), "to": period.date_to.isoformat()}
        return redirect(f"{request.path}?{urlencode(args)}")
    try:
        start, end = _dates()
        filters = q.AuditFilters.from_dict({"date_from": start.isoformat(), "date_to": end.isoformat(),
                                            "region_code": request.args.get("region"),
                                            "mode": request.args.get("mode")}, strict=True)
    except ValidationError as exc:  # a hand-edited address: what is wrong, and the way back
        return render_template("error.html", message=_(exc.message, **exc.params), request_id=None,
                               back=("/audits", _("返回明察暗访"))), 400
    day = today()
    try:
        doc = q.circular(db(), scope=scope(), filters=filters, today=day)
    except OutOfScope:
        abort(404)
    response = Response(render_template("audit_circular.html", **_view(doc, start, end, day)))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _text(chinese: str, english: str | None) -> str:
    return (english or chinese) if is_english() else chinese


def _view(doc: q.Circular, start: date, end: date, day: date) -> dict:
    """What the template shows, worded and formatted here (the template only lays it out)."""
    top = top_region(db(), scope())
    city = top.name if top else ""
    # a province's office is its department (厅), writing to its cities' bureaus; a city's is its
    # bureau (局), writing to its counties' bureaus and its townships' stations
    if top is not None and top.level == "province":
        issuer, office, addressee = (_("%(city)s人力资源和社会保障厅", city=city), _("我厅"),
                                     _("各设区市人力资源和社会保障局："))
    else:
        issuer, office, addressee = (_("%(city)s人力资源和社会保障局", city=city), _("我局"),
                                     _("各县（市、区）人力资源和社会保障局，各乡镇（街道）人社所："))
    counts = doc.counts
    modes = {k: _(v) for k, v in names.INSPECTION_MODE.items()}
    grades = {k: _(v) for k, v in names.GRADE.items()}
    mode_counts = [(modes.get(m, m), count(counts.by_mode.get(m, 0))) for m in ("overt", "covert", "phone", "online")
                   if counts.by_mode.get(m)]
    recurring = [{"text": _text(p.item.text, p.item.text_en), "stations": [s["name"] for s in p.stations],
                  "station_count": len(p.stations), "fails": p.item.fails,
                  "rate": percent(p.item.fails, p.item.applicable)} for p in doc.recurring]
    top_items = [{"text": _text(f.text, f.text_en), "fails": f.fails, "rate": percent(f.fails, f.applicable),
                  "category": _text(f.category_name, f.category_name_en)} for f in doc.items if f.fails][:8]
    audits = [{**a, "mode_label": modes.get(a["mode"], a["mode"]),
               "grade_label": grades.get(a["grade"], "—") if a["grade"] else "—",
               "score_text": "—" if a["score"] is None else f"{a['score']:.1f}"} for a in doc.audits]
    negatives = [{**n, "mode_label": modes.get(n["mode"], n["mode"]), "date_text": long_date(n["inspected_on"]),
                  "grade_label": grades.get(n["grade"], "—") if n["grade"] else "—",
                  "score_text": "—" if n["score"] is None else f"{n['score']:.1f}",
                  "findings": [{**f, "text": _text(f["text"], f["text_en"])} for f in n["findings"]]}
                 for n in doc.negatives]
    requirements = [{**r, "due_text": r["due_on"].isoformat() if r["due_on"] else ""} for r in doc.requirements]
    area_rows = [{"name": r["name"], **{k: count(r.get(k, 0)) for k in ("total", "closed", "rechecked", "reported",
                                                                        "open", "overdue")}}
                 for r in doc.status_by_area]
    return {
        "city": city, "issuer": issuer, "office": office, "addressee": addressee,
        "period": period_label(start, end), "start": start, "end": end, "region": doc.region_name,
        "area": doc.region_name or city, "issued": long_date(day), "year": day.year,
        "counts": counts, "mode_counts": mode_counts, "pass_rate": percent(counts.passed, counts.graded),
        "grade_counts": [(grades[g], count(counts.by_grade.get(g, 0)))
                         for g in ("model", "standard", "rectify", "fail")],
        "failed_findings": doc.failed_findings, "recurring": recurring, "top_items": top_items,
        "audits": audits, "negatives": negatives, "requirements": requirements, "status": doc.status,
        "area_rows": area_rows, "ordinal": ordinal, "count": count,
        "level_label": _("县（市、区）") if q.area_level(q.narrowed(db(), scope(), doc.filters)) == "county"
        else _("乡镇（街道）"),
    }
