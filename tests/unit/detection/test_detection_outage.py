"""Outages and count series: a series stuck far below its usual level keeps being reported."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from vigil.core.types import Severity
from vigil.detection import NoveltyDetector, restore_detector
from vigil.detection import kernel as K
from vigil.detection.state import dump_state, load_state

STEP = 300.0
DAY = 288
T0 = 1_700_006_400.0  # a Wednesday 00:00 UTC
ALERT = (Severity.WARNING, Severity.CRITICAL)


def requests(days: int, seed: int = 0, peak: float = 300.0) -> tuple[np.ndarray, np.ndarray]:
    """Requests per 5 minutes: Poisson around a daily cycle (quiet nights, busy noons)."""
    n = days * DAY
    ts = T0 + STEP * np.arange(n)
    rate = peak * (0.55 + 0.45 * np.sin(2 * np.pi * (np.arange(n) / DAY - 0.25)))
    return ts, np.random.default_rng(seed).poisson(rate).astype(np.float64)


OUT_AT = 10 * DAY + 100        # 08:20 UTC on day 10
OUT_LEN = 37 * 12              # 37 hours


@pytest.fixture(scope="module")
def outage() -> tuple[NoveltyDetector, object, np.ndarray]:
    ts, vals = requests(13)
    vals[OUT_AT:OUT_AT + OUT_LEN] = 0.0
    det = NoveltyDetector()
    return det, det.update_batch(ts, vals), vals


def test_an_outage_is_reported_within_three_hours_and_then_hourly(outage) -> None:  # type: ignore[no-untyped-def]
    det, batch, _ = outage
    sev = batch.severities()
    alerts = [i for i in range(OUT_AT, OUT_AT + OUT_LEN) if sev[i] in ALERT]
    assert alerts and alerts[0] - OUT_AT <= 36  # 3 hours
    gaps = np.diff(alerts)
    assert np.all(gaps >= 12)  # at most once an hour, not once a point
    assert len(alerts) >= 30   # ... and it keeps being reported: not the new normal
    text = batch.result(alerts[5], det.explain).explanation
    assert "usual level for this time of day" in text
    assert "below the expected" in text


def test_no_outage_alert_on_the_same_series_without_outage() -> None:
    ts, vals = requests(13)
    sev = NoveltyDetector().update_batch(ts, vals).severities()
    assert sum(1 for s in sev[3 * DAY:] if s in ALERT) <= 2


def test_bands_of_a_never_negative_series_never_go_below_zero(outage) -> None:  # type: ignore[no-untyped-def]
    _, batch, _ = outage
    assert float(np.min(batch.lower)) >= 0.0
    ts, vals = requests(4, seed=2, peak=0.6)  # mostly zeros
    low = NoveltyDetector().update_batch(ts, vals)
    assert float(np.min(low.lower)) >= 0.0 and float(np.min(low.expected)) >= 0.0


def test_count_series_zeros_ones_and_a_100x_surge() -> None:
    rng = np.random.default_rng(4)
    ts = T0 + STEP * np.arange(4 * DAY)
    ones = (rng.uniform(size=len(ts)) < 0.3).astype(np.float64)  # a series of 1s and 0s
    sev = NoveltyDetector().update_batch(ts, ones).severities()
    assert sum(1 for s in sev if s in ALERT) <= 2
    sparse = rng.poisson(0.3, len(ts)).astype(np.float64)
    sparse[2 * DAY:2 * DAY + 60] = 0.0  # five hours of zeros at a level of 0.3: not an outage
    sev = NoveltyDetector().update_batch(ts, sparse).severities()
    assert all(s not in ALERT for s in sev[2 * DAY:2 * DAY + 60])
    surge = rng.poisson(20, len(ts)).astype(np.float64)
    surge[3 * DAY] = 2000.0  # 100 times the level
    assert NoveltyDetector().update_batch(ts, surge).severities()[3 * DAY] is Severity.CRITICAL


def test_streaming_equals_batch_through_an_outage(outage) -> None:  # type: ignore[no-untyped-def]
    _, batch, vals = outage
    ts = T0 + STEP * np.arange(len(vals))
    det = NoveltyDetector()
    lo, hi = OUT_AT - 50, OUT_AT + 200
    det.update_batch(ts[:lo], vals[:lo])
    for i in range(lo, hi):
        r = det.update(float(ts[i]), float(vals[i]))
        assert (r.score, r.lower, r.upper) == (batch.scores[i], batch.lower[i], batch.upper[i])


def test_a_format_2_state_loads_with_a_fresh_outage_state(
        caplog: pytest.LogCaptureFixture) -> None:
    ts, vals = requests(13)
    det = NoveltyDetector()
    det.update_batch(ts[:4 * DAY], vals[:4 * DAY])
    kind, meta, arrays, _ = load_state(det.get_state())
    del arrays["out"], arrays["tref"]
    arrays["fs"] = arrays["fs"][:K.F_MEW]  # format 4 added the level-shift floats ...
    arrays["ist"] = arrays["ist"][:K.I_COUNTS]  # ... and the count-model flag
    for knob in ("outage_share", "shift_weight", "shift_usual", "count_model"):
        meta["config"].pop(knob)
    with caplog.at_level(logging.INFO):
        restored = restore_detector(dump_state(kind, meta, arrays, fmt=2))
    assert "re-learns" in caplog.text
    vals[OUT_AT:OUT_AT + OUT_LEN] = 0.0
    sev = restored.update_batch(ts[4 * DAY:], vals[4 * DAY:]).severities()
    start = OUT_AT - 4 * DAY
    assert any(s in ALERT for s in sev[start:start + 36])


def test_a_frozen_baseline_does_not_learn_the_outage_when_asked() -> None:
    from dataclasses import replace

    from vigil.detection.default import DefaultConfig

    ts, clean = requests(13)
    vals = clean.copy()
    vals[OUT_AT:OUT_AT + OUT_LEN] = 0.0
    after = OUT_AT + OUT_LEN + 6
    plain = NoveltyDetector().update_batch(ts[:after], vals[:after])
    frozen = NoveltyDetector(replace(DefaultConfig(), outage_freezes_baseline=True))
    fb = frozen.update_batch(ts[:after], vals[:after])
    # the expectation just after the outage, had there been none
    usual = float(NoveltyDetector().update_batch(ts[:after], clean[:after]).expected[-1])
    assert float(fb.expected[-1]) > float(plain.expected[-1])
    assert abs(float(fb.expected[-1]) - usual) < abs(float(plain.expected[-1]) - usual)
