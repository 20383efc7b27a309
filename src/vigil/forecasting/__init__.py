"""Forecasting: point forecasts with prediction intervals, time-to-breach, SLO error budgets.

Pure domain code (numpy, numba). The public entry points:

- `forecast(timestamps, values, horizon_seconds, level=0.8)` -> `Forecast`, the model
  chosen per series; `Forecast.at(ts)` reads the forecast and its interval at any future
  time (the Auto-Scaling Engine reads `at(now + start-up).upper`).
- `forecast_grid(RegularSeries, steps)` for callers that already hold a regular grid.
- `predict_breach(...)` (vigil.forecasting.breach) and `evaluate_slo(...)`
  (vigil.forecasting.slo).

Names load on first use, so importing `vigil.forecasting.config` (for the YAML) does not
import numpy or numba.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vigil.forecasting.breach import BreachPrediction, Direction, predict_breach
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
    from vigil.forecasting.slo import SLOSpec, SLOStatus, evaluate_slo

_WHERE = {
    "BreachPrediction": "breach", "Direction": "breach", "predict_breach": "breach",
    "MAX_HORIZON_STEPS": "engine", "Forecast": "engine", "ForecastPoint": "engine",
    "forecast": "engine", "forecast_grid": "engine", "horizon_steps": "engine",
    "ForecastInputError": "errors", "InsufficientHistory": "errors",
    "MIN_POINTS": "grid", "RegularSeries": "grid", "regularize": "grid",
    "MODEL_NAMES": "models",
    "SLOSpec": "slo", "SLOStatus": "slo", "evaluate_slo": "slo",
}

__all__ = [
    "MAX_HORIZON_STEPS",
    "MIN_POINTS",
    "MODEL_NAMES",
    "BreachPrediction",
    "Direction",
    "Forecast",
    "ForecastInputError",
    "ForecastPoint",
    "InsufficientHistory",
    "RegularSeries",
    "SLOSpec",
    "SLOStatus",
    "evaluate_slo",
    "forecast",
    "forecast_grid",
    "horizon_steps",
    "predict_breach",
    "regularize",
]


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'vigil.forecasting' has no attribute {name!r}")
    return getattr(import_module(f"vigil.forecasting.{module}"), name)
