"""Reads for the field app: the lists it keeps offline, the user's own records for reconciling
its outbox, and where a photo's owner record lies."""

from __future__ import annotations

import uuid as uuid_lib
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from data.db import read_once
from data.models import (
    Inspection,
    Rectification,
    ServiceItem,
    User,
    Walkthrough,
    WalkthroughFinding,
    WorkLog,
    WorkLogComment,
)

RECORD_KINDS = ("walkthrough", "work_log", "inspection", "photo")
RECORDS_LIMIT = 2000


def active_service_items(session: Session) -> list[ServiceItem]:
    return list(session.exec(select(ServiceItem).where(ServiceItem.active.is_(True))
                             .order_by(ServiceItem.sort_order, ServiceItem.code)))


def comments_on_logs_of(session: Session, *, user_id: int, limit: int = 200) -> list[dict]:
    """Leaders' comments on the user's work logs, newest first."""
    rows = session.exec(
        select(WorkLogComment.uuid, WorkLog.uuid.label("work_log_uuid"), User.display_name.label("author"),
               WorkLogComment.text, WorkLogComment.created_at)
        .join(WorkLog, WorkLog.id == WorkLogComment.work_log_id)
        .join(User, User.id == WorkLogComment.author_id)
        .where(WorkLog.user_id == user_id)
        .order_by(WorkLogComment.created_at.desc(), WorkLogComment.id.desc()).limit(limit))
    return [dict(row._mapping) for row in rows]


def records_of(session: Session, *, user_id: int, kind: str | None = None, since: datetime | None = None,
               limit: int = RECORDS_LIMIT) -> list[dict]:
    """What the user has stored, for the field app to reconcile its outbox:
    [{"uuid", "kind", "created_at", "status"}], newest first."""
    from data.models import Attachment

    parts = {
        "walkthrough": select(Walkthrough.uuid, sa.literal("walkthrough").label("kind"), Walkthrough.created_at,
                              sa.literal("recorded").label("status")).where(Walkthrough.user_id == user_id),
        "work_log": select(WorkLog.uuid, sa.literal("work_log").label("kind"), WorkLog.created_at,
                           sa.literal("recorded").label("status")).where(WorkLog.user_id == user_id),
        "inspection": select(Inspection.uuid, sa.literal("inspection").label("kind"), Inspection.created_at,
                             Inspection.status.label("status")).where(Inspection.lead_auditor_id == user_id),
        "photo": select(Attachment.uuid, sa.literal("photo").label("kind"), Attachment.created_at,
                        sa.literal("stored").label("status")).where(Attachment.uploaded_by == user_id),
    }
    tables = {"walkthrough": Walkthrough, "work_log": WorkLog, "inspection": Inspection, "photo": Attachment}
    chosen = [kind] if kind else list(RECORD_KINDS)
    queries = []
    for name in chosen:
        query = parts[name]
        if since is not None:
            query = query.where(tables[name].created_at >= since)
        queries.append(query)
    union = sa.union_all(*queries).subquery() if len(queries) > 1 else queries[0].subquery()
    rows = session.execute(sa.select(*union.c).order_by(union.c.created_at.desc()).limit(limit))
    return [{"uuid": row.uuid, "kind": row.kind, "created_at": row.created_at, "status": str(row.status)}
            for row in rows]


OWNER_TABLES = {"walkthrough": (Walkthrough, "user_id"), "finding": (WalkthroughFinding, None),
                "work_log": (WorkLog, "user_id"), "inspection": (Inspection, "lead_auditor_id"),
                "rectification": (Rectification, None)}


def photo_owner(session: Session, *, kind: str, owner_uuid: uuid_lib.UUID) -> tuple[str, int | None] | None:
    """(path, author id) of the record a photo belongs to, or None while it has not arrived."""
    table, author = OWNER_TABLES[kind]
    columns = [table.path, getattr(table, author) if author else sa.null()]
    if kind == "finding":
        columns[1] = Walkthrough.user_id
        row = session.exec(select(*columns).join(Walkthrough, Walkthrough.id == WalkthroughFinding.walkthrough_id)
                           .where(WalkthroughFinding.uuid == owner_uuid)).first()
    else:
        row = session.exec(select(*columns).where(table.uuid == owner_uuid)).first()
    return None if row is None else (row[0], row[1])


def findings_of(session: Session, walkthrough_id: int) -> list[WalkthroughFinding]:
    """A walkthrough's findings in the order they were made; in a batch, a walkthrough just stored
    answers with the findings it made (data.services.walkthroughs.record_walkthrough)."""
    return read_once(session, ("findings", walkthrough_id), lambda: list(session.exec(
        select(WalkthroughFinding).where(WalkthroughFinding.walkthrough_id == walkthrough_id)
        .order_by(WalkthroughFinding.id))))
