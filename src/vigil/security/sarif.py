"""SARIF 2.1.0, the one writer: vulnerability scans and compliance audits both render here."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from vigil.core.severity import sarif_level, sarif_level_of_vuln, security_severity_of_vuln

if TYPE_CHECKING:
    from vigil.security.audit.findings import ComplianceFinding
    from vigil.security.scanner import ScanReport

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def file_uri(path: str, absolute_as_file_uri: bool = True) -> str:
    """A SARIF artifact URI, percent-encoded (so `my dir/app.yaml` stays a valid URI).

    Absolute paths become `file:///...` unless `absolute_as_file_uri` is off, in which case
    every path is a URI reference as written.
    """
    posix = path.replace("\\", "/")
    if absolute_as_file_uri and PurePosixPath(posix).is_absolute():
        return "file://" + quote(posix)
    return quote(posix, safe="/")


def physical_location(uri: str, line: int | None) -> dict[str, Any]:
    """A `physicalLocation`: the artifact and, when known, its 1-based line."""
    location: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if line:
        location["region"] = {"startLine": line}
    return {"physicalLocation": location}


def sarif_log(tool: str, rules: list[dict[str, Any]], results: list[dict[str, Any]],
              version: str | None = None) -> dict[str, Any]:
    """A SARIF log with one run of `tool`."""
    driver: dict[str, Any] = {"name": tool}
    if version is not None:
        driver["version"] = version
    driver["rules"] = rules
    return {"$schema": SCHEMA, "version": "2.1.0",
            "runs": [{"tool": {"driver": driver}, "results": results}]}


def vulnerability_log(report: ScanReport) -> dict[str, Any]:
    """A scan report: one rule per vulnerability, one result per finding at file:line."""
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
                    else security_severity_of_vuln(f.severity),
                    "tags": ["security", "vulnerability", *f.aliases],
                },
            }
        results.append({
            "ruleId": f.id,
            "level": sarif_level_of_vuln(f.severity),
            "message": {"text": f"{f.package} {f.version} is affected by {f.id} ({f.severity})."
                                f" Fixed in: {', '.join(f.fixed) or 'no fix yet'}."},
            "locations": [physical_location(
                file_uri(f.location.file, absolute_as_file_uri=False), f.location.line)],
            "partialFingerprints": {"vigil/v1": f"{f.ecosystem}/{f.package}/{f.version}/{f.id}"},
        })
    return sarif_log("vigil-scan", list(rules.values()), results)


def compliance_log(findings: list[ComplianceFinding], descriptions: dict[str, str],
                   tool: str = "vigil-audit", version: str = "0.1.0") -> dict[str, Any]:
    """Compliance findings: a rule per check id and a result per finding."""
    ids = sorted({f.check_id for f in findings})
    rules = [{"id": cid, "name": cid, "shortDescription": {"text": descriptions.get(cid, cid)}}
             for cid in ids]
    results = []
    for f in findings:
        result: dict[str, Any] = {
            "ruleId": f.check_id, "ruleIndex": ids.index(f.check_id),
            "level": sarif_level(f.severity),
            "message": {"text": f"{f.resource}: {f.message}" + (f" ({f.path})" if f.path else "")},
        }
        if f.file:
            result["locations"] = [physical_location(file_uri(f.file), f.line)]
        results.append(result)
    return sarif_log(tool, rules, results, version)
