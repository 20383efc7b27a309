"""Load traces: a CSV of (minute index or ISO timestamp, load) rows on a regular step."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class TraceError(ValueError):
    """A trace that cannot be replayed; the message names the row."""


@dataclass(frozen=True, slots=True)
class Trace:
    """Load on a regular grid: sample i covers [start + i·step, start + (i+1)·step)."""

    name: str
    start: float
    step: float
    load: FloatArray

    @property
    def duration(self) -> float:
        """Seconds covered by the trace."""
        return self.step * len(self.load)

    def timestamps(self) -> FloatArray:
        """Start time of every sample."""
        return self.start + self.step * np.arange(len(self.load), dtype=np.float64)

    def slice(self, first: int, last: int, name: str | None = None) -> Trace:
        """Samples [first, last) as a trace of their own."""
        return Trace(name or self.name, self.start + first * self.step, self.step,
                     self.load[first:last].copy())


def _time(text: str) -> tuple[float, bool]:
    """(seconds, is_minute_index) of a first-column cell."""
    try:
        return float(text) * 60.0, True
    except ValueError:
        pass
    stamp = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp(), False


def parse_trace(rows: Iterable[Sequence[str]], name: str) -> Trace:
    """Read CSV rows (a header is optional); TraceError names the first bad row (1-based).

    Rejected: unreadable cells, negative or non-finite load, out-of-order or duplicate
    times, gaps (a spacing other than the commonest one, the step), fewer than two rows.
    """
    times: list[float] = []
    loads: list[float] = []
    lines: list[int] = []
    for line, row in enumerate(rows, start=1):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) < 2:
            raise TraceError(f"{name}: row {line}: needs two columns (time, load)")
        try:
            ts, _ = _time(row[0])
        except ValueError:
            if not times and line == 1:
                continue  # the header
            raise TraceError(f"{name}: row {line}: {row[0]!r} is neither a minute index "
                             f"nor an ISO timestamp") from None
        try:
            value = float(row[1])
        except ValueError:
            raise TraceError(f"{name}: row {line}: load {row[1]!r} is not a number") from None
        if not math.isfinite(value) or value < 0:
            raise TraceError(f"{name}: row {line}: load must be a finite number ≥ 0, "
                             f"got {row[1]!r}")
        if times and ts <= times[-1]:
            raise TraceError(f"{name}: row {line}: time {row[0]!r} is not after the "
                             f"previous row's")
        times.append(ts)
        loads.append(value)
        lines.append(line)
    if len(times) < 2:
        where = f"row {lines[0]}" if lines else "no data rows"
        raise TraceError(f"{name}: {where}: a trace needs at least two rows")
    diffs = np.diff(np.asarray(times))
    steps, counts = np.unique(np.round(diffs, 6), return_counts=True)
    step = float(steps[int(np.argmax(counts))])  # the commonest spacing; ties: the smallest
    bad = np.flatnonzero(np.abs(diffs - step) > 1e-6 * step)
    if bad.size:
        i = int(bad[0]) + 1
        raise TraceError(f"{name}: row {lines[i]}: gap or irregular spacing "
                         f"({diffs[i - 1]:.0f}s after the previous row; the step is "
                         f"{step:.0f}s)")
    return Trace(name, times[0], step, np.asarray(loads, dtype=np.float64))


def capacity_for(trace: Trace, pods: int = 40, target: float = 0.7,
                 quantile: float = 0.999) -> float:
    """Per-pod capacity such that the trace's `quantile` load needs `pods` pods at `target`."""
    peak = float(np.quantile(trace.load, quantile))
    if peak <= 0:
        raise TraceError(f"{trace.name}: the load is zero; no capacity can be derived")
    return peak / (pods * target)
