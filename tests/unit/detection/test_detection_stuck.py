"""Stuck values: one non-zero value repeated for longer than the series' own repeats make
likely, and longer than ever before, is reported once (warning)."""

from __future__ import annotations

import logging
import math
from dataclasses import replace

import numpy as np
import numpy.typing as npt
import pytest

from vigil.core.types import Severity
from vigil.detection import NoveltyDetector, restore_detector
from vigil.detection import kernel as K
from vigil.detection.base import K_STUCK
from vigil.detection.default import DefaultConfig
from vigil.detection.state import STATE_FORMAT, dump_state, load_state

STEP = 300.0
DAY = 288
T0 = 1_700_006_400.0
Arr = npt.NDArray[np.float64]


def gauge(days: int, seed: int = 3) -> tuple[Arr, Arr]:
    """A CPU-like gauge: daily wave plus noise, two decimals (values rarely repeat)."""
    n = days * DAY
    ts = np.asarray(T0 + STEP * np.arange(n), dtype=np.float64)
    wave = 40 + 15 * np.sin(2 * np.pi * np.arange(n) / DAY)
    noise = np.random.default_rng(seed).normal(0, 2.0, n)
    return ts, np.round(wave + noise, 2)


def stuck_at(kinds: npt.NDArray[np.int64]) -> list[int]:
    """Indices reported as stuck values."""
    return [i for i, k in enumerate(kinds) if int(k) % K.CTX_MUL == K_STUCK]


def test_a_gauge_stuck_for_two_hours_is_reported_once_as_a_warning() -> None:
    ts, vals = gauge(8)
    at = 6 * DAY + 50
    vals[at:at + 24] = vals[at]  # the exporter keeps sending its last value
    det = NoveltyDetector()
    batch = det.update_batch(ts, vals)
    found = stuck_at(batch.kinds)
    assert len(found) == 1 and at < found[0] <= at + 4  # a few repeats suffice: it never did
    i = found[0]
    assert batch.scores[i] == pytest.approx(0.75)
    assert batch.lower[i] <= vals[i] <= batch.upper[i]  # inside its band, and still a warning
    result = batch.result(i, det.explain)
    assert result.severity is Severity.WARNING
    assert "stuck" in result.explanation and "longer than ever before" in result.explanation
    assert stuck_at(NoveltyDetector(replace(DefaultConfig(), stuck_values=False))
                    .update_batch(ts, vals).kinds) == []


def test_values_that_often_repeat_need_a_longer_run_and_zeros_never_stick() -> None:
    n = 8 * DAY
    ts = np.asarray(T0 + STEP * np.arange(n), dtype=np.float64)
    rng = np.random.default_rng(5)
    small = rng.poisson(3.0, n).astype(np.float64)  # repeats are common: about 1 step in 5
    assert stuck_at(NoveltyDetector().update_batch(ts, small).kinds) == []
    at = 6 * DAY
    stuck = small.copy()
    stuck[at:at + 6] = 4.0  # six 4s in a row: not unlikely enough at this rate of repeats
    assert stuck_at(NoveltyDetector().update_batch(ts, stuck).kinds) == []
    stuck[at:at + 36] = 4.0  # three hours of 4s: it is
    found = stuck_at(NoveltyDetector().update_batch(ts, stuck).kinds)
    assert len(found) == 1 and at + 6 <= found[0] < at + 36
    silent = small.copy()
    silent[at:at + 36] = 0.0  # a run of zeros is a silence, not a stuck value
    assert stuck_at(NoveltyDetector().update_batch(ts, silent).kinds) == []


def test_a_run_must_beat_every_run_before_it() -> None:
    ts, vals = gauge(8)
    first, second = 3 * DAY, 6 * DAY
    vals[first:first + 30] = vals[first]
    vals[second:second + 20] = vals[second]  # shorter than the first: old news
    found = stuck_at(NoveltyDetector().update_batch(ts, vals).kinds)
    assert len(found) == 1 and first < found[0] < first + 30
    vals[second:second + 40] = vals[second]  # longer than the first: reported again
    found = stuck_at(NoveltyDetector().update_batch(ts, vals).kinds)
    assert len(found) == 2 and second + 29 < found[1] < second + 40


def test_a_constant_series_is_never_stuck() -> None:
    ts, _ = gauge(4)
    vals = np.full(len(ts), 3.0)  # replicas = 3: repeating is what it does
    vals[2 * DAY:2 * DAY + 10] = 4.0
    assert stuck_at(NoveltyDetector().update_batch(ts, vals).kinds) == []


def test_a_run_split_by_a_restore_is_reported_as_without_it() -> None:
    ts, vals = gauge(8)
    at = 6 * DAY + 50
    vals[at:at + 24] = vals[at]
    whole = NoveltyDetector().update_batch(ts, vals)
    det = NoveltyDetector()
    det.update_batch(ts[:at + 2], vals[:at + 2])  # stop inside the run
    rest = restore_detector(det.get_state()).update_batch(ts[at + 2:], vals[at + 2:])
    assert np.array_equal(rest.scores, whole.scores[at + 2:])
    assert np.array_equal(rest.kinds, whole.kinds[at + 2:])


def test_a_format_4_state_loads_with_fresh_runs(caplog: pytest.LogCaptureFixture) -> None:
    ts, vals = gauge(8)
    at = 6 * DAY + 50
    vals[at:at + 24] = vals[at]
    det = NoveltyDetector()
    det.update_batch(ts[:4 * DAY], vals[:4 * DAY])
    kind, meta, arrays, _ = load_state(det.get_state())
    arrays["fs"] = arrays["fs"][:K.F_RUN_V]  # format 5 added the stuck-value state
    arrays["ist"] = arrays["ist"][:K.I_RUN]
    meta["config"].pop("stuck_values")
    with caplog.at_level(logging.INFO):
        restored = restore_detector(dump_state(kind, meta, arrays, fmt=4))
    assert "format 4 upgraded" in caplog.text and "stuck values" in caplog.text
    assert isinstance(restored, NoveltyDetector)
    assert load_state(restored.get_state()).format == STATE_FORMAT
    assert np.isnan(restored._arrays["fs"][K.F_RUN_V])
    batch = restored.update_batch(ts[4 * DAY:], vals[4 * DAY:])
    found = stuck_at(batch.kinds)
    assert len(found) == 1 and at - 4 * DAY < found[0] <= at - 4 * DAY + 4


def test_a_stuck_run_during_a_rest_waits_for_its_end() -> None:
    """A spike that stays at one value is one event; a run that becomes unlikely while
    the detector rests after an alert is reported when the rest ends."""
    ts, vals = gauge(8)
    at = 6 * DAY + 50
    rest = NoveltyDetector().config.rest
    vals[at:at + 20] = 400.0  # far out and flat: the spike alerts, the run is the same event
    batch = NoveltyDetector().update_batch(ts, vals)
    assert batch.scores[at] >= 0.5 and stuck_at(batch.kinds) == []
    _, vals = gauge(8)
    vals[at] = 400.0  # an alert starts a rest ...
    vals[at + 1:at + rest + 20] = vals[at - 1]  # ... while the gauge sticks at a usual value
    found = stuck_at(NoveltyDetector().update_batch(ts, vals).kinds)
    assert found == [at + rest + 1]


def test_small_counts_repeat_as_counts_do_and_a_count_that_sticks_is_still_found() -> None:
    """On a count series, a value repeats at least as often as a Poisson count at that
    level would: runs of 1s at night are not stuck, a run of 37s at noon is."""
    n = 8 * DAY
    ts = np.asarray(T0 + STEP * np.arange(n), dtype=np.float64)
    level = 1.0 + 29.0 * (0.5 + 0.5 * np.sin(2 * np.pi * (np.arange(n) / DAY - 0.25)))
    counts = np.random.default_rng(11).poisson(level).astype(np.float64)
    night = 6 * DAY + 5  # level about 1
    assert level[night] < 1.5
    ones = counts.copy()
    ones[night:night + 8] = 1.0  # chance 0.37^7, about 1 in 1,000 at this level
    assert stuck_at(NoveltyDetector().update_batch(ts, ones).kinds) == []
    noon = 6 * DAY + DAY // 2  # level about 30
    assert level[noon] > 29.0
    stuck = counts.copy()
    stuck[noon:noon + 8] = 37.0  # chance below 0.07^7: stuck
    found = stuck_at(NoveltyDetector().update_batch(ts, stuck).kinds)
    assert len(found) == 1 and noon < found[0] < noon + 8


@pytest.mark.parametrize("v", [1.0, 2.0, 7.0, 40.0, 140.0])
def test_the_repeat_chance_of_a_count_is_the_poisson_mass_at_its_own_level(v: float) -> None:
    exact = math.exp(-v) * v ** int(v) / math.factorial(int(v))
    assert K._count_repeat(v) == pytest.approx(exact, rel=1e-9)


def test_the_repeat_chance_of_a_huge_count_stays_a_small_probability() -> None:
    below, above = K._count_repeat(1e6), K._count_repeat(1e6 + 1.0)
    assert above == pytest.approx(below, rel=1e-6)  # Stirling takes over without a jump
    assert 0.0 < K._count_repeat(1e15) < 1e-7
