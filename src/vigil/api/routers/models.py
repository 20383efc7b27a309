"""Model lifecycle over HTTP: feedback quality, data quality, versions, rollback, retrain."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from vigil.api.bodies import openapi_body, optional_json_body
from vigil.api.deps import Principal, get_config, get_database, get_settings, require_role
from vigil.api.problems import ProblemError
from vigil.config import OperatorConfig, Settings
from vigil.core.types import MAX_ID, Role
from vigil.services import model_quality
from vigil.storage.database import Database

router = APIRouter(prefix="/api/v1", tags=["models"])
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


def _not_found(exc: LookupError) -> ProblemError:
    return ProblemError(404, "not-found", "Not found", str(exc))


@router.get("/models/quality")
def feedback_quality(
    series_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    db: Database = Depends(get_database), config: OperatorConfig = Depends(get_config),
    _p: Principal = Depends(require_role(Role.VIEWER)),
) -> dict[str, Any]:
    """Accuracy, false-positive rate and missed anomalies per series and detector version.

    A rate is null when the window holds fewer labels than `min_labels`.
    """
    cfg = config.detection.lifecycle
    rows = model_quality.compute(db, cfg, datetime.now(UTC), series_id)
    return {"window_days": cfg.quality_window_days, "min_labels": cfg.min_labels,
            "items": [model_quality.quality_json(q) for q in rows]}


@router.get("/series/{series_id}/quality", responses={404: {"description": "Not assessed"}})
def data_quality(series_id: IdPath, db: Database = Depends(get_database),
                 _p: Principal = Depends(require_role(Role.VIEWER))) -> dict[str, Any]:
    """The series' latest data-quality score and what each component cost."""
    from vigil.services.lifecycle_queries import data_quality_of

    try:
        return data_quality_of(db, series_id)
    except LookupError as exc:
        raise _not_found(exc) from None


@router.get("/series/{series_id}/models", responses={404: {"description": "No series"}})
def list_models(series_id: IdPath, db: Database = Depends(get_database),
                _p: Principal = Depends(require_role(Role.VIEWER))) -> dict[str, Any]:
    """A series' model versions, newest first, and the active one."""
    from vigil.services import model_versions as mv

    try:
        items, active = mv.versions(db, series_id)
    except mv.VersionNotFound as exc:
        raise _not_found(exc) from None
    current = None if active is None else active.version
    return {"active_version": current,
            "items": [mv.version_json(v, v.version == current) for v in items]}


@router.get("/series/{series_id}/models/{version}",
            responses={404: {"description": "No such version"}})
def show_model(series_id: IdPath, version: Annotated[int, Path(ge=1, le=2**31 - 1)],
               db: Database = Depends(get_database),
               _p: Principal = Depends(require_role(Role.VIEWER))) -> dict[str, Any]:
    """One model version: detector, parameters, threshold, trained-on range, quality."""
    from vigil.services import model_versions as mv

    try:
        found, active = mv.version(db, series_id, version)
    except mv.VersionNotFound as exc:
        raise _not_found(exc) from None
    return mv.version_json(found, active, with_state=True)


@router.post("/series/{series_id}/models/{version}/rollback",
             responses={404: {"description": "No such version"}})
def rollback_model(series_id: IdPath, version: Annotated[int, Path(ge=1, le=2**31 - 1)],
                   request: Request, db: Database = Depends(get_database),
                   principal: Principal = Depends(require_role(Role.ADMIN))) -> dict[str, Any]:
    """Make an earlier version active again (audited; the worker adopts it at once)."""
    from vigil.services import model_versions as mv

    try:
        active = mv.rollback(db, series_id, version, principal.name, datetime.now(UTC))
    except mv.VersionNotFound as exc:
        raise _not_found(exc) from None
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is not None:
        runtime.detection.wake()
    return {"series_id": series_id, "active_version": active.version,
            "threshold": active.threshold}


class RetrainIn(BaseModel):
    """Which watched series to retrain: an id, an anchored name regex or `name{labels}`."""

    model_config = ConfigDict(extra="forbid")
    series: str | None = Field(default=None, max_length=1000)


@router.post("/models/retrain", responses={422: {"description": "Selector picks nothing"}},
             openapi_extra=openapi_body(RetrainIn, required=False))
def retrain_models(request: Request,
                   db: Database = Depends(get_database),
                   config: OperatorConfig = Depends(get_config),
                   settings: Settings = Depends(get_settings),
                   principal: Principal = Depends(require_role(Role.ADMIN)),
                   body: RetrainIn | None = Depends(optional_json_body(RetrainIn)),
                   ) -> dict[str, Any]:
    """Retrain now (all watched series, or those the selector picks); returns the run."""
    from vigil.services import retraining

    selector = body.series if body is not None else None
    try:
        report = retraining.retrain(db, settings, config, datetime.now(UTC), selector,
                                    principal.name)
    except retraining.UnknownSelector as exc:
        raise ProblemError(422, "unknown-selector", "Invalid input", str(exc),
                           [{"in": "body", "path": "series", "message": str(exc),
                             "matched": exc.matched, "watched": exc.watched[:100]}]) from None
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is not None:
        runtime.detection.wake()
    return report.as_dict()
