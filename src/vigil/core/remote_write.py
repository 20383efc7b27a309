"""Prometheus remote_write 1.0 decoding: snappy block + `prometheus.WriteRequest` protobuf.

Pure and dependency-light: a hand-written protobuf wire-format reader for the few
messages remote_write uses (faster than the protobuf runtime for Prometheus' typical
one-sample-per-series requests, because label sets repeat and are cached by their
encoded bytes). Every malformation raises `RemoteWriteError` with a reason and a
flag telling a passed limit from a malformation (the receiver answers 400 for both:
neither will ever succeed); nothing partial is returned from a body that fails to
decode. NaN samples are dropped and counted: the
staleness marker ends a series, and any other NaN means "no value" in Prometheus
(e.g. a summary quantile without observations) and cannot be stored.

    WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
    TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2;
                   repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
    Label        { string name = 1; string value = 2; }
    Sample       { double value = 1; int64 timestamp = 2; }   // timestamp in ms
"""

from __future__ import annotations

import struct
import traceback
from dataclasses import dataclass, field
from typing import Any

import cramjam

from vigil.core.ingest import SeriesInput

STALE_NAN_BITS = 0x7FF0000000000002
"""Prometheus' staleness marker: a NaN with this exact bit pattern ends a series."""

_unpack_double = struct.Struct("<d").unpack_from
_unpack_u64 = struct.Struct("<Q").unpack_from
_U64 = 1 << 64
_I64_MAX = (1 << 63) - 1

Buffer = bytes | bytearray
"""What the decoder reads: bytes, or the buffer `decompress` filled (never written to)."""


class RemoteWriteError(ValueError):
    """A remote_write body that can never be accepted; `over_limit` when it passed a limit."""

    def __init__(self, reason: str, over_limit: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.over_limit = over_limit


@dataclass(frozen=True, slots=True)
class DecodeLimits:
    """Explicit limits on one request: decompressed bytes, series and samples."""

    max_decompressed_bytes: int = 64 * 1024 * 1024
    max_series: int = 10_000
    max_samples: int = 100_000


class LabelSet:
    """A decoded label set; one object per distinct encoded label run, shared across requests.

    Treat `labels` as read-only. `memo` is free for a consumer to cache what it derives
    from the label set (validity, storage key, filter decision); the decoder never reads it.
    """

    __slots__ = ("labels", "memo", "name")

    def __init__(self, name: str, labels: dict[str, str]) -> None:
        self.name = name
        self.labels = labels
        self.memo: Any = None


@dataclass(slots=True)
class DecodedWrite:
    """What a WriteRequest carried, flat: one owner LabelSet, timestamp and value per sample.

    Consecutive samples of one time series are adjacent. Also counts what was skipped.
    """

    owners: list[LabelSet] = field(default_factory=list)
    timestamps: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    series_count: int = 0
    stale_markers: int = 0
    nan_values: int = 0
    histograms: int = 0
    metadata: int = 0

    @property
    def samples(self) -> int:
        """How many samples (other than NaN) the request carried."""
        return len(self.values)

    def as_inputs(self) -> list[SeriesInput]:
        """The samples as ingest inputs, one per run of adjacent samples of one label set."""
        out: list[SeriesInput] = []
        previous: LabelSet | None = None
        for owner, ts, value in zip(self.owners, self.timestamps, self.values, strict=True):
            if owner is not previous:
                out.append(SeriesInput(owner.name, dict(owner.labels), []))
                previous = owner
            out[-1].points.append((ts, value))
        return out


class LabelCache:
    """Encoded label bytes → LabelSet; bounded, cleared whole when full."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._entries: dict[bytes, LabelSet] = {}
        self._max = max_entries

    def get(self, key: bytes) -> LabelSet | None:
        """The decoded label set for these bytes, if seen before."""
        return self._entries.get(key)

    def put(self, key: bytes, value: LabelSet) -> None:
        """Remember a decoded label set."""
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._entries[key] = value

    def clear(self) -> None:
        """Forget every label set (and with them whatever consumers memoised)."""
        self._entries.clear()

    def __len__(self) -> int:
        """How many label sets are cached."""
        return len(self._entries)


_default_cache = LabelCache()


def snappy_uncompressed_length(body: bytes) -> int:
    """The uncompressed length a snappy block declares in its varint preamble."""
    value, pos = _varint(body, 0, len(body))
    if pos > 5 or value >= 1 << 32:
        raise RemoteWriteError("not a snappy block: bad length preamble")
    return value


def decompress(body: bytes, max_bytes: int) -> bytearray:
    """Decompress a snappy block body, refusing (413) one that would exceed `max_bytes`.

    The output goes straight into one buffer of the declared size, which the decoder
    reads as it is: there is no second copy of the decompressed bytes, so a request
    costs its declared size once (what the in-flight decompression budget reserves).
    """
    if not body:
        raise RemoteWriteError("empty body: expected a snappy-compressed WriteRequest")
    declared = snappy_uncompressed_length(body)
    if declared > max_bytes:
        raise RemoteWriteError(
            f"decompressed body of {declared} bytes exceeds the limit of {max_bytes}",
            over_limit=True)
    out = bytearray(declared)
    try:
        written = cramjam.snappy.decompress_raw_into(body, out)
    except cramjam.DecompressionError as exc:
        reason = f"not a valid snappy block: {exc}"
    else:
        if written == declared:
            return out
        reason = f"not a valid snappy block: {written} bytes decompressed, {declared} declared"
    del out  # raised below, outside `except`: nothing in the traceback keeps the buffer
    raise RemoteWriteError(reason)


def decode_body(body: bytes, limits: DecodeLimits | None = None,
                cache: LabelCache | None = None) -> DecodedWrite:
    """Decode an HTTP remote_write body (snappy block of a WriteRequest) into series."""
    limits = limits or DecodeLimits()
    buf = decompress(body, limits.max_decompressed_bytes)
    try:
        return decode_write_request(buf, limits, cache)
    except RemoteWriteError as exc:
        # The frames of the traceback hold the decompressed buffer; whoever handles the
        # error (and any reference cycle through it) must not keep that alive after the
        # in-flight budget has been given back.
        traceback.clear_frames(exc.__traceback__)
        raise
    finally:
        del buf


def decode_write_request(buf: Buffer, limits: DecodeLimits | None = None,
                         cache: LabelCache | None = None) -> DecodedWrite:
    """Decode an uncompressed `prometheus.WriteRequest` into series (labels without __name__).

    `buf` is bytes or the bytearray `decompress` returns; nothing decoded keeps a
    reference to it (cached label keys are copied out as bytes).

    Series without any sample left (after dropping NaN) are omitted; label sets come
    from (and go into) `cache`, so equal label sets are the same `LabelSet` object.
    """
    limits = limits or DecodeLimits()
    cache = _default_cache if cache is None else cache
    try:
        return _decode(buf, limits, cache)
    except IndexError:
        reason = "truncated protobuf: a field runs past the end of its message"
    except struct.error:
        reason = "truncated protobuf: a fixed-width field is cut short"
    raise RemoteWriteError(reason)  # outside `except`: no context pointing at `buf`


def _varint(buf: Buffer, pos: int, end: int) -> tuple[int, int]:
    """Read a base-128 varint at pos; return (value, next position)."""
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise RemoteWriteError("truncated protobuf: varint runs past the end")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise RemoteWriteError("malformed protobuf: varint longer than 10 bytes")


_MAX_FIELD_NUMBER = (1 << 29) - 1  # protobuf's largest field number


def _skip_field(buf: Buffer, pos: int, end: int, tag: int) -> int:
    """Skip the value of an unknown field (refusing field numbers protobuf refuses)."""
    if tag < 8:
        raise RemoteWriteError("malformed protobuf: field number 0")
    if tag >> 3 > _MAX_FIELD_NUMBER:
        raise RemoteWriteError(f"malformed protobuf: field number {tag >> 3} is out of range")
    return _skip(buf, pos, end, tag & 7)


def _skip(buf: Buffer, pos: int, end: int, wire_type: int) -> int:
    """Skip one field value of the given wire type; return the next position."""
    if wire_type == 0:
        return _varint(buf, pos, end)[1]
    if wire_type == 1:
        nxt = pos + 8
    elif wire_type == 2:
        length, pos = _varint(buf, pos, end)
        nxt = pos + length
    elif wire_type == 5:
        nxt = pos + 4
    else:
        raise RemoteWriteError(f"malformed protobuf: unsupported wire type {wire_type}")
    if nxt > end:
        raise RemoteWriteError("truncated protobuf: a field runs past the end of its message")
    return nxt


def _decode(buf: Buffer, limits: DecodeLimits, cache: LabelCache) -> DecodedWrite:
    """The WriteRequest loop; fast paths for one-byte tags and lengths."""
    out = DecodedWrite()
    owners = out.owners
    timestamps = out.timestamps
    values = out.values
    cache_get = cache.get
    series_count = 0
    n = len(buf)
    pos = 0
    max_series = limits.max_series
    max_samples = limits.max_samples
    samples = 0
    while pos < n:
        tag = buf[pos]
        if tag < 0x80:
            pos += 1
        else:
            tag, pos = _varint(buf, pos, n)
        if tag != 0x0A:
            if tag == 0x1A:
                out.metadata += 1
            pos = _skip_field(buf, pos, n, tag)
            continue
        b = buf[pos]
        if b < 0x80:
            end = pos + 1 + b
            pos += 1
        else:
            length, pos = _varint(buf, pos, n)
            end = pos + length
        if end > n:
            raise RemoteWriteError("truncated protobuf: a time series runs past the end")
        series_count += 1
        if series_count > max_series:
            raise RemoteWriteError(
                f"more than {max_series} series in one request", over_limit=True)
        # Fast path, what Prometheus sends: known labels, then one sample with a non-zero
        # value and a 6-byte timestamp (ms since 1970 until 2109). The label bytes were
        # parsed completely when cached, so the whole series parses exactly this way.
        if end - pos >= 18 and buf[end - 18] == 0x12 and buf[end - 17] == 0x10 \
                and buf[end - 16] == 0x09 and buf[end - 7] == 0x10:
            known = cache_get(bytes(buf[pos:end - 18]))
            if known is not None:
                b0, b1, b2, b3, b4, b5 = buf[end - 6:end]
                if b0 & b1 & b2 & b3 & b4 & 0x80 and b5 < 0x80:
                    value = _unpack_double(buf, end - 15)[0]
                    pos = end
                    if value != value:
                        if _unpack_u64(buf, end - 15)[0] == STALE_NAN_BITS:
                            out.stale_markers += 1
                        else:
                            out.nan_values += 1
                        continue
                    ts = ((b0 & 0x7F) | (b1 & 0x7F) << 7 | (b2 & 0x7F) << 14
                          | (b3 & 0x7F) << 21 | (b4 & 0x7F) << 28 | b5 << 35)
                    samples += 1
                    if samples > max_samples:
                        raise RemoteWriteError(
                            f"more than {max_samples} samples in one request", over_limit=True)
                    owners.append(known)
                    timestamps.append(ts / 1000.0)
                    values.append(value)
                    continue
        # --- General path. TimeSeries: labels (field 1) usually come first, contiguous ---
        lstart = pos
        while pos < end and buf[pos] == 0x0A:
            b = buf[pos + 1]
            pos = pos + 2 + b if b < 0x80 else _skip(buf, pos + 1, end, 2)
        lend = pos
        if lend > end:
            raise RemoteWriteError("truncated protobuf: a label runs past its time series")
        points_ts: list[float] = []
        points_values: list[float] = []
        contiguous = True
        while pos < end:
            tag = buf[pos]
            if tag == 0x12:
                b = buf[pos + 1]
                if b < 0x80:
                    pos += 2
                    send = pos + b
                else:
                    length, pos = _varint(buf, pos + 1, end)
                    send = pos + length
                if send > end:
                    raise RemoteWriteError("truncated protobuf: a sample runs past its series")
                value = 0.0
                ts = 0
                raw_bits = -1
                while pos < send:
                    k = buf[pos]
                    if k == 0x09:
                        if pos + 9 > send:
                            raise RemoteWriteError("truncated protobuf: sample value cut short")
                        value = _unpack_double(buf, pos + 1)[0]
                        if value != value:
                            raw_bits = _unpack_u64(buf, pos + 1)[0]
                        pos += 9
                    elif k == 0x10:
                        ts, pos = _varint(buf, pos + 1, send)
                        if ts > _I64_MAX:
                            ts -= _U64
                    else:
                        if k >= 0x80:
                            k, pos = _varint(buf, pos, send)
                        else:
                            pos += 1
                        pos = _skip_field(buf, pos, send, k)
                if raw_bits != -1:
                    if raw_bits == STALE_NAN_BITS:
                        out.stale_markers += 1
                    else:
                        out.nan_values += 1
                    continue
                points_ts.append(ts / 1000.0)
                points_values.append(value)
            elif tag == 0x0A:
                contiguous = False
                pos = _skip(buf, pos + 1, end, 2)
            else:
                if tag >= 0x80:
                    tag, pos = _varint(buf, pos, end)
                else:
                    pos += 1
                if tag == 0x22:
                    out.histograms += 1
                pos = _skip_field(buf, pos, end, tag)
        # bytes: hashable, and a copy of the few label bytes, so the cache never pins `buf`
        key = bytes(buf[lstart:lend]) if contiguous else _gather_labels(buf, lstart, end)
        label_set = cache_get(key)
        if label_set is None:
            label_set = LabelSet(*_parse_labels(key))
            cache.put(key, label_set)
        samples += len(points_ts)
        if samples > max_samples:
            raise RemoteWriteError(
                f"more than {max_samples} samples in one request", over_limit=True)
        owners.extend([label_set] * len(points_ts))
        timestamps.extend(points_ts)
        values.extend(points_values)
    out.series_count = series_count
    return out


def _gather_labels(buf: Buffer, pos: int, end: int) -> bytes:
    """The encoded label fields of a time series whose labels are interleaved with others."""
    parts: list[Buffer] = []
    while pos < end:
        start = pos
        tag, pos = _varint(buf, pos, end)
        pos = _skip_field(buf, pos, end, tag)
        if tag == 0x0A:
            parts.append(buf[start:pos])
    return b"".join(parts)


def _parse_labels(raw: bytes) -> tuple[str, dict[str, str]]:
    """Decode a run of Label fields into (metric name, other labels); empty values are absent."""
    labels: dict[str, str] = {}
    name = ""
    pos = 0
    n = len(raw)
    try:
        while pos < n:
            # Fast path: a canonical Label {0x0a len name 0x12 len value} with short strings.
            if raw[pos] == 0x0A and raw[pos + 1] < 0x80 and raw[pos + 2] == 0x0A \
                    and raw[pos + 3] < 0x80:
                end = pos + 2 + raw[pos + 1]
                name_end = pos + 4 + raw[pos + 3]
                if name_end < end and raw[name_end] == 0x12 and raw[name_end + 1] < 0x80 \
                        and name_end + 2 + raw[name_end + 1] == end <= n:
                    label_name = raw[pos + 4:name_end].decode("utf-8")
                    label_value = raw[name_end + 2:end].decode("utf-8")
                    pos = end
                else:
                    label_name, label_value, pos = _parse_label(raw, pos, n)
            else:
                label_name, label_value, pos = _parse_label(raw, pos, n)
            if label_name in labels or (label_name == "__name__" and name):
                raise RemoteWriteError(f"label {label_name[:60]!r} appears twice in one series")
            if label_name == "__name__":
                name = label_value
            elif label_value:
                labels[label_name] = label_value
    except UnicodeDecodeError:
        raise RemoteWriteError("label text is not valid UTF-8") from None
    return name, labels


def _parse_label(raw: bytes, pos: int, n: int) -> tuple[str, str, int]:
    """Decode one Label field in any field order; return (name, value, next position)."""
    tag, pos = _varint(raw, pos, n)
    length, pos = _varint(raw, pos, n)
    end = pos + length
    if tag != 0x0A or end > n:
        raise RemoteWriteError("truncated protobuf: a label runs past its time series")
    label_name = label_value = ""
    while pos < end:
        k, pos = _varint(raw, pos, end)
        if k in (0x0A, 0x12):
            slen, pos = _varint(raw, pos, end)
            if pos + slen > end:
                raise RemoteWriteError("truncated protobuf: a label string is cut short")
            text = raw[pos:pos + slen].decode("utf-8")
            pos += slen
            if k == 0x0A:
                label_name = text
            else:
                label_value = text
        else:
            pos = _skip_field(raw, pos, end, k)
    return label_name, label_value, end

def _put_varint(out: bytearray, value: int) -> None:
    """Append a base-128 varint (negative int64 as ten-byte two's complement)."""
    if value < 0:
        value += _U64
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _put_bytes(out: bytearray, tag: int, data: bytes) -> None:
    """Append a length-delimited field."""
    out.append(tag)
    _put_varint(out, len(data))
    out += data


_pack_double = struct.Struct("<d").pack


def encode_write_request(series: list[tuple[dict[str, str], list[tuple[int, float]]]]) -> bytes:
    """Encode (labels incl. __name__, [(timestamp ms, value)]) pairs as a WriteRequest."""
    out = bytearray()
    for labels, points in series:
        ts_msg = bytearray()
        for key in sorted(labels):
            label = bytearray()
            _put_bytes(label, 0x0A, key.encode())
            _put_bytes(label, 0x12, labels[key].encode())
            _put_bytes(ts_msg, 0x0A, bytes(label))
        for ts_ms, value in points:
            sample = bytearray(b"\x09")
            sample += _pack_double(value)
            sample.append(0x10)
            _put_varint(sample, ts_ms)
            _put_bytes(ts_msg, 0x12, bytes(sample))
        _put_bytes(out, 0x0A, bytes(ts_msg))
    return bytes(out)


def encode_body(series: list[tuple[dict[str, str], list[tuple[int, float]]]]) -> bytes:
    """A complete remote_write HTTP body: the snappy block of `encode_write_request`."""
    return bytes(cramjam.snappy.compress_raw(encode_write_request(series)))
