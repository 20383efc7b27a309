"""Bad input never crashes a detector nor produces NaN scores."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.detection.detection_synth import STEP, T0
from vigil.detection import detector_names, make_detector


def _check(name: str, ts: np.ndarray, vals: np.ndarray) -> None:
    det = make_detector(name)
    batch = det.update_batch(ts, vals)
    assert len(batch) == len(vals)
    assert np.all(np.isfinite(batch.scores))
    assert np.all((batch.scores >= 0) & (batch.scores <= 1))
    # and the detector still works afterwards, streaming
    r = det.update(float(T0 + STEP * (len(vals) + 1)), 1.0)
    assert np.isfinite(r.score)
    assert isinstance(r.explanation, str)


CASES = {
    "empty": (np.array([]), np.array([])),
    "one point": (np.array([T0]), np.array([3.0])),
    "constant": (T0 + STEP * np.arange(500), np.full(500, 7.0)),
    "nan and inf": (T0 + STEP * np.arange(400),
                    np.where(np.arange(400) % 7 == 0, np.nan,
                             np.where(np.arange(400) % 11 == 0, np.inf, 1.0 * np.arange(400)))),
    "all nan": (T0 + STEP * np.arange(300), np.full(300, np.nan)),
    "huge": (T0 + STEP * np.arange(400),
             np.where(np.arange(400) % 50 == 0, 1e308, np.arange(400) % 5 * 1.0)),
    "huge both signs": (T0 + STEP * np.arange(400),
                        np.where(np.arange(400) % 2 == 0, 1e308, -1e308)),
    "duplicate timestamps": (np.repeat(T0 + STEP * np.arange(200), 2),
                             np.tile([1.0, 2.0], 200)),
    "out of order": (T0 + STEP * np.random.default_rng(0).permutation(400),
                     np.random.default_rng(1).normal(size=400)),
    "nan timestamps": (np.where(np.arange(300) % 9 == 0, np.nan, T0 + STEP * np.arange(300)),
                       np.random.default_rng(2).normal(size=300)),
    "tiny values": (T0 + STEP * np.arange(400),
                    1e-300 * np.random.default_rng(3).normal(size=400)),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("name", detector_names())
def test_bad_input(name: str, case: str) -> None:
    ts, vals = CASES[case]
    _check(name, ts, vals)


def test_missing_value_is_reported_not_scored() -> None:
    det = make_detector()
    for i in range(200):
        det.update(T0 + STEP * i, float(i % 10))
    r = det.update(T0 + STEP * 200, float("nan"))
    assert r.score == 0.0
    assert r.severity is None
    assert "missing" in r.explanation


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([0.0, 1e308, -1e308, 5e-324, 42.0])), min_size=0, max_size=300),
    step=st.floats(min_value=-3600, max_value=86400, allow_nan=False),
)
def test_fuzzed_input_never_crashes_nor_gives_nan(values: list[float], step: float) -> None:
    vals = np.asarray(values, dtype=np.float64)
    ts = T0 + step * np.arange(len(vals))
    det = make_detector()
    batch = det.update_batch(ts, vals)
    assert np.all(np.isfinite(batch.scores))
    assert np.all((batch.scores >= 0) & (batch.scores <= 1))
    restored = type(det).from_state(det.get_state())
    assert np.isfinite(restored.update(T0, 1.0).score)
