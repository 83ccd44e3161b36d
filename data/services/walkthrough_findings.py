"""What leaders do with the three lists of a walkthrough (走流程): turn a finding into a
rectification (the same loop as an audit's failed item), and move a fix item along
open → in_progress → done (with the date and who signed it off).

Recording walks and their findings is the field app's (data/services/walkthroughs.py).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from data.errors import N_, NotAllowed, ValidationError, WorkflowError
from data.models import (
    FindingList,
    FindingStatus,
    Rectification,
    RectificationSource,
    Role,
    ServiceItem,
    Walkthrough,
    WalkthroughFinding,
)
from data.rules.findings import fix_may_move
from data.services import rectifications
from data.services.common import Actor, audit
from data.types import utcnow

LEADERS = (Role.leader, Role.admin)


def _load(session: Session, actor: Actor, finding_id: int) -> WalkthroughFinding:
    finding = session.get(WalkthroughFinding, finding_id, with_for_update=True)
    if finding is None or not actor.scope.covers(finding.path):
        raise NotAllowed(N_("该条目不存在或不在您的管辖范围内"))
    return finding


def finding_to_rectification(session: Session, *, actor: Actor, finding_id: int, today: date,
                             station_id: int | None = None, due_days: int | None = None,
                             now: datetime | None = None) -> Rectification:
    """Make a rectification of a walkthrough's finding, due in `due_days` working days (the
    configured default when None), at the walk's station or another the leader picks.

    Raises NotAllowed (role, scope, station), WorkflowError (the finding already has one),
    ValidationError (no station, bad deadline)."""
    if actor.role not in LEADERS:
        raise NotAllowed(N_("只有局领导和管理员可以把走流程发现转为整改"))
    finding = _load(session, actor, finding_id)
    existing = session.exec(select(Rectification.id).where(Rectification.finding_id == finding.id)).first()
    if existing is not None:
        raise WorkflowError(N_("该条目已转为整改（第 %(id)s 号）"), id=existing)
    walk = session.get(Walkthrough, finding.walkthrough_id)
    station = station_id or walk.station_id
    if not station:
        raise ValidationError(N_("请选择整改单位"), field="station_id")
    service = session.exec(select(ServiceItem.name).where(ServiceItem.code == walk.service_item_code)).first()
    # the record's own words, in the language it was written in (like the walk's note)
    detail = "\n".join(filter(None, [f"走流程 {walk.walked_on:%Y-%m-%d} · {service or walk.service_item_code}",
                                     finding.measure]))
    now = now or utcnow()
    rect = rectifications.assign(session, actor=actor, station_id=int(station), title=finding.text[:200],
                                 detail=detail, today=today, due_days=due_days,
                                 source=RectificationSource.walkthrough, finding_id=finding.id, now=now)
    audit(session, actor=actor, action="walkthrough_finding.rectified", target_kind="walkthrough_finding",
          target_id=finding.id, details={"rectification_id": rect.id, "list_kind": str(finding.list_kind)}, at=now)
    session.commit()
    return rect


def set_fix_status(session: Session, *, actor: Actor, finding_id: int, status: FindingStatus | str, today: date,
                   now: datetime | None = None) -> WalkthroughFinding:
    """Move a fix item (整改清单) to `status`; done records today and the actor as sign-off,
    reopening clears them. Raises NotAllowed, WorkflowError, ValidationError."""
    if actor.role not in LEADERS:
        raise NotAllowed(N_("只有局领导和管理员可以更新整改清单"))
    try:
        target = FindingStatus(status)
    except ValueError:
        raise ValidationError(N_("取值无效"), field="status") from None
    finding = _load(session, actor, finding_id)
    if finding.list_kind != FindingList.fix:
        raise WorkflowError(N_("只有整改清单中的条目有办理状态"))
    if not fix_may_move(finding.status, target):
        raise WorkflowError(N_("该整改条目当前不能改为这个状态"))
    before = finding.status
    finding.status = target
    if target == FindingStatus.done:
        finding.done_on, finding.signed_off_by = today, actor.id
    else:
        finding.done_on = finding.signed_off_by = None
    now = now or utcnow()
    audit(session, actor=actor, action="walkthrough_finding.status_changed", target_kind="walkthrough_finding",
          target_id=finding.id, details={"from": str(before), "to": str(target)}, at=now)
    session.commit()
    return finding
