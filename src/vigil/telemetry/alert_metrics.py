"""Prometheus metrics of alerting: firing alerts per priority and escalation levels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import Counter, Gauge

ALERTS_FIRING = Gauge("vigil_alerts_firing",
                      "Alerts firing or acknowledged (not yet resolved), by priority",
                      ["priority"])
ESCALATION_LEVEL = Gauge("vigil_alert_escalation_level",
                         "Current escalation level of each open alert (0 = first level, "
                         "-1 = not escalating)", ["alertname", "fingerprint", "priority"])
NOTIFICATIONS = Counter("vigil_alert_notifications_total",
                        "Notification deliveries by receiver, kind and outcome",
                        ["receiver", "kind", "status"])

PRIORITIES = ("P1", "P2", "P3", "P4")
for _prio in PRIORITIES:  # expose zeros from the start, so dashboards and rules see the series
    ALERTS_FIRING.labels(priority=_prio)


def set_firing(by_priority: Mapping[str, int]) -> None:
    """Set the firing gauge for every priority (0 where none fire)."""
    for prio in PRIORITIES:
        ALERTS_FIRING.labels(priority=prio).set(by_priority.get(prio, 0))


_LEVELS: dict[tuple[str, str, str], int] = {}


def set_escalation_levels(levels: Iterable[tuple[str, str, str, int]]) -> None:
    """Replace the escalation gauge with (alertname, fingerprint, priority, level) tuples."""
    wanted = {(name, fp, prio): level for name, fp, prio, level in levels}
    for key in [k for k in _LEVELS if k not in wanted]:
        ESCALATION_LEVEL.remove(*key)
        del _LEVELS[key]
    for key, level in wanted.items():
        if _LEVELS.get(key) != level:
            ESCALATION_LEVEL.labels(*key).set(level)
            _LEVELS[key] = level


def count_notification(receiver: str, kind: str, status: str) -> None:
    """Count one notification delivery outcome."""
    NOTIFICATIONS.labels(receiver=receiver, kind=kind, status=status).inc()
