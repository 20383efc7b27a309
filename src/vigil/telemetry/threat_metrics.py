"""Prometheus metric of threat detection: `security_threats_detected` by type and priority."""

from __future__ import annotations

from prometheus_client import Counter

# Exposed as security_threats_detected_total (the runbook's name plus the Counter suffix).
THREATS_DETECTED = Counter("security_threats_detected",
                           "Threats detected in auth and access logs.", ["type", "priority"])


def count_threat(threat_type: str, priority: str) -> None:
    """Count one newly detected threat."""
    THREATS_DETECTED.labels(type=threat_type, priority=priority).inc()
