"""/admin/access — who is signed in where, and who is held back from signing in.

Device sign-ins (field phones, wall screens, browsers) still valid, with their last use and
expiry: the administrator signs one out (a lost phone, a wall screen in a room that closed).
Sign-in throttles (failures per account and address, per address; web/auth.py): the
administrator sees them and lets someone try again at once. Every act is audited by its service.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, html, no_update
from flask_login import current_user

from components.format import local_time
from data.errors import DomainError
from data.models import Role
from data.queries.users import open_device_sessions
from data.services import devices, login_throttle
from web.auth import client_address, throttle_policy
from web.context import actor, db, now
from web.i18n import N_, _
from web.shell import refused_page, sub_page_header

ROLES = [Role.admin]
dash.register_page(__name__, path="/admin/access", name=N_("登录与设备"), title="登录与设备 · 人社督导一张图",
                   order=97, icon="bi-phone", roles=ROLES, hidden=True)

P = "adm-acc-"
CALLBACK_PREFIXES = (P,)
BODY, MSG, REVOKE, CLEAR, KIND = P + "body", P + "msg", P + "revoke", P + "clear", P + "kind"
KINDS = {"wall": N_("大屏"), "field": N_("现场手机"), "web": N_("浏览器")}


def layout(**_query):
    if (refused := refused_page(ROLES)) is not None:
        return refused
    return html.Div([
        sub_page_header(_("登录与设备")),
        dbc.RadioItems(id=KIND, value="device", inline=True, className="mb-2",
                       options=[{"label": _("大屏和现场手机"), "value": "device"},
                                {"label": _("含浏览器登录"), "value": "all"}]),
        html.Div(id=MSG, role="status"),
        html.Div(_body("device"), id=BODY),
    ])


def _body(which: str) -> list:
    kinds = ("wall", "field") if which == "device" else tuple(KINDS)
    sessions = open_device_sessions(db(), now=now(), kinds=kinds)
    throttles = login_throttle.current(db(), policy=throttle_policy(), now=now())
    return [_devices(sessions), _throttles(throttles)]


def _devices(sessions: list[dict]) -> dbc.Card:
    if sessions:
        head = html.Thead(html.Tr([html.Th(h) for h in (_("用户"), _("类型"), _("设备"), _("登录时间"), _("最近使用"),
                                                         _("到期"), "")]))
        rows = [html.Tr([html.Td(f"{s['name']}（{s['username']}）"), html.Td(_(KINDS.get(s["kind"], s["kind"]))),
                         html.Td(s["label"] or "—"), html.Td(local_time(s["created_at"]), className="text-nowrap"),
                         html.Td(local_time(s["last_seen_at"]) or "—", className="text-nowrap"),
                         html.Td(local_time(s["expires_at"]), className="text-nowrap"),
                         html.Td(dbc.Button(_("注销"), id={"type": REVOKE, "id": s["id"]}, size="sm",
                                            color="outline-danger"))],
                        id=f"{P}device-{s['id']}") for s in sessions]
        content = dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True, className="small mb-0")
    else:
        content = html.Div(_("没有有效的设备登录"), className="text-secondary small")
    return dbc.Card([dbc.CardHeader(_("有效的设备登录（%(n)s）", n=len(sessions)), className="small fw-semibold"),
                     dbc.CardBody(content)], className="mb-3")


def _throttles(throttles: list) -> dbc.Card:
    if throttles:
        head = html.Thead(html.Tr([html.Th(h) for h in (_("账户"), _("地址"), _("连续失败"), _("限制到"), "")]))
        rows = [html.Tr([html.Td(t.username or _("（该地址的所有账户）")), html.Td(t.address), html.Td(t.failures),
                         html.Td(local_time(t.locked_until) if t.locked_until else _("未限制"),
                                 className="text-nowrap"),
                         html.Td(dbc.Button(_("解除"), size="sm", color="outline-primary",
                                            id={"type": CLEAR, "id": f"{t.username or ''}|{t.address}"}))])
                for t in throttles]
        content = dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True, className="small mb-0")
    else:
        content = html.Div(_("没有账户或地址受到登录限制"), className="text-secondary small")
    return dbc.Card([dbc.CardHeader(_("登录限制（近期连续输错密码）"), className="small fw-semibold"),
                     dbc.CardBody([content, html.Div(_("解除后，该账户或地址可立即再次尝试登录；操作记入操作日志。"),
                                                     className="small text-secondary mt-2")])], className="mb-3")


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(BODY, "children"), Output(MSG, "children"),
                  Input({"type": REVOKE, "id": ALL}, "n_clicks"), Input({"type": CLEAR, "id": ALL}, "n_clicks"),
                  Input(KIND, "value"), State(KIND, "value"), prevent_initial_call=True)
    def act(_revokes, _clears, _kind, which):
        if current_user.role not in ROLES:
            return no_update, no_update
        trigger = ctx.triggered_id
        message = None
        if isinstance(trigger, dict) and ctx.triggered and ctx.triggered[0]["value"]:
            try:
                if trigger["type"] == REVOKE:
                    devices.revoke_device_session(db(), actor=actor(), device_id=int(trigger["id"]),
                                                  ip=client_address())
                    message = dbc.Alert(_("已注销该设备的登录"), color="success", className="py-2")
                else:
                    username, _sep, address = str(trigger["id"]).partition("|")
                    login_throttle.clear(db(), actor=actor(), username=username or None, address=address)
                    message = dbc.Alert(_("已解除登录限制"), color="success", className="py-2")
            except DomainError as exc:
                message = dbc.Alert(_(exc.message, **exc.params), color="danger", className="py-2")
        return _body(which or "device"), message
