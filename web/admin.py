"""The administrator's Flask routes (the screens are Dash pages: pages/admin*.py):

    POST /admin/import/upload              a file to import: checked in the background, then previewed
    GET  /admin/import/template/<kind>.xlsx the template of a kind (header, example, drop-downs)
    GET  /admin/import/<job>/errors.xlsx    the rows a check refused, with row, column and reason

Every one is for admins only (403 for anyone else, 401/redirect before sign-in by the guard).
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Flask, Response, abort, current_app, redirect, request
from flask_login import current_user

from components.audit_log import COLUMNS as LOG_COLUMNS
from components.audit_log import rows_for_export
from components.export import workbook_bytes
from components.import_files import errors_workbook, template_workbook
from data.errors import DomainError
from data.imports import KINDS
from data.models import ImportJob, Role
from data.queries.audit_log import LogFilters, audit_events
from data.services import import_jobs
from web.context import actor, db, today
from web.i18n import N_, _, row_error_text

bp = Blueprint("admin", __name__, url_prefix="/admin")
KIND_NAMES = {"regions": N_("行政区划"), "boundaries": N_("区划边界"), "grid-cells": N_("网格"),
              "stations": N_("站点"), "staff": N_("站点人员"), "users": N_("用户"), "secondments": N_("挂职干部"),
              "cases": N_("欠薪案件"), "ratings": N_("好差评")}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _admin_only() -> None:
    if not current_user.is_authenticated or current_user.role != Role.admin:
        abort(403)


def _download(body: bytes, name: str) -> Response:
    response = Response(body, mimetype=XLSX)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/import/upload")
def upload():
    _admin_only()
    upload = request.files.get("file")
    kind = request.form.get("kind", "")
    options = {"crs": request.form.get("crs") or "wgs84"} if kind == "boundaries" else {}
    try:
        job = import_jobs.create_job(db(), actor=actor(), kind=kind, filename=upload.filename if upload else "",
                                     data=upload.read() if upload else b"", options=options)
    except DomainError as exc:
        return redirect(f"/admin/import?error={quote(_(exc.message, **exc.params))}")
    import_jobs.start(current_app.extensions["engine"], job.id, actor=actor(), today=today(), dry_run=True)
    return redirect(f"/admin/import?job={job.id}")


@bp.get("/import/template/<kind>.xlsx")
def template(kind: str):
    _admin_only()
    if kind not in KINDS or kind == "boundaries":
        abort(404)
    body = template_workbook(KINDS[kind].columns, title=_(KIND_NAMES[kind]),
                             required_note=_("粗体列必填；第二行是示例，导入前请删除"))
    return _download(body, f"{_('导入模板')}_{_(KIND_NAMES[kind])}.xlsx")


@bp.get("/import/<int:job_id>/errors.xlsx")
def errors(job_id: int):
    _admin_only()
    job = db().get(ImportJob, job_id)
    if job is None:
        abort(404)
    body = errors_workbook(job.errors or [], title=_("未通过检查的行"), headers=(_("行号"), _("列"), _("问题")),
                           text=row_error_text,
                           note=_("%(file)s：共 %(n)s 处问题", file=job.filename, n=job.error_count))
    return _download(body, f"{_('导入问题')}_{job.id}.xlsx")


def init_app(server: Flask) -> None:
    server.register_blueprint(bp)



@bp.get("/log.xlsx")
def log_export():
    """The operation log as filtered on /admin/log, newest first (at most 50,000 rows)."""
    _admin_only()
    args = request.args
    filters = LogFilters.parse(args.get("person"), args.get("action"), args.get("target"), args.get("from"),
                               args.get("to"), args.get("region"))
    events, total = audit_events(db(), filters, limit=50_000)
    body = workbook_bytes(title=_("操作日志"), columns=[(k, _(t), w) for k, t, w in LOG_COLUMNS],
                          rows=rows_for_export(events),
                          note=_("共 %(total)s 条，导出 %(shown)s 条", total=total, shown=len(events)))
    return _download(body, f"{_('操作日志')}_{today().isoformat()}.xlsx")
