"""The NAB benchmark harness: run detectors causally over a corpus and score them."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vigil.detection.base import Detector
from vigil.evaluation.corpus import NabFile, load_corpus, write_results
from vigil.evaluation.cv import CvResult, cross_validate
from vigil.evaluation.nab import FileRows, ProfileResult, layout_file, score_corpus
from vigil.evaluation.variants import candidate_factory

ProgressFn = Callable[[NabFile], None]
DetectorFactory = Callable[[], Detector]


@dataclass(slots=True)
class BenchResult:
    """Outcome of one benchmark run (with leave-one-category-out scores when asked)."""

    detector: str
    results: dict[str, ProfileResult]
    files: int
    points: int
    windows: int
    seconds: float
    detect_seconds: float
    per_file: dict[str, FileRows] = field(default_factory=dict)
    cv: dict[str, CvResult] | None = None

    def summary(self) -> dict[str, Any]:
        """The one-object JSON summary printed by `vigil bench nab --format json`."""
        out: dict[str, Any] = {"detector": self.detector}
        for name, r in self.results.items():
            out[name] = round(r.normalised, 4)
        if self.cv is not None:
            out["cv"] = {name: r.summary() for name, r in self.cv.items()}
        out.update(files=self.files, points=self.points, seconds=round(self.seconds, 3))
        return out


@dataclass(slots=True)
class DetectedCorpus:
    """One detector's laid-out scores over a corpus."""

    rows: dict[str, FileRows]
    points: int
    detect_seconds: float


def detect_corpus(files: Sequence[NabFile], factory: DetectorFactory, label: str,
                  results_dir: Path | None = None,
                  on_file: ProgressFn | None = None) -> DetectedCorpus:
    """Run a fresh detector per file (causal) and lay its scores out by NAB's rules."""
    rows: dict[str, FileRows] = {}
    points = 0
    detect_s = 0.0
    for f in files:
        det = factory()
        t0 = time.perf_counter()
        scores = det.update_batch(f.seconds, f.values).scores
        detect_s += time.perf_counter() - t0
        scores = np.nan_to_num(scores, nan=0.0, posinf=1.0, neginf=0.0)
        if results_dir is not None:
            write_results(results_dir, label, f, scores)
        rows[f.name] = layout_file(scores, f.windows)
        points += len(f.values)
        if on_file is not None:
            on_file(f)
    return DetectedCorpus(rows, points, detect_s)


def run_nab(root: Path, detector: str, results_dir: Path | None = None,
            on_file: ProgressFn | None = None, cv: bool = False,
            grid: Sequence[str] = ()) -> BenchResult:
    """Run `detector` over every labelled file under `root`, write results, score them.

    With `cv`, also score it leave-one-category-out; `grid` names further
    detectors that the cross-validation may choose instead, per fold, on the
    other categories (the plain score is always `detector`'s).
    """
    start = time.perf_counter()
    files = load_corpus(root)
    main = detect_corpus(files, candidate_factory(detector), detector, results_dir, on_file)
    cs = score_corpus(main.rows)
    cv_res = None
    if cv:
        candidates = {detector: main.rows}
        for name in grid:
            if name not in candidates:
                candidates[name] = detect_corpus(files, candidate_factory(name), name).rows
        cv_res = cross_validate(candidates)
    return BenchResult(detector=detector, results=cs.results, files=len(files),
                       points=main.points, windows=cs.windows,
                       seconds=time.perf_counter() - start,
                       detect_seconds=main.detect_seconds, per_file=main.rows, cv=cv_res)
