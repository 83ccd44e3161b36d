"""Spreadsheets for download: plain data in, XLSX bytes out (masked values only go in)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

HEADER_FILL = PatternFill("solid", fgColor="1565C0")
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')
# a cell starting with these is a formula to Excel: user text must never run as one
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _fill(sheet, columns: Sequence[tuple[str, str, int]], rows: Iterable[dict], note: str | None) -> None:
    first = 1
    if note:
        sheet.cell(row=1, column=1, value=note).font = Font(italic=True, color="607D8B")
        first = 2
    for index, (_, header, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=first, column=index, value=header)
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        sheet.column_dimensions[get_column_letter(index)].width = width
    for offset, row in enumerate(rows, start=first + 1):
        for index, (key, _, _) in enumerate(columns, start=1):
            sheet.cell(row=offset, column=index, value=safe_cell(row.get(key)))
    sheet.freeze_panes = sheet.cell(row=first + 1, column=1)


def workbook_bytes(*, title: str, columns: Sequence[tuple[str, str, int]], rows: Iterable[dict],
                   note: str | None = None) -> bytes:
    """One sheet: an optional note line, a header row, the rows. `columns` are
    (key in each row, header text, width in characters)."""
    return workbook_of_sheets([(title, columns, rows, note)])


Sheet = tuple[str, Sequence[tuple[str, str, int]], Iterable[dict], str | None]  # title, columns, rows, note


def workbook_of_sheets(sheets: Sequence[Sheet]) -> bytes:
    """Several sheets, each (title, columns, rows, note) as in workbook_bytes."""
    book = Workbook()
    for n, (title, columns, rows, note) in enumerate(sheets):
        sheet = book.active if n == 0 else book.create_sheet()
        sheet.title = _UNSAFE.sub("-", title)[:31]
        _fill(sheet, columns, rows, note)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_name(stem: str, label: str, day: date) -> str:
    """e.g. 欠薪案件_东湖区_待受理_2026-11-20.xlsx, safe on every file system."""
    parts = [p for p in (stem, label, day.isoformat()) if p]
    return _UNSAFE.sub("-", "_".join(parts))[:120] + ".xlsx"
