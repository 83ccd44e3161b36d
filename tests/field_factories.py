"""Test data of the field work — walkthroughs with their findings, work-log comments and photo
rows — as make_…(session, **overrides) helpers (the rest is in tests/factories.py)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime

from sqlmodel import Session

from data.models import (
    Attachment,
    FindingList,
    FindingStatus,
    ServiceItem,
    Station,
    User,
    WalkChannel,
    WalkMode,
    Walkthrough,
    WalkthroughFinding,
    WorkLog,
    WorkLogComment,
)

_serial = itertools.count(1)


def make_service_item(session: Session, *, code: str = "ss_card_apply", name: str = "社保卡申领",
                      materials: list[str] | None = None, **overrides) -> ServiceItem:
    values = dict(code=code, name=name, name_en=overrides.pop("name_en", None),
                  published_materials=["居民身份证", "近期免冠照片"] if materials is None else materials,
                  sort_order=next(_serial))
    values.update(overrides)
    item = ServiceItem(**values)
    session.add(item)
    session.commit()
    return item


def steps(*seconds: int) -> list[dict]:
    """Timed steps of a walk: consult, accept, handle … with these durations."""
    names = ["consult", "accept", "handle", "feedback", "query"]
    return [{"name": names[i % 5], "started_at": "2026-10-12T01:00:00+00:00", "seconds": s}
            for i, s in enumerate(seconds)]


def make_walkthrough(session: Session, *, user: User, station: Station, walked_on: date = date(2026, 10, 12),
                     service: str = "ss_card_apply", **overrides) -> Walkthrough:
    values = dict(user_id=user.id, station_id=station.id, path=station.path, service_item_code=service,
                  channel=WalkChannel.window, mode=WalkMode.in_person, place=station.name, walked_on=walked_on,
                  steps=steps(300, 120, 900), trips=1, materials_asked=["居民身份证"],
                  materials_published=["居民身份证", "近期免冠照片"], note="以群众身份体验办理全流程。")
    values.update(overrides)
    walk = Walkthrough(**values)
    session.add(walk)
    session.commit()
    return walk


def make_finding(session: Session, *, walk: Walkthrough, list_kind: FindingList | str = FindingList.issue,
                 **overrides) -> WalkthroughFinding:
    kind = FindingList(list_kind)
    values = dict(walkthrough_id=walk.id, path=walk.path, list_kind=kind, category="waiting",
                  text={"issue": "高峰时段排队等候时间过长", "need": "希望提供错时延时服务",
                        "fix": "高峰时段增开弹性窗口"}[kind],
                  status=FindingStatus.open)
    if kind == FindingList.fix:
        values.update(measure="高峰时段增开弹性窗口", owner="服务大厅王明", due_on=date(2026, 11, 1))
    values.update(overrides)
    finding = WalkthroughFinding(**values)
    session.add(finding)
    session.commit()
    return finding


def make_comment(session: Session, *, log: WorkLog, author: User, text: str = "工作扎实，继续保持。",
                 **overrides) -> WorkLogComment:
    values = dict(work_log_id=log.id, author_id=author.id, text=text,
                  created_at=datetime(log.log_date.year, log.log_date.month, log.log_date.day, 12, tzinfo=UTC))
    values.update(overrides)
    comment = WorkLogComment(**values)
    session.add(comment)
    session.commit()
    return comment


def make_photo_row(session: Session, *, owner_kind: str, owner_uuid: uuid.UUID, path: str, **overrides) -> Attachment:
    """An attachment row only (no file behind it): for queries that list photos."""
    photo = uuid.uuid4()
    values = dict(uuid=photo, owner_kind=owner_kind, owner_uuid=owner_uuid, path=path, content_type="image/jpeg",
                  size_bytes=1000, sha256="0" * 64, storage_key=f"{photo.hex[:2]}/{photo}.jpg")
    values.update(overrides)
    row = Attachment(**values)
    session.add(row)
    session.commit()
    return row
