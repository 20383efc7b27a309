"""Prometheus remote_write 1.0 receiver: `POST /api/v1/write`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from vigil.api.deps import Principal, get_config, get_runtime, require_role
from vigil.api.problems import ProblemError
from vigil.core.remote_write import RemoteWriteError
from vigil.core.types import Role
from vigil.services.remote_write import (
    REMOTE_WRITE_REQUESTS,
    DecompressionBusy,
    RemoteWriteReport,
)
from vigil.telemetry.logging import log_event

router = APIRouter(prefix="/api/v1", tags=["prometheus"])
WRITE_PATH = "/api/v1/write"
"""Where Prometheus sends remote_write requests."""

_WRITE_DOC = {
    "requestBody": {"required": True, "content": {"application/x-protobuf": {
        "schema": {"type": "string", "format": "binary",
                   "description": "snappy block-compressed prometheus.WriteRequest"}}}},
}


def _check_headers(request: Request) -> None:
    """Refuse (415) encodings and protobuf messages other than remote_write 1.0's."""
    encoding = request.headers.get("content-encoding", "snappy").strip().lower()
    if encoding != "snappy":
        raise ProblemError(415, "unsupported-media-type", "Unsupported media type",
                           f"Content-Encoding {encoding[:40]!r} is not supported; "
                           "remote_write bodies are snappy block-compressed")
    content_type = request.headers.get("content-type", "application/x-protobuf").lower()
    media, _, params = content_type.partition(";")
    proto = next((p.split("=", 1)[1].strip() for p in params.split(";")
                  if p.strip().startswith("proto=")), "prometheus.WriteRequest")
    if media.strip() != "application/x-protobuf" or proto.lower() != "prometheus.writerequest":
        raise ProblemError(415, "unsupported-media-type", "Unsupported media type",
                           f"Content-Type {content_type[:80]!r} is not supported; send "
                           "remote_write 1.0 (application/x-protobuf, prometheus.WriteRequest)")


def _count(status: int) -> None:
    REMOTE_WRITE_REQUESTS.labels(str(status)).inc()


@router.post("/write", status_code=204, response_class=Response, openapi_extra=_WRITE_DOC,
             responses={204: {"description": "Stored (rejected points, if any, are logged)"},
                        400: {"description": "Not snappy, malformed protobuf, over a "
                                             "limit (body, decompressed size, series, "
                                             "samples), or every point rejected: never "
                                             "retry; nothing stored"},
                        404: {"description": "remote_write is disabled in the operator config"},
                        415: {"description": "Not remote_write 1.0"},
                        429: {"description": "The key is over its remote_write rate"},
                        503: {"description": "Database unavailable, or the in-flight "
                                             "decompression budget is spent; nothing "
                                             "written, retry"}})
async def remote_write(
        request: Request,
        principal: Principal = Depends(require_role(Role.OPERATOR, "remote_write")),
) -> Response:
    """Store samples sent by Prometheus `remote_write` (protocol 1.0).

    Series are filtered by the `remote_write.keep` selectors of the operator config,
    then pass the same validation and storage as `/api/v1/ingest`. The whole request
    is refused with 400 (nothing stored) when it cannot be decoded or passes a
    limit, the protocol's answer for a request that will never succeed; otherwise
    valid points are stored and rejected ones logged (`REMOTE_WRITE_REJECTED`), and
    the answer is 204. Staleness markers are dropped.
    """
    config = get_config(request).remote_write
    if not config.enabled:
        _count(404)
        raise ProblemError(404, "remote-write-disabled", "Not found",
                           "remote_write is disabled in the operator config")
    try:
        _check_headers(request)
    except ProblemError:
        _count(415)
        raise
    body = await request.body()
    try:
        report: RemoteWriteReport = await run_in_threadpool(get_runtime(request).remote_write,
                                                            body)
    except RemoteWriteError as exc:
        _count(400)
        log_event("REMOTE_WRITE_REFUSED", "WARNING", key_name=principal.name,
                  status=400, reason=exc.reason, bytes=len(body))
        slug = "payload-too-large" if exc.over_limit else "malformed-remote-write"
        title = "Payload too large" if exc.over_limit else "Bad request"
        raise ProblemError(400, slug, title,
                           f"{exc.reason}; nothing was stored") from None
    except DecompressionBusy as exc:
        _count(503)
        log_event("REMOTE_WRITE_BUSY", "WARNING", key_name=principal.name, needed=exc.needed)
        raise ProblemError(503, "decompression-busy", "Service unavailable",
                           "too many large remote_write bodies are being decoded right now; "
                           "nothing was stored, retry", headers={"Retry-After": "1"}) from None
    outcome = report.ingest
    if outcome.rejected:
        first = outcome.rejected[0]
        log_event("REMOTE_WRITE_REJECTED", "WARNING", key_name=principal.name,
                  rejected=len(outcome.rejected), accepted=outcome.accepted,
                  first_reason=first.reason)
    if report.nothing_valid:
        _count(400)
        reasons = sorted({r.reason for r in outcome.rejected})[:5]
        raise ProblemError(400, "all-points-rejected", "Bad request",
                           "every point of the request was rejected; nothing was stored: "
                           + "; ".join(reasons))
    _count(204)
    return Response(status_code=204)
