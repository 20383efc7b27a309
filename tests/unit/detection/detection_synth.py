"""Synthetic operations-like series with injected anomalies (test fixtures)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

STEP = 300.0  # five-minute samples
DAY = 288
T0 = 1_700_006_400.0  # a Wednesday 00:00 UTC


def seasonal(n: int, seed: int = 0, noise: float = 1.0) -> tuple[npt.NDArray[np.float64],
                                                                 npt.NDArray[np.float64]]:
    """Daily-seasonal series around 50 with gaussian noise: (timestamps, values)."""
    rng = np.random.default_rng(seed)
    ts = T0 + STEP * np.arange(n)
    phase = 2 * np.pi * np.arange(n) / DAY
    vals = 50.0 + 10.0 * np.sin(phase) + rng.normal(0.0, noise, n)
    return ts, vals


def inject(kind: str, vals: npt.NDArray[np.float64], at: int) -> npt.NDArray[np.float64]:
    """Return a copy of vals with an anomaly of `kind` starting at index `at`."""
    v = vals.copy()
    n = len(v)
    if kind == "spike":
        v[at] += 30.0
    elif kind == "dip":
        v[at] -= 30.0
    elif kind == "level_shift":
        v[at:] += 25.0
    elif kind == "variance":
        rng = np.random.default_rng(99)
        v[at:] += rng.normal(0.0, 8.0, n - at)
    elif kind == "trend":
        v[at:] += 0.08 * np.arange(n - at)
    elif kind == "seasonal_break":
        # one day where the daily cycle stops: flat at the mean
        end = min(at + DAY // 2, n)
        v[at:end] = 50.0 + (v[at:end] - (50.0 + 10.0 * np.sin(2 * np.pi * np.arange(at, end)
                                                                / DAY)))
        v[at:end] += 10.0 * np.sin(2 * np.pi * np.arange(at, end) / DAY + np.pi)
    else:
        raise ValueError(kind)
    return v
