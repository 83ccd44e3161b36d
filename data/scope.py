"""A user's scope: the region paths they may see. Every query takes one.

A path is the chain of area codes from the city down, joined by "/" with a trailing "/",
so "everything under a region" is a prefix match that an index on `path` serves.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa


def city_wide(path: str) -> bool:
    """`path` ends at a city or above it (a province): the area codes of those end in eight zeros
    (GB/T 2260), whatever the depth of the tree — "<city>/" alone, or "<province>/<city>/"."""
    return path.rstrip("/").rsplit("/", 1)[-1][4:] == "0" * 8


class OutOfScope(Exception):
    """The region or record asked for lies outside the user's regions."""


@dataclass(frozen=True)
class Scope:
    paths: tuple[str, ...]

    def __post_init__(self):
        if any(not p.endswith("/") for p in self.paths):
            raise ValueError("scope paths end with '/'")

    @classmethod
    def nothing(cls) -> Scope:
        return cls(())

    def covers(self, path: str | None) -> bool:
        return bool(path) and any(path.startswith(p) for p in self.paths)

    def clause(self, column) -> sa.ColumnElement[bool]:
        """SQL: `column` lies under one of the scope's paths (false for an empty scope)."""
        if not self.paths:
            return sa.false()
        return sa.or_(*(column.startswith(p, autoescape=True) for p in self.paths))

    def clause_any(self, *columns) -> sa.ColumnElement[bool]:
        """SQL: any of `columns` lies under the scope (a case is seen where it happened and by
        the office holding it)."""
        return sa.or_(*(self.clause(column) for column in columns))

    def cases_clause(self, case) -> sa.ColumnElement[bool]:
        """SQL: a wage case is visible where it happened, to the office holding it, and to the
        office a pending transfer is addressed to. `case` is the WageCase class (or alias)."""
        return self.clause_any(case.path, case.office_path, case.incoming_path)

    def narrow(self, path: str | None) -> Scope:
        """The part of this scope under `path` (a region filter chosen in the UI).

        Raises OutOfScope when `path` is neither inside the scope nor above it.
        """
        if not path:
            return self
        if self.covers(path):
            return Scope((path,))
        inner = tuple(p for p in self.paths if p.startswith(path))
        if not inner:
            raise OutOfScope(path)
        return Scope(inner)
