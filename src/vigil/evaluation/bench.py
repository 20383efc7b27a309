"""The NAB benchmark harness: run a detector causally over a corpus and score it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vigil.detection.registry import make_detector
from vigil.evaluation.corpus import NabFile, load_corpus, write_results
from vigil.evaluation.nab import FileRows, ProfileResult, layout_file, score_corpus

ProgressFn = Callable[[NabFile], None]


@dataclass(slots=True)
class BenchResult:
    """Outcome of one benchmark run."""

    detector: str
    results: dict[str, ProfileResult]
    files: int
    points: int
    windows: int
    seconds: float
    detect_seconds: float
    per_file: dict[str, FileRows] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The one-object JSON summary printed by `vigil bench nab --format json`."""
        out: dict[str, Any] = {"detector": self.detector}
        for name, r in self.results.items():
            out[name] = round(r.normalised, 4)
        out.update(files=self.files, points=self.points, seconds=round(self.seconds, 3))
        return out


def run_nab(root: Path, detector: str, results_dir: Path | None = None,
            on_file: ProgressFn | None = None) -> BenchResult:
    """Run `detector` over every labelled file under `root`, write results, score them."""
    start = time.perf_counter()
    files = load_corpus(root)
    rows: dict[str, FileRows] = {}
    points = 0
    detect_s = 0.0
    for f in files:
        det = make_detector(detector)  # one fresh detector per series, causal
        t0 = time.perf_counter()
        scores = det.update_batch(f.seconds, f.values).scores
        detect_s += time.perf_counter() - t0
        scores = np.nan_to_num(scores, nan=0.0, posinf=1.0, neginf=0.0)
        if results_dir is not None:
            write_results(results_dir, detector, f, scores)
        rows[f.name] = layout_file(scores, f.windows)
        points += len(f.values)
        if on_file is not None:
            on_file(f)
    cs = score_corpus(rows)
    return BenchResult(detector=detector, results=cs.results, files=len(files), points=points,
                       windows=cs.windows, seconds=time.perf_counter() - start,
                       detect_seconds=detect_s, per_file=rows)
