"""/admin/calendar — what the deadlines are counted with: the working-day calendar and the
per-channel service levels.

Which years' working days are official (shipped with the product, or loaded by an admin from the
State Council's notice) and which are counted Monday–Friday for now; the administrator loads a
year's holidays and make-up working days here. The service levels (working days from receipt to
first contact and to closing, per channel) are edited in the same place. Either act counts the
open cases' stored deadlines again (data.services.deadlines) and says how many moved.
"""

from __future__ import annotations

import re
from datetime import date

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html, no_update
from flask_login import current_user

from components import labels
from components.format import count
from data.errors import DomainError
from data.models import CaseSource, Role
from data.queries.settings import calendar_status, service_levels
from data.services.settings import load_official_calendar, set_service_levels
from web.context import actor, db, today
from web.i18n import N_, _
from web.shell import refused_page, sub_page_header

ROLES = [Role.admin]
dash.register_page(__name__, path="/admin/calendar", name=N_("工作日历与办理时限"),
                   title="工作日历与办理时限 · 人社督导一张图", order=98, icon="bi-calendar3", roles=ROLES, hidden=True)

P = "adm-cal-"
CALLBACK_PREFIXES = (P,)
YEARS, YEAR, HOLIDAYS, WORKDAYS, LOAD, LOAD_MSG = (P + "years", P + "year", P + "holidays", P + "workdays",
                                                    P + "load", P + "load-msg")
LEVELS_SAVE, LEVELS_MSG = P + "levels-save", P + "levels-msg"
SOURCE_LABEL = {"package": N_("官方（随系统提供）"), "loaded": N_("官方（管理员已导入）"),
                "provisional": N_("临时：暂按周一至周五计算")}


def layout(**_query):
    if (refused := refused_page(ROLES)) is not None:
        return refused
    return html.Div([
        sub_page_header(_("工作日历与办理时限")),
        html.P(_("案件的法定时限按工作日计算。导入新一年的放假安排或修改办理时限后，所有在办案件的期限会按新规则重新计算。"),
               className="small text-secondary"),
        dbc.Row([dbc.Col(_calendar_card(), lg=6, className="mb-3"), dbc.Col(_levels_card(), lg=6, className="mb-3")]),
    ])


def _years() -> html.Div:
    status = calendar_status(db(), today_year=today().year)
    badge = {"package": "success", "loaded": "primary", "provisional": "warning"}
    rows = []
    for year in status["years"]:
        kind = year["source"]
        rows.append(html.Tr([html.Td(str(year["year"])), html.Td(dbc.Badge(_(SOURCE_LABEL[kind]), color=badge[kind]))]))
    return html.Div([
        dbc.Table([html.Thead(html.Tr([html.Th(_("年份")), html.Th(_("工作日依据"))])), html.Tbody(rows)],
                  size="sm", className="small mb-2"),
        html.Div(_("在办案件中期限为临时计算的：%(n)s 件", n=count(status["provisional_open"])),
                 id=P + "provisional", className="small"),
    ])


def _calendar_card() -> dbc.Card:
    next_year = today().year + 1
    return dbc.Card([
        dbc.CardHeader(_("工作日历"), className="small fw-semibold"),
        dbc.CardBody([
            html.Div(_years(), id=YEARS),
            html.Hr(),
            html.Div(_("导入国务院办公厅公布的放假安排"), className="fw-semibold small mb-2"),
            dbc.Label(_("年份"), html_for=YEAR, className="small"),
            dbc.Input(id=YEAR, type="number", value=next_year, min=2000, max=2100, step=1, size="sm",
                      className="mb-2", style={"maxWidth": "8rem"}),
            dbc.Label(_("放假日期（每行或用逗号分隔一个，格式 2027-01-01）"), html_for=HOLIDAYS, className="small"),
            dbc.Textarea(id=HOLIDAYS, rows=4, className="mb-2", placeholder="2027-01-01\n2027-02-08"),
            dbc.Label(_("调休上班日期（周末上班的日子）"), html_for=WORKDAYS, className="small"),
            dbc.Textarea(id=WORKDAYS, rows=2, className="mb-2", placeholder="2027-02-06"),
            dbc.Button(_("导入并重新计算期限"), id=LOAD, color="primary", size="sm"),
            html.Div(id=LOAD_MSG, role="status", className="mt-2"),
        ]),
    ])


def _levels_card() -> dbc.Card:
    levels = service_levels(db())
    rows = []
    for source in CaseSource:
        level = levels.get(source.value, {})
        rows.append(html.Tr([
            html.Td(_(labels.CASE_SOURCE.get(source.value, source.value))),
            *[html.Td(dbc.Input(id={"type": P + key, "source": source.value}, type="number", min=1, max=250, step=1,
                                value=level.get(key), size="sm", placeholder=_("法定"), style={"maxWidth": "6rem"}))
              for key in ("contact", "close")]]))
    return dbc.Card([
        dbc.CardHeader(_("各渠道办理时限（工作日，自收到之日起）"), className="small fw-semibold"),
        dbc.CardBody([
            dbc.Table([html.Thead(html.Tr([html.Th(_("来源渠道")), html.Th(_("联系（受理）")), html.Th(_("办结"))])),
                       html.Tbody(rows)], size="sm", className="small mb-2"),
            html.Div(_("留空则按法定时限：5 个工作日内决定是否受理，受理后 60 个工作日内办结（延期 30 个工作日）。"
                       "填写的时限短于法定时限时按填写的计算。"), className="small text-secondary mb-2"),
            dbc.Button(_("保存并重新计算期限"), id=LEVELS_SAVE, color="primary", size="sm"),
            html.Div(id=LEVELS_MSG, role="status", className="mt-2"),
        ]),
    ])


DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def parse_dates(text: str | None) -> list[date]:
    """Dates typed or pasted one a line, or separated by commas, 、 or spaces (YYYY-MM-DD).
    Raises ValueError naming the first piece that is not one."""
    pieces = [p for p in re.split(r"[\s,，、;；]+", text or "") if p]
    days = []
    for piece in pieces:
        if not DATE.fullmatch(piece):
            raise ValueError(piece)
        try:
            days.append(date.fromisoformat("-".join(f"{int(n):02d}" for n in piece.split("-"))))
        except ValueError:
            raise ValueError(piece) from None
    return days


def _done(counts: dict) -> dbc.Alert:
    return dbc.Alert(_("已重新计算 %(open)s 件在办案件的期限：%(changed)s 件期限有变化，%(settled)s 件不再是临时期限。",
                       open=count(counts["open"]), changed=count(counts["changed"]), settled=count(counts["settled"])),
                     color="success", className="py-2 small")


def _refused(message: str) -> dbc.Alert:
    return dbc.Alert(message, color="danger", className="py-2 small")


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(LOAD_MSG, "children"), Output(YEARS, "children"), Input(LOAD, "n_clicks"),
                  State(YEAR, "value"), State(HOLIDAYS, "value"), State(WORKDAYS, "value"), prevent_initial_call=True)
    def load(clicks, year, holidays, workdays):
        if current_user.role not in ROLES or not clicks:
            return no_update, no_update
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            return _refused(_("请填写年份")), no_update
        try:
            days = [parse_dates(holidays), parse_dates(workdays)]
        except ValueError as exc:
            return _refused(_("无法识别的日期：%(text)s（格式如 2027-01-01）", text=str(exc)[:40])), no_update
        if not days[0]:
            return _refused(_("请填写至少一个放假日期")), no_update
        try:
            counts = load_official_calendar(db(), actor=actor(), year=year, holidays=days[0], workdays=days[1])
        except DomainError as exc:
            db().rollback()
            return _refused(_(exc.message, **exc.params)), no_update
        note = _("%(year)s 年的放假安排已导入（%(n)s 天）。", year=year, n=counts["days"])
        return [html.Div(note, className="small mb-1"), _done(counts)], _years()

    @app.callback(Output(LEVELS_MSG, "children"), Input(LEVELS_SAVE, "n_clicks"),
                  State({"type": P + "contact", "source": dash.ALL}, "value"),
                  State({"type": P + "close", "source": dash.ALL}, "value"), prevent_initial_call=True)
    def save_levels(clicks, contacts, closes):
        if current_user.role not in ROLES or not clicks:
            return no_update
        levels = {}
        for source, contact, close in zip(CaseSource, contacts, closes, strict=True):
            level = {k: v for k, v in (("contact", contact), ("close", close)) if v not in (None, "")}
            if level:
                levels[source.value] = level
        try:
            counts = set_service_levels(db(), actor=actor(), levels=levels)
        except DomainError as exc:
            db().rollback()
            field = getattr(exc, "field", None) or ""
            where = _(labels.CASE_SOURCE.get(field, field))
            return _refused(f"{where}：{_(exc.message, **exc.params)}")
        return _done(counts)
