"""CycloneDX 1.5 JSON with the scanned components and their vulnerabilities (VEX style)."""

from __future__ import annotations

import json
from typing import Any

from vigil.security.scanner import ScanReport

_RATING = {"CRITICAL": "critical", "HIGH": "high", "MEDIUM": "medium", "LOW": "low",
           "UNKNOWN": "unknown"}


def as_dict(report: ScanReport) -> dict[str, Any]:
    """The CycloneDX document as plain data."""
    components: dict[str, dict[str, Any]] = {}
    vulns = []
    for f in report.findings:
        ref = f"{f.ecosystem}/{f.package}@{f.version}"
        components.setdefault(ref, {"type": "library", "bom-ref": ref, "name": f.package,
                                    "version": f.version})
        rating: dict[str, Any] = {"severity": _RATING.get(f.severity, "unknown")}
        if f.score is not None:
            rating["score"] = f.score
        vulns.append({
            "id": f.id,
            "references": [{"id": a, "source": {"name": _source(a)}} for a in f.aliases],
            "ratings": [rating],
            "description": f.summary,
            "recommendation": ("Upgrade to " + " or ".join(f.fixed)) if f.fixed else "No fix yet",
            "affects": [{"ref": ref}],
            "analysis": {"state": "in_triage"},
        })
    return {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
            "metadata": {"tools": [{"name": "vigil-scan"}],
                         "component": {"type": "application", "name": report.target}},
            "components": list(components.values()), "vulnerabilities": vulns}


def _source(vuln_id: str) -> str:
    prefix = vuln_id.split("-", 1)[0]
    return {"CVE": "NVD", "GHSA": "GitHub", "PYSEC": "PyPA"}.get(prefix, "OSV")


def render(report: ScanReport) -> str:
    """The CycloneDX document as indented JSON."""
    return json.dumps(as_dict(report), indent=2)
