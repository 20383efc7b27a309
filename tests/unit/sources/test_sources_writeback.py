"""Write-back samples, request batching, remote_write encoding and the text exposition."""

from __future__ import annotations

import math

import numpy as np

from vigil.core.remote_write import decode_body
from vigil.core.remote_write import encode_body as encode
from vigil.sources.exposition import render
from vigil.sources.ring import append_ring, read_ring
from vigil.sources.writeback import ScoredPoints, batches, samples_for


def scored(n: int = 3) -> ScoredPoints:
    ts = 1_700_000_000.0 + np.arange(n) * 60.0
    lower = np.full(n, 1.0)
    lower[0] = np.nan  # no band yet
    return ScoredPoints({"instance": "a", "job": "node"}, "cpu", ts, np.linspace(0, 1, n),
                        lower, np.full(n, 9.5), np.array([False] * (n - 1) + [True]))


def test_four_metrics_with_the_source_labels_and_for() -> None:
    series = samples_for(scored())
    names = [labels["__name__"] for labels, _ in series]
    assert names == ["vigil_anomaly_score", "vigil_expected_lower", "vigil_expected_upper",
                     "vigil_anomaly"]
    for labels, _points in series:
        assert labels["for"] == "cpu" and labels["instance"] == "a" and labels["job"] == "node"
    by_name = {labels["__name__"]: points for labels, points in series}
    assert by_name["vigil_anomaly"] == [(1_700_000_000_000, 0.0), (1_700_000_060_000, 0.0),
                                        (1_700_000_120_000, 1.0)]
    assert [t for t, _ in by_name["vigil_expected_lower"]] == [1_700_000_060_000,
                                                                1_700_000_120_000]


def test_round_trip_through_the_remote_write_decoder() -> None:
    body = encode(samples_for(scored()))
    decoded = decode_body(body)
    got: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for owner, ts, value in zip(decoded.owners, decoded.timestamps, decoded.values, strict=True):
        got.setdefault((owner.name, owner.labels["for"]), []).append((ts, value))
    assert got[("vigil_anomaly", "cpu")][-1] == (1_700_000_120.0, 1.0)
    assert got[("vigil_expected_upper", "cpu")] == [(1_700_000_000.0 + 60 * i, 9.5)
                                                    for i in range(3)]
    assert math.isclose(got[("vigil_anomaly_score", "cpu")][1][1], 0.5)
    assert decoded.samples == 11


def test_batches_never_exceed_the_sample_limit_and_keep_every_sample() -> None:
    series = samples_for(scored(10)) * 3
    total = sum(len(points) for _l, points in series)
    seen = 0
    for batch in batches(series, 7):
        size = sum(len(points) for _l, points in batch)
        assert 0 < size <= 7
        seen += size
    assert seen == total


def test_exposition_escapes_and_types() -> None:
    text = render({"vigil_anomaly": [({"for": "cpu", "path": 'a"b\\c\nd'}, 1000, 1.0)],
                   "vigil_expected_lower": [({"for": "cpu"}, 1000, float("nan"))]})
    assert "# TYPE vigil_anomaly gauge" in text
    assert 'vigil_anomaly{for="cpu",path="a\\"b\\\\c\\nd"} 1.0 1000' in text
    assert 'vigil_expected_lower{for="cpu"} NaN 1000' in text
    assert render({}) == ""


def test_ring_buffer_keeps_the_newest_points() -> None:
    blob = b""
    for start in range(0, 10, 3):
        ts = np.arange(start, start + 3, dtype=np.float64)
        blob = append_ring(blob, ts, ts * 2, capacity=5)
    ts, values = read_ring(blob)
    assert ts.tolist() == [7.0, 8.0, 9.0, 10.0, 11.0]
    assert values.tolist() == [14.0, 16.0, 18.0, 20.0, 22.0]
    assert append_ring(blob, ts, values, capacity=0) == b""
    assert read_ring(b"")[0].size == 0
