"""A field record's history (审核 and edits): who changed it, when, which fields, and the return
it answered — read from the audit log's `<kind>.edited` events and `record_revision`. The caller
has checked that the records are in the reader's regions (their pages list only those)."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlmodel import Session, select

from data.models import AuditEvent, RecordRevision, User


def history(session: Session, kind: str, record_ids: list[int]) -> dict[int, list[dict]]:
    """{record id: [{"revision", "at", "by", "changed", "answered"}…]} oldest first: each edit made
    version `revision`, changing the fields named in `changed`; `answered` is the reason of the
    return it answered (None when the author changed it unasked)."""
    if not record_ids:
        return {}
    events = session.exec(select(AuditEvent.target_id, AuditEvent.at,
                                 sa.func.coalesce(User.display_name, AuditEvent.actor_name), AuditEvent.details)
                          .join(User, User.id == AuditEvent.actor_id, isouter=True)
                          .where(AuditEvent.action == f"{kind}.edited",
                                 AuditEvent.target_id.in_([str(i) for i in record_ids]))
                          .order_by(AuditEvent.at, AuditEvent.id)).all()
    reasons = {(rid, rev): (body or {}).get("review_note") for rid, rev, body in session.exec(
        select(RecordRevision.record_id, RecordRevision.revision, RecordRevision.body)
        .where(RecordRevision.record_kind == kind, RecordRevision.record_id.in_(record_ids))).all()}
    out: dict[int, list[dict]] = defaultdict(list)
    for target, at, by, details in events:
        record_id, revision = int(target), int((details or {}).get("revision") or 0)
        out[record_id].append({"revision": revision, "at": at, "by": by,
                               "changed": list((details or {}).get("changed") or []),
                               "answered": reasons.get((record_id, revision - 1))})
    return dict(out)
