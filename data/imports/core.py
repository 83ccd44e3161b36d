"""What every import shares: reading a file (CSV in UTF-8 with or without BOM or GB18030, or
XLSX) into rows, matching its header row to a kind's columns (the Chinese headers are the
contract, English aliases allowed), the errors a row can have, the report, and the run:
validate everything, then write everything in one transaction, or nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from sqlmodel import Session

from data.errors import N_
from data.imports.cells import Refuse, header_key
from data.models import Setting
from data.queries.settings import GENERATION
from data.services.common import audit

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class ImportFileError(Exception):
    """The file as a whole cannot be read (not CSV/XLSX, undecodable, empty, no header)."""

    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message, self.params = message, params


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the contract's Chinese header
    aliases: tuple[str, ...] = ()  # English (and other accepted) spellings
    required: bool = True
    choices: tuple[str, ...] = ()  # fixed values: a drop-down in the template
    example: str = ""


@dataclass(frozen=True)
class RowError:
    row: int  # the row number in the file, the header being row 1
    column: str | None  # the column's contract header; None for the row as a whole
    message: str  # a message id (Chinese), with %(name)s parameters
    params: dict = field(default_factory=dict)

    def text(self, translate: Callable[..., str] | None = None) -> str:
        if translate is not None:
            return translate(self.message, **self.params)
        return self.message % self.params if self.params else self.message


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    # one-time passwords of the accounts a users import created, shown once: [(username, password)]
    passwords: list[tuple[str, str]] = field(default_factory=list)
    written: bool = False

    @property
    def refused(self) -> int:
        """Rows with at least one error (a file-level error counts as the header row's)."""
        return len({e.row for e in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors

    def tally(self, rows) -> list:
        """Count planned rows as new (no `existing` record), changed (some `changes`) or unchanged."""
        for row in rows:
            if row.existing is None:
                self.new += 1
            elif row.changes:
                self.changed += 1
            else:
                self.unchanged += 1
        return rows

    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "new": self.new, "changed": self.changed, "unchanged": self.unchanged,
                "refused": self.refused}


@dataclass
class Context:
    actor: Any  # data.models.User, data.services.common.Actor or None (the command line)
    today: date
    options: dict = field(default_factory=dict)
    progress: Progress | None = None

    def step(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)


class Record(dict):
    """A row's values by column key (stripped strings; "" when empty), with its row number."""

    row: int = 0


class Kind(Protocol):
    name: str
    columns: tuple[Column, ...]

    def read(self, data: bytes, filename: str, report: ImportReport) -> list[Record]:
        """The file's records (tables: read_table)."""

    def plan(self, session: Session, records: list[Record], ctx: Context, report: ImportReport) -> Any:
        """Check every record against the file and the database, count new/changed/unchanged
        into the report and add errors to it; write nothing."""

    def apply(self, session: Session, plan: Any, ctx: Context, report: ImportReport) -> None:
        """Write what plan() decided (no commit)."""


# --- reading files ---------------------------------------------------------------------------

def decode(data: bytes) -> str:
    """CSV bytes as text: UTF-8 with or without BOM, else GB18030 (Excel's 'CSV' in China)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFileError(N_("无法识别文件编码（应为 UTF-8 或 GB18030）")) from None


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_rows(data: bytes, filename: str) -> list[list[str]]:
    """Every row of the file's first sheet as strings, the header row first."""
    name = filename.lower()
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a damaged file
            raise ImportFileError(N_("无法读取 XLSX 文件")) from None
        try:
            sheet = book.worksheets[0]
            return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    if name.endswith((".csv", ".txt")) or not name:
        text = decode(data)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        return [list(row) for row in csv.reader(io.StringIO(text), dialect)]
    raise ImportFileError(N_("请上传 CSV 或 XLSX 文件"))


def records(rows: list[list[str]], columns: Iterable[Column], errors: list[RowError]) -> list[Record]:
    """The data rows as Records keyed by column; a missing required column is an error of row 1.
    Blank rows are skipped; unknown columns are ignored."""
    columns = tuple(columns)
    if not rows or not any(c.strip() for c in rows[0]):
        raise ImportFileError(N_("文件是空的，或第一行不是表头"))
    names = {header_key(c.header): c for c in columns}
    names.update({header_key(a): c for c in columns for a in (c.key, *c.aliases)})
    position: dict[str, int] = {}
    for i, text in enumerate(rows[0]):
        column = names.get(header_key(text))
        if column is not None and column.key not in position:
            position[column.key] = i
    for column in columns:
        if column.required and column.key not in position:
            errors.append(RowError(1, column.header, N_("缺少列“%(column)s”"), {"column": column.header}))
    found = []
    for number, row in enumerate(rows[1:], start=2):
        if not any((cell or "").strip() for cell in row):
            continue
        record = Record({key: (row[i].strip() if i < len(row) and row[i] is not None else "")
                         for key, i in position.items()})
        for column in columns:
            record.setdefault(column.key, "")
        record.row = number
        found.append(record)
    return found


class Checker:
    """Parses one record's columns, collecting each refusal as that column's RowError."""

    def __init__(self, record: Record, columns: dict[str, Column], errors: list[RowError]):
        self.record, self.columns, self.errors, self.failed = record, columns, errors, False

    def __call__(self, key: str, parse: Callable[[str], Any] | None = None, *, required: bool | None = None):
        column = self.columns[key]
        raw = self.record.get(key, "")
        if not raw:
            if column.required if required is None else required:
                self.refuse(key, N_("“%(column)s”不能为空"), column=column.header)
            return None
        if parse is None:
            return raw
        try:
            return parse(raw)
        except Refuse as refused:
            self.refuse(key, refused.message, **refused.params)
            return None

    def first_in_file(self, key: str, value, seen: dict, message: str, **params) -> bool:
        """True the first time `value` (a natural key) comes in the file; after that False, with a
        refusal of column `key` naming the row it came first in (`%(first)s` in the message)."""
        if value in seen:
            self.refuse(key, message, first=seen[value], **params)
            return False
        seen[value] = self.record.row
        return True

    def refuse(self, key: str | None, message: str, **params) -> None:
        header = self.columns[key].header if key else None
        self.errors.append(RowError(self.record.row, header, message, params))
        self.failed = True


def _next_generation(session: Session) -> None:
    """Move the data generation: caches of regions, shapes and stations are dropped."""
    setting = session.get(Setting, GENERATION)
    if setting is None:
        session.add(Setting(key=GENERATION, value=1))
    else:
        setting.value = (setting.value if isinstance(setting.value, int) else 0) + 1
        session.add(setting)


# --- the run -----------------------------------------------------------------------------------

@dataclass
class Planned:
    """A row ready to write: its values, the stored record with the same natural key (or None),
    and what differs (every value for a new record)."""

    record: Record
    values: dict
    existing: Any = None
    changes: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)  # what the kind needs to make a new record

    @classmethod
    def of(cls, record: Record, values: dict, existing: Any, **extra) -> Planned:
        changes = values if existing is None else {k: v for k, v in values.items() if getattr(existing, k) != v}
        return cls(record, values, existing, changes, extra)


def write_planned(session: Session, rows: list[Planned], ctx: Context, *, make: Callable[[Planned], Any],
                  action: str, target_kind: str, key: Callable[[Planned], Any]) -> None:
    """Add the new records (`make(row)`), update the changed ones field by field with an audit
    event each (before and after), leave the unchanged alone; progress every 500 rows."""
    for n, row in enumerate(rows, start=1):
        if row.existing is None:
            session.add(make(row))
        elif row.changes:
            before = {k: getattr(row.existing, k) for k in row.changes}
            for name, value in row.changes.items():
                setattr(row.existing, name, value)
            session.add(row.existing)
            audit(session, actor=ctx.actor, action=action, target_kind=target_kind, target_id=row.existing.id,
                  details={"key": key(row), "before": before, "after": row.changes})
        if n % 500 == 0:
            ctx.step("write", n, len(rows))
    ctx.step("write", len(rows), len(rows))


class TableKind:
    """A kind whose file is a table: CSV or XLSX with a header row."""

    columns: tuple[Column, ...] = ()

    def read(self, data: bytes, filename: str, report: ImportReport) -> list[Record]:
        return records(read_rows(data, filename), self.columns, report.errors)


def run(session: Session, kind: Kind, data: bytes, filename: str, ctx: Context, *, dry_run: bool) -> ImportReport:
    """Read and validate every row, then (unless a dry run or anything is refused) write them
    all in one transaction with one audit event for the import. Returns the report either way;
    raises ImportFileError when the file cannot be read at all."""
    report = ImportReport(kind=kind.name, dry_run=dry_run)
    ctx.step("read", 0, 1)
    found = kind.read(data, filename, report)
    report.rows = len(found)
    if report.errors:
        return report
    ctx.step("check", 0, len(found))
    plan = kind.plan(session, found, ctx, report)
    ctx.step("check", len(found), len(found))
    if report.errors or dry_run:  # counts of the good rows stay, to preview; nothing is written
        session.rollback()
        return report
    try:
        kind.apply(session, plan, ctx, report)
        _next_generation(session)
        audit(session, actor=ctx.actor, action=f"import.{kind.name}", target_kind="import",
              details={**report.counts(), "file": filename})
        session.commit()
    except BaseException:
        session.rollback()
        raise
    report.written = True
    return report
