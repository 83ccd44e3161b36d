"""The dashboard's frame: top bar with navigation, the user's menu and the language switch.

Navigation lists the registered pages the user's role may open (`roles` given to
register_page; none means everyone signed in). The layout is a function, built per request in
the user's language.
"""

from __future__ import annotations

import json
from collections import Counter

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user

from data.models import Role
from data.queries.regions import city_name
from web.auth import csrf_token
from web.context import db, scope
from web.i18n import N_, _, current_language, pgettext
from web.todo import my_todo

ROLE_NAMES = {
    Role.admin: N_("系统管理员"), Role.leader: N_("局领导"), Role.case_officer: N_("劳动保障监察员"),
    Role.inspector: N_("督查员"), Role.cadre: N_("挂职干部"), Role.wall: N_("大屏"),
}
NAV_COLLAPSE, NAV_TOGGLER, MAP_EVENT = "shell-nav-collapse", "shell-nav-toggler", "map-event"
TODO_COUNT, TODO_TICK = "shell-todo-count", "shell-todo-tick"
TODO_SECONDS = 60
# pages registered with group=… share one menu in the top bar (one row at 1366 px, either language)
NAV_GROUPS = {"stations": (N_("基层平台"), "bi-building"), "field": (N_("走流程与挂职"), "bi-person-walking")}
FIELD_APP_ROLES = (Role.cadre, Role.inspector)  # they work on phones: the field app in their menu


def role_name(role: Role) -> str:
    return _(ROLE_NAMES[role])


def may_open(page: dict) -> bool:
    roles = page.get("roles")
    return current_user.is_authenticated and (not roles or current_user.role in roles)


def _hidden(name: str, value: str) -> dcc.Input:
    # no id: two forms carry the token, and Dash refuses duplicate ids in a layout
    return dcc.Input(type="hidden", name=name, value=value)


def _language_form() -> html.Form:
    other, label = ("en", "English") if current_language() == "zh-CN" else ("zh-CN", "中文")
    return html.Form([
        _hidden("csrf_token", csrf_token()),
        _hidden("lang", other),
        html.Button([html.I(className="bi bi-translate me-1"), label], type="submit",
                    className="btn btn-sm btn-outline-light text-nowrap", lang=other),
    ], method="POST", action="/language", className="m-0")


def _user_menu() -> dbc.DropdownMenu:
    return dbc.DropdownMenu(
        [
            dbc.DropdownMenuItem(role_name(current_user.role), header=True),
            dbc.DropdownMenuItem([html.I(className="bi bi-clock-history me-2"), _("我的操作记录")], href="/activity",
                                 id="shell-activity"),
            dbc.DropdownMenuItem([html.I(className="bi bi-key me-2"), _("修改密码")], href="/password",
                                 external_link=True, id="shell-password"),
            html.Form([
                _hidden("csrf_token", csrf_token()),
                html.Button([html.I(className="bi bi-box-arrow-right me-2"), _("退出登录")],
                            type="submit", className="dropdown-item", id="shell-logout"),
            ], method="POST", action="/logout", className="m-0"),
        ],
        label=[html.I(className="bi bi-person-circle me-1"), current_user.display_name],
        color="link", toggle_class_name="text-white text-decoration-none", align_end=True,
        id="shell-user-menu",
    )


def _icon(name: str, text: str) -> list:
    return [html.I(className=f"bi {name} me-1"), html.Span(text, className="text-nowrap")]


def _nav_label(name: str) -> str:
    """A page's or group's name in the top bar: the page's own, shorter in English where it is long
    (the bar stays one row at 1366 px)."""
    short = {"欠薪案件": pgettext("nav", "欠薪案件"), "基层平台": pgettext("nav", "基层平台"),
             "走流程与挂职": pgettext("nav", "走流程与挂职"), "周报": pgettext("nav", "周报"),
             "系统管理": pgettext("nav", "系统管理"), "待办": pgettext("nav", "待办")}
    return short.get(name) or _(name)


def nav_items() -> list:
    """The top bar's entries for the user's role, in page order: a page on its own, or a group's
    menu where the role has more than one of its pages."""
    pages = [p for p in dash.page_registry.values() if may_open(p) and not p.get("hidden") and p["name"]]
    phone = current_user.role in FIELD_APP_ROLES  # the phone app, in the field menu (its own document)
    members = Counter(p.get("group") for p in pages)
    members["field"] += phone  # the phone app's entry counts as one of the field menu's
    items, groups = [], {}
    for page in pages:
        group = page.get("group")
        if group and members[group] > 1:
            if group not in groups:
                groups[group] = []
                items.append(group)
            groups[group].append(page)
        else:
            items.append(page)
    if phone and "field" not in groups:
        groups["field"] = []
        items.append("field")
    out = []
    for item in items:
        if isinstance(item, dict):
            label = _icon(item.get("icon", "bi-circle"), _nav_label(item["name"]))
            if item["path"] == "/todo":  # how many wait, refreshed without a reload (register_callbacks)
                label.append(dbc.Badge("", id=TODO_COUNT, color="danger", pill=True, className="ms-1 d-none"))
            out.append(dbc.NavItem(dbc.NavLink(label, href=item["relative_path"], active="exact")))
            continue
        label, icon = NAV_GROUPS[item]
        entries = [dbc.DropdownMenuItem(_icon(p.get("icon", "bi-circle"), _nav_label(p["name"])),
                                        href=p["relative_path"]) for p in groups[item]]
        if item == "field" and phone:
            entries.append(dbc.DropdownMenuItem(_icon("bi-phone", _("手机端（可离线）")), href="/field/",
                                                external_link=True, id="shell-field-app"))
        out.append(dbc.DropdownMenu(entries, label=_icon(icon, _nav_label(label)), nav=True, in_navbar=True,
                                    id=f"shell-group-{item}", toggle_class_name="nav-group"))
    return out


def navbar() -> dbc.Navbar:
    links = nav_items()
    city = city_name(db(), scope())
    return dbc.Navbar(
        dbc.Container([
            dbc.NavbarBrand([html.Span(html.I(className="bi bi-grid-3x3-gap-fill"), className="brand-mark me-2"),
                             html.Span(_("人社督导一张图"), className="fw-bold"),
                             html.Span(city, className="brand-city ms-2")], href="/"),
            dbc.NavbarToggler(id=NAV_TOGGLER, n_clicks=0),
            dbc.Collapse([
                dbc.Nav(links, navbar=True, className="me-auto"),
                html.Div([_language_form(), _user_menu()], className="d-flex align-items-center gap-2"),
            ], id=NAV_COLLAPSE, is_open=False, navbar=True),
        ], fluid=True),
        color="primary", dark=True, sticky="top", className="shell-navbar", expand="xl",
    )


def layout():
    if not current_user.is_authenticated:  # the guard redirects first; this is belt and braces
        return html.Div()
    return html.Div([
        navbar(),
        # clicks inside map iframes arrive here (assets/map_bridge.js)
        dcc.Store(id=MAP_EVENT),
        dcc.Interval(id=TODO_TICK, interval=TODO_SECONDS * 1000),
        html.Main(dash.page_container, className="container-fluid page-body", lang=current_language()),
    ])


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(dash.Output(TODO_COUNT, "children"), dash.Output(TODO_COUNT, "className"),
                  dash.Input(TODO_TICK, "n_intervals"), dash.Input("_pages_location", "pathname"))
    def todo_count(_tick, _path):
        """The top bar's count of the person's to-do items: each minute, and on every page opened
        (an item acted on is gone from it)."""
        n = len(my_todo())
        return (str(n) if n < 100 else "99+"), "ms-1" if n else "ms-1 d-none"

    app.clientside_callback(
        "function(n, open) { return n ? !open : open; }",
        dash.Output(NAV_COLLAPSE, "is_open"),
        dash.Input(NAV_TOGGLER, "n_clicks"),
        dash.State(NAV_COLLAPSE, "is_open"),
    )
    # a group's menu is marked active while one of its pages is open (as NavLink marks a page)
    for group in NAV_GROUPS:
        paths = [p["relative_path"] for p in dash.page_registry.values() if p.get("group") == group]
        app.clientside_callback(
            f"function(path) {{ return {json.dumps(paths)}.includes(path) ? 'nav-group active' : 'nav-group'; }}",
            dash.Output(f"shell-group-{group}", "toggle_class_name"),
            dash.Input("_pages_location", "pathname"))


def forbidden() -> html.Div:
    return html.Div(dbc.Alert([html.I(className="bi bi-shield-lock me-2"), _("您的角色无权查看此页面。")],
                              color="warning"), className="mt-4")


def refused_page(roles) -> html.Div | None:
    """What a page's layout shows instead of itself, or None when the user may see it: nothing
    before sign-in (the guard sends the browser to /login), the refusal to a role not in `roles`."""
    if not current_user.is_authenticated:
        return html.Div()
    return forbidden() if current_user.role not in roles else None


def sub_page_header(title: str, back_href: str = "/admin", back_label: str = N_("系统管理")) -> html.Div:
    """A sub-page's title with the way back to its parent page (the admin's screens)."""
    return html.Div([html.A([html.I(className="bi bi-chevron-left"), _(back_label)], href=back_href,
                            className="small me-3"),
                     html.H1(title, className="h4 mb-0")], className="d-flex align-items-baseline my-3")
