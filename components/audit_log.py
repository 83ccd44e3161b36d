"""The operation log's table (操作日志 and 我的操作记录): who did what to what, when, and what changed."""

from __future__ import annotations

import json
from collections.abc import Callable

import dash_bootstrap_components as dbc
from dash import html

from components.format import local_time
from data.errors import N_
from data.rules.masking import mask_details

COLUMNS = (("at", N_("时间"), 18), ("person", N_("操作人"), 18), ("action", N_("操作"), 26),
           ("target", N_("对象"), 22), ("details", N_("内容"), 80), ("ip", N_("地址"), 16))


def details_text(details: dict) -> str:
    """What changed, in one line, personal data masked."""
    if not details:
        return ""
    return json.dumps(mask_details(details), ensure_ascii=False, sort_keys=True, default=str)[:600]


def rows_for_export(events: list[dict]) -> list[dict]:
    return [{"at": local_time(e["at"], "%Y-%m-%d %H:%M:%S"), "person": _person(e), "action": e["action"],
             "target": _target(e), "details": details_text(e["details"]), "ip": e["ip"] or ""} for e in events]


def _person(e: dict) -> str:
    if e["name"] and e["username"] and e["name"] != e["username"]:
        return f"{e['name']}（{e['username']}）"
    return e["username"] or e["name"] or "—"


def _target(e: dict) -> str:
    return f"{e['target_kind']}:{e['target_id']}" if e["target_id"] else (e["target_kind"] or "")


def log_table(events: list[dict], total: int, _: Callable[..., str], *, table_id: str) -> html.Div:
    if not events:
        return html.Div(_("没有符合条件的操作记录"), className="text-secondary small", id=table_id)
    head = html.Thead(html.Tr([html.Th(_(title)) for _key, title, _width in COLUMNS]))
    body = html.Tbody([html.Tr([
        html.Td(local_time(e["at"], "%Y-%m-%d %H:%M:%S"), className="text-nowrap"), html.Td(_person(e)),
        html.Td(html.Code(e["action"])), html.Td(_target(e), className="text-nowrap"),
        html.Td(details_text(e["details"]), className="text-break small"), html.Td(e["ip"] or "")])
        for e in events])
    note = _("共 %(total)s 条，显示最新 %(shown)s 条", total=f"{total:,}", shown=f"{len(events):,}")
    return html.Div([html.Div(note, className="small text-secondary mb-1"),
                     dbc.Table([head, body], size="sm", hover=True, responsive=True, className="small mb-0")],
                    id=table_id)
