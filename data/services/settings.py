"""Admin acts on configuration: the official holiday schedule of a newly published year, and the
per-channel service levels. Both move the open cases' stored deadlines (data.services.deadlines)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from data.errors import N_, ValidationError
from data.models import CalendarDay, CaseSource, Setting, User
from data.services.common import Actor, audit
from data.services.deadlines import recompute_open_deadlines
from data.types import utcnow


def load_official_calendar(session: Session, *, actor: Actor | User | None, year: int, holidays: list[date],
                           workdays: list[date]) -> dict[str, int]:
    """Store a year's official schedule (放假 and 调休 days, as the State Council publishes it) and
    mark the year official, so its deadlines stop being provisional: the open cases' deadlines are
    counted again in the same transaction. Replaces that year's earlier load. Returns {"days",
    "open", "changed", "settled"}. Raises ValidationError for a date outside the year or on both
    lists."""
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
    counts = recompute_open_deadlines(session, actor=actor, reason=f"calendar {year}")
    session.commit()
    return {"days": len(days), **counts}


SERVICE_LEVEL_MAX = 250  # working days: about a year


def set_service_levels(session: Session, *, actor: Actor | User | None, levels: dict) -> dict[str, int]:
    """Store the per-channel service levels ({source: {"contact": n, "close": n}}, working days
    from receipt; a channel left out follows the statutory 5/60 days) and count the open cases'
    deadlines again. Returns the recompute's counts. Raises ValidationError naming the channel."""
    clean: dict[str, dict[str, int]] = {}
    for source, level in (levels or {}).items():
        if source not in {s.value for s in CaseSource}:
            raise ValidationError(N_("未知的来源渠道"), field=str(source))
        if not isinstance(level, dict) or not set(level) <= {"contact", "close"}:
            raise ValidationError(N_("时限只能填写联系和办结的工作日数"), field=source)
        values = {}
        for key, value in level.items():
            if value is None or value == "":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= SERVICE_LEVEL_MAX:
                raise ValidationError(N_("工作日数应为 1 到 250 之间的整数"), field=source)
            values[key] = value
        if "contact" in values and "close" in values and values["contact"] > values["close"]:
            raise ValidationError(N_("联系时限不能晚于办结时限"), field=source)
        if values:
            clean[source] = values
    setting = session.get(Setting, "sla.channels") or Setting(key="sla.channels", value={})
    before = setting.value
    setting.value, setting.updated_at = clean, utcnow()
    setting.updated_by = getattr(actor, "id", None)
    session.add(setting)
    audit(session, actor=actor, action="settings.update", target_kind="setting", target_id="sla.channels",
          details={"before": before, "after": clean})
    counts = recompute_open_deadlines(session, actor=actor, reason="sla.channels")
    session.commit()
    return counts
