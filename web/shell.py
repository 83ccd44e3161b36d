"""The dashboard's frame: top bar with navigation, the user's menu and the language switch.

Navigation lists the registered pages the user's role may open (`roles` given to
register_page; none means everyone signed in). The layout is a function, built per request in
the user's language.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user

from data.models import Role
from data.queries.regions import city_name
from web.auth import csrf_token
from web.context import db
from web.i18n import N_, _, current_language

ROLE_NAMES = {
    Role.admin: N_("系统管理员"), Role.leader: N_("局领导"), Role.case_officer: N_("劳动保障监察员"),
    Role.inspector: N_("督查员"), Role.cadre: N_("挂职干部"), Role.wall: N_("大屏"),
}
NAV_COLLAPSE, NAV_TOGGLER, MAP_EVENT = "shell-nav-collapse", "shell-nav-toggler", "map-event"


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
                    className="btn btn-sm btn-outline-light", lang=other),
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


def navbar() -> dbc.Navbar:
    links = [
        dbc.NavItem(dbc.NavLink([html.I(className=f"bi {page.get('icon', 'bi-circle')} me-1"),
                                 _(name)], href=page["relative_path"], active="exact"))
        for page in dash.page_registry.values()
        if may_open(page) and not page.get("hidden") and (name := page["name"])
    ]
    city = city_name(db())
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
        color="primary", dark=True, sticky="top", className="shell-navbar", expand="lg",
    )


def layout():
    if not current_user.is_authenticated:  # the guard redirects first; this is belt and braces
        return html.Div()
    return html.Div([
        navbar(),
        # clicks inside map iframes arrive here (assets/map_bridge.js)
        dcc.Store(id=MAP_EVENT),
        html.Main(dash.page_container, className="container-fluid page-body", lang=current_language()),
    ])


def register_callbacks(app: dash.Dash) -> None:
    app.clientside_callback(
        "function(n, open) { return n ? !open : open; }",
        dash.Output(NAV_COLLAPSE, "is_open"),
        dash.Input(NAV_TOGGLER, "n_clicks"),
        dash.State(NAV_COLLAPSE, "is_open"),
    )


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
