"""SARIF 2.1.0 rendering of findings (for code-scanning dashboards)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from vigil.core.types import Severity
from vigil.security.audit.findings import Finding

_LEVEL = {Severity.CRITICAL: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def file_uri(path: str) -> str:
    """A SARIF artifact URI: `file:///...` for absolute paths, a relative reference otherwise
    (percent-encoded, so `my dir/app.yaml` stays a valid URI)."""
    posix = path.replace("\\", "/")
    if PurePosixPath(posix).is_absolute():
        return "file://" + quote(posix)
    return quote(posix)


def to_sarif(findings: list[Finding], descriptions: dict[str, str], tool: str = "vigil-audit",
             version: str = "0.1.0") -> dict[str, Any]:
    """A SARIF log with one run: a rule per check id and a result per finding."""
    ids = sorted({f.check_id for f in findings})
    rules = [{"id": cid, "name": cid, "shortDescription": {"text": descriptions.get(cid, cid)}}
             for cid in ids]
    results = []
    for f in findings:
        result: dict[str, Any] = {
            "ruleId": f.check_id, "ruleIndex": ids.index(f.check_id), "level": _LEVEL[f.severity],
            "message": {"text": f"{f.resource}: {f.message}" + (f" ({f.path})" if f.path else "")},
        }
        if f.file:
            location: dict[str, Any] = {"artifactLocation": {"uri": file_uri(f.file)}}
            if f.line:
                location["region"] = {"startLine": f.line}
            result["locations"] = [{"physicalLocation": location}]
        results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": tool, "version": version, "rules": rules}},
                  "results": results}],
    }
