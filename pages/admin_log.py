"""/admin/log — 操作日志: every audit event, filtered by person, action, target and date, with what
changed (personal data masked); the filtered list as XLSX. Reveals of masked data are in it too."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html, no_update
from flask_login import current_user

from components.audit_log import log_table
from data.models import Role
from data.queries.audit_log import LogFilters, audit_actions, audit_events
from web.context import db, today
from web.i18n import N_, _
from web.shell import forbidden, sub_page_header

ROLES = [Role.admin]
dash.register_page(__name__, path="/admin/log", name=N_("操作日志"), title="操作日志 · 人社督导一张图", order=98,
                   icon="bi-journal-text", roles=ROLES, hidden=True)

P = "adm-log-"
CALLBACK_PREFIXES = (P,)
PERSON, ACTION, TARGET, DATES, TABLE, EXPORT = (P + "person", P + "action", P + "target", P + "dates", P + "table",
                                                P + "export")


def layout(**_query):
    if not current_user.is_authenticated:
        return html.Div()
    if current_user.role not in ROLES:
        return forbidden()
    end = today()
    return html.Div([
        sub_page_header(_("操作日志")),
        dbc.Row([
            dbc.Col(dbc.Input(id=PERSON, placeholder=_("操作人（用户名或姓名）"), size="sm", debounce=True), md=3),
            dbc.Col(dcc.Dropdown(id=ACTION, options=[{"label": a, "value": a} for a in audit_actions(db())],
                                 placeholder=_("操作"), clearable=True), md=3),
            dbc.Col(dbc.Input(id=TARGET, placeholder=_("对象，如 wage_case:12"), size="sm", debounce=True), md=2),
            dbc.Col(dcc.DatePickerRange(id=DATES, start_date=end.replace(day=1).isoformat(), end_date=end.isoformat(),
                                        display_format="YYYY-MM-DD", first_day_of_week=1), md=3),
            dbc.Col(html.A([html.I(className="bi bi-download me-1"), "XLSX"], id=EXPORT, href="/admin/log.xlsx",
                           className="btn btn-outline-secondary btn-sm", download=""), md=1),
        ], className="g-2 mb-3 align-items-center"),
        dcc.Loading(html.Div(id=TABLE)),
    ])


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(TABLE, "children"), Output(EXPORT, "href"), Input(PERSON, "value"), Input(ACTION, "value"),
                  Input(TARGET, "value"), Input(DATES, "start_date"), Input(DATES, "end_date"))
    def show(person, action, target, start, end):
        if current_user.role not in ROLES:
            return no_update, no_update
        events, total = audit_events(db(), LogFilters.parse(person, action, target, start, end))
        query = urlencode({k: v for k, v in (("person", person), ("action", action), ("target", target),
                                             ("from", start), ("to", end)) if v})
        return log_table(events, total, _, table_id=P + "rows"), f"/admin/log.xlsx?{query}"
