"""/templates — admins edit the checklist templates (六个规范 standardisation check, window
audit). Saving makes a new version; inspections keep the version they were filled against.
"""

from __future__ import annotations

import json

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html, no_update
from flask_login import current_user
from sqlmodel import select

from components.format import local_time
from data import checklists
from data.errors import DomainError, ValidationError
from data.models import ChecklistTemplate, Role, User
from data.queries.templates import current_templates, item_dict, template_items, versions
from data.services.templates import new_version
from web.context import actor, db
from web.i18n import N_, _, is_english
from web.shell import forbidden, refused_page

ROLES = [Role.admin]
dash.register_page(__name__, path="/templates", name=N_("检查模板"), title="检查模板 · 人社督导一张图", order=90,
                   icon="bi-list-check", roles=ROLES, group="stations")

P = "tpl-"
CALLBACK_PREFIXES = (P,)
PICK, GRID, ADD, REMOVE, SAVE, MSG, HISTORY, TOTAL, NAME = (P + "pick", P + "grid", P + "add", P + "remove", P + "save",
                                                           P + "msg", P + "history", P + "total", P + "name")
ANSWER_TYPES = {"pass_fail": N_("合格/不合格"), "number": N_("数值"), "choice": N_("选择")}


def _categories(kind: str) -> dict:
    table = checklists.WINDOW_AUDIT_CATEGORIES if kind == "window_audit" else checklists.STANDARDISATION_CATEGORIES
    return {code: names[1] if is_english() else names[0] for code, names in table.items()}


def _row(item: dict) -> dict:
    rule = dict(item["rule"] or {})
    return {"code": item["code"], "category": item["category"], "text": item["text"], "text_en": item["text_en"] or "",
            "answer_type": item["answer_type"], "weight": item["weight"], "veto": bool(item["veto"]),
            "photo_on_fail": bool((item["evidence"] or {}).get("photo_on_fail")),
            "rule": json.dumps(rule, ensure_ascii=False) if rule else ""}


def _item(row: dict, n: int) -> dict:
    text = (row.get("rule") or "").strip()
    try:
        rule = json.loads(text) if text else {}
    except json.JSONDecodeError:
        raise ValidationError(N_("第 %(n)s 项：规则不是有效的 JSON"), field=f"items[{n}].rule", n=n + 1) from None
    if not isinstance(rule, dict):
        raise ValidationError(N_("第 %(n)s 项：规则不是有效的 JSON"), field=f"items[{n}].rule", n=n + 1)
    weight = row.get("weight")
    if isinstance(weight, str):
        try:
            weight = float(weight)
        except ValueError:
            pass
    return {"code": row.get("code"), "category": row.get("category"), "text": row.get("text"),
            "text_en": row.get("text_en"), "answer_type": row.get("answer_type"), "weight": weight,
            "veto": bool(row.get("veto")), "evidence": {"photo_on_fail": True} if row.get("photo_on_fail") else {},
            "rule": rule}


def layout(**_query):
    if (refused := refused_page(ROLES)) is not None:
        return refused
    templates = current_templates(db())
    return html.Div([
        html.Div([html.H1(_("检查模板"), className="h4 mb-0"),
                  html.Span(_("保存即生成新版本，已完成的检查仍按原版本计分"), className="text-secondary small ms-3")],
                 className="d-flex align-items-baseline my-3"),
        dbc.Row([
            dbc.Col([
                dbc.Select(id=PICK, value=str(templates[0].id) if templates else None, className="mb-2",
                           options=[{"label": (t.name_en if is_english() and t.name_en else t.name), "value": str(t.id)}
                                    for t in templates]),
                html.Div(id=HISTORY),
            ], lg=3),
            dbc.Col([
                html.Div(id=MSG, role="status"),
                html.Div([
                    dbc.Input(id=NAME, size="sm", maxLength=80, placeholder=_("模板名称"), style={"maxWidth": "22rem"}),
                    html.Span(id=TOTAL, className="small ms-2"),
                    html.Div([
                        dbc.Button([html.I(className="bi bi-plus-lg me-1"), _("新增检查项")], id=ADD, size="sm",
                                   color="secondary", outline=True),
                        dbc.Button([html.I(className="bi bi-trash me-1"), _("删除选中项")], id=REMOVE, size="sm",
                                   color="danger", outline=True),
                        dbc.Button([html.I(className="bi bi-save me-1"), _("保存为新版本")], id=SAVE, size="sm",
                                   color="primary"),
                    ], className="ms-auto d-flex gap-2"),
                ], className="d-flex flex-wrap align-items-center gap-2 mb-2"),
                dag.AgGrid(id=GRID, className="ag-theme-alpine", style={"height": "68vh"},
                           getRowId="`${params.data.code}`",
                           defaultColDef={"resizable": True, "editable": True, "sortable": False},
                           dashGridOptions={"rowSelection": {"mode": "singleRow", "checkboxes": True},
                                            "stopEditingWhenCellsLoseFocus": True, "singleClickEdit": True}),
            ], lg=9),
        ]),
    ])


def _columns(kind: str) -> list[dict]:
    categories = _categories(kind)
    return [
        {"field": "code", "headerName": _("编号"), "width": 90, "pinned": "left"},
        {"field": "category", "headerName": _("类别"), "width": 130, "cellEditor": "agSelectCellEditor",
         "cellEditorParams": {"values": list(categories)}, "refData": categories},
        {"field": "text", "headerName": _("检查内容"), "flex": 3, "minWidth": 260,
         "cellEditor": "agLargeTextCellEditor", "cellEditorPopup": True},
        {"field": "text_en", "headerName": _("英文"), "flex": 2, "minWidth": 160},
        {"field": "answer_type", "headerName": _("答案类型"), "width": 120, "cellEditor": "agSelectCellEditor",
         "cellEditorParams": {"values": list(ANSWER_TYPES)}, "refData": {k: _(v) for k, v in ANSWER_TYPES.items()}},
        {"field": "weight", "headerName": _("分值"), "width": 80, "cellDataType": "number"},
        {"field": "veto", "headerName": _("一票否决"), "width": 100, "cellDataType": "boolean"},
        {"field": "photo_on_fail", "headerName": _("不合格须拍照"), "width": 120, "cellDataType": "boolean"},
        {"field": "rule", "headerName": _("规则（JSON）"), "flex": 2, "minWidth": 180,
         "cellEditor": "agLargeTextCellEditor", "cellEditorPopup": True},
    ]


def _history(template: ChecklistTemplate):
    session = db()
    rows = versions(session, template.code)
    names = dict(session.exec(select(User.id, User.display_name).where(
        User.id.in_([r.created_by for r in rows if r.created_by]))).all())
    return dbc.Card([dbc.CardHeader(_("版本")), html.Ul([html.Li([
        html.Span(_("第 %(v)s 版", v=r.version), className="fw-semibold me-2"),
        dbc.Badge(_("现行"), color="success", className="me-2") if r.is_current else None,
        html.Div(f"{local_time(r.created_at)} · {names.get(r.created_by, '—')}", className="small text-secondary"),
    ], className="list-group-item") for r in rows], className="list-group list-group-flush")], className="shadow-sm")


def _total(rows: list[dict]) -> str:
    total = 0.0
    for row in rows or []:
        try:
            total += float(row.get("weight") or 0)
        except (TypeError, ValueError):
            pass
    if abs(total - 100) < 1e-9:
        return _("分值合计 %(total)s", total=f"{total:g}")
    # scores are shares of the applicable weight, so another total still grades out of 100
    return html.Span(_("分值合计 %(total)s（建议 100）", total=f"{total:g}"), className="text-warning-emphasis")


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(GRID, "rowData"), Output(GRID, "columnDefs"), Output(HISTORY, "children"),
                  Output(NAME, "value"), Input(PICK, "value"))
    def load(template_id):
        if current_user.role not in ROLES or not template_id:
            return [], [], forbidden() if current_user.role not in ROLES else None, None
        template = db().get(ChecklistTemplate, int(template_id))
        if template is None:
            return [], [], None, None
        rows = [_row(item_dict(i)) for i in template_items(db(), template.id)]
        return rows, _columns(str(template.kind)), _history(template), template.name

    @app.callback(Output(TOTAL, "children"), Input(GRID, "rowData"), Input(GRID, "cellValueChanged"),
                  State(GRID, "rowData"))
    def total(_rows, _changed, rows):
        return _total(rows)

    @app.callback(Output(GRID, "rowData", allow_duplicate=True), Input(ADD, "n_clicks"), Input(REMOVE, "n_clicks"),
                  State(GRID, "rowData"), State(GRID, "selectedRows"), prevent_initial_call=True)
    def edit_rows(_add, _remove, rows, selected):
        rows = list(rows or [])
        if ctx.triggered_id == ADD:
            used = {r["code"] for r in rows}
            n = 1
            while f"NEW{n}" in used:
                n += 1
            category = rows[-1]["category"] if rows else ""
            rows.append({"code": f"NEW{n}", "category": category, "text": "", "text_en": "", "answer_type": "pass_fail",
                         "weight": 0, "veto": False, "photo_on_fail": True, "rule": ""})
            return rows
        gone = {r["code"] for r in selected or []}
        return [r for r in rows if r["code"] not in gone] if gone else no_update

    @app.callback(Output(MSG, "children"), Output(PICK, "options"), Output(PICK, "value"),
                  Input(SAVE, "n_clicks"), State(PICK, "value"), State(GRID, "rowData"), State(NAME, "value"),
                  prevent_initial_call=True)
    def save(_n, template_id, rows, name):
        if current_user.role not in ROLES:
            return forbidden(), no_update, no_update
        try:
            items = [_item(row, n) for n, row in enumerate(rows or [])]
            template = new_version(db(), actor=actor(), template_id=int(template_id), items=items, name=name)
        except DomainError as exc:
            return dbc.Alert(_(exc.message, **exc.params), color="danger", className="py-2", id="tpl-error"), \
                no_update, no_update
        options = [{"label": (t.name_en if is_english() and t.name_en else t.name), "value": str(t.id)}
                   for t in current_templates(db())]
        return (dbc.Alert(_("已保存为第 %(v)s 版", v=template.version), color="success", className="py-2",
                          id="tpl-done"),
                options, str(template.id))
