"""Forecasting speed: one 30-day 5-minute series (model selection included), breach
predictions, and how many series two cores re-forecast in a 5-minute cycle.

Prints one JSON object per result: {"name", "figure", "unit", "notes"}.

    .venv/bin/python benchmarks/forecasting.py [--series 200]

Targets (reported, never asserted): a 24 h forecast of a 30-day 5-minute series, model
selection included, <= 50 ms on one core (median of repeated runs; CPU time is reported
beside wall time because the machine may be shared); 10,000 series re-forecast within
one 5-minute cycle on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

NOTES = f"{platform.machine()} {platform.python_version()} cpus={os.cpu_count()}"
os.environ.setdefault("NUMBA_NUM_THREADS", "1")


def emit(name: str, figure: float, unit: str, notes: str = "") -> None:
    """Print one result line."""
    print(json.dumps({"name": name, "figure": round(figure, 3), "unit": unit,
                      "notes": f"{NOTES}; {notes}" if notes else NOTES}), flush=True)


def series(days: int = 30, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A 5-minute series with daily and weekly cycles, a slow trend and noise."""
    rng = np.random.default_rng(seed)
    n = days * 288
    ts = 1_700_000_000.0 + 300.0 * np.arange(n)
    y = (50 + 10 * np.sin(2 * np.pi * np.arange(n) / 288)
         + 3 * np.sin(2 * np.pi * np.arange(n) / 2016) + 0.002 * np.arange(n)
         + rng.normal(0, 1, n))
    return ts, y


def _timed(fn: object, repeats: int) -> tuple[float, float]:
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()  # type: ignore[operator]
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return float(np.median(wall)), float(np.median(cpu))


def _batch(seeds: list[int]) -> int:
    from vigil.forecasting import forecast

    for s in seeds:
        ts, y = series(7, s)
        forecast(ts, y, 86_400.0)
    return len(seeds)


def main() -> None:
    """Run the benchmarks."""
    from vigil.forecasting import forecast
    from vigil.forecasting.breach import predict_breach

    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=200,
                        help="series for the 2-core throughput run (7 days each)")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    ts, y = series()
    forecast(ts, y, 86_400.0)  # compile (numba caches on disk)
    wall, cpu = _timed(lambda: forecast(ts, y, 86_400.0), args.repeats)
    fc = forecast(ts, y, 86_400.0)
    emit("forecast_30d_5min_24h_wall", wall * 1000, "ms",
         f"median of {args.repeats}; model {fc.model}; target <= 50 ms")
    emit("forecast_30d_5min_24h_cpu", cpu * 1000, "ms", f"median of {args.repeats}")
    wall, cpu = _timed(lambda: predict_breach(ts, y, 200.0, "above", 86_400.0,
                                              max_history_points=None), args.repeats)
    emit("breach_30d_5min_24h_wall", wall * 1000, "ms", f"median of {args.repeats}")
    emit("breach_30d_5min_24h_cpu", cpu * 1000, "ms", f"median of {args.repeats}")

    seeds = list(range(args.series))
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_batch, [seeds[:1], seeds[1:2]]))  # warm the workers
        started = time.perf_counter()
        done = sum(pool.map(_batch, [seeds[i::2] for i in range(2)]))
    elapsed = time.perf_counter() - started
    rate = done / elapsed
    emit("reforecast_7d_series_per_5min_2_cores", rate * 300, "series",
         f"{done} series of 7 days in {elapsed:.1f} s; target >= 10000")


if __name__ == "__main__":
    main()
