"""Glaring points: far outside the expected band is news, whatever rest and rarity say.

The operations case: a detection worker stores warning-or-worse anomalies; a value of
400 against an expected 23-68 must not vanish because a weak detection 13 points
earlier started a rest period (docs/detection.md, "Glaring points").
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from vigil.core.types import Severity
from vigil.detection import NoveltyDetector, make_detector, restore_detector
from vigil.detection import kernel as K
from vigil.detection.base import K_SIZE
from vigil.detection.state import STATE_FORMAT, dump_state, load_state

ALERT = (Severity.WARNING, Severity.CRITICAL)
AT = 600


def minutely(n: int, level: float = 50.0, seed: int = 1) -> tuple[npt.NDArray[np.float64],
                                                                 npt.NDArray[np.float64]]:
    """One-minute CPU-like series: level + an hourly sine + unit noise."""
    rng = np.random.default_rng(seed)
    ts = np.arange(n, dtype=np.float64) * 60.0 + 1.7e9
    vals = np.array([level + 10 * math.sin(2 * math.pi * i / 60) + rng.normal(0, 1)
                     for i in range(n)], dtype=np.float64)
    return ts, vals


def _assert_weak_detection_shortly_before(det_scores: npt.NDArray[np.float64],
                                          sev: list[Severity | None]) -> None:
    """The precondition of the bug: a detection (not an alert) within the rest period."""
    earlier = [i for i in range(AT - 30, AT) if det_scores[i] > 0.0]
    assert earlier, "no earlier detection: the case is not reproduced"
    assert all(sev[i] not in ALERT for i in earlier)


def test_spike_right_after_a_weak_detection_is_an_alert() -> None:
    ts, vals = minutely(AT + 6)
    vals[AT] = 400.0
    batch = make_detector("vigil").update_batch(ts, vals)
    sev = batch.severities()
    _assert_weak_detection_shortly_before(batch.scores, sev)
    assert batch.upper[AT] < 100.0  # the expected band is around 23-68
    assert sev[AT] in ALERT
    assert batch.scores[AT] >= 0.9
    assert int(batch.kinds[AT]) & 15 == K_SIZE
    det = NoveltyDetector()
    r = det.update_batch(ts, vals).result(AT, det.explain)
    assert r.is_anomaly and "400" in r.explanation and "far outside" in r.explanation


def test_dip_right_after_a_weak_detection_is_an_alert() -> None:
    ts, vals = minutely(AT + 6, level=200.0)
    vals[AT] = 0.0  # e.g. throughput collapses
    batch = make_detector("vigil").update_batch(ts, vals)
    sev = batch.severities()
    _assert_weak_detection_shortly_before(batch.scores, sev)
    assert batch.lower[AT] > 100.0
    assert sev[AT] in ALERT


def test_streaming_and_restore_agree_on_the_glaring_point() -> None:
    ts, vals = minutely(AT + 6)
    vals[AT] = 400.0
    batch = NoveltyDetector().update_batch(ts, vals)
    first = NoveltyDetector()
    first.update_batch(ts[:AT - 5], vals[:AT - 5])  # cut inside the rest period
    resumed = restore_detector(first.get_state())
    streamed = [resumed.update(float(t), float(v)) for t, v in zip(ts[AT - 5:], vals[AT - 5:],
                                                                      strict=True)]
    assert [r.score for r in streamed] == list(batch.scores[AT - 5:])
    assert streamed[5].severity in ALERT


def test_a_sustained_excursion_is_one_alert_not_one_per_point() -> None:
    ts, vals = minutely(AT + 40)
    vals[AT:AT + 20] = 400.0
    sev = NoveltyDetector().update_batch(ts, vals).severities()
    assert sev[AT] in ALERT
    assert all(s not in ALERT for s in sev[AT + 1:AT + 20])


def test_a_larger_spike_during_the_rest_of_a_glaring_one_is_reported_too() -> None:
    ts, vals = minutely(AT + 20)
    vals[AT] = 400.0
    vals[AT + 5] = 5000.0  # ten times further out: clearly stronger
    sev = NoveltyDetector().update_batch(ts, vals).severities()
    assert sev[AT] in ALERT and sev[AT + 5] in ALERT


def test_spike_during_warm_up_is_warming_up_and_right_after_it_is_judged() -> None:
    learn = NoveltyDetector().config.learn
    ts, vals = minutely(learn + 50)
    during = vals.copy()
    during[learn // 2] = 400.0
    det = NoveltyDetector()
    batch = det.update_batch(ts, during)
    r = batch.result(learn // 2, det.explain)
    assert r.warming_up and r.severity is None  # not "normal": still learning
    assert "warming up" in r.explanation
    assert all(batch.warming_up[:learn]) and not any(batch.warming_up[learn:])
    after = vals.copy()
    after[learn] = 400.0  # the first point that is judged
    sev = NoveltyDetector().update_batch(ts, after).severities()
    assert sev[learn] in ALERT


def test_a_format_1_state_is_migrated_and_still_alerts() -> None:
    ts, vals = minutely(AT + 6)
    vals[AT] = 400.0
    det = NoveltyDetector()
    det.update_batch(ts[:AT - 5], vals[:AT - 5])
    kind, meta, arrays, _ = load_state(det.get_state())
    arrays["fs"] = arrays["fs"][:K.F_FIRE_SIZE]  # the 23 floats of format 1
    arrays["ist"] = arrays["ist"][:K.I_COUNTS]  # format 4's count-model flag
    del arrays["out"], arrays["tref"]  # format 3's outage state
    config = {k: v for k, v in meta["config"].items()
              if not k.startswith(("size_", "outage_", "shift_", "count_"))}
    old = dump_state(kind, {"config": config}, arrays, fmt=1)
    migrated = restore_detector(old)
    assert isinstance(migrated, NoveltyDetector)
    assert migrated.config == NoveltyDetector().config
    assert load_state(migrated.get_state()).format == STATE_FORMAT
    sev = migrated.update_batch(ts[AT - 5:], vals[AT - 5:]).severities()
    assert sev[5] in ALERT


def test_off_switch_restores_the_old_behaviour() -> None:
    from dataclasses import replace

    ts, vals = minutely(AT + 6)
    vals[AT] = 400.0
    cfg = replace(NoveltyDetector().config, size_at=0.0)
    assert NoveltyDetector(cfg).update_batch(ts, vals).severities()[AT] not in ALERT
