"""Seasonal periods of a grid and additive seasonal profiles (daily, then weekly), MSTL-like."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

DAY = 86_400.0
WEEK = 7 * DAY
MIN_CYCLES = 2
"""A season is modelled only when the history holds at least this many whole cycles."""


def season_periods(step: float, n: int, candidates: tuple[float, ...] = (DAY, WEEK)
                   ) -> tuple[int, ...]:
    """Periods (in grid steps) of the daily and weekly cycles that the history covers twice."""
    out: list[int] = []
    for seconds in candidates:
        p = seconds / step
        period = round(p)
        if period >= 2 and abs(p - period) < 1e-6 * max(1.0, p) and n >= MIN_CYCLES * period:
            out.append(period)
    return tuple(out)


def _moving_average(x: FloatArray, width: int) -> FloatArray:
    """Centred moving average with the window shrunk at the ends."""
    n = x.shape[0]
    c = np.concatenate(([0.0], np.cumsum(x)))
    half = width // 2
    lo = np.clip(np.arange(n) - half, 0, n)
    hi = np.clip(np.arange(n) - half + width, 0, n)
    out: FloatArray = (c[hi] - c[lo]) / np.maximum(hi - lo, 1)
    return out


def _circular_smooth(profile: FloatArray, width: int) -> FloatArray:
    if width <= 1:
        return profile
    half = width // 2
    ext = np.concatenate((profile[-half:], profile, profile[:width - half - 1]))
    c = np.concatenate(([0.0], np.cumsum(ext)))
    return (c[width:] - c[:-width]) / width


def seasonal_component(x: FloatArray, phase0: int, periods: tuple[int, ...], n_total: int,
                       max_cycles: int = 8) -> FloatArray:
    """Sum of per-period profiles of x (newest `max_cycles` cycles), laid over n_total steps.

    Each profile is the mean, per phase, of x minus its centred moving average (the
    previous periods' profiles removed first), smoothed and centred on zero.
    """
    n = x.shape[0]
    resid = x.astype(np.float64).copy()
    total = np.zeros(n_total)
    for period in periods:
        half = period // 2
        cycles = min((n - 2 * half) // period, max_cycles)
        end = n - half  # the moving average is centred only up to here
        if cycles < 1:
            continue
        detrended = resid - _moving_average(resid, period)
        use = cycles * period
        seg = detrended[end - use:end]
        phase_start = (phase0 + end - use) % period
        ph = (phase_start + np.arange(use)) % period
        profile = np.bincount(ph, weights=seg, minlength=period) / cycles
        profile = _circular_smooth(profile, max(1, period // 96))
        profile -= profile.mean()
        comp = profile[(phase0 + np.arange(n_total)) % period]
        total += comp
        resid -= comp[:n]
    return total
