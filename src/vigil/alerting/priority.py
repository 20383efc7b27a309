"""Priority P1–P4 from an alert's severity and labels, as the runbook defines them."""

from __future__ import annotations

from collections.abc import Mapping

from vigil.alerting.config import PriorityConfig
from vigil.alerting.matchers import matches_all, parse_matchers
from vigil.core.severity import FALLBACK_PRIORITY, alert_severity
from vigil.core.types import Priority


class PriorityMapper:
    """Explicit label rules first (first match wins), then the severity table."""

    def __init__(self, cfg: PriorityConfig) -> None:
        """Compile the configured priority rules."""
        self.rules = [(parse_matchers(r.matchers), r.priority) for r in cfg.rules]
        self.by_severity = dict(cfg.by_severity)

    def priority(self, labels: Mapping[str, str]) -> Priority:
        """The priority of an alert with these labels (its `severity` label included)."""
        for matchers, prio in self.rules:
            if matches_all(matchers, labels):
                return prio
        severity = alert_severity(labels.get("severity"))
        return self.by_severity.get(severity, FALLBACK_PRIORITY)
