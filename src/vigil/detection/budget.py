"""Firing thresholds from an alert budget ("about N anomalies per series per week").

The threshold is set from the score distribution of a series' clean history so that
the number of anomalies (runs of consecutive points at or above it) spread over the
history's span is the budget.
Operator feedback then moves it within bounds: a threshold is chosen that
mis-classifies the fewest labelled points (false positives above it, true positives
and missed ranges below it), nearest to the budget's threshold on ties.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

WEEK = 7 * 86_400.0
FLOOR = 0.01
CEILING = 0.995


def count_events(fire: npt.ArrayLike) -> int:
    """Anomalies as an operator counts them: runs of consecutive firing points."""
    f = np.asarray(fire, dtype=bool)
    return int(f[0]) + int(np.sum(f[1:] & ~f[:-1])) if f.size else 0


def threshold_for_budget(scores: npt.ArrayLike, span_seconds: float, per_week: float,
                         floor: float = FLOOR, ceiling: float = CEILING) -> float:
    """The score at which about `per_week` anomalies (runs of firing points) per week fire.

    `scores` are in time order over `span_seconds`; a binary search over the distinct
    scores finds the lowest threshold that fires no more than the budget.
    """
    s = np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=0.0)
    if s.size == 0 or span_seconds <= 0:
        return ceiling
    wanted = per_week * span_seconds / WEEK
    levels = np.unique(s[s > 0])  # ascending
    if levels.size == 0:
        return ceiling
    lo, hi = 0, levels.size - 1  # find the smallest level with events <= wanted
    if count_events(s >= levels[hi]) > wanted:
        return float(np.clip(levels[hi] + (1.0 - levels[hi]) / 2.0, floor, ceiling))
    while lo < hi:
        mid = (lo + hi) // 2
        if count_events(s >= levels[mid]) <= wanted:
            hi = mid
        else:
            lo = mid + 1
    cut = float(levels[lo])
    if lo > 0 and abs(count_events(s >= levels[lo - 1]) - wanted) < \
            abs(count_events(s >= cut) - wanted):
        cut = float(levels[lo - 1])  # one step lower is closer to the budget
    return float(np.clip(cut, floor, ceiling))


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A feedback-adjusted threshold and why it moved."""

    threshold: float
    reason: str


def adjust_for_feedback(base: float, true_scores: Sequence[float],
                        false_scores: Sequence[float], missed_scores: Sequence[float],
                        max_shift: float = 0.25, floor: float = FLOOR,
                        ceiling: float = CEILING) -> Adjustment:
    """Move `base` by at most `max_shift` to mis-classify the fewest labelled points.

    Ties go to the threshold that leaves the mislabelled points least far on the wrong
    side (so a false positive out of reach still raises the threshold to the bound),
    then to the one nearest `base`.

    `true_scores` / `false_scores`: scores of anomalies labelled true / false positive;
    `missed_scores`: the highest score inside each missed range. A false positive
    counts when at or above the threshold, a true positive or a missed range when below.
    """
    if not (true_scores or false_scores or missed_scores):
        return Adjustment(base, "no feedback")
    lo, hi = max(floor, base - max_shift), min(ceiling, base + max_shift)
    eps = 1e-6
    marks = [x + eps for x in false_scores] + [x - eps for x in (*true_scores, *missed_scores)]
    candidates = sorted({base, lo, hi, *(m for m in marks if lo <= m <= hi)})
    fp = np.asarray(false_scores, dtype=np.float64)
    keep = np.asarray([*true_scores, *missed_scores], dtype=np.float64)

    def errors(t: float) -> int:
        return int(np.sum(fp >= t)) + int(np.sum(keep < t))

    def shortfall(t: float) -> float:  # how far the mislabelled points are on the wrong side
        return float(np.sum(np.maximum(fp - t, 0.0)) + np.sum(np.maximum(t - keep, 0.0)))

    best = min(candidates, key=lambda t: (errors(t), round(shortfall(t), 9), abs(t - base)))
    if best > base:
        why = f"raised by {best - base:.3f}: {errors(base) - errors(best)} fewer mislabelled"
    elif best < base:
        why = f"lowered by {base - best:.3f}: {errors(base) - errors(best)} fewer mislabelled"
    else:
        why = "feedback agrees with the budget threshold"
    return Adjustment(float(best), why)


def labelled_precision(true_scores: Sequence[float], false_scores: Sequence[float],
                       threshold: float) -> float | None:
    """Precision over labelled anomalies a model flags at `threshold` (None: no labels).

    Flagging none of them counts as 0 when some were true positives.
    """
    if not true_scores and not false_scores:
        return None
    tp = sum(1 for s in true_scores if s >= threshold)
    fp = sum(1 for s in false_scores if s >= threshold)
    if tp + fp == 0:
        return 0.0 if true_scores else None
    return tp / (tp + fp)
