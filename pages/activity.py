"""/activity — 我的操作记录: a person's own acts as the operation log keeps them (everyone)."""

from __future__ import annotations

import dash
from dash import html
from flask_login import current_user

from components.audit_log import log_table
from data.queries.audit_log import LogFilters, audit_events
from web.context import db
from web.i18n import N_, _

dash.register_page(__name__, path="/activity", name=N_("我的操作记录"), title="我的操作记录 · 人社督导一张图",
                   order=99, icon="bi-clock-history", hidden=True)


def layout(**_query):
    if not current_user.is_authenticated:
        return html.Div()
    events, total = audit_events(db(), LogFilters(actor_id=current_user.id), limit=200)
    return html.Div([html.H1(_("我的操作记录"), className="h4 my-3"),
                     html.P(_("您在本系统中的每一次操作都会留痕；这里是最近的记录。"),
                            className="small text-secondary"),
                     log_table(events, total, _, table_id="activity-rows")])
