"""Read-only views of the scan history: findings, scans and the per-day findings trend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from vigil.security.trend import TrendDay, finding_trend
from vigil.storage import security_repo as repo
from vigil.storage.database import Database


def list_findings(db: Database, *, target: str | None = None, severity: str | None = None,
                  include_fixed: bool = False, include_suppressed: bool = False,
                  after_id: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    """Stored findings as plain data, oldest first, after a cursor id.

    Suppressed findings are left out unless `include_suppressed`; their ``suppressed`` item
    holds the ignore entry's reason and expiry (None for findings that are not suppressed).
    """
    with db.session() as session:
        rows = repo.list_findings(session, target=target, severity=severity,
                                  include_fixed=include_fixed,
                                  include_suppressed=include_suppressed, after_id=after_id,
                                  limit=limit)
        return [
            {"id": r.id, "target": r.target, "package": r.package, "version": r.version,
             "ecosystem": r.ecosystem, "vuln_id": r.vuln_id, "aliases": r.aliases,
             "severity": r.severity, "score": r.score, "summary": r.summary, "fixed": r.fixed,
             "location": r.location, "first_seen": r.first_seen, "last_seen": r.last_seen,
             "fixed_at": r.fixed_at,
             "suppressed": None if r.suppressed_reason is None else {
                 "reason": r.suppressed_reason, "expires": r.suppressed_until}}
            for r in rows
        ]


def list_scans(db: Database, *, target: str | None = None, status: str | None = None,
               before_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Recorded scans as plain data, newest first, before a cursor id."""
    with db.session() as session:
        return [
            {"id": r.id, "target": r.target, "trigger": r.trigger, "started_at": r.started_at,
             "finished_at": r.finished_at, "status": r.status, "packages": r.packages,
             "findings": r.findings, "unchecked": r.unchecked, "error": r.error}
            for r in repo.list_scans(session, target=target, status=status,
                                     before_id=before_id, limit=limit)
        ]


def findings_trend(db: Database, *, target: str | None, days: int,
                   now: datetime | None = None) -> list[TrendDay]:
    """The last `days` UTC days (today included) of a target's findings, oldest first."""
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    first_day = today - timedelta(days=days - 1)
    since = datetime.combine(first_day, datetime.min.time(), UTC)
    with db.session() as session:
        lifetimes = repo.finding_lifetimes(session, target=target, since=since,
                                           until=since + timedelta(days=days))
    return finding_trend(lifetimes, first_day, days)
