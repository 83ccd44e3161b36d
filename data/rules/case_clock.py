"""A wage case's statutory clocks, in working days, and when it should be supervised.

- accept or reject within 5 working days of receipt;
- finish the investigation within 60 working days of acceptance, 90 with an approved extension;
- a channel may promise faster service (national clue platform: contact within 3, close within
  15 working days of receipt); the nearer deadline wins. Configurable per channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from data.models import CaseSource, CaseStatus
from data.rules.calendar import (
    DEFAULT_CALENDAR,
    Deadline,
    WorkCalendar,
    WorkingDays,
    add_working_days,
    working_days_between,
)

ACCEPT_DAYS = 5
INVESTIGATE_DAYS = 60
EXTENSION_DAYS = 30

# working days from receipt: "contact" bounds acceptance, "close" bounds the whole case
DEFAULT_SERVICE_LEVELS: dict[str, dict[str, int]] = {
    CaseSource.national_platform.value: {"contact": 3, "close": 15},
    CaseSource.hotline_12345.value: {"contact": 2, "close": 15},
}


def accept_deadline(received_on: date, source: str, *, levels: dict | None = None,
                    calendar: WorkCalendar = DEFAULT_CALENDAR, days: WorkingDays | None = None) -> Deadline:
    """`days`: a WorkingDays of `calendar`, for many deadlines at once (the same answers)."""
    count = ACCEPT_DAYS
    level = (DEFAULT_SERVICE_LEVELS if levels is None else levels).get(source, {})
    if "contact" in level:
        count = min(count, level["contact"])
    return days.add(received_on, count) if days else add_working_days(received_on, count, calendar)


def investigate_deadline(received_on: date, accepted_on: date, source: str, *, extended: bool = False,
                         levels: dict | None = None, calendar: WorkCalendar = DEFAULT_CALENDAR,
                         days: WorkingDays | None = None) -> Deadline:
    def add(start: date, count: int) -> Deadline:
        return days.add(start, count) if days else add_working_days(start, count, calendar)

    statutory = add(accepted_on, INVESTIGATE_DAYS + (EXTENSION_DAYS if extended else 0))
    level = (DEFAULT_SERVICE_LEVELS if levels is None else levels).get(source, {})
    if "close" in level and not extended:
        promised = add(received_on, level["close"])
        if promised.due < statutory.due:
            return promised
    return statutory


OPEN_STATUSES = (CaseStatus.received, CaseStatus.accepted, CaseStatus.investigating)  # a clock runs


@dataclass(frozen=True)
class StoredDeadlines:
    accept_due: date | None
    investigate_due: date | None
    provisional: bool


def stored_deadlines(*, status: CaseStatus, source: str, received_on: date, accepted_on: date | None,
                     re_reviewed_on: date | None, extended: bool, accept_due: date | None,
                     levels: dict | None = None, calendar: WorkCalendar = DEFAULT_CALENDAR,
                     days: WorkingDays | None = None) -> StoredDeadlines:
    """The deadlines an open case stores, counted again as the acts that set them count them
    (data/services/cases.py): received → the acceptance deadline; accepted or investigating → the
    investigation's (the extended one after 延期; from the reopening day after a 复查 reopened it).
    Run again when the calendar or the service levels change."""
    if status == CaseStatus.received:
        due = accept_deadline(received_on, source, levels=levels, calendar=calendar, days=days)
        return StoredDeadlines(due.due, None, due.provisional)
    started = accepted_on or received_on
    if re_reviewed_on is not None and not extended:  # reopened: a new statutory clock from that day
        due = investigate_deadline(re_reviewed_on, re_reviewed_on, CaseSource.referral, levels={},
                                   calendar=calendar, days=days)
    else:
        due = investigate_deadline(received_on, started, source, extended=extended, levels=levels,
                                   calendar=calendar, days=days)
    return StoredDeadlines(accept_due, due.due, due.provisional)


class ClockStage(StrEnum):
    accept = "accept"
    investigate = "investigate"


@dataclass(frozen=True)
class CaseClock:
    """What a case's badge shows: which clock runs, until when, how many working days remain."""

    stage: ClockStage | None  # None: no clock runs (decided, closed, rejected)
    due: date | None = None
    days_left: int | None = None  # negative when overdue
    provisional: bool = False

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


def case_clock(*, status: CaseStatus, accept_due: date | None, investigate_due: date | None, today: date,
               provisional: bool = False, calendar: WorkCalendar = DEFAULT_CALENDAR) -> CaseClock:
    if status == CaseStatus.received and accept_due:
        stage, due = ClockStage.accept, accept_due
    elif status in (CaseStatus.accepted, CaseStatus.investigating) and investigate_due:
        stage, due = ClockStage.investigate, investigate_due
    else:
        return CaseClock(None)
    return CaseClock(stage, due, working_days_between(today, due, calendar), provisional)


class SupervisionReason(StrEnum):
    overdue = "overdue"
    large_amount = "large_amount"
    many_workers = "many_workers"
    mass_incident = "mass_incident"
    public_opinion = "public_opinion"


@dataclass(frozen=True)
class SupervisionThresholds:
    large_amount_cents: int = 500_000 * 100  # ¥500,000
    many_workers: int = 30
    extra: dict = field(default_factory=dict)


def supervision_reasons(*, status: CaseStatus, overdue: bool, amount_claimed_cents: int, workers: int,
                        mass_incident: bool, public_opinion: bool = False,
                        thresholds: SupervisionThresholds = SupervisionThresholds()) -> list[SupervisionReason]:
    """Why an open case should be put under a supervision order (督办); empty when it need not."""
    if status not in (CaseStatus.received, CaseStatus.accepted, CaseStatus.investigating):
        return []
    reasons = []
    if overdue:
        reasons.append(SupervisionReason.overdue)
    if amount_claimed_cents >= thresholds.large_amount_cents:
        reasons.append(SupervisionReason.large_amount)
    if workers >= thresholds.many_workers:
        reasons.append(SupervisionReason.many_workers)
    if mass_incident:
        reasons.append(SupervisionReason.mass_incident)
    if public_opinion:
        reasons.append(SupervisionReason.public_opinion)
    return reasons
