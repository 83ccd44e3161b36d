"""Check characters of the identifiers cases carry: the unified social credit code of an
employer (统一社会信用代码, GB 32100-2015, with the organisation code inside it, GB 11714) and a
resident ID number (GB 11643)."""

from __future__ import annotations

import re

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC = re.compile(f"^[{USCC_CHARSET}]{{18}}$")
_ID = re.compile(r"^\d{17}[\dX]$")


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015: the 18th character of a unified social credit code."""
    total = sum(USCC_CHARSET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """GB 11714: the check character of the 9-character organisation code inside a USCC."""
    total = sum(int(c, 36) * w for c, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def id_check_char(first17: str) -> str:
    """GB 11643 (ISO 7064 MOD 11-2): the last character of a resident ID number."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


def valid_uscc(code: str) -> bool:
    return bool(_USCC.match(code)) and uscc_check_char(code[:17]) == code[17]


def valid_id_number(number: str) -> bool:
    return bool(_ID.match(number)) and id_check_char(number[:17]) == number[17]
