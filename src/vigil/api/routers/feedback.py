"""Operator feedback over HTTP: label an anomaly true/false positive, report a missed one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from vigil.api.bodies import json_body, openapi_body
from vigil.api.deps import Principal, get_database, get_settings, require_role
from vigil.api.problems import ProblemError
from vigil.config import Settings
from vigil.core.ingest import parse_timestamp
from vigil.core.types import MAX_ID, Role
from vigil.services import feedback as svc
from vigil.storage.database import Database

router = APIRouter(prefix="/api/v1", tags=["feedback"])
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


class FeedbackIn(BaseModel):
    """The verdict on an anomaly: was it a real problem?"""

    model_config = ConfigDict(extra="forbid")
    true_positive: bool


class MissedIn(BaseModel):
    """A range (RFC 3339 or Unix seconds) that held an anomaly the detector missed."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    start: str | float = Field(alias="from")
    end: str | float = Field(alias="to")
    note: str | None = Field(default=None, max_length=2000)


def _when(raw: str | float, field: str) -> datetime:
    try:
        return datetime.fromtimestamp(parse_timestamp(raw), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise ProblemError(422, "invalid-input", "Invalid input", str(exc),
                           [{"in": "body", "path": field, "message": str(exc)}]) from None


@router.post("/anomalies/{anomaly_id}/feedback", responses={404: {"description": "No anomaly"}},
             openapi_extra=openapi_body(FeedbackIn))
def label_anomaly(anomaly_id: IdPath, db: Database = Depends(get_database),
                  principal: Principal = Depends(require_role(Role.OPERATOR)),
                  body: FeedbackIn = Depends(json_body(FeedbackIn))) -> dict[str, Any]:
    """Label an anomaly a true or false positive (again to change it; history in the audit log)."""
    try:
        feedback = svc.label_anomaly(db, anomaly_id, body.true_positive, principal.name,
                                     datetime.now(UTC))
    except svc.NotFound as exc:
        raise ProblemError(404, "not-found", "Not found", str(exc)) from None
    return {"anomaly_id": anomaly_id, **svc.feedback_json(feedback)}


@router.post("/series/{series_id}/missed", status_code=201,
             responses={404: {"description": "No series"}, 422: {"description": "Bad range"}},
             openapi_extra=openapi_body(MissedIn))
def report_missed(series_id: IdPath, db: Database = Depends(get_database),
                  settings: Settings = Depends(get_settings),
                  principal: Principal = Depends(require_role(Role.OPERATOR)),
                  body: MissedIn = Depends(json_body(MissedIn))) -> dict[str, Any]:
    """Record that the detector missed an anomaly of this series between `from` and `to`."""
    start, end = _when(body.start, "from"), _when(body.end, "to")
    try:
        missed = svc.mark_missed(db, series_id, start, end, body.note, principal.name,
                                 settings.retention_days, datetime.now(UTC))
    except svc.InvalidRange as exc:
        raise ProblemError(422, "invalid-range", "Invalid input", str(exc),
                           [{"in": "body", "path": exc.field, "message": str(exc)}]) from None
    except svc.NotFound as exc:
        raise ProblemError(404, "not-found", "Not found", str(exc)) from None
    return svc.missed_json(missed)


@router.get("/series/{series_id}/missed", responses={404: {"description": "No series"}})
def list_missed(series_id: IdPath, db: Database = Depends(get_database),
                _p: Principal = Depends(require_role(Role.VIEWER))) -> dict[str, Any]:
    """The missed-anomaly ranges recorded for a series."""
    try:
        items = svc.missed_ranges(db, series_id)
    except svc.NotFound as exc:
        raise ProblemError(404, "not-found", "Not found", str(exc)) from None
    return {"items": [svc.missed_json(m) for m in items]}
