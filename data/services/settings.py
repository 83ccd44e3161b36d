"""Admin acts on configuration: the official holiday schedule of a newly published year."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from data.errors import N_, ValidationError
from data.models import CalendarDay, Setting, User
from data.services.common import Actor, audit
from data.types import utcnow


def load_official_calendar(session: Session, *, actor: Actor | User | None, year: int, holidays: list[date],
                           workdays: list[date]) -> int:
    """Store a year's official schedule (放假 and 调休 days, as the State Council publishes it) and
    mark the year official, so its deadlines stop being provisional. Replaces that year's
    earlier load. Raises ValidationError for a date outside the year or on both lists."""
    days = [(d, False) for d in holidays] + [(d, True) for d in workdays]
    if any(d.year != year for d, _ in days):
        raise ValidationError(N_("日期不在所填年份内"), field="year")
    if set(holidays) & set(workdays):
        raise ValidationError(N_("同一天不能既是假日又是调休工作日"), field="days")
    for old in session.exec(select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                                      CalendarDay.day <= date(year, 12, 31))):
        session.delete(old)
    session.flush()
    for day, working in days:
        session.add(CalendarDay(day=day, is_working=working))
    setting = session.get(Setting, "calendar.official_years") or Setting(key="calendar.official_years", value=[])
    setting.value = sorted(set(setting.value or []) | {year})
    setting.updated_at = utcnow()
    session.add(setting)
    audit(session, actor=actor, action="calendar.load", target_kind="calendar", target_id=year,
          details={"holidays": len(holidays), "workdays": len(workdays)})
    session.commit()
    return len(days)
