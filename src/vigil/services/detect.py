"""On-demand (stateless) detection over one series: per-point scores, bands and anomalies."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vigil.core.types import Severity
from vigil.detection.base import BatchResult, Detector
from vigil.detection.registry import make_detector


@dataclass(frozen=True, slots=True)
class ScoredSeries:
    """A detector's verdict on every point of a series."""

    detector: str
    records: list[dict[str, object]]

    @property
    def anomalies(self) -> list[dict[str, object]]:
        """The records of warning severity or worse."""
        return [r for r in self.records if r["severity"] in (Severity.WARNING.value,
                                                              Severity.CRITICAL.value)]


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def records_of(detector: Detector, batch: BatchResult,
               timestamps: Sequence[str] | None = None) -> list[dict[str, object]]:
    """One JSON-ready record per point: score, expected value and band, severity, why.

    `timestamps` replaces the epoch seconds of each record (the CLI echoes the
    timestamp text of its input).
    """
    out: list[dict[str, object]] = []
    for i in range(len(batch)):
        r = batch.result(i, detector.explain)
        ts: object = r.timestamp if timestamps is None else timestamps[i]
        out.append({"index": i, "timestamp": ts, "value": _finite(r.value),
                    "score": round(r.score, 6), "expected": _finite(r.expected),
                    "lower": _finite(r.lower), "upper": _finite(r.upper),
                    "severity": r.severity.value if r.severity else None,
                    "warming_up": r.warming_up, "explanation": r.explanation})
    return out


def score_series(timestamps: npt.ArrayLike, values: npt.ArrayLike,
                 detector_name: str) -> ScoredSeries:
    """Run a fresh detector causally over the points (sorted by time, stable)."""
    ts = np.asarray(timestamps, dtype=np.float64)
    vals = np.asarray(values, dtype=np.float64)
    order = np.argsort(ts, kind="stable")
    detector = make_detector(detector_name)
    batch = detector.update_batch(ts[order], vals[order])
    return ScoredSeries(detector_name, records_of(detector, batch))
