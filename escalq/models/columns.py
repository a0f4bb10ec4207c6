"""Column helpers shared by the tables."""

from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Text
from sqlalchemy.types import TypeDecorator


class EnumText(TypeDecorator[StrEnum]):
    """A StrEnum stored as plain `text` (the CHECK constraint lives on the table)."""

    impl = Text
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Any) -> StrEnum | None:
        return None if value is None else self.enum(value)


def one_of(column: str, enum: type[StrEnum], *, table: str) -> CheckConstraint:
    """CHECK that `column` holds one of the enum's values."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return CheckConstraint(f"{column} IN ({values})", name=f"ck_{table}_{column}")


TIMESTAMPTZ = DateTime(timezone=True)
