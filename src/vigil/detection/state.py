"""Detector state as bytes: a compressed .npz of plain arrays, no pickle."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import numpy.typing as npt

STATE_FORMAT = 1


class StateError(ValueError):
    """The bytes are not a detector state this version can restore."""


def dump_state(kind: str, meta: dict[str, Any],
               arrays: dict[str, npt.NDArray[np.generic]]) -> bytes:
    """Serialise a detector's arrays plus JSON metadata (kind, config) to bytes."""
    header = json.dumps({"format": STATE_FORMAT, "kind": kind, **meta}, sort_keys=True)
    buf = io.BytesIO()
    payload: dict[str, Any] = dict(arrays)
    payload["__meta__"] = np.frombuffer(header.encode(), dtype=np.uint8)
    np.savez_compressed(buf, **payload)
    return buf.getvalue()


def load_state(data: bytes) -> tuple[str, dict[str, Any], dict[str, npt.NDArray[np.generic]]]:
    """Inverse of dump_state: (kind, metadata, arrays); raises StateError on bad bytes."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {k: npz[k].copy() for k in npz.files}
    except (OSError, ValueError, EOFError) as exc:
        raise StateError(f"not a detector state: {exc}") from exc
    raw = arrays.pop("__meta__", None)
    if raw is None:
        raise StateError("not a detector state: metadata missing")
    meta = json.loads(raw.tobytes().decode())
    if meta.get("format") != STATE_FORMAT:
        raise StateError(f"unsupported state format {meta.get('format')!r}")
    return str(meta.pop("kind")), meta, arrays
