"""The scheduled job: scan every configured path and record what it found."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from vigil.config import OperatorConfig, Settings
from vigil.security.model import ExtractError
from vigil.services.vuln_scans.errors import NoAdvisories, ScanInputError
from vigil.services.vuln_scans.inventory import extract_path, load_ignore_file
from vigil.services.vuln_scans.recording import (
    publish_findings_metrics,
    record_failure,
    record_scan,
    scan_extraction,
)
from vigil.storage.database import Database


def run_scheduled_scans(db: Database, settings: Settings, config: OperatorConfig) -> dict[str, Any]:
    """Scan every configured path and record findings; failures are counted, never raised."""
    section = config.vulnerability_scanning
    summary: dict[str, Any] = {"scanned": 0, "failed": 0, "findings": 0}
    if not section.paths:
        # keeps the gauge right after restarts and API uploads
        publish_findings_metrics(db, section.unknown_as)
        return summary
    try:
        ignores = load_ignore_file(Path(section.ignore_file) if section.ignore_file else None)
    except ScanInputError as exc:
        record_failure(db, section.ignore_file or "", "scheduled", str(exc))
        summary["failed"] = len(section.paths)
        return summary
    for raw in section.paths:
        path = Path(raw)
        try:
            extraction = extract_path(path)
            report = scan_extraction(db, str(path), extraction, ignores)
        except (ExtractError, ScanInputError, NoAdvisories, OSError) as exc:
            record_failure(db, str(path), "scheduled", str(exc))
            summary["failed"] += 1
            continue
        record_scan(db, report, "scheduled", unknown_as=section.unknown_as)
        summary["scanned"] += 1
        summary["findings"] += len(report.findings)
    return summary


def scheduled_scan_job(db: Database, settings: Settings,
                       config: OperatorConfig) -> Callable[[datetime], str]:
    """A scheduler job (``func(now) -> detail``) running `run_scheduled_scans`.

    Register it with ``config.vulnerability_scanning.interval_minutes * 60`` seconds.
    """

    def job(now: datetime) -> str:
        """Run one round of scheduled scans and describe it for the job log."""
        summary = run_scheduled_scans(db, settings, config)
        return (f"scanned {summary['scanned']} paths, {summary['failed']} failed, "
                f"{summary['findings']} findings")

    return job
