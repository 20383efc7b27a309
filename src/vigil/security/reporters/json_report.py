"""JSON report: one object with a `findings` list, suppressed/unchecked entries and counters."""

from __future__ import annotations

import json
from typing import Any

from vigil.security.ignore import IgnoreRule
from vigil.security.model import VulnerabilityFinding
from vigil.security.scanner import ScanReport


def finding_dict(f: VulnerabilityFinding) -> dict[str, Any]:
    """A finding as plain JSON-ready data."""
    return {
        "package": f.package, "version": f.version, "ecosystem": f.ecosystem, "id": f.id,
        "aliases": list(f.aliases), "summary": f.summary, "severity": f.severity,
        "score": f.score, "fixed": list(f.fixed), "file": f.location.file,
        "line": f.location.line, "references": list(f.references[:5]),
    }


def _rule(r: IgnoreRule) -> dict[str, Any]:
    return {"id": r.id, "package": r.package, "reason": r.reason,
            "expires": r.expires.isoformat() if r.expires else None}


def as_dict(report: ScanReport) -> dict[str, Any]:
    """The whole report as plain data."""
    return {
        "target": report.target,
        "summary": {
            "packages": report.packages, "findings": len(report.findings),
            "unknown_severity": report.unknown_severity,
            "suppressed": len(report.suppressed), "unchecked": len(report.unchecked),
            "advisories_considered": report.advisories,
            "git_ranges_skipped": report.stats.git_ranges_skipped,
            "unparsable_ranges": report.stats.unparsable_ranges,
            "ecosystems_without_version_order": sorted(report.stats.unordered_ecosystems),
        },
        "findings": [finding_dict(f) for f in report.findings],
        "suppressed": [{**finding_dict(f), "ignore": _rule(r)} for f, r in report.suppressed],
        "expired_ignores": [_rule(r) for r in report.expired_ignores],
        "unused_ignores": [_rule(r) for r in report.unused_ignores],
        "unchecked": [{"name": u.name, "spec": u.spec, "ecosystem": u.ecosystem,
                       "file": u.location.file, "line": u.location.line, "reason": u.reason}
                      for u in report.unchecked],
    }


def render(report: ScanReport) -> str:
    """The report as indented JSON."""
    return json.dumps(as_dict(report), indent=2)
