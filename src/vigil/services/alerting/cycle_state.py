"""What one evaluation cycle carries between its phases: open alerts and its report."""

from __future__ import annotations

from dataclasses import dataclass

from vigil.alerting.lifecycle import Alert, AlertState

OPEN_FIRING = (AlertState.FIRING, AlertState.ACKNOWLEDGED)
"""States in which an alert is firing (acknowledged alerts still fire, they just stop paging)."""


@dataclass
class EvaluationReport:
    """What one evaluation cycle did."""

    series: int = 0
    observations: int = 0
    new: int = 0
    firing: int = 0
    resolved: int = 0
    pages: int = 0
    notifications_sent: int = 0
    notifications_failed: int = 0
    seconds: float = 0.0


@dataclass
class OpenAlert:
    """An open alert during a cycle, with the row version to update it against."""

    alert: Alert
    version: int
