"""The short ring buffer of recent points kept per source series (for plots and
explanations when the samples themselves are not stored): little-endian float64
(timestamp, value) pairs, newest last."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_PAIR = np.dtype([("ts", "<f8"), ("value", "<f8")])


def read_ring(blob: bytes) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The points of a ring buffer, oldest first."""
    pairs = np.frombuffer(blob, dtype=_PAIR) if blob else np.empty(0, dtype=_PAIR)
    return pairs["ts"].astype(np.float64), pairs["value"].astype(np.float64)


def append_ring(blob: bytes, ts: npt.NDArray[np.float64], values: npt.NDArray[np.float64],
                capacity: int) -> bytes:
    """The ring buffer with these points appended, keeping the newest `capacity`."""
    if capacity <= 0:
        return b""
    old = np.frombuffer(blob, dtype=_PAIR) if blob else np.empty(0, dtype=_PAIR)
    new = np.empty(len(ts), dtype=_PAIR)
    new["ts"] = ts
    new["value"] = values
    return np.concatenate([old, new])[-capacity:].tobytes()
