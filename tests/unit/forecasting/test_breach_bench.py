"""The breach benchmark: seeded labelled series and episode scoring, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.forecasting.breach_bench import (
    GENERATORS,
    STEP,
    TICK,
    LabelledSeries,
    _ticks,
    generate,
    hysteresis,
    predict_linear_method,
    score,
)


def test_generator_is_seeded_and_labels_first_crossings() -> None:
    a, b = generate(5, per_kind=1), generate(5, per_kind=1)
    assert [s.kind for s in a] == list(GENERATORS)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.values, y.values)
    for s in a:
        if GENERATORS[s.kind][1]:
            assert s.breach_index is not None
            assert s.values[s.breach_index] >= s.threshold
            assert np.all(s.values[(3 * 288):s.breach_index] < s.threshold)
        else:
            assert s.breach_index is None and np.all(s.values < s.threshold)
    assert not np.array_equal(generate(6, 1)[0].values, a[0].values)


def _series(n: int, breach: int | None) -> LabelledSeries:
    return LabelledSeries("x", np.zeros(n), 95.0, 86_400.0, breach)


def test_scoring_counts_warned_breaches_leads_and_false_episodes() -> None:
    per_tick = int(TICK / STEP)
    breaching = _series(10 * 288, 7 * 288)
    ticks = _ticks(breaching)  # from day 3, hourly, up to the breach
    active = np.zeros(ticks.size, dtype=bool)
    active[2:4] = True  # an early episode that ends: false
    k = int(np.searchsorted(ticks, 7 * 288 - 5 * per_tick))  # 5 h before the breach
    active[k:] = True
    quiet = _series(10 * 288, None)
    q_active = np.zeros(_ticks(quiet).size, dtype=bool)
    q_active[10:12] = True  # one false episode
    result = score("m", [breaching, quiet], [active, q_active])
    assert result.recall == 1.0
    assert result.median_lead_minutes == pytest.approx(300.0)
    # evaluated from day 3 to the breach (day 7) and to the last point (index 2879)
    weeks = ((7 * 288 - 3 * 288) + (10 * 288 - 1 - 3 * 288)) * STEP / (7 * 86_400)
    assert result.false_episodes_per_series_week == pytest.approx(2 / weeks)


def test_hysteresis_keeps_one_episode_through_a_dip() -> None:
    p = np.array([0.0, 0.2, 0.05, 0.2, 0.01, 0.05])
    assert hysteresis(p, 0.1, 0.02).tolist() == [False, True, True, True, False, False]


def test_predict_linear_needs_its_hour_and_guard() -> None:
    n = 5 * 288
    rising = LabelledSeries("x", 50 + 0.05 * np.arange(n), 95.0, 86_400.0, None)
    ticks = _ticks(rising)
    states = predict_linear_method(24 * 3600, 0.15)(rising, ticks)
    # guard: value >= 80.75 from index 615 on; projection 24 h ahead is past 95 all along
    first = int(np.argmax(states))
    assert ticks[first] >= 615 + 2 * int(TICK / STEP)  # and `for: 1h` at hourly ticks
