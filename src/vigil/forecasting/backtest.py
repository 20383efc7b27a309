"""Rolling-origin evaluation of forecasts: MASE and interval coverage per horizon, no look-ahead.

At each origin, every method sees only the points up to the origin, forecasts the
horizon, and is scored against what followed. MASE divides the mean absolute error by
the in-sample mean absolute error of the seasonal naive forecast (lag one day when the
history holds two, else one step) over the history the method saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from vigil.forecasting.engine import forecast_grid, is_count_series
from vigil.forecasting.errors import ForecastInputError
from vigil.forecasting.grid import RegularSeries
from vigil.forecasting.models import MODEL_NAMES
from vigil.forecasting.seasonal import season_periods

FloatArray = npt.NDArray[np.float64]
AUTO = "auto"


@dataclass
class SeriesScores:
    """Per method and horizon: mean MASE over origins, and interval hits / points."""

    name: str
    mase: dict[tuple[str, float], list[float]] = field(default_factory=dict)
    hits: dict[tuple[str, float], list[int]] = field(default_factory=dict)
    chosen: list[str] = field(default_factory=list)

    def mean_mase(self, method: str, horizon: float | None = None) -> float | None:
        """Mean MASE of a method at one horizon, or over all horizons."""
        vals = [v for (m, h), vs in self.mase.items() if m == method
                and (horizon is None or h == horizon) for v in vs]
        return float(np.mean(vals)) if vals else None


def _scale(y: FloatArray, step: float) -> float:
    periods = season_periods(step, y.size, (86_400.0,))
    lag = periods[0] if periods else 1
    d = np.abs(y[lag:] - y[:-lag])
    s = float(d.mean()) if d.size else 0.0
    if s <= 0:
        d1 = np.abs(np.diff(y))
        s = float(d1.mean()) if d1.size else 0.0
    return s if s > 0 else 1.0


def backtest_series(name: str, series: RegularSeries, horizons: Sequence[float], *,
                    origins: int = 6, level: float = 0.8, max_history_points: int = 8064,
                    models: Sequence[str] = MODEL_NAMES) -> SeriesScores:
    """Score auto and each model on one regular series at the given horizons (seconds)."""
    y = series.values
    n = y.size
    steps = {h: max(1, round(h / series.step)) for h in horizons}
    longest = max(steps.values())
    first = max(int(n * 0.7), 48)
    last = n - longest - 1
    out = SeriesScores(name)
    if last <= first:
        return out
    counts = is_count_series(y)
    for origin in np.linspace(first, last, origins).astype(int):
        lo = max(0, origin + 1 - max_history_points)
        hist = RegularSeries(series.start + lo * series.step, series.step, y[lo:origin + 1],
                             np.ones(origin + 1 - lo, dtype=bool))
        scale = _scale(hist.values, series.step)
        runs: list[tuple[str, float, int]] = [(AUTO, h, k) for h, k in steps.items()]
        runs += [(m, h, longest) for m in models if m != "count" or counts for h in horizons]
        cache: dict[tuple[str, int], tuple[FloatArray, FloatArray, FloatArray, str]] = {}
        for method, h, k in runs:
            key = (method, k)
            if key not in cache:
                try:
                    fc = forecast_grid(hist, k, level=level,
                                       models=None if method == AUTO else [method])
                except ForecastInputError:
                    continue
                cache[key] = (fc.mean, fc.lower, fc.upper, fc.model)
                if method == AUTO and k == longest:
                    out.chosen.append(fc.model)
            mean, lower, upper, _ = cache[key]
            kk = steps[h]
            actual = y[origin + 1:origin + 1 + kk]
            err = float(np.mean(np.abs(actual - mean[:kk]))) / scale
            inside = int(np.sum((actual >= lower[:kk]) & (actual <= upper[:kk])))
            out.mase.setdefault((method, h), []).append(err)
            out.hits.setdefault((method, h), []).extend([inside, kk])
    return out


@dataclass(frozen=True)
class BenchSummary:
    """Corpus-level figures: per method and horizon mean MASE and coverage, and win rate."""

    rows: list[dict[str, object]]
    auto_beats_naive: float
    series: int


def summarise(scores: Sequence[SeriesScores], horizons: Sequence[float]) -> BenchSummary:
    """Aggregate per-series scores into the figures the bench prints."""
    methods = [AUTO, *MODEL_NAMES]
    rows: list[dict[str, object]] = []
    for method in methods:
        for h in horizons:
            mases = [v for s in scores if (v := s.mean_mase(method, h)) is not None]
            hits = [s.hits[(method, h)] for s in scores if (method, h) in s.hits]
            inside = sum(sum(x[0::2]) for x in hits)
            total = sum(sum(x[1::2]) for x in hits)
            if mases:
                rows.append({"method": method, "horizon_hours": h / 3600,
                             "mase_mean": round(float(np.mean(mases)), 4),
                             "mase_median": round(float(np.median(mases)), 4),
                             "coverage": round(inside / total, 4) if total else None,
                             "series": len(mases)})
    wins = [a < b for s in scores
            if (a := s.mean_mase(AUTO)) is not None and (b := s.mean_mase("seasonal_naive"))
            is not None]
    return BenchSummary(rows, float(np.mean(wins)) if wins else 0.0, len(wins))
