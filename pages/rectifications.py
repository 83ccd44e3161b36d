"""/rectifications — the rectification loop (整改) as people work it.

Stations (their seconded cadre, county and township admins) see what they must fix and report
the fix with photos; inspectors and leaders re-check (复查) and close (销号) what others reported;
leaders and inspectors assign a finding to a station (交办). Overdue items come first.
"""

from __future__ import annotations

import base64
import binascii
import uuid as uuid_lib

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update
from flask_login import current_user

from components import labels
from components.format import count, local_time
from data.errors import DomainError
from data.models import RectificationStatus, Role
from data.queries.inspections import station_options
from data.queries.rectifications import get_rectification, list_rectifications, status_counts
from data.services import rectifications as svc
from data.services.photos import store_photo
from web.context import actor, db, scope, today
from web.i18n import N_, _
from web.i18n import error_text as _error
from web.photos import upload_root
from web.shell import forbidden, refused_page

ROLES = [Role.admin, Role.leader, Role.inspector, Role.cadre]
dash.register_page(__name__, path="/rectifications", name=N_("整改"), title="整改 · 人社督导一张图", order=35,
                   icon="bi-tools", roles=ROLES, group="stations")

P = "rect-"
CALLBACK_PREFIXES = (P,)
STATUS, COUNTS, TABLE, VERSION, SELECTED = P + "status", P + "counts", P + "table", P + "version", P + "selected"
DETAIL, DETAIL_BODY, MSG = P + "detail", P + "detail-body", P + "msg"
REPORT_TEXT, REPORT_UPLOAD, REPORT_PHOTOS, REPORT_SUBMIT = (P + "report-text", P + "report-upload", P + "report-photos",
                                                           P + "report-submit")
CHECK_NOTE, CHECK_PASS, CHECK_REJECT, CLOSE = P + "check-note", P + "check-pass", P + "check-reject", P + "close"
ASSIGN_OPEN, ASSIGN_MODAL, ASSIGN_STATION, ASSIGN_TITLE, ASSIGN_DETAIL, ASSIGN_DAYS, ASSIGN_SUBMIT, ASSIGN_ERROR = (
    P + "assign-open", P + "assign-modal", P + "assign-station", P + "assign-title", P + "assign-detail",
    P + "assign-days", P + "assign-submit", P + "assign-error")
ASSIGN_DONE = P + "assign-done"

FILTERS = {"active": N_("未销号"), "overdue": N_("已超期"), "open": N_("待整改"), "reported": N_("已报送"),
           "rechecked": N_("已复查"), "closed": N_("已销号"), "": N_("全部")}


def _name(table: dict, key) -> str:
    return _(table[key]) if key in table else "—"


def layout(status: str = "active", rect: str | None = None, **_query):
    if (refused := refused_page(ROLES)) is not None:
        return refused
    assigner = current_user.role in svc.ASSIGNERS
    # ?rect=<id> (a link from another page) opens that rectification; the detail callback checks scope
    opened = int(rect) if isinstance(rect, str) and rect.isdigit() else None
    if opened:
        status = ""
    return html.Div([
        dcc.Store(id=VERSION, data=0), dcc.Store(id=SELECTED, data=opened), dcc.Store(id=REPORT_PHOTOS, data=[]),
        html.Div([
            html.H1(_("整改"), className="h4 mb-0"),
            html.Span(_("待整改 → 已报送 → 已复查 → 已销号"), className="text-secondary small ms-3"),
            dbc.Button([html.I(className="bi bi-plus-lg me-1"), _("交办整改")], id=ASSIGN_OPEN, color="primary",
                       size="sm", className="ms-auto") if assigner else None,
        ], className="d-flex align-items-baseline my-3"),
        html.Div(id=ASSIGN_DONE, role="status"),
        html.Div(id=COUNTS, className="mb-3"),
        dbc.Card(dbc.CardBody([
            dbc.RadioItems(id=STATUS, value=status if status in FILTERS else "active", inline=True,
                           className="small mb-2", options=[{"label": _(v), "value": k} for k, v in FILTERS.items()]),
            dag.AgGrid(id=TABLE, className="ag-theme-alpine", style={"height": "60vh"},
                       getRowId="`${params.data.id}`",
                       columnDefs=[
                           {"field": "station", "headerName": _("站点"), "flex": 2, "minWidth": 160,
                            "tooltipField": "station"},
                           {"field": "title", "headerName": _("整改事项"), "flex": 3, "minWidth": 220,
                            "tooltipField": "title"},
                           {"field": "source_name", "headerName": _("来源"), "width": 110},
                           {"field": "responsible_person", "headerName": _("责任人"), "width": 100},
                           {"field": "due_on", "headerName": _("整改期限"), "width": 120},
                           {"field": "status_name", "headerName": _("状态"), "width": 100},
                           {"field": "overdue_days", "headerName": _("超期天数"), "width": 110, "type": "numericColumn",
                            "cellClassRules": {"text-danger fw-semibold": "params.value > 0"}},
                       ],
                       defaultColDef={"sortable": True, "resizable": True, "filter": True},
                       dashGridOptions={"localeText": {"noRowsToShow": _("没有符合条件的整改事项")},
                                        "tooltipShowDelay": 300}),
        ]), className="shadow-sm mb-3"),
        dbc.Offcanvas([html.Div(id=MSG, role="status"),
                       dcc.Loading(html.Div(id=DETAIL_BODY), type="dot", delay_show=300)],
                      id=DETAIL, title=_("整改详情"), placement="end", is_open=bool(opened),
                      style={"width": "min(600px, 100vw)"}),
        _assign_modal() if assigner else None,
    ])


def _assign_modal():
    stations = station_options(db(), scope())
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle(_("交办整改"))),
        dbc.ModalBody([
            html.Div(id=ASSIGN_ERROR),
            dbc.Label(_("整改单位"), html_for=ASSIGN_STATION),
            dcc.Dropdown(id=ASSIGN_STATION, options=[{"label": f"{s['name']} · {s['township']}", "value": s["id"]}
                                                     for s in stations], className="mb-3"),
            dbc.Label(_("整改事项"), html_for=ASSIGN_TITLE),
            dbc.Input(id=ASSIGN_TITLE, maxLength=200, className="mb-3"),
            dbc.Label(_("问题描述与整改要求"), html_for=ASSIGN_DETAIL),
            dbc.Textarea(id=ASSIGN_DETAIL, rows=3, maxLength=4000, className="mb-3"),
            dbc.Label(_("整改期限（工作日）"), html_for=ASSIGN_DAYS),
            dbc.Input(id=ASSIGN_DAYS, type="number", min=1, max=250, step=1, value=15),
        ]),
        dbc.ModalFooter(dbc.Button(_("交办"), id=ASSIGN_SUBMIT, color="primary")),
    ], id=ASSIGN_MODAL, is_open=False)


def _counts_view(counts: dict) -> html.Div:
    tiles = [("open", "secondary"), ("reported", "info"), ("rechecked", "primary"), ("closed", "success"),
             ("overdue", "danger")]
    return dbc.Row([dbc.Col(dbc.Card(dbc.CardBody([
        html.Div(_name({**labels.RECTIFICATION_STATUS, "overdue": N_("已超期")}, key),
                 className="small text-secondary"),
        html.Div(count(counts.get(key, 0)), className=f"fs-4 fw-semibold text-{tone}", id=f"rect-count-{key}"),
    ], className="py-2")), xs=6, md=True, className="mb-2") for key, tone in tiles], className="g-2")


def _timeline(detail: dict) -> html.Ul:
    rect, people = detail["rect"], detail["people"]
    steps = [(rect.created_at, _("立项"), people.get(rect.created_by), None)]
    if rect.rejections:
        steps.append((rect.rechecked_at, _("复查未通过 %(n)s 次", n=rect.rejections), None, rect.recheck_note))
    if rect.reported_at:
        steps.append((rect.reported_at, _("报送整改情况"), people.get(rect.reported_by), rect.report))
    if rect.status in (RectificationStatus.rechecked, RectificationStatus.closed) and rect.rechecked_at:
        steps.append((rect.rechecked_at, _("复查通过"), people.get(rect.rechecked_by), rect.recheck_note))
    if rect.closed_at:
        steps.append((rect.closed_at, _("销号"), None, None))
    return html.Ul([html.Li([
        html.Div([html.Span(local_time(at), className="small text-secondary me-2"),
                  html.Span(what, className="fw-semibold"),
                  html.Span(f" · {who}", className="small") if who else None]),
        html.Div(note, className="small") if note else None,
    ], className="list-group-item") for at, what, who, note in steps], className="list-group list-group-flush mb-3")


def _photos(uuids: list[str]) -> html.Div | None:
    if not uuids:
        return None
    return html.Div([html.A(html.Img(src=f"/photos/{p}", alt=_("照片"), className="evidence-thumb"),
                            href=f"/photos/{p}", target="_blank") for p in uuids], className="d-flex gap-1 flex-wrap")


def _detail_view(detail: dict):
    rect, station, inspection = detail["rect"], detail["station"], detail["inspection"]
    overdue = rect.status != RectificationStatus.closed and rect.due_on < today()
    facts = [
        (_("整改单位"), station.name if station else "—"),
        (_("来源"), _name(labels.RECTIFICATION_SOURCE, rect.source)),
        (_("检查"), f"{inspection.inspected_on:%Y-%m-%d} · {_name(labels.INSPECTION_KIND, inspection.kind)} · "
                    f"{_name(labels.INSPECTION_MODE, inspection.mode)}" if inspection else "—"),
        (_("责任人"), rect.responsible_person or "—"),
        (_("整改期限"), f"{rect.due_on:%Y-%m-%d}" + (" · " + _("已超期 %(n)s 天", n=(today() - rect.due_on).days)
                                                       if overdue else "")),
        (_("状态"), _name(labels.RECTIFICATION_STATUS, rect.status)),
    ]
    me = current_user.id
    body = [
        html.H2(rect.title, className="h6"),
        html.P(rect.detail, className="small") if rect.detail else None,
        _photos(detail["finding_photos"]),
        html.Dl([x for label, value in facts for x in (html.Dt(label, className="col-4 small text-secondary"),
                                                        html.Dd(value, className="col-8 small mb-1"))],
                className="row my-3"),
        _timeline(detail),
        html.Div([html.Div(_("整改照片"), className="small text-secondary"), _photos(detail["photos"])])
        if detail["photos"] else None,
    ]
    role = current_user.role
    if rect.status == RectificationStatus.open and role in svc.REPORTERS:
        body.append(dbc.Card(dbc.CardBody([
            dbc.Label(_("整改情况"), html_for=REPORT_TEXT),
            dbc.Textarea(id=REPORT_TEXT, rows=3, maxLength=4000, className="mb-2"),
            html.Div([dcc.Upload(dbc.Button([html.I(className="bi bi-camera me-1"), _("上传整改照片")], size="sm",
                                            color="secondary", outline=True), id=REPORT_UPLOAD, accept="image/*"),
                      html.Div(id=REPORT_UPLOAD + "-thumbs", className="d-flex gap-1")],
                     className="d-flex align-items-center gap-2 mb-2"),
            dbc.Button(_("报送整改情况"), id=REPORT_SUBMIT, color="primary"),
        ]), className="mt-2"))
    if rect.status == RectificationStatus.reported and role in svc.CHECKERS and rect.reported_by != me:
        body.append(dbc.Card(dbc.CardBody([
            dbc.Label(_("复查意见"), html_for=CHECK_NOTE),
            dbc.Textarea(id=CHECK_NOTE, rows=2, maxLength=4000, className="mb-2"),
            html.Div([dbc.Button(_("复查通过并销号"), id=CHECK_PASS, color="success"),
                      dbc.Button(_("退回重新整改"), id=CHECK_REJECT, color="danger", outline=True)],
                     className="d-flex gap-2"),
        ]), className="mt-2"))
    elif rect.status == RectificationStatus.reported and rect.reported_by == me:
        body.append(html.Div(_("已报送，等待他人复查"), className="small text-secondary"))
    if rect.status == RectificationStatus.rechecked and role in svc.CHECKERS and rect.reported_by != me:
        body.append(dbc.Button(_("销号"), id=CLOSE, color="success", className="mt-2"))
    return html.Div(body)


def _rows(status: str) -> list[dict]:
    rows = list_rectifications(db(), scope(), today=today(), status=status or None)
    for row in rows:
        row["due_on"] = row["due_on"].isoformat()
        row["status_name"] = _name(labels.RECTIFICATION_STATUS, row["status"])
        row["source_name"] = _name(labels.RECTIFICATION_SOURCE, row["source"])
        for key in ("created_at", "inspected_on"):
            row[key] = row[key].isoformat() if row[key] else None
    return rows


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(TABLE, "rowData"), Output(COUNTS, "children"), Input(STATUS, "value"),
                  Input(VERSION, "data"))
    def table(status, _version):
        if current_user.role not in ROLES:
            return [], forbidden()
        return _rows(status), _counts_view(status_counts(db(), scope(), today=today()))

    # a click, not the grid's selection: the grid re-applies a selection to another row when the
    # acted-on row leaves the filtered list, and the detail must not jump to it
    @app.callback(Output(SELECTED, "data"), Output(DETAIL, "is_open"), Input(TABLE, "cellClicked"),
                  prevent_initial_call=True)
    def select(cell):
        if not cell or cell.get("rowId") in (None, ""):
            return no_update, no_update
        return int(cell["rowId"]), True

    @app.callback(Output(DETAIL_BODY, "children"), Input(SELECTED, "data"), Input(VERSION, "data"))
    def detail(rect_id, _version):
        if not rect_id:
            return None
        if current_user.role not in ROLES:
            return forbidden()
        found = get_rectification(db(), scope(), int(rect_id))
        if found is None:
            return dbc.Alert(_("整改事项不存在或不在您的管辖范围内"), color="warning")
        return _detail_view(found)

    @app.callback(Output(REPORT_PHOTOS, "data"), Output(REPORT_UPLOAD + "-thumbs", "children"),
                  Input(REPORT_UPLOAD, "contents"), State(REPORT_PHOTOS, "data"), State(SELECTED, "data"),
                  prevent_initial_call=True)
    def upload(contents, photos, rect_id):
        if not contents or not rect_id:
            return no_update, no_update
        found = get_rectification(db(), scope(), int(rect_id))
        if found is None or current_user.role not in svc.REPORTERS:
            return no_update, html.Span(_("您无权上传整改照片"), className="small text-danger")
        rect = found["rect"]
        photos = [p for p in (photos or []) if p in found["photos"]]
        try:
            data = base64.b64decode(contents.split(",", 1)[1], validate=True)
            stored, _created = store_photo(db(), actor=actor(), root=upload_root(), data=data,
                                           photo_uuid=uuid_lib.uuid4(), owner_kind="rectification",
                                           owner_uuid=rect.uuid, path=rect.path)
        except (IndexError, binascii.Error, ValueError):
            return no_update, html.Span(_("无法识别的图片文件"), className="small text-danger")
        except DomainError as exc:
            return no_update, html.Span(_error(exc), className="small text-danger")
        photos.append(str(stored.uuid))
        return photos, _photos(photos)

    def _act(action) -> tuple:
        try:
            message = action()
        except DomainError as exc:
            return dbc.Alert(_error(exc), color="danger", className="py-2", id="rect-error"), no_update
        version = (ctx.states.get(f"{VERSION}.data") or 0) + 1
        return dbc.Alert(message, color="success", className="py-2", id="rect-done"), version

    @app.callback(Output(MSG, "children", allow_duplicate=True), Output(VERSION, "data", allow_duplicate=True),
                  Input(REPORT_SUBMIT, "n_clicks"), State(REPORT_TEXT, "value"), State(SELECTED, "data"),
                  State(VERSION, "data"), prevent_initial_call=True)
    def report(n, text, rect_id, _version):
        if not n:
            return no_update, no_update

        def go():
            svc.report(db(), actor=actor(), rectification_id=int(rect_id), text=text)
            return _("已报送，等待复查")
        return _act(go)

    @app.callback(Output(MSG, "children", allow_duplicate=True), Output(VERSION, "data", allow_duplicate=True),
                  Input(CHECK_PASS, "n_clicks"), Input(CHECK_REJECT, "n_clicks"), State(CHECK_NOTE, "value"),
                  State(SELECTED, "data"), State(VERSION, "data"), prevent_initial_call=True)
    def recheck(n_pass, n_reject, note, rect_id, _version):
        if not (n_pass or n_reject):
            return no_update, no_update
        passed = ctx.triggered_id == CHECK_PASS

        def go():
            svc.recheck(db(), actor=actor(), rectification_id=int(rect_id), passed=passed, note=note, close=passed)
            return _("复查通过，已销号") if passed else _("已退回重新整改")
        return _act(go)

    @app.callback(Output(MSG, "children", allow_duplicate=True), Output(VERSION, "data", allow_duplicate=True),
                  Input(CLOSE, "n_clicks"), State(SELECTED, "data"), State(VERSION, "data"),
                  prevent_initial_call=True)
    def close(n, rect_id, _version):
        if not n:
            return no_update, no_update

        def go():
            svc.close(db(), actor=actor(), rectification_id=int(rect_id))
            return _("已销号")
        return _act(go)

    @app.callback(Output(ASSIGN_MODAL, "is_open"), Output(ASSIGN_ERROR, "children"),
                  Output(VERSION, "data", allow_duplicate=True), Output(ASSIGN_DONE, "children"),
                  Input(ASSIGN_OPEN, "n_clicks"), Input(ASSIGN_SUBMIT, "n_clicks"), State(ASSIGN_STATION, "value"),
                  State(ASSIGN_TITLE, "value"), State(ASSIGN_DETAIL, "value"), State(ASSIGN_DAYS, "value"),
                  State(VERSION, "data"), prevent_initial_call=True)
    def assign(opened, submitted, station_id, title, detail_text, days, version):
        if ctx.triggered_id == ASSIGN_OPEN:
            return True, None, no_update, no_update
        if not submitted:
            return no_update, no_update, no_update, no_update
        if not station_id:
            return True, dbc.Alert(_("请选择整改单位"), color="danger", className="py-2"), no_update, no_update
        try:
            rect = svc.assign(db(), actor=actor(), station_id=int(station_id), title=title, detail=detail_text,
                              today=today(), due_days=int(days) if days not in (None, "") else None)
        except (TypeError, ValueError):
            return True, dbc.Alert(_("整改期限须为 1 到 250 个工作日"), color="danger", className="py-2"), no_update, \
                no_update
        except DomainError as exc:
            return True, dbc.Alert(_error(exc), color="danger", className="py-2"), no_update, no_update
        return False, None, (version or 0) + 1, dbc.Alert(_("已交办，整改期限 %(due)s", due=f"{rect.due_on:%Y-%m-%d}"),
                                                         color="success", className="py-2")
