"""Shared domain types used across Vigil's services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum


class Severity(str, Enum):
    """How bad a signal is, ordered info < warning < critical (Prometheus convention)."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Numeric order of the severity: higher is worse."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


class Priority(str, Enum):
    """Incident priority from the runbook, P1 (worst) to P4."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def response_target(self) -> timedelta:
        """How fast a person must respond, per the runbook."""
        return _RESPONSE_TARGETS[self]

    @property
    def description(self) -> str:
        """The runbook's one-line meaning of the priority."""
        return _PRIORITY_MEANING[self]


_RESPONSE_TARGETS = {
    Priority.P1: timedelta(0),
    Priority.P2: timedelta(minutes=30),
    Priority.P3: timedelta(hours=2),
    Priority.P4: timedelta(days=1),
}
_PRIORITY_MEANING = {
    Priority.P1: "security breach or system down: respond immediately",
    Priority.P2: "performance degradation or partial outage: respond within 30 minutes",
    Priority.P3: "warning: respond within 2 hours",
    Priority.P4: "informational: respond next business day",
}

# The largest row id (a signed 64-bit BIGINT); ids in paths and queries are checked
# against it, so an out-of-range id is a 422, never an overflow in the database driver.
MAX_ID = 2**63 - 1


class Role(str, Enum):
    """API key roles; each role includes the rights of the ones before it."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        """True when this role may perform an action that needs `needed`."""
        order = [Role.VIEWER, Role.OPERATOR, Role.ADMIN]
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True, slots=True)
class SeriesKey:
    """Identity of a metric series: its name and its labels."""

    name: str
    labels: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, name: str, labels: dict[str, str] | None = None) -> SeriesKey:
        """Build a key with labels sorted so equal label sets give equal keys."""
        return cls(name, tuple(sorted((labels or {}).items())))

    def label_dict(self) -> dict[str, str]:
        """The labels as a plain dict."""
        return dict(self.labels)


@dataclass(frozen=True, slots=True)
class Point:
    """One sample: Unix seconds and a value."""

    ts: float
    value: float
