"""Detection speed (and, with --nab-root, NAB quality and wall time).

Prints one JSON object per result: {"name", "figure", "unit", "notes"}.

    .venv/bin/python benchmarks/detection.py [--nab-root /work/shared/data/nab-dev]

Targets (reported, never asserted; issue 10): default detector >= 1,000,000
points/s in batch on one core, p99 <= 50 us per streaming update, `vigil bench
nab` over nab-dev <= 60 s wall. Latency percentiles depend on what else the
machine runs: report the load average with them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from vigil.detection import make_detector

NOTES = f"{platform.machine()} {platform.python_version()} cpus={os.cpu_count()} one thread"


def emit(name: str, figure: float, unit: str, notes: str = "") -> None:
    """Print one result line."""
    load = f"load {os.getloadavg()[0]:.2f}"
    print(json.dumps({"name": name, "figure": round(figure, 3), "unit": unit,
                      "notes": f"{NOTES} {load}; {notes}" if notes else f"{NOTES} {load}"}),
          flush=True)


def series(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Five-minute daily-seasonal series with noise and a few spikes."""
    rng = np.random.default_rng(seed)
    ts = 1_700_000_000.0 + 300.0 * np.arange(n)
    vals = 50 + 10 * np.sin(2 * np.pi * np.arange(n) / 288) + rng.normal(0, 1, n)
    vals[rng.integers(0, n, n // 1000)] += 40
    return ts, vals


def bench_batch(name: str, n: int = 1_000_000) -> None:
    """Points per second through update_batch (after a warm-up call that compiles)."""
    ts, vals = series(n)
    make_detector(name).update_batch(ts[:1000], vals[:1000])
    best = 0.0
    for _ in range(3):
        det = make_detector(name)
        t0 = time.perf_counter()
        det.update_batch(ts, vals)
        best = max(best, n / (time.perf_counter() - t0))
    emit(f"{name}.batch_throughput", best, "points/s", f"{n:,} points, best of 3")


def bench_stream(name: str, n: int = 50_000, runs: int = 3) -> None:
    """Latency of update() per point, p50 and p99 (best run of `runs`: the machine is shared)."""
    ts, vals = series(n, seed=1)
    p50s, p99s = [], []
    for _ in range(runs):
        det = make_detector(name)
        det.update(float(ts[0]), float(vals[0]))
        lat = np.empty(n - 1)
        for i in range(1, n):
            t0 = time.perf_counter_ns()
            det.update(float(ts[i]), float(vals[i]))
            lat[i - 1] = time.perf_counter_ns() - t0
        p50s.append(float(np.percentile(lat, 50)) / 1000)
        p99s.append(float(np.percentile(lat, 99)) / 1000)
    emit(f"{name}.stream_update_p50", min(p50s), "us",
         f"{n:,} updates, DetectionResult with explanation, best of {runs}")
    emit(f"{name}.stream_update_p99", min(p99s), "us",
         f"{n:,} updates, best of {runs}; all runs: " + ", ".join(f"{x:.0f}" for x in p99s))


def bench_state(name: str) -> None:
    """Size of a persisted state and the time to save and restore it."""
    from vigil.detection import restore_detector

    ts, vals = series(20_000, seed=2)
    det = make_detector(name)
    det.update_batch(ts, vals)
    t0 = time.perf_counter()
    for _ in range(50):
        blob = det.get_state()
    t1 = time.perf_counter()
    for _ in range(50):
        restore_detector(blob)
    t2 = time.perf_counter()
    emit(f"{name}.state_bytes", len(blob), "bytes", "after 20,000 points, zlib")
    emit(f"{name}.state_save", (t1 - t0) / 50 * 1e6, "us")
    emit(f"{name}.state_restore", (t2 - t1) / 50 * 1e6, "us")


def bench_nab(root: Path, name: str) -> None:
    """Wall time and scores of the `vigil bench nab` command (a fresh process)."""
    exe = Path(sys.executable).with_name("vigil")
    t0 = time.perf_counter()
    out = subprocess.run([str(exe), "bench", "nab", "--nab-root", str(root), "--detector", name,
                          "--results-dir", "/tmp/vigil-nab-results", "--format", "json"],
                         check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    emit(f"{name}.nab_wall", wall, "s", f"vigil bench nab, {summary['points']:,} points, "
         "including process start, compile cache, scoring")
    for profile in ("standard", "reward_low_FP_rate", "reward_low_FN_rate"):
        emit(f"{name}.nab_{profile}", float(summary[profile]), "score", str(root))


def main() -> None:
    """Run the benchmarks."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--nab-root", type=Path)
    ap.add_argument("--detectors", default="vigil,zscore")
    args = ap.parse_args()
    for name in args.detectors.split(","):
        bench_batch(name)
        bench_stream(name)
        bench_state(name)
        if args.nab_root:
            bench_nab(args.nab_root, name)


if __name__ == "__main__":
    main()
