"""The brief's PDF takes every name as plain text: reportlab reads a Paragraph as markup, so a
station or item named with <b>, & or <img src="/etc/…"> must come out as those characters, not
bold, not a broken build, not a file read from the server."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import date

import pytest
from sqlmodel import Session, select

from components import brief_pdf as builder
from data.models import Region, RegionLevel
from data.queries.brief import weekly_brief
from data.scope import Scope

HOSTILE = ['<b>粗体站</b>', '甲&乙站', '<img src="/etc/passwd" width="400" height="400"/>', "<font size=40>大</font>",
           "&amp;转义", "<para>段</para>"]


def pdf_text(body: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext missing: scripts/test.sh installs poppler-utils")
    return subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True).stdout.decode()


def test_names_with_markup_are_printed_as_written(demo_engine, monkeypatch):
    opened = []
    real_open = open

    def watch(path, *args, **kwargs):
        opened.append(str(path))
        return real_open(path, *args, **kwargs)

    with Session(demo_engine) as session:
        city = session.exec(select(Region.path).where(Region.level == RegionLevel.city)).one()
        brief = weekly_brief(session, scope=Scope(paths=(city,)), monday=date(2026, 11, 9))
    assert brief.tables["audits"] and brief.tables["problems"], "the demo week has audits and recurring problems"
    tables = dict(brief.tables)
    tables["audits"] = [{**row, "station": HOSTILE[n % len(HOSTILE)]} for n, row in enumerate(tables["audits"])]
    tables["problems"] = [{**row, "text": HOSTILE[n % len(HOSTILE)], "examples": "、".join(HOSTILE[:3])}
                          for n, row in enumerate(tables["problems"])]
    tables["logs"] = [{**row, "area": HOSTILE[1]} for row in tables["logs"]]
    hostile = replace(brief, tables=tables)
    monkeypatch.setattr("builtins.open", watch)
    body = builder.brief_pdf(hostile, area_name="<b>示范市</b>&")
    monkeypatch.undo()
    assert not [p for p in opened if p.startswith("/etc")]
    text = pdf_text(body)
    compact = text.replace("\n", "").replace(" ", "")
    assert "<b>示范市</b>&人社督导周报" in compact
    for name in HOSTILE:
        assert name.replace(" ", "") in compact, name
