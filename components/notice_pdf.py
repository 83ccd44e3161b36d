"""The printed notices of case work as A4 PDFs (data.services.documents says what they say):
the bureau's name, the title, the number, the addressee, the text citing the case's facts, and the
bureau's name and date over a space for the seal. Official documents: always in Chinese."""

from __future__ import annotations

import io
from datetime import date

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer

from components import labels
from components.brief_pdf import FONT, _register_font, _text
from data.services.documents import Notice

RED = colors.HexColor("#c62828")


def _day(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "（未记载）"


def _yuan(value: float) -> str:
    return f"{value:,.2f}"


class _SealSpace(Flowable):
    """A dashed circle where the bureau's seal is stamped, with the bureau's name and the date."""

    def __init__(self, bureau: str, issued_on: date):
        super().__init__()
        self.bureau, self.issued_on = bureau, issued_on
        self.width, self.height = 170 * mm, 48 * mm

    def draw(self) -> None:
        canvas = self.canv
        canvas.setStrokeColor(colors.HexColor("#b0bec5"))
        canvas.setDash(3, 3)
        canvas.circle(self.width - 40 * mm, 24 * mm, 21 * mm)
        canvas.setFillColor(colors.HexColor("#90a4ae"))
        canvas.setFont(FONT, 9)
        canvas.drawCentredString(self.width - 40 * mm, 23 * mm, "（盖章处）")
        canvas.setFillColor(colors.black)
        canvas.setFont(FONT, 12)
        canvas.drawRightString(self.width, 14 * mm, self.bureau)
        canvas.drawRightString(self.width, 6 * mm, _day(self.issued_on))


def _body(notice: Notice) -> list[str]:
    f = notice.facts
    period = ""
    if f.get("owed_from") or f.get("owed_to"):
        period = f"（欠薪期间 {_day(f.get('owed_from'))} 至 {_day(f.get('owed_to'))}）"
    complaint = (f"你于{_day(f['received_on'])}反映{f['employer']}拖欠{f['workers']}名劳动者工资"
                 f"{_yuan(f['amount_yuan'])}元{period}一事（案件编号 {notice.case_no}），")
    if notice.kind == "accept_notice":
        return [complaint + f"经审查，符合受理条件，本机关已于{_day(f.get('accepted_on'))}决定予以受理。",
                "根据《劳动保障监察条例》第十七条，本机关将自受理之日起六十个工作日内调查处理完毕；案情复杂的，"
                "经本机关负责人批准可以延长三十个工作日。调查期间请保持通讯畅通，配合提供相关证据材料。",
                "特此通知。"]
    if notice.kind == "reject_notice":
        return [complaint + "经审查，不符合受理条件，本机关决定不予受理。",
                f"理由：{f.get('reason') or '（见案卷）'}",
                "如对本决定不服，可以自收到本告知书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。",
                "特此告知。"]
    if notice.kind == "rectify_order":
        uscc = f"（统一社会信用代码 {f['uscc']}）" if f.get("uscc") else ""
        return [f"经调查，你单位{uscc}存在拖欠{f['workers']}名劳动者工资共计{_yuan(f['amount_yuan'])}元{period}的行为，"
                "违反了《保障农民工工资支付条例》和《劳动保障监察条例》的有关规定。",
                f"根据《劳动保障监察条例》第二十六条，现责令你单位于{_day(f.get('pay_by'))}前足额支付上述劳动报酬，"
                "并将改正情况书面报告本机关。",
                "逾期不改正的，本机关将依法作出行政处理、行政处罚决定；涉嫌拒不支付劳动报酬犯罪的，依法移送公安机关；"
                "符合条件的，将列入拖欠农民工工资失信联合惩戒对象名单。"]
    level = {"province": "省级", "city": "市级", "county": "县级"}.get(f.get("level"), "")
    reasons = "、".join(labels.SUPERVISION_REASON.get(r, r) for r in f.get("reasons") or []) or "领导督办"
    return [f"{f['township']}{f['employer']}拖欠{f['workers']}名劳动者工资{_yuan(f['amount_yuan'])}元一案"
            f"（案件编号 {notice.case_no}，{_day(f['received_on'])}受理），因{reasons}，现列为{level}督办案件。",
            f"请你单位高度重视，明确专人负责，于{_day(f.get('due_on'))}前依法办结，并将办理结果书面报送本机关。"
            "逾期未办结的，将予以通报。"]


def notice_pdf(notice: Notice) -> bytes:
    """The notice as an A4 PDF."""
    _register_font()
    base = ParagraphStyle("notice", fontName=FONT, fontSize=13, leading=24, wordWrap="CJK", firstLineIndent=26)
    styles = {
        "bureau": ParagraphStyle("bureau", parent=base, fontSize=22, leading=30, alignment=1, textColor=RED,
                                 firstLineIndent=0),
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=28, alignment=1, firstLineIndent=0),
        "no": ParagraphStyle("no", parent=base, fontSize=12, alignment=2, firstLineIndent=0),
        "to": ParagraphStyle("to", parent=base, firstLineIndent=0),
        "body": base,
        "foot": ParagraphStyle("foot", parent=base, fontSize=9, leading=13, textColor=colors.HexColor("#607d8b"),
                               firstLineIndent=0),
    }
    story = [_text(notice.bureau, styles["bureau"]), Spacer(1, 2 * mm), _text(notice.title, styles["title"]),
             Spacer(1, 3 * mm), _text(notice.doc_no, styles["no"]), Spacer(1, 6 * mm),
             _text(f"{notice.addressee}：", styles["to"])]
    story += [_text(paragraph, styles["body"]) for paragraph in _body(notice)]
    story += [Spacer(1, 14 * mm), _SealSpace(notice.bureau, notice.issued_on), Spacer(1, 10 * mm),
              _text(f"本文书一式两份，一份送达，一份存档。案件编号：{notice.case_no}", styles["foot"])]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm, topMargin=25 * mm,
                            bottomMargin=20 * mm, title=f"{notice.title} {notice.doc_no}", author=notice.bureau)
    doc.build(story)
    return buffer.getvalue()
