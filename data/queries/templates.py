"""Checklist templates as stored: the current version of each, a version's items, history."""

from __future__ import annotations

from sqlmodel import Session, select

from data.models import ChecklistItem, ChecklistTemplate, InspectionKind, TemplateKind

KIND_FOR_INSPECTION = {InspectionKind.station_check: TemplateKind.standardisation,
                       InspectionKind.window_audit: TemplateKind.window_audit}


def current_templates(session: Session) -> list[ChecklistTemplate]:
    return list(session.exec(select(ChecklistTemplate).where(ChecklistTemplate.is_current.is_(True))
                             .order_by(ChecklistTemplate.kind, ChecklistTemplate.code)))


def current_template(session: Session, kind: TemplateKind | str) -> ChecklistTemplate | None:
    return session.exec(select(ChecklistTemplate).where(ChecklistTemplate.kind == kind,
                                                        ChecklistTemplate.is_current.is_(True))
                        .order_by(ChecklistTemplate.version.desc())).first()


def template_items(session: Session, template_id: int) -> list[ChecklistItem]:
    return list(session.exec(select(ChecklistItem).where(ChecklistItem.template_id == template_id)
                             .order_by(ChecklistItem.sort_order, ChecklistItem.id)))


def versions(session: Session, code: str) -> list[ChecklistTemplate]:
    return list(session.exec(select(ChecklistTemplate).where(ChecklistTemplate.code == code)
                             .order_by(ChecklistTemplate.version.desc())))


def item_dict(item: ChecklistItem) -> dict:
    """An item as plain data (what the scoring rules, the forms and the field app read)."""
    return {"code": item.code, "category": item.category, "text": item.text, "text_en": item.text_en,
            "answer_type": str(item.answer_type), "weight": item.weight, "veto": item.veto,
            "evidence": item.evidence or {}, "rule": item.rule or {}}
