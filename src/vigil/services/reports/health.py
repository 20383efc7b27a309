"""The runbook's daily health check, done by the machine (docs/RUNBOOK.md, "Daily").

The script `scripts/daily-health-check.sh` asks: does the service answer, is the database
reachable with its schema current, is any P1 alert firing, is the advisory database
loaded, are error rate and p95 within thresholds. The report answers each question it
can from storage, plus whether every scheduled job's last run succeeded (the critical
services run as jobs) and whether the last vulnerability scan failed. Error rate and p95
need a running server's /metrics: `vigil deploy watch` keeps that check.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vigil.config import Settings
from vigil.services import vuln_scans
from vigil.services.readiness import check_readiness
from vigil.storage import alerting_repo, analytics_repo
from vigil.storage.database import Database
from vigil.storage.jobs_repo import list_runs


def _check(name: str, ok: bool, detail: str, href: str) -> dict[str, Any]:
    return {"name": name, "ok": ok, "detail": detail, "href": href}


def health_section(db: Database, settings: Settings, now: datetime) -> dict[str, Any]:
    """The daily checks, each with ok, a one-line detail and the API query behind it."""
    checks = []
    ready = check_readiness(db, settings)
    database = ready["checks"]["database"]
    checks.append(_check("database reachable, schema current", bool(database["ok"]),
                         database.get("reason") or f"{database['dialect']} ok", "/ready"))
    if "redis" in ready["checks"]:
        redis = ready["checks"]["redis"]
        checks.append(_check("redis answering", bool(redis["ok"]),
                             redis.get("reason") or "ok", "/ready"))
    with db.session() as s:
        open_by_priority = alerting_repo.count_open_by_priority(s)
        firing = analytics_repo.firing_by_priority(s)
    p1 = firing.get("P1", 0)
    checks.append(_check("no P1 alert firing", p1 == 0,
                         f"{p1} P1 alert(s) firing unacknowledged" if p1 else "none firing",
                         "/api/v1/alerts?state=firing"))
    advisories = vuln_scans.advisory_count(db)
    checks.append(_check("advisory database loaded (not empty)", advisories > 0,
                         f"{advisories} advisories", "/api/v1/analytics/health"))
    scans = vuln_scans.list_scans(db, limit=1)
    if scans:
        last = scans[0]
        checks.append(_check("last vulnerability scan succeeded", last["status"] != "failed",
                             f"scan {last['id']} of {last['target']}: {last['status']}",
                             "/api/v1/security/scans?limit=1"))
    failed = []
    jobs = []
    for run in list_runs(db):
        jobs.append({"name": run.name, "status": run.last_status,
                     "finished_at": run.last_finished_at.isoformat()
                     if run.last_finished_at else None, "detail": run.last_detail})
        if run.last_status == "error":
            failed.append(run.name)
    ok_detail = f"{len(jobs)} jobs ok" if jobs else "no job has run yet"
    checks.append(_check("every scheduled job's last run succeeded", not failed,
                         f"failed: {', '.join(failed)}" if failed else ok_detail,
                         "/api/v1/analytics/health"))
    return {"ok": all(c["ok"] for c in checks), "checks": checks, "jobs": jobs,
            "open_alerts_by_priority": open_by_priority,
            "firing_by_priority": firing, "checked_at": now.isoformat()}
