"""Step alignment and time chunking of `query_range` requests.

Every point Vigil asks for lies on the step grid (a multiple of the step since the Unix
epoch), so a restart, a catch-up or another replica asks for exactly the same
timestamps and a point is never scored twice or skipped. A range is cut into chunks
that keep each response under the server's points-per-series limit and a budget of
samples per response (series x points).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TimeRange:
    """Evaluation timestamps start, start + step, ..., end (both ends on the grid)."""

    start: int
    end: int
    step: int

    @property
    def points(self) -> int:
        """How many timestamps the range holds."""
        return (self.end - self.start) // self.step + 1


def align_down(ts: float, step: int) -> int:
    """The last grid timestamp at or before `ts`."""
    return math.floor(ts / step) * step


def due_range(cursor: int | None, now: float, step: int, lookback: float,
              delay: float = 0.0) -> TimeRange | None:
    """The grid timestamps still to fetch: after the cursor (or from `lookback` ago on the
    first poll) up to the last complete step before `now - delay`; None when up to date."""
    end = align_down(now - delay, step)
    start = cursor + step if cursor is not None else align_down(now - delay - lookback, step)
    if start > end:
        return None
    return TimeRange(start, end, step)


def chunk_points(series_estimate: int, max_points: int, max_samples: int) -> int:
    """Points per series per request: under the server's limit and the samples budget."""
    return max(1, min(max_points, max_samples // max(series_estimate, 1)))


def chunks(span: TimeRange, points_per_chunk: int) -> list[TimeRange]:
    """Cut a range into consecutive chunks of at most `points_per_chunk` timestamps."""
    if points_per_chunk < 1:
        raise ValueError("points_per_chunk must be at least 1")
    out: list[TimeRange] = []
    start = span.start
    width = (points_per_chunk - 1) * span.step
    while start <= span.end:
        end = min(start + width, span.end)
        out.append(TimeRange(start, end, span.step))
        start = end + span.step
    return out
