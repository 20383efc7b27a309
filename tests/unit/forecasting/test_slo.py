"""SLO error budgets: burn rates and the SRE workbook's multi-window alerts, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.forecasting.errors import ForecastInputError
from vigil.forecasting.slo import SLOKind, SLOSpec, evaluate_slo

MIN = 60.0
HOUR = 3600.0
DAY = 86_400.0


def _minutes(n: int) -> np.ndarray:
    return np.arange(1, n + 1) * MIN


def test_fast_burn_fires_the_page_and_resolves_when_it_stops() -> None:
    spec = SLOSpec("api", objective=0.999, window_seconds=30 * DAY)
    n = 3 * 24 * 60  # three days of minutes
    err = np.zeros(n)
    err[-60:] = 0.02  # the last hour fails 2%: burn 20x > 14.4x
    status = evaluate_slo(_minutes(n), err, spec)
    firing = {(a.window.long_seconds, a.window.factor) for a in status.firing}
    assert (HOUR, 14.4) in firing
    assert status.burn_rate_1h == pytest.approx(20.0)
    # 6 h window: 60 bad minutes of 360 -> 0.02/6/0.001 = 3.33x < 6: no 6 h page
    assert (6 * HOUR, 6.0) not in firing
    # 1 d window: 60/1440*20 = 0.83x < 3: no ticket
    assert all(a.window.long_seconds < 6 * HOUR for a in status.firing)
    # ten clean minutes later the 5 m window is clean: the page resolves
    later = np.concatenate((err, np.zeros(10)))
    assert evaluate_slo(_minutes(n + 10), later, spec).firing == []


def test_slow_burn_fires_only_the_ticket() -> None:
    spec = SLOSpec("api", objective=0.99)  # budget 1%
    n = 4 * 24 * 60
    err = np.full(n, 0.015)  # 1.5x all along
    status = evaluate_slo(_minutes(n), err, spec)
    assert [a.window.factor for a in status.firing] == [1.0]
    assert status.firing[0].window.priority == "P3"


def test_remaining_budget_and_time_to_exhaustion() -> None:
    spec = SLOSpec("api", objective=0.99, window_seconds=10 * DAY)
    n = 10 * 24 * 60
    err = np.zeros(n)
    err[-5 * 24 * 60:] = 0.01  # half the window at exactly the budget rate
    status = evaluate_slo(_minutes(n), err, spec)
    assert status.bad_fraction == pytest.approx(0.005)
    assert status.budget_remaining == pytest.approx(0.5)
    # burning 1x, the remaining half lasts half the window
    assert status.exhaustion_seconds == pytest.approx(5 * DAY)


def test_latency_slo_counts_samples_over_the_bound() -> None:
    spec = SLOSpec("latency", objective=0.9, kind=SLOKind.LATENCY, latency_threshold=0.5,
                   window_seconds=DAY)
    n = 24 * 60
    lat = np.full(n, 0.2)
    lat[: n // 5] = 0.9  # 20% of samples too slow: budget (10%) overspent twice
    status = evaluate_slo(_minutes(n), lat, spec)
    assert status.budget_remaining == pytest.approx(-1.0)
    assert status.exhaustion_seconds is None


def test_invalid_slos_are_refused() -> None:
    with pytest.raises(ForecastInputError, match="objective"):
        SLOSpec("x", objective=1.0)
    with pytest.raises(ForecastInputError, match="latency_threshold"):
        SLOSpec("x", objective=0.99, kind=SLOKind.LATENCY)
