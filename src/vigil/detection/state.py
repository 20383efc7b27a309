"""Detector state as bytes: a JSON header plus the raw arrays, zlib-compressed. No pickle.

Layout: b"VGST" | format (1 byte) | header length (4 bytes, little endian) |
header JSON (kind, metadata, and per array its name, dtype, shape) | zlib(raw
bytes of the arrays, in header order).
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

import numpy as np
import numpy.typing as npt

STATE_FORMAT = 1
_MAGIC = b"VGST"
_ALLOWED_DTYPES = {"<f8", "<i8", "|u1", "|b1", "<i4"}


class StateError(ValueError):
    """The bytes are not a detector state this version can restore."""


def dump_state(kind: str, meta: dict[str, Any],
               arrays: dict[str, npt.NDArray[np.generic]]) -> bytes:
    """Serialise a detector's arrays plus JSON metadata (kind, config) to bytes."""
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
    return _MAGIC + struct.pack("<BI", STATE_FORMAT, len(header)) + header + body


def load_state(data: bytes) -> tuple[str, dict[str, Any], dict[str, npt.NDArray[np.generic]]]:
    """Inverse of dump_state: (kind, metadata, arrays); raises StateError on bad bytes."""
    if len(data) < 9 or data[:4] != _MAGIC:
        raise StateError("not a detector state")
    fmt, hlen = struct.unpack("<BI", data[4:9])
    if fmt != STATE_FORMAT:
        raise StateError(f"unsupported state format {fmt}")
    try:
        header = json.loads(data[9:9 + hlen])
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
        return str(header["kind"]), dict(header.get("meta", {})), arrays
    except (KeyError, TypeError) as exc:
        raise StateError(f"corrupt detector state: {exc}") from exc
