"""Data-quality score: each component costs what the docs say, and clean data scores 1."""

from __future__ import annotations

import numpy as np

from vigil.detection.quality import QualityWeights, assess, flat_run

STEP = 60.0


def regular(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    return np.arange(n) * STEP, rng.normal(50, 5, n)


def test_clean_series_scores_one() -> None:
    ts, values = regular(500)
    report = assess(ts, values, received=500, late=0, rejected=0, now=float(ts[-1]) + STEP)
    assert report.score == 1.0 and report.cadence == STEP


def test_ten_percent_gaps_and_duplicates_score_below_0_9() -> None:
    ts, values = regular(1000)
    keep = np.ones(1000, dtype=bool)
    keep[::10] = False  # every tenth point missing: 10% gaps
    report = assess(ts[keep], values[keep], received=900 + 90, late=90, rejected=0,
                    now=float(ts[-1]) + STEP)
    assert abs(report.components["gaps"].fraction - 0.1) < 0.01
    assert report.components["late"].cost > 0 and report.components["gaps"].cost > 0
    assert report.score < 0.9


def test_each_component_is_charged_and_bounded_by_its_weight() -> None:
    w = QualityWeights()
    ts, values = regular(400)
    stale = assess(ts, values, 400, 0, 0, now=float(ts[-1]) + 20 * STEP)
    assert stale.components["stale"].cost == w.stale
    rejected = assess(ts, values, 400, 0, 400, now=float(ts[-1]))
    assert rejected.components["rejected"].cost == w.rejected
    stuck = values.copy()
    stuck[-200:] = 42.0
    flat = assess(ts, stuck, 400, 0, 0, now=float(ts[-1]))
    assert flat.components["flat"].cost == w.flat
    assert min(r.score for r in (stale, rejected, flat)) >= 0.0


def test_a_constant_series_is_not_flat_lining() -> None:
    assert flat_run(np.zeros(100)) == 0
    assert flat_run(np.array([1.0, 2.0, 3.0, 3.0, 3.0])) == 3
