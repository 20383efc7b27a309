"""A compliance finding: check id, severity, message and where it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vigil.core.types import Severity


@dataclass(frozen=True, slots=True)
class ComplianceFinding:
    """One failed check on one resource (or one setting)."""

    check_id: str
    severity: Severity
    message: str
    resource: str
    path: str = ""
    file: str = ""
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {"check_id": self.check_id, "severity": self.severity.value,
                "message": self.message, "resource": self.resource, "path": self.path,
                "file": self.file, "line": self.line}


def worst(findings: list[ComplianceFinding]) -> Severity | None:
    """The highest severity among findings, or None when there are none."""
    if not findings:
        return None
    return max((f.severity for f in findings), key=lambda s: s.rank)


def at_or_above(findings: list[ComplianceFinding], floor: Severity) -> list[ComplianceFinding]:
    """Findings whose severity is `floor` or worse."""
    return [f for f in findings if f.severity.rank >= floor.rank]
