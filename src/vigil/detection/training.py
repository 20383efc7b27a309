"""Rebuild a detector from clean history and calibrate its firing threshold (pure).

Ranges marked as incidents (true-positive anomalies, with a margin), maintenance
windows and missed-anomaly ranges are not learned: the detector skips them. Their
points are still scored, on a throw-away copy of the detector, so that true
positives and missed ranges can pull the threshold down. The threshold comes from
the alert budget over the clean scores (`budget.threshold_for_budget`), then moves
with the feedback (`budget.adjust_for_feedback`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from vigil.detection.base import INFO_AT, BatchResult, Detector
from vigil.detection.budget import adjust_for_feedback, labelled_precision, threshold_for_budget

FloatArray = npt.NDArray[np.float64]


def firing_scores(batch: BatchResult) -> FloatArray:
    """The score a threshold is compared with: 0 while warming up, scaled into [0, INFO]
    for a point inside its band (unusual in shape, not in size: rarely worth a page)."""
    out = np.nan_to_num(batch.scores, nan=0.0).astype(np.float64)
    for i in np.flatnonzero(out > 0):
        if batch.inside_band(int(i)):
            out[i] *= INFO_AT
    out = np.maximum(out, band_scores(batch))
    return np.where(batch.warming_up, 0.0, out)


def band_scores(batch: BatchResult) -> FloatArray:
    """How far outside its expected band a point lies, mapped into [0, INFO).

    The detector's own score is 0 for most points (it rests after an alert and damps
    what it has seen before); this gives a budget below the detector's own rate a
    continuous order to cut: INFO * (1 - e^(-d/2)) at d band half-widths from the expected
    value (0.12 at the band's edge, 0.23 at three times that).
    """
    observed = batch.values if batch.observed is None else batch.observed
    half = np.maximum((batch.upper - batch.lower) / 2.0, 1e-12)
    with np.errstate(invalid="ignore"):
        d = np.abs(observed - batch.expected) / half
    d = np.nan_to_num(d, nan=0.0, posinf=0.0)
    return np.asarray(INFO_AT * 0.999 * (1.0 - np.exp(-d / 2.0)))


@dataclass(frozen=True, slots=True)
class TrainingData:
    """History of one series (sorted) and what the operators said about it."""

    ts: FloatArray
    values: FloatArray
    excluded: Sequence[tuple[float, float]] = ()      # maintenance windows, incidents
    labelled: Sequence[tuple[float, bool]] = ()       # (anomaly ts, true positive?)
    missed: Sequence[tuple[float, float]] = ()        # missed-anomaly ranges
    incident_margin_points: int = 5


@dataclass(slots=True)
class TrainedModel:
    """A rebuilt detector, its threshold and the numbers that justify it."""

    detector: Detector
    threshold: float
    budget_threshold: float
    reason: str
    clean_points: int
    excluded_points: int
    trained_from: float | None
    trained_to: float | None
    true_scores: list[float] = field(default_factory=list)
    false_scores: list[float] = field(default_factory=list)
    missed_scores: list[float] = field(default_factory=list)

    def precision(self) -> float | None:
        """Precision of this model over the labelled anomalies at its threshold."""
        return labelled_precision(self.true_scores, self.false_scores, self.threshold)


def nearest(ts: FloatArray, t: float, tolerance: float = 1e-3) -> int | None:
    """Index of the point at `t` (stored timestamps keep microseconds only), if any."""
    i = int(np.searchsorted(ts, t))
    best = min((j for j in (i - 1, i) if 0 <= j < ts.size), key=lambda j: abs(ts[j] - t),
               default=None)
    return best if best is not None and abs(ts[best] - t) <= tolerance else None


def exclusion_mask(ts: FloatArray, data: TrainingData) -> npt.NDArray[np.bool_]:
    """True for points the detector must not learn from."""
    mask = np.zeros(ts.size, dtype=bool)
    steps = np.diff(ts)
    cadence = float(np.median(steps)) if steps.size else 0.0
    margin = cadence * data.incident_margin_points
    ranges = [*data.excluded, *data.missed,
              *((t - margin, t + margin) for t, real in data.labelled if real)]
    for start, end in ranges:
        a, b = np.searchsorted(ts, start, "left"), np.searchsorted(ts, end, "right")
        mask[a:b] = True
    return mask


def train(make: Callable[[], Detector], restore: Callable[[bytes], Detector],
          data: TrainingData, budget_per_week: float | None, default_threshold: float,
          max_shift: float) -> TrainedModel:
    """Learn the clean history, score the excluded parts on copies, and set the threshold."""
    ts, values = np.asarray(data.ts, np.float64), np.asarray(data.values, np.float64)
    det = make()
    mask = exclusion_mask(ts, data)
    scores = np.zeros(ts.size)
    clean = np.zeros(ts.size, dtype=bool)
    edges = np.flatnonzero(np.diff(mask.astype(np.int8))) + 1
    for a, b in zip(np.r_[0, edges], np.r_[edges, ts.size], strict=True):
        if a >= b:
            continue
        if mask[a]:
            probe = restore(det.get_state())  # scored, not learned
            scores[a:b] = firing_scores(probe.update_batch(ts[a:b], values[a:b]))
        else:
            batch = det.update_batch(ts[a:b], values[a:b])
            scores[a:b] = firing_scores(batch)
            clean[a:b] = ~batch.warming_up
    # A learning detector grows quieter: calibrate on the newer half of the clean history,
    # which is more like what comes next.
    recent = clean.copy()
    if clean.sum() > 1:
        recent[: int(np.flatnonzero(clean)[int(clean.sum()) // 2])] = False
    span = float(ts[recent][-1] - ts[recent][0]) if recent.sum() > 1 else 0.0
    base = (threshold_for_budget(scores[recent], span, budget_per_week)
            if budget_per_week is not None else default_threshold)
    true_s: list[float] = []
    false_s: list[float] = []
    for t, real in data.labelled:
        i = nearest(ts, t)
        if i is not None:
            (true_s if real else false_s).append(float(scores[i]))
    missed_s = []
    for start, end in data.missed:
        a, b = np.searchsorted(ts, start, "left"), np.searchsorted(ts, end, "right")
        if b > a:
            missed_s.append(float(scores[a:b].max()))
    adj = adjust_for_feedback(base, true_s, false_s, missed_s, max_shift)
    return TrainedModel(det, adj.threshold, base, adj.reason, int(clean.sum()),
                        int(mask.sum()), float(ts[0]) if ts.size else None,
                        float(ts[-1]) if ts.size else None, true_s, false_s, missed_s)
