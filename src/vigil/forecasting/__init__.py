"""Forecasting: point forecasts with prediction intervals, time-to-breach, SLO error budgets.

Pure domain code (numpy, numba). The public entry points:

- `forecast(timestamps, values, horizon_seconds, level=0.8)` -> `Forecast` (model chosen
  per series); `Forecast.at(ts)` reads the forecast and interval at any future time.
- `forecast_grid(RegularSeries, steps)` for callers that already hold a regular grid.
"""

from __future__ import annotations

from vigil.forecasting.engine import (
    MAX_HORIZON_STEPS,
    Forecast,
    ForecastPoint,
    forecast,
    forecast_grid,
    horizon_steps,
)
from vigil.forecasting.errors import ForecastInputError, InsufficientHistory
from vigil.forecasting.grid import MIN_POINTS, RegularSeries, regularize
from vigil.forecasting.models import MODEL_NAMES

__all__ = [
    "MAX_HORIZON_STEPS",
    "MIN_POINTS",
    "MODEL_NAMES",
    "Forecast",
    "ForecastInputError",
    "ForecastPoint",
    "InsufficientHistory",
    "RegularSeries",
    "forecast",
    "forecast_grid",
    "horizon_steps",
    "regularize",
]
