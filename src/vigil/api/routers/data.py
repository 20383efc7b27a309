"""Ingest and read metric data: /api/v1/ingest, /api/v1/series, points and anomalies."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from vigil.api.bodies import parse_json_body
from vigil.api.deps import Principal, get_database, get_runtime, get_settings, require_role
from vigil.api.pagination import decode_cursor, encode_cursor, iso, query_time, to_datetime
from vigil.api.problems import ProblemError
from vigil.api.schemas import (
    AnomalyOut,
    AnomalyPage,
    IngestRequest,
    IngestResponse,
    PointsPage,
    SeriesOut,
    SeriesPage,
)
from vigil.config import Settings
from vigil.core.ingest import SeriesInput
from vigil.core.types import MAX_ID, Role
from vigil.services import feedback as feedback_svc
from vigil.services import queries
from vigil.storage.anomalies_repo import AnomalyFilter, AnomalyRecord
from vigil.storage.database import Database
from vigil.storage.series_repo import SeriesRecord

router = APIRouter(prefix="/api/v1", tags=["data"])

Limit = Annotated[int, Query(ge=1, le=10_000)]
SeriesIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
AnomalyIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


def _id_cursor(cursor: str | None) -> int | None:
    """Decode a cursor that must hold a database id."""
    after = decode_cursor(cursor)
    if after is None:
        return None
    if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after <= MAX_ID:
        raise ProblemError(422, "invalid-cursor", "Invalid input", "the cursor is not valid")
    return after
_INGEST_DOC = {
    "requestBody": {"required": True, "content": {
        "application/json": {"schema": IngestRequest.model_json_schema(
            ref_template="#/components/schemas/{model}")}}},
}


def parse_ingest_body(body: bytes, settings: Settings) -> list[SeriesInput]:
    """Parse and shape-check an ingest body: 400 when not JSON, 422 with paths, 413 on limits."""
    request = parse_json_body(IngestRequest, body)
    if len(request.series) > settings.max_series_per_request:
        raise ProblemError(413, "too-many-series", "Payload too large",
                           f"{len(request.series)} series exceed the limit of "
                           f"{settings.max_series_per_request} per request")
    total = sum(len(s.points) for s in request.series)
    if total > settings.max_points_per_request:
        raise ProblemError(413, "too-many-points", "Payload too large",
                           f"{total} points exceed the limit of "
                           f"{settings.max_points_per_request} per request")
    return [SeriesInput(s.name, s.labels, list(s.points)) for s in request.series]


@router.post("/ingest", response_model=IngestResponse, openapi_extra=_INGEST_DOC,
             responses={400: {"description": "Malformed JSON"},
                        413: {"description": "Body, series or points over the limit"},
                        422: {"description": "Wrong shape, or every point rejected"},
                        503: {"description": "Database unavailable; nothing written"}})
async def ingest_points(request: Request,
                        _p: Principal = Depends(require_role(Role.OPERATOR))) -> JSONResponse:
    """Store points of many series. Valid points are stored even when others are rejected.

    Each rejected point is listed with its series and point index and the reason
    (non-finite value, timestamp before 1970 or more than a day ahead, bad name or
    labels). Re-sending a stored point is counted as a duplicate, never stored twice.
    When every point is rejected the answer is 422 with the same report.
    """
    settings = get_settings(request)
    batch = parse_ingest_body(await request.body(), settings)
    report = await run_in_threadpool(get_runtime(request).ingest, batch)
    body: dict[str, Any] = {
        "accepted": report.accepted, "duplicates": report.duplicates,
        "rejected_count": len(report.rejected),
        "rejected": [{"series": r.series, "point": r.point, "reason": r.reason}
                     for r in report.rejected[:1000]],
    }
    nothing_valid = report.accepted == 0 and report.duplicates == 0 and report.rejected
    if nothing_valid:
        body.update({"type": "https://vigil.dev/problems/all-points-rejected",
                     "title": "Invalid input", "status": 422,
                     "detail": "every point of the request was rejected; nothing was stored",
                     "instance": request.url.path})
        return JSONResponse(body, status_code=422, media_type="application/problem+json")
    return JSONResponse(body)


def _series_out(record: SeriesRecord) -> SeriesOut:
    return SeriesOut(id=record.id, name=record.name, labels=record.labels,
                     created_at=iso(record.created_at) or "")


def _parse_label_filters(raw: list[str]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for item in raw:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ProblemError(422, "invalid-input", "Invalid input",
                               f"label filter {item[:60]!r} must look like key=value",
                               [{"in": "query", "path": "label", "message": "expected key=value"}])
        labels[key] = value
    return labels


@router.get("/series", response_model=SeriesPage)
def list_series(
    name: str | None = None,
    label: Annotated[list[str] | None, Query(description="key=value, repeatable")] = None,
    limit: Limit = 100,
    cursor: str | None = None,
    db: Database = Depends(get_database),
    _p: Principal = Depends(require_role(Role.VIEWER)),
) -> SeriesPage:
    """Series filtered by exact name and label pairs, paginated in creation order."""
    after = _id_cursor(cursor)
    labels = _parse_label_filters(label or [])
    rows = queries.series_page(db, name, labels, after or 0, limit)
    nxt = encode_cursor(rows[-1].id) if len(rows) == limit else None
    return SeriesPage(items=[_series_out(r) for r in rows], next_cursor=nxt)


@router.get("/series/{series_id}/points", response_model=PointsPage,
            responses={404: {"description": "No such series"}})
def series_points(
    series_id: SeriesIdPath,
    start: str | None = None,
    end: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
    cursor: str | None = None,
    db: Database = Depends(get_database),
    _p: Principal = Depends(require_role(Role.VIEWER)),
) -> PointsPage:
    """Points of one series in [start, end] (RFC 3339 or Unix seconds), oldest first."""
    after = decode_cursor(cursor)
    if after is not None and (isinstance(after, bool) or not isinstance(after, int | float)):
        raise ProblemError(422, "invalid-cursor", "Invalid input", "the cursor is not valid")
    if after is not None:
        after = float(after)
    found = queries.points_page(db, series_id, query_time(start, "start"),
                                query_time(end, "end"), after, limit)
    if found is None:
        raise ProblemError(404, "not-found", "Not found", f"there is no series {series_id}")
    record, points = found
    nxt = encode_cursor(points[-1][0]) if len(points) == limit else None
    return PointsPage(series=_series_out(record), points=points, next_cursor=nxt)


def anomaly_out(record: AnomalyRecord, feedback: dict[str, Any] | None = None) -> AnomalyOut:
    """Render a stored anomaly (with the operator's feedback, when given)."""
    return AnomalyOut(
        id=record.id, series_id=record.series_id, timestamp=iso(record.timestamp) or "",
        value=record.value, score=record.score, expected_value=record.expected_value,
        expected_lower=record.expected_lower, expected_upper=record.expected_upper,
        severity=record.severity, detector=record.detector, model_version=record.model_version,
        explanation=record.explanation, status=record.status,
        created_at=iso(record.created_at) or "", feedback=feedback)


@router.get("/anomalies", response_model=AnomalyPage)
def list_anomalies(
    series_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    start: str | None = None,
    end: str | None = None,
    severity: Annotated[str | None, Query(pattern="^(info|warning|critical)$")] = None,
    status: Annotated[str | None, Query(pattern="^(open|acknowledged|resolved)$")] = None,
    limit: Limit = 100,
    cursor: str | None = None,
    db: Database = Depends(get_database),
    _p: Principal = Depends(require_role(Role.VIEWER)),
) -> AnomalyPage:
    """Stored anomalies, newest first, filtered by series, time range, severity and status."""
    after = _id_cursor(cursor)
    filt = AnomalyFilter(series_id, to_datetime(query_time(start, "start")),
                         to_datetime(query_time(end, "end")), severity, status)
    rows = queries.anomalies_page(db, filt, after, limit)
    nxt = encode_cursor(rows[-1].id) if len(rows) == limit else None
    labels = feedback_svc.feedback_of(db, [r.id for r in rows])
    return AnomalyPage(items=[anomaly_out(r, feedback_svc.feedback_json(labels[r.id])
                                          if r.id in labels else None) for r in rows],
                       next_cursor=nxt)


@router.post("/anomalies/{anomaly_id}/acknowledge", response_model=AnomalyOut,
             responses={404: {"description": "No such anomaly"}})
def acknowledge_anomaly(
    anomaly_id: AnomalyIdPath,
    db: Database = Depends(get_database),
    principal: Principal = Depends(require_role(Role.OPERATOR)),
) -> AnomalyOut:
    """Mark an anomaly as acknowledged."""
    record = queries.set_anomaly_status(db, anomaly_id, "acknowledged", principal.name)
    if record is None:
        raise ProblemError(404, "not-found", "Not found", f"there is no anomaly {anomaly_id}")
    return anomaly_out(record)
