"""Numbers the way leaders read them: 万元 for money, thousands separators, percentages."""

from __future__ import annotations

from data import clock


def count(n: int | None) -> str:
    return "—" if n is None else f"{n:,}"


def wan_yuan(cents: int | None, digits: int = 1) -> str:
    """Cents as 万元 (ten-thousands of yuan), e.g. 123_456_700 → "12.3"."""
    if cents is None:
        return "—"
    return f"{cents / 100 / 10_000:,.{digits}f}"


def percent(part: int, whole: int, digits: int = 1) -> str:
    if not whole:
        return "—"
    return f"{100 * part / whole:.{digits}f}%"


def change(current: int, previous: int) -> float | None:
    """Relative change, e.g. -0.12 for a 12% decline; None when there is nothing to compare."""
    if not previous:
        return None
    return (current - previous) / previous


def local_time(moment, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC timestamp as the clock on the office wall shows it (the bureau's zone, data/clock.py)."""
    if moment is None:
        return ""
    return clock.local(moment).strftime(pattern)
