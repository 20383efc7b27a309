"""PromQL sources over HTTP: their status, the latest scores to scrape, recent points."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from vigil.api.deps import Principal, get_config, get_database, get_runtime, require_role
from vigil.api.problems import ProblemError
from vigil.core.types import MAX_ID, Role

router = APIRouter(prefix="/api/v1/sources", tags=["sources"])
EXPOSITION = "text/plain; version=0.0.4; charset=utf-8"


@router.get("")
async def list_sources(request: Request,
                       _p: Principal = Depends(require_role(Role.VIEWER))) -> dict[str, Any]:
    """Every configured source: settings (no secrets), each query's cursor, lag, series,
    last success and error, and whether the source is healthy."""
    from vigil.services.sources.queries import describe_sources

    items = await run_in_threadpool(describe_sources, get_database(request),
                                    get_config(request).sources, get_runtime(request).sources)
    return {"items": items}


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {EXPOSITION: {}},
                             "description": "Prometheus text exposition format"}})
async def scores(request: Request,
                 _p: Principal = Depends(require_role(Role.VIEWER))) -> Response:
    """The newest `vigil_anomaly_score`, `vigil_expected_lower|upper` and `vigil_anomaly`
    of every source series this replica scores, for Prometheus to scrape (with timestamps,
    like `/federate`). Sources with `write_back.expose: false` are left out."""
    body = get_runtime(request).sources.latest.render()
    return Response(body, media_type=EXPOSITION)


@router.get("/series/{series_id}/recent", responses={404: {"description": "Not a source series"}})
async def recent(request: Request, series_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                 _p: Principal = Depends(require_role(Role.VIEWER))) -> dict[str, Any]:
    """The ring buffer of a source series: its most recent points (kept with `store: none`
    too, for plots and explanations)."""
    from vigil.services.sources.queries import recent_points

    found = await run_in_threadpool(recent_points, get_database(request), series_id)
    if found is None:
        raise ProblemError(404, "not-found", "Not found",
                           f"series {series_id} is not fed by a source")
    return found
