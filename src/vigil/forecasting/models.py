"""The candidate models: seasonal naive, simple and damped-trend smoothing, seasonal, counts.

Every model works on a "working" series (the values, or their square roots for counts),
produces rolling-origin forecast paths from any origins, and a final forecast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vigil.forecasting.kernels import es_grid, es_paths
from vigil.forecasting.seasonal import seasonal_component

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_ALPHAS = (0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0)
_LEVEL_ONLY = ((0.0, 1.0),)
_DAMPED = ((0.03, 0.9), (0.03, 0.98), (0.03, 1.0), (0.15, 0.9), (0.15, 0.98), (0.15, 1.0))


def _grid(trend_options: tuple[tuple[float, float], ...]) -> tuple[FloatArray, ...]:
    a = [x for x in _ALPHAS for _ in trend_options]
    b = [t[0] for _ in _ALPHAS for t in trend_options]
    p = [t[1] for _ in _ALPHAS for t in trend_options]
    return np.array(a), np.array(b), np.array(p)


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One candidate model: how it transforms, whether it is seasonal, its trend options."""

    name: str
    seasonal: bool = False
    sqrt: bool = False
    trend_options: tuple[tuple[float, float], ...] = _LEVEL_ONLY
    naive: bool = False

    def to_working(self, y: FloatArray) -> FloatArray:
        """The series the model is fitted on."""
        return np.sqrt(np.maximum(y, 0.0)) if self.sqrt else y

    def from_working(self, z: FloatArray) -> FloatArray:
        """Back to the scale of the values."""
        return np.square(np.maximum(z, 0.0)) if self.sqrt else z


SEASONAL_NAIVE = ModelSpec("seasonal_naive", naive=True)
SES = ModelSpec("ses")
DAMPED_TREND = ModelSpec("damped_trend", trend_options=_DAMPED)
SEASONAL = ModelSpec("seasonal", seasonal=True, trend_options=_LEVEL_ONLY + _DAMPED)
COUNT = ModelSpec("count", seasonal=True, sqrt=True, trend_options=_LEVEL_ONLY + _DAMPED)
ALL_MODELS = (SEASONAL_NAIVE, SES, DAMPED_TREND, SEASONAL, COUNT)
MODEL_NAMES = tuple(m.name for m in ALL_MODELS)


@dataclass(frozen=True, slots=True)
class Fitted:
    """A model fitted on a working series: smoothing parameters and its seasonal periods."""

    spec: ModelSpec
    alpha: float
    beta: float
    phi: float
    periods: tuple[int, ...]
    phase0: int

    def paths(self, z: FloatArray, profile_from: int, origins: IntArray,
              horizon: int) -> FloatArray:
        """Working-scale forecasts from each origin; seasonality learnt from z[:profile_from]."""
        n = z.shape[0]
        if self.spec.naive:
            return _naive_paths(z, self.periods, origins, horizon)
        s = (seasonal_component(z[:profile_from], self.phase0, self.periods, n + horizon)
             if self.periods else np.zeros(n + horizon))
        return es_paths(z, s, self.alpha, self.beta, self.phi, origins, horizon)


def _naive_paths(z: FloatArray, periods: tuple[int, ...], origins: IntArray,
                 horizon: int) -> FloatArray:
    period = periods[0] if periods else 1
    hs = np.arange(1, horizon + 1)
    back = period * np.ceil(hs / period).astype(np.int64)
    idx = origins[:, None] + hs[None, :] - back[None, :]
    out: FloatArray = z[np.clip(idx, 0, z.shape[0] - 1)]
    return out


def fit(spec: ModelSpec, z: FloatArray, periods: tuple[int, ...], phase0: int,
        horizon: int, max_origins: int = 24) -> Fitted:
    """Choose smoothing parameters by rolling-origin h-step error on the newest part of z."""
    use_periods = periods if (spec.seasonal or spec.naive) else ()
    if spec.naive:
        return Fitted(spec, 1.0, 0.0, 1.0, use_periods[:1], phase0)
    n = z.shape[0]
    s = seasonal_component(z, phase0, use_periods, n) if use_periods else np.zeros(n)
    first = max(1, n // 2)
    stride = max(1, (n - 1 - first) // max_origins)
    alphas, betas, phis = _grid(spec.trend_options)
    best, _ = es_grid(z, s, alphas, betas, phis, first, stride, min(horizon, n - 1 - first))
    return Fitted(spec, float(alphas[best]), float(betas[best] * alphas[best]),
                  float(phis[best]), use_periods, phase0)
