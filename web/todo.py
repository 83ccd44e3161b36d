"""The signed-in person's to-do list (data.queries.todo) for the page and the top bar's count."""

from __future__ import annotations

from flask_login import current_user

from data.models import Role
from data.queries.settings import work_calendar
from data.queries.todo import TodoItem, todo_items
from data.services import login_throttle
from web.auth import throttle_policy
from web.context import db, now, scope, today

TODO_ROLES = (Role.admin, Role.leader, Role.case_officer, Role.inspector, Role.cadre)


def throttled_usernames() -> list[str]:
    """Usernames held back by the sign-in throttle right now (failures from some address)."""
    moment = now()
    return sorted({t.username for t in login_throttle.current(db(), policy=throttle_policy(), now=moment)
                   if t.username and t.locked_until is not None and t.locked_until > moment})


def my_todo() -> list[TodoItem]:
    if not current_user.is_authenticated or current_user.role not in TODO_ROLES:
        return []
    session = db()
    return todo_items(session, role=current_user.role, user_id=current_user.id, scope=scope(), today=today(),
                      now=now(), calendar=work_calendar(session),
                      throttled=throttled_usernames() if current_user.role == Role.admin else None)
