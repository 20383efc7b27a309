"""Small statistics helpers shared by the analytics: percentiles and shares."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0–100) with linear interpolation between ranks; None if empty.

    The same definition as numpy's default (`linear`): p90 of 60, 120, 180, 240, 600 is
    240 + 0.6 × (600 − 240) = 456.
    """
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = math.ceil(pos)
    if lo == hi:
        return float(ordered[lo])
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))


def share(part: int, whole: int) -> float | None:
    """part ÷ whole, or None when there is nothing to divide."""
    return part / whole if whole else None


def mean(values: Sequence[float]) -> float | None:
    """The arithmetic mean, or None when empty."""
    return sum(values) / len(values) if values else None
