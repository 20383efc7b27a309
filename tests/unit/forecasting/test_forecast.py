"""vigil.forecasting.forecast: models, automatic choice, intervals and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.forecasting import (
    Forecast,
    ForecastInputError,
    InsufficientHistory,
    forecast,
)

STEP = 300.0
DAY = 86_400.0
T0 = 1_700_000_000.0 - (1_700_000_000.0 % DAY)


def _ts(n: int) -> np.ndarray:
    return T0 + STEP * np.arange(n)


def _daily(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 50 + 10 * np.sin(2 * np.pi * _ts(n) / DAY) + rng.normal(0, 1, n)


def test_seasonal_series_picks_a_seasonal_model_that_beats_seasonal_naive() -> None:
    n = 14 * 288
    fc = forecast(_ts(n), _daily(n), DAY)
    assert fc.model in {"seasonal", "seasonal_naive"}
    assert fc.scores["seasonal"] < fc.scores["seasonal_naive"]
    truth = 50 + 10 * np.sin(2 * np.pi * fc.timestamps / DAY)
    assert np.mean(np.abs(fc.mean - truth)) < 1.0
    assert fc.timestamps[0] == pytest.approx(_ts(n)[-1] + STEP)
    assert len(fc.mean) == 288


def test_linear_fill_is_extrapolated_by_the_trend_model() -> None:
    n = 7 * 288
    rng = np.random.default_rng(3)
    y = 10 + 0.01 * np.arange(n) + rng.normal(0, 0.2, n)
    fc = forecast(_ts(n), y, 12 * 3600)
    assert fc.model == "damped_trend"
    expected_end = 10 + 0.01 * (n - 1 + 144)
    assert fc.mean[-1] == pytest.approx(expected_end, abs=0.3)


def test_interval_holds_the_mean_and_widens_with_the_horizon() -> None:
    n = 10 * 288
    fc = forecast(_ts(n), _daily(n, seed=1), DAY, level=0.8)
    assert np.all(fc.lower <= fc.mean) and np.all(fc.mean <= fc.upper)
    width = fc.upper - fc.lower
    assert width[-1] >= width[0] > 0


def test_interval_covers_about_its_level_on_noise() -> None:
    rng = np.random.default_rng(7)
    n = 3000
    y = 100 + rng.normal(0, 2, n + 200)
    fc = forecast(_ts(n), y[:n], 200 * STEP, level=0.8)
    inside = (y[n:] >= fc.lower) & (y[n:] <= fc.upper)
    assert 0.65 <= inside.mean() <= 0.95


def test_count_series_offers_the_count_model_and_never_goes_negative() -> None:
    rng = np.random.default_rng(2)
    n = 6 * 288
    rate = 3 + 2 * np.sin(2 * np.pi * _ts(n) / DAY)
    y = rng.poisson(rate).astype(float)
    fc = forecast(_ts(n), y, DAY)
    assert "count" in fc.scores
    assert np.all(fc.lower >= 0)
    fc_float = forecast(_ts(n), y + 0.5, DAY)
    assert "count" not in fc_float.scores


def test_each_model_can_be_asked_for_by_name() -> None:
    n = 4 * 288
    y = np.round(_daily(n)).clip(0)
    for name in ("seasonal_naive", "ses", "damped_trend", "seasonal", "count"):
        fc = forecast(_ts(n), y, 3600, models=[name])
        assert fc.model == name
        assert np.all(np.isfinite(fc.mean))


def test_seasonal_naive_repeats_yesterday() -> None:
    n = 3 * 288
    y = _daily(n)
    fc = forecast(_ts(n), y, DAY, models=["seasonal_naive"])
    np.testing.assert_allclose(fc.mean, y[-288:])


def test_forecasts_are_reproducible() -> None:
    n = 5 * 288
    a = forecast(_ts(n), _daily(n), DAY)
    b = forecast(_ts(n), _daily(n), DAY)
    np.testing.assert_array_equal(a.mean, b.mean)
    np.testing.assert_array_equal(a.upper, b.upper)
    assert a.model == b.model


def test_too_little_history_is_refused_with_the_number_needed() -> None:
    with pytest.raises(InsufficientHistory, match=r"insufficient history \(need ≥ 24 points, "
                                                  r"have 10\)"):
        forecast(_ts(10), np.arange(10.0), 3600)


def test_nan_values_count_against_the_history() -> None:
    y = np.arange(40.0)
    y[::2] = np.nan
    with pytest.raises(InsufficientHistory, match="have 20"):
        forecast(_ts(40), y, 3600)


def test_constant_series_forecasts_the_constant_with_no_spread() -> None:
    fc = forecast(_ts(100), np.full(100, 7.0), 3600)
    assert fc.model == "constant"
    assert np.all(fc.mean == 7.0) and np.all(fc.lower == 7.0) and np.all(fc.upper == 7.0)


def test_gaps_and_nan_are_filled_and_the_grid_kept() -> None:
    n = 3 * 288
    ts = _ts(n)
    y = 5 + 0.01 * np.arange(n)
    keep = np.ones(n, dtype=bool)
    keep[100:160] = False  # a five-hour gap
    y_nan = y.copy()
    y_nan[500:510] = np.nan
    fc = forecast(ts[keep], y_nan[keep], 3600)
    assert fc.step == STEP
    assert np.all(np.isfinite(fc.mean))
    assert fc.mean[-1] == pytest.approx(5 + 0.01 * (n - 1 + 12), abs=0.05)


def test_unsorted_input_gives_the_same_forecast() -> None:
    n = 2 * 288
    ts, y = _ts(n), _daily(n)
    perm = np.random.default_rng(0).permutation(n)
    a = forecast(ts, y, 3600)
    b = forecast(ts[perm], y[perm], 3600)
    np.testing.assert_array_equal(a.mean, b.mean)


def test_bad_horizon_level_and_model_are_refused() -> None:
    ts, y = _ts(50), np.arange(50.0)
    with pytest.raises(ForecastInputError, match="horizon"):
        forecast(ts, y, 0)
    with pytest.raises(ForecastInputError, match="exceeds the limit"):
        forecast(ts, y, 10**9)
    with pytest.raises(ForecastInputError, match="level"):
        forecast(ts, y, 3600, level=1.5)
    with pytest.raises(ForecastInputError, match="unknown model"):
        forecast(ts, y, 3600, models=["prophet"])


def test_at_reads_the_forecast_between_steps() -> None:
    n = 2 * 288
    y = 10 + 0.01 * np.arange(n)
    fc: Forecast = forecast(_ts(n), y, 3600, models=["damped_trend"])
    mid = fc.at(fc.timestamps[0] + STEP / 2)
    assert fc.mean[0] <= mid.mean <= fc.mean[1]
    assert fc.at(fc.last_ts).mean == pytest.approx(y[-1])
