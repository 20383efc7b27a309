"""The detector interface: streaming == batch, exact state round trips, registry."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from tests.unit.detection.detection_synth import DAY, inject, seasonal
from vigil.detection import (
    DefaultConfig,
    NoveltyDetector,
    detector_names,
    make_detector,
    restore_detector,
)
from vigil.detection.state import StateError, load_state, state_kind


def _series() -> tuple[np.ndarray, np.ndarray]:
    ts, vals = seasonal(3 * DAY, seed=3)
    vals = inject("spike", vals, 2 * DAY + 10)
    vals[100] = np.nan  # a missing value
    ts = ts.copy()
    ts[400:] += 6 * 3600.0  # a gap
    return ts, vals


@pytest.mark.parametrize("name", detector_names())
def test_streaming_equals_batch(name: str) -> None:
    ts, vals = _series()
    batch = make_detector(name).update_batch(ts, vals)
    det = make_detector(name)
    streamed = [det.update(float(t), float(v)) for t, v in zip(ts, vals, strict=True)]
    assert np.array_equal(batch.scores, [r.score for r in streamed])
    assert np.array_equal(batch.expected, [r.expected for r in streamed])
    assert np.array_equal(batch.lower, [r.lower for r in streamed])
    assert np.array_equal(batch.upper, [r.upper for r in streamed])
    assert [bool(w) for w in batch.warming_up] == [r.warming_up for r in streamed]


@pytest.mark.parametrize("name", detector_names())
def test_state_round_trip_mid_stream_equals_uninterrupted_run(name: str) -> None:
    ts, vals = _series()
    whole = make_detector(name).update_batch(ts, vals)
    first = make_detector(name)
    cut = 2 * DAY
    head = first.update_batch(ts[:cut], vals[:cut])
    blob = first.get_state()
    assert isinstance(blob, bytes)
    resumed = restore_detector(blob)
    tail = resumed.update_batch(ts[cut:], vals[cut:])
    assert np.array_equal(np.concatenate([head.scores, tail.scores]), whole.scores)
    assert np.array_equal(np.concatenate([head.expected, tail.expected]), whole.expected)
    # and the restored detector's own state serialises to the same bytes as the original's
    first.update_batch(ts[cut:], vals[cut:])
    assert resumed.get_state() == first.get_state()


def test_state_keeps_the_configuration() -> None:
    cfg = DefaultConfig(rest=7, learn=20)
    det = NoveltyDetector(cfg)
    det.update(0.0, 1.0)
    again = NoveltyDetector.from_state(det.get_state())
    assert again.config == cfg


def test_garbage_state_is_refused() -> None:
    with pytest.raises(StateError):
        restore_detector(b"not a state")
    blob = make_detector().get_state()
    for bad in (blob[:20], blob[:-10], blob[:9] + b"x" + blob[10:]):
        with pytest.raises(StateError):
            restore_detector(bad)
    with pytest.raises(StateError):
        NoveltyDetector.from_state(make_detector("zscore").get_state())


def _with_meta(blob: bytes, meta: object) -> bytes:
    """The same state with its header's metadata replaced (arrays untouched)."""
    fmt, hlen = struct.unpack("<BI", blob[4:9])
    header = json.loads(blob[9:9 + hlen])
    header["meta"] = meta
    raw = json.dumps(header).encode()
    return blob[:4] + struct.pack("<BI", fmt, len(raw)) + raw + blob[9 + hlen:]


@pytest.mark.parametrize("meta", [
    {"config": "rest=30"},
    {"config": {"rest": "30"}},
    {"config": {"silences": 1}},
    {"config": {"fire_at": None}},
])
def test_a_state_whose_configuration_is_damaged_is_refused(meta: object) -> None:
    blob = make_detector().get_state()
    with pytest.raises(StateError, match="configuration"):
        restore_detector(_with_meta(blob, meta))


def test_a_stored_configuration_is_read_with_its_types() -> None:
    blob = NoveltyDetector(DefaultConfig(rest=7)).get_state()
    meta = load_state(blob).meta
    meta["config"]["fire_at"] = 1  # a float knob that JSON wrote as an integer
    restored = NoveltyDetector.from_state(_with_meta(blob, meta))
    assert restored.config.rest == 7 and restored.config.fire_at == 1.0
    assert isinstance(restored.config.fire_at, float)


@pytest.mark.parametrize("meta", [{}, {"alpha": "x", "learn": 3}, {"alpha": 0.1, "learn": None}])
def test_a_zscore_state_with_damaged_settings_is_refused(meta: object) -> None:
    with pytest.raises(StateError):
        restore_detector(_with_meta(make_detector("zscore").get_state(), meta))


@pytest.mark.parametrize("name", detector_names())
def test_state_kind_reads_the_header_alone(name: str) -> None:
    blob = make_detector(name).get_state()
    assert state_kind(blob) == load_state(blob).kind
    # the arrays are not read: a damaged body still names its kind, and restoring refuses it
    damaged = blob[:-10]
    assert state_kind(damaged) == load_state(blob).kind
    with pytest.raises(StateError):
        restore_detector(damaged)
    for bad in (b"", blob[:8], blob[:12]):
        with pytest.raises(StateError):
            state_kind(bad)


def test_unknown_detector_name() -> None:
    with pytest.raises(KeyError, match="known"):
        make_detector("nope")


def test_detector_names_have_no_underscores() -> None:
    assert "vigil" in detector_names()
    assert all("_" not in n for n in detector_names())


def test_batch_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError):
        make_detector().update_batch(np.arange(3.0), np.arange(4.0))


@pytest.mark.parametrize("seed", [0, 1])
def test_any_chunking_gives_the_same_numbers(seed: int) -> None:
    ts, vals = _series()
    whole = make_detector().update_batch(ts, vals)
    rng = np.random.default_rng(seed)
    det = make_detector()
    parts = []
    i = 0
    while i < len(vals):
        j = i + int(rng.integers(1, 400))
        parts.append(det.update_batch(ts[i:j], vals[i:j]).scores)
        i = j
    assert np.array_equal(np.concatenate(parts), whole.scores)
