"""Measure the model lifecycle: alert budgets held, and feedback replayed on NAB files.

- `budget_rate`: train on the first part of a series calibrated to a budget, then
  count the points that fire over the rest: the realised anomalies per week.
- `feedback_replay`: on a labelled file, train on the first half (no feedback), turn
  what that model fired into feedback the way an operator would (inside a label
  window: true positive; outside: false positive; a window with nothing fired: a
  missed range), retrain with it, and score the second half with both models.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vigil.detection.budget import WEEK, count_events
from vigil.detection.registry import make_detector, restore_detector
from vigil.detection.training import TrainingData, firing_scores, train
from vigil.evaluation.nab import STANDARD, FileRows, Profile, layout_file

FloatArray = npt.NDArray[np.float64]


def synthetic_series(seed: int, weeks: float = 8.0, step: float = 300.0
                     ) -> tuple[FloatArray, FloatArray]:
    """A seeded operations-like series: daily and weekly cycles, noise, rare spikes and shifts."""
    rng = np.random.default_rng(seed)
    n = int(weeks * WEEK / step)
    ts = 1_700_000_000.0 + np.arange(n) * step
    day = 2 * math.pi * ts / 86_400.0
    level = rng.uniform(20, 200)
    amp = level * rng.uniform(0.05, 0.4)
    values = (level + amp * np.sin(day + rng.uniform(0, 6.3))
              + 0.3 * amp * np.sin(day / 7) + rng.normal(0, amp * rng.uniform(0.05, 0.3), n))
    for i in rng.choice(n, size=max(1, int(weeks)), replace=False):  # about one event a week
        width = int(rng.integers(1, 12))
        values[i:i + width] += rng.choice([-1, 1]) * amp * rng.uniform(1.5, 4.0)
    return ts.astype(np.float64), np.asarray(values, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class BudgetResult:
    """Realised anomalies per week over the held-out part, against the budget."""

    budget: float
    threshold: float
    fired: int
    weeks: float

    @property
    def per_week(self) -> float:
        """Realised anomalies per week."""
        return self.fired / self.weeks if self.weeks > 0 else 0.0


def budget_rate(ts: FloatArray, values: FloatArray, budget: float, train_share: float = 0.5,
                detector: str = "vigil") -> BudgetResult:
    """Calibrate on the first `train_share` of a series, count what fires on the rest."""
    cut = int(len(ts) * train_share)
    model = train(lambda: make_detector(detector), restore_detector,
                  TrainingData(ts[:cut], values[:cut]), budget, 0.5, 0.0)
    rest = model.detector.update_batch(ts[cut:], values[cut:])
    fired = count_events(firing_scores(rest) >= model.threshold)
    return BudgetResult(budget, model.threshold, fired, float(ts[-1] - ts[cut]) / WEEK)


def fixed_nab_score(files: Sequence[FileRows], profile: Profile = STANDARD
                    ) -> tuple[float, int, int, int]:
    """Normalised NAB score of fixed detections (rows with score >= 1); with TP, FP, FN."""
    raw = null = perfect = 0.0
    tp = fp = fn = 0
    for f in files:
        det = f.scores >= 1.0
        outside = det & (f.window_id < 0)
        raw += float(np.sum(profile.a_fp * f.fp_shape[outside]))
        fp += int(outside.sum())
        for k in range(f.n_windows):
            hit = det & (f.window_id == k)
            if hit.any():
                raw += float(np.max(profile.a_tp * f.tp_shape[hit]))
                tp += 1
            else:
                raw -= profile.a_fn
                fn += 1
        null -= profile.a_fn * f.n_windows
        perfect += profile.a_tp * f.n_windows
    norm = 100.0 * (raw - null) / (perfect - null) if perfect > null else 0.0
    return norm, tp, fp, fn


def detection_events(files: Sequence[FileRows]) -> tuple[int, int]:
    """(anomalies, false ones): runs of detecting rows, false when none is in a window."""
    total = false = 0
    for f in files:
        det = f.scores >= 1.0
        starts = np.flatnonzero(det & ~np.r_[False, det[:-1]])
        ends = np.flatnonzero(det & ~np.r_[det[1:], False])
        for a, b in zip(starts, ends, strict=True):
            total += 1
            false += int(not np.any(f.window_id[a:b + 1] >= 0))
    return total, false


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """Second-half detections of one file without and with the replayed feedback."""

    before: FileRows
    after: FileRows
    threshold_before: float
    threshold_after: float
    feedback: tuple[int, int, int]  # true positives, false positives, missed ranges


def feedback_replay(ts: FloatArray, values: FloatArray, windows: Sequence[tuple[int, int]],
                    budget: float, max_shift: float = 0.25,
                    detector: str = "vigil") -> ReplayResult:
    """Train on the first half, derive feedback from its labels, retrain, score the second."""
    cut = len(ts) // 2
    first = [(a, b) for a, b in windows if a < cut]
    base = train(lambda: make_detector(detector), restore_detector,
                 TrainingData(ts[:cut], values[:cut]), budget, 0.5, 0.0)
    probe = make_detector(detector)  # what the first model stored while running
    fired_scores = firing_scores(probe.update_batch(ts[:cut], values[:cut]))
    fired = np.flatnonzero(fired_scores >= base.threshold)
    inside = np.zeros(cut, dtype=bool)
    for a, b in first:
        inside[a:min(b, cut - 1) + 1] = True
    labelled = [(float(ts[i]), bool(inside[i])) for i in fired]
    missed = [(float(ts[a]), float(ts[min(b, cut - 1)])) for a, b in first
              if not np.any((fired >= a) & (fired <= b))]
    tuned = train(lambda: make_detector(detector), restore_detector,
                  TrainingData(ts[:cut], values[:cut], labelled=labelled, missed=missed),
                  budget, 0.5, max_shift)
    second = [(a - cut, b - cut) for a, b in windows if b >= cut]
    second = [(max(a, 0), b) for a, b in second]
    out = []
    for model in (base, tuned):
        scores = firing_scores(model.detector.update_batch(ts[cut:], values[cut:]))
        out.append(layout_file((scores >= model.threshold).astype(np.float64), second))
    tps = sum(1 for _, real in labelled if real)
    return ReplayResult(out[0], out[1], base.threshold, tuned.threshold,
                        (tps, len(labelled) - tps, len(missed)))
