"""/admin/users — 用户管理: the administrator lists and finds accounts (role, home regions, enabled
or not, a one-time password still to change, last sign-in, held back by the sign-in throttle),
creates one (its one-time password shown once, here), changes a name, role and home regions,
disables or enables an account (disabling ends every sign-in of it), gives a new one-time
password, and lifts a throttle. Every act is a service of data/services/users.py, audited there;
the rules (the last active administrator stays one, nobody disables themselves) are the
service's, their refusals shown next to the field they concern."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from flask_login import current_user

from components.format import local_time
from data.errors import DomainError, ValidationError
from data.models import Role
from data.queries.users import get_user, home_region_codes, list_users, region_tree
from data.services import users as accounts
from web.context import actor, db, scope
from web.i18n import N_, _
from web.shell import ROLE_NAMES, refused_page, sub_page_header
from web.todo import throttled_usernames

ROLES = [Role.admin]
dash.register_page(__name__, path="/admin/users", name=N_("用户管理"), title="用户管理 · 人社督导一张图", order=96,
                   icon="bi-people", roles=ROLES, hidden=True)

P = "adm-usr-"
CALLBACK_PREFIXES = (P,)
SEARCH, ROLE_F, STATUS_F = P + "search", P + "role-filter", P + "status-filter"
VERSION, TABLE, PAGER = P + "version", P + "table", P + "pager"
PAGE_SIZE = 50  # a page of accounts: the browser keeps up (each row's button is a callback input)
CREATE_BODY, CREATE = P + "create-body", P + "create"
NEW_FIELDS = {"username": P + "username", "display_name": P + "name", "role": P + "role", "regions": P + "regions"}
MANAGE, MODAL, MODAL_BODY = P + "manage", P + "modal", P + "modal-body"
EDIT_ID, SAVE, RESET, TOGGLE, UNLOCK = P + "edit-id", P + "save", P + "reset", P + "toggle", P + "unlock"
SIGN_OUT = P + "sign-out"
EDIT_FIELDS = {"display_name": P + "edit-name", "role": P + "edit-role", "regions": P + "edit-regions"}
STATUSES = {"active": N_("启用"), "disabled": N_("已停用"), "must_change": N_("待修改一次性密码")}


def layout(**_query):
    if (refused := refused_page(ROLES)) is not None:
        return refused
    return html.Div([
        sub_page_header(_("用户管理")),
        dbc.Card([dbc.CardHeader(_("新建用户"), className="small fw-semibold"),
                  dbc.CardBody(_create_form(), id=CREATE_BODY)], className="mb-3"),
        dbc.Row([
            dbc.Col(dbc.Input(id=SEARCH, placeholder=_("搜索用户名或姓名"), size="sm", debounce=True), md=4),
            dbc.Col(dbc.Select(id=ROLE_F, size="sm", value="",
                               options=[{"label": _("全部角色"), "value": ""}] + _role_options()), md=3),
            dbc.Col(dbc.Select(id=STATUS_F, size="sm", value="",
                               options=[{"label": _("全部状态"), "value": ""}]
                               + [{"label": _(label), "value": key} for key, label in STATUSES.items()]), md=3),
        ], className="g-2 mb-2"),
        dcc.Store(id=VERSION, data=0),
        dcc.Loading(html.Div(id=TABLE)),
        dbc.Pagination(id=PAGER, max_value=1, active_page=1, fully_expanded=False, size="sm",
                       first_last=True, previous_next=True, className="mt-2"),
        dbc.Modal([dbc.ModalHeader(dbc.ModalTitle(_("管理账户"))), dbc.ModalBody(id=MODAL_BODY)], id=MODAL,
                  is_open=False, size="lg"),
    ])


def _role_options() -> list[dict]:
    return [{"label": _(name), "value": role.value} for role, name in ROLE_NAMES.items()]


def _region_options() -> list[dict]:
    """The region tree as a picker's options, in tree order; a township named with its county."""
    return [{"label": f"{r['parent']} · {r['name']}" if r["depth"] >= 2 and r["parent"] else r["name"],
             "value": r["code"]} for r in region_tree(db(), scope=scope())]


def _error(errors: dict, field: str, element_id: str) -> html.Div | None:
    if field not in errors:
        return None
    return html.Div(errors[field], id=element_id + "-error", className="invalid-feedback d-block")


def _field(label: str, control, errors: dict, field: str, element_id: str, **width) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=element_id, className="small mb-1"), control,
                    _error(errors, field, element_id)], **width)


def _create_form(values: dict | None = None, errors: dict | None = None, created: tuple | None = None) -> list:
    values, errors = values or {}, errors or {}
    ids = NEW_FIELDS
    parts: list = []
    if created:
        username, password = created
        parts.append(dbc.Alert([
            html.Div(_("已创建用户 %(name)s。一次性密码（只显示这一次）：", name=username)),
            html.Code(password, id=P + "otp", className="fs-5 user-select-all"),
            html.Div(_("请当面或通过安全渠道告知本人；首次登录时必须改成自己的密码。"), className="small mt-1"),
        ], color="success", id=P + "created", className="py-2"))
    if "" in errors:
        parts.append(dbc.Alert(errors[""], color="danger", className="py-2"))
    parts.append(dbc.Row([
        _field(_("用户名"), dbc.Input(id=ids["username"], value=values.get("username"), size="sm",
                                      invalid="username" in errors, placeholder="li.ming", autoComplete="off"),
               errors, "username", ids["username"], md=2),
        _field(_("姓名"), dbc.Input(id=ids["display_name"], value=values.get("display_name"), size="sm",
                                    invalid="display_name" in errors),
               errors, "display_name", ids["display_name"], md=2),
        _field(_("角色"), dbc.Select(id=ids["role"], value=values.get("role") or "", size="sm",
                                     invalid="role" in errors,
                                     options=[{"label": _("请选择"), "value": ""}] + _role_options()),
               errors, "role", ids["role"], md=2),
        _field(_("所属地区（可多选）"), dcc.Dropdown(id=ids["regions"], options=_region_options(), multi=True,
                                                    value=values.get("regions") or [], placeholder=_("请选择地区")),
               errors, "regions", ids["regions"], md=4),
        dbc.Col(dbc.Button([html.I(className="bi bi-person-plus me-1"), _("创建")], id=CREATE, color="primary",
                           size="sm", className="w-100"), md=2, className="d-flex align-items-start pt-4"),
    ], className="g-2"))
    parts.append(html.Div(_("新用户得到一个一次性密码，首次登录时必须修改。"), className="small text-secondary mt-1"))
    return parts


def _table(search, role, status, page: int = 1) -> tuple[html.Div, int]:
    """A page of the accounts that match, and how many pages there are."""
    page = max(1, int(page or 1))
    users, total = list_users(db(), search=search, role=role or None, status=status or None, limit=PAGE_SIZE,
                              offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if not users:
        return html.Div(_("没有符合条件的用户"), className="text-secondary small", id=P + "rows"), pages
    held = set(throttled_usernames())
    head = html.Thead(html.Tr([html.Th(h) for h in (_("用户名"), _("姓名"), _("角色"), _("所属地区"), _("状态"),
                                                     _("最近登录"), _("登录限制"), "")]))
    rows = []
    for u in users:
        badges = [dbc.Badge(_("启用") if u["active"] else _("已停用"), color="success" if u["active"] else "secondary",
                            className="me-1")]
        if u["must_change_password"]:
            badges.append(dbc.Badge(_("待改密码"), color="warning", text_color="dark"))
        throttled = u["username"] in held
        rows.append(html.Tr([
            html.Td(u["username"]), html.Td(u["name"]), html.Td(_(ROLE_NAMES[Role(u["role"])])),
            html.Td("、".join(name for _code, name in u["regions"]) or "—"), html.Td(badges),
            html.Td(local_time(u["last_login_at"]) or "—", className="text-nowrap"),
            html.Td(html.Span(_("是"), className="text-danger fw-semibold") if throttled else _("否")),
            html.Td(dbc.Button(_("管理"), id={"type": MANAGE, "id": u["id"]}, size="sm", color="outline-primary")),
        ], id=f"{P}user-{u['username']}", className="" if u["active"] else "text-secondary"))
    first = (page - 1) * PAGE_SIZE
    note = _("共 %(total)s 个用户", total=f"{total:,}") if total == len(users) else \
        _("共 %(total)s 个用户，第 %(first)s–%(last)s 个", total=f"{total:,}", first=f"{first + 1:,}",
          last=f"{first + len(users):,}")
    return html.Div([html.Div(note, className="small text-secondary mb-1"),
                     dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True, className="small")],
                    id=P + "rows"), pages


def _manage(user_id: int, values: dict | None = None, errors: dict | None = None, message=None) -> list:
    user = get_user(db(), user_id=user_id)
    if user is None:
        return [dbc.Alert(_("用户不存在"), color="danger")]
    values, errors = values or {}, errors or {}
    ids = EDIT_FIELDS
    throttled = user.username in throttled_usernames()
    since = local_time(user.created_at, "%Y-%m-%d")
    log = "/admin/log?" + urlencode({"target": f"user:{user.id}", "from": since})
    return [
        dcc.Store(id=EDIT_ID, data=user.id),
        html.Div([html.Span(f"{user.display_name}（{user.username}）", className="fw-semibold me-2"),
                  dbc.Badge(_("启用") if user.active else _("已停用"), color="success" if user.active else "secondary"),
                  html.A(_("该用户的操作记录"), href=log, className="small ms-3")], className="mb-3"),
        html.Div(message, id=P + "modal-msg", role="status"),
        dbc.Row([
            _field(_("姓名"), dbc.Input(id=ids["display_name"], size="sm", invalid="display_name" in errors,
                                        value=values.get("display_name", user.display_name)),
                   errors, "display_name", ids["display_name"], md=3),
            _field(_("角色"), dbc.Select(id=ids["role"], size="sm", invalid="role" in errors, options=_role_options(),
                                         value=values.get("role", str(user.role))),
                   errors, "role", ids["role"], md=3),
            _field(_("所属地区（可多选）"),
                   dcc.Dropdown(id=ids["regions"], options=_region_options(), multi=True,
                                value=values.get("regions", home_region_codes(db(), user_id=user.id))),
                   errors, "regions", ids["regions"], md=6),
        ], className="g-2 mb-2"),
        dbc.Button(_("保存"), id=SAVE, color="primary", size="sm", className="mb-1"),
        html.Div(_("改变所属地区后，该用户需重新登录。"), className="small text-secondary mb-3"),
        html.Hr(),
        html.Div(_("账户操作"), className="small fw-semibold mb-2"),
        html.Div([
            dbc.Button(_("重置密码"), id=RESET, color="outline-primary", size="sm", className="me-2"),
            dbc.Button(_("停用账户") if user.active else _("启用账户"), id=TOGGLE, size="sm", className="me-2",
                       color="outline-danger" if user.active else "outline-success"),
            dbc.Button(_("注销全部登录"), id=SIGN_OUT, color="outline-secondary", size="sm", className="me-2"),
            dbc.Button(_("解除登录限制"), id=UNLOCK, color="outline-secondary", size="sm", disabled=not throttled),
        ]),
        _error(errors, "password", RESET),
        _error(errors, "active", TOGGLE),
        html.Div(_("重置密码会生成一次性密码，该用户下次登录时必须修改；停用账户会立即结束其所有登录（浏览器、现场手机、大屏）；"
                   "注销全部登录只结束登录，账户照常可用（如手机遗失）。"),
                 className="small text-secondary mt-2"),
    ]


def _refusal(exc: DomainError) -> tuple[str, str]:
    """The field a refusal concerns ("" for the form as a whole) and its text in the user's language."""
    return getattr(exc, "field", None) or "", _(exc.message, **exc.params)


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(TABLE, "children"), Output(PAGER, "max_value"), Output(PAGER, "active_page"),
                  Input(SEARCH, "value"), Input(ROLE_F, "value"), Input(STATUS_F, "value"), Input(VERSION, "data"),
                  Input(PAGER, "active_page"))
    def show(search, role, status, _version, page):
        """A new search or filter starts at the first page; a change to an account keeps the page."""
        if current_user.role not in ROLES:
            return no_update, no_update, no_update
        if ctx.triggered_id in (SEARCH, ROLE_F, STATUS_F):
            page = 1
        table, pages = _table(search, role, status, min(page or 1, 10_000))
        if (page or 1) > pages:
            page = pages
            table, pages = _table(search, role, status, page)
        return table, pages, page or 1

    @app.callback(Output(CREATE_BODY, "children"), Output(VERSION, "data", allow_duplicate=True),
                  Output(SEARCH, "value"),
                  Input(CREATE, "n_clicks"), State(NEW_FIELDS["username"], "value"),
                  State(NEW_FIELDS["display_name"], "value"), State(NEW_FIELDS["role"], "value"),
                  State(NEW_FIELDS["regions"], "value"), State(VERSION, "data"), prevent_initial_call=True)
    def create(clicks, username, name, role, regions, version):
        if current_user.role not in ROLES or not clicks:
            return no_update, no_update, no_update
        values = {"username": username, "display_name": name, "role": role, "regions": regions}
        try:
            user, password = accounts.add_user(db(), actor=actor(), username=username or "", display_name=name or "",
                                               role=role or "", region_codes=regions or [])
        except DomainError as exc:
            db().rollback()
            field, text = _refusal(exc)
            return _create_form(values, {field if field in NEW_FIELDS else "": text}), no_update, no_update
        # the list finds the new account (whichever page its name would fall on)
        return _create_form(created=(user.username, password)), (version or 0) + 1, user.username

    @app.callback(Output(MODAL, "is_open"), Output(MODAL_BODY, "children"),
                  Input({"type": MANAGE, "id": ALL}, "n_clicks"), prevent_initial_call=True)
    def open_manage(_clicks):
        trigger = ctx.triggered_id
        if current_user.role not in ROLES or not isinstance(trigger, dict) or not ctx.triggered[0]["value"]:
            return no_update, no_update
        return True, _manage(int(trigger["id"]))

    @app.callback(Output(MODAL_BODY, "children", allow_duplicate=True), Output(VERSION, "data", allow_duplicate=True),
                  Input(SAVE, "n_clicks"), Input(RESET, "n_clicks"), Input(TOGGLE, "n_clicks"),
                  Input(UNLOCK, "n_clicks"), Input(SIGN_OUT, "n_clicks"), State(EDIT_ID, "data"),
                  State(EDIT_FIELDS["display_name"], "value"),
                  State(EDIT_FIELDS["role"], "value"), State(EDIT_FIELDS["regions"], "value"), State(VERSION, "data"),
                  prevent_initial_call=True)
    def act(_save, _reset, _toggle, _unlock, _sign_out, user_id, name, role, regions, version):
        trigger = ctx.triggered_id
        if current_user.role not in ROLES or user_id is None or not ctx.triggered or not ctx.triggered[0]["value"]:
            return no_update, no_update
        session, user_id = db(), int(user_id)
        values = {"display_name": name, "role": role, "regions": regions or []}
        try:
            if trigger == SAVE:
                accounts.update_user(session, actor=actor(), user_id=user_id, display_name=name or "",
                                     role=role or "", region_codes=regions or [])
                message = dbc.Alert(_("已保存"), color="success", className="py-2")
                values = {}
            elif trigger == RESET:
                user, password = accounts.reset_password(session, actor=actor(), user_id=user_id)
                message = dbc.Alert([html.Div(_("已为 %(name)s 生成一次性密码（只显示这一次）：", name=user.username)),
                                     html.Code(password, id=P + "reset-otp", className="fs-5 user-select-all"),
                                     html.Div(_("该用户的所有登录已结束，下次登录时必须修改密码。"),
                                              className="small")],
                                    color="success", className="py-2")
            elif trigger == TOGGLE:
                user = get_user(session, user_id=user_id)
                active = not (user and user.active)
                accounts.set_active(session, actor=actor(), user_id=user_id, active=active)
                message = dbc.Alert(_("已启用该账户") if active else _("已停用该账户，其所有登录已结束"),
                                    color="success", className="py-2")
            elif trigger == UNLOCK:
                accounts.unlock(session, actor=actor(), user_id=user_id)
                message = dbc.Alert(_("已解除登录限制"), color="success", className="py-2")
            elif trigger == SIGN_OUT:
                ended = accounts.sign_out_everywhere(session, actor=actor(), user_id=user_id)
                message = dbc.Alert(_("已注销该用户的全部登录（含 %(n)s 个设备登录）", n=ended), color="success",
                                    className="py-2")
            else:
                return no_update, no_update
        except DomainError as exc:
            session.rollback()
            field, text = _refusal(exc)
            if not isinstance(exc, ValidationError) or field not in {*EDIT_FIELDS, "active", "password"}:
                return _manage(user_id, values, message=dbc.Alert(text, color="danger", className="py-2")), no_update
            return _manage(user_id, values, {field: text}), no_update
        return _manage(user_id, values, message=message), (version or 0) + 1
