"""A/B speed of the default detector's kernel against an older copy of kernel.py.

Both kernels run alternately in one process on the same 1,000,000-point series
(the one of benchmarks/detection.py); each run is timed in CPU time of this
process, so other processes on a shared machine disturb it less than wall time.
Their outputs must be bit-identical (the point of a refactoring). Prints one JSON
object per kernel (median points/s) and one with the ratio of the medians.

    git show <commit>:src/vigil/detection/kernel.py > /tmp/kb/kernel_before.py
    .venv/bin/python benchmarks/kernel_ab.py /tmp/kb/kernel_before.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np
from detection import emit, series

from vigil.detection import kernel as current
from vigil.detection.default import DefaultConfig


def run_once(kernel: ModuleType, ts: np.ndarray, xs: np.ndarray) -> tuple[float, np.ndarray]:
    """Points/s (CPU time) of one fresh run, and its scores."""
    n = len(xs)
    a = kernel.new_state(3)
    outs = [np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.bool_),
            np.zeros(n, dtype=np.int64), np.zeros(n)]
    t0 = time.process_time()
    params = DefaultConfig().params()  # an older kernel reads the indices it knows
    kernel.run(ts, xs, params, *a.values(), *outs)  # new_state() is in run()'s order
    return n / max(time.process_time() - t0, 1e-9), np.concatenate(
        [outs[0], outs[1], outs[2], outs[3], outs[5].astype(np.float64)])


def main() -> None:
    """Run the A/B comparison."""
    ap = argparse.ArgumentParser()
    ap.add_argument("baseline", type=Path, help="an older kernel.py (its folder is imported)")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    sys.path.insert(0, str(args.baseline.parent))
    baseline = importlib.import_module(args.baseline.stem)
    ts, xs = series(1_000_000)
    kernels = {"baseline": baseline, "current": current}
    outputs = {name: run_once(k, ts, xs)[1] for name, k in kernels.items()}  # compiles
    identical = bool(np.array_equal(outputs["baseline"], outputs["current"], equal_nan=True))
    speeds: dict[str, list[float]] = {name: [] for name in kernels}
    for _ in range(args.rounds):
        for name, k in kernels.items():
            speeds[name].append(run_once(k, ts, xs)[0])
    for name, vals in speeds.items():
        emit(f"kernel_{name}.batch_throughput", float(np.median(vals)), "points/s",
             f"median of {args.rounds} alternating runs, CPU time; all: "
             + ", ".join(f"{v / 1e6:.2f}M" for v in vals))
    ratio = float(np.median(speeds["current"]) / np.median(speeds["baseline"]))
    emit("kernel_current_vs_baseline", ratio, "ratio", f"outputs bit-identical: {identical}")


if __name__ == "__main__":
    main()
