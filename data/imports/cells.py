"""The values in an import's cells: each parser takes a cell's text and returns the value or
raises Refuse with the reason (in Chinese, translated where it is shown)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from data.errors import N_

_SPACE = re.compile(r"\s+")


def header_key(text: str) -> str:
    """A header as compared: NFKC (full-width brackets and letters as ASCII), no spaces, lower case."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text or "")).strip("\ufeff").lower()


class Refuse(Exception):
    """A value is wrong: raised by the parsers below, caught per column by Checker."""

    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message, self.params = message, params


AREA_CODE = re.compile(r"^\d{12}$")


def area_code(text: str) -> str:
    if not AREA_CODE.match(text):
        raise Refuse(N_("区划代码应为 12 位数字：%(value)s"), value=text)
    return text


def day(text: str) -> date:
    cleaned = text.strip().replace("/", "-").replace(".", "-")
    match = re.match(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$", cleaned)
    if match:
        cleaned = "-".join(match.groups())
    parts = cleaned.split(" ")[0].split("-")
    try:
        if len(parts) == 3:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        if len(parts) == 1 and len(parts[0]) == 8 and parts[0].isdigit():
            return date(int(parts[0][:4]), int(parts[0][4:6]), int(parts[0][6:]))
    except ValueError:
        pass
    raise Refuse(N_("日期格式不对（应为 2026-03-01）：%(value)s"), value=text)


def whole(text: str, *, low: int, high: int) -> int:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise Refuse(N_("应为整数：%(value)s"), value=text) from None
    if value != value.to_integral_value() or not low <= value <= high:
        raise Refuse(N_("应为 %(low)s 到 %(high)s 之间的整数：%(value)s"), value=text, low=low, high=high)
    return int(value)


def yuan_to_cents(text: str) -> int:
    try:
        value = Decimal(text.replace(",", "").replace("元", ""))
    except InvalidOperation:
        raise Refuse(N_("金额应为数字（元）：%(value)s"), value=text) from None
    if value < 0 or value > Decimal("100000000000"):
        raise Refuse(N_("金额不在合理范围：%(value)s"), value=text)
    return int((value * 100).quantize(Decimal(1)))


def number(text: str, *, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise Refuse(N_("应为数字：%(value)s"), value=text) from None
    if not low <= value <= high:
        raise Refuse(N_("应在 %(low)s 到 %(high)s 之间：%(value)s"), value=text, low=low, high=high)
    return value


def text(value: str, *, limit: int) -> str:
    if len(value) > limit:
        raise Refuse(N_("不能超过 %(n)s 个字"), n=limit)
    return value


def choice(value: str, table: dict[str, Any], header: str) -> Any:
    found = table.get(header_key(value))
    if found is None:
        raise Refuse(N_("“%(value)s”不是可选的值"), value=value)
    return found


def lookup(pairs: Iterable[tuple[Iterable[str], Any]]) -> dict[str, Any]:
    """{header_key(name): value} for several names of each value."""
    return {header_key(name): value for names, value in pairs for name in names}




YES_NO = {"是": True, "否": False, "yes": True, "no": False, "y": True, "n": False, "true": True, "false": False,
          "1": True, "0": False}


def yes_no(value: str) -> bool:
    found = YES_NO.get(header_key(value))
    if found is None:
        raise Refuse(N_("应填“是”或“否”：%(value)s"), value=value)
    return found


def phone(value: str) -> str:
    cleaned = value.replace(" ", "").replace("-", "")
    if not cleaned.isdigit() or not 7 <= len(cleaned) <= 12:
        raise Refuse(N_("电话号码不对：%(value)s"), value=value)
    return value.strip()


CODE_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_")


def code_of(value: str, *, limit: int) -> str:
    """A bureau's own code (station, grid): letters, digits, - and _."""
    if len(value) > limit or not set(value) <= CODE_CHARS:
        raise Refuse(N_("编码只能由字母、数字、- 和 _ 组成，最多 %(n)s 位：%(value)s"), value=value, n=limit)
    return value
