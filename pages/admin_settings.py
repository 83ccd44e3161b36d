"""/admin/settings — the rule values a bureau sets for itself, in forms: when a case is large enough
to propose supervision (督办), the score lines of the station grades, the working days a station
has to fix a failed item, the kinds of work a cadre's log names, the categories of a
walkthrough's findings, and the situation room's saved playlists. Each form is checked by
data.services.settings.update_settings (nothing is written when a value is refused) and every
change is in the operation log with its old and new value. Deadlines and the calendar have their
own screen (/admin/calendar).
"""

from __future__ import annotations

import re

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html, no_update
from flask_login import current_user

from components import labels
from data.errors import DomainError
from data.models import RegionLevel, Role
from data.queries import settings as rules
from data.services.settings import WALL_SCENES, update_settings
from web.context import actor, db, region_options
from web.i18n import N_, _
from web.shell import refused_page, sub_page_header
from web.wall import SCENE_NAMES

ROLES = [Role.admin]
dash.register_page(__name__, path="/admin/settings", name=N_("参数设置"), title="参数设置 · 人社督导一张图",
                   order=99, icon="bi-sliders", roles=ROLES, hidden=True)

P = "adm-set-"
CALLBACK_PREFIXES = (P,)
AMOUNT, WORKERS, MODEL, STANDARD, RECTIFY, DAYS = (P + "amount", P + "workers", P + "model", P + "standard",
                                                   P + "rectify", P + "days")
LIMITATION, BLACKLIST = P + "limitation", P + "blacklist"
SAVE, MSG = P + "save", P + "msg"
# the grids: each edits one setting (the finding categories: one list each), with its add button
LISTS = {P + "work-types": ("worklog.work_types", None), P + "cat-issue": ("walkthrough.finding_categories", "issue"),
         P + "cat-need": ("walkthrough.finding_categories", "need"),
         P + "cat-fix": ("walkthrough.finding_categories", "fix")}
PLAYLISTS = P + "playlists"
GRIDS = (*LISTS, PLAYLISTS)
# the form's inputs, each with the setting (and the part of it) it edits
FIELDS = {AMOUNT: ("case.large_amount_yuan", None), WORKERS: ("case.large_workers", None),
          MODEL: ("grade.thresholds", "model"), STANDARD: ("grade.thresholds", "standard"),
          RECTIFY: ("grade.thresholds", "rectify"), DAYS: ("rectification.due_working_days", None),
          LIMITATION: ("case.limitation_years", None), BLACKLIST: ("blacklist.years", None)}


def card(title: str, body: list):
    return dbc.Card([dbc.CardHeader(title, className="small fw-semibold"), dbc.CardBody(body)], className="mb-3")


def _grid(grid_id: str, columns: list[dict], rows: list[dict]) -> html.Div:
    return html.Div([
        dag.AgGrid(id=grid_id, columnDefs=columns, rowData=rows, columnSize="responsiveSizeToFit",
                   defaultColDef={"resizable": True, "sortable": False, "minWidth": 70},
                   dashGridOptions={"animateRows": False, "singleClickEdit": True, "domLayout": "autoHeight",
                                    "stopEditingWhenCellsLoseFocus": True},
                   style={"height": None}, className="ag-theme-quartz"),
        html.Div([dbc.Button(_("添加一项"), id=grid_id + "-add", color="secondary", outline=True, size="sm",
                             className="mt-2"),
                  html.Div(id=grid_id + "-error", className="small text-danger mt-1")]),
    ])


def _list_grid(grid_id: str, rows: list[dict]) -> html.Div:
    return _grid(grid_id, [
        {"field": "name", "headerName": _("名称"), "editable": True, "flex": 2},
        {"field": "name_en", "headerName": _("英文名称"), "editable": True, "flex": 2},
        {"field": "retired", "headerName": _("停用"), "editable": True, "cellDataType": "boolean", "maxWidth": 80},
        {"field": "code", "headerName": _("代码"), "cellClass": "text-secondary", "flex": 1},
    ], rows)


def _region_choices() -> dict[str, str]:
    """The playlist's region column: 全部, or a county (shown with its code, read back by it)."""
    return {_("全部"): "all", **{f"{o['label']} {o['value']}": o["value"] for o in region_options(RegionLevel.county)}}


def _rows(session, choices: dict[str, str]) -> dict[str, list[dict]]:
    """Each grid's rows as the settings hold them now (`choices`: _region_choices())."""
    saved = rules.get_setting(session, key="wall.playlists", default={}) or {}
    names = {code: label for label, code in choices.items()}
    playlists = [{"name": name, **{s: s in str(entry.get("scenes", "")).split(",") for s in WALL_SCENES},
                  "seconds": entry.get("seconds", 30), "region": names.get(str(entry.get("region") or "all"),
                                                                           str(entry.get("region"))), "remove": False}
                 for name, entry in saved.items() if isinstance(entry, dict)]
    categories = rules.finding_categories(session)
    return {P + "work-types": rules.work_types(session), **{P + f"cat-{kind}": categories[kind] for kind in categories},
            PLAYLISTS: playlists}


def _playlist_grid(rows: list[dict], choices: dict[str, str]) -> html.Div:
    return _grid(PLAYLISTS, [
        {"field": "name", "headerName": _("名称"), "editable": True, "flex": 2, "minWidth": 140},
        *[{"field": scene, "headerName": _(label), "editable": True, "cellDataType": "boolean", "flex": 1}
          for scene, label in SCENE_NAMES.items()],
        {"field": "seconds", "headerName": _("每屏秒数"), "editable": True, "cellDataType": "number", "flex": 1},
        {"field": "region", "headerName": _("区域"), "editable": True, "flex": 2, "minWidth": 160,
         "cellEditor": "agSelectCellEditor", "cellEditorParams": {"values": list(choices)}},
        {"field": "remove", "headerName": _("删除"), "editable": True, "cellDataType": "boolean", "maxWidth": 80},
    ], rows)


def _playlists_value(rows: list[dict], choices: dict[str, str]) -> dict:
    """The grid's rows as the setting (rows ticked 删除 left out): a region shown as a choice
    is read back by its code, anything else is passed on for the service to check."""
    out = {}
    for row in rows or []:
        if row.get("remove"):
            continue
        region = str(row.get("region") or "")
        code = choices.get(region)
        if code is None:
            shown_code = re.search(r"\d{12}$", region)
            code = shown_code.group(0) if shown_code else region or "all"
        out[str(row.get("name") or "").strip()] = {
            "scenes": ",".join(s for s in WALL_SCENES if row.get(s)), "seconds": row.get("seconds"), "region": code}
    return out


def layout(**_query):
    if (refused := refused_page(ROLES)) is not None:
        return refused
    session = db()
    supervision, grades = rules.supervision_thresholds(session), rules.grade_thresholds(session)
    values = {AMOUNT: supervision.large_amount_cents // 100, WORKERS: supervision.many_workers,
              MODEL: grades["model"], STANDARD: grades["standard"], RECTIFY: grades["rectify"],
              DAYS: rules.rectification_days(session), LIMITATION: rules.limitation_years(session),
              BLACKLIST: rules.blacklist_years(session)}
    choices = _region_choices()
    rows = _rows(session, choices)

    def number(key: str, label: str, unit: str, help_text: str | None = None):
        return html.Div([
            dbc.Label(label, html_for=key, className="small mb-1"),
            dbc.InputGroup([dbc.Input(id=key, type="number", value=int(values[key]), step=1, size="sm"),
                            dbc.InputGroupText(unit)], size="sm", style={"maxWidth": "16rem"}),
            html.Div(help_text, className="form-text") if help_text else None,
            html.Div(id=key + "-error", className="small text-danger"),
        ], className="mb-3")


    return html.Div([
        sub_page_header(_("参数设置")),
        dbc.Row([
            dbc.Col([card(_("督办线索"), [
                number(AMOUNT, _("涉及金额达到"), _("元")),
                number(WORKERS, _("或涉及人数达到"), _("人"), _("在办案件达到其一，即列入“建议督办”名单。"))]),
                card(_("时效与失信名单"), [
                    number(LIMITATION, _("欠薪违法行为查处时效"), _("年"),
                           _("自欠薪期间结束之日起计算（劳动保障监察条例第二十条为 2 年），登记线索时提示。")),
                    number(BLACKLIST, _("失信联合惩戒名单列入期限"), _("年"), _("自公布之日起计算，期满移出。"))])],
                lg=6),
            dbc.Col([card(_("人社所等级分数线"), [
                number(MODEL, _("示范"), _("分")), number(STANDARD, _("达标"), _("分")),
                number(RECTIFY, _("限期整改"), _("分"),
                       _("低于限期整改线为不达标。用于此后提交的检查；已提交的检查保留当时的等级。"))]),
                card(_("整改期限"), [number(DAYS, _("发现问题后整改"), _("个工作日"))])], lg=6),
        ]),
        dbc.Row([
            dbc.Col(card(_("工作日志的工作类型"), [
                _list_grid(P + "work-types", rows[P + "work-types"]),
                html.Div(_("停用的类型不再出现在新日志里，旧日志照常显示。名称可改，已有类型不能删除。"),
                         className="form-text")]), lg=6),
            dbc.Col(card(_("走流程清单的类别"), [
                dbc.Tabs([dbc.Tab(_list_grid(P + f"cat-{kind}", rows[P + f"cat-{kind}"]),
                                  label=_(labels.FINDING_LIST[kind]), tab_id=kind) for kind in labels.FINDING_LIST],
                         active_tab="issue", className="mb-2")]), lg=6),
        ]),
        card(_("大屏播放列表"), [
            _playlist_grid(rows[PLAYLISTS], choices),
            html.Div(_("在大屏上打开 /wall?playlist=名称 即按此播放；勾选“删除”并保存即删去。"),
                     className="form-text")]),
        dbc.Button(_("保存"), id=SAVE, color="primary", size="sm"),
        html.Div(id=MSG, role="status", className="mt-2"),
    ])


def register_callbacks(app: dash.Dash) -> None:
    errors_at = [*FIELDS, *GRIDS]

    @app.callback(Output(MSG, "children"), *[Output(key + "-error", "children") for key in errors_at],
                  *[Output(grid, "rowData") for grid in GRIDS],
                  Input(SAVE, "n_clicks"), *[Input(grid + "-add", "n_clicks") for grid in GRIDS],
                  *[State(key, "value") for key in FIELDS],
                  *[State(grid, "rowData") for grid in GRIDS], prevent_initial_call=True)
    def save(clicks, *entered):
        if current_user.role not in ROLES or not ctx.triggered_id:
            return (no_update,) * (len(errors_at) + len(GRIDS) + 1)
        entered = entered[len(GRIDS):]  # the add buttons' clicks
        if ctx.triggered_id != SAVE:  # 添加一项: a blank row at the end of that grid, nothing saved
            grid = ctx.triggered_id.removesuffix("-add")
            rows = entered[len(FIELDS) + GRIDS.index(grid)] or []
            blank = ({"name": "", **dict.fromkeys(WALL_SCENES, True), "seconds": 30, "region": _("全部"),
                      "remove": False} if grid == PLAYLISTS
                     else {"name": "", "name_en": "", "retired": False, "code": ""})
            return (no_update,) * (len(errors_at) + 1) + tuple(
                [*rows, blank] if g == grid else no_update for g in GRIDS)
        values: dict = {}
        for (setting, part), value in zip(FIELDS.values(), entered[:len(FIELDS)], strict=True):
            if part is None:
                values[setting] = value
            else:
                values.setdefault(setting, {})[part] = value
        grids = dict(zip(GRIDS, entered[len(FIELDS):], strict=True))
        for grid, (setting, part) in LISTS.items():
            rows = [{k: r.get(k) for k in ("code", "name", "name_en", "retired")} for r in grids[grid] or []
                    if r.get("code") or str(r.get("name") or "").strip()]  # an added row left blank is no row
            if part is None:
                values[setting] = rows
            else:
                values.setdefault(setting, {})[part] = rows
        choices = _region_choices()
        values["wall.playlists"] = _playlists_value(grids[PLAYLISTS], choices)
        errors = dict.fromkeys(errors_at)
        try:
            changed = update_settings(db(), actor=actor(), values=values)
        except DomainError as exc:
            db().rollback()
            field = getattr(exc, "field", None) or ""
            message = _(exc.message, **exc.params)
            at = next((key for key, (setting, part) in FIELDS.items() if field in (setting, f"{setting}.{part}")),
                      None) or _grid_at(field)
            if at is not None:
                errors[at] = message
            summary = _("未保存：请按提示修改") if at else _("未保存：%(reason)s", reason=message)
            return (dbc.Alert(summary, color="danger", className="py-2 small"), *errors.values(),
                    *(no_update,) * len(GRIDS))
        note = _("已保存 %(n)s 项设置，记入操作日志", n=len(changed)) if changed else _("没有改动")
        shown = _rows(db(), choices)  # the new entries with their codes, removed playlists gone
        return (dbc.Alert(note, color="success", className="py-2 small"), *errors.values(),
                *(shown[grid] for grid in GRIDS))


def _grid_at(field: str) -> str | None:
    """The grid whose setting a refusal names (worklog.work_types[2], ….need[0], wall.playlists.x)."""
    for grid, (setting, part) in LISTS.items():
        if field == setting and part is None or field.startswith(f"{setting}.{part}" if part else f"{setting}["):
            return grid
    return PLAYLISTS if field.startswith("wall.playlists") else None
