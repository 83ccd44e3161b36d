"""Leaders read the cadres' work logs and comment on them (察看工作日志); the cadre reads the
comments under their own logs (on /logs, and in the field app through the API) and marks
them read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, select

from data.errors import N_, NotAllowed, ValidationError
from data.models import Role, WorkLog, WorkLogComment
from data.services.common import Actor, audit
from data.types import utcnow

COMMENTERS = (Role.leader, Role.admin)
TEXT_LIMIT = 1000


def comment(session: Session, *, actor: Actor, work_log_id: int, text: str | None,
            now: datetime | None = None) -> WorkLogComment:
    """A leader's comment on a log in their regions. Raises NotAllowed, ValidationError."""
    if actor.role not in COMMENTERS:
        raise NotAllowed(N_("只有局领导和管理员可以点评工作日志"))
    log = session.get(WorkLog, work_log_id)
    if log is None or not actor.scope.covers(log.path):
        raise NotAllowed(N_("工作日志不存在或不在您的管辖范围内"))
    text = (text or "").strip()
    if not text:
        raise ValidationError(N_("请填写点评内容"), field="text")
    if len(text) > TEXT_LIMIT:
        raise ValidationError(N_("内容过长（最多 %(limit)s 字）"), field="text", limit=TEXT_LIMIT)
    now = now or utcnow()
    row = WorkLogComment(work_log_id=log.id, author_id=actor.id, text=text, created_at=now)
    session.add(row)
    session.flush()
    audit(session, actor=actor, action="work_log.commented", target_kind="work_log", target_id=log.id,
          details={"comment_id": row.id}, at=now)
    session.commit()
    return row


def mark_read(session: Session, *, actor: Actor, comment_ids: Iterable[int],
              now: datetime | None = None) -> list[int]:
    """The cadre has read these comments on their own logs; returns the ids newly marked (a
    comment read before keeps its first read time). Raises NotAllowed when an id is not a
    comment on one of the actor's logs."""
    ids = sorted({int(i) for i in comment_ids})
    if not ids:
        return []
    rows = session.exec(select(WorkLogComment, WorkLog.user_id).join(WorkLog, WorkLog.id == WorkLogComment.work_log_id)
                        .where(WorkLogComment.id.in_(ids))).all()
    if len(rows) != len(ids) or any(owner != actor.id for _comment, owner in rows):
        raise NotAllowed(N_("只能标记自己日志下的点评"))
    now = now or utcnow()
    marked = []
    for row, _owner in rows:
        if row.read_at is None:
            row.read_at = now
            marked.append(row.id)
    if marked:
        audit(session, actor=actor, action="work_log_comment.read", target_kind="work_log_comment",
              target_id=marked[0], details={"ids": marked}, at=now)
        session.commit()
    return marked
