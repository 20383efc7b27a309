"""Time-to-breach: linear fills, sawtooth resets, deploy steps, direction, probability."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.forecasting.breach import dejump, find_jumps, predict_breach

STEP = 300.0
T0 = 1_700_000_000.0
HOUR = 3600.0


def _ts(n: int) -> np.ndarray:
    return T0 + STEP * np.arange(n)


def test_linear_fill_breaches_when_the_arithmetic_says() -> None:
    n = 7 * 288
    rng = np.random.default_rng(1)
    slope = 0.02  # per 5 minutes
    y = 50 + slope * np.arange(n) + rng.normal(0, 0.2, n)
    current = 50 + slope * (n - 1)
    expected = (95 - current) / slope * STEP  # seconds from the last sample
    p = predict_breach(_ts(n), y, 95, "above", 24 * HOUR)
    assert p.seconds_to_breach == pytest.approx(expected, rel=0.05)
    assert p.eta_lower is not None and p.eta_lower <= p.eta  # type: ignore[operator]
    assert p.eta_upper is None or p.eta_upper >= p.eta  # type: ignore[operator]
    assert p.probability > 0.9


def test_no_breach_beyond_the_horizon() -> None:
    n = 7 * 288
    y = 50 + 0.02 * np.arange(n) + np.random.default_rng(1).normal(0, 0.2, n)
    p = predict_breach(_ts(n), y, 95, "above", 4 * HOUR)  # breach is ~12 h away
    assert p.eta is None and p.probability < 0.2


def test_sawtooth_resets_do_not_reset_the_trend() -> None:
    n = 7 * 288
    rng = np.random.default_rng(2)
    i = np.arange(n)
    within = 0.05 * (i % 200)  # fills 10 points per cycle, then a cleanup
    floor = 40 + 0.01 * i  # what the cleanups leave behind creeps up
    y = floor + within + rng.normal(0, 0.1, n)
    jumps = find_jumps(y)
    assert jumps.resets.size == n // 200
    c = dejump(y, jumps)
    slope = np.polyfit(i, c, 1)[0]
    # the growth between cleanups (0.05 a step) plus the floor's creep (0.01): resets removed
    assert slope == pytest.approx(0.06, rel=0.1)
    p = predict_breach(_ts(n), y, 95, "above", 24 * HOUR)
    assert p.resets == n // 200
    assert p.eta is None  # the next cleanups keep it below 95 within a day


def test_sawtooth_that_stays_below_never_breaches() -> None:
    n = 7 * 288
    y = 50 + 30 * ((np.arange(n) % 288) / 288) + np.random.default_rng(3).normal(0, 0.2, n)
    p = predict_breach(_ts(n), y, 95, "above", 24 * HOUR)
    assert p.eta is None and p.probability < 0.2


def test_sawtooth_whose_peaks_creep_over_the_limit_breaches() -> None:
    n = 7 * 288
    i = np.arange(n)
    y = 50 + 0.02 * i + 20 * ((i % 288) / 288) + np.random.default_rng(4).normal(0, 0.2, n)
    # peak of today's cycle: 50 + 0.02*(n+287) + 20 ≈ 116 > 95: breach within the day
    p = predict_breach(_ts(n), y, 95, "above", 24 * HOUR)
    assert p.eta is not None and p.probability > 0.5


def test_a_level_that_moves_only_at_deploys_is_not_a_trend() -> None:
    n = 7 * 288
    i = np.arange(n)
    y = 60 + 6 * np.floor(i / 400) + np.random.default_rng(5).normal(0, 0.3, n)
    p = predict_breach(_ts(n), y, 95, "above", 24 * HOUR)
    assert p.level_shifts == 5
    assert p.eta is None and p.probability < 0.2
    assert float(np.max(p.forecast.mean)) == pytest.approx(90.0, abs=1.0)  # today's level


def test_falling_series_breaches_below() -> None:
    n = 3 * 288
    y = 100 - 0.05 * np.arange(n) + np.random.default_rng(6).normal(0, 0.1, n)
    p = predict_breach(_ts(n), y, 40, "below", 48 * HOUR)
    current = 100 - 0.05 * (n - 1)
    assert p.seconds_to_breach == pytest.approx((current - 40) / 0.05 * STEP, rel=0.05)
    assert np.all(p.forecast.lower <= p.forecast.upper)


def test_already_breaching_is_certain_and_now() -> None:
    n = 100
    y = np.full(n, 97.0)
    y[::3] = 96.0
    p = predict_breach(_ts(n), y, 95, "above", HOUR)
    assert p.breaching and p.probability == 1.0 and p.seconds_to_breach == 0.0
