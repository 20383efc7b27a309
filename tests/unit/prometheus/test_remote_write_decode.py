"""The remote_write decoder against real Prometheus bytes, the protobuf runtime and bad input."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import cramjam
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.prometheus.prom_pb_reference import WriteRequest, reference_decode
from vigil.core.remote_write import (
    STALE_NAN_BITS,
    DecodeLimits,
    LabelCache,
    RemoteWriteError,
    decode_body,
    decode_write_request,
    encode_body,
    encode_write_request,
)

FIXTURE = Path(__file__).parents[2] / "fixtures" / "prometheus" / \
    "prometheus-2.42.0-write-request.snappy"


def _as_tuples(decoded: object) -> list[tuple[str, dict[str, str], list[tuple[float, float]]]]:
    return [(s.name, s.labels, list(s.points)) for s in decoded.as_inputs()]  # type: ignore[attr-defined]


def _merged(rows: list[tuple[str, dict[str, str], list[tuple[float, float]]]],
            ) -> list[tuple[str, dict[str, str], list[tuple[float, float]]]]:
    """Adjacent time series with equal labels as one (the decoder's flat output merges them)."""
    out: list[tuple[str, dict[str, str], list[tuple[float, float]]]] = []
    for name, labels, points in rows:
        if out and out[-1][0] == name and out[-1][1] == labels:
            out[-1][2].extend(points)
        else:
            out.append((name, labels, list(points)))
    return out


def _comparable(rows: list[tuple[str, dict[str, str], list[tuple[float, float]]]]) -> list[object]:
    """Rows with values as repr, so NaN (common in real summaries) compares equal to NaN."""
    return [(n, lab, [(t, repr(v)) for t, v in pts]) for n, lab, pts in rows]


def test_real_prometheus_body_decodes_like_the_protobuf_runtime() -> None:
    body = FIXTURE.read_bytes()
    decoded = decode_body(body, cache=LabelCache())
    reference = reference_decode(bytes(cramjam.snappy.decompress_raw(body)))
    without_nan = [(n, lab, [p for p in pts if not math.isnan(p[1])]) for n, lab, pts in reference]
    assert _as_tuples(decoded) == [row for row in without_nan if row[2]]
    assert decoded.nan_values == 26
    assert decoded.samples + decoded.nan_values == 353
    first = decoded.as_inputs()[0]
    assert first.name == "go_gc_duration_seconds"
    assert first.labels == {"instance": "127.0.0.1:19290", "job": "prometheus", "quantile": "0"}
    assert first.points == [(1795710205.936, 2.4746e-05)]


def test_cached_and_uncached_decoding_agree_and_labels_are_not_shared() -> None:
    body = FIXTURE.read_bytes()
    cache = LabelCache()
    cold = decode_body(body, cache=cache)
    warm = decode_body(body, cache=cache)
    assert _comparable(_as_tuples(cold)) == _comparable(_as_tuples(warm))
    assert len(cache) == 353  # every label set, including all-NaN series
    warm.as_inputs()[0].labels["mutated"] = "yes"
    assert "mutated" not in decode_body(body, cache=cache).as_inputs()[0].labels
    assert cold.owners[0] is warm.owners[0]  # one LabelSet per distinct label set


def test_cache_is_bounded() -> None:
    cache = LabelCache(max_entries=10)
    series = [({"__name__": "m", "i": str(i)}, [(1000, 1.0)]) for i in range(25)]
    decode_write_request(encode_write_request(series), cache=cache)
    assert len(cache) <= 10


def test_field_order_unknown_fields_exemplars_histograms_and_metadata() -> None:
    wr = WriteRequest()
    ts = wr.timeseries.add()
    ts.samples.add(value=1.5, timestamp=1_700_000_000_000)
    ts.labels.add(name="job", value="api")
    ts.exemplars.add(value=3.0, timestamp=5)
    ts.labels.add(name="__name__", value="http_requests_total")
    ts.samples.add(value=2.5, timestamp=1_700_000_015_000)
    ts.labels.add(name="empty", value="")
    hist = wr.timeseries.add()
    hist.labels.add(name="__name__", value="native_histogram")
    hist.histograms.add(count_int=4, sum=1.0, timestamp=7)
    wr.metadata.add(type=1, metric_family_name="http_requests_total", help="x")
    decoded = decode_write_request(wr.SerializeToString(), cache=LabelCache())
    assert _as_tuples(decoded) == [
        ("http_requests_total", {"job": "api"},
         [(1_700_000_000.0, 1.5), (1_700_000_015.0, 2.5)])]
    assert decoded.histograms == 1
    assert decoded.metadata == 1
    assert decoded.samples == 2


def test_default_field_values_and_negative_timestamps() -> None:
    wr = WriteRequest()
    ts = wr.timeseries.add()
    ts.labels.add(name="__name__", value="m")
    ts.samples.add()  # value 0.0 and timestamp 0 are omitted on the wire
    ts.samples.add(value=-1.0, timestamp=-5000)
    ts.samples.add(value=float("inf"), timestamp=1000)
    decoded = decode_write_request(wr.SerializeToString(), cache=LabelCache())
    assert decoded.as_inputs()[0].points == [(0.0, 0.0), (-5.0, -1.0), (1.0, float("inf"))]


def test_stale_markers_and_other_nans_are_dropped_and_counted() -> None:
    stale = struct.unpack("<d", struct.pack("<Q", STALE_NAN_BITS))[0]
    raw = encode_write_request([
        ({"__name__": "up", "job": "a"}, [(1000, 1.0), (2000, stale), (3000, float("nan"))]),
        ({"__name__": "up", "job": "b"}, [(2000, stale)]),
    ])
    decoded = decode_write_request(raw, cache=LabelCache())
    assert _as_tuples(decoded) == [("up", {"job": "a"}, [(1.0, 1.0)])]
    assert decoded.stale_markers == 2
    assert decoded.nan_values == 1
    assert decoded.samples == 1


def test_encoder_round_trips_through_the_runtime() -> None:
    series = [({"__name__": "cpu_usage_percent", "host": "web-1"}, [(1_764_000_000_123, 42.0)]),
              ({"__name__": "x", "ü": "ß" * 200}, [(1, 1.0), (2, 2.0)])]
    raw = encode_write_request(series)
    assert reference_decode(raw) == [
        ("cpu_usage_percent", {"host": "web-1"}, [(1_764_000_000.123, 42.0)]),
        ("x", {"ü": "ß" * 200}, [(0.001, 1.0), (0.002, 2.0)])]
    assert _as_tuples(decode_body(encode_body(series), cache=LabelCache())) == \
        reference_decode(raw)


def test_empty_write_request_is_valid() -> None:
    decoded = decode_body(bytes(cramjam.snappy.compress_raw(b"")))
    assert decoded.owners == [] and decoded.samples == 0


@pytest.mark.parametrize(
    "body", [b"", b"not snappy at all, just text", b"\xff\xff\xff\xff\xff\xff"])
def test_bodies_that_are_not_snappy_are_400(body: bytes) -> None:
    with pytest.raises(RemoteWriteError) as info:
        decode_body(body)
    assert not info.value.over_limit


def test_every_truncation_inside_a_series_is_400() -> None:
    raw = encode_write_request([({"__name__": "m", "a": "b"}, [(1_700_000_000_000, 1.0)])])
    for cut in range(1, len(raw)):
        with pytest.raises(RemoteWriteError) as info:
            decode_write_request(raw[:cut], cache=LabelCache())
        assert not info.value.over_limit
        assert "protobuf" in info.value.reason


def test_truncated_snappy_block_is_400() -> None:
    body = FIXTURE.read_bytes()
    with pytest.raises(RemoteWriteError) as info:
        decode_body(body[: len(body) // 2])
    assert not info.value.over_limit
    assert "snappy" in info.value.reason


def test_declared_decompressed_size_over_the_limit_is_over_limit_before_decompressing() -> None:
    body = encode_body([({"__name__": "m"}, [(1, 1.0)])] * 100)
    with pytest.raises(RemoteWriteError) as info:
        decode_body(body, DecodeLimits(max_decompressed_bytes=100))
    assert info.value.over_limit
    huge_claim = b"\xff\xff\xff\xff\x0f" + b"\x00" * 10  # declares 4 GiB
    with pytest.raises(RemoteWriteError) as info:
        decode_body(huge_claim)
    assert info.value.over_limit


def test_series_and_sample_limits_are_over_limit() -> None:
    raw = encode_write_request([({"__name__": "m", "i": str(i)}, [(1, 1.0), (2, 2.0)])
                                for i in range(5)])
    with pytest.raises(RemoteWriteError) as info:
        decode_write_request(raw, DecodeLimits(max_series=4), LabelCache())
    assert info.value.over_limit and "series" in info.value.reason
    with pytest.raises(RemoteWriteError) as info:
        decode_write_request(raw, DecodeLimits(max_samples=9), LabelCache())
    assert info.value.over_limit and "samples" in info.value.reason
    assert decode_write_request(raw, DecodeLimits(max_series=5, max_samples=10),
                                LabelCache()).samples == 10


def test_invalid_utf8_duplicate_labels_and_bad_wire_types_are_400() -> None:
    bad_utf8 = b"\x0a\x08\x0a\x06\x0a\x01\xff\x12\x01x"
    dup_labels = b"\x0a\x06\x0a\x01a\x12\x01b"
    dup = b"\x0a" + bytes([len(dup_labels) * 2]) + dup_labels * 2
    group = b"\x0b\x0c"
    for raw, word in ((bad_utf8, "UTF-8"), (dup, "twice"), (group, "wire type")):
        with pytest.raises(RemoteWriteError) as info:
            decode_write_request(raw, cache=LabelCache())
        assert not info.value.over_limit
        assert word in info.value.reason


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_only_ever_raise_remote_write_error(raw: bytes) -> None:
    try:
        decoded = decode_write_request(raw, cache=LabelCache())
    except RemoteWriteError as exc:
        assert exc.reason
    else:
        assert decoded.samples == sum(len(s.points) for s in decoded.as_inputs())


_label_text = st.text(min_size=1, max_size=30)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(
    st.dictionaries(_label_text, _label_text, max_size=6),
    st.lists(st.tuples(st.integers(-(2**62), 2**62), st.floats(allow_nan=False)),
             min_size=1, max_size=4)), max_size=6))
def test_decoder_matches_the_protobuf_runtime(
        series: list[tuple[dict[str, str], list[tuple[int, float]]]]) -> None:
    raw = encode_write_request(series)
    assert _as_tuples(decode_write_request(raw, cache=LabelCache())) == \
        _merged(reference_decode(raw))


_NOWISH_MS = st.integers(1_600_000_000_000, 4_000_000_000_000)  # 6-byte varints: fast path


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(
    st.dictionaries(_label_text, _label_text, max_size=5),
    st.lists(st.tuples(_NOWISH_MS, st.floats(allow_nan=False)), min_size=1, max_size=2)),
    max_size=6))
def test_warm_cache_fast_path_matches_the_protobuf_runtime(
        series: list[tuple[dict[str, str], list[tuple[int, float]]]]) -> None:
    raw = encode_write_request(series)
    cache = LabelCache()
    cold = _as_tuples(decode_write_request(raw, cache=cache))
    warm = _as_tuples(decode_write_request(raw, cache=cache))
    assert cold == warm == _merged(reference_decode(raw))


@settings(max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", "300")), deadline=None)
@given(st.data())
def test_corrupted_bodies_decode_like_the_runtime_or_fail_cleanly(data: st.DataObject) -> None:
    series = [({"__name__": "node_load1", "instance": f"host-{i}:9100", "job": "node"},
               [(1_764_000_000_000 + i, float(i) + 0.5)]) for i in range(4)]
    raw = bytearray(encode_write_request(series))
    cache = LabelCache()
    decode_write_request(bytes(raw), cache=cache)  # warm: the fast path sees known labels
    for _ in range(data.draw(st.integers(1, 3))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        ours = _as_tuples(decode_write_request(bytes(raw), cache=cache))
    except RemoteWriteError as exc:
        assert not exc.over_limit
        return
    try:
        expected = reference_decode(bytes(raw), minimal=True)
    except Exception:
        pytest.fail("the protobuf runtime rejects a body Vigil's decoder accepted")
    clean = [(n, lab, [p for p in pts if not math.isnan(p[1])]) for n, lab, pts in expected]
    assert ours == _merged([row for row in clean if row[2]])


def test_fast_path_handles_stale_markers_nan_zero_values_and_limits() -> None:
    stale = struct.unpack("<d", struct.pack("<Q", STALE_NAN_BITS))[0]
    labels = {"__name__": "up", "job": "a"}
    cache = LabelCache()
    decode_write_request(encode_write_request([(labels, [(1_764_000_000_000, 1.0)])]),
                         cache=cache)
    raw = encode_write_request([(labels, [(1_764_000_015_000, stale)]),
                                (labels, [(1_764_000_030_000, float("nan"))]),
                                (labels, [(1_764_000_045_000, 0.0)]),
                                (labels, [(1_764_000_060_000, 2.0)])])
    decoded = decode_write_request(raw, cache=cache)
    assert decoded.stale_markers == 1 and decoded.nan_values == 1
    assert _as_tuples(decoded) == [
        ("up", {"job": "a"}, [(1_764_000_045.0, 0.0), (1_764_000_060.0, 2.0)])]
    assert decoded.series_count == 4
    with pytest.raises(RemoteWriteError) as info:
        decode_write_request(raw, DecodeLimits(max_samples=1), cache)
    assert info.value.over_limit


def test_a_field_number_beyond_protobufs_range_is_refused() -> None:
    # Found by the fuzz test above: a corrupted timestamp tag became a varint tag whose
    # field number (> 2**29 - 1) the protobuf runtime refuses; so must Vigil's decoder.
    series = [({"__name__": "node_load1", "instance": f"host-{i}:9100", "job": "node"},
               [(1_764_000_000_000 + i, float(i) + 0.5)]) for i in range(4)]
    raw = bytearray(encode_write_request(series))
    cache = LabelCache()
    decode_write_request(bytes(raw), cache=cache)
    raw[162] = 0
    raw[157] = 144
    with pytest.raises(Exception):  # noqa: B017 - the runtime's own error type
        reference_decode(bytes(raw), minimal=True)
    with pytest.raises(RemoteWriteError, match=r"field number \d+ is out of range"):
        decode_write_request(bytes(raw), cache=cache)
