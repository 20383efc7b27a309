"""Automatic forecasting: fit every candidate, score it rolling-origin, keep the best.

The newest part of the history is held out: each candidate is fitted on the part
before it and forecasts from origins inside it (no look-ahead). The candidate with the
lowest mean absolute error wins; its held-out errors give the prediction interval; it
is then re-run over the whole history for the forecast.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from vigil.forecasting.errors import ForecastInputError
from vigil.forecasting.grid import MIN_POINTS, RegularSeries, regularize
from vigil.forecasting.intervals import error_quantiles
from vigil.forecasting.models import ALL_MODELS, MODEL_NAMES, Fitted, ModelSpec, fit
from vigil.forecasting.seasonal import season_periods

FloatArray = npt.NDArray[np.float64]

MAX_HORIZON_STEPS = 20_000
MAX_EVAL_ORIGINS = 120


@dataclass(frozen=True, slots=True)
class ForecastPoint:
    """The forecast at one time: expected value and the interval bounds."""

    ts: float
    mean: float
    lower: float
    upper: float


@dataclass(frozen=True)
class Forecast:
    """Point forecasts and a prediction interval at `level`, one per future grid step."""

    model: str
    step: float
    level: float
    timestamps: FloatArray
    mean: FloatArray
    lower: FloatArray
    upper: FloatArray
    history_points: int
    last_ts: float
    last_value: float
    scores: dict[str, float] = field(default_factory=dict)
    """Held-out mean absolute error of every candidate (lower is better)."""

    def at(self, ts: float) -> ForecastPoint:
        """The forecast at an absolute time (linear between steps; clamped to the horizon)."""
        xs = np.concatenate(([self.last_ts], self.timestamps))

        def pick(arr: FloatArray) -> float:
            return float(np.interp(ts, xs, np.concatenate(([self.last_value], arr))))

        return ForecastPoint(ts, pick(self.mean), pick(self.lower), pick(self.upper))

    def points(self) -> list[ForecastPoint]:
        """Every step as a ForecastPoint."""
        return [ForecastPoint(float(t), float(m), float(lo), float(hi)) for t, m, lo, hi in
                zip(self.timestamps, self.mean, self.lower, self.upper, strict=True)]


def horizon_steps(horizon_seconds: float, step: float) -> int:
    """Number of grid steps that cover the horizon (at least one)."""
    if not (horizon_seconds > 0 and math.isfinite(horizon_seconds)):
        raise ForecastInputError(f"horizon must be positive, got {horizon_seconds}")
    steps = max(1, math.ceil(horizon_seconds / step - 1e-9))
    if steps > MAX_HORIZON_STEPS:
        raise ForecastInputError(f"horizon of {steps} steps exceeds the limit of "
                                 f"{MAX_HORIZON_STEPS} steps")
    return steps


def is_count_series(y: FloatArray) -> bool:
    """True for non-negative integer-valued series that are not all zero (event counts)."""
    return bool(y.size and np.all(y >= 0) and np.any(y > 0)
                and np.mean(np.abs(y - np.rint(y)) < 1e-9) >= 0.99)


def candidate_models(y: FloatArray, names: Sequence[str] | None = None) -> list[ModelSpec]:
    """The candidates for a series: all (or the named ones), the count model only for counts."""
    if names is not None:
        unknown = [n for n in names if n not in MODEL_NAMES]
        if unknown:
            raise ForecastInputError(f"unknown model {unknown[0]!r}; known: "
                                     f"{', '.join(MODEL_NAMES)}")
        return [m for m in ALL_MODELS if m.name in names]
    return [m for m in ALL_MODELS if m.name != "count" or is_count_series(y)]


def _robust_mae(err: FloatArray, seen: npt.NDArray[np.bool_]) -> float:
    """Median over origins of each origin's mean absolute error (one bad day cannot decide)."""
    rows = seen.any(axis=1)
    if not rows.any():
        return math.inf
    per_origin = np.where(seen, np.abs(np.nan_to_num(err)), 0.0).sum(axis=1)[rows] / \
        seen.sum(axis=1)[rows]
    return float(np.median(per_origin))


def forecast(timestamps: npt.ArrayLike, values: npt.ArrayLike, horizon_seconds: float, *,
             level: float = 0.8, step: float | None = None,
             models: Sequence[str] | None = None,
             max_history_points: int | None = None) -> Forecast:
    """Forecast a series `horizon_seconds` past its last sample, choosing the model itself.

    Timestamps are Unix seconds (any order); NaN values and gaps are allowed (gaps are
    interpolated). Raises InsufficientHistory with fewer than MIN_POINTS usable points
    and ForecastInputError for a bad horizon, level or model name. Deterministic.
    """
    series = regularize(timestamps, values, step, MIN_POINTS, max_history_points)
    return forecast_grid(series, horizon_steps(horizon_seconds, series.step), level=level,
                         models=models)


def forecast_grid(series: RegularSeries, horizon: int, *, level: float = 0.8,
                  models: Sequence[str] | None = None) -> Forecast:
    """Forecast `horizon` steps of a regular series (see `forecast`)."""
    if not 0.0 < level < 1.0:
        raise ForecastInputError(f"level must be between 0 and 1, got {level}")
    y = series.values
    n = y.shape[0]
    future = series.end + series.step * np.arange(1, horizon + 1, dtype=np.float64)
    common = {"step": series.step, "level": level, "timestamps": future, "history_points": n,
              "last_ts": series.end, "last_value": float(y[-1])}
    if float(np.ptp(y)) == 0.0:
        flat = np.full(horizon, y[0])
        return Forecast(model="constant", mean=flat, lower=flat.copy(), upper=flat.copy(),
                        scores={}, **common)
    periods = season_periods(series.step, n)
    phase0 = round(series.start / series.step)
    candidates = candidate_models(y, models)
    eval_len = min(max(horizon, n // 4), n // 2)
    train_end = n - eval_len
    stride = max(1, (eval_len - 1) // MAX_EVAL_ORIGINS)
    origins = np.arange(train_end - 1, n - 1, stride, dtype=np.int64)
    hs = np.arange(1, horizon + 1)
    target_idx = origins[:, None] + hs[None, :]
    seen = target_idx < n
    actual = np.where(seen, y[np.minimum(target_idx, n - 1)], np.nan)
    scores: dict[str, float] = {}
    trials: list[tuple[float, ModelSpec, Fitted, FloatArray]] = []
    train_periods = season_periods(series.step, train_end)
    # Parameters tuned for at least 6 h ahead are steadier than one-step-greedy ones
    fit_horizon = max(horizon, min(int(6 * 3600 / series.step), train_end // 4))
    for spec in candidates:
        z_all = spec.to_working(y)
        fitted = fit(spec, z_all[:train_end], train_periods, phase0, fit_horizon)
        paths = spec.from_working(fitted.paths(z_all, train_end, origins, horizon))
        mae = _robust_mae(actual - paths, seen)
        scores[spec.name] = round(mae, 9)
        trials.append((mae, spec, fitted, paths))
    trials.sort(key=lambda t: t[0])  # stable: ties keep the simpler, earlier model
    chosen = trials[:1]
    if len(trials) >= 2:
        combo = (trials[0][3] + trials[1][3]) / 2.0
        combo_mae = _robust_mae(actual - combo, seen)
        scores["combination"] = round(combo_mae, 9)
        if combo_mae < trials[0][0] - 1e-12:
            chosen = trials[:2]
    eval_paths: FloatArray = np.mean(np.stack([t[3] for t in chosen]), axis=0)
    errors = np.where(seen, actual - eval_paths, np.nan)
    finals: list[FloatArray] = []
    for _, spec, fitted, _ in chosen:
        z_all = spec.to_working(y)
        final = Fitted(spec, fitted.alpha, fitted.beta, fitted.phi,
                       periods if (spec.seasonal or spec.naive) else (), phase0)
        path = final.paths(z_all, n, np.array([n - 1], dtype=np.int64), horizon)[0]
        finals.append(spec.from_working(path))
    mean: FloatArray = np.mean(np.stack(finals), axis=0)
    if len(chosen) == 1 and chosen[0][1].sqrt:  # count model: interval on the sqrt scale
        spec = chosen[0][1]
        z_err = np.where(seen, spec.to_working(np.nan_to_num(actual))
                         - spec.to_working(np.nan_to_num(eval_paths)), np.nan)
        z_mean = spec.to_working(mean)
        lo_err, hi_err = error_quantiles(z_err, level, horizon,
                                         float(np.std(np.diff(spec.to_working(y)))) or 1e-9)
        lower, upper = spec.from_working(z_mean + lo_err), spec.from_working(z_mean + hi_err)
    else:
        lo_err, hi_err = error_quantiles(errors, level, horizon,
                                         float(np.std(np.diff(y))) or 1e-9)
        lower, upper = mean + lo_err, mean + hi_err
    if is_count_series(y):  # counts are never negative, whichever model won
        mean, lower, upper = (np.maximum(a, 0.0) for a in (mean, lower, upper))
    name = "+".join(t[1].name for t in chosen)
    return Forecast(model=name, mean=mean, lower=np.minimum(lower, mean),
                    upper=np.maximum(upper, mean), scores=scores, **common)
