"""Alert budgets: thresholds that hold the budget, feedback that moves them within bounds."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.detection.budget import (
    WEEK,
    adjust_for_feedback,
    count_events,
    labelled_precision,
    threshold_for_budget,
)
from vigil.detection.feedback_metrics import LabelCounts, detector_quality
from vigil.evaluation.lifecycle import budget_rate, synthetic_series


@pytest.mark.parametrize("budget", [1.0, 3.0, 10.0])
def test_the_budget_is_held_within_half_on_synthetic_series(budget: float) -> None:
    results = [budget_rate(*synthetic_series(seed, weeks=6), budget) for seed in range(8)]
    realised = sum(r.fired for r in results) / sum(r.weeks for r in results)
    assert 0.5 * budget <= realised <= 1.5 * budget


def test_threshold_counts_runs_of_firing_points_as_one_anomaly() -> None:
    scores = np.zeros(2016)  # one week at 5-minute steps
    scores[100:105] = 0.9  # one event of five points
    scores[500] = 0.8
    scores[900] = 0.7
    assert count_events(scores >= 0.7) == 3
    assert threshold_for_budget(scores, WEEK, 2.0) == pytest.approx(0.8)
    assert threshold_for_budget(scores, WEEK, 3.0) == pytest.approx(0.7)


def test_false_positives_raise_and_missed_ranges_lower_within_bounds() -> None:
    raised = adjust_for_feedback(0.5, [], [0.55, 0.6], [], max_shift=0.25)
    assert 0.6 < raised.threshold <= 0.75
    capped = adjust_for_feedback(0.5, [], [0.99], [], max_shift=0.25)
    assert capped.threshold == pytest.approx(0.75)
    lowered = adjust_for_feedback(0.5, [], [], [0.4], max_shift=0.25)
    assert lowered.threshold < 0.4
    floor = adjust_for_feedback(0.5, [], [], [0.01], max_shift=0.25)
    assert floor.threshold == pytest.approx(0.25)
    kept = adjust_for_feedback(0.5, [0.8], [0.3], [], max_shift=0.25)
    assert kept.threshold == 0.5


def test_precision_and_absent_rates() -> None:
    assert labelled_precision([0.9, 0.8], [0.6], 0.7) == 1.0
    assert labelled_precision([0.2], [], 0.7) == 0.0
    assert labelled_precision([], [], 0.7) is None
    assert detector_quality(LabelCounts(5, 4), min_labels=10).accuracy is None
    quality = detector_quality(LabelCounts(9, 1), min_labels=10)
    assert quality.accuracy == 0.9 and quality.false_positive_rate == pytest.approx(0.1)
