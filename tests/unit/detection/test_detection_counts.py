"""Count series (zeros are real values, variance grows with the level) and level shifts."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import numpy.typing as npt
import pytest

from vigil.core.types import Severity
from vigil.detection import NoveltyDetector, make_detector, restore_detector
from vigil.detection import kernel as K
from vigil.detection.base import K_SHIFT, K_SILENCE
from vigil.detection.default import DefaultConfig
from vigil.detection.state import STATE_FORMAT, dump_state, load_state

STEP = 300.0
DAY = 288
T0 = 1_700_006_400.0  # a Wednesday 00:00 UTC
ALERT = (Severity.WARNING, Severity.CRITICAL)
Arr = npt.NDArray[np.float64]


def times(days: int) -> Arr:
    """Five-minute timestamps over `days` days."""
    return np.asarray(T0 + STEP * np.arange(days * DAY), dtype=np.float64)


def poisson_counts(days: int, level: float, seed: int = 1) -> tuple[Arr, Arr, Arr]:
    """(timestamps, Poisson counts, their rate) around a daily cycle."""
    ts = times(days)
    rate = level * (0.55 + 0.45 * np.sin(2 * np.pi * (np.arange(len(ts)) / DAY - 0.25)))
    return ts, np.random.default_rng(seed).poisson(rate).astype(np.float64), rate


def alerts(det: NoveltyDetector, ts: Arr, vals: Arr) -> list[int]:
    """Indices of the points scored warning or worse."""
    sev = det.update_batch(ts, vals).severities()
    return [i for i, s in enumerate(sev) if s in ALERT]


def test_a_100x_surge_in_counts_is_critical() -> None:
    ts, vals, _ = poisson_counts(14, 5.0)
    at = 8 * DAY + 150
    vals[at] = 500.0
    batch = NoveltyDetector().update_batch(ts, vals)
    assert batch.severities()[at] is Severity.CRITICAL
    assert batch.lower.min() >= 0.0  # a count series gets no negative band


def test_all_zero_stretches_of_a_sparse_count_series_are_normal() -> None:
    ts = times(14)
    rng = np.random.default_rng(3)
    vals = rng.poisson(0.3, len(ts)).astype(np.float64)
    starts = (3 * DAY, 6 * DAY + 40, 10 * DAY + 100)
    for a in starts:
        vals[a:a + 48] = 0.0  # four hours without a single event: normal at 0.3 a step
    found = alerts(NoveltyDetector(), ts, vals)
    assert not [i for i in found if any(a <= i < a + 48 for a in starts)]


def test_a_long_all_zero_series_then_a_burst_is_reported_once() -> None:
    ts = times(14)
    vals = np.zeros(len(ts))
    vals[5 * DAY:5 * DAY + 10] = 3.0
    batch = NoveltyDetector().update_batch(ts, vals)
    sev = batch.severities()
    found = [i for i, s in enumerate(sev) if s in ALERT]
    assert found and found[0] == 5 * DAY  # the first event is news at once
    assert len([i for i in found if i < 5 * DAY + 10]) == 1  # one alert, not ten
    assert batch.lower.min() >= 0.0


def test_a_series_of_ones_and_zeros() -> None:
    ts = times(14)
    vals = (np.random.default_rng(5).uniform(size=len(ts)) < 0.3).astype(np.float64)
    assert len(alerts(NoveltyDetector(), ts, vals)) <= 2  # noise: at most a couple a fortnight
    stuck = vals.copy()
    at = 9 * DAY
    stuck[at:at + 100] = 1.0  # the flag stays up for eight hours
    found = alerts(NoveltyDetector(), ts, stuck)
    assert any(at <= i < at + 100 for i in found)


def test_a_level_shift_in_counts_is_reported_with_its_reason() -> None:
    ts, vals, rate = poisson_counts(14, 30.0)
    at = 8 * DAY + 100
    vals[at:] = np.random.default_rng(9).poisson(rate[at:] * 2.5)
    det = NoveltyDetector()
    batch = det.update_batch(ts, vals)
    sev = batch.severities()
    hit = [i for i in range(at, at + DAY) if sev[i] in ALERT]
    assert hit, "the shift is not reported within a day"
    shift_points = [i for i in range(len(ts)) if int(batch.kinds[i]) & 15 == K_SHIFT
                    and batch.scores[i] > 0]
    assert shift_points and all(i >= at for i in shift_points)
    assert "shifted above the expected" in batch.result(shift_points[0], det.explain).explanation


def test_the_shift_onset_can_be_switched_off() -> None:
    ts, vals, rate = poisson_counts(14, 30.0)
    at = 8 * DAY + 100
    vals[at:] = np.random.default_rng(9).poisson(rate[at:] * 2.5)
    off = NoveltyDetector(replace(DefaultConfig(), shift_weight=0.0)).update_batch(ts, vals)
    assert not any(int(k) & 15 == K_SHIFT for k in off.kinds)


@pytest.mark.parametrize("mode", [1, 2])
def test_count_models_stream_like_batch_and_report_counts(mode: int) -> None:
    ts, vals, _ = poisson_counts(6, 20.0)
    cfg = replace(DefaultConfig(), count_model=mode)
    batch = NoveltyDetector(cfg).update_batch(ts, vals)
    det = NoveltyDetector(cfg)
    for i in range(len(ts)):
        r = det.update(float(ts[i]), float(vals[i]))
        assert (r.score, r.expected, r.lower, r.upper) == (
            batch.scores[i], batch.expected[i], batch.lower[i], batch.upper[i])
    assert int(det._arrays["ist"][K.I_COUNTS]) == K.COUNTS_YES
    judged = ~batch.warming_up
    # bands are in counts: around the level, never negative, wider above than below
    assert 5.0 < float(np.median(batch.expected[judged])) < 30.0
    assert batch.lower.min() >= 0.0
    above = batch.upper[judged] - batch.expected[judged]
    below = batch.expected[judged] - batch.lower[judged]
    assert float(np.median(above - below)) > 0.0


def test_a_series_with_fractions_is_not_a_count_series() -> None:
    ts, vals, _ = poisson_counts(3, 20.0)
    vals[40] += 0.5
    det = NoveltyDetector(replace(DefaultConfig(), count_model=1))
    det.update_batch(ts, vals)
    assert int(det._arrays["ist"][K.I_COUNTS]) == K.COUNTS_NO


def test_a_format_3_state_loads_in_its_own_units(caplog: pytest.LogCaptureFixture) -> None:
    ts, vals, rate = poisson_counts(14, 30.0)
    at = 8 * DAY + 100
    vals[at:] = np.random.default_rng(9).poisson(rate[at:] * 2.5)
    det = NoveltyDetector(replace(DefaultConfig(), count_model=1))
    det.update_batch(ts[:4 * DAY], vals[:4 * DAY])
    kind, meta, arrays, _ = load_state(det.get_state())
    arrays["fs"] = arrays["fs"][:K.F_MEW]
    arrays["ist"] = arrays["ist"][:K.I_COUNTS]
    arrays["out"] = arrays["out"][:K.O_SIL]
    arrays["tref"] = arrays["tref"][:K.R_ZEROS]
    for knob in ("shift_weight", "shift_usual", "count_model", "silences"):
        meta["config"].pop(knob)
    with caplog.at_level(logging.INFO):
        restored = restore_detector(dump_state(kind, meta, arrays, fmt=3))
    assert "upgraded" in caplog.text and "own units" in caplog.text
    assert isinstance(restored, NoveltyDetector)
    assert load_state(restored.get_state()).format == STATE_FORMAT
    assert int(restored._arrays["ist"][K.I_COUNTS]) == K.COUNTS_NO
    batch = restored.update_batch(ts[4 * DAY:], vals[4 * DAY:])
    assert np.all(np.isfinite(batch.scores))
    sev = batch.severities()
    assert any(s in ALERT for s in sev[at - 4 * DAY:at - 4 * DAY + DAY])


SILENCES = replace(DefaultConfig(), silences=True)


def test_a_silence_of_a_count_series_is_reported_once_when_asked_for() -> None:
    ts, vals, _ = poisson_counts(14, 3.0)
    at = 9 * DAY + 144  # noon: about 5 events a step are usual
    vals[at:at + 48] = 0.0
    det = NoveltyDetector(SILENCES)
    batch = det.update_batch(ts, vals)
    silent = [i for i in range(len(ts)) if int(batch.kinds[i]) & 15 == K_SILENCE]
    assert len(silent) == 1 and at <= silent[0] < at + 12
    assert batch.scores[silent[0]] == pytest.approx(0.75)  # like an outage's first report
    assert batch.severities()[silent[0]] in ALERT
    why = batch.result(silent[0], det.explain).explanation
    # judged, and explained, against what this time of day usually brings
    assert "no events" in why and "is below the expected" in why and "UTC" in why, why
    assert batch.lower[silent[0]] > 0.0
    # off by default
    off = NoveltyDetector().update_batch(ts, vals)
    assert not any(int(k) & 15 == K_SILENCE for k in off.kinds)
    # a series with fractions is no count series
    fractions = NoveltyDetector(SILENCES).update_batch(ts, vals + 0.5)
    assert not any(int(k) & 15 == K_SILENCE for k in fractions.kinds)


def test_a_young_all_zero_series_is_not_silent_against_expectation() -> None:
    """Rates of zeros learned from a few points per half-hour are no evidence."""
    ts = times(3)
    batch = NoveltyDetector(SILENCES).update_batch(ts, np.zeros(len(ts)))
    assert not any(int(k) & 15 == K_SILENCE for k in batch.kinds)


def test_natural_lulls_of_a_sparse_count_series_are_no_silence() -> None:
    ts = times(14)
    vals = np.random.default_rng(4).poisson(0.3, len(ts)).astype(np.float64)
    batch = NoveltyDetector(SILENCES).update_batch(ts, vals)
    assert not any(int(k) & 15 == K_SILENCE for k in batch.kinds)


def test_lulls_of_a_sparse_series_are_no_silence_even_when_asked_for() -> None:
    """Four hours without an event at 0.3 a step misses about 14 expected events: fewer
    than the 20 below which the outage rule calls a drop insignificant too."""
    ts = times(14)
    vals = np.random.default_rng(3).poisson(0.3, len(ts)).astype(np.float64)
    vals[6 * DAY + 40:6 * DAY + 88] = 0.0
    batch = NoveltyDetector(SILENCES).update_batch(ts, vals)
    assert not any(int(k) & 15 == K_SILENCE for k in batch.kinds)
    vals[6 * DAY + 40:6 * DAY + 160] = 0.0  # ten hours: about 36 events missed
    batch = NoveltyDetector(SILENCES).update_batch(ts, vals)
    assert any(int(k) & 15 == K_SILENCE for k in batch.kinds[6 * DAY + 40:6 * DAY + 160])


def test_a_silence_and_the_outage_it_starts_are_one_event() -> None:
    """The silence is reported first; the outage rule's reports follow an hour later."""
    ts, vals, _ = poisson_counts(14, 30.0)
    at = 9 * DAY + 144
    vals[at:at + 72] = 0.0  # six hours of nothing where 30 a step are usual
    batch = NoveltyDetector(SILENCES).update_batch(ts, vals)
    sev = batch.severities()
    found = [i for i in range(at, at + 72) if sev[i] in ALERT]
    assert found and np.all(np.diff(found) >= 12)  # at most hourly, one event
    assert int(batch.kinds[found[0]]) & 15 == K_SILENCE and batch.scores[found[0]] > 0.7


def test_vigilevents_is_the_default_that_also_reports_silences() -> None:
    """The registered detector for event counts: a silence that starts at midnight,
    when about one event a step is usual, is reported hours before the outage rule
    of the default reports it; on a series that is not a count series (fractions)
    the two detectors agree bit for bit."""
    ts, vals, _ = poisson_counts(14, 10.0, seed=5)
    at = 9 * DAY  # midnight
    vals[at:at + 96] = 0.0
    events = make_detector("vigilevents").update_batch(ts, vals)
    default = make_detector("vigil").update_batch(ts, vals)
    first_events = next(i for i in range(at, at + 96) if events.severities()[i] in ALERT)
    first_default = next(i for i in range(at, at + 96) if default.severities()[i] in ALERT)
    assert int(events.kinds[first_events]) & 15 == K_SILENCE
    assert first_events + 12 < first_default
    # one event: the outage rule's reports that follow the silence are reminders
    later = [i for i in range(first_events + 1, at + 96) if events.severities()[i] in ALERT]
    assert later and all(events.scores[i] == pytest.approx(0.5) for i in later)
    assert default.scores[first_default] == pytest.approx(0.75)
    # the state remembers which detector it is
    state = make_detector("vigilevents")
    state.update_batch(ts[:at], vals[:at])
    resumed = restore_detector(state.get_state()).update_batch(ts[at:], vals[at:])
    assert np.array_equal(resumed.scores, events.scores[at:])
    gauge = vals + 0.25
    assert np.array_equal(make_detector("vigilevents").update_batch(ts, gauge).scores,
                          make_detector("vigil").update_batch(ts, gauge).scores)
