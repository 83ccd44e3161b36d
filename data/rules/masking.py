"""Masking of personal data (PIPL, 个人信息保护法): done on the server, before anything leaves it.

Names keep the family name (张*, 欧阳**), ID numbers the first six and last four characters,
phones the first three and last four digits, bank cards the last four. A value too short to
mask safely is hidden entirely.
"""

from __future__ import annotations

from enum import StrEnum

HIDDEN = "***"
# two-character family names (复姓) keep both characters
COMPOUND_SURNAMES = frozenset({"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
                               "宇文", "司徒", "夏侯", "轩辕", "令狐", "端木", "南宫", "西门", "独孤", "呼延"})


class PersonalField(StrEnum):
    name = "name"
    id_number = "id_number"
    phone = "phone"
    bank_card = "bank_card"


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    name = name.strip()
    if name.isascii():  # a Latin name: keep the initial
        return name[0] + "*" * max(len(name) - 1, 1)
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:keep] + "*" * max(len(name) - keep, 1)


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    value = value.strip()
    if len(value) < 15:
        return HIDDEN
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    digits = value.strip()
    if len(digits) < 11:
        return HIDDEN if len(digits) < 7 else digits[:2] + "*" * (len(digits) - 4) + digits[-2:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_bank_card(value: str | None) -> str:
    if not value:
        return ""
    digits = value.replace(" ", "")
    return HIDDEN if len(digits) < 8 else "**** " + digits[-4:]


MASKERS = {
    PersonalField.name: mask_name,
    PersonalField.id_number: mask_id_number,
    PersonalField.phone: mask_phone,
    PersonalField.bank_card: mask_bank_card,
}


def mask(field: PersonalField, value: str | None) -> str:
    return MASKERS[field](value)


def mask_details(value, key: str = ""):
    """An audit event's details with the personal data in them masked, by the keys they sit under
    (…phone, …id_number, complainant…, …bank…): for the operation log, which every admin reads."""
    if isinstance(value, dict):
        return {k: mask_details(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_details(v, key) for v in value]
    if not isinstance(value, str):
        return value
    lowered = key.lower()
    if "phone" in lowered:
        return mask_phone(value)
    if "id_number" in lowered or lowered == "id_no":
        return mask_id_number(value)
    if "bank" in lowered:
        return mask_bank_card(value)
    if "complainant" in lowered:
        return mask_name(value)
    return value
