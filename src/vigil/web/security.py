"""The security page: vulnerability findings with filters, threats, and the scan history."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from vigil.services import threats as threats_svc
from vigil.services.console_sessions import ConsoleSession
from vigil.services.vuln_scans.queries import list_findings, list_scans
from vigil.web.session import database, page_session
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
FINDING_SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]
THREAT_PRIORITIES = ["P1", "P2", "P3", "P4"]
LIST_SIZE = 200


@router.get("/security", response_class=HTMLResponse)
def security_page(request: Request, severity: str = Query(""),
                  target: str = Query("", max_length=1024), include_fixed: bool = Query(False),
                  priority: str = Query(""), source_ip: str = Query("", max_length=255),
                  session: ConsoleSession = Depends(page_session)) -> HTMLResponse:
    """Open findings (filter by severity, target, fixed), recent threats, recent scans."""
    db = database(request)
    severity = severity.upper() if severity.upper() in FINDING_SEVERITIES else ""
    priority = priority.upper() if priority.upper() in THREAT_PRIORITIES else ""
    findings = list_findings(db, target=target.strip() or None, severity=severity or None,
                             include_fixed=include_fixed, limit=LIST_SIZE)
    threats = threats_svc.list_threats(db, LIST_SIZE, None, priority or None,
                                       source_ip.strip() or None, None)
    scans = list_scans(db, limit=50)
    return render(request, "security.html",
                  {"findings": findings, "threats": threats, "scans": scans,
                   "severity": severity, "target": target, "include_fixed": include_fixed,
                   "priority": priority, "source_ip": source_ip,
                   "finding_severities": FINDING_SEVERITIES,
                   "threat_priorities": THREAT_PRIORITIES, "list_size": LIST_SIZE}, session)
