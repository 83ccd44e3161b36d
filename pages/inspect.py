"""/inspect — inspectors record a station check or a window audit at the desk, from the current
template version, with a live score, a photo for each failed item, and publish (通报) when ready.

The field app (/field/) fills the same templates through the same services; this page is the
desktop way in, and the place where submitted inspections wait to be published.
"""

from __future__ import annotations

import base64
import binascii
import uuid as uuid_lib
from datetime import date

import dash
import dash_bootstrap_components as dbc
from dash import ALL, MATCH, Input, Output, State, ctx, dcc, html, no_update
from flask_login import current_user
from sqlmodel import select

from components import labels
from components.cards import review_badges
from components.format import count
from data import checklists
from data.errors import DomainError
from data.models import ChecklistTemplate, Inspection, InspectionKind, InspectionStatus, Role, Station
from data.queries.inspections import auditor_options, awaiting_publication, station_options
from data.queries.templates import KIND_FOR_INSPECTION, current_template, template_items
from data.services import inspections as svc
from data.services.photos import store_photo
from data.services.review import review
from web.context import actor, db, scope, today
from web.i18n import N_, _, is_english
from web.i18n import error_text as _error
from web.photos import upload_root
from web.shell import forbidden, refused_page, role_name

ROLES = [Role.inspector, Role.admin]
dash.register_page(__name__, path="/inspect", name=N_("检查录入"), title="检查录入 · 人社督导一张图", order=25,
                   icon="bi-ui-checks", roles=ROLES, group="stations")

P = "inspect-"
CALLBACK_PREFIXES = (P, "insp-")
KIND, MODE, STATION, DAY, AUDITORS, SUMMARY = (P + "kind", P + "mode", P + "station", P + "day", P + "auditors",
                                               P + "summary")
FORM_ID, TEMPLATE, ITEMS, PREVIEW, SUBMIT, PUBLISH_NOW, RESULT, VERSION, PENDING, PENDING_MSG = (
    P + "uuid", P + "template", P + "items", P + "preview", P + "submit", P + "publish-now", P + "result",
    P + "version", P + "pending", P + "pending-msg")
VALUE, NOTE, UPLOAD, PHOTOS, THUMBS = "insp-value", "insp-note", "insp-upload", "insp-photos", "insp-thumbs"
ITEM_ERROR, ERROR_AT = "insp-item-error", P + "error-at"
# the form's own fields a refusal may name (data.services.inspections), each with its message slot
FIELD_AT = {"station_id": STATION, "inspected_on": DAY, "auditor_ids": AUDITORS, "mode": MODE, "summary": SUMMARY}
PUBLISH, RETURN, RETURN_NOTE = "insp-publish", "insp-return", "insp-return-note"
EDIT = P + "edit"  # the returned audit being edited (?edit=<id>): its kind, mode, template and answers

MODES = {InspectionKind.window_audit: ["covert", "overt", "phone", "online"],
         InspectionKind.station_check: ["announced", "overt"]}


def _name(table: dict, key) -> str:
    """The translated name of a stored code ("—" for none)."""
    return _(table[key]) if key in table else "—"


def _category_names(kind: str) -> dict[str, str]:
    table = (checklists.WINDOW_AUDIT_CATEGORIES if kind == InspectionKind.window_audit
             else checklists.STANDARDISATION_CATEGORIES)
    return {code: names[1] if is_english() else names[0] for code, names in table.items()}


def _editing(query: dict) -> Inspection | None:
    """?edit=<number>: the signed-in lead auditor's own audit, not yet circulated, to edit under its
    number (the to-do list links here; the phone opens its own copy from the same number)."""
    try:
        key = uuid_lib.UUID(str(query.get("edit", "")))
    except ValueError:
        return None
    found = db().exec(select(Inspection).where(Inspection.uuid == key)).first()
    if (found is None or found.lead_auditor_id != current_user.id or not scope().covers(found.path)
            or found.status != InspectionStatus.submitted):
        return None
    return found


def layout(**_query):
    if (refused := refused_page(ROLES)) is not None:
        return refused
    session = db()
    stations = station_options(session, scope())
    people = [{"label": "{}（{}）".format(p["display_name"], role_name(p["role"])), "value": p["id"]}
              for p in auditor_options(session) if p["id"] != current_user.id]
    edit = _editing(_query)
    banner = None
    if edit is not None:
        banner = dbc.Alert([html.Span(_("正在修改已提交的检查记录（第 %(n)s 版），提交后仍是这一份记录。",
                                        n=edit.revision)),
                            html.Div(_("退回原因：%(note)s", note=edit.review_note), className="fw-semibold")
                            if edit.review_status == "returned" and edit.review_note else None],
                           color="warning", className="py-2", id="inspect-editing")
    return html.Div([
        dcc.Store(id=FORM_ID, data=str(edit.uuid) if edit else str(uuid_lib.uuid4())), dcc.Store(id=TEMPLATE),
        dcc.Store(id=VERSION, data=0), dcc.Store(id=ERROR_AT), dcc.Store(id=ERROR_AT + "-shown"),
        dcc.Store(id=EDIT, data={"kind": edit.kind, "mode": edit.mode, "template_id": edit.template_id,
                                 "answers": edit.answers} if edit else None),
        html.Div([html.H1(_("检查录入"), className="h4 mb-0"),
                  html.Span(_("标准化检查与明察暗访，按现行模板逐项记录"), className="text-secondary small ms-3")],
                 className="d-flex align-items-baseline my-3"),
        html.Div(banner, id=EDIT + "-banner"),
        dbc.Row([
            dbc.Col([
                dbc.Card(dbc.CardBody(dbc.Row([
                    dbc.Col([dbc.Label(_("检查类型"), html_for=KIND),
                             dbc.RadioItems(id=KIND, value=edit.kind if edit else InspectionKind.window_audit.value,
                                            inline=True, options=[
                                 {"label": _(labels.INSPECTION_KIND[k]), "value": k} for k in
                                 (InspectionKind.window_audit, InspectionKind.station_check)])], md=6),
                    dbc.Col([dbc.Label(_("检查方式"), html_for=MODE), dbc.Select(id=MODE), _slot(MODE)], md=6,
                            id=MODE + "-field"),
                    dbc.Col([dbc.Label([_("被检查站点"), REQUIRED()], html_for=STATION),
                             dcc.Dropdown(id=STATION, placeholder=_("选择站点"),
                                          value=edit.station_id if edit else None, options=[
                                 {"label": f"{s['name']} · {s['township']}", "value": s["id"]} for s in stations]),
                             _slot(STATION)], md=6, className="mt-3", id=STATION + "-field"),
                    dbc.Col([dbc.Label([_("检查日期"), REQUIRED()], html_for=DAY),
                             dbc.Input(id=DAY, type="date", max=today().isoformat(),
                                       value=(edit.inspected_on if edit else today()).isoformat()),
                             _slot(DAY)], md=6, className="mt-3", id=DAY + "-field"),
                    dbc.Col([dbc.Label([_("同行检查人员（至少一人）"), REQUIRED()], html_for=AUDITORS),
                             dcc.Dropdown(id=AUDITORS, multi=True, options=people, placeholder=_("选择检查人员"),
                                          value=[a for a in edit.auditor_ids if a != current_user.id]
                                          if edit else None),
                             _slot(AUDITORS)], md=12, className="mt-3", id=AUDITORS + "-field"),
                    dbc.Col(html.Div([REQUIRED(), _("为必填；检查项逐项填写（合格、不合格或不适用）")],
                                     className="small text-secondary"), md=12, className="mt-2"),
                ])), className="shadow-sm mb-3"),
                dcc.Loading(html.Div(id=ITEMS), type="dot", delay_show=300),
                dbc.Card(dbc.CardBody([
                    dbc.Label(_("检查小结"), html_for=SUMMARY),
                    dbc.Textarea(id=SUMMARY, rows=3, maxLength=4000, value=edit.summary if edit else None),
                    _slot(SUMMARY),
                    html.Div([
                        dbc.Checkbox(id=PUBLISH_NOW, value=False,
                                     label=_("提交后立即通报（被检查单位即可看到，并生成整改事项）")),
                        dbc.Button([html.I(className="bi bi-send me-1"), _("提交检查记录")], id=SUBMIT,
                                   color="primary", className="ms-auto"),
                    ], className="d-flex flex-wrap align-items-center gap-2 mt-3"),
                    html.Div(id=RESULT, className="mt-3", role="status"),
                ]), className="shadow-sm mb-3"),
            ], lg=8),
            dbc.Col([
                html.Div(dbc.Card([dbc.CardHeader(_("实时得分")), dbc.CardBody(html.Div(id=PREVIEW))],
                                  className="shadow-sm mb-3"), className="sticky-lg-top", style={"top": "4.5rem"}),
                dbc.Card([dbc.CardHeader(_("待通报的检查")),
                          dbc.CardBody([html.Div(id=PENDING_MSG), html.Div(id=PENDING)], className="p-2")],
                         className="shadow-sm mb-3"),
            ], lg=4),
        ]),
    ])


def REQUIRED() -> html.Span:  # noqa: N802 — the mark, as a constant reads in the layout
    return html.Span("*", className="text-danger ms-1", title=_("必填"))


def _slot(field_id: str) -> html.Div:
    """Where a refusal naming this field is shown, under it."""
    return html.Div(id=field_id + "-error", className="small text-danger")


def _control(item, kind: str, mode: str, value=None):
    rule = item.rule or {}
    if rule.get("modes") and mode not in rule["modes"]:
        return html.Span(_("本检查方式不适用"), className="text-secondary small"), True
    key = {"type": VALUE, "code": item.code}
    if item.answer_type == "number":
        limits = []
        if "max_ok" in rule:
            limits.append(f"≤ {rule['max_ok']:g}")
        if "min_ok" in rule:
            limits.append(f"≥ {rule['min_ok']:g}")
        return html.Div([dbc.Input(id=key, type="number", size="sm", style={"maxWidth": "8rem"}, value=value),
                         html.Span(_("达标：") + " ".join(limits), className="small text-secondary")],
                        className="d-flex align-items-center gap-2"), False
    if item.answer_type == "choice":
        options = [{"label": o.get("label", o["value"]), "value": o["value"]} for o in rule.get("options", [])]
    else:
        options = [{"label": _("合格"), "value": "pass"}, {"label": _("不合格"), "value": "fail"}]
    options.append({"label": _("不适用"), "value": "na"})
    return dbc.RadioItems(id=key, options=options, inline=True, className="small item-answer", value=value), False


def _thumbs(photos: list[str]) -> list:
    return [html.A(html.Img(src=f"/photos/{p}", alt=_("现场照片"), className="evidence-thumb"), href=f"/photos/{p}",
                   target="_blank") for p in photos]


def _items_view(template, items, kind: str, mode: str, answers: dict | None = None):
    names = _category_names(kind)
    groups: dict[str, list] = {}
    for item in items:
        given = (answers or {}).get(item.code) or {}
        control, skipped = _control(item, kind, mode, given.get("value"))
        text = item.text_en if is_english() and item.text_en else item.text
        badges = [dbc.Badge(_("一票否决"), color="danger", className="ms-1")] if item.veto else []
        photo_rule = (item.evidence or {}).get("photo_on_fail")
        extra = [] if skipped else [
            dbc.Input(id={"type": NOTE, "code": item.code}, placeholder=_("情况说明"), size="sm", maxLength=1000,
                      className="item-note", value=given.get("note")),
            dcc.Upload(dbc.Button([html.I(className="bi bi-camera me-1"), _("照片")], size="sm", color="secondary",
                                  outline=True), id={"type": UPLOAD, "code": item.code}, accept="image/*",
                       multiple=False, max_size=15 * 1024 * 1024),
            dcc.Store(id={"type": PHOTOS, "code": item.code}, data=list(given.get("photos") or [])),
            html.Div(_thumbs(given.get("photos") or []), id={"type": THUMBS, "code": item.code},
                     className="d-flex gap-1 flex-wrap"),
        ]
        groups.setdefault(item.category, []).append(html.Div([
            html.Div([html.Span(item.code, className="badge text-bg-light me-2"), html.Span(text),
                      None if skipped else REQUIRED(),
                      html.Span(f" · {item.weight:g} " + _("分"), className="small text-secondary"), *badges,
                      html.I(className="bi bi-camera ms-2 text-secondary", title=_("不合格须拍照"))
                      if photo_rule and not skipped else None]),
            html.Div([html.Div(control, className="item-control"), *extra],
                     className="d-flex flex-wrap align-items-center gap-2 mt-1"),
            html.Div(id={"type": ITEM_ERROR, "code": item.code}, className="small text-danger"),
        ], className="item-row py-2 border-bottom", id=f"item-{item.code}"))
    title = template.name_en if is_english() and template.name_en else template.name
    return html.Div([
        html.Div([html.Span(title, className="fw-semibold"),
                  html.Span(_("第 %(v)s 版", v=template.version), className="small text-secondary ms-2")],
                 className="mb-2"),
        *[dbc.Card([dbc.CardHeader(names.get(category, category)), dbc.CardBody(rows, className="py-1")],
                   className="shadow-sm mb-3") for category, rows in groups.items()],
    ])


def _answers(values_states, notes_states=None, photo_states=None) -> dict:
    answers: dict[str, dict] = {}
    for entry in values_states:
        value = entry.get("value")
        if value in (None, ""):
            continue
        answers[entry["id"]["code"]] = {"value": value}
    for entry in notes_states or []:
        code = entry["id"]["code"]
        if code in answers and (entry.get("value") or "").strip():
            answers[code]["note"] = entry["value"].strip()
    for entry in photo_states or []:
        code = entry["id"]["code"]
        if code in answers and entry.get("value"):
            answers[code]["photos"] = list(entry["value"])
    return answers


def _preview_view(score, kind: str):
    if score.total is None:
        return html.Div(_("逐项填写后显示得分"), className="text-secondary small")
    if score.unanswered:  # a score over a few answers would read as the verdict: not before the form is whole
        return html.Div([
            html.Div(_("还有 %(m)s 项未填，填完后显示得分和等次", m=len(score.unanswered)), className="small",
                     id="inspect-unscored"),
            html.Div(_("已发现不合格 %(n)s 项", n=len(score.failed)), className="small text-secondary")
            if score.failed else None,
            html.Div(_("一票否决项不合格，等次为不达标") if score.vetoed else None, className="text-danger small"),
        ])
    names = _category_names(kind)
    return html.Div([
        html.Div([html.Span(f"{score.total:.1f}", className="display-6 fw-semibold", id="inspect-score"),
                  html.Span(_("分"), className="ms-1 text-secondary"),
                  dbc.Badge(_(labels.GRADE[score.grade]), className="ms-3 fs-6", id="inspect-grade",
                            style={"background": labels.GRADE_COLOUR[score.grade]})],
                 className="d-flex align-items-center"),
        html.Div(_("一票否决项不合格，等次为不达标") if score.vetoed else None, className="text-danger small"),
        html.Div(_("不合格 %(n)s 项，未填 %(m)s 项", n=len(score.failed), m=len(score.unanswered)),
                 className="small text-secondary mb-2"),
        html.Table(html.Tbody([html.Tr([html.Td(names.get(c, c), className="pe-3"), html.Td(f"{v:.1f}")])
                               for c, v in score.category_scores.items()]), className="small"),
    ])


def _pending_acts(r: dict) -> list:
    """What the viewer may do with a submitted audit: its lead auditor edits one returned; another
    inspector circulates it (通报, its acceptance) or returns it with a reason."""
    if r["review_status"] == "returned":
        return [html.A(_("修改"), href=f"/inspect?edit={r['uuid']}", className="btn btn-sm btn-primary ms-auto")
                if r["lead_auditor_id"] == current_user.id else
                html.Span(_("待检查人员修改"), className="small text-secondary ms-auto")]
    publish = dbc.Button(_("通报"), id={"type": PUBLISH, "id": r["id"]}, size="sm", color="warning", outline=True)
    if r["lead_auditor_id"] == current_user.id:
        edit = html.A(_("修改"), href=f"/inspect?edit={r['uuid']}", className="btn btn-sm btn-outline-primary ms-auto")
        return [edit, publish]
    return [html.Span(className="ms-auto"), publish,
            dbc.Input(id={"type": RETURN_NOTE, "id": r["id"]}, size="sm", maxLength=1000, placeholder=_("退回原因"),
                      style={"maxWidth": "9rem"}),
            dbc.Button(_("退回"), id={"type": RETURN, "id": r["id"]}, size="sm", color="danger", outline=True)]


def _pending_view(rows):
    if not rows:
        return html.Div(_("没有待通报的检查"), className="text-secondary small")
    return html.Ul([html.Li([
        html.Div([html.Span(r["station"], className="fw-semibold"),
                  html.Span(f" · {r['inspected_on']:%Y-%m-%d} · {_name(labels.INSPECTION_MODE, r['mode'])}",
                            className="small text-secondary")]),
        html.Div([html.Span(f"{r['score']:.1f} " + _("分") if r["score"] is not None else "—", className="small me-2"),
                  dbc.Badge(_name(labels.GRADE, r["grade"]),
                            style={"background": labels.GRADE_COLOUR.get(r["grade"])}),
                  *review_badges(_, r)], className="d-flex align-items-center flex-wrap gap-1"),
        html.Div(_pending_acts(r), className="d-flex align-items-center flex-wrap gap-1 mt-1 pending-acts"),
    ], className="list-group-item", id=f"pending-{r['id']}") for r in rows], className="list-group list-group-flush")


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(MODE, "options"), Output(MODE, "value"), Input(KIND, "value"), State(EDIT, "data"))
    def modes(kind, edit):
        kind = InspectionKind(kind or InspectionKind.window_audit)
        chosen = edit["mode"] if edit and edit["kind"] == kind and edit["mode"] in MODES[kind] else MODES[kind][0]
        return [{"label": _(labels.INSPECTION_MODE[m]), "value": m} for m in MODES[kind]], chosen

    @app.callback(Output(ITEMS, "children"), Output(TEMPLATE, "data"), Input(KIND, "value"), Input(MODE, "value"),
                  State(EDIT, "data"))
    def items(kind, mode, edit=None):
        if current_user.role not in ROLES:
            return forbidden(), None
        kind = InspectionKind(kind or InspectionKind.window_audit)
        mode = mode or MODES[kind][0]
        session = db()
        answers = None
        if edit and edit["kind"] == kind:  # the audit being edited keeps its template version and answers
            template, answers = session.get(ChecklistTemplate, edit["template_id"]), edit["answers"]
        else:
            template = current_template(session, KIND_FOR_INSPECTION[kind])
        if template is None:
            return dbc.Alert(_("还没有检查模板，请管理员先建立模板"), color="warning"), None
        return _items_view(template, template_items(session, template.id), kind, mode, answers), template.id

    @app.callback(Output(PREVIEW, "children"), Input({"type": VALUE, "code": ALL}, "value"),
                  State(TEMPLATE, "data"), State(KIND, "value"), State(MODE, "value"))
    def preview(_values, template_id, kind, mode):
        if not template_id or current_user.role not in ROLES:
            return no_update
        answers = _answers(ctx.inputs_list[0])
        return _preview_view(svc.preview(db(), template_id=template_id, answers=answers, mode=mode), kind)

    @app.callback(Output({"type": PHOTOS, "code": MATCH}, "data"), Output({"type": THUMBS, "code": MATCH}, "children"),
                  Input({"type": UPLOAD, "code": MATCH}, "contents"), State({"type": PHOTOS, "code": MATCH}, "data"),
                  State(STATION, "value"), State(FORM_ID, "data"), prevent_initial_call=True)
    def upload(contents, photos, station_id, form_id):
        photos = list(photos or [])
        if not contents:
            return no_update, no_update
        if current_user.role not in ROLES:
            return no_update, forbidden()
        warn = None
        station = db().get(Station, station_id) if station_id else None
        if station is None or not scope().covers(station.path):
            warn = _("请先选择被检查站点")
        else:
            try:
                data = base64.b64decode(contents.split(",", 1)[1], validate=True)
                stored, _created = store_photo(db(), actor=actor(), root=upload_root(), data=data,
                                               photo_uuid=uuid_lib.uuid4(), owner_kind="inspection",
                                               owner_uuid=uuid_lib.UUID(form_id), path=station.path)
                photos.append(str(stored.uuid))
            except (IndexError, binascii.Error, ValueError):
                warn = _("无法识别的图片文件")
            except DomainError as exc:
                warn = _error(exc)
        thumbs = _thumbs(photos)
        if warn:
            thumbs.append(html.Span(warn, className="small text-danger"))
        return photos, thumbs

    field_slots = [Output(f + "-error", "children") for f in FIELD_AT.values()]

    @app.callback(Output(RESULT, "children"), Output(FORM_ID, "data"), Output(VERSION, "data"),
                  Output(ITEMS, "children", allow_duplicate=True),
                  Output({"type": ITEM_ERROR, "code": ALL}, "children"), Output(ERROR_AT, "data"), *field_slots,
                  Input(SUBMIT, "n_clicks"),
                  State(KIND, "value"), State(MODE, "value"), State(STATION, "value"), State(DAY, "value"),
                  State(AUDITORS, "value"), State(SUMMARY, "value"), State(PUBLISH_NOW, "value"),
                  State(TEMPLATE, "data"), State(FORM_ID, "data"), State(VERSION, "data"),
                  State({"type": VALUE, "code": ALL}, "value"), State({"type": NOTE, "code": ALL}, "value"),
                  State({"type": PHOTOS, "code": ALL}, "data"), prevent_initial_call=True)
    def submit(_n, kind, mode, station_id, day, auditors, summary, publish_now, template_id, form_id, version,
               _values, _notes, _photos):
        codes = [o["id"]["code"] for o in ctx.outputs_list[4]]

        def refused(message: str, field: str = ""):
            """The refusal under its field or item (scrolled to and marked), and named at the button."""
            item = field.split(".")[1] if field.startswith("answers.") and "." in field else None
            at = FIELD_AT.get(field.split(".")[0])
            items = [message if code == item else None for code in codes]
            slots = [message if f == at else None for f in FIELD_AT.values()]
            target = f"item-{item}" if item in codes else (f"{at}-field" if at else None)
            summary = _("未提交：请按标出的位置修改") if target else message
            return (dbc.Alert(summary, color="danger", className="py-2", id="inspect-error"), no_update, no_update,
                    no_update, items, target, *slots)

        if current_user.role not in ROLES:
            return (forbidden(), no_update, no_update, no_update, [no_update] * len(codes), None,
                    *[None] * len(FIELD_AT))
        if not station_id:
            return refused(_("请先选择被检查站点"), "station_id")
        try:
            inspected_on = date.fromisoformat(day)
        except (TypeError, ValueError):
            return refused(_("请填写检查日期"), "inspected_on")
        answers = _answers(ctx.states_list[10], ctx.states_list[11], ctx.states_list[12])
        form = svc.InspectionForm(kind=kind, mode=mode, station_id=int(station_id), template_id=template_id,
                                  inspected_on=inspected_on, auditor_ids=[int(a) for a in auditors or []],
                                  answers=answers, summary=summary, uuid=uuid_lib.UUID(form_id))
        session = db()
        try:
            inspection, created = svc.record_inspection(session, actor=actor(), form=form, today=today())
            made = None
            if publish_now:
                made = svc.publish(session, actor=actor(), inspection_id=inspection.id, today=today())
        except DomainError as exc:
            session.rollback()
            return refused(_error(exc), getattr(exc, "field", None) or "")
        grade = _(labels.GRADE[inspection.grade]) if inspection.grade else "—"
        facts = dict(station=session.get(Station, inspection.station_id).name, grade=grade,
                     score=f"{inspection.score:.1f}" if inspection.score is not None else "—")
        text = _("已提交：%(station)s，%(score)s 分，%(grade)s。", **facts) if created else \
            _("已修改：%(station)s，%(score)s 分，%(grade)s（第 %(n)s 版）。", n=inspection.revision, **facts)
        if made is not None:
            text += " " + _("已通报，生成整改事项 %(n)s 项。", n=count(len(made)))
        else:
            text += " " + _("通报前被检查单位看不到这份记录。")
        # a fresh form: new UUID, items rebuilt empty
        return (dbc.Alert(text, color="success", className="py-2", id="inspect-done"), str(uuid_lib.uuid4()),
                (version or 0) + 1, None, [no_update] * len(codes), None, *[None] * len(FIELD_AT))

    # the refusal's place: scrolled to the middle of the screen and marked until the next try
    app.clientside_callback(
        """function (target) {
            document.querySelectorAll('.field-invalid').forEach(el => el.classList.remove('field-invalid'));
            const el = target && document.getElementById(target);
            if (el) {
                el.classList.add('field-invalid');
                el.scrollIntoView({block: 'center', behavior: 'smooth'});
            }
            return window.dash_clientside.no_update;
        }""",
        Output(ERROR_AT + "-shown", "data"), Input(ERROR_AT, "data"), prevent_initial_call=True)

    @app.callback(Output(ITEMS, "children", allow_duplicate=True), Output(EDIT, "data"),
                  Output(EDIT + "-banner", "children"), Input(VERSION, "data"), State(KIND, "value"),
                  State(MODE, "value"), prevent_initial_call=True)
    def fresh_form(_version, kind, mode):
        return items(kind, mode)[0], None, None  # an edit, once sent, is over: the next form is a new audit

    @app.callback(Output(PENDING, "children"), Output(PENDING_MSG, "children"), Input(VERSION, "data"),
                  Input({"type": PUBLISH, "id": ALL}, "n_clicks"), Input({"type": RETURN, "id": ALL}, "n_clicks"),
                  State({"type": RETURN_NOTE, "id": ALL}, "value"))
    def pending(_version, clicks, returns, _notes):
        """通报 (the audit accepted), or 退回 with the reason written beside it: the lead auditor finds
        it in the to-do list and edits it here (?edit=) or on the phone."""
        if current_user.role not in ROLES:
            return forbidden(), None
        session = db()
        message = None
        trigger = ctx.triggered_id
        try:
            if isinstance(trigger, dict) and trigger.get("type") == PUBLISH and any(clicks or []):
                made = svc.publish(session, actor=actor(), inspection_id=int(trigger["id"]), today=today())
                message = dbc.Alert(_("已通报，生成整改事项 %(n)s 项。", n=count(len(made))), color="success",
                                    className="py-1 small")
            elif isinstance(trigger, dict) and trigger.get("type") == RETURN and any(returns or []):
                notes = {e["id"]["id"]: e.get("value") for e in ctx.states_list[0]}
                review(session, actor=actor(), kind="inspection", record_id=int(trigger["id"]), accept=False,
                       note=notes.get(trigger["id"]))
                message = dbc.Alert(_("已退回，检查人员修改后重新提交"), color="success", className="py-1 small")
        except DomainError as exc:
            session.rollback()
            message = dbc.Alert(_error(exc), color="danger", className="py-1 small")
        return _pending_view(awaiting_publication(session, current_user.scope, current_user.role)), message
