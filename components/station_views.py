"""Pieces of the stations page built from plain data: the standardisation-rate bars against
the target, the six categories' distance to full marks, the score trend, and a station's profile. Pure: the page
passes `_` (its translate function) and the query results.
"""

from __future__ import annotations

from collections.abc import Callable

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import html

from components import labels
from components.charts import FONT, LAST_YEAR, THIS_YEAR
from components.format import count
from data.errors import N_

Translate = Callable[..., str]

TARGET_COLOUR, BELOW_TARGET, AT_TARGET = "#c62828", "#f57c00", "#2e7d32"
FAR_BELOW, NEAR = "#d32f2f", 10  # more than NEAR points under the target is red, not orange
STATION_COLOUR = "#ef6c00"
# what a station's equipment dict holds (the demo's keys; unknown keys are shown as stored)
EQUIPMENT = {"pc": N_("电脑"), "printer": N_("打印机"), "scanner": N_("扫描仪"), "id_reader": N_("身份证读卡器"),
             "ss_card_reader": N_("社保卡读卡器"), "self_service_terminal": N_("自助服务终端"),
             "rating_device": N_("“好差评”评价器")}
BADGE = {"model": "success", "standard": "primary", "rectify": "warning", "fail": "danger"}


def grade_badge(_: Translate, grade: str | None, score: float | None = None) -> dbc.Badge:
    text = _(labels.GRADE[grade]) if grade in labels.GRADE else _("未检查")
    if score is not None:
        text = f"{text} · {score:g}"
    return dbc.Badge(text, color=None, className="grade-badge",
                     style={"background": labels.GRADE_COLOUR.get(grade, labels.GRADE_COLOUR[None])})


def _layout(height: int, **extra) -> dict:
    """The house look of components.charts, as one layout dict: a figure built with its whole
    layout at once validates it once, which is ten times quicker than update_layout, update_axes
    and add_hline calls one after another (on a page whose queries take tens of milliseconds)."""
    layout = dict(height=height, margin=dict(l=40, r=10, t=10, b=30), font=dict(family=FONT, size=12),
                  paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", hovermode="x unified",
                  legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
                  yaxis=dict(gridcolor="#e0e6ed", zeroline=False, rangemode="tozero"))
    layout.update(extra)
    return layout


def _line(axis: str, value: float, colour: str, text: str, *, dash: str = "dash", width: int = 2) -> tuple[dict, dict]:
    """A reference line across the plot at `value` of `axis` ("x" or "y"), with its label."""
    other = "y" if axis == "x" else "x"
    shape = {"type": "line", f"{axis}ref": axis, f"{other}ref": "paper", f"{axis}0": value, f"{axis}1": value,
             f"{other}0": 0, f"{other}1": 1, "line": {"color": colour, "dash": dash, "width": width}}
    if axis == "x":
        note = {"x": value, "xref": "x", "y": 1, "yref": "paper", "yanchor": "bottom", "xanchor": "right"}
    else:
        note = {"x": 1, "xref": "paper", "y": value, "yref": "y", "yanchor": "top", "xanchor": "right"}
    return shape, {**note, "text": text, "showarrow": False, "font": {"color": colour}}


def _empty(message: str, height: int) -> go.Figure:
    return go.Figure(layout=_layout(
        height, xaxis=dict(visible=False), yaxis=dict(visible=False),
        annotations=[dict(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                          font=dict(color="#78909c"))]))


def rate_figure(rows: list[dict], *, target: float, target_label: str, hover: str, empty: str) -> go.Figure:
    """Horizontal bars of the standardisation rate per area (%), the worst on top, green at or
    above the target, orange up to NEAR points below it and red further down (so that a city
    whose counties all miss a 100% target still shows which miss it by much), with the target as
    a dashed line.

    `rows`: [{name, rate (0..1 or None), standardised, stations}]; `hover`: a template with
    %{customdata[0]} standardised and %{customdata[1]} stations."""
    rows = [r for r in rows if r.get("stations")]
    if not rows:
        return _empty(empty, 220)
    rows = sorted(rows, key=lambda r: (-(r["rate"] or 0), r["name"]))
    values = [round(100 * (r["rate"] or 0), 1) for r in rows]
    shape, note = _line("x", 100 * target, TARGET_COLOUR, target_label)
    return go.Figure(
        go.Bar(x=values, y=[r["name"] for r in rows], orientation="h", text=[f"{v:.1f}%" for v in values],
               textposition="auto", customdata=[[r["standardised"], r["stations"]] for r in rows],
               marker_color=[AT_TARGET if v >= 100 * target else BELOW_TARGET if v >= 100 * target - NEAR
                             else FAR_BELOW for v in values],
               hovertemplate=hover + "<extra></extra>"),
        layout=_layout(max(220, 26 * len(rows) + 70), margin=dict(l=10, r=20, t=30, b=30), hovermode="closest",
                       showlegend=False, shapes=[shape], annotations=[note],
                       xaxis=dict(range=[0, 105], ticksuffix="%", gridcolor="#e0e6ed"),
                       yaxis=dict(automargin=True)))


def category_gap_figure(categories: list[tuple[str, str]], series: list[tuple[str, dict, str]], *,
                        gap_label: str, hover: str, empty: str) -> go.Figure:
    """How far each of the six categories (code, translated name) falls short of full marks
    (100 − average score), as horizontal bars in the categories' order, one bar per series (name,
    {code: score or None}, colour): scores sit at 90–100, so the gaps are what tells them apart;
    the longest bar is the weakest category. `hover`: a template with %{customdata} the score."""
    series = [s for s in series if s[1] and any(v is not None for v in s[1].values())]
    if not series:
        return _empty(empty, 340)
    names = [name for _code, name in categories]
    traces, widest = [], 0.0
    for label, values, colour in series:
        scores = [values.get(code) for code, _name in categories]
        gaps = [None if v is None else round(100 - v, 1) for v in scores]
        widest = max([widest] + [g for g in gaps if g is not None])
        traces.append(go.Bar(
            x=gaps, y=names, orientation="h", name=label, marker_color=colour, customdata=scores,
            text=[f"{g:.1f}" if g is not None else "" for g in gaps], textposition="outside", cliponaxis=False,
            hovertemplate="%{y}：" + hover + "<extra>" + label + "</extra>"))
    return go.Figure(traces, layout=_layout(
        340, margin=dict(l=10, r=30, t=30, b=40), hovermode="closest",
        barmode="group", showlegend=len(series) > 1,
        xaxis=dict(title=dict(text=gap_label, font=dict(size=11)), range=[0, max(5.0, widest * 1.2)],
                   gridcolor="#e0e6ed", zeroline=True),
        yaxis=dict(autorange="reversed", automargin=True)))


def score_trend_figure(rows: list[dict], *, month_label: Callable[[int, int], str], this_label: str,
                       last_label: str, standard_label: str, standard: float, empty: str) -> go.Figure:
    """The average score of the month's checks, against the same month a year before, with
    the 达标 line. `rows`: [{year, month, average, average_last_year, checks}]."""
    values = [v for r in rows for v in (r["average"], r["average_last_year"]) if v is not None]
    if not values:
        return _empty(empty, 320)
    x = [month_label(r["year"], r["month"]) for r in rows]
    shape, note = _line("y", standard, AT_TARGET, standard_label, width=1)
    return go.Figure([
        go.Scatter(x=x, y=[r["average_last_year"] for r in rows], name=last_label, mode="lines+markers",
                   line=dict(color=LAST_YEAR, width=2, dash="dot"), connectgaps=True),
        go.Scatter(x=x, y=[r["average"] for r in rows], name=this_label, mode="lines+markers",
                   line=dict(color=THIS_YEAR, width=3), connectgaps=True),
    ], layout=_layout(320, shapes=[shape], annotations=[note],
                      yaxis=dict(gridcolor="#e0e6ed", zeroline=False,
                                 range=[max(0, min(values + [standard]) - 5), 100])))


def satisfaction_figure(months: list[dict], *, month_label: Callable[[int, int], str], partial_label: str,
                        hover: str, empty: str) -> go.Figure:
    """好差评 satisfaction month by month (data.queries.ratings.monthly): a bar a month, the month
    under way paler and named as partial (it is not a whole month beside whole ones)."""
    rated = [m for m in months if m["ratings"]]
    if not rated:
        return _empty(empty, 300)
    x = [month_label(m["year"], m["month"]) + (partial_label if m["partial"] else "") for m in months]
    y = [None if m["rate"] is None else round(m["rate"] * 100, 2) for m in months]
    low = min(v for v in y if v is not None)
    return go.Figure([go.Bar(
        x=x, y=y, marker=dict(color=[THIS_YEAR if not m["partial"] else "#90caf9" for m in months]),
        customdata=[[m["ratings"], m["negative"]] for m in months], hovertemplate=hover, name="",
        text=[None if v is None else f"{v:.1f}%" for v in y], textposition="outside", cliponaxis=False)],
        layout=_layout(300, hovermode="closest", showlegend=False,
                       yaxis=dict(gridcolor="#e0e6ed", zeroline=False, ticksuffix="%",
                                  range=[max(0, min(95, low) - 2), 100.9])))


# --- the profile ------------------------------------------------------------------------------


def _facts_row(label: str, value) -> html.Tr:
    return html.Tr([html.Th(label, className="text-secondary fw-normal text-nowrap pe-3"), html.Td(value)])


def _section(title: str, body, *, note: str | None = None) -> html.Section:
    return html.Section([
        html.H6([title, html.Span(note, className="text-secondary small fw-normal ms-2") if note else None],
                className="mt-4 mb-2 border-bottom pb-1"),
        body,
    ])


def _table(head: list[str], rows: list[list], empty: str) -> html.Div | html.Table:
    if not rows:
        return html.Div(empty, className="text-secondary small")
    return html.Div(html.Table([
        html.Thead(html.Tr([html.Th(h, className="text-nowrap") for h in head])),
        html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows]),
    ], className="table table-sm table-hover mb-0 small"), className="table-responsive")


def _equipment(_: Translate, equipment: dict) -> html.Div:
    if not equipment:
        return html.Div(_("未登记"), className="text-secondary small")
    items = []
    for key, value in equipment.items():
        name = _(EQUIPMENT[key]) if key in EQUIPMENT else str(key)
        if isinstance(value, bool):
            text, colour = f"{name} {'✓' if value else '✗'}", "success" if value else "secondary"
        else:
            text, colour = f"{name} × {value}", "light"
        items.append(dbc.Badge(text, color=colour, text_color="dark" if colour == "light" else None,
                               className="me-1 mb-1 border fw-normal"))
    return html.Div(items)


def station_profile(_: Translate, profile: dict, *, english: bool = False) -> html.Div:
    """Facts, staff, equipment, the seconded cadre, check history, open rectifications and
    recent work logs. Strings from people are passed as text (Dash escapes them)."""
    facts, latest = profile["facts"], profile.get("latest")
    place = " / ".join(x for x in (facts.get("county"), facts.get("township"), facts.get("village")) if x)
    head = html.Div([
        html.Div(_(labels.STATION_KIND.get(facts["kind"], facts["kind"])), className="text-secondary small"),
        html.Div([grade_badge(_, latest["grade"] if latest else None, latest["score"] if latest else None),
                  html.Span(_("最近检查 %(d)s", d=latest["inspected_on"]) if latest else "",
                            className="small text-secondary ms-2")], className="mt-1"),
    ], className="mb-2")
    facts_table = html.Table(html.Tbody([
        _facts_row(_("所在地"), place or "—"),
        _facts_row(_("地址"), facts.get("address") or "—"),
        _facts_row(_("服务场所面积"), f"{facts['floor_area_m2']:g} m²" if facts.get("floor_area_m2") else "—"),
        _facts_row(_("窗口数"), count(facts.get("windows"))),
        _facts_row(_("启用日期"), facts.get("opened_on") or "—"),
    ]), className="table table-sm mb-0 station-facts")
    staff = _table([_("姓名"), _("岗位"), _("联系电话"), _("AB岗")],
                   [[s["name"], s["post"], s["phone"] or "—", _("是") if s["backup"] else ""]
                    for s in profile["staff"]],
                   _("暂无在岗人员"))
    cadres = _table([_("姓名"), _("职务"), _("派出单位"), _("挂职期间"), _("联系电话")],
                    [[c["name"], c["title"], c.get("home_unit") or "—", f"{c['starts_on']} — {c['ends_on']}",
                      c["phone"] or "—"] for c in profile["cadres"]], _("暂无挂职干部"))
    checks = _table([_("日期"), _("类型"), _("方式"), _("得分"), _("等级")], [
        [c["inspected_on"], _(labels.INSPECTION_KIND.get(c["kind"], c["kind"])),
         [_(labels.INSPECTION_MODE.get(c["mode"], c["mode"])),
          dbc.Badge(_("未通报"), color="secondary", className="ms-1") if not c["published"] else None],
         "—" if c["score"] is None else f"{c['score']:g}",
         grade_badge(_, c["grade"]) if c["grade"] else "—"] for c in profile["checks"]], _("暂无检查记录"))
    rectifications = _table([_("整改事项"), _("来源"), _("期限"), _("状态")], [
        [r["title"], _(labels.RECTIFICATION_SOURCE.get(r["source"], r["source"])), r["due_on"],
         [_(labels.RECTIFICATION_STATUS.get(r["status"], r["status"])),
          dbc.Badge(_("超期"), color="danger", className="ms-1") if r["overdue"] else None]]
        for r in profile["rectifications"]], _("没有未销号的整改事项"))
    logs = html.Div([
        html.Div([
            html.Div([html.Strong(log["log_date"]), html.Span(f" · {log['author']}", className="text-secondary"),
                      html.Span(" · " + "、".join(pair[1] if english else pair[0] for pair in log["work_types"]),
                                className="text-secondary") if log["work_types"] else None,
                      html.Span(" · " + _("服务 %(n)s 人", n=log["people_served"]), className="text-secondary")
                      if log["people_served"] else None], className="small"),
            html.Div(log["done"], className="small work-log-text"),
            html.Div(log["solved"], className="small text-success") if log.get("solved") else None,
        ], className="mb-2") for log in profile["logs"]
    ]) if profile["logs"] else html.Div(_("暂无工作日志"), className="text-secondary small")
    rated = profile.get("ratings") or {}
    rating_rows = [[str(r["rated_on"]), " · ".join(x for x in (r["window"], r["item"]) if x), r["comment"] or "—",
                    _(labels.RECTIFICATION_STATUS.get(r["status"], r["status"])) if r["status"] else "—"]
                   for r in rated.get("negatives", [])]
    ratings = html.Div([
        html.Div(_("近一年 %(n)s 条评价，差评 %(bad)s 条，满意度 %(rate)s", n=count(rated.get("ratings")),
                   bad=count(rated.get("negative")),
                   rate="—" if rated.get("rate") is None else f"{rated['rate'] * 100:.1f}%"),
                 className="small mb-1", id="station-ratings-summary"),
        _table([_("日期"), _("窗口 · 事项"), _("评价内容"), _("回访整改")], rating_rows, _("近一年没有差评")),
    ])
    return html.Div([
        head, facts_table,
        _section(_("好差评"), ratings),
        _section(_("工作人员"), staff, note=_("电话已脱敏")),
        _section(_("设备配置"), _equipment(_, profile["equipment"])),
        _section(_("挂职第一副所长"), cadres),
        _section(_("检查记录"), checks),
        _section(_("未销号整改"), rectifications, note=str(len(profile["rectifications"]))),
        _section(_("最近工作日志"), logs),
    ])
