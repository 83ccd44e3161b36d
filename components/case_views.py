"""Pieces of the cases page built from plain data: deadline badges, the case detail with its
timeline and holders, trend and breakdown figures, side lists."""

from __future__ import annotations

from collections.abc import Callable

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from components import labels
from components.charts import FONT, LAST_YEAR, THIS_YEAR, _base
from components.format import count, wan_yuan

Translate = Callable[..., str]


def deadline_badge(_: Translate, *, days_left: int | None, provisional: bool = False) -> dbc.Badge | str:
    """"剩3个工作日" in blue/amber, "超期2个工作日" in red; * marks a provisional calendar."""
    if days_left is None:
        return ""
    mark = "*" if provisional else ""
    if days_left < 0:
        return dbc.Badge(_("超期%(n)s个工作日", n=-days_left) + mark, color="danger", className="deadline-badge")
    colour = "warning" if days_left <= 3 else "primary"
    return dbc.Badge(_("剩%(n)s个工作日", n=days_left) + mark, color=colour, className="deadline-badge")


def trend_figure(rows: list[dict], *, metric: str, this_label: str, last_label: str,
                 month_label: Callable[[int, int], str], part_label: Callable[[int, int, int], str]) -> go.Figure:
    """Monthly `metric` (cases / workers / amount) against the same month a year before.

    `rows`: [{"year", "month", metric, metric + "_last_year", "through"}], oldest first; a month
    under way (`through`: its last day so far) is named with its days (`part_label`), so its short
    bars are not read as a fall beside whole months."""
    x = [part_label(r["year"], r["month"], r["through"]) if r.get("through") else month_label(r["year"], r["month"])
         for r in rows]
    scale = (lambda v: v / 100 / 10_000) if metric == "amount" else (lambda v: v)
    fig = go.Figure([
        go.Bar(x=x, y=[scale(r[f"{metric}_last_year"]) for r in rows], name=last_label, marker_color=LAST_YEAR),
        go.Bar(x=x, y=[scale(r[metric]) for r in rows], name=this_label, marker_color=THIS_YEAR),
    ])
    fig.update_layout(barmode="group", bargap=0.2)
    return _base(fig, 280)


def breakdown_figure(rows: list[tuple[str, int]], *, names: dict[str, str], colour: str = THIS_YEAR) -> go.Figure:
    """Horizontal bars, largest on top."""
    rows = sorted(rows, key=lambda r: r[1])[-10:]
    fig = go.Figure(go.Bar(x=[v for _, v in rows], y=[names.get(k, k) for k, _ in rows], orientation="h",
                           marker_color=colour, text=[f"{v:,}" for _, v in rows], textposition="auto"))
    fig.update_layout(height=max(160, 28 * len(rows) + 40), margin=dict(l=10, r=10, t=10, b=20),
                      font=dict(family=FONT, size=12), paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
                      hovermode="y")
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(gridcolor="#e0e6ed")
    return fig


def _row(label: str, value) -> html.Tr:
    return html.Tr([html.Th(label, className="text-secondary fw-normal text-nowrap pe-3"), html.Td(value)])


def limitation_note(_: Translate, lim, *, received: bool = False) -> html.Span | None:
    """The limitation (data.rules.limitation.Limitation) as one line: at intake, in time until when
    or past it; on a case (`received`), whether the complaint came in time (a complaint stops the
    clock: the days left after it mean nothing)."""
    if lim is None:
        return None
    if lim.expired:
        text = (_("投诉时已超过查处时效（%(start)s 起算，%(end)s 届满）", start=lim.starts.isoformat(),
                  end=lim.ends.isoformat()) if received else
                _("已超过查处时效（%(start)s 起算，%(end)s 届满），可不予受理", start=lim.starts.isoformat(),
                  end=lim.ends.isoformat()))
        return html.Span([html.I(className="bi bi-exclamation-triangle-fill me-1"), text],
                         className="text-danger fw-semibold", id="limitation-note")
    if received:
        return html.Span(_("投诉时在查处时效内（%(end)s 届满）", end=lim.ends.isoformat()), className="text-success",
                         id="limitation-note")
    return html.Span(_("在查处时效内：%(end)s 届满（尚余 %(n)s 天）", end=lim.ends.isoformat(), n=lim.days_left),
                     className="text-warning-emphasis" if lim.days_left <= 90 else "text-success",
                     id="limitation-note")


def _documents(_: Translate, detail: dict, offered: list[str], href: Callable[[int, int], str]) -> html.Div:
    """The notices issued (each opens its PDF) and the buttons to issue those the case is at."""
    def name(kind: str) -> str:
        return _(labels.DOCUMENT_KIND[kind])
    issued = [html.Li([html.A([html.I(className="bi bi-file-earmark-pdf me-1"), name(d["kind"]), " ", d["doc_no"]],
                              href=href(detail["id"], d["id"]), target="_blank", className="case-document"),
                       html.Span(f" · {d['issued_at']:%Y-%m-%d} · {d.get('issued_by') or ''}",
                                 className="small text-secondary")])
              for d in detail.get("documents", [])]
    buttons = [dbc.Button([html.I(className="bi bi-printer me-1"), _("出具%(kind)s", kind=name(k))],
                          id={"type": "case-doc", "kind": k}, size="sm", color="secondary", outline=True,
                          className="me-2 mb-2") for k in offered]
    if not issued and not buttons:
        return html.Div(_("暂无"), className="small text-secondary")
    return html.Div([html.Ul(issued, className="list-unstyled small mb-2") if issued else None,
                     html.Div(buttons) if buttons else None])


def case_detail(_: Translate, detail: dict, *, acts: list[str], may_reveal: bool, documents: list[str] = (),
                document_href: Callable[[int, int], str] = lambda case, doc: "") -> html.Div:
    """Facts, actions, timeline and who held the case each day. Every string from users is
    passed as text (Dash escapes it). `documents`: the notices this user may issue now."""
    facts = detail["facts"]
    clock = detail.get("clock") or {}
    def reveal(field: str):
        if not may_reveal:
            return None
        return dbc.Button(html.I(className="bi bi-eye"), id={"type": "case-reveal", "field": field}, size="sm",
                          color="link", className="p-0 ms-2", title=_("查看完整信息（将记录在审计日志）"))
    buttons = [dbc.Button(_(labels.CASE_ACT[act]), id={"type": "case-act", "act": act}, size="sm",
                          color="danger" if act in ("supervise", "return_transfer", "reject") else "primary",
                          outline=act not in ("accept", "decide", "close", "accept_transfer"), className="me-2 mb-2")
               for act in acts]
    table = html.Table([html.Tbody([
        _row(_("案件编号"), facts["case_no"]),
        _row(_("状态"), [_(labels.CASE_STATUS.get(facts["status"], facts["status"])), " ",
                         deadline_badge(_, days_left=clock.get("days_left"), provisional=clock.get("provisional"))]),
        _row(_("来源"), _(labels.CASE_SOURCE.get(facts["source"], facts["source"]))),
        _row(_("用人单位"), facts.get("employer_name") or "—"),
        _row(_("统一社会信用代码"), facts.get("employer_uscc") or "—"),
        _row(_("项目"), facts.get("project_name") or "—"),
        _row(_("发生地"), " / ".join(x for x in (facts.get("county_name"), facts.get("township_name"),
                                                  facts.get("grid_name")) if x)),
        _row(_("承办单位"), facts.get("office_name") or "—"),
        _row(_("行业"), _(labels.INDUSTRY.get(facts.get("industry"), facts.get("industry") or "—"))),
        _row(_("涉及人数"), f"{count(facts.get('workers'))} " + _("人")),
        _row(_("涉及金额"), f"{wan_yuan(facts.get('amount_claimed_cents'), 2)} " + _("万元")),
        _row(_("已追回"), f"{wan_yuan(facts.get('amount_recovered_cents'), 2)} " + _("万元")),
        _row(_("受理日期"), str(facts.get("received_on") or "—")),
        _row(_("欠薪期间"), " — ".join(str(d or "?") for d in (facts.get("owed_from"), facts.get("owed_to")))
             if facts.get("owed_from") or facts.get("owed_to") else "—"),
        _row(_("查处时效"), limitation_note(_, detail.get("limitation"), received=True) or _("未登记欠薪期间")),
        _row(_("投诉人"), [html.Span(facts.get("complainant_name") or "—", id="case-field-name"), reveal("name")]),
        _row(_("身份证号"), [html.Span(facts.get("complainant_id_number") or "—", id="case-field-id_number"),
                             reveal("id_number")]),
        _row(_("联系电话"), [html.Span(facts.get("complainant_phone") or "—", id="case-field-phone"),
                             reveal("phone")]),
        _row(_("案情"), html.Div(facts.get("summary") or "", className="case-summary")),
    ])], className="table table-sm mb-3 case-facts")
    timeline = html.Ol([
        html.Li([
            html.Div([html.Strong(_(labels.CASE_EVENT.get(e["kind"], e["kind"]))),
                      html.Span(f" {e['on_date']}", className="text-secondary small"),
                      html.Span(f" · {e.get('actor_name') or ''}", className="text-secondary small")]),
            html.Div(" → ".join(x for x in (e.get("from_region_name"), e.get("to_region_name")) if x),
                     className="small") if e.get("to_region_name") else None,
            html.Div(e.get("reason"), className="small text-body-secondary") if e.get("reason") else None,
            html.Div(e["details"]["doc_no"], className="small") if (e.get("details") or {}).get("doc_no") else None,
        ], className="timeline-item") for e in detail.get("timeline", [])
    ], className="timeline list-unstyled")
    holders = html.Ul([html.Li(f"{h['office_name']}：{h['start']} — {h.get('end') or _('至今')}"
                               f"（{h['days']}" + _("天") + "）")
                       for h in detail.get("holders", [])], className="small mb-0")
    return html.Div([
        html.Div(buttons, className="mb-2") if buttons else None,
        table,
        html.H6(_("文书"), className="mt-3"), _documents(_, detail, list(documents), document_href),
        html.H6(_("办理经过"), className="mt-3"), timeline,
        html.H6(_("各单位持有时间"), className="mt-3"), holders,
    ])


def risk_list(_: Callable[..., str], risks: dict, *, empty: str, limit: int = 8,
              link: Callable[[str], str] | None = None, period: str | None = None) -> html.Div:
    """The riskiest areas first (data.queries.cases.risk_by_area), each with its grade and the
    factors that made it; `link(code)`: where an area's name leads (its cases); `period`: the
    name of the rising factor's window when it is not the last 90 days."""
    from data.rules.risk import FACTOR_LABELS, RISING_IN_PERIOD, RiskFactor

    def reason(factor, figure) -> str:
        if period and factor == RiskFactor.rising:
            return _(RISING_IN_PERIOD, period=period, n=figure)
        return _(FACTOR_LABELS[factor], n=figure)
    graded = sorted(risks.values(), key=lambda area: -area["risk"].score)
    graded = [area for area in graded if area["risk"].grade != "low"][:limit]
    rows = []
    for area in graded:
        risk = area["risk"]
        grade = labels.RISK_GRADE[risk.grade]
        rows.append((html.A(area["name"], href=link(area["code"])) if link else area["name"],
                     dbc.Badge(_(grade), color=None, style={"background": labels.RISK_COLOUR[risk.grade]}),
                     "；".join(reason(factor, figure) for factor, _points, figure in risk.factors)))
    return ranked_list(rows, empty=empty)


def ranked_list(items: list[tuple], *, empty: str) -> html.Div:
    """(title, figure, note) rows, e.g. repeat employers or risky townships."""
    if not items:
        return html.Div(empty, className="text-secondary small")
    # a title is never broken mid-name (a case number across two lines): it keeps its line, the
    # figure goes under it when both do not fit, and a name wider than the card ends in … with
    # the whole of it in the tooltip
    return html.Ul([html.Li([html.Div([html.Span(title, className="fw-semibold text-truncate mw-100",
                                                 title=title if isinstance(title, str) else None),
                                       html.Span(figure, className="ms-auto text-nowrap")],
                                      className="d-flex flex-wrap column-gap-2"),
                             html.Div(note, className="small text-secondary") if note else None],
                            className="list-group-item px-0")
                    for title, figure, note in items], className="list-group list-group-flush")


def _down_mark(_: Callable[..., str], down: bool) -> html.Span:
    """A decline is good news for wage arrears: green ↓; a rise red ↑."""
    return html.Span("↓" if down else "↑", className="fw-bold " + ("text-success" if down else "text-danger"),
                     title=_("同比下降") if down else _("同比上升"))


def _daily_figure(_: Callable[..., str], daily: list) -> dcc.Graph | None:
    """The campaign's daily progress: cases received and closed each day so far."""
    if not daily:
        return None
    x = [d for d, _received, _closed in daily]
    figure = _base(go.Figure([go.Bar(x=x, y=[r for _d, r, _c in daily], name=_("受理"), marker_color=LAST_YEAR),
                              go.Bar(x=x, y=[c for _d, _r, c in daily], name=_("办结"), marker_color=THIS_YEAR)]),
                   140)
    figure.update_layout(barmode="group", margin=dict(l=30, r=5, t=20, b=20), xaxis=dict(tickformat="%m-%d"))
    return dcc.Graph(figure=figure, config={"displayModeBar": False, "responsive": True}, style={"height": "140px"},
                     id="campaign-daily")


def campaign_cards(_: Callable[..., str], campaign: dict | None, trend: dict) -> list:
    """Two cards (data.queries.campaign): the winter campaign so far against the same days of last
    year's, and the run of declines — each of the last four whole quarters against the same
    quarter a year earlier (三个明显下降, 四连降 when all four are down), and the whole years."""
    names = {"cases": _("案件数"), "workers": _("涉及人数"), "amount_cents": _("涉及金额（万元）")}
    cards = []
    if campaign:
        this, last = campaign["this"], campaign["last"]
        rows = [(_("受理案件"), count(this["cases"]), count(last["cases"])),
                (_("涉及人数"), count(this["workers"]), count(last["workers"])),
                (_("办结案件"), count(this["closed"]), count(last["closed"])),
                (_("为劳动者追回（万元）"), wan_yuan(this["recovered_cents"]), wan_yuan(last["recovered_cents"]))]
        head = _("%(start)s 至 %(upto)s，去年同期 %(last_start)s 至 %(last_upto)s",
                 start=campaign["start"].isoformat(), upto=campaign["upto"].isoformat(),
                 last_start=campaign["last_start"].isoformat(), last_upto=campaign["last_upto"].isoformat())
        left = (_("距春节 %(n)s 天", n=campaign["days_left"]) if campaign["days_left"] is not None
                else _("已于 %(end)s 结束", end=campaign["end"].isoformat()))
        cards.append(dbc.Card([
            dbc.CardHeader([_("根治欠薪冬季专项行动"), dbc.Badge(left, color="danger" if campaign["under_way"] else
                                                         "secondary", className="ms-2")]),
            dbc.CardBody([html.Div(head, className="small text-secondary mb-2"),
                          html.Div(_("在办待清零 %(n)s 件（动态清零：春节前办结）", n=count(campaign.get("open_now"))),
                                   className="small fw-semibold mb-2", id="campaign-open")
                          if campaign["under_way"] else None,
                          dbc.Table([html.Thead(html.Tr([html.Th(""), html.Th(_("本期")), html.Th(_("去年同期"))])),
                                     html.Tbody([html.Tr([html.Td(label), html.Td(a, className="text-end"),
                                                          html.Td(b, className="text-end")])
                                                 for label, a, b in rows])],
                                    size="sm", className="small mb-2"),
                          _daily_figure(_, campaign.get("daily") or [])]),
        ], className="shadow-sm h-100", id="cases-campaign"))
    quarters = trend["quarters"]
    header = [html.Th("")] + [html.Th(f"{q['start'].year}Q{(q['start'].month - 1) // 3 + 1}", className="text-end")
                              for q in quarters] + [html.Th("")]
    body = []
    for measure, label in names.items():
        run = trend["four_quarters_down"][measure]
        body.append(html.Tr([html.Td(label)] + [
            html.Td([wan_yuan(q["this"][measure]) if measure == "amount_cents" else count(q["this"][measure]), " ",
                     _down_mark(_, q["down"][measure])], className="text-end text-nowrap") for q in quarters
        ] + [html.Td(dbc.Badge(_("四连降"), color="success") if run else None)]))
    yearly = trend["yearly"]["cases"]
    years = ("、".join(_("%(year)s年 %(n)s", year=y, n=count(v)) for y, v in zip(yearly["years"], yearly["values"],
                                                                              strict=True))
             if yearly["years"] else _("尚无整年数据"))
    cards.append(dbc.Card([
        dbc.CardHeader(_("下降态势（每季与去年同季相比）")),
        dbc.CardBody([dbc.Table([html.Thead(html.Tr(header)), html.Tbody(body)], size="sm", className="small mb-1"),
                      html.Div(_("整年案件：%(years)s；连续下降 %(n)s 年", years=years, n=yearly["run"]),
                               className="small text-secondary")]),
    ], className="shadow-sm h-100", id="cases-declines"))
    return cards
