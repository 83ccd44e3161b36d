"""/audit-plan — 暗访计划: the inspection leads and city leaders draw the year's unannounced window
audits (data.services.audit_plan), draw a draft again, publish it, and follow it (planned, done,
overdue, coverage by county); a seconded auditor sees only their own assignments, shortly before the
day. Confidential: every callback asks data.queries.audit_plan.plan_access again; the station side
never reaches the page (ROLES) nor its callbacks (the guard's CALLBACK_PREFIXES)."""

from __future__ import annotations

from datetime import date

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update
from flask_login import current_user

from components import labels
from components.cards import kpi_card
from components.format import count, percent
from data.errors import DomainError
from data.models import Role
from data.queries import audit_plan as q
from data.queries.settings import work_calendar
from data.services import audit_plan as svc
from web.context import actor, db, scope, today
from web.i18n import N_, _
from web.i18n import error_text as _error
from web.shell import refused_page

ROLES = [Role.leader, Role.inspector]
dash.register_page(__name__, path="/audit-plan", name=N_("暗访计划"), title="暗访计划 · 人社督导一张图", order=24,
                   icon="bi-calendar2-check", roles=ROLES, group="stations")

P = "plan-"
CALLBACK_PREFIXES = (P,)
NAME, FROM, TO, MODES, PER, SEED = P + "name", P + "from", P + "to", P + "modes", P + "per", P + "seed"
DRAW, REDRAW, PUBLISH, MSG = P + "draw", P + "redraw", P + "publish", P + "msg"
SELECTED, VERSION, PICK, TABLE, PROGRESS = P + "selected", P + "version", P + "pick", P + "table", P + "progress"
STATUS = {"planned": N_("待执行"), "done": N_("已完成"), "overdue": N_("已逾期")}
PLAN_STATUS = {"draft": N_("草稿（可重新抽取）"), "published": N_("已发布")}


def _access() -> str | None:
    return q.access_of(db(), user_id=current_user.id, role=current_user.role, scope=scope())


def layout(**_query):
    if (refused := refused_page(ROLES)) is not None:
        return refused
    access = _access()
    if access == "lead":
        return _lead_layout()
    mine = q.my_assignments(db(), user_id=current_user.id, today=today())
    rows = [html.Li([html.Strong(a["station"]), html.Span(f" · {a['due_on']} · ", className="text-secondary"),
                     _(labels.INSPECTION_MODE.get(a["mode"], a["mode"])),
                     html.Span(" · " + _("同组：%(names)s", names="、".join(a["partners"])),
                               className="text-secondary"),
                     dbc.Badge(_("已逾期"), color="danger", className="ms-2") if a["overdue"] else None],
                    className="list-group-item") for a in mine]
    return html.Div([
        html.H1(_("我的暗访任务"), className="h4 my-3"),
        html.P(_("暗访计划保密：任务在执行日前 %(n)s 天内显示；在“督查录入”或手机上录入该站的督查即完成。",
                 n=q.NOTICE_DAYS), className="small text-secondary"),
        html.Ul(rows, className="list-group", id=P + "mine") if rows else
        dbc.Alert(_("近期没有分配给您的暗访任务。"), color="secondary", id=P + "mine"),
    ])


def _lead_layout() -> html.Div:
    plans = q.list_plans(db(), scope=scope())
    year = today().year + (1 if today().month >= 11 else 0)
    form = dbc.Card([
        dbc.CardHeader(_("抽取暗访计划")),
        dbc.CardBody([
            html.Div(id=MSG),
            dbc.Row([
                dbc.Col([dbc.Label(_("计划名称"), html_for=NAME),
                         dbc.Input(id=NAME, value=_("%(y)s年窗口暗访计划", y=year), maxLength=80)], md=4),
                dbc.Col([dbc.Label(_("开始日期"), html_for=FROM),
                         dbc.Input(id=FROM, type="date", value=date(year, 1, 1).isoformat())], md=2),
                dbc.Col([dbc.Label(_("结束日期"), html_for=TO),
                         dbc.Input(id=TO, type="date", value=date(year, 12, 31).isoformat())], md=2),
                dbc.Col([dbc.Label(_("每站至少（次）"), html_for=PER),
                         dbc.Input(id=PER, type="number", min=1, max=12, step=1, value=1)], md=2),
                dbc.Col([dbc.Label(_("随机种子（留空自动）"), html_for=SEED),
                         dbc.Input(id=SEED, type="number", step=1)], md=2),
                dbc.Col([dbc.Label(_("督查方式")), dbc.Checklist(
                    id=MODES, inline=True, value=["covert", "phone", "online"],
                    options=[{"label": _(labels.INSPECTION_MODE[m]), "value": m}
                             for m in ("covert", "overt", "phone", "online")])], md=12),
            ], className="g-2"),
            html.Div(_("等级较低、整改未销号、差评较多的人社所抽中次数更多；每组两人，不派本县人员（回避）；"
                       "同一种子抽取结果相同，发布后不能重新抽取。"), className="form-text mb-2"),
            dbc.Button(_("抽取新计划"), id=DRAW, color="primary", size="sm", className="me-2"),
            dbc.Button(_("重新抽取所选草稿"), id=REDRAW, color="secondary", outline=True, size="sm", className="me-2"),
            dbc.Button(_("发布所选计划"), id=PUBLISH, color="danger", outline=True, size="sm"),
        ]),
    ], className="shadow-sm mb-3")
    options = [{"label": _plan_label(p), "value": p["id"]} for p in plans]
    return html.Div([
        html.Div([html.H1(_("暗访计划"), className="h4 mb-0"),
                  dbc.Badge(_("保密"), color="danger", className="ms-2")], className="d-flex align-items-center my-3"),
        form,
        dbc.Row([dbc.Col(dcc.Dropdown(id=PICK, options=options, value=plans[0]["id"] if plans else None,
                                      placeholder=_("选择计划"), clearable=False), md=6)], className="mb-2"),
        html.Div(id=PROGRESS),
        dbc.Card([dbc.CardHeader(_("抽取结果")), dbc.CardBody(dag.AgGrid(
            id=TABLE, columnDefs=[
                {"field": "due_on", "headerName": _("执行日期"), "width": 120, "sort": "asc"},
                {"field": "county", "headerName": _("县区"), "width": 100},
                {"field": "station", "headerName": _("人社所"), "flex": 2, "minWidth": 220, "tooltipField": "station"},
                {"field": "mode_label", "headerName": _("方式"), "width": 110},
                {"field": "auditors", "headerName": _("督查人员"), "flex": 1, "minWidth": 150},
                {"field": "status_label", "headerName": _("状态"), "width": 100,
                 "cellClassRules": {"text-danger fw-semibold": "params.data && params.data.status === 'overdue'",
                                    "text-success": "params.data && params.data.status === 'done'"}},
            ], defaultColDef={"resizable": True, "sortable": True},
            dashGridOptions={"localeText": {"noRowsToShow": _("还没有抽取计划")}, "tooltipShowDelay": 300},
            style={"height": "460px"}, className="ag-theme-quartz"), className="p-2")], className="shadow-sm mb-3"),
        dcc.Store(id=SELECTED, data=plans[0]["id"] if plans else None), dcc.Store(id=VERSION, data=0),
    ])


def _plan_label(plan: dict) -> str:
    state = PLAN_STATUS[plan["status"]]
    return _("%(name)s（%(from)s 至 %(to)s · %(status)s · %(n)s 次 · 种子 %(seed)s）", name=plan["name"],
             **{"from": plan["period_from"].isoformat()}, to=plan["period_to"].isoformat(),
             status=_(state), n=plan["assignments"], seed=plan["seed"])


def _day(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(SELECTED, "data", allow_duplicate=True), Input(PICK, "value"), prevent_initial_call=True)
    def pick(plan_id):
        return plan_id

    @app.callback(Output(TABLE, "rowData"), Input(SELECTED, "data"), Input(VERSION, "data"))
    def rows(plan_id, _version):
        if not plan_id or _access() != "lead":
            return []
        status = {k: _(v) for k, v in STATUS.items()}
        return [{**r, "due_on": r["due_on"].isoformat(), "auditors": "、".join(r["auditors"]),
                 "mode_label": _(labels.INSPECTION_MODE.get(r["mode"], r["mode"])),
                 "status_label": status[r["status"]]}
                for r in q.assignments(db(), plan_id=int(plan_id), scope=scope(), today=today())]

    @app.callback(Output(PROGRESS, "children"), Input(SELECTED, "data"), Input(VERSION, "data"))
    def show_progress(plan_id, _version):
        if not plan_id or _access() != "lead":
            return None
        p = q.progress(db(), plan_id=int(plan_id), scope=scope(), today=today())
        tiles = [kpi_card(title=_("计划次数"), value=count(p["planned"] + p["done"] + p["overdue"]), unit=_("次"),
                          icon="bi-calendar2-week", tone="primary", card_id=P + "kpi-total"),
                 kpi_card(title=_("已完成"), value=count(p["done"]), unit=_("次"), icon="bi-check2-circle",
                          tone="success", card_id=P + "kpi-done"),
                 kpi_card(title=_("已逾期"), value=count(p["overdue"]), unit=_("次"), icon="bi-alarm", tone="danger",
                          card_id=P + "kpi-overdue"),
                 kpi_card(title=_("覆盖率"), value=percent(p["covered"], p["stations"]), icon="bi-bullseye",
                          tone="info", note=_("已暗访 %(n)s / %(of)s 个人社所", n=count(p["covered"]),
                                              of=count(p["stations"])), card_id=P + "kpi-coverage")]
        head = html.Thead(html.Tr([html.Th(t) for t in (_("县区"), _("人社所"), _("已覆盖"), _("待执行"),
                                                        _("已完成"), _("已逾期"))]))
        body = html.Tbody([html.Tr([html.Td(c["county"]), html.Td(c["stations"]), html.Td(c["covered"]),
                                    html.Td(c["planned"]), html.Td(c["done"]),
                                    html.Td(c["overdue"],
                                            className="text-danger fw-semibold" if c["overdue"] else None)])
                           for c in p["by_county"]])
        return html.Div([dbc.Row([dbc.Col(t, xs=6, lg=3, className="mb-3") for t in tiles], className="g-3"),
                         dbc.Card([dbc.CardHeader(_("各县区覆盖情况")),
                                   dbc.CardBody(dbc.Table([head, body], size="sm", className="small mb-0"))],
                                  className="shadow-sm mb-3")])

    @app.callback(Output(MSG, "children"), Output(SELECTED, "data"), Output(VERSION, "data"),
                  Output(PICK, "options"), Output(PICK, "value"),
                  Input(DRAW, "n_clicks"), Input(REDRAW, "n_clicks"), Input(PUBLISH, "n_clicks"),
                  State(NAME, "value"), State(FROM, "value"), State(TO, "value"), State(MODES, "value"),
                  State(PER, "value"), State(SEED, "value"), State(SELECTED, "data"), State(VERSION, "data"),
                  prevent_initial_call=True)
    def act(_draw, _redraw, _publish, name, start, end, modes, per, seed, plan_id, version):
        if not ctx.triggered_id or _access() != "lead":
            return (no_update,) * 5
        session = db()
        try:
            if ctx.triggered_id == PUBLISH:
                if not plan_id:
                    return dbc.Alert(_("请先选择计划"), color="warning", className="py-2"), *(no_update,) * 4
                plan = svc.publish(session, actor=actor(), plan_id=int(plan_id))
                note = _("已发布：督查人员将在执行日前 %(n)s 天看到各自的任务", n=q.NOTICE_DAYS)
            else:
                again = ctx.triggered_id == REDRAW
                if again and not plan_id:
                    return dbc.Alert(_("请先选择计划"), color="warning", className="py-2"), *(no_update,) * 4
                plan = svc.draw(session, actor=actor(), name=name or "", period_from=_day(start), period_to=_day(end),
                                modes=modes or [], per_station=int(per) if per not in (None, "") else 0,
                                seed=int(seed) if seed not in (None, "") else None, today=today(),
                                plan_id=int(plan_id) if again else None)
                note = _("已抽取（种子 %(seed)s，可据此复现）", seed=plan.seed)
                unknown = sorted({y for y in range(plan.period_from.year, plan.period_to.year + 1)
                                  if not work_calendar(session).is_known(date(y, 12, 31))})
                if unknown:  # drawn on Monday to Friday: a holiday may be among the days
                    note += _("；%(years)s年的节假日安排尚未载入，按周一至周五抽取，载入后可重新抽取草稿",
                              years="、".join(str(y) for y in unknown))
        except DomainError as exc:
            session.rollback()
            return dbc.Alert(_error(exc), color="danger", className="py-2"), *(no_update,) * 4
        except (TypeError, ValueError):
            return dbc.Alert(_("请检查每站次数和随机种子"), color="danger", className="py-2"), *(no_update,) * 4
        plans = q.list_plans(session, scope=scope())
        return (dbc.Alert(note, color="success", dismissable=True, className="py-2"), plan.id, (version or 0) + 1,
                [{"label": _plan_label(p), "value": p["id"]} for p in plans], plan.id)
