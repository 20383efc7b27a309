"""Model lifecycle over HTTP: feedback quality, data quality, versions, rollback, retrain."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from vigil.api.deps import Principal, get_config, get_database, require_role
from vigil.api.problems import ProblemError
from vigil.config import OperatorConfig
from vigil.core.types import Role
from vigil.services import model_quality
from vigil.storage.database import Database

router = APIRouter(prefix="/api/v1", tags=["models"])
MAX_ID = 2**63 - 1
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
