"""The one clock: the bureau's date and time in its configured zone (`TIME_ZONE`, default
Asia/Shanghai), whatever zone the host runs in.

A cadre's "today" is Beijing's today: on a UTC host at 23:30 UTC it is already 07:30 the next
morning in Beijing, and a work log dated that morning must be accepted. Nothing in the app reads
the host's local date (date.today(), datetime.now() without a zone, time.localtime()); the web
layer's today()/now() (web/context.py) and the CLI come here. Timestamps are still stored in UTC
(data/types.py); this module only says which day a moment falls on for the people who use it.

The zone is one per process, set by create_app() from the configuration.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"
_zone = ZoneInfo(DEFAULT_ZONE)


def configure(name: str | None) -> ZoneInfo:
    """Set the process's zone by its IANA name. Raises ValueError for a name the system does not know."""
    global _zone
    try:
        _zone = ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown TIME_ZONE {name!r}: an IANA name such as Asia/Shanghai") from exc
    return _zone


def zone() -> ZoneInfo:
    return _zone


def now() -> datetime:
    """The moment now, aware, in the bureau's zone."""
    return datetime.now(UTC).astimezone(_zone)


def today() -> date:
    """The bureau's date now."""
    return now().date()


def local(moment: datetime) -> datetime:
    """A stored timestamp on the bureau's clock (a naive one is taken as UTC, as SQLite hands it back)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_zone)


def start_of(day: date) -> datetime:
    """The first moment of a local date, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=_zone)


def end_of(day: date) -> datetime:
    """The last second of a local date (23:59:59 on the bureau's clock)."""
    return start_of(day + timedelta(days=1)) - timedelta(seconds=1)
