"""Time-to-breach: when will a series cross a threshold, with bounds and a probability.

Jumps (resets of a sawtooth, cleanups, restarts, level shifts at deploys) are taken
out before the trend is estimated: the forecast runs on the "de-jumped" series, whose
increments are the increments of the series between jumps, and is laid onto the current
level. When resets recur (log rotation, GC), they are projected into the future too:
each projected reset drops the path back to the trend of the post-reset floors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np
import numpy.typing as npt

from vigil.forecasting.engine import Forecast, forecast_grid, horizon_steps
from vigil.forecasting.grid import MIN_POINTS, RegularSeries, regularize
from vigil.forecasting.intervals import normal_quantile

FloatArray = npt.NDArray[np.float64]

JUMP_SIGMAS = 8.0
"""A step change larger than this many robust sigmas of the increments is a jump."""


class Direction(str, Enum):
    """Which side of the threshold is the breach."""

    ABOVE = "above"
    BELOW = "below"

    @property
    def sign(self) -> float:
        """+1 when breaching means rising, -1 when it means falling."""
        return 1.0 if self is Direction.ABOVE else -1.0


@dataclass(frozen=True, slots=True)
class Jumps:
    """Step changes found in a series (grid indices of the point after each jump)."""

    resets: npt.NDArray[np.int64]
    rises: npt.NDArray[np.int64]


@dataclass(frozen=True)
class BreachPrediction:
    """Whether, when and how surely a series crosses its threshold within the horizon.

    Times are Unix seconds; `eta_lower` is the earliest plausible breach (the interval's
    worse bound crosses), `eta_upper` the latest (its better bound crosses; None when that
    happens beyond the horizon). `probability` is that of breaching within the horizon.
    """

    threshold: float
    direction: Direction
    horizon_seconds: float
    now: float
    current: float
    probability: float
    eta: float | None
    eta_lower: float | None
    eta_upper: float | None
    model: str
    resets: int
    level_shifts: int
    forecast: Forecast

    @property
    def breaching(self) -> bool:
        """True when the value is already past the threshold."""
        return self.direction.sign * (self.current - self.threshold) >= 0

    @property
    def seconds_to_breach(self) -> float | None:
        """Seconds from now to the estimated breach (0 when breaching; None when not expected)."""
        return None if self.eta is None else max(0.0, self.eta - self.now)


def find_jumps(u: FloatArray, sigmas: float = JUMP_SIGMAS) -> Jumps:
    """Step changes of u: increments far outside the robust spread of the increments."""
    d = np.diff(u)
    if d.size < 3:
        empty = np.zeros(0, dtype=np.int64)
        return Jumps(empty, empty)
    med = float(np.median(d))
    mad = float(np.median(np.abs(d - med))) * 1.4826
    span = float(np.ptp(u))
    floor = max(mad * sigmas, 0.02 * span, 1e-12)
    dev = d - med
    resets = np.flatnonzero(dev < -floor) + 1
    rises = np.flatnonzero(dev > floor) + 1
    return Jumps(resets.astype(np.int64), rises.astype(np.int64))


def dejump(u: FloatArray, jumps: Jumps) -> FloatArray:
    """u with every jump's increment replaced by the median increment (trend kept)."""
    d = np.diff(u)
    idx = np.concatenate((jumps.resets, jumps.rises)) - 1
    if idx.size:
        keep = np.ones(d.size, dtype=bool)
        keep[idx] = False
        d = d.copy()
        d[idx] = float(np.median(d[keep])) if keep.any() else 0.0
    return np.concatenate(([u[0]], u[0] + np.cumsum(d)))


def _project_resets(u: FloatArray, resets: npt.NDArray[np.int64], base: FloatArray,
                    horizon: int) -> FloatArray:
    """Shift the future path down at projected recurring resets (floors follow their trend)."""
    n = u.shape[0]
    if resets.size < 2:
        return np.zeros(horizon)
    cycle = float(np.median(np.diff(resets)))
    since = n - resets[-1]
    if cycle < 1 or since > 2.0 * cycle:
        return np.zeros(horizon)
    floors = u[resets]
    x = resets.astype(np.float64)
    slope = float(np.polyfit(x, floors, 1)[0]) if resets.size >= 3 else 0.0
    shift = np.zeros(horizon)
    next_reset = resets[-1] + cycle
    while next_reset < n + horizon:
        k = math.ceil(next_reset) - n  # future step index (0-based = step 1)
        if k >= 0:
            floor_at = floors[-1] + slope * (next_reset - resets[-1])
            drop = base[k] + shift[k] - floor_at
            if drop > 0:
                shift[k:] -= drop
        next_reset += cycle
    return shift


def predict_breach(timestamps: npt.ArrayLike, values: npt.ArrayLike, threshold: float,
                   direction: Direction | str, horizon_seconds: float, *,
                   level: float = 0.8, step: float | None = None,
                   max_history_points: int | None = 4032) -> BreachPrediction:
    """Predict when the series crosses `threshold` (going `direction`) within the horizon."""
    series = regularize(timestamps, values, step, MIN_POINTS, max_history_points)
    return predict_breach_grid(series, threshold, Direction(direction), horizon_seconds,
                               level=level)


def predict_breach_grid(series: RegularSeries, threshold: float, direction: Direction,
                        horizon_seconds: float, *, level: float = 0.8) -> BreachPrediction:
    """`predict_breach` on a regular series."""
    sign = direction.sign
    u = sign * series.values
    thr = sign * threshold
    horizon = horizon_steps(horizon_seconds, series.step)
    jumps = find_jumps(u)
    c = dejump(u, jumps)
    dejumped = RegularSeries(series.start, series.step, c, series.observed)
    fc = forecast_grid(dejumped, horizon, level=level,
                       models=("ses", "damped_trend", "seasonal", "seasonal_naive"))
    offset = u[-1] - c[-1]
    mean = fc.mean + offset
    shift = _project_resets(u, jumps.resets, mean, horizon)
    mean = mean + shift
    lower = fc.lower + offset + shift
    upper = fc.upper + offset + shift
    now = series.end
    z = normal_quantile(0.5 + level / 2.0)
    sigma = np.maximum((upper - lower) / (2.0 * z), 1e-12 * max(1.0, abs(thr)))
    zscore = (mean - thr) / sigma
    prob = float(max((0.5 * (1.0 + math.erf(v / math.sqrt(2.0))) for v in zscore), default=0.0))
    current = float(series.values[-1])
    eta: float | None
    eta_lo: float | None
    eta_hi: float | None
    if u[-1] >= thr:
        prob, eta, eta_lo, eta_hi = 1.0, now, now, now
    else:
        eta = _first_crossing(fc.timestamps, mean, thr)
        eta_lo = _first_crossing(fc.timestamps, upper, thr)
        eta_hi = _first_crossing(fc.timestamps, lower, thr)
    out = Forecast(model=fc.model, step=fc.step, level=level, timestamps=fc.timestamps,
                   mean=sign * mean, lower=sign * (lower if sign > 0 else upper),
                   upper=sign * (upper if sign > 0 else lower), history_points=fc.history_points,
                   last_ts=now, last_value=current, scores=fc.scores)
    return BreachPrediction(threshold=threshold, direction=direction,
                            horizon_seconds=horizon_seconds, now=now, current=current,
                            probability=round(prob, 6), eta=eta, eta_lower=eta_lo,
                            eta_upper=eta_hi, model=fc.model, resets=int(jumps.resets.size),
                            level_shifts=int(jumps.rises.size), forecast=out)


def _first_crossing(ts: FloatArray, path: FloatArray, thr: float) -> float | None:
    hit = np.flatnonzero(path >= thr)
    return float(ts[hit[0]]) if hit.size else None
