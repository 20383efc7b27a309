"""The runbook's defaults: thresholds, priorities, escalation matrix, schedules and people.

Plain data in the same shape as the operator YAML, validated by `AlertingConfig` like any
operator file. Contact data is fictional (555 numbers, example.com addresses): replace it.
"""

from __future__ import annotations

from typing import Any

_HANDOFF = "2026-01-05T09:00:00Z"  # a Monday, 09:00 UTC: weekly hand-off


def _pair(name: str, metric: str, op: str, warn: float, crit: float, category: str,
          warn_for: str, crit_for: str, summary: str) -> list[dict[str, Any]]:
    """A warning and a critical rule on the same metric, under one alert name.

    As in the Prometheus community's rules (kube-prometheus): one alertname per problem,
    told apart by `severity`; the critical inhibits the warning (`INHIBIT_RULES`).
    """
    return [
        {"name": name, "metric": metric, "op": op, "threshold": thr, "severity": sev,
         "for": for_, "labels": {"category": category},
         "annotations": {"summary": summary,
                         "description": "{series} is {value} ({op} {threshold})"}}
        for sev, thr, for_ in (("warning", warn, warn_for), ("critical", crit, crit_for))
    ]


def _one(name: str, metric: str, op: str, thr: float, severity: str, category: str,
         for_: str, summary: str) -> dict[str, Any]:
    """A single-severity rule."""
    return {"name": name, "metric": metric, "op": op, "threshold": thr, "severity": severity,
            "for": for_, "labels": {"category": category},
            "annotations": {"summary": summary,
                            "description": "{series} is {value} ({op} {threshold})"}}


# The same alerts as deploy/prometheus/rules.yml: names, severities, `for`, thresholds and
# `category` labels match (tests/unit/prometheus/test_deploy_rules.py compares the two).
# Durations: a critical waits 2m (less than its warning's 5m: it pages sooner); slow
# model and data-quality signals 15m-30m so they do not flap; security signals fire at once.
RULES: list[dict[str, Any]] = [
    *_pair("HighCpuUsage", "cpu_usage_percent", ">", 80, 90, "resource", "5m", "2m",
           "CPU usage is high"),
    *_pair("HighMemoryUsage", "memory_usage_percent", ">", 85, 95, "resource", "5m", "2m",
           "Memory usage is high"),
    *_pair("HighErrorRate", "error_rate", ">", 0.05, 0.10, "performance", "5m", "2m",
           "Error rate is high"),
    *_pair("SlowResponses", "response_time_p95", ">", 2.0, 5.0, "performance", "5m", "2m",
           "95th percentile response time is slow"),
    _one("LowDetectionAccuracy", "anomaly_detection_accuracy", "<", 0.85, "warning", "ml",
         "15m", "Anomaly detection accuracy dropped"),
    _one("SlowModelInference", "model_inference_time", ">", 1.0, "warning", "ml", "5m",
         "Model inference is slow"),
    _one("HighFalsePositiveRate", "false_positive_rate", ">", 0.1, "warning", "ml", "30m",
         "False positive rate is high"),
    _one("VulnerabilityScanFailures", "vulnerability_scan_failures", ">", 0, "critical",
         "security", "0s", "Vulnerability scans are failing"),
    _one("SecurityThreatDetected", "security_threats_detected", ">", 0, "critical",
         "security", "0s", "A security threat was detected"),
    _one("CriticalVulnerabilityFound", "security_critical_findings", ">", 0, "critical",
         "vulnerability", "0s", "A dependency has a critical vulnerability"),
    # Open criticals keep CriticalVulnerabilityFound firing (or acknowledged); a critical
    # that appears meanwhile, in any target, raises this one. Another alertname: no default
    # inhibit rule mutes it.
    _one("NewCriticalVulnerability", "security_new_critical_findings", ">", 0, "critical",
         "vulnerability", "0s", "A new critical vulnerability was found"),
    _one("HighAuthenticationFailureRate", "authentication_failure_rate", ">", 0.05, "warning",
         "security", "5m", "Authentication failure rate is high"),
    _one("LowDataQuality", "data_quality_score", "<", 0.9, "warning", "data", "15m",
         "Data quality score is low"),
    _one("DataProcessingLag", "data_processing_lag", ">", 300, "warning", "data", "10m",
         "Data processing lags more than 5 minutes"),
    _one("ServiceDown", "up", "==", 0, "critical", "availability", "1m", "A service is down"),
]

ANOMALY_RULES: list[dict[str, Any]] = [
    {"name": "AnomalyDetected", "min_severity": "critical", "lookback": "15m",
     "severity": "warning", "labels": {"category": "anomaly"},
     "annotations": {"summary": "Anomalous behaviour on {series}",
                     "description": "anomaly score {value} on {series}"}},
]

PRIORITIES: dict[str, Any] = {
    "rules": [
        {"matchers": ['category="security"', 'severity="critical"'], "priority": "P1"},
        {"matchers": ['category="availability"', 'severity="critical"'], "priority": "P1"},
        {"matchers": ['category="data_loss"'], "priority": "P1"},
    ],
    "by_severity": {"critical": "P2", "warning": "P3", "info": "P4"},
}


def _person(name: str, role: str, n: int) -> dict[str, str]:
    """A fictional contact."""
    first = name.split()[0].lower()
    return {"name": name, "role": role, "email": f"{first}@example.com",
            "phone": f"+1-555-01{n:02d}", "slack": f"@{first}"}


PEOPLE: dict[str, dict[str, str]] = {
    "alice": _person("Alice Example", "Platform Engineer", 0),
    "bob": _person("Bob Example", "Platform Engineer", 1),
    "carol": _person("Carol Example", "Senior Platform Engineer", 2),
    "dave": _person("Dave Example", "Platform Team Lead", 3),
    "erin": _person("Erin Example", "Engineering Manager", 4),
    "frank": _person("Frank Example", "DevOps Engineer", 5),
    "grace": _person("Grace Example", "DevOps Engineer", 6),
    "heidi": _person("Heidi Example", "Security Engineer", 7),
    "ivan": _person("Ivan Example", "Security Engineer", 8),
    "judy": _person("Judy Example", "Database Administrator", 9),
    "mike": _person("Mike Example", "Backup Engineer", 10),
}


def _weekly(*users: str) -> dict[str, Any]:
    """One weekly layer handing off on Mondays at 09:00 UTC."""
    return {"layers": [{"users": list(users), "handoff_at": _HANDOFF, "rotation": "7d"}]}


SCHEDULES: dict[str, dict[str, Any]] = {
    "primary": {"description": "Primary: Platform Team", **_weekly("alice", "bob")},
    "secondary": {"description": "Secondary: DevOps", **_weekly("frank", "grace")},
    "security": {"description": "Security: Security Team", **_weekly("heidi", "ivan")},
    "dba": {"description": "Database administrators", **_weekly("judy")},
    "backup": {"description": "Backup team", **_weekly("mike")},
}

ESCALATION_POLICIES: dict[str, dict[str, Any]] = {
    "default": {
        "description": "Runbook matrix: Platform Engineer → Senior → Team Lead → Eng. Manager",
        "levels": [
            {"targets": ["schedule:primary"], "timeout": "15m"},
            {"targets": ["user:carol"], "timeout": "30m"},
            {"targets": ["user:dave"], "timeout": "1h"},
            {"targets": ["user:erin"], "timeout": "2h"},
        ],
        "repeat": 1,
    },
    "security": {
        "description": "Security incidents: Security Team and Engineering Manager",
        "levels": [
            {"targets": ["schedule:security", "user:erin"], "timeout": "15m"},
            {"targets": ["schedule:security", "user:erin", "user:dave"], "timeout": "30m"},
        ],
        "repeat": 1,
    },
    "security_team": {
        "description": "Security warnings: Security Team, then the Engineering Manager",
        "levels": [
            {"targets": ["schedule:security"], "timeout": "2h"},
            {"targets": ["schedule:security", "user:erin"], "timeout": "2h"},
        ],
        "repeat": 0,
    },
    "data_loss": {
        "description": "Data loss: DBA, backup team and Engineering Manager",
        "levels": [
            {"targets": ["schedule:dba", "schedule:backup", "user:erin"], "timeout": "15m"},
            {"targets": ["schedule:dba", "schedule:backup", "user:erin", "user:dave"],
             "timeout": "30m"},
        ],
        "repeat": 1,
    },
}

ESCALATION_ROUTES: list[dict[str, Any]] = [
    {"matchers": ['category="security"', 'priority=~"P1|P2"'], "policy": "security"},
    {"matchers": ['category="security"', 'priority="P3"'], "policy": "security_team"},
    {"matchers": ['category="data_loss"'], "policy": "data_loss"},
    {"matchers": ['priority=~"P1|P2|P3"'], "policy": "default"},
]

# The same list as inhibit_rules in deploy/alertmanager/alertmanager.yml (a test compares
# them). A critical mutes the warning of the same alertname on the same series (`series`
# for Vigil's alerts, `instance` for Prometheus'); ServiceDown mutes the symptoms on its
# instance (never security alerts).
INHIBIT_RULES: list[dict[str, Any]] = [
    {"source_matchers": ['severity="critical"'], "target_matchers": ['severity="warning"'],
     "equal": ["alertname", "series", "instance"]},
    {"source_matchers": ['alertname="ServiceDown"'],
     "target_matchers": ['category=~"resource|performance|ml|data|anomaly"'],
     "equal": ["instance"]},
]

DEFAULTS: dict[str, Any] = {
    "rules": RULES,
    "anomaly_rules": ANOMALY_RULES,
    "priorities": PRIORITIES,
    "people": PEOPLE,
    "schedules": SCHEDULES,
    "escalation_policies": ESCALATION_POLICIES,
    "escalation_routes": ESCALATION_ROUTES,
    "inhibit_rules": INHIBIT_RULES,
}
