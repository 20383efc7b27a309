"""Predictive maintenance over HTTP: series forecasts, time-to-breach predictions, SLOs."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from vigil.alerting.durations import parse_duration
from vigil.api.deps import Principal, get_config, get_database, require_role
from vigil.api.problems import ProblemError
from vigil.core.types import MAX_ID, Role

router = APIRouter(prefix="/api/v1", tags=["predictive maintenance"])



def _invalid_horizon(message: str) -> ProblemError:
    return ProblemError(422, "invalid-input", "Invalid input", message,
                        [{"in": "query", "path": "horizon", "message": message}])


@router.get("/series/{series_id}/forecast",
            responses={404: {"description": "No such series"},
                       422: {"description": "Bad or too long horizon, or insufficient history"}})
async def series_forecast(
    request: Request,
    series_id: int,
    horizon: Annotated[str, Query(description="How far ahead: 1h, 24h, 2d or seconds")] = "24h",
    _p: Principal = Depends(require_role(Role.VIEWER)),
) -> dict[str, Any]:
    """Forecast a stored series with a prediction interval (the model is chosen per series).

    The answer has one point per step of the series (its typical sampling interval) up to
    the horizon: `mean`, and `lower`/`upper` at `level` (forecasting.level, default 80%).
    A horizon beyond forecasting.max_horizon, or too little history, answers 422.
    """
    from vigil.forecasting.errors import ForecastInputError, InsufficientHistory
    from vigil.services.forecast import (
        HorizonTooLong,
        SeriesNotFound,
        forecast_json,
        forecast_series,
    )

    if not 1 <= series_id <= MAX_ID:
        raise ProblemError(404, "not-found", "Not found", f"there is no series {series_id}")
    try:
        seconds = parse_duration(horizon).total_seconds()
    except ValueError as exc:
        raise _invalid_horizon(str(exc)) from None
    config = get_config(request).forecasting
    try:
        result = await run_in_threadpool(forecast_series, get_database(request), series_id,
                                         seconds, config, time.time())
    except SeriesNotFound:
        raise ProblemError(404, "not-found", "Not found",
                           f"there is no series {series_id}") from None
    except HorizonTooLong as exc:
        raise _invalid_horizon(str(exc)) from None
    except InsufficientHistory as exc:
        raise ProblemError(422, "insufficient-history", "Insufficient history",
                           str(exc)) from None
    except ForecastInputError as exc:
        raise _invalid_horizon(str(exc)) from None
    return {"series_id": result.series.id, "name": result.series.name,
            "labels": result.series.labels, "horizon_seconds": seconds,
            **forecast_json(result.forecast)}


@router.get("/predictions")
async def predictions(request: Request,
                      _p: Principal = Depends(require_role(Role.VIEWER))) -> dict[str, Any]:
    """Current time-to-breach of every series of every configured target (forecasting.targets).

    `priority` is P2 when a breach is predicted sooner than forecasting.p2_lead_time, P3
    when later within the horizon, null when none is; `error` says why a series has no
    prediction (e.g. insufficient history).
    """
    from vigil.services.predictions import compute_predictions, prediction_json

    items = await run_in_threadpool(compute_predictions, get_database(request),
                                    get_config(request).forecasting, datetime.now(UTC))
    return {"items": [prediction_json(i) for i in items]}


@router.get("/slos")
async def slos(request: Request,
               _p: Principal = Depends(require_role(Role.VIEWER))) -> dict[str, Any]:
    """Error budgets of the configured SLOs: remaining budget, burn rates, firing alerts."""
    from vigil.services.slos import compute_slos, slo_json

    items = await run_in_threadpool(compute_slos, get_database(request),
                                    get_config(request).forecasting, datetime.now(UTC))
    return {"items": [slo_json(i) for i in items]}
