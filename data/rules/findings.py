"""The fix list (整改清单) of a walkthrough as a table: which status a fix item may move to.

A fix is set (open), worked on (in_progress) and done — done carries the date and who signed
it off. A leader may reopen a fix signed off too early; it goes back to in_progress and loses
its sign-off. Issues and needs are not moved here: they are answered by fixes, or by a
rectification a leader makes of them.
"""

from __future__ import annotations

from data.models import FindingStatus

S = FindingStatus
FIX_TRANSITIONS: dict[FindingStatus, frozenset[FindingStatus]] = {
    S.open: frozenset({S.in_progress, S.done}),
    S.in_progress: frozenset({S.done, S.open}),
    S.done: frozenset({S.in_progress}),
}


def fix_may_move(current: FindingStatus | str, target: FindingStatus | str) -> bool:
    try:
        return FindingStatus(target) in FIX_TRANSITIONS[FindingStatus(current)]
    except (KeyError, ValueError):
        return False


def next_fix_states(current: FindingStatus | str) -> list[FindingStatus]:
    """The statuses a fix may move to from `current`, in workflow order."""
    allowed = FIX_TRANSITIONS.get(FindingStatus(current), frozenset())
    return [s for s in FindingStatus if s in allowed]
