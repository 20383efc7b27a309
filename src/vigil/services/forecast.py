"""Forecasts of stored series: read the history, run vigil.forecasting, shape the answer."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from vigil.alerting.matchers import matches_all, parse_matchers
from vigil.forecasting.config import ForecastingConfig
from vigil.forecasting.engine import Forecast, forecast
from vigil.forecasting.errors import ForecastInputError
from vigil.storage import series_repo
from vigil.storage.database import Database
from vigil.storage.series_repo import SeriesRecord

FloatArray = npt.NDArray[np.float64]
MAX_POINTS_READ = 500_000


class SeriesNotFound(LookupError):
    """No stored series has this id."""


class HorizonTooLong(ForecastInputError):
    """The requested horizon is beyond the configured limit."""


@dataclass(frozen=True)
class SeriesForecast:
    """A stored series and its forecast."""

    series: SeriesRecord
    forecast: Forecast


def read_history(db: Database, series_id: int, since: float | None
                 ) -> tuple[SeriesRecord, FloatArray, FloatArray]:
    """The series and its points since `since` (Unix seconds), as arrays."""
    with db.session() as session:
        record = series_repo.get_series(session, series_id)
        if record is None:
            raise SeriesNotFound(series_id)
        points = series_repo.read_points(session, series_id, since, None, None, MAX_POINTS_READ)
    arr = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return record, arr[:, 0], arr[:, 1]


def matching_series(db: Database, metric: str, selector: list[str]) -> list[SeriesRecord]:
    """Every stored series named `metric` whose labels satisfy the selector's matchers."""
    matchers = parse_matchers(selector)
    out: list[SeriesRecord] = []
    after = 0
    with db.session() as session:
        while True:
            page = series_repo.list_series(session, metric, {}, after, 1000)
            out.extend(r for r in page if matches_all(matchers, r.labels))
            if len(page) < 1000:
                return out
            after = page[-1].id


def check_horizon(horizon_seconds: float, config: ForecastingConfig) -> None:
    """Raise HorizonTooLong beyond `max_horizon` (and ForecastInputError when not positive)."""
    limit = config.max_horizon.total_seconds()
    if not (horizon_seconds > 0 and math.isfinite(horizon_seconds)):
        raise ForecastInputError(f"horizon must be positive, got {horizon_seconds}")
    if horizon_seconds > limit:
        raise HorizonTooLong(f"horizon {horizon_seconds:g} s exceeds the limit of {limit:g} s "
                             "(forecasting.max_horizon)")


def forecast_series(db: Database, series_id: int, horizon_seconds: float,
                    config: ForecastingConfig, now: float) -> SeriesForecast:
    """Forecast a stored series from its last `config.history` of points."""
    check_horizon(horizon_seconds, config)
    record, ts, values = read_history(db, series_id, now - config.history.total_seconds())
    return SeriesForecast(record, forecast(ts, values, horizon_seconds, level=config.level))


def _num(x: float) -> float | None:
    return round(x, 9) if math.isfinite(x) else None


def forecast_json(fc: Forecast) -> dict[str, Any]:
    """A forecast as JSON: model, step, level, candidates' errors, and one entry per step."""
    return {"model": fc.model, "step_seconds": fc.step, "level": fc.level,
            "history_points": fc.history_points, "last_timestamp": fc.last_ts,
            "last_value": _num(fc.last_value), "scores": fc.scores,
            "points": [{"timestamp": p.ts, "mean": _num(p.mean), "lower": _num(p.lower),
                        "upper": _num(p.upper)} for p in fc.points()]}
