"""The write-back series: scores, bands and the 0/1 anomaly flag per scored point.

For each scored point of a source series Vigil writes four samples, each with the
series' own labels plus `for="<query key>"`:

    vigil_anomaly_score   the detector's score in [0, 1]
    vigil_expected_lower  the lower edge of the expected band (absent while unknown)
    vigil_expected_upper  the upper edge
    vigil_anomaly         1 when the point is stored as an anomaly, else 0

`samples_for` builds them; `batches` cuts them into remote_write requests and
`core.remote_write.encode_body` encodes each (protobuf + snappy).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

SCORE = "vigil_anomaly_score"
LOWER = "vigil_expected_lower"
UPPER = "vigil_expected_upper"
ANOMALY = "vigil_anomaly"
FOR_LABEL = "for"
METRICS = (SCORE, LOWER, UPPER, ANOMALY)

WriteSeries = tuple[dict[str, str], list[tuple[int, float]]]
"""(labels incl. __name__, [(timestamp ms, value)]): what `encode_body` takes."""


@dataclass(slots=True)
class ScoredPoints:
    """What the detector said about the new points of one source series."""

    labels: dict[str, str]
    query_key: str
    ts: npt.NDArray[np.float64]
    scores: npt.NDArray[np.float64]
    lower: npt.NDArray[np.float64]
    upper: npt.NDArray[np.float64]
    anomaly: npt.NDArray[np.bool_]


def writeback_labels(labels: dict[str, str], query_key: str, metric: str) -> dict[str, str]:
    """The labels of one write-back series: the source series' labels, `for`, `__name__`."""
    return {**labels, FOR_LABEL: query_key, "__name__": metric}


def samples_for(scored: ScoredPoints) -> list[WriteSeries]:
    """The four write-back series of one source series (bands skip points without one)."""
    ms = np.rint(scored.ts * 1000.0).astype(np.int64).tolist()
    out: list[WriteSeries] = []
    columns = ((SCORE, scored.scores), (LOWER, scored.lower), (UPPER, scored.upper),
               (ANOMALY, scored.anomaly.astype(np.float64)))
    for metric, column in columns:
        points = [(t, float(v)) for t, v in zip(ms, column.tolist(), strict=True)
                  if math.isfinite(v)]
        if points:
            out.append((writeback_labels(scored.labels, scored.query_key, metric), points))
    return out


def batches(series: list[WriteSeries], max_samples: int) -> Iterator[list[WriteSeries]]:
    """Group write series into requests of at most `max_samples` samples (a series with
    more than that is split across requests, oldest points first)."""
    batch: list[WriteSeries] = []
    size = 0
    for labels, points in series:
        start = 0
        while start < len(points):
            room = max_samples - size
            take = points[start:start + room]
            batch.append((labels, take))
            size += len(take)
            start += len(take)
            if size >= max_samples:
                yield batch
                batch, size = [], 0
    if batch:
        yield batch
