"""/admin/settings — the rule values a bureau sets for itself, in forms: when a case is large enough
to propose supervision (督办), the score lines of the station grades, and the working days a
station has to fix a failed item. Each form is checked by data.services.settings.update_settings
(nothing is written when a value is refused) and every change is in the operation log with its old
and new value. Deadlines and the calendar have their own screen (/admin/calendar).
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html, no_update
from flask_login import current_user

from data.errors import DomainError
from data.models import Role
from data.queries.settings import grade_thresholds, rectification_days, supervision_thresholds
from data.services.settings import update_settings
from web.context import actor, db
from web.i18n import N_, _
from web.shell import refused_page, sub_page_header

ROLES = [Role.admin]
dash.register_page(__name__, path="/admin/settings", name=N_("参数设置"), title="参数设置 · 人社督导一张图",
                   order=99, icon="bi-sliders", roles=ROLES, hidden=True)

P = "adm-set-"
CALLBACK_PREFIXES = (P,)
AMOUNT, WORKERS, MODEL, STANDARD, RECTIFY, DAYS = (P + "amount", P + "workers", P + "model", P + "standard",
                                                   P + "rectify", P + "days")
SAVE, MSG = P + "save", P + "msg"
# the form's inputs, each with the setting (and the part of it) it edits
FIELDS = {AMOUNT: ("case.large_amount_yuan", None), WORKERS: ("case.large_workers", None),
          MODEL: ("grade.thresholds", "model"), STANDARD: ("grade.thresholds", "standard"),
          RECTIFY: ("grade.thresholds", "rectify"), DAYS: ("rectification.due_working_days", None)}


def layout(**_query):
    if (refused := refused_page(ROLES)) is not None:
        return refused
    session = db()
    supervision, grades = supervision_thresholds(session), grade_thresholds(session)
    values = {AMOUNT: supervision.large_amount_cents // 100, WORKERS: supervision.many_workers,
              MODEL: grades["model"], STANDARD: grades["standard"], RECTIFY: grades["rectify"],
              DAYS: rectification_days(session)}

    def number(key: str, label: str, unit: str, help_text: str | None = None):
        return html.Div([
            dbc.Label(label, html_for=key, className="small mb-1"),
            dbc.InputGroup([dbc.Input(id=key, type="number", value=int(values[key]), step=1, size="sm"),
                            dbc.InputGroupText(unit)], size="sm", style={"maxWidth": "16rem"}),
            html.Div(help_text, className="form-text") if help_text else None,
            html.Div(id=key + "-error", className="small text-danger"),
        ], className="mb-3")

    def card(title: str, body: list):
        return dbc.Card([dbc.CardHeader(title, className="small fw-semibold"), dbc.CardBody(body)], className="mb-3")

    return html.Div([
        sub_page_header(_("参数设置")),
        dbc.Row([
            dbc.Col([card(_("督办线索"), [
                number(AMOUNT, _("涉及金额达到"), _("元")),
                number(WORKERS, _("或涉及人数达到"), _("人"), _("在办案件达到其一，即列入“建议督办”名单。"))])], lg=6),
            dbc.Col([card(_("人社所等级分数线"), [
                number(MODEL, _("示范"), _("分")), number(STANDARD, _("达标"), _("分")),
                number(RECTIFY, _("限期整改"), _("分"),
                       _("低于限期整改线为不达标。用于此后提交的检查；已提交的检查保留当时的等级。"))]),
                card(_("整改期限"), [number(DAYS, _("发现问题后整改"), _("个工作日"))])], lg=6),
        ]),
        dbc.Button(_("保存"), id=SAVE, color="primary", size="sm"),
        html.Div(id=MSG, role="status", className="mt-2"),
    ])


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(MSG, "children"), *[Output(key + "-error", "children") for key in FIELDS],
                  Input(SAVE, "n_clicks"), *[State(key, "value") for key in FIELDS], prevent_initial_call=True)
    def save(clicks, *entered):
        if current_user.role not in ROLES or not clicks:
            return (no_update,) * (len(FIELDS) + 1)
        values: dict = {}
        for (setting, part), value in zip(FIELDS.values(), entered, strict=True):
            if part is None:
                values[setting] = value
            else:
                values.setdefault(setting, {})[part] = value
        errors = dict.fromkeys(FIELDS)
        try:
            changed = update_settings(db(), actor=actor(), values=values)
        except DomainError as exc:
            db().rollback()
            field = getattr(exc, "field", None) or ""
            message = _(exc.message, **exc.params)
            at = next((key for key, (setting, part) in FIELDS.items() if field in (setting, f"{setting}.{part}")),
                      None)
            if at is not None:
                errors[at] = message
            summary = _("未保存：请按提示修改") if at else _("未保存：%(reason)s", reason=message)
            return (dbc.Alert(summary, color="danger", className="py-2 small"), *errors.values())
        note = _("已保存 %(n)s 项设置，记入操作日志", n=len(changed)) if changed else _("没有改动")
        return (dbc.Alert(note, color="success", className="py-2 small"), *errors.values())
