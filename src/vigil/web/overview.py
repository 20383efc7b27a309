"""The overview page: service health, open alerts by priority, the last day's anomalies,
security and capacity headlines."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from vigil.config import OperatorConfig, Settings
from vigil.services.console_overview import PRIORITIES, overview
from vigil.services.console_sessions import ConsoleSession
from vigil.web.session import database, page_session
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
SEVERITIES = ["critical", "warning", "info"]
FINDING_SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]


@router.get("/", response_class=HTMLResponse)
def overview_page(request: Request,
                  session: ConsoleSession = Depends(page_session)) -> HTMLResponse:
    """The overview of everything an on-call person checks first."""
    settings: Settings = request.app.state.settings
    config: OperatorConfig = request.app.state.config
    data = overview(database(request), settings, config, datetime.now(UTC))
    return render(request, "overview.html",
                  {"o": data, "priorities": PRIORITIES, "severities": SEVERITIES,
                   "finding_severities": FINDING_SEVERITIES}, session)
