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


def _whole(value, *, low: int, high: int, field: str) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(N_("请填写 %(low)s 到 %(high)s 之间的整数"), field=field, low=low, high=high)
    return value


def _grades(value, field: str) -> dict:
    if not isinstance(value, dict) or set(value) != {"model", "standard", "rectify"}:
        raise ValidationError(N_("请填写示范、达标和限期整改三条分数线"), field=field)
    clean = {k: _whole(value[k], low=0, high=100, field=f"{field}.{k}") for k in ("model", "standard", "rectify")}
    if not clean["model"] >= clean["standard"] >= clean["rectify"]:
        raise ValidationError(N_("分数线应为 示范 ≥ 达标 ≥ 限期整改"), field=field)
    return clean


# the settings edited on /admin/settings, each with its check (the rest have their own screens)
EDITABLE = {
    "case.large_amount_yuan": lambda v, f: _whole(v, low=1, high=1_000_000_000, field=f),
    "case.large_workers": lambda v, f: _whole(v, low=1, high=100_000, field=f),
    "grade.thresholds": _grades,
    "rectification.due_working_days": lambda v, f: _whole(v, low=1, high=250, field=f),
}


def update_settings(session: Session, *, actor: Actor | User | None, values: dict) -> list[str]:
    """Store settings edited on the admin screen ({key: value}, keys of EDITABLE), each checked
    first (nothing is written when one is refused); one audit event per changed key with the old
    and new value. Returns the keys that changed. Raises ValidationError naming the field."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValidationError(N_("不能在此修改的设置"), field=sorted(unknown)[0])
    clean = {key: EDITABLE[key](value, key) for key, value in values.items()}
    changed = []
    for key, value in clean.items():
        setting = session.get(Setting, key) or Setting(key=key, value=None)
        if setting.value == value:
            continue
        audit(session, actor=actor, action="settings.update", target_kind="setting", target_id=key,
              details={"before": setting.value, "after": value})
        setting.value, setting.updated_at, setting.updated_by = value, utcnow(), getattr(actor, "id", None)
        session.add(setting)
        changed.append(key)
    session.commit()
    return changed
