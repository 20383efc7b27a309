"""An explanation says why a point that stands out scored low (rest, rarity, outage, seen)."""

from __future__ import annotations

import numpy as np

from vigil.detection import NoveltyDetector


def _explain(values: list[float]) -> list[str]:
    ts = 1.7e9 + 300.0 * np.arange(len(values))
    det = NoveltyDetector()
    batch = det.update_batch(ts, np.array(values))
    return [batch.result(i, det.explain).explanation for i in range(len(values))]


def test_a_ramp_after_an_alert_says_the_detector_is_resting() -> None:
    rng = np.random.default_rng(0)
    base = list(40 + rng.normal(0, 3, 300))
    texts = _explain([*base, 37, 70, 83, 88, 92, 95])
    assert "score 0.00" not in texts[-5] and "above every value" in texts[-5]
    for text in texts[-4:]:
        assert "(score 0.00)" in text and "resting after an alert" in text


def test_warming_up_is_said() -> None:
    texts = _explain([1.0, 2.0, 100.0])
    assert all("warming up" in t for t in texts)


def test_rarity_damping_is_said() -> None:
    rng = np.random.default_rng(1)
    values = 10 + rng.normal(0, 1, 1500)
    values[400::25] += rng.uniform(4, 9, len(values[400::25]))  # frequent spikes
    texts = _explain(list(values))
    damped = [t for t in texts if "rarity" in t]
    assert damped
    assert all(float(t.split("(score ")[1][:4]) < 0.3 for t in damped)


def test_an_ordinary_point_has_no_reason_attached() -> None:
    rng = np.random.default_rng(2)
    texts = _explain(list(10 + rng.normal(0, 1, 400)))
    plain = [t for t in texts[200:] if t.endswith(")")]
    assert len(plain) >= 190  # reasons only for the few points outside their band
