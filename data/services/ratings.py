"""好差评 (DOMAIN.md §2–3): every 差评 of a station's window service is followed up (回访整改) as a
rectification of the station — owner, deadline, report, re-check and sign-off like any other fix
— made when the rating comes in (the import, or the demo)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from data.models import Rectification, RectificationSource, RectificationStatus, ServiceRating, Station
from data.queries.settings import rectification_days, work_calendar
from data.rules.calendar import add_working_days
from data.services.common import audit
from data.services.inspections import responsible
from data.types import utcnow

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


def is_negative(score: int | None, bad: bool | None = None) -> bool:
    """差评: 不满意 or 非常不满意 (levels 1–2); a system that says only 好/差 says it itself."""
    return bool(bad) if score is None else score <= 2


def follow_up(session: Session, *, rating: ServiceRating, station: Station, actor, today: date,
              now: datetime | None = None) -> Rectification:
    """The rectification that follows a 差评 up: the station's to fix in the configured working days
    from the rating's day (or from today, for a rating that comes in late), owned by the station's
    head and its seconded deputy. Added and audited, not committed."""
    now = now or utcnow()
    start = max(rating.rated_on, today)
    due = add_working_days(start, rectification_days(session), work_calendar(session)).due
    person, user_id = responsible(session, station, today)
    subject = " · ".join(x for x in (rating.window, rating.item) if x) or station.name
    level = LEVELS.get(rating.score, "差评") if rating.score else "差评"
    rect = Rectification(source=RectificationSource.rating, station_id=station.id, path=station.path,
                         title=f"差评回访：{subject}"[:200],
                         detail=f"{rating.rated_on.isoformat()} {level}（评价编号 {rating.rating_no}）"
                                + (f"：{rating.comment}" if rating.comment else ""),
                         responsible_person=person, responsible_user_id=user_id, due_on=due,
                         status=RectificationStatus.open, created_by=getattr(actor, "id", None), created_at=now)
    session.add(rect)
    session.flush()
    rating.rectification_id = rect.id
    session.add(rating)
    audit(session, actor=actor, action="rectification.created", target_kind="rectification", target_id=rect.id,
          details={"rating_no": rating.rating_no, "due_on": due.isoformat()}, at=now)
    return rect
