"""/todo — 我的待办: what waits for the signed-in person (data.queries.todo), grouped by kind, each
item with why it waits, its deadline or its age, and a link to the exact place to act. Acting
there is the resolution: the item is gone the next time the list is asked (the top bar's count
follows within a minute, or at once on the next page)."""

from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
from dash import html

from data.queries.todo import KINDS, todo_counts
from web.context import today
from web.i18n import N_, _
from web.shell import refused_page
from web.todo import TODO_ROLES, my_todo

dash.register_page(__name__, path="/todo", name=N_("待办"), title="我的待办 · 人社督导一张图", order=1,
                   icon="bi-check2-square", roles=list(TODO_ROLES))

P = "todo-"
SHOWN = 50  # items of one kind listed; the count says how many there are


def _when(item, day: date) -> html.Span:
    if item.due is not None:
        if item.late:
            text = _("已超期 %(n)s 天（期限 %(date)s）", n=(day - item.due).days, date=item.due.isoformat())
        else:
            text = _("期限 %(date)s", date=item.due.isoformat())
        return html.Span(text, className="text-nowrap " + ("text-danger fw-semibold" if item.late else "text-body"))
    if item.since is not None:
        return html.Span(_("已等待 %(n)s 天", n=(day - item.since).days), className="text-nowrap text-secondary")
    return html.Span()


def _group(kind: str, items: list, day: date) -> dbc.Card:
    rows = [html.Li([
        html.Div([html.A(item.record, href=item.link, className="fw-semibold text-truncate mw-100",
                         title=item.record, **({"target": "_self"} if item.link.startswith("/field/") else {})),
                  html.Span(_when(item, day), className="ms-auto small")],
                 className="d-flex flex-wrap column-gap-2"),
        html.Div(item.reason, className="small text-secondary") if item.reason else None,
    ], className="list-group-item px-0") for item in items[:SHOWN]]
    more = len(items) - SHOWN
    return dbc.Card([
        dbc.CardHeader([_(KINDS[kind]), dbc.Badge(str(len(items)), color="danger" if any(i.late for i in items)
                                                   else "secondary", pill=True, className="ms-2")]),
        dbc.CardBody([html.Ul(rows, className="list-group list-group-flush"),
                      html.Div(_("另有 %(n)s 项未列出", n=more), className="small text-secondary mt-1")
                      if more > 0 else None], className="py-1"),
    ], className="shadow-sm mb-3", id=P + kind)


def layout(**_query):
    if (refused := refused_page(TODO_ROLES)) is not None:
        return refused
    items, day = my_todo(), today()
    counts = todo_counts(items)
    header = html.Div([
        html.H1(_("我的待办"), className="h4 mb-0"),
        html.Span(_("共 %(n)s 项 · 截至 %(date)s", n=len(items), date=day.isoformat()),
                  className="text-secondary small ms-3", id=P + "total"),
    ], className="d-flex align-items-baseline my-3")
    if not items:
        return html.Div([header, dbc.Alert([html.I(className="bi bi-check2-circle me-2"),
                                            _("没有等您处理的事项。")], color="success", id=P + "none")])
    by_kind = {kind: [i for i in items if i.kind == kind] for kind in counts}
    # the day's digest, as the morning message sends it (web/digest.py)
    summary = html.Div([html.Strong(_("今日摘要：")), " · ".join(f"{_(KINDS[k])} {n}" for k, n in counts.items())],
                       className="small mb-2", id=P + "digest")
    columns = [dbc.Col(_group(kind, group, day), lg=6) for kind, group in by_kind.items()]
    return html.Div([header, summary, html.P(_("处理后事项自动消失；点名称去处理。"), className="small text-secondary"),
                     dbc.Row(columns)])
