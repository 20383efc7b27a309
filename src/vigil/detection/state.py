"""Detector state as bytes: a JSON header plus the raw arrays, zlib-compressed. No pickle.

Layout: b"VGST" | format (1 byte) | header length (4 bytes, little endian) |
header JSON (kind, metadata, and per array its name, dtype, shape) | zlib(raw
bytes of the arrays, in header order).

Formats: 1, the first release; 2, the same layout, written since the default
detector's state grew (the size of the event that started a rest and the
largest size seen, see kernel.py). Format 1 is still read: `load_state` reports
the format and `NoveltyDetector.from_state` migrates the arrays. An older
Vigil refuses format 2 with "unsupported state format" instead of misreading it.
Format 3 added the default detector's outage state (arrays "out" and "tref");
a format 1 or 2 state is restored with that state fresh (and a log line).
Format 4 added the level-shift statistic (three floats) and the count-model
flag (one int); formats 1-3 are restored with the statistic re-learning and
the series in its own units (no count model), with a log line.
Format 5 added the stuck-value state (one float, five ints); formats 1-4 are
restored with it fresh (runs and the rate of repeats re-learn), with a log line.
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

STATE_FORMAT = 5
READABLE_FORMATS = (1, 2, 3, 4, 5)
_MAGIC = b"VGST"
_ALLOWED_DTYPES = {"<f8", "<i8", "|u1", "|b1", "<i4"}


class StateError(ValueError):
    """The bytes are not a detector state this version can restore."""


class LoadedState(NamedTuple):
    """What `load_state` found in the bytes."""

    kind: str
    meta: dict[str, Any]
    arrays: dict[str, npt.NDArray[np.generic]]
    format: int


def dump_state(kind: str, meta: dict[str, Any],
               arrays: dict[str, npt.NDArray[np.generic]],
               fmt: int = STATE_FORMAT) -> bytes:
    """Serialise a detector's arrays plus JSON metadata (kind, config) to bytes.

    `fmt` is for tests that build states of an older format.
    """
    specs = []
    chunks = []
    for name, arr in arrays.items():
        a = np.ascontiguousarray(arr)
        if a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        specs.append({"name": name, "dtype": a.dtype.str, "shape": list(a.shape)})
        chunks.append(a.tobytes())
    header = json.dumps({"kind": kind, "meta": meta, "arrays": specs}, sort_keys=True).encode()
    body = zlib.compress(b"".join(chunks), 1)
    return _MAGIC + struct.pack("<BI", fmt, len(header)) + header + body


def _read_header(data: bytes) -> tuple[int, int, dict[str, Any]]:
    """The format, header length and parsed JSON header; StateError on bad bytes."""
    if len(data) < 9 or data[:4] != _MAGIC:
        raise StateError("not a detector state")
    fmt, hlen = struct.unpack("<BI", data[4:9])
    if fmt not in READABLE_FORMATS:
        raise StateError(f"unsupported state format {fmt}")
    try:
        header = json.loads(data[9:9 + hlen])
    except ValueError as exc:
        raise StateError(f"corrupt detector state: {exc}") from exc
    if not isinstance(header, dict):
        raise StateError("corrupt detector state: header is not an object")
    return int(fmt), int(hlen), header


def state_kind(data: bytes) -> str:
    """The detector kind a state was written by, read from its header alone (no arrays)."""
    _fmt, _hlen, header = _read_header(data)
    try:
        return str(header["kind"])
    except KeyError as exc:
        raise StateError(f"corrupt detector state: {exc}") from exc


def load_state(data: bytes) -> LoadedState:
    """Inverse of dump_state: kind, metadata, arrays, format; StateError on bad bytes."""
    fmt, hlen, header = _read_header(data)
    try:
        raw = zlib.decompress(data[9 + hlen:])
    except (ValueError, zlib.error) as exc:
        raise StateError(f"corrupt detector state: {exc}") from exc
    arrays: dict[str, npt.NDArray[np.generic]] = {}
    offset = 0
    try:
        for spec in header["arrays"]:
            if spec["dtype"] not in _ALLOWED_DTYPES:
                raise StateError(f"unexpected dtype {spec['dtype']!r}")
            dt = np.dtype(spec["dtype"])
            shape = tuple(int(x) for x in spec["shape"])
            size = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
            if offset + size > len(raw):
                raise StateError("truncated detector state")
            arrays[str(spec["name"])] = np.frombuffer(
                raw, dtype=dt, count=size // dt.itemsize, offset=offset).reshape(shape).copy()
            offset += size
        return LoadedState(str(header["kind"]), dict(header.get("meta", {})), arrays, fmt)
    except (KeyError, TypeError) as exc:
        raise StateError(f"corrupt detector state: {exc}") from exc
