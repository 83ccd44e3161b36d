"""Who may see which inspections: the one rule every station, audit and rectification query
applies on top of region scope.

A covert audit (暗访) must not tip off the audited station, so an inspection that is not yet
published (circulated) is seen only by inspectors and by city-wide leaders and admins; anyone
else in its regions (the township's cadre, a county admin) sees it, and the rectifications it
produces, once it is published.
"""

from __future__ import annotations

import sqlalchemy as sa

from data.models import Role
from data.scope import Scope


def sees_unpublished(role: Role | str, scope: Scope) -> bool:
    """Inspectors, and leaders or admins whose regions include a whole city."""
    if role == Role.inspector:
        return True
    return role in (Role.leader, Role.admin) and any(p.count("/") <= 1 for p in scope.paths)


def published_clause(inspection, role: Role | str, scope: Scope) -> sa.ColumnElement[bool]:
    """Add to any query over `inspection` (the Inspection class or an alias), beside the
    region clause: true for everyone who may see unpublished work, else published only."""
    if sees_unpublished(role, scope):  # pass the user's own scope, not one narrowed by a filter
        return sa.true()
    return inspection.published_at.is_not(None)
