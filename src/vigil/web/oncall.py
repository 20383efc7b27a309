"""Who is on call now, for every schedule, with how to reach them and the next hand-off."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from vigil.config import OperatorConfig
from vigil.services import alerting as svc
from vigil.services.console_sessions import ConsoleSession
from vigil.web.session import page_session
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/oncall", response_class=HTMLResponse)
def oncall_page(request: Request,
                session: ConsoleSession = Depends(page_session)) -> HTMLResponse:
    """Every schedule's on-call people right now."""
    config: OperatorConfig = request.app.state.config
    now = datetime.now(UTC)
    return render(request, "oncall.html",
                  {"entries": svc.on_call_now(config.alerting, now), "now": now,
                   "policies": config.alerting.escalation_policies}, session)
