"""Shared domain types: severities, priorities, roles, series and points."""

from vigil.core.types import Point, Priority, Role, SeriesKey, Severity

__all__ = ["Point", "Priority", "Role", "SeriesKey", "Severity"]
