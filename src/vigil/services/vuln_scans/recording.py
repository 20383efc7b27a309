"""Scan and record: match an extraction against the stored advisories, store the findings
(first seen, fixed, suppressed), log and count what is new, and record failed scans."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

from vigil.core.severity import effective_vuln_level
from vigil.security.ignore import IgnoreRule
from vigil.security.model import ExtractError, Extraction, VulnerabilityFinding
from vigil.security.scanner import ScanReport, scan
from vigil.services.vuln_scans.advisories import advisory_count, load_advisories
from vigil.services.vuln_scans.errors import NoAdvisories, ScanInputError
from vigil.services.vuln_scans.inventory import extract_upload
from vigil.storage import security_repo as repo
from vigil.storage.database import Database
from vigil.telemetry.logging import log_event
from vigil.telemetry.security_metrics import (
    SCAN_FAILURES,
    count_new_findings,
    set_open_findings,
)


def scan_extraction(db: Database, target: str, extraction: Extraction,
                    ignores: list[IgnoreRule] | None = None,
                    today: date | None = None) -> ScanReport:
    """Match an extraction against the stored advisories; NoAdvisories when none are stored."""
    if advisory_count(db) == 0:
        raise NoAdvisories("no advisories imported: run `vigil advisories import PATH` first")
    advisories = load_advisories(db, extraction)
    return scan(target, extraction, advisories, ignores, today)


def _finding_record(f: VulnerabilityFinding, rule: IgnoreRule | None = None) -> repo.FindingRecord:
    return repo.FindingRecord(
        package=f.package, version=f.version, ecosystem=f.ecosystem, vuln_id=f.id,
        aliases=list(f.aliases), severity=f.severity, score=f.score, summary=f.summary,
        fixed=list(f.fixed), location=str(f.location),
        suppressed_reason=rule.reason if rule is not None else None,
        suppressed_until=rule.expires if rule is not None else None)


def record_scan(db: Database, report: ScanReport, trigger: str,
                now: datetime | None = None,
                unknown_as: str = "UNKNOWN") -> list[repo.FindingRecord]:
    """Store a scan's findings (first seen / fixed at), log new ones, update the metrics.

    Suppressed findings are stored too, as suppressed: they are present, so never marked
    fixed, and neither logged nor counted as new nor counted in the open-findings gauge.
    New critical findings are counted in `vigil_security_new_critical_findings_total` (the
    NewCriticalVulnerability rule) after the transaction committed. Returns the new
    findings (first seen, or back after a fix; never suppressed ones). Findings without a
    severity count as `unknown_as` in both metrics (`vulnerability_scanning.unknown_as`).
    """
    now = now or datetime.now(UTC)
    records = [_finding_record(f) for f in report.findings]
    records += [_finding_record(f, rule) for f, rule in report.suppressed]
    with db.session() as session:
        scan_id = repo.start_scan(session, report.target, trigger, now)
        new = repo.sync_findings(session, report.target, records, scan_id, now)
        repo.finish_scan(session, scan_id, now, "ok", packages=report.packages,
                         findings=len(report.findings), unchecked=len(report.unchecked))
        counts = repo.open_counts_by_severity(session)
    for rec in new:
        log_event("VULNERABILITY", "WARNING", target=report.target, package=rec.package,
                  version=rec.version, ecosystem=rec.ecosystem, id=rec.vuln_id,
                  aliases=rec.aliases, severity=rec.severity, fixed=rec.fixed,
                  location=rec.location)
    count_new_findings(effective_vuln_level(rec.severity, unknown_as) for rec in new)
    set_open_findings(counts_as(counts, unknown_as))
    return new


def publish_findings_metrics(db: Database, unknown_as: str = "UNKNOWN") -> None:
    """Set the open-findings gauge from the database (e.g. at start-up)."""
    with db.session() as session:
        set_open_findings(counts_as(repo.open_counts_by_severity(session), unknown_as))


def counts_as(counts: dict[str, int], unknown_as: str) -> dict[str, int]:
    """Open findings per severity with the UNKNOWN ones counted as `unknown_as`."""
    level = unknown_as.upper()
    if level == "UNKNOWN" or not counts.get("UNKNOWN"):
        return counts
    out = dict(counts)
    out[level] = out.get(level, 0) + out.pop("UNKNOWN")
    return out


def record_failure(db: Database, target: str, trigger: str, error: str) -> None:
    """Count and log a failed scan, and store it when the database is reachable."""
    SCAN_FAILURES.inc()
    log_event("ERROR", "ERROR", component="vulnerability_scan", target=target, error=error)
    now = datetime.now(UTC)
    try:
        with db.session() as session:
            scan_id = repo.start_scan(session, target, trigger, now)
            repo.finish_scan(session, scan_id, now, "failed", error=error)
    except Exception as exc:  # the failure is already counted; the DB may be the cause
        log_event("ERROR", "ERROR", component="vulnerability_scan",
                  error=f"cannot record failed scan: {exc}")


def scan_upload(db: Database, filename: str, content: bytes, kind: str | None = None,
                trigger: str = "api", target: str | None = None,
                unknown_as: str = "UNKNOWN") -> ScanReport:
    """Scan an uploaded lockfile or SBOM (named by its file name) and record the findings.

    Findings are kept per target (default ``upload:<file name>``): a later upload to the same
    target that no longer has a finding marks it fixed. No ignore file applies to uploads, so
    every finding the report lists is stored open (one an earlier scan of the target stored
    as suppressed is active again, not new).
    """
    target = target or f"upload:{os.path.basename(filename) or 'upload'}"
    try:
        extraction = extract_upload(filename, content, kind)
        report = scan_extraction(db, target, extraction)
    except (ExtractError, ScanInputError) as exc:
        record_failure(db, target, trigger, str(exc))
        raise
    record_scan(db, report, trigger, unknown_as=unknown_as)
    return report
