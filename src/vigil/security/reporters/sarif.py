"""SARIF 2.1.0: one rule per vulnerability, one result per finding, located at file:line."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from vigil.security.scanner import ScanReport

_LEVEL = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note",
          "UNKNOWN": "warning"}
_SECURITY_SEVERITY = {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "2.0",
                      "UNKNOWN": "5.0"}


def as_dict(report: ScanReport) -> dict[str, Any]:
    """The SARIF log as plain data."""
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for f in report.findings:
        if f.id not in rules:
            rules[f.id] = {
                "id": f.id,
                "shortDescription": {"text": f.summary or f.id},
                "help": {"text": f"Aliases: {', '.join(f.aliases) or '-'}. "
                                 f"Fixed in: {', '.join(f.fixed) or 'no fix yet'}."},
                "properties": {
                    "security-severity": f"{f.score:.1f}" if f.score is not None
                    else _SECURITY_SEVERITY[f.severity],
                    "tags": ["security", "vulnerability", *f.aliases],
                },
            }
        # A URI reference: spaces, '%' and '#' in paths are percent-encoded.
        location: dict[str, Any] = {
            "artifactLocation": {"uri": quote(f.location.file.replace("\\", "/"), safe="/")}}
        if f.location.line:
            location["region"] = {"startLine": f.location.line}
        results.append({
            "ruleId": f.id,
            "level": _LEVEL.get(f.severity, "warning"),
            "message": {"text": f"{f.package} {f.version} is affected by {f.id} ({f.severity})."
                                f" Fixed in: {', '.join(f.fixed) or 'no fix yet'}."},
            "locations": [{"physicalLocation": location}],
            "partialFingerprints": {"vigil/v1": f"{f.ecosystem}/{f.package}/{f.version}/{f.id}"},
        })
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "vigil-scan", "rules": list(rules.values())}},
            "results": results,
        }],
    }


def render(report: ScanReport) -> str:
    """The SARIF log as indented JSON."""
    return json.dumps(as_dict(report), indent=2)
