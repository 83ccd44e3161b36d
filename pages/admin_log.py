"""/admin/log — 操作日志: every audit event, filtered by person, action, target, region and date, with
what changed (personal data masked); the filtered list as XLSX. Reveals of masked data are in it too.
The filters can come in the address (?person=&action=&target=&region=&from=&to=), as the user
list's links to one account's events do."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html, no_update
from flask_login import current_user

from components.audit_log import log_table
from data.models import Role
from data.queries.audit_log import LogFilters, audit_actions, audit_events
from data.queries.users import region_tree
from web.context import db, scope, today
from web.i18n import N_, _
from web.shell import refused_page, sub_page_header

ROLES = [Role.admin]
dash.register_page(__name__, path="/admin/log", name=N_("操作日志"), title="操作日志 · 人社督导一张图", order=98,
                   icon="bi-journal-text", roles=ROLES, hidden=True)

P = "adm-log-"
CALLBACK_PREFIXES = (P,)
PERSON, ACTION, TARGET, DATES, TABLE, EXPORT = (P + "person", P + "action", P + "target", P + "dates", P + "table",
                                                P + "export")
REGION = P + "region"


def _region_options() -> list[dict]:
    """The region tree as a picker's options, in tree order; a township named with its county."""
    return [{"label": f"{r['parent']} · {r['name']}" if r["depth"] >= 2 and r["parent"] else r["name"],
             "value": r["code"]} for r in region_tree(db(), scope=scope())]


def layout(person=None, action=None, target=None, region=None, **query):
    if (refused := refused_page(ROLES)) is not None:
        return refused
    asked = LogFilters.parse(person, action, target, query.get("from"), query.get("to"), region)
    end = asked.date_to or today()
    start = asked.date_from or end.replace(day=1)
    regions = _region_options()
    return html.Div([
        sub_page_header(_("操作日志")),
        dbc.Row([
            dbc.Col(dbc.Input(id=PERSON, placeholder=_("操作人（用户名或姓名）"), size="sm", debounce=True,
                              value=asked.person), md=2),
            dbc.Col(dcc.Dropdown(id=ACTION, options=[{"label": a, "value": a} for a in audit_actions(db())],
                                 placeholder=_("操作"), clearable=True, value=asked.action), md=2),
            dbc.Col(dbc.Input(id=TARGET, placeholder=_("对象，如 wage_case:12"), size="sm", debounce=True,
                              value=asked.target), md=2),
            dbc.Col(dcc.Dropdown(id=REGION, options=regions, placeholder=_("地区"), clearable=True,
                                 value=asked.region if any(o["value"] == asked.region for o in regions) else None),
                    md=2),
            dbc.Col(dcc.DatePickerRange(id=DATES, start_date=start.isoformat(), end_date=end.isoformat(),
                                        display_format="YYYY-MM-DD", first_day_of_week=1), md=3),
            dbc.Col(html.A([html.I(className="bi bi-download me-1"), "XLSX"], id=EXPORT, href="/admin/log.xlsx",
                           className="btn btn-outline-secondary btn-sm", download=""), md=1),
        ], className="g-2 mb-1 align-items-center"),
        html.Div(_("按地区：操作人的所属地区在所选地区之内（含下级），或被操作的用户账户的所属地区在其中。"
                   "案件、站点等其他对象按操作人的所属地区计。"), className="small text-secondary mb-3", id=P + "help"),
        dcc.Loading(html.Div(id=TABLE)),
    ])


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(TABLE, "children"), Output(EXPORT, "href"), Input(PERSON, "value"), Input(ACTION, "value"),
                  Input(TARGET, "value"), Input(DATES, "start_date"), Input(DATES, "end_date"), Input(REGION, "value"))
    def show(person, action, target, start, end, region):
        if current_user.role not in ROLES:
            return no_update, no_update
        events, total = audit_events(db(), LogFilters.parse(person, action, target, start, end, region))
        query = urlencode({k: v for k, v in (("person", person), ("action", action), ("target", target),
                                             ("region", region), ("from", start), ("to", end)) if v})
        return log_table(events, total, _, table_id=P + "rows"), f"/admin/log.xlsx?{query}"
