"""The weekly brief as an A4 PDF (reportlab, with a CJK font from the system) and as XLSX.

Chinese text needs a font that has it: setup installs fonts-wqy-microhei from Debian; any of
FONT_CANDIDATES will do, and CJK_FONT in the environment names another.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from components import labels
from components.export import workbook_of_sheets
from data.queries.brief import Brief

FONT = "BriefCJK"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
BLUE = colors.HexColor("#0b3d91")
GREY = colors.HexColor("#607d8b")


class NoCjkFont(RuntimeError):
    """No font with Chinese glyphs is installed: the PDF would show empty boxes."""


def _register_font() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    candidates = [os.environ.get("CJK_FONT")] if os.environ.get("CJK_FONT") else []
    for path in [*candidates, *FONT_CANDIDATES]:
        if path and Path(path).is_file():
            pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
            return
    raise NoCjkFont("no CJK font found; scripts/setup.sh installs fonts-wqy-microhei")


def _wan(cents: int) -> str:
    return f"{cents / 1e6:,.1f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _change(now: int, before: int) -> str:
    if not before:
        return "—"
    change = (now - before) / before * 100
    return f"{'下降' if change < 0 else '上升'}{abs(change):.1f}%"


def _styles():
    base = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=28, alignment=1,
                                textColor=colors.HexColor("#c62828")),
        "sub": ParagraphStyle("sub", parent=base, alignment=1, textColor=GREY),
        "h": ParagraphStyle("h", parent=base, fontSize=13.5, leading=20, textColor=BLUE, spaceBefore=8, spaceAfter=4),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12),
        "note": ParagraphStyle("note", parent=base, fontSize=8.5, leading=12, textColor=GREY),
    }


def _text(text, style) -> Paragraph:
    """A paragraph of plain text. reportlab reads a Paragraph's text as markup: a station named
    "<b>…" would turn bold, a bare "&" breaks the build, and <img src="/etc/…"> makes it open a
    file on the server. Every text goes in escaped; nothing here needs markup."""
    return Paragraph(escape(str(text)), style)


def _table(rows: list[list], widths: list[float], styles) -> Table:
    data = [[_text(c, styles["cell"]) for c in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3ecf8")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b0bec5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def _weekly_chart(brief: Brief) -> Drawing:
    drawing = Drawing(170 * mm, 55 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 10 * mm, 150 * mm, 38 * mm
    chart.data = [[w[2] for w in brief.weekly_cases], [w[1] for w in brief.weekly_cases]]
    chart.categoryAxis.categoryNames = [w[0] for w in brief.weekly_cases]
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor, chart.bars[1].fillColor = colors.HexColor("#b0bec5"), BLUE
    chart.barSpacing, chart.groupSpacing = 1, 6
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 120 * mm, 53 * mm
    legend.fontName, legend.fontSize = FONT, 8
    legend.colorNamePairs = [(colors.HexColor("#b0bec5"), "去年同期"), (BLUE, "今年")]
    legend.alignment, legend.columnMaximum = "right", 1
    drawing.add(legend)
    drawing.add(String(12 * mm, 51 * mm, "近12周受理欠薪案件（件）", fontName=FONT, fontSize=9, fillColor=GREY))
    return drawing


def _logs_chart(rows: list[dict]) -> Drawing:
    height = max(30, 7 * len(rows) + 12) * mm
    drawing = Drawing(170 * mm, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30 * mm, 6 * mm, 130 * mm, height - 12 * mm
    chart.data = [[round((r["rate"] or 0) * 100, 1) for r in rows]]
    chart.categoryAxis.categoryNames = [r["area"] for r in rows]
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.bars[0].fillColor = colors.HexColor("#1976d2")
    drawing.add(chart)
    return drawing


def brief_pdf(brief: Brief, *, area_name: str) -> bytes:
    _register_font()
    s = _styles()
    f = brief.figures
    iso = brief.start.isocalendar()
    period = f"{brief.start:%Y年%m月%d日}—{brief.end:%m月%d日}"
    story = [
        _text(f"{area_name}人社督导周报", s["title"]),
        _text(f"{iso[0]}年第{iso[1]}周（{period}）", s["sub"]), Spacer(1, 6 * mm),
        _text("一、欠薪治理", s["h"]),
        _text(
            f"本周受理欠薪案件{f['cases_week']}件，涉及劳动者{f['workers_week']}人、金额{_wan(f['amount_week_cents'])}万元，"
            f"案件数较去年同周{_change(f['cases_week'], f['cases_week_ly'])}。今年累计受理{f['cases_ytd']}件、涉及"
            f"{f['workers_ytd']}人、{_wan(f['amount_ytd_cents'])}万元，"
            f"分别较去年同期{_change(f['cases_ytd'], f['cases_ytd_ly'])}、"
            f"{_change(f['workers_ytd'], f['workers_ytd_ly'])}、"
            f"{_change(f['amount_ytd_cents'], f['amount_ytd_ly_cents'])}。"
            f"办结率{_pct(f['closure_rate'])}，按时办结率{_pct(f['on_time_rate'])}。", s["body"]),
        _table([["指标", "本周", "去年同周", "今年累计", "去年同期"],
                ["案件（件）", f["cases_week"], f["cases_week_ly"], f["cases_ytd"], f["cases_ytd_ly"]],
                ["涉及人数（人）", f["workers_week"], f["workers_week_ly"], f["workers_ytd"], f["workers_ytd_ly"]],
                ["涉及金额（万元）", _wan(f["amount_week_cents"]), _wan(f["amount_week_ly_cents"]),
                 _wan(f["amount_ytd_cents"]), _wan(f["amount_ytd_ly_cents"])]],
               [40 * mm, 30 * mm, 30 * mm, 33 * mm, 33 * mm], s),
        Spacer(1, 3 * mm), _weekly_chart(brief),
        _text("二、超期与督办", s["h"]),
        _text(f"截至{brief.end:%m月%d日}，超期未办结案件{f['overdue']}件，"
              f"挂牌督办在办案件{f['supervised']}件。", s["body"]),
    ]
    supervised = brief.tables["supervised"]
    if supervised:
        rows = [["案件编号", "乡镇（街道）", "人数", "金额（万元）", "期限"]]
        for r in supervised:
            days = r["days_left"]
            rows.append([r["case_no"], r["township"], r["workers"], r["amount_wan"],
                         "—" if days is None else (f"超期{-days}天" if days < 0 else f"剩{days}天")])
        story.append(_table(rows, [52 * mm, 36 * mm, 18 * mm, 26 * mm, 34 * mm], s))
    story += [
        _text("三、基层平台标准化与明察暗访", s["h"]),
        _text(f"乡镇人社所{f['stations']}个，标准化达标{f['standardised']}个，达标率{_pct(f['standardisation_rate'])}"
                  f"（目标100%）。本周通报检查{f['audits_week']}次，合格{f['audits_week_passed']}次。", s["body"]),
    ]
    if brief.tables["audits"]:
        rows = [["日期", "站点", "类型", "方式", "得分", "等次"]]
        for r in brief.tables["audits"]:
            rows.append([r["date"], r["station"], labels.INSPECTION_KIND.get(r["kind"], r["kind"]),
                         labels.INSPECTION_MODE.get(r["mode"], r["mode"]),
                         "—" if r["score"] is None else f"{r['score']:.1f}",
                         labels.GRADE.get(r["grade"], "—") + ("（一票否决）" if r["vetoed"] else "")])
        story.append(_table(rows, [22 * mm, 62 * mm, 24 * mm, 20 * mm, 16 * mm, 26 * mm], s))
    if brief.tables["problems"]:
        story += [Spacer(1, 2 * mm), _text("近四周反复出现的问题：", s["body"])]
        rows = [["检查项", "类别", "站点数", "涉及站点（举例）"]]
        rows += [[f"{p['code']} {p['text']}", p["category"], p["stations"], p["examples"]]
                 for p in brief.tables["problems"]]
        story.append(_table(rows, [62 * mm, 24 * mm, 16 * mm, 68 * mm], s))
    story += [
        _text("四、整改落实", s["h"]),
        _text(f"本周新增整改事项{f['rect_new']}项，销号{f['rect_closed']}项；截至周末未销号{f['rect_open']}项，"
                  f"其中超期{f['rect_overdue']}项。", s["body"]),
        _text("五、走流程", s["h"]),
        _text(f"本周走流程{f['walks']}次，发现问题{f['issues']}个，收集需求{f['needs']}个，"
                  f"制定整改措施{f['fixes']}项，已完成{f['fixes_done']}项。", s["body"]),
    ]
    logs = brief.tables["logs"]
    rate = f["logs_filed"] / f["logs_expected"] if f["logs_expected"] else None
    part = [_text("六、挂职干部工作日志", s["h"]),
            _text(f"本周应报日志{f['logs_expected']}篇，实报{f['logs_filed']}篇，完成率{_pct(rate)}。", s["body"])]
    if logs:
        part += [_table([["区域", "实报", "应报", "完成率"]] + [[r["area"], r["filed"], r["expected"], _pct(r["rate"])]
                                                        for r in logs], [50 * mm, 30 * mm, 30 * mm, 30 * mm], s),
                 _logs_chart(logs)]
    story.append(KeepTogether(part))
    story += [Spacer(1, 4 * mm),
              _text("数据来源：人社督导一张图。案件状态按当前状态统计；检查结果以已通报为准。", s["note"])]

    buffer = io.BytesIO()

    def page_number(canvas, doc):
        canvas.setFont(FONT, 8)
        canvas.setFillColor(GREY)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"第 {doc.page} 页")

    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=f"{area_name}人社督导周报 {iso[0]}-W{iso[1]:02d}",
                            author="人社督导一张图")
    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()


def brief_xlsx(brief: Brief, *, area_name: str) -> bytes:
    f = brief.figures
    iso = brief.start.isocalendar()
    note = f"{area_name} {iso[0]}年第{iso[1]}周（{brief.start:%Y-%m-%d}—{brief.end:%Y-%m-%d}）"
    headline = [
        {"name": "本周受理案件（件）", "value": f["cases_week"], "last": f["cases_week_ly"]},
        {"name": "本周涉及人数（人）", "value": f["workers_week"], "last": f["workers_week_ly"]},
        {"name": "本周涉及金额（万元）", "value": round(f["amount_week_cents"] / 1e6, 1),
         "last": round(f["amount_week_ly_cents"] / 1e6, 1)},
        {"name": "今年累计案件（件）", "value": f["cases_ytd"], "last": f["cases_ytd_ly"]},
        {"name": "今年累计金额（万元）", "value": round(f["amount_ytd_cents"] / 1e6, 1),
         "last": round(f["amount_ytd_ly_cents"] / 1e6, 1)},
        {"name": "办结率", "value": f["closure_rate"]}, {"name": "按时办结率", "value": f["on_time_rate"]},
        {"name": "超期案件（件）", "value": f["overdue"]}, {"name": "督办在办案件（件）", "value": f["supervised"]},
        {"name": "标准化达标率", "value": f["standardisation_rate"]},
        {"name": "本周通报检查（次）", "value": f["audits_week"]},
        {"name": "其中合格（次）", "value": f["audits_week_passed"]},
        {"name": "新增整改（项）", "value": f["rect_new"]}, {"name": "销号整改（项）", "value": f["rect_closed"]},
        {"name": "未销号整改（项）", "value": f["rect_open"]}, {"name": "超期整改（项）", "value": f["rect_overdue"]},
        {"name": "走流程（次）", "value": f["walks"]}, {"name": "问题（个）", "value": f["issues"]},
        {"name": "需求（个）", "value": f["needs"]}, {"name": "整改措施（项）", "value": f["fixes"]},
        {"name": "已完成整改措施（项）", "value": f["fixes_done"]},
        {"name": "工作日志实报（篇）", "value": f["logs_filed"]},
        {"name": "工作日志应报（篇）", "value": f["logs_expected"]},
    ]
    return workbook_of_sheets([
        ("概况", [("name", "指标", 26), ("value", "本期", 14), ("last", "去年同期", 14)], headline, note),
        ("近12周案件", [("week", "周（起）", 12), ("this", "今年", 10), ("last", "去年同期", 10)],
         [{"week": w, "this": a, "last": b} for w, a, b in brief.weekly_cases], note),
        ("督办案件", [("case_no", "案件编号", 26), ("township", "乡镇（街道）", 16), ("workers", "人数", 8),
                   ("amount_wan", "金额（万元）", 12), ("due_on", "期限", 12), ("days_left", "剩余天数", 10)],
         brief.tables["supervised"], note),
        ("检查通报", [("date", "日期", 12), ("station", "站点", 36), ("kind", "类型", 14), ("mode", "方式", 10),
                   ("score", "得分", 8), ("grade", "等次", 10)],
         [{**r, "kind": labels.INSPECTION_KIND.get(r["kind"], r["kind"]),
           "mode": labels.INSPECTION_MODE.get(r["mode"], r["mode"]),
           "grade": labels.GRADE.get(r["grade"], "")} for r in brief.tables["audits"]], note),
        ("反复出现的问题", [("code", "编号", 8), ("text", "检查项", 40), ("category", "类别", 12),
                     ("stations", "站点数", 8), ("examples", "涉及站点（举例）", 60)], brief.tables["problems"], note),
        ("工作日志", [("area", "区域", 16), ("filed", "实报", 8), ("expected", "应报", 8), ("rate", "完成率", 10)],
         brief.tables["logs"], note),
    ])
