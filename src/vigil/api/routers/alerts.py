"""Alerts, silences and on-call over HTTP: list, acknowledge, resolve, show; silences CRUD."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from vigil.alerting.durations import parse_duration
from vigil.alerting.lifecycle import AlertState, TransitionError
from vigil.api.bodies import json_body, openapi_body
from vigil.api.deps import Principal, get_config, get_database, require_role
from vigil.api.pagination import decode_cursor, encode_cursor
from vigil.api.problems import ProblemError
from vigil.config import OperatorConfig
from vigil.core.types import MAX_ID, Role
from vigil.services import alerting as svc
from vigil.storage.database import Database

router = APIRouter(prefix="/api/v1", tags=["alerts"])
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
Matcher = Annotated[str, Field(min_length=1, max_length=1024)]


def _now() -> datetime:
    return datetime.now(UTC)


def _not_found(exc: LookupError) -> ProblemError:
    return ProblemError(404, "not-found", "Not found", str(exc))


def _conflict(exc: TransitionError) -> ProblemError:
    return ProblemError(409, "invalid-transition", "Conflict", str(exc))


@router.get("/alerts")
def list_alerts(
    state: list[AlertState] = Query(default=[], description="Repeatable; default: open alerts"),
    limit: int = Query(default=100, ge=1, le=1000),
    cursor: str | None = Query(default=None),
    db: Database = Depends(get_database),
    config: OperatorConfig = Depends(get_config),
    _p: Principal = Depends(require_role(Role.VIEWER)),
) -> dict[str, Any]:
    """Alerts newest first, with an opaque `next_cursor` while more remain."""
    before = decode_cursor(cursor)
    if before is not None and (isinstance(before, bool) or not isinstance(before, int)
                               or not 0 <= before <= MAX_ID):
        raise ProblemError(422, "invalid-cursor", "Invalid input", "the cursor is not valid")
    states = [s.value for s in state] or ["pending", "firing", "acknowledged"]
    alerts = svc.list_alerts(db, states, limit + 1, before)
    more = len(alerts) > limit
    alerts = alerts[:limit]
    calendar = svc.business_calendar(config)
    return {"items": [svc.alert_json(a, calendar) for a in alerts],
            "next_cursor": encode_cursor(alerts[-1].id) if more and alerts else None}


@router.get("/alerts/{alert_id}", responses={404: {"description": "No such alert"}})
def show_alert(alert_id: IdPath, db: Database = Depends(get_database),
               config: OperatorConfig = Depends(get_config),
               _p: Principal = Depends(require_role(Role.VIEWER))) -> dict[str, Any]:
    """One alert with its escalation timeline, notification log and upcoming pages."""
    try:
        return svc.detail_json(svc.alert_detail(db, alert_id, config.alerting),
                               svc.business_calendar(config))
    except svc.AlertNotFound as exc:
        raise _not_found(exc) from None


@router.post("/alerts/{alert_id}/ack", responses={404: {"description": "No such alert"},
                                                  409: {"description": "Not firing"}})
def acknowledge(alert_id: IdPath, db: Database = Depends(get_database),
                config: OperatorConfig = Depends(get_config),
                principal: Principal = Depends(require_role(Role.OPERATOR))) -> dict[str, Any]:
    """Acknowledge a firing alert (escalation stops); 409 when it is not firing."""
    try:
        return svc.alert_json(svc.acknowledge_alert(db, alert_id, principal.name, _now()),
                             svc.business_calendar(config))
    except svc.AlertNotFound as exc:
        raise _not_found(exc) from None
    except TransitionError as exc:
        raise _conflict(exc) from None


@router.post("/alerts/{alert_id}/resolve", responses={404: {"description": "No such alert"},
                                                      409: {"description": "Already resolved"}})
def resolve(alert_id: IdPath, db: Database = Depends(get_database),
            config: OperatorConfig = Depends(get_config),
            principal: Principal = Depends(require_role(Role.OPERATOR))) -> dict[str, Any]:
    """Resolve an open alert by hand; 409 when it is already resolved."""
    try:
        return svc.alert_json(svc.resolve_alert(db, alert_id, principal.name, _now()),
                             svc.business_calendar(config))
    except svc.AlertNotFound as exc:
        raise _not_found(exc) from None
    except TransitionError as exc:
        raise _conflict(exc) from None


class SilenceIn(BaseModel):
    """A new silence: matchers, and either `ends_at` or a `duration` (default 2h)."""

    model_config = ConfigDict(extra="forbid")

    matchers: list[Matcher] = Field(min_length=1, max_length=32,
                                examples=[['alertname="HighCpuUsage"', 'host="web-1"']])
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    duration: str | None = Field(default=None, max_length=64, examples=["2h"])
    comment: str = Field(min_length=1, max_length=4096)


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


@router.get("/silences")
def list_silences(include_expired: bool = Query(default=False, alias="all"),
                  db: Database = Depends(get_database),
                  _p: Principal = Depends(require_role(Role.VIEWER))) -> list[dict[str, Any]]:
    """Pending and active silences (`?all=true` adds expired ones)."""
    now = _now()
    return [svc.silence_json(s, now) for s in svc.list_silences(db, now, include_expired)]


@router.post("/silences", status_code=201, responses={422: {"description": "Invalid silence"}},
             openapi_extra=openapi_body(SilenceIn))
def create_silence(db: Database = Depends(get_database),
                   principal: Principal = Depends(require_role(Role.OPERATOR)),
                   body: SilenceIn = Depends(json_body(SilenceIn))) -> dict[str, Any]:
    """Create a silence; its author is the API key's name."""
    now = _now()
    starts = _aware(body.starts_at) if body.starts_at else now
    if body.ends_at:
        ends = _aware(body.ends_at)
    else:
        try:
            ends = starts + (parse_duration(body.duration) if body.duration
                             else timedelta(hours=2))
        except (ValueError, OverflowError) as exc:
            reason = str(exc) if isinstance(exc, ValueError) else \
                f"duration {body.duration!r} is too long"
            raise ProblemError(422, "invalid-silence", "Invalid input", reason,
                               [{"in": "body", "path": "duration", "message": reason}]) from None
    try:
        silence = svc.create_silence(db, body.matchers, starts, ends, principal.name,
                                     body.comment, now)
    except ValueError as exc:
        path = "ends_at" if "must end" in str(exc) else "matchers"
        raise ProblemError(422, "invalid-silence", "Invalid input", str(exc),
                           [{"in": "body", "path": path, "message": str(exc)}]) from None
    return svc.silence_json(silence, now)


@router.delete("/silences/{silence_id}", responses={404: {"description": "No such silence"}})
def expire_silence(silence_id: IdPath, db: Database = Depends(get_database),
                   _p: Principal = Depends(require_role(Role.OPERATOR))) -> dict[str, Any]:
    """Expire a silence now (it stays listed with `?all=true`)."""
    now = _now()
    try:
        return svc.silence_json(svc.expire_silence(db, silence_id, now), now)
    except svc.AlertNotFound as exc:
        raise _not_found(exc) from None


@router.get("/oncall")
def oncall(at: datetime | None = Query(default=None, description="RFC 3339; default now"),
           config: OperatorConfig = Depends(get_config),
           _p: Principal = Depends(require_role(Role.VIEWER))) -> list[dict[str, Any]]:
    """Who is on call for each schedule, with contacts and the next hand-off."""
    try:
        return svc.oncall_json(svc.on_call_now(config.alerting, _aware(at) if at else _now()))
    except OverflowError:
        raise ProblemError(422, "invalid-input", "Invalid input", "`at` is out of range",
                           [{"in": "query", "path": "at", "message": "out of range"}]) from None
