"""Rows written in bulk: one multi-row INSERT per table instead of a flush per object."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, inspect
from sqlmodel import Session, SQLModel


def insert_all(*, session: Session, rows: Sequence[SQLModel]) -> None:
    """INSERT `rows` (all of one table) in their order, so identity ids follow it; no-op when empty."""
    if not rows:
        return
    model = type(rows[0])
    columns = [attribute.key for attribute in inspect(model).column_attrs]
    values: list[dict[str, Any]] = []
    for row in rows:
        # A None identity id is left to the database.
        values.append({key: getattr(row, key) for key in columns if not (key == "id" and row.id is None)})  # type: ignore[attr-defined]
    session.execute(insert(model), values)
