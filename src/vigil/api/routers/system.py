"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from vigil.services.readiness import check_readiness

router = APIRouter(tags=["system"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process answers; no dependencies are checked."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "A dependency is not ready"}})
async def ready(request: Request) -> JSONResponse:
    """Readiness: the database (and Redis when configured) answer and the schema is current."""
    report: dict[str, Any] = await run_in_threadpool(
        check_readiness, request.app.state.db, request.app.state.settings)
    headers = {} if report["ready"] else {"Retry-After": "5"}
    return JSONResponse(report, status_code=200 if report["ready"] else 503, headers=headers)


@router.get("/metrics", response_class=Response)
async def metrics() -> Response:
    """Prometheus text exposition of Vigil's own metrics."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
