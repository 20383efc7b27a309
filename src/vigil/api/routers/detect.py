"""POST /api/v1/detect: stateless anomaly detection over a series sent in the request."""

from __future__ import annotations

import math
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from vigil.api.bodies import parse_json_body
from vigil.api.deps import Principal, get_settings, require_role
from vigil.api.problems import PROBLEM_JSON, ProblemError, problem_body
from vigil.api.schemas import RawNumber
from vigil.core.ingest import parse_timestamp, parse_value
from vigil.core.types import Role
from vigil.detection.registry import DEFAULT_DETECTOR, detector_names
from vigil.services.cpu_pool import CpuPool
from vigil.services.detect import score_series

router = APIRouter(prefix="/api/v1", tags=["detection"])


class DetectRequest(BaseModel):
    """A series to score: [timestamp, value] points; null or "NaN" values are missing."""

    model_config = ConfigDict(extra="forbid")

    points: list[tuple[RawNumber, RawNumber | None]] = Field(min_length=1)
    detector: str = DEFAULT_DETECTOR


class PointScore(BaseModel):
    """The verdict on one point (in time order; `index` is its position in the request)."""

    index: int
    timestamp: float
    value: float | None
    score: float
    expected: float | None
    lower: float | None
    upper: float | None
    severity: str | None
    warming_up: bool
    explanation: str


class DetectResponse(BaseModel):
    """Per-point scores and the anomalies (warning or worse)."""

    detector: str
    points: list[PointScore]
    anomalies: list[PointScore]


_DOC = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": DetectRequest.model_json_schema(ref_template="#/components/schemas/{model}")}}}}


def _parse(body: bytes, max_points: int) -> tuple[list[float], list[float], str, list[int]]:
    request = parse_json_body(DetectRequest, body)
    if request.detector not in detector_names():
        raise ProblemError(422, "invalid-input", "Invalid input",
                           f"unknown detector {request.detector!r}",
                           [{"in": "body", "path": "detector",
                             "message": f"one of {', '.join(detector_names())}"}])
    if len(request.points) > max_points:
        raise ProblemError(413, "too-many-points", "Payload too large",
                           f"{len(request.points)} points exceed the limit of {max_points}")
    ts: list[float] = []
    values: list[float] = []
    problems: list[dict[str, Any]] = []
    for i, (raw_ts, raw_value) in enumerate(request.points):
        try:
            t = parse_timestamp(raw_ts)
            if t < 0:
                raise ValueError("timestamp is before 1970-01-01T00:00:00Z")
        except ValueError as exc:
            problems.append({"in": "body", "path": f"points.{i}.0", "message": str(exc)})
            continue
        try:
            v = math.nan if raw_value is None else parse_value(raw_value)
        except ValueError as exc:
            problems.append({"in": "body", "path": f"points.{i}.1", "message": str(exc)})
            continue
        ts.append(t)
        values.append(v if math.isfinite(v) else math.nan)
    if problems:
        raise ProblemError(422, "invalid-input", "Invalid input",
                           f"{len(problems)} points could not be read", problems[:50])
    order = sorted(range(len(ts)), key=ts.__getitem__)
    return ts, values, request.detector, order


def detect_job(body: bytes, max_points: int, instance: str) -> tuple[int, bytes]:
    """Parse, score and render one request (runs in a worker process): (status, JSON bytes).

    Everything CPU-heavy happens here, JSON decoding and encoding included, so the
    server's event loop only moves bytes.
    """
    try:
        ts, values, name, order = _parse(body, max_points)
    except ProblemError as exc:
        return exc.status, orjson.dumps(problem_body(exc.status, exc.type, exc.title,
                                                     exc.detail, exc.errors, instance))
    scored = score_series(ts, values, name)
    for record, original in zip(scored.records, order, strict=True):
        record["index"] = original
    return 200, orjson.dumps({"detector": name, "points": scored.records,
                              "anomalies": scored.anomalies})


@router.post("/detect", response_model=DetectResponse, openapi_extra=_DOC,
             responses={400: {"description": "Malformed JSON"},
                        413: {"description": "Too many points"},
                        422: {"description": "Unreadable points or unknown detector"},
                        429: {"description": "The key is over its detect rate"},
                        503: {"description": "Every detection worker is busy; retry"}})
async def detect(request: Request,
                 _p: Principal = Depends(require_role(Role.VIEWER, "detect"))) -> Response:
    """Score a series with a fresh detector (nothing is stored).

    Points are scored in time order (out-of-order input is sorted; `index` in the answer
    is the position in the request). Missing values (null, "NaN") are allowed and are
    never anomalies. Early points are reported as `warming_up`. The work runs in a
    bounded pool of worker processes; when all are busy the answer is 503 with
    Retry-After.
    """
    settings = get_settings(request)
    pool: CpuPool = request.app.state.cpu_pools["detect"]
    status, content = await pool.run(detect_job, await request.body(),
                                     settings.max_points_per_request, request.url.path)
    media = "application/json" if status < 400 else PROBLEM_JSON
    return Response(content, status_code=status, media_type=media)
