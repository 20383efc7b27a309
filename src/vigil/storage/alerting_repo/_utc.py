"""Datetimes read back from SQLite are naive: they are UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def aware(ts: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they are UTC."""
    if ts is None or ts.tzinfo is not None:
        return ts
    return ts.replace(tzinfo=UTC)


def required(ts: datetime | None) -> datetime:
    """`aware` of a value the schema never leaves empty."""
    out = aware(ts)
    assert out is not None
    return out
