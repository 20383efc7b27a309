"""Time-window helpers shared by the detections (fail2ban-style sliding windows)."""

from __future__ import annotations

from collections.abc import Sequence


def clusters(times: Sequence[float], gap: float) -> list[tuple[int, int]]:
    """Split sorted times into runs whose consecutive gaps are at most `gap`: [start, end)."""
    out: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(times)):
        if times[i] - times[i - 1] > gap:
            out.append((start, i))
            start = i
    if times:
        out.append((start, len(times)))
    return out


def max_in_window(times: Sequence[float], window: float, lo: int = 0, hi: int | None = None) -> int:
    """Largest number of sorted times[lo:hi] falling in any span of `window` seconds."""
    hi = len(times) if hi is None else hi
    best = 0
    left = lo
    for right in range(lo, hi):
        while times[right] - times[left] > window:
            left += 1
        best = max(best, right - left + 1)
    return best


def count_in_window(times: Sequence[float], end: float, window: float) -> int:
    """How many sorted times fall in [end - window, end]."""
    from bisect import bisect_left, bisect_right

    return bisect_right(times, end) - bisect_left(times, end - window)
