"""Column types shared by the models: UTC-aware timestamps and enums stored as their values."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import TypeVar

from sqlalchemy import DateTime, Dialect
from sqlalchemy import Enum as SqlEnum
from sqlalchemy.types import TypeDecorator

StrEnumT = TypeVar("StrEnumT", bound=Enum)


class UtcDateTime(TypeDecorator[datetime]):
    """`DateTime(timezone=True)` that stores UTC and always reads back an aware UTC datetime.

    SQLite keeps no offset: a stored value is UTC wall-clock time, read back as naive and
    marked UTC here. PostgreSQL answers in the session time zone; it is converted to UTC.
    Aware values are converted to UTC before they are written; naive ones are taken as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Aware values become UTC; naive ones are written as they are (taken as UTC)."""
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Every value read is aware and in UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum: type[StrEnumT], length: int) -> SqlEnum:
    """A VARCHAR(length) holding an enum's values (what was stored before as plain text).

    No CHECK constraint and no native enum type, so the schema is unchanged; values are
    validated when written (strings included) and read back as members of `enum`.
    """
    return SqlEnum(enum, native_enum=False, create_constraint=False, length=length,
                   validate_strings=True, values_callable=_values)


def _values(enum: type[Enum]) -> list[str]:
    """The stored form of each member: its value, never its name."""
    return [str(member.value) for member in enum]
