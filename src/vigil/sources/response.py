"""Parse a Prometheus HTTP API answer to `query_range` into series of points.

Only a `matrix` answer is a set of series; `scalar`, `string` and `vector` answers, an
`error` status and anything malformed raise `QueryError` with a reason the source
reports against the query (the other queries keep running). Values arrive as strings
("NaN", "+Inf" included); timestamps are Unix seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt


class QueryError(ValueError):
    """A query that cannot be scored: an API error, a non-matrix answer, too many series."""


@dataclass(slots=True)
class FetchedSeries:
    """One series of a query's answer: its labels (with `__name__` if any) and its points."""

    labels: dict[str, str]
    ts: npt.NDArray[np.float64]
    values: npt.NDArray[np.float64]


def parse_query_range(body: Any) -> list[FetchedSeries]:
    """The series of a decoded `query_range` JSON answer; QueryError when it is not a matrix."""
    if not isinstance(body, dict):
        raise QueryError("the answer is not a JSON object")
    if body.get("status") != "success":
        kind = body.get("errorType") or "error"
        raise QueryError(f"{kind}: {body.get('error') or 'the server reported a failure'}")
    data = body.get("data")
    if not isinstance(data, dict):
        raise QueryError("the answer has no data object")
    kind = data.get("resultType")
    if kind != "matrix":
        raise QueryError(f"the query returns a {kind}, not a range vector (matrix); "
                         "only queries that return series can be scored")
    result = data.get("result")
    if not isinstance(result, list):
        raise QueryError("the matrix has no result list")
    return [_series(item, i) for i, item in enumerate(result)]


def _series(item: Any, index: int) -> FetchedSeries:
    if not isinstance(item, dict) or not isinstance(item.get("metric"), dict):
        raise QueryError(f"series {index} has no metric labels")
    labels = {str(k): str(v) for k, v in item["metric"].items()}
    values = item.get("values")
    if not isinstance(values, list):
        raise QueryError(f"series {index} has no values")
    ts = np.empty(len(values), dtype=np.float64)
    vs = np.empty(len(values), dtype=np.float64)
    try:
        for j, (t, v) in enumerate(values):
            ts[j] = float(t)
            vs[j] = float(v)
    except (TypeError, ValueError):
        raise QueryError(f"series {index} has a malformed point") from None
    return FetchedSeries(labels, ts, vs)


def check_series_cap(count: int, cap: int) -> None:
    """QueryError when a query returns more series than the source allows."""
    if count > cap:
        raise QueryError(f"the query returns {count} series, over the cap of {cap} "
                         "(max_series); narrow it with a label matcher or an aggregation")


def finite_points(series: FetchedSeries) -> FetchedSeries:
    """The series without its NaN and infinite points (Prometheus answers 'NaN' for 0/0)."""
    keep = np.isfinite(series.values)
    if bool(keep.all()):
        return series
    return FetchedSeries(series.labels, series.ts[keep], series.values[keep])
