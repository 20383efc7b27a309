"""Alerts: the list, one alert with its timeline and escalation, and the operator's actions
(acknowledge, resolve, silence), through the same alerting service as the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vigil.alerting.durations import parse_duration
from vigil.alerting.lifecycle import TransitionError
from vigil.config import OperatorConfig
from vigil.core.types import MAX_ID, Priority
from vigil.services import alerting as svc
from vigil.services.console_sessions import ConsoleSession
from vigil.web.session import PageNotFound, database, page_session, write_session
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100
STATE_FILTERS = {"open": ["pending", "firing", "acknowledged"], "firing": ["firing"],
                 "pending": ["pending"], "acknowledged": ["acknowledged"],
                 "resolved": ["resolved"], "all": []}


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, state: str = Query("open"),
                before: int | None = Query(None, ge=1, le=MAX_ID),
                done: str = Query("", max_length=64), error: str = Query("", max_length=300),
                session: ConsoleSession = Depends(page_session)) -> HTMLResponse:
    """Alerts newest first, filtered by state, with the active silences."""
    state = state if state in STATE_FILTERS else "open"
    db = database(request)
    alerts = svc.list_alerts(db, STATE_FILTERS[state] or None, PAGE_SIZE + 1, before)
    more = len(alerts) > PAGE_SIZE
    alerts = alerts[:PAGE_SIZE]
    now = datetime.now(UTC)
    return render(request, "alerts.html",
                  {"alerts": alerts, "state": state, "states": list(STATE_FILTERS),
                   "next_before": alerts[-1].id if more and alerts else None,
                   "silences": svc.list_silences(db, now), "now": now, "done": done,
                   "error": error, "respond_by": _respond_by(request)}, session)


def _respond_by(request: Request) -> Callable[[Priority, datetime], datetime]:
    """respond_by bound to the operator's business calendar (P4: next business day)."""
    calendar = svc.business_calendar(request.app.state.config)
    return partial(svc.respond_by, calendar=calendar)


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(request: Request, alert_id: int = Path(ge=1, le=MAX_ID),
               done: str = Query("", max_length=64), error: str = Query("", max_length=300),
               session: ConsoleSession = Depends(page_session)) -> HTMLResponse:
    """One alert: state, labels, timeline, notifications, escalation and pages to come."""
    config: OperatorConfig = request.app.state.config
    try:
        detail = svc.alert_detail(database(request), alert_id, config.alerting)
    except svc.AlertNotFound as exc:
        raise PageNotFound(str(exc)) from None
    alertname = detail.alert.labels.get("alertname", detail.alert.rule)
    return render(request, "alert_detail.html",
                  {"d": detail, "a": detail.alert, "done": done, "error": error,
                   "now": datetime.now(UTC), "respond_by": _respond_by(request),
                   "silence_matcher": f'alertname="{alertname}"'}, session)


def _act(request: Request, alert_id: int, csrf_token: str, word: str) -> Response:
    session = write_session(request, csrf_token)
    action = svc.acknowledge_alert if word == "acknowledged" else svc.resolve_alert
    try:
        action(database(request), alert_id, session.principal.name, datetime.now(UTC))
    except svc.AlertNotFound as exc:
        raise PageNotFound(str(exc)) from None
    except TransitionError as exc:
        return RedirectResponse(f"/alerts/{alert_id}?error={_q(str(exc))}", status_code=303)
    return RedirectResponse(f"/alerts/{alert_id}?done={word}", status_code=303)


def _q(text: str) -> str:
    from urllib.parse import quote

    return quote(text[:300], safe="")


@router.post("/alerts/{alert_id}/ack")
def acknowledge(request: Request, alert_id: int = Path(ge=1, le=MAX_ID),
                csrf_token: str = Form("")) -> Response:
    """Acknowledge a firing alert (escalation stops)."""
    return _act(request, alert_id, csrf_token, "acknowledged")


@router.post("/alerts/{alert_id}/resolve")
def resolve(request: Request, alert_id: int = Path(ge=1, le=MAX_ID),
            csrf_token: str = Form("")) -> Response:
    """Resolve an open alert by hand."""
    return _act(request, alert_id, csrf_token, "resolved")


@router.post("/silences")
def create_silence(request: Request, matchers: str = Form(""), duration: str = Form("2h"),
                   comment: str = Form(""), csrf_token: str = Form(""),
                   back: str = Form("/alerts")) -> Response:
    """Silence the alerts the matchers (one per line) select, for a duration."""
    session = write_session(request, csrf_token)
    back = back.split("?")[0].split("#")[0]
    back = back if back.startswith("/alerts") else "/alerts"
    now = datetime.now(UTC)
    lines = [m.strip() for m in matchers.splitlines() if m.strip()]
    try:
        if not comment.strip():
            raise ValueError("a silence needs a comment (why, and who to ask)")
        ends = now + (parse_duration(duration) if duration.strip() else timedelta(hours=2))
        svc.create_silence(database(request), lines, now, ends, session.principal.name,
                           comment.strip(), now)
    except (ValueError, OverflowError) as exc:
        reason = str(exc) if isinstance(exc, ValueError) else "the duration is too long"
        return RedirectResponse(f"{back}?error={_q(reason)}", status_code=303)
    return RedirectResponse(f"{back}?done=silenced", status_code=303)


@router.post("/silences/{silence_id}/expire")
def expire_silence(request: Request, silence_id: int = Path(ge=1, le=MAX_ID),
                   csrf_token: str = Form("")) -> Response:
    """End a silence now."""
    write_session(request, csrf_token)
    try:
        svc.expire_silence(database(request), silence_id, datetime.now(UTC))
    except svc.AlertNotFound as exc:
        raise PageNotFound(str(exc)) from None
    return RedirectResponse("/alerts?done=silence-expired", status_code=303)
