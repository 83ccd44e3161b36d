"""Spreadsheet export: masked rows in, an XLSX that opens, no formula injection, safe names."""

import io
from datetime import date

from openpyxl import load_workbook

from components.export import file_name, workbook_bytes


def test_workbook_has_header_rows_and_defuses_formulas():
    data = workbook_bytes(title="欠薪案件", columns=[("no", "编号", 10), ("who", "投诉人", 8)],
                          rows=[{"no": "A-1", "who": "张*"}, {"no": "=HYPERLINK(\"http://x\")", "who": "+1"}],
                          note="个人信息已脱敏")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].value == "个人信息已脱敏"
    assert [c.value for c in sheet[2]] == ["编号", "投诉人"]
    assert [c.value for c in sheet[3]] == ["A-1", "张*"]
    assert sheet["A4"].value.startswith("'=") and sheet["B4"].value == "'+1"
    assert sheet["A4"].data_type != "f"


def test_file_name_carries_filter_and_date_and_is_safe():
    name = file_name("欠薪案件", "东湖区 / 待受理", date(2026, 11, 20))
    assert name == "欠薪案件_东湖区-待受理_2026-11-20.xlsx"
    assert "/" not in file_name("a", "../../etc/passwd", date(2026, 1, 1))
