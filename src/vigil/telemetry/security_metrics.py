"""Prometheus metrics of the vulnerability scanner."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

# Exposed as vulnerability_scan_failures_total (the runbook's name plus the Counter suffix).
SCAN_FAILURES = Counter("vulnerability_scan_failures",
                        "Vulnerability scans that failed (unreadable input, database errors).")
FINDINGS = Gauge("vigil_security_findings", "Open vulnerability findings by severity.",
                 ["severity"])
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")


def set_open_findings(counts: dict[str, int]) -> None:
    """Publish the number of open findings per severity (missing severities count zero)."""
    for sev in SEVERITIES:
        FINDINGS.labels(severity=sev).set(counts.get(sev, 0))
