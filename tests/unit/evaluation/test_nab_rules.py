"""Vigil's NAB scorer against small hand-computed cases, one rule per test."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vigil.evaluation.nab import (
    REWARD_LOW_FN,
    REWARD_LOW_FP,
    STANDARD,
    layout_file,
    probationary_length,
    scaled_sigmoid,
    score_corpus,
)


def sig(x: float) -> float:
    """The rule's sigmoid written out independently of the implementation."""
    return -1.0 if x > 3 else 2.0 / (1.0 + math.exp(5.0 * x)) - 1.0


def scores_at(n: int, hits: dict[int, float]) -> np.ndarray:
    """n zero scores with the given rows set."""
    s = np.zeros(n)
    for i, v in hits.items():
        s[i] = v
    return s


def one_file(scores: np.ndarray, windows: list[tuple[int, int]], profile=STANDARD):
    res = score_corpus({"f": layout_file(scores, windows)}, [profile])
    return res.results[profile.name]


# 40 rows: probation = floor(0.15 * 40) = 6 rows; one window of width 10 on rows 20..29.
N = 40
WIN = [(20, 29)]


def test_scaled_sigmoid_values() -> None:
    assert scaled_sigmoid(0.0) == 0.0
    assert scaled_sigmoid(-1.0) == pytest.approx(2 / (1 + math.exp(-5)) - 1)
    assert scaled_sigmoid(3.0) == pytest.approx(2 / (1 + math.exp(15)) - 1)
    assert scaled_sigmoid(3.0001) == -1.0


def test_probationary_period_is_15_percent_capped_at_750() -> None:
    assert probationary_length(40) == 6
    assert probationary_length(4032) == 604
    assert probationary_length(10_000) == 750


def test_detection_on_first_row_of_window_earns_a_tp() -> None:
    r = one_file(scores_at(N, {20: 1.0}), WIN)
    assert r.raw == pytest.approx(1.0)
    assert r.normalised == pytest.approx(100.0)


def test_later_detection_in_window_earns_less() -> None:
    r = one_file(scores_at(N, {25: 1.0}), WIN)
    expected = sig(-(29 - 25 + 1) / 10) / sig(-1.0)
    assert r.raw == pytest.approx(expected)
    assert 0 < expected < 1


def test_only_the_earliest_detection_in_a_window_counts() -> None:
    r = one_file(scores_at(N, {22: 1.0, 23: 1.0, 27: 1.0}), WIN)
    assert r.raw == pytest.approx(sig(-(29 - 22 + 1) / 10) / sig(-1.0))


def test_missed_window_costs_a_fn() -> None:
    r = one_file(scores_at(N, {}), WIN)
    assert r.raw == pytest.approx(-1.0)
    assert r.normalised == pytest.approx(0.0)


def test_fp_before_any_window_costs_full_a_fp() -> None:
    # FP at row 10 scored higher than the TP at row 20: thresholds 0.9 (FP only, window
    # missed: -1.11), 0.8 (both: 1 - 0.11) or never (-1). Best is 0.89 at threshold 0.8.
    r = one_file(scores_at(N, {10: 0.9, 20: 0.8}), WIN)
    assert r.raw == pytest.approx(1.0 - 0.11)
    assert r.threshold == pytest.approx(0.8)


def test_fp_after_a_window_is_weighted_by_distance() -> None:
    near = one_file(scores_at(N, {20: 1.0, 31: 1.0}), WIN)
    far = one_file(scores_at(N, {20: 1.0, 39: 1.0}), WIN)
    assert near.raw == pytest.approx(1.0 + 0.11 * sig(abs(31 - 29) / (10 - 1)))
    assert far.raw == pytest.approx(1.0 + 0.11 * sig(abs(39 - 29) / (10 - 1)))
    assert far.raw < near.raw < 1.0


def test_probationary_rows_are_ignored() -> None:
    # A detection at row 3 (inside the first 6 rows) costs nothing.
    r = one_file(scores_at(N, {3: 1.0, 20: 1.0}), WIN)
    assert r.raw == pytest.approx(1.0)
    # A window wholly inside the probationary period is not scored at all.
    res = score_corpus({"f": layout_file(scores_at(N, {}), [(1, 4)])}, [STANDARD])
    assert res.windows == 0


def test_low_fp_profile_doubles_the_fp_cost() -> None:
    r = one_file(scores_at(N, {10: 0.9, 20: 0.8}), WIN, REWARD_LOW_FP)
    assert r.raw == pytest.approx(1.0 - 0.22)


def test_low_fn_profile_doubles_the_fn_cost_and_normalises_with_it() -> None:
    # Two windows, one found at its start, one missed (200 rows, so that firing on
    # every row, at threshold 0, costs more than the missed window).
    wins = [(60, 69), (150, 159)]
    r = one_file(scores_at(200, {60: 1.0}), wins, REWARD_LOW_FN)
    assert r.raw == pytest.approx(1.0 - 2.0)
    assert r.null == pytest.approx(-4.0)
    assert r.perfect == pytest.approx(2.0)
    assert r.normalised == pytest.approx(100 * (-1.0 + 4.0) / (2.0 + 4.0))


def test_one_threshold_for_the_whole_corpus() -> None:
    # File a: TP at 0.6. File b: FP (before any window) at 0.7 and a window it misses.
    # Per file one would pick 0.6 for a and "never" for b; corpus-wide the best
    # threshold is 0.6 for both: +1 (a) + (-1 - 0.11) (b) = -0.11.
    a = layout_file(scores_at(N, {20: 0.6}), WIN)
    b = layout_file(scores_at(N, {10: 0.7}), WIN)
    r = score_corpus({"a": a, "b": b}, [STANDARD]).results["standard"]
    assert r.threshold == pytest.approx(0.6)
    assert r.raw == pytest.approx(1.0 - 1.0 - 0.11)
    assert (r.tp, r.fp, r.fn) == (1, 1, 1)


def test_never_firing_is_a_candidate_threshold() -> None:
    r = one_file(scores_at(N, {8: 1.0, 9: 1.0}), WIN)  # only FPs
    assert r.threshold == math.inf
    assert r.raw == pytest.approx(-1.0)
    assert r.normalised == pytest.approx(0.0)


def test_equal_scores_enter_together() -> None:
    # Rows 10 (FP) and 20 (TP) share a score: they cannot be separated.
    r = one_file(scores_at(N, {10: 0.5, 20: 0.5}), WIN)
    assert r.raw == pytest.approx(1.0 - 0.11)
