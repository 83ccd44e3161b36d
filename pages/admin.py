"""/admin — the administrator's start: where each part of running the system is kept."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from data.models import Role
from web.i18n import N_, _
from web.shell import refused_page

ROLES = [Role.admin]
dash.register_page(__name__, path="/admin", name=N_("系统管理"), title="系统管理 · 人社督导一张图", order=95,
                   icon="bi-gear", roles=ROLES)

SECTIONS = [
    ("/admin/users", "bi-people", N_("用户管理"),
     N_("新建用户，修改角色和所属地区，停用或启用，重置一次性密码，解除登录限制")),
    ("/admin/import", "bi-upload", N_("数据导入"),
     N_("导入本局的行政区划、边界、站点、用户和历史欠薪案件；先检查预览，确认后写入")),
    ("/admin/access", "bi-phone", N_("登录与设备"),
     N_("查看并注销大屏、现场手机的登录；解除因连续输错密码而受到的登录限制")),
    ("/admin/log", "bi-journal-text", N_("操作日志"),
     N_("每一次写入都有记录：按人、操作、对象和日期查找，查看改了什么，导出 XLSX")),
    ("/admin/calendar", "bi-calendar3", N_("工作日历与办理时限"),
     N_("导入新一年的放假安排、修改各渠道办理时限；在办案件的期限随之重新计算")),
    ("/admin/settings", "bi-sliders", N_("参数设置"),
     N_("督办线索的金额和人数、人社所等级分数线、整改期限、日志工作类型、走流程清单类别、大屏播放列表；每次修改记入操作日志")),
    ("/templates", "bi-list-check", N_("检查模板"), N_("标准化检查和窗口督查的检查项，保存即生成新版本")),
]


def layout(**_query):
    if (refused := refused_page(ROLES)) is not None:
        return refused
    cards = [dbc.Col(html.A(dbc.Card(dbc.CardBody([
        html.Div([html.I(className=f"bi {icon} me-2"), _(title)], className="fw-semibold mb-1"),
        html.Div(_(text), className="small text-secondary")])), href=href, className="text-decoration-none text-body"),
        md=6, lg=4, className="mb-3") for href, icon, title, text in SECTIONS]
    return html.Div([html.H1(_("系统管理"), className="h4 my-3"), dbc.Row(cards)])
