"""The workbooks of the import screen: a template per kind (the contract's header row, one
example row, a drop-down where a column has fixed values) and the list of refused rows."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from components.export import workbook_bytes

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")


def template_workbook(columns: Sequence, *, title: str, required_note: str) -> bytes:
    """`columns`: data.imports.core.Column; required headers are bold."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([c.header for c in columns])
    sheet.append([c.example for c in columns])
    for n, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=n)
        cell.font, cell.fill = Font(bold=column.required), HEADER_FILL
        letter = get_column_letter(n)
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4, len(column.example) + 4)
        if column.choices:
            rule = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True)
            rule.add(f"{letter}2:{letter}100000")
            sheet.add_data_validation(rule)
        sheet.cell(row=2, column=n).number_format = "@"  # codes with leading zeros stay text
    sheet.freeze_panes = "A2"
    sheet.cell(row=1, column=len(columns) + 2, value=required_note).font = Font(italic=True, color="808080")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def errors_workbook(errors: Iterable[dict], *, title: str, headers: tuple[str, str, str],
                    text: Callable[[dict], str], note: str | None = None) -> bytes:
    """The refused rows: row number, column, what is wrong (in the reader's language)."""
    rows = [{"row": e["row"], "column": e.get("column") or "—", "problem": text(e)} for e in errors]
    return workbook_bytes(title=title, note=note, rows=rows,
                          columns=[("row", headers[0], 8), ("column", headers[1], 18), ("problem", headers[2], 80)])
