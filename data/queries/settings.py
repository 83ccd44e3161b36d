"""Configurable rule values (data.models.Setting) and the working-day calendar as loaded by
admins: what the rules take as parameters, read from the database."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from data.db import read_once
from data.models import CalendarDay, Setting, WageCase
from data.rules.calendar import DEFAULT_CALENDAR, WorkCalendar, package_years
from data.rules.case_clock import DEFAULT_SERVICE_LEVELS, OPEN_STATUSES, SupervisionThresholds


def get_setting(session: Session, *, key: str, default=None):
    """A setting's value (`default` when unset); read once for a whole batch of records
    (data.db.reads_kept)."""
    value = read_once(session, ("setting", key), lambda: _value(session, key))
    return default if value is _UNSET else value


_UNSET = object()


def _value(session: Session, key: str):
    row = session.get(Setting, key)
    return _UNSET if row is None else row.value


GENERATION = "data.generation"


def data_generation(session: Session) -> int:
    """A counter every import moves: caches of what imports can edit in place (region names
    and shapes, stations) carry it in their keys."""
    value = get_setting(session, key=GENERATION, default=0)
    return value if isinstance(value, int) else 0


def service_levels(session: Session) -> dict:
    """Per-channel service levels in working days ({source: {"contact": n, "close": n}})."""
    value = get_setting(session, key="sla.channels")
    return value if isinstance(value, dict) else DEFAULT_SERVICE_LEVELS


def supervision_thresholds(session: Session) -> SupervisionThresholds:
    default = SupervisionThresholds()
    yuan = get_setting(session, key="case.large_amount_yuan")
    workers = get_setting(session, key="case.large_workers")
    return SupervisionThresholds(
        large_amount_cents=int(yuan * 100) if isinstance(yuan, (int, float)) else default.large_amount_cents,
        many_workers=int(workers) if isinstance(workers, (int, float)) else default.many_workers)


def work_calendar(session: Session) -> WorkCalendar:
    """The official calendar: the package's years, plus the days an admin loaded (holidays and
    make-up working days of a newly published year), which win."""
    days = session.exec(select(CalendarDay.day, CalendarDay.is_working)).all()
    if not days:
        return DEFAULT_CALENDAR  # shared, so what it has counted is kept between requests
    complete = get_setting(session, key="calendar.official_years", default=[]) or []
    return WorkCalendar(overrides={day: working for day, working in days},
                        official_years=frozenset(int(y) for y in complete))


def grade_thresholds(session: Session) -> dict:
    """Score thresholds of the grades ({"model": 90, "standard": 80, "rectify": 60})."""
    from data.rules.scoring import DEFAULT_THRESHOLDS
    value = get_setting(session, key="grade.thresholds")
    if isinstance(value, dict) and all(isinstance(value.get(k), (int, float)) for k in DEFAULT_THRESHOLDS):
        return {k: float(value[k]) for k in DEFAULT_THRESHOLDS}
    return dict(DEFAULT_THRESHOLDS)


def rectification_days(session: Session) -> int:
    """Working days a station has to fix a failed item (整改期限)."""
    value = get_setting(session, key="rectification.due_working_days")
    return int(value) if isinstance(value, int) and 1 <= value <= 250 else 15


def limitation_years(session: Session) -> int:
    """Years after which a wage-arrears violation is no longer pursued (时效; the law says 2)."""
    from data.rules.limitation import DEFAULT_YEARS
    value = get_setting(session, key="case.limitation_years")
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10 else DEFAULT_YEARS


def blacklist_years(session: Session) -> int:
    """Years an employer stays on the published 失信联合惩戒名单 (the rules say 3)."""
    value = get_setting(session, key="blacklist.years")
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10 else 3


# --- labelled lists: the kinds of work a log names, the categories of a walkthrough's findings ------
# Stored as [{"code", "name", "name_en", "retired"}]. Codes stay for good (old records name them); a
# retired entry is no longer offered on new records but still names the old ones.

def _labelled(value, defaults: dict[str, tuple[str, str]]) -> list[dict]:
    rows = [{"code": str(v["code"]), "name": str(v.get("name") or v["code"]),
             "name_en": str(v.get("name_en") or ""), "retired": bool(v.get("retired"))}
            for v in value if isinstance(v, dict) and v.get("code")] if isinstance(value, list) else []
    return rows or [{"code": code, "name": name, "name_en": name_en, "retired": False}
                    for code, (name, name_en) in defaults.items()]


def work_types(session: Session, *, offered: bool = False) -> list[dict]:
    """The kinds of work a log may name (setting worklog.work_types, else the built-in list), in
    their configured order; `offered`: only those new logs may choose."""
    from data.checklists import WORK_TYPES
    rows = _labelled(get_setting(session, key="worklog.work_types"), WORK_TYPES)
    return [r for r in rows if not (offered and r["retired"])]


def finding_categories(session: Session, *, offered: bool = False) -> dict[str, list[dict]]:
    """{list_kind: [{"code", "name", "name_en", "retired"}]} for the issue, need and fix lists of a
    walkthrough (setting walkthrough.finding_categories, else the built-in lists)."""
    from data.checklists import FINDING_CATEGORIES
    value = get_setting(session, key="walkthrough.finding_categories")
    value = value if isinstance(value, dict) else {}
    out = {kind: _labelled(value.get(kind), defaults) for kind, defaults in FINDING_CATEGORIES.items()}
    return {kind: [r for r in rows if not (offered and r["retired"])] for kind, rows in out.items()}


def label_names(rows: list[dict], *, english: bool) -> dict[str, str]:
    """{code: name} of a labelled list in one language (the Chinese name when no English one)."""
    return {r["code"]: (r["name_en"] if english and r["name_en"] else r["name"]) for r in rows}


def calendar_status(session: Session, *, today_year: int) -> dict:
    """The years around today and how their working days are known — "package" (the official
    schedules shipped with the product), "loaded" (an admin loaded the State Council's notice) or
    "provisional" (Monday–Friday until one is loaded) — and how many open cases still have a
    provisional deadline: {"years": [{"year", "source"}], "provisional_open": n}."""
    first, last = package_years()
    loaded = {int(y) for y in get_setting(session, key="calendar.official_years", default=[]) or []}
    provisional = session.exec(select(func.count()).select_from(WageCase).where(
        WageCase.status.in_(OPEN_STATUSES), WageCase.deadline_provisional.is_(True))).one()
    years = sorted({*range(max(first, today_year - 1), today_year + 2), *loaded})
    return {"years": [{"year": y, "source": "loaded" if y in loaded else "package" if first <= y <= last
                       else "provisional"} for y in years], "provisional_open": provisional}
