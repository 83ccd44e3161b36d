"""JSON arrays unnested in SQL, the same on SQLite (json_each) and PostgreSQL
(json_array_elements): for counting and summing inside lists stored in JSON columns."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def strings(session: Session, column, name: str):
    """The elements of a JSON array of strings in `column`: (FROM item, its text column)."""
    fn = sa.func.json_array_elements_text(column) if _postgres(session) else sa.func.json_each(column)
    elements = fn.table_valued("value").alias(name)
    return elements, elements.c.value


def numbers_at(session: Session, column, key: str, name: str):
    """The number under `key` of each object in a JSON array in `column`: (FROM item, number)."""
    if _postgres(session):
        elements = sa.func.json_array_elements(column).table_valued("value").alias(name)
        return elements, sa.cast(elements.c.value.op("->>")(key), sa.Float)
    elements = sa.func.json_each(column).table_valued("value").alias(name)
    return elements, sa.func.json_extract(elements.c.value, f"$.{key}")


def contains_string(session: Session, column, value: str, name: str) -> sa.ColumnElement[bool]:
    """SQL: the JSON array of strings in `column` has `value` among its elements."""
    elements, text = strings(session, column, name)
    return sa.exists(sa.select(sa.literal(1)).select_from(elements).where(text == value))
