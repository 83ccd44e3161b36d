"""/admin/import — the administrator brings in the bureau's own files: regions, boundaries,
stations, users, historic cases. Upload → background check with progress → preview (new,
changed, unchanged, refused; the refused rows with row, column and reason, also as XLSX) →
confirm → import with progress → result. The command line does the same:
`flask --app app import KIND FILE [--dry-run]`.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update
from flask import current_app
from flask_login import current_user
from sqlmodel import select

from components.format import local_time
from data.errors import DomainError
from data.imports import KINDS
from data.models import ImportJob, Role
from data.services import import_jobs
from web.admin import KIND_NAMES
from web.auth import csrf_token
from web.context import actor, db, today
from web.i18n import N_, _, row_error_text
from web.shell import refused_page, sub_page_header

ROLES = [Role.admin]
dash.register_page(__name__, path="/admin/import", name=N_("数据导入"), title="数据导入 · 人社督导一张图", order=96,
                   icon="bi-upload", roles=ROLES, hidden=True)

P = "adm-imp-"
CALLBACK_PREFIXES = (P,)
JOB, POLL, PANEL, CONFIRM, MSG, SHOW_PASSWORDS, PASSWORDS = (P + "job", P + "poll", P + "panel", P + "confirm",
                                                            P + "msg", P + "show-passwords", P + "passwords")
RECENT = P + "recent"
STATUS = {"checking": (N_("正在检查"), "info"), "checked": (N_("检查通过，待确认"), "primary"),
          "refused": (N_("未通过检查，未写入"), "danger"), "importing": (N_("正在导入"), "info"),
          "done": (N_("已导入"), "success"), "failed": (N_("导入失败"), "danger")}
STAGES = {"read": N_("读取文件"), "check": N_("逐行检查"), "write": N_("写入数据库")}
RUNNING = ("checking", "importing")
SHOWN_ERRORS = 50


def _upload_form() -> html.Form:
    kinds = [html.Option(f"{n}. {_(KIND_NAMES[k])}", value=k) for n, k in enumerate(KINDS, start=1)]
    return html.Form([
        dcc.Input(type="hidden", name="csrf_token", value=csrf_token()),
        dbc.Row([
            dbc.Col([dbc.Label(_("数据类型"), html_for=P + "kind", className="small mb-1"),
                     html.Select(kinds, id=P + "kind", name="kind", className="form-select form-select-sm")], md=3),
            dbc.Col([dbc.Label(_("文件（CSV、XLSX；边界为 GeoJSON）"), html_for=P + "file", className="small mb-1"),
                     html.Div(dcc.Input(id=P + "file", type="file", name="file",
                                        className="form-control form-control-sm"))], md=5),
            dbc.Col([dbc.Label(_("边界坐标系"), html_for=P + "crs", className="small mb-1"),
                     html.Select([html.Option("WGS-84 / CGCS2000", value="wgs84"),
                                  html.Option(_("GCJ-02（高德、腾讯地图）"), value="gcj02")],
                                 id=P + "crs", name="crs", className="form-select form-select-sm")], md=2),
            dbc.Col(html.Button([html.I(className="bi bi-upload me-1"), _("上传并检查")], type="submit",
                                id=P + "submit", className="btn btn-primary btn-sm w-100"), md=2,
                    className="d-flex align-items-end"),
        ], className="g-2"),
    ], method="POST", action="/admin/import/upload", encType="multipart/form-data")


def _templates() -> html.Div:
    links = [html.A([html.I(className="bi bi-file-earmark-spreadsheet me-1"), _(KIND_NAMES[k])],
                    href=f"/admin/import/template/{k}.xlsx", className="me-3", download="")
             for k in KINDS if k != "boundaries"]
    return html.Div([html.Span(_("模板："), className="me-1"), *links,
                     html.Div(_("按顺序导入：%(order)s。同一文件可重复导入，已有记录只更新有变化的内容。",
                                order=" → ".join(_(KIND_NAMES[k]) for k in KINDS)), className="mt-1")],
                    className="small text-secondary mt-2")


def _recent() -> html.Div:
    jobs = db().exec(select(ImportJob.id, ImportJob.kind, ImportJob.filename, ImportJob.status, ImportJob.counts,
                            ImportJob.created_at).order_by(ImportJob.id.desc()).limit(12)).all()
    if not jobs:
        return html.Div(_("还没有导入记录"), className="text-secondary small")
    rows = [html.Tr([html.Td(html.A(f"#{j}", href=f"/admin/import?job={j}")), html.Td(_(KIND_NAMES[k])),
                     html.Td(name, className="text-truncate", style={"maxWidth": "16rem"}),
                     html.Td(dbc.Badge(_(STATUS[s][0]), color=STATUS[s][1])),
                     html.Td(_("新增 %(n)s · 更新 %(c)s", n=(counts or {}).get("new", 0),
                               c=(counts or {}).get("changed", 0)) if s == "done" else ""),
                     html.Td(local_time(at), className="text-nowrap")])
            for j, k, name, s, counts, at in jobs]
    head = html.Thead(html.Tr([html.Th(h) for h in ("", _("类型"), _("文件"), _("状态"), _("结果"), _("时间"))]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, className="small mb-0")


def layout(job=None, error=None, **_query):
    if (refused := refused_page(ROLES)) is not None:
        return refused
    job_id = int(job) if job and str(job).isdigit() else None
    return html.Div([
        sub_page_header(_("数据导入")),
        dbc.Alert(error, color="danger", className="py-2") if error else None,
        dbc.Card(dbc.CardBody([_upload_form(), _templates()]), className="mb-3"),
        dcc.Store(id=JOB, data=job_id),
        dcc.Interval(id=POLL, interval=1000, disabled=job_id is None),
        html.Div(id=MSG, role="status"),
        html.Div(id=PANEL, className="mb-3"),
        dbc.Card([dbc.CardHeader(_("最近的导入"), className="small fw-semibold"),
                  dbc.CardBody(_recent(), id=RECENT)]),
    ])


def _panel(job: ImportJob) -> list:
    stage, done, total = import_jobs.progress_of(job)
    label, colour = STATUS.get(job.status, (job.status, "secondary"))
    counts = job.counts or {}
    parts: list = [html.Div([html.Span(f"#{job.id} · {_(KIND_NAMES.get(job.kind, job.kind))} · {job.filename}",
                                       className="fw-semibold me-2"),
                             dbc.Badge(_(label), color=colour, id=P + "status", className="me-2")],
                            className="mb-2")]
    if job.status in RUNNING:
        percent = int(100 * done / total) if total else 0
        parts.append(dbc.Progress(value=max(percent, 3), label=f"{percent}%", striped=True, animated=True,
                                  id=P + "progress", className="mb-1", style={"height": "1.2rem"}))
        stage_name = _(STAGES.get(stage or "read", STAGES["read"]))
        parts.append(html.Div(_("%(stage)s：%(done)s / %(total)s 行", stage=stage_name, done=f"{done:,}",
                                total=f"{total:,}"), className="small text-secondary"))
    if counts:
        figures = [(_("文件行数"), counts.get("rows", 0)), (_("新增"), counts.get("new", 0)),
                   (_("更新"), counts.get("changed", 0)), (_("无变化"), counts.get("unchanged", 0)),
                   (_("未通过"), counts.get("refused", 0))]
        parts.append(html.Div([html.Div([html.Div(f"{v:,}", className="fs-5 fw-semibold"),
                                         html.Div(k, className="small text-secondary")], className="me-4")
                               for k, v in figures], className="d-flex flex-wrap my-2", id=P + "counts"))
    if job.message:
        parts.append(dbc.Alert(_(job.message), color="danger", className="py-2"))
    if job.errors:
        rows = [html.Tr([html.Td(e["row"]), html.Td(e.get("column") or "—"),
                         html.Td(row_error_text(e))]) for e in job.errors[:SHOWN_ERRORS]]
        parts.append(html.Div([
            html.Div([html.Span(_("共 %(n)s 处问题，数据库未作任何改动", n=job.error_count), className="me-3"),
                      html.A([html.I(className="bi bi-download me-1"), _("下载问题清单（XLSX）")],
                             href=f"/admin/import/{job.id}/errors.xlsx", id=P + "errors-link", download="")],
                     className="small text-danger mb-1"),
            dbc.Table([html.Thead(html.Tr([html.Th(_("行号")), html.Th(_("列")), html.Th(_("问题"))])),
                       html.Tbody(rows)], size="sm", className="small", id=P + "errors"),
        ]))
    if job.status == "checked":
        parts.append(dbc.Button([html.I(className="bi bi-check2-circle me-1"), _("确认导入")], id=CONFIRM,
                                color="success", size="sm"))
    else:
        parts.append(html.Div(id=CONFIRM, hidden=True))
    if job.status == "done" and job.passwords:
        parts.append(dbc.Alert([_("新账户的一次性密码只能查看一次，请妥善转交本人；首次登录须修改。"),
                                dbc.Button(_("显示一次性密码"), id=SHOW_PASSWORDS, size="sm", color="warning",
                                           className="ms-2")], color="warning", className="py-2 mt-2"))
    else:
        parts.append(html.Div(id=SHOW_PASSWORDS, hidden=True))
    parts.append(html.Div(id=PASSWORDS))
    return [dbc.Card(dbc.CardBody(parts))]


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(PANEL, "children"), Output(POLL, "disabled"), Output(RECENT, "children"),
                  Input(POLL, "n_intervals"), Input(JOB, "data"))
    def show(_tick, job_id):
        if not job_id or current_user.role not in ROLES:
            return None, True, no_update
        session = db()
        import_jobs.mark_stale(session)
        job = session.get(ImportJob, job_id)
        if job is None:
            return dbc.Alert(_("没有这个导入任务"), color="warning"), True, no_update
        return _panel(job), job.status not in RUNNING, _recent()  # the list follows the job's status

    @app.callback(Output(MSG, "children"), Output(POLL, "disabled", allow_duplicate=True),
                  Input(CONFIRM, "n_clicks"), State(JOB, "data"), prevent_initial_call=True)
    def confirm(clicks, job_id):
        if not clicks or current_user.role not in ROLES:
            return no_update, no_update
        try:
            job = import_jobs.confirm_job(db(), actor=actor(), job_id=job_id)
        except DomainError as exc:
            return dbc.Alert(_(exc.message, **exc.params), color="danger", className="py-2"), no_update
        import_jobs.start(current_app.extensions["engine"], job.id, actor=actor(), today=today(), dry_run=False)
        return None, False

    @app.callback(Output(PASSWORDS, "children"), Input(SHOW_PASSWORDS, "n_clicks"), State(JOB, "data"),
                  prevent_initial_call=True)
    def passwords(clicks, job_id):
        if not clicks or current_user.role not in ROLES:
            return no_update
        found = import_jobs.take_passwords(db(), actor=actor(), job_id=job_id)
        if not found:
            return html.Div(_("密码已经显示过，不能再次查看；如有遗失，请在用户管理中重置。"), className="small")
        return dbc.Table([html.Thead(html.Tr([html.Th(_("用户名")), html.Th(_("一次性密码"))])),
                          html.Tbody([html.Tr([html.Td(u), html.Td(html.Code(p))]) for u, p in found])],
                         size="sm", className="small mt-2", id=P + "password-table")
