"""Admin acts on configuration: the official holiday schedule of a newly published year, and the
per-channel service levels. Both move the open cases' stored deadlines (data.services.deadlines)."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session, select

from data.errors import N_, ValidationError
from data.models import CalendarDay, CaseSource, Region, Setting, User
from data.queries.settings import (
    blacklist_years,
    finding_categories,
    get_setting,
    grade_thresholds,
    limitation_years,
    rectification_days,
    supervision_thresholds,
    work_types,
)
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


LABEL_LIMIT, LABEL_EN_LIMIT, LIST_LIMIT = 20, 40, 40


def _new_code(name_en: str, taken: set[str]) -> str:
    """A code for a new entry: from its English name where it has one (office_hours), else item_N."""
    base = re.sub(r"[^a-z0-9]+", "_", name_en.lower()).strip("_")[:24]
    base = base if base and base[0].isalpha() else "item"
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}_{n}"
    return code


def _labelled_list(value, field: str, before: list[dict]) -> list[dict]:
    """A labelled list as edited on the screen: existing entries keep their codes (old records
    name them) and may be renamed or retired, never removed; new entries (no code) get one."""
    if not isinstance(value, list) or not value or len(value) > LIST_LIMIT:
        raise ValidationError(N_("请填写 1 到 %(n)s 项"), field=field, n=LIST_LIMIT)
    known = [r["code"] for r in before]
    taken, names, used, rows = set(known), set(), set(), []
    for n, raw in enumerate(value):
        where = f"{field}[{n}]"
        raw = raw if isinstance(raw, dict) else {}
        name, name_en = str(raw.get("name") or "").strip(), str(raw.get("name_en") or "").strip()
        if not 1 <= len(name) <= LABEL_LIMIT:
            raise ValidationError(N_("第 %(n)s 行：名称应为 1 到 %(limit)s 个字"), field=where, n=n + 1,
                                  limit=LABEL_LIMIT)
        if len(name_en) > LABEL_EN_LIMIT:
            raise ValidationError(N_("第 %(n)s 行：英文名称最多 %(limit)s 个字符"), field=where, n=n + 1,
                                  limit=LABEL_EN_LIMIT)
        if name in names:
            raise ValidationError(N_("第 %(n)s 行：名称与上面的重复"), field=where, n=n + 1)
        names.add(name)
        code = str(raw.get("code") or "")
        if code and code not in known or code in used:
            raise ValidationError(N_("第 %(n)s 行：代码无效"), field=where, n=n + 1)
        if not code:
            code = _new_code(name_en, taken)
            taken.add(code)
        used.add(code)
        rows.append({"code": code, "name": name, "name_en": name_en, "retired": bool(raw.get("retired"))})
    if missing := [c for c in known if c not in used]:
        raise ValidationError(N_("已有的条目不能删除（旧记录仍在使用），可以停用：%(code)s"), field=field,
                              code=missing[0])
    if all(r["retired"] for r in rows):
        raise ValidationError(N_("至少保留一项启用的条目"), field=field)
    return rows


def _work_types(value, field: str, session: Session) -> list[dict]:
    return _labelled_list(value, field, work_types(session))


def _finding_categories(value, field: str, session: Session) -> dict:
    before = finding_categories(session)
    if not isinstance(value, dict) or set(value) != set(before):
        raise ValidationError(N_("请填写问题、需求和整改三张清单的类别"), field=field)
    return {kind: _labelled_list(value[kind], f"{field}.{kind}", before[kind]) for kind in before}


WALL_SCENES = ("overview", "cases", "stations", "field")
PLAYLIST_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def _playlists(value, field: str, session: Session) -> dict:
    """The wall's saved playlists ({name: {"scenes": "overview,cases", "seconds": n, "region": "all"
    or area codes}}), opened as /wall?playlist=name."""
    if not isinstance(value, dict) or len(value) > LIST_LIMIT:
        raise ValidationError(N_("请填写 0 到 %(n)s 个播放列表"), field=field, n=LIST_LIMIT)
    clean = {}
    for name, entry in value.items():
        where = f"{field}.{name}"
        if not PLAYLIST_NAME.match(str(name)):
            raise ValidationError(N_("播放列表名称只能用小写字母、数字和连字符（最多 40 个）：%(name)s"),
                                  field=where, name=name)
        entry = entry if isinstance(entry, dict) else {}
        scenes = [s for s in str(entry.get("scenes") or "").split(",") if s]
        if not scenes or not set(scenes) <= set(WALL_SCENES) or len(set(scenes)) != len(scenes):
            raise ValidationError(N_("%(name)s：请至少选择一个场景"), field=where, name=name)
        seconds = _whole(entry.get("seconds"), low=5, high=600, field=where)
        region = str(entry.get("region") or "all")
        if region != "all":
            codes = region.split(",")
            found = set(session.exec(select(Region.area_code).where(Region.area_code.in_(codes),
                                                                    Region.valid_to.is_(None))).all())
            if len(codes) != len(set(codes)) or found != set(codes):
                raise ValidationError(N_("%(name)s：区域不存在或已停用"), field=where, name=name)
        clean[str(name)] = {"scenes": ",".join(scenes), "seconds": seconds, "region": region}
    return clean


# the settings edited on /admin/settings, each with its check (the rest have their own screens)
EDITABLE = {
    "case.large_amount_yuan": lambda v, f, _s: _whole(v, low=1, high=1_000_000_000, field=f),
    "case.large_workers": lambda v, f, _s: _whole(v, low=1, high=100_000, field=f),
    "grade.thresholds": lambda v, f, _s: _grades(v, f),
    "rectification.due_working_days": lambda v, f, _s: _whole(v, low=1, high=250, field=f),
    "case.limitation_years": lambda v, f, _s: _whole(v, low=1, high=10, field=f),
    "blacklist.years": lambda v, f, _s: _whole(v, low=1, high=10, field=f),
    "worklog.work_types": _work_types,
    "walkthrough.finding_categories": _finding_categories,
    "wall.playlists": _playlists,
}

# what the rules use now, built-in defaults included: saving the page as shown changes nothing
IN_EFFECT = {
    "case.large_amount_yuan": lambda session: supervision_thresholds(session).large_amount_cents // 100,
    "case.large_workers": lambda session: supervision_thresholds(session).many_workers,
    "grade.thresholds": grade_thresholds,
    "rectification.due_working_days": rectification_days,
    "case.limitation_years": limitation_years,
    "blacklist.years": blacklist_years,
    "worklog.work_types": work_types,
    "walkthrough.finding_categories": finding_categories,
    "wall.playlists": lambda session: get_setting(session, key="wall.playlists", default={}) or {},
}


def update_settings(session: Session, *, actor: Actor | User | None, values: dict) -> list[str]:
    """Store settings edited on the admin screen ({key: value}, keys of EDITABLE), each checked
    first (nothing is written when one is refused); one audit event per changed key with the old
    and new value. Returns the keys that changed. Raises ValidationError naming the field."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValidationError(N_("不能在此修改的设置"), field=sorted(unknown)[0])
    clean = {key: EDITABLE[key](value, key, session) for key, value in values.items()}
    changed = []
    for key, value in clean.items():
        setting = session.get(Setting, key) or Setting(key=key, value=None)
        if IN_EFFECT[key](session) == value:
            continue
        audit(session, actor=actor, action="settings.update", target_kind="setting", target_id=key,
              details={"before": setting.value, "after": value})
        setting.value, setting.updated_at, setting.updated_by = value, utcnow(), getattr(actor, "id", None)
        session.add(setting)
        changed.append(key)
    session.commit()
    return changed
