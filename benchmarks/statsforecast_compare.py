"""Vigil's forecaster against statsforecast (Nixtla) on the same rolling origins.

Not part of the project's dependencies: run it in a separate environment that has
statsforecast (pip install statsforecast) with Vigil's src/ on the path:

    PYTHONPATH=src /tmp/sfvenv/bin/python benchmarks/statsforecast_compare.py \
        /work/shared/data/nab-dev/data/realAWSCloudwatch /work/shared/data/traces

Prints one JSON object per method: mean MASE and 80% coverage at 24 h over all series
and origins, and the median time of one fit + forecast of a 30-day 5-minute series.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

from vigil.forecasting.engine import forecast_grid
from vigil.forecasting.grid import RegularSeries

STEP = 300.0
H = 288
SEASON = 288


def load(path: Path) -> np.ndarray:
    """Values of a CSV (first column time or minute index), 1-minute traces summed to 5."""
    with path.open() as fh:
        rows = list(csv.reader(fh))
    vals = np.array([float(r[1]) for r in rows[1:]])
    if "minute" in rows[0][0].lower():
        vals = vals[: vals.size // 5 * 5].reshape(-1, 5).sum(axis=1)
    return vals


def vigil_fc(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    fc = forecast_grid(RegularSeries(0.0, STEP, y, np.ones(y.size, bool)), H, level=0.8)
    return fc.mean, fc.lower, fc.upper


def sf_fc(model: object, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    out = model.forecast(y=y, h=H, level=[80])  # type: ignore[attr-defined]
    return out["mean"], out["lo-80"], out["hi-80"]


def main() -> None:
    """Score every method on every series."""
    from statsforecast.models import MSTL, AutoETS, SeasonalNaive

    methods = {
        "vigil_auto": vigil_fc,
        "sf_seasonal_naive": lambda y: sf_fc(SeasonalNaive(season_length=SEASON), y),
        "sf_autoets": lambda y: sf_fc(AutoETS(season_length=1), y),
        "sf_mstl_autoets": lambda y: sf_fc(MSTL(season_length=[SEASON],
                                                trend_forecaster=AutoETS(model="ZZN")), y),
    }
    files = [f for p in map(Path, sys.argv[1:])
             for f in (sorted(p.rglob("*.csv")) if p.is_dir() else [p])]
    scores: dict[str, list[float]] = {m: [] for m in methods}
    hits: dict[str, list[int]] = {m: [0, 0] for m in methods}
    for f in files:
        y_all = load(f)
        n = y_all.size
        if n < 3 * SEASON + H:
            continue
        for origin in np.linspace(int(n * 0.7), n - H - 1, 3).astype(int):
            y = y_all[max(0, origin + 1 - 8064):origin + 1]
            actual = y_all[origin + 1:origin + 1 + H]
            scale = float(np.mean(np.abs(y[SEASON:] - y[:-SEASON]))) or 1.0
            for name, fn in methods.items():
                mean, lo, hi = fn(y)
                scores[name].append(float(np.mean(np.abs(actual - mean))) / scale)
                hits[name][0] += int(np.sum((actual >= lo) & (actual <= hi)))
                hits[name][1] += H
    rng = np.random.default_rng(0)
    k = np.arange(30 * 288)
    y30 = 50 + 10 * np.sin(2 * np.pi * k / 288) + 0.002 * k + rng.normal(0, 1, k.size)
    for name, fn in methods.items():
        fn(y30)  # compile
        times = []
        for _ in range(5):
            c = time.process_time()
            fn(y30)
            times.append(time.process_time() - c)
        print(json.dumps({"method": name, "mase_24h_mean": round(float(np.mean(scores[name])), 4),
                          "coverage_80": round(hits[name][0] / max(1, hits[name][1]), 4),
                          "forecasts": len(scores[name]),
                          "cpu_ms_30d_5min": round(1000 * float(np.median(times)), 1)}),
              flush=True)


if __name__ == "__main__":
    main()
