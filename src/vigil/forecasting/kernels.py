"""Numba kernels: damped-trend exponential smoothing, its rolling-origin errors and forecasts.

The model is ETS(A,Ad,N) on a series with a known seasonal component `s` removed:
level l, trend b, error e = x - (l + phi*b); l += phi*b + alpha*e; b = phi*b + beta*e.
The h-step forecast from origin t is l_t + (phi + ... + phi^h) b_t + s[t+h].
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

FloatArray = npt.NDArray[np.float64]


@njit(cache=True, nogil=True)
def _damp_sums(phi: float, horizon: int) -> FloatArray:  # pragma: no cover - compiled
    out = np.empty(horizon)
    acc = 0.0
    p = 1.0
    for h in range(horizon):
        p *= phi
        acc += p
        out[h] = acc
    return out


@njit(cache=True, nogil=True)
def es_cost(y: FloatArray, s: FloatArray, alpha: float, beta: float, phi: float,
            first_origin: int, stride: int, horizon: int) -> float:  # pragma: no cover
    """Mean absolute h-step error over origins first_origin, +stride, ... (h = 1..horizon)."""
    n = y.shape[0]
    sums = _damp_sums(phi, horizon)
    level = y[0] - s[0]
    trend = 0.0
    total = 0.0
    count = 0
    for t in range(1, n):
        x = y[t] - s[t]
        e = x - (level + phi * trend)
        level = level + phi * trend + alpha * e
        trend = phi * trend + beta * e
        if t >= first_origin and (t - first_origin) % stride == 0:
            hmax = min(horizon, n - 1 - t)
            for h in range(hmax):
                total += abs(y[t + h + 1] - (level + sums[h] * trend + s[t + h + 1]))
            count += hmax
    if count == 0:
        return np.inf
    return total / count


@njit(cache=True, nogil=True)
def es_grid(y: FloatArray, s: FloatArray, alphas: FloatArray, betas: FloatArray,
            phis: FloatArray, first_origin: int, stride: int,
            horizon: int) -> tuple[int, float]:  # pragma: no cover - compiled
    """Index of the (alpha, beta, phi) triple with the lowest es_cost, and that cost."""
    best = -1
    best_cost = np.inf
    for i in range(alphas.shape[0]):
        c = es_cost(y, s, alphas[i], betas[i] * alphas[i], phis[i], first_origin, stride,
                    horizon)
        if c < best_cost:
            best_cost = c
            best = i
    return best, best_cost


@njit(cache=True, nogil=True)
def es_paths(y: FloatArray, s: FloatArray, alpha: float, beta: float, phi: float,
             origins: npt.NDArray[np.int64], horizon: int) -> FloatArray:  # pragma: no cover
    """Forecasts (len(origins) x horizon) from each origin; s must cover max(origins)+horizon."""
    n = y.shape[0]
    sums = _damp_sums(phi, horizon)
    out = np.full((origins.shape[0], horizon), np.nan)
    level = y[0] - s[0]
    trend = 0.0
    k = 0
    while k < origins.shape[0] and origins[k] < 0:
        k += 1
    for t in range(n):
        if t > 0:
            x = y[t] - s[t]
            e = x - (level + phi * trend)
            level = level + phi * trend + alpha * e
            trend = phi * trend + beta * e
        while k < origins.shape[0] and origins[k] == t:
            for h in range(horizon):
                out[k, h] = level + sums[h] * trend + s[t + h + 1]
            k += 1
    return out
