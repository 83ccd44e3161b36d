"""/blacklist — 失信联合惩戒名单: offices propose employers with grounds and cases, leaders approve,
publish and remove (data.services.blacklist); the list by state, one entry's record, and its
export. Reached from /cases (the repeat employers' card) and the leaders' to-do list."""

from __future__ import annotations

from datetime import date

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from flask_login import current_user

from components import labels
from components.export import file_name, workbook_bytes
from data.errors import DomainError
from data.models import Role
from data.queries import blacklist as q
from data.services import blacklist as svc
from web.context import actor, db, scope, today
from web.i18n import N_, _
from web.i18n import error_text as _error
from web.shell import refused_page, sub_page_header

ROLES = [Role.admin, Role.leader, Role.case_officer]
dash.register_page(__name__, path="/blacklist", name=N_("失信联合惩戒名单"), title="失信联合惩戒名单 · 人社督导一张图",
                   order=12, icon="bi-person-x", roles=ROLES, hidden=True)

P = "bl-"
CALLBACK_PREFIXES = (P,)
STATUS, TABLE, SELECTED, VERSION, PANEL, MSG, NOTE, PUBLISH_ON, EXPORT, DOWNLOAD = (P + name for name in (
    "status", "table", "selected", "version", "panel", "msg", "note", "publish-on", "export", "download"))
# the proposal's form
OPEN, MODAL, EMPLOYER, CASES, GROUNDS, SUBMIT, FORM_ERROR = (P + name for name in (
    "open", "modal", "employer", "cases", "grounds", "submit", "form-error"))
PROPOSERS, DECIDERS = (Role.case_officer, Role.admin), (Role.leader, Role.admin)  # what the services allow
FILTERS = {"": N_("全部"), "proposed": N_("拟列入"), "approved": N_("已批准待公布"), "published": N_("已公布"),
           "due": N_("期满待移出"), "removed": N_("已移出"), "rejected": N_("未批准")}


def _entry_id(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def layout(entry=None, **_query):
    if (refused := refused_page(ROLES)) is not None:
        return refused
    tools = [dbc.Button([html.I(className="bi bi-download me-1"), _("导出")], id=EXPORT, color="secondary",
                        outline=True, size="sm")]
    if current_user.role in PROPOSERS:
        tools.insert(0, dbc.Button([html.I(className="bi bi-plus-lg me-1"), _("提出列入申请")], id=OPEN,
                                   color="primary", size="sm", className="me-2"))
    return html.Div([
        sub_page_header(_("失信联合惩戒名单"), back_href="/cases", back_label=N_("欠薪案件")),
        html.P(_("拖欠农民工工资失信联合惩戒对象：承办单位提出 → 领导审批 → 公布（列入期限自公布之日起计算）→ "
                 "期满移出；期满前移出须说明理由（如信用修复）。每一步记入操作日志。"),
               className="small text-secondary"),
        dbc.Row([
            dbc.Col(dbc.RadioItems(id=STATUS, options=[{"label": _(v), "value": k} for k, v in FILTERS.items()],
                                   value="", inline=True, className="small"), md=True),
            dbc.Col(html.Div(tools, className="text-end"), md="auto"),
        ], className="align-items-center mb-2"),
        dag.AgGrid(id=TABLE, columnDefs=[
            {"field": "employer", "headerName": _("用人单位"), "flex": 2, "minWidth": 180, "tooltipField": "employer"},
            {"field": "uscc", "headerName": _("统一社会信用代码"), "width": 205},
            {"field": "status_label", "headerName": _("状态"), "width": 120},
            {"field": "cases", "headerName": _("依据案件"), "width": 90, "type": "rightAligned"},
            {"field": "grounds", "headerName": _("列入事由"), "flex": 3, "minWidth": 200, "tooltipField": "grounds"},
            {"field": "proposed_on", "headerName": _("提出日期"), "width": 115},
            {"field": "published_on", "headerName": _("公布日期"), "width": 115},
            {"field": "expires_on", "headerName": _("期满日期"), "width": 115},
        ], getRowId="`${params.data.id}`", defaultColDef={"resizable": True, "sortable": True},
            dashGridOptions={"rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
                             "tooltipShowDelay": 300, "localeText": {"noRowsToShow": _("名单中暂无记录")}},
            style={"height": "360px"}, className="ag-theme-quartz"),
        html.Div(id=MSG, className="mt-2"),
        html.Div(id=PANEL, className="mt-2"),
        dcc.Store(id=SELECTED, data=_entry_id(entry)), dcc.Store(id=VERSION, data=0), dcc.Download(id=DOWNLOAD),
        _propose_modal() if current_user.role in PROPOSERS else None,
    ])


def _propose_modal() -> dbc.Modal:
    employers = q.proposable_employers(db(), scope=scope())
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle(_("提出列入失信联合惩戒名单"))),
        dbc.ModalBody([
            html.Div(id=FORM_ERROR),
            dbc.Label(_("用人单位"), html_for=EMPLOYER),
            dcc.Dropdown(id=EMPLOYER, options=[{"label": _("%(name)s（%(n)s 件）", name=e["name"], n=e["cases"]),
                                                "value": e["id"]} for e in employers]),
            dbc.Label(_("依据案件"), className="mt-2"),
            dbc.Checklist(id=CASES, options=[], value=[], className="small"),
            dbc.Label(_("列入事由"), html_for=GROUNDS, className="mt-2"),
            dbc.Textarea(id=GROUNDS, rows=3, maxLength=2000,
                         placeholder=_("如：拖欠农民工工资数额达到认定拒不支付劳动报酬罪标准；引发群体性事件")),
        ]),
        dbc.ModalFooter(dbc.Button(_("提交审批"), id=SUBMIT, color="primary")),
    ], id=MODAL, is_open=False, size="lg")


def _row(entry: dict) -> dict:
    status = "due" if entry["due_for_removal"] else entry["status"]
    label = FILTERS["due"] if status == "due" else labels.BLACKLIST_STATUS[entry["status"]]
    return {"id": entry["id"], "employer": entry["employer"], "uscc": entry["uscc"], "status_label": _(label),
            "cases": entry["cases"], "grounds": entry["grounds"], "proposed_on": f"{entry['proposed_at']:%Y-%m-%d}",
            "published_on": str(entry["published_on"] or ""), "expires_on": str(entry["expires_on"] or "")}


def _acts(entry: dict) -> list[str]:
    """What this user may do to the entry now (the service checks all of it again)."""
    if current_user.role not in DECIDERS:
        return []
    if entry["status"] == "proposed":
        return [] if entry["proposer_id"] == current_user.id else ["approve", "reject"]
    return {"approved": ["publish"], "published": ["remove"]}.get(entry["status"], [])


ACT_LABELS = {"approve": N_("批准列入"), "reject": N_("不予批准"), "publish": N_("公布"), "remove": N_("移出名单")}


def _panel(entry: dict) -> dbc.Card:
    facts = [(_("用人单位"), f"{entry['employer']}（{entry['uscc']}）"),
             (_("状态"), _row(entry)["status_label"]), (_("列入事由"), entry["grounds"]),
             (_("依据案件"), _("%(n)s 件", n=entry["cases"])),
             (_("提出"), f"{entry['proposed_by'] or ''} · {entry['proposed_at']:%Y-%m-%d}"),
             (_("审批"), " · ".join(x for x in (entry["decided_by"], entry["decision_note"]) if x) or "—"),
             (_("公布 / 期满"), f"{entry['published_on'] or '—'} / {entry['expires_on'] or '—'}"),
             (_("移出"), " · ".join(str(x) for x in (entry["removed_on"], entry["removal_reason"]) if x) or "—")]
    acts = _acts(entry)
    form = []
    if acts:
        # the date is on the form whatever the act (the act's callback reads it), shown for 公布 only
        form.append(dbc.InputGroup([dbc.InputGroupText(_("公布日期")),
                                    dbc.Input(id=PUBLISH_ON, type="date", value=today().isoformat())],
                                   size="sm", className="mb-2",
                                   style={"maxWidth": "20rem"} if "publish" in acts else {"display": "none"}))
        form += [dbc.Textarea(id=NOTE, rows=2, maxLength=2000, className="mb-2",
                              placeholder=_("意见或理由（不予批准、期满前移出时必填）")),
                 html.Div([dbc.Button(_(ACT_LABELS[a]), id={"type": P + "act", "act": a}, size="sm",
                                      color="danger" if a in ("reject", "remove") else "primary",
                                      outline=a in ("reject", "remove"), className="me-2") for a in acts])]
    return dbc.Card([
        dbc.CardHeader(entry["employer"]),
        dbc.CardBody([html.Table(html.Tbody([html.Tr([html.Th(k, className="text-nowrap pe-3 fw-normal text-secondary"),
                                                      html.Td(v)]) for k, v in facts]),
                                 className="table table-sm small mb-2"), *form]),
    ], className="shadow-sm", id=P + "entry")


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(TABLE, "rowData"), Input(STATUS, "value"), Input(VERSION, "data"))
    def rows(status, _version):
        return [_row(e) for e in q.list_entries(db(), scope=scope(), today=today(), status=status or None)]

    @app.callback(Output(SELECTED, "data"), Input(TABLE, "selectedRows"), prevent_initial_call=True)
    def select(selected):
        return selected[0]["id"] if selected else no_update

    @app.callback(Output(PANEL, "children"), Input(SELECTED, "data"), Input(VERSION, "data"))
    def show(entry_id, _version):
        if not entry_id:
            return html.Div(_("选择一条记录查看经过并办理。"), className="small text-secondary")
        entry = next(iter(q.list_entries(db(), scope=scope(), today=today(), entry_id=int(entry_id))), None)
        return _panel(entry) if entry else dbc.Alert(_("名单记录不存在或不在您的管辖范围内"), color="warning")

    @app.callback(Output(VERSION, "data", allow_duplicate=True), Output(MSG, "children", allow_duplicate=True),
                  Input({"type": P + "act", "act": ALL}, "n_clicks"), State(SELECTED, "data"), State(NOTE, "value"),
                  State(PUBLISH_ON, "value"), State(VERSION, "data"), prevent_initial_call=True)
    def act(clicks, entry_id, note, publish_on, version):
        if not ctx.triggered_id or not any(clicks or []) or not entry_id:
            return no_update, no_update
        what, session, who, day = ctx.triggered_id["act"], db(), actor(), today()
        try:
            if what in ("approve", "reject"):
                svc.decide(session, actor=who, entry_id=entry_id, approve=what == "approve", note=note)
            elif what == "publish":
                try:
                    on = date.fromisoformat(publish_on or "")
                except ValueError:
                    on = None
                svc.publish(session, actor=who, entry_id=entry_id, published_on=on, today=day)
            elif what == "remove":
                svc.remove(session, actor=who, entry_id=entry_id, today=day, reason=note)
        except DomainError as exc:
            session.rollback()
            return no_update, dbc.Alert(_error(exc), color="danger", className="py-2")
        return (version or 0) + 1, dbc.Alert(_("已%(act)s，记入操作日志", act=_(ACT_LABELS[what])), color="success",
                                             dismissable=True, className="py-2")

    @app.callback(Output(MODAL, "is_open"), Input(OPEN, "n_clicks"), prevent_initial_call=True)
    def open_form(_n):
        return True

    @app.callback(Output(CASES, "options"), Output(CASES, "value"), Input(EMPLOYER, "value"),
                  prevent_initial_call=True)
    def cases_of(employer_id):
        if not employer_id:
            return [], []
        cases = q.employer_cases(db(), scope=scope(), employer_id=int(employer_id))
        return [{"label": f"{c['case_no']} · {c['received_on']} · " + _("%(n)s 人", n=c["workers"]),
                 "value": c["id"]} for c in cases], [c["id"] for c in cases]

    @app.callback(Output(MODAL, "is_open", allow_duplicate=True), Output(FORM_ERROR, "children"),
                  Output(VERSION, "data", allow_duplicate=True), Output(SELECTED, "data", allow_duplicate=True),
                  Input(SUBMIT, "n_clicks"), State(EMPLOYER, "value"), State(CASES, "value"), State(GROUNDS, "value"),
                  State(VERSION, "data"), prevent_initial_call=True)
    def submit(_n, employer_id, case_ids, grounds, version):
        session = db()
        try:
            entry = svc.propose(session, actor=actor(), employer_id=int(employer_id) if employer_id else None,
                                grounds=grounds or "", case_ids=case_ids or [])
        except DomainError as exc:
            session.rollback()
            return True, dbc.Alert(_error(exc), color="danger", className="py-2"), no_update, no_update
        return False, None, (version or 0) + 1, entry.id

    @app.callback(Output(DOWNLOAD, "data"), Input(EXPORT, "n_clicks"), State(STATUS, "value"),
                  prevent_initial_call=True)
    def export(_n, status):
        entries = q.list_entries(db(), scope=scope(), today=today(), status=status or None)
        columns = [("employer", _("用人单位"), 32), ("uscc", _("统一社会信用代码"), 22),
                   ("status_label", _("状态"), 12), ("cases", _("依据案件"), 10), ("grounds", _("列入事由"), 48),
                   ("proposed_on", _("提出日期"), 12),
                   ("published_on", _("公布日期"), 12), ("expires_on", _("期满日期"), 12)]
        data = workbook_bytes(title=_("失信联合惩戒名单"), columns=columns, rows=[_row(e) for e in entries],
                              note=_("导出时间 %(d)s · 共 %(n)s 条", d=today().isoformat(), n=len(entries)))
        label = FILTERS[status or ""]
        return dcc.send_bytes(data, file_name(_("失信联合惩戒名单"), _(label), today()))
