"""Put irregular samples on a regular time grid: infer the step, fill short gaps."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vigil.forecasting.errors import ForecastInputError, InsufficientHistory

FloatArray = npt.NDArray[np.float64]

MIN_POINTS = 24
"""The fewest observed points any forecast is made from."""


@dataclass(frozen=True, slots=True)
class RegularSeries:
    """Values on a regular grid `start + i * step`; gaps are filled, `observed` says which."""

    start: float
    step: float
    values: FloatArray
    observed: npt.NDArray[np.bool_]

    @property
    def end(self) -> float:
        """Timestamp of the last grid point."""
        return self.start + (len(self.values) - 1) * self.step

    def timestamps(self) -> FloatArray:
        """Timestamps of every grid point."""
        return self.start + self.step * np.arange(len(self.values), dtype=np.float64)


def infer_step(ts: FloatArray) -> float:
    """The typical spacing of sorted timestamps (median of positive differences)."""
    d = np.diff(ts)
    d = d[d > 0]
    if d.size == 0:
        raise ForecastInputError("cannot infer a step: fewer than two distinct timestamps")
    return float(np.median(d))


def regularize(timestamps: npt.ArrayLike, values: npt.ArrayLike, step: float | None = None,
               min_points: int = MIN_POINTS, max_points: int | None = None) -> RegularSeries:
    """Sort, bin onto a regular grid (mean per bin), trim NaN ends, interpolate interior gaps.

    Raises InsufficientHistory when fewer than `min_points` finite samples remain.
    `max_points` keeps only the newest grid points.
    """
    ts = np.asarray(timestamps, dtype=np.float64).ravel()
    vals = np.asarray(values, dtype=np.float64).ravel()
    if ts.shape != vals.shape:
        raise ForecastInputError("timestamps and values differ in length")
    ok = np.isfinite(ts) & np.isfinite(vals)
    ts, vals = ts[ok], vals[ok]
    if ts.size < min_points:
        raise InsufficientHistory(min_points, int(ts.size))
    order = np.argsort(ts, kind="stable")
    ts, vals = ts[order], vals[order]
    if step is None:
        step = infer_step(ts)
    if not (step > 0 and math.isfinite(step)):
        raise ForecastInputError(f"step must be positive, got {step}")
    start = ts[0]
    idx = np.rint((ts - start) / step).astype(np.int64)
    n = int(idx[-1]) + 1
    if max_points is not None and n > max_points:
        keep = idx >= n - max_points
        idx, vals = idx[keep] - (n - max_points), vals[keep]
        start = start + (n - max_points) * step
        n = max_points
    sums = np.bincount(idx, weights=vals, minlength=n)
    counts = np.bincount(idx, minlength=n)
    observed = counts > 0
    if int(observed.sum()) < min_points:
        raise InsufficientHistory(min_points, int(observed.sum()))
    grid = np.full(n, np.nan)
    grid[observed] = sums[observed] / counts[observed]
    if not observed.all():
        pos = np.flatnonzero(observed)
        grid = np.interp(np.arange(n, dtype=np.float64), pos.astype(np.float64), grid[pos])
    return RegularSeries(float(start), float(step), grid, observed)
