"""Prometheus metrics of the vulnerability scanner."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter, Gauge

# Exposed as vulnerability_scan_failures_total (the runbook's name plus the Counter suffix).
SCAN_FAILURES = Counter("vulnerability_scan_failures",
                        "Vulnerability scans that failed (unreadable input, database errors).")
FINDINGS = Gauge("vigil_security_findings", "Open vulnerability findings by severity.",
                 ["severity"])
# Exposed as vigil_security_new_critical_findings_total. Self-metrics write its increase over
# their window as `security_new_critical_findings`, which the NewCriticalVulnerability rule
# watches: the gauge above says criticals are open, this counter says one just appeared.
NEW_CRITICAL_FINDINGS = Counter(
    "vigil_security_new_critical_findings",
    "New critical vulnerability findings recorded (first seen, or back after a fix; "
    "suppressed findings are never new).")
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")


def set_open_findings(counts: dict[str, int]) -> None:
    """Publish the number of open findings per severity (missing severities count zero)."""
    for sev in SEVERITIES:
        FINDINGS.labels(severity=sev).set(counts.get(sev, 0))


def count_new_findings(severities: Iterable[str]) -> int:
    """Count the critical ones among the severities of newly recorded findings; returns them."""
    critical = sum(1 for sev in severities if sev.upper() == "CRITICAL")
    if critical:
        NEW_CRITICAL_FINDINGS.inc(critical)
    return critical
