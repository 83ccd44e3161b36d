"""Editing checklist templates: every edit makes a new version; inspections keep theirs.

An admin changes items (text, weight, veto, answer type, rule, evidence) and saves: the service
checks the whole item list, writes it as version n+1 marked current, and marks version n no
longer current. Inspections point at the template row they were filled against, so an old
inspection still scores and reads exactly as it did.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from data.errors import N_, NotAllowed, ValidationError, WorkflowError
from data.models import AnswerType, ChecklistItem, ChecklistTemplate, Role
from data.services.common import Actor, audit
from data.types import utcnow

FIELDS = ("code", "category", "text", "text_en", "answer_type", "weight", "veto", "evidence", "rule")
MAX_ITEMS = 200


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValidationError(N_("请填写数字"), field=field)
    return float(value)


def check_items(items: Iterable[dict]) -> list[dict]:
    """The item list cleaned, or a ValidationError naming the first bad field (items[i].key)."""
    cleaned: list[dict] = []
    codes: set[str] = set()
    for n, raw in enumerate(items):
        where = f"items[{n}]"
        code = str(raw.get("code") or "").strip()
        if not code or len(code) > 20:
            raise ValidationError(N_("第 %(n)s 项：编号必填，最多 20 个字符"), field=f"{where}.code", n=n + 1)
        if code in codes:
            raise ValidationError(N_("编号 %(code)s 重复"), field=f"{where}.code", code=code)
        codes.add(code)
        text = str(raw.get("text") or "").strip()
        if not text:
            raise ValidationError(N_("第 %(n)s 项：请填写检查内容"), field=f"{where}.text", n=n + 1)
        category = str(raw.get("category") or "").strip()
        if not category or len(category) > 30:
            raise ValidationError(N_("第 %(n)s 项：请选择类别"), field=f"{where}.category", n=n + 1)
        try:
            answer_type = AnswerType(raw.get("answer_type") or "pass_fail")
        except ValueError:
            raise ValidationError(N_("第 %(n)s 项：答案类型无效"), field=f"{where}.answer_type", n=n + 1) from None
        weight = _number(raw.get("weight", 0), f"{where}.weight")
        if weight < 0:
            raise ValidationError(N_("第 %(n)s 项：分值不能为负"), field=f"{where}.weight", n=n + 1)
        rule = dict(raw.get("rule") or {})
        if answer_type == AnswerType.choice:
            options = rule.get("options") or []
            if len(options) < 2:
                raise ValidationError(N_("第 %(n)s 项：选择题至少要两个选项"), field=f"{where}.rule", n=n + 1)
            for option in options:
                score = option.get("score")
                if not option.get("value") or isinstance(score, bool) or not isinstance(score, (int, float)) \
                        or not 0 <= score <= 1:
                    raise ValidationError(N_("第 %(n)s 项：选项得分须在 0 到 1 之间"), field=f"{where}.rule", n=n + 1)
        if answer_type == AnswerType.number:
            for key in ("min_ok", "max_ok"):
                if key in rule:
                    _number(rule[key], f"{where}.rule")
            if "min_ok" not in rule and "max_ok" not in rule:
                raise ValidationError(N_("第 %(n)s 项：数值题要有达标范围"), field=f"{where}.rule", n=n + 1)
        cleaned.append({"code": code, "category": category, "text": text,
                        "text_en": (str(raw.get("text_en") or "").strip() or None), "answer_type": answer_type,
                        "weight": weight, "veto": bool(raw.get("veto")), "evidence": dict(raw.get("evidence") or {}),
                        "rule": rule})
    if not cleaned or len(cleaned) > MAX_ITEMS:
        raise ValidationError(N_("模板要有 1 到 %(max)s 个检查项"), field="items", max=MAX_ITEMS)
    if sum(i["weight"] for i in cleaned) <= 0:
        raise ValidationError(N_("检查项分值合计必须大于 0"), field="items")
    return cleaned


def new_version(session: Session, *, actor: Actor, template_id: int, items: Iterable[dict],
                name: str | None = None, now: datetime | None = None) -> ChecklistTemplate:
    """Save an edited item list as the next version of the template `template_id` is a
    version of; it must be the current one (an edit of a stale copy is refused, not merged)."""
    if actor.role != Role.admin:
        raise NotAllowed(N_("只有管理员可以修改检查模板"))
    base = session.get(ChecklistTemplate, template_id, with_for_update=True)
    if base is None:
        raise ValidationError(N_("模板不存在"), field="template_id")
    if not base.is_current:
        raise WorkflowError(N_("模板已有更新的版本，请在最新版本上修改"))
    cleaned = check_items(items)
    name = (name or base.name).strip()[:80] or base.name
    now = now or utcnow()
    latest = session.exec(select(sa.func.max(ChecklistTemplate.version))
                          .where(ChecklistTemplate.code == base.code)).one()
    old = {i.code: {k: getattr(i, k) for k in FIELDS}
           for i in session.exec(select(ChecklistItem).where(ChecklistItem.template_id == base.id))}
    base.is_current = False
    template = ChecklistTemplate(code=base.code, kind=base.kind, version=latest + 1, name=name,
                                 name_en=base.name_en, is_current=True, created_by=actor.id, created_at=now,
                                 settings=dict(base.settings or {}))
    session.add(template)
    session.flush()
    for order, item in enumerate(cleaned):
        session.add(ChecklistItem(template_id=template.id, sort_order=order, **item))
    new = {i["code"]: i for i in cleaned}
    changes = {"added": sorted(set(new) - set(old)), "removed": sorted(set(old) - set(new)),
               "changed": sorted(c for c in set(new) & set(old)
                                 if any(str(new[c][k]) != str(old[c][k]) for k in FIELDS))}
    audit(session, actor=actor, action="template.versioned", target_kind="checklist_template",
          target_id=template.id, details={"code": base.code, "version": template.version,
                                          "previous_id": base.id, **changes}, at=now)
    session.commit()
    return template
