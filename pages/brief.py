"""/weekly-brief — leaders pick a week (and a region) and download the brief as PDF or XLSX."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, html
from flask_login import current_user

from data.models import RegionLevel
from data.queries.brief import week_of
from web.brief import BRIEF_ROLES, last_weeks
from web.context import region_options
from web.i18n import N_, _
from web.shell import forbidden, refused_page

dash.register_page(__name__, path="/weekly-brief", name=N_("周报"), title="周报 · 人社督导一张图", order=80,
                   icon="bi-file-earmark-pdf", roles=list(BRIEF_ROLES))

WEEK, REGION, LINKS = "brief-week", "brief-region", "brief-links"
ROLES = list(BRIEF_ROLES)
CALLBACK_PREFIXES = ("brief-",)


def layout(**_query):
    if (refused := refused_page(BRIEF_ROLES)) is not None:
        return refused
    weeks = last_weeks()
    areas = region_options(RegionLevel.county)  # over several cities: the cities with their counties
    return html.Div([
        html.H1(_("周报"), className="h4 my-3"),
        dbc.Card(dbc.CardBody([
            html.P(_("选择一周，下载领导班子周例会用的周报：欠薪案件与金额同比、超期与督办、标准化与明察暗访、整改、走流程、挂职日志。"),
                   className="text-secondary"),
            dbc.Row([
                dbc.Col([dbc.Label(_("周次"), html_for=WEEK),
                         dbc.Select(id=WEEK, value=weeks[1] if len(weeks) > 1 else weeks[0],
                                    options=[{"label": _week_label(w), "value": w} for w in weeks])], md=6),
                dbc.Col([dbc.Label(_("区域"), html_for=REGION),
                         dbc.Select(id=REGION, value="", options=[{"label": _("全部"), "value": ""}] + areas)], md=6),
            ]),
            html.Div(id=LINKS, className="d-flex gap-2 mt-3"),
        ]), className="shadow-sm", style={"maxWidth": "48rem"}),
    ])


def _week_label(week: str) -> str:
    monday = week_of(week)
    return f"{week} · {monday:%m-%d} — {monday + timedelta(days=6):%m-%d}"


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(LINKS, "children"), Input(WEEK, "value"), Input(REGION, "value"))
    def links(week, region):
        if current_user.role not in BRIEF_ROLES:
            return forbidden()
        query = f"?{urlencode({'region': region})}" if region else ""
        return [
            html.A([html.I(className="bi bi-file-earmark-pdf me-1"), _("下载PDF")], href=f"/brief/{week}.pdf{query}",
                   className="btn btn-primary", id="brief-pdf", target="_blank"),
            html.A([html.I(className="bi bi-file-earmark-spreadsheet me-1"), _("下载Excel")],
                   href=f"/brief/{week}.xlsx{query}", className="btn btn-outline-secondary", id="brief-xlsx"),
        ]
