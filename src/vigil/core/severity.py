"""The one severity vocabulary: alert severities, vulnerability levels and priorities.

Three scales meet in Vigil:

- alert severities (`Severity`: info < warning < critical, the Prometheus convention);
- vulnerability levels (UNKNOWN < LOW < MEDIUM < HIGH < CRITICAL, CVSS's qualitative
  ratings; Sigma's levels use the same words plus `informational`);
- incident priorities (`Priority`: P1 most urgent … P4).

Every translation between them lives here, so a level means the same everywhere.
"""

from __future__ import annotations

from vigil.core.types import Priority, Severity

# Vulnerability levels, least to most severe; UNKNOWN is "no severity given".
VULN_LEVELS = ("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL")
_VULN_RANK = {name: i for i, name in enumerate(VULN_LEVELS)}

# Words advisory databases use (Debian, Ubuntu, Red Hat, GitHub) → our levels.
_VULN_WORDS = {
    "CRITICAL": "CRITICAL",
    "HIGH": "HIGH",
    "IMPORTANT": "HIGH",
    "MODERATE": "MEDIUM",
    "MEDIUM": "MEDIUM",
    "LOW": "LOW",
    "NEGLIGIBLE": "LOW",
    "UNIMPORTANT": "LOW",
}

# Priorities, most urgent first.
PRIORITY_ORDER = (Priority.P1, Priority.P2, Priority.P3, Priority.P4)
_PRIORITY_RANK = {p: i + 1 for i, p in enumerate(PRIORITY_ORDER)}

# Default page priority of an alert severity (operators may override it per rule).
DEFAULT_PRIORITY_BY_SEVERITY: dict[Severity, Priority] = {
    Severity.CRITICAL: Priority.P2,
    Severity.WARNING: Priority.P3,
    Severity.INFO: Priority.P4,
}
# The priority of an alert whose severity is not in the operator's table.
FALLBACK_PRIORITY = Priority.P3
# The alert severity assumed when an alert carries none (or an unknown word).
DEFAULT_ALERT_SEVERITY = Severity.WARNING

# Vulnerability / Sigma level → priority of the threat or finding it describes.
_PRIORITY_OF_LEVEL = {
    "CRITICAL": Priority.P1,
    "HIGH": Priority.P2,
    "MEDIUM": Priority.P3,
    "LOW": Priority.P4,
    "INFORMATIONAL": Priority.P4,
}

# Alert severity → SARIF result level.
_SARIF_LEVEL_OF_SEVERITY = {Severity.CRITICAL: "error", Severity.WARNING: "warning",
                            Severity.INFO: "note"}
# Vulnerability level → SARIF result level, and the `security-severity` (0–10) that code
# scanning dashboards sort by when the advisory carries no CVSS score.
_SARIF_LEVEL_OF_VULN = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning",
                        "LOW": "note", "UNKNOWN": "warning"}
_SECURITY_SEVERITY_OF_VULN = {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "2.0",
                              "UNKNOWN": "5.0"}


def vuln_rank(level: str) -> int:
    """Order of a vulnerability level: UNKNOWN 0 < LOW < MEDIUM < HIGH < CRITICAL 4."""
    return _VULN_RANK.get(level.upper(), 0)


def vuln_level_of_word(word: str) -> str | None:
    """Our level for an advisory database's severity word, or None when it is not one."""
    return _VULN_WORDS.get(word.strip().upper())


def vuln_level_of_score(score: float) -> str:
    """The CVSS qualitative rating of a base score (0.0 counts as LOW, never as clean)."""
    if score >= 9.0:
        return "CRITICAL"
    if score >= 7.0:
        return "HIGH"
    if score >= 4.0:
        return "MEDIUM"
    return "LOW"


def effective_vuln_level(level: str, unknown_as: str = "UNKNOWN") -> str:
    """The level a finding counts as for gates and alert rules: UNKNOWN becomes `unknown_as`."""
    return unknown_as.upper() if level.upper() == "UNKNOWN" else level


def priority_rank(priority: Priority) -> int:
    """Urgency order of a priority: P1 is 1 (most urgent) … P4 is 4."""
    return _PRIORITY_RANK[priority]


def priority_of_level(level: str, default: Priority = Priority.P4) -> Priority:
    """The priority of a vulnerability or Sigma level (critical → P1 … low → P4)."""
    return _PRIORITY_OF_LEVEL.get(level.upper(), default)


def alert_severity(word: str | None) -> Severity:
    """An alert's `severity` label as a Severity (warning when missing or unknown)."""
    try:
        return Severity(word or DEFAULT_ALERT_SEVERITY.value)
    except ValueError:
        return DEFAULT_ALERT_SEVERITY


def log_level_of_priority(priority: Priority) -> str:
    """The log level of an event at this priority: CRITICAL for P1, else WARNING."""
    return "CRITICAL" if priority is Priority.P1 else "WARNING"


def sarif_level(severity: Severity) -> str:
    """The SARIF result level of an alert severity."""
    return _SARIF_LEVEL_OF_SEVERITY[severity]


def sarif_level_of_vuln(level: str) -> str:
    """The SARIF result level of a vulnerability level."""
    return _SARIF_LEVEL_OF_VULN.get(level, "warning")


def security_severity_of_vuln(level: str) -> str:
    """A representative 0–10 `security-severity` of a level, for advisories without a score."""
    return _SECURITY_SEVERITY_OF_VULN.get(level, _SECURITY_SEVERITY_OF_VULN["UNKNOWN"])
